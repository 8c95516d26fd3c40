"""Callbacks: every state change of a message is POSTed to the originator's webhook URL.

The body is signed like the gateways sign theirs: header `NVC-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 over "<t>.<body>">`; a receiver refuses a signature older than its replay
window. Delivery is durable (a callbacks table filled from the event log), retried with backoff,
and dead-lettered after `max_attempts`; `nvc-hub callbacks retry` sends the dead ones again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from typing import Any

import aiohttp
import orjson

from hub.dispatch import Policy, backoff
from hub.journal import Journal, now_us, us_to_iso
from hub.metrics import Metrics
from hub.secrets import Secret

log = logging.getLogger(__name__)

HEADER = "NVC-Signature"


def sign(body: bytes, secret: Secret, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.reveal().encode(), f"{t}.".encode() + body, hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def verify(body: bytes, header: str, secret: Secret, *, window: int = 300,
           now: int | None = None) -> bool:
    """For receivers (and tests): is this signature ours and fresh?"""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((int(time.time()) if now is None else now) - t) > window:
        return False
    expected = sign(body, secret, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def event_body(row: dict[str, Any]) -> bytes:
    return orjson.dumps({
        "message_id": row["message_id"], "uetr": row["uetr"], "reference": row["reference"],
        "event": row["n"], "type": row["type"], "state": row["state"],
        "at": us_to_iso(row["at_us"])}, option=orjson.OPT_SORT_KEYS)


class CallbackSender:
    def __init__(self, journal: Journal, secret: Secret | None, metrics: Metrics, *,
                 policy: Policy, timeout: float = 10.0, interval: float = 1.0) -> None:
        self.journal = journal
        self.secret = secret
        self.metrics = metrics
        self.policy = policy
        self.timeout = timeout
        self.interval = interval
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as s:
            while not self._stop.is_set():
                await self.once(s)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.interval)

    async def once(self, session: aiohttp.ClientSession) -> int:
        await self.journal.queue_callbacks(event_body)
        due = await self.journal.due_callbacks()
        await asyncio.gather(*(self._send(session, row) for row in due))
        return len(due)

    async def _send(self, session: aiohttp.ClientSession, row: dict[str, Any]) -> None:
        body = bytes(row["body"])
        headers = {"Content-Type": "application/json"}
        if self.secret is not None:
            headers[HEADER] = sign(body, self.secret)
        error: str | None = None
        try:
            async with session.post(row["url"], data=body, headers=headers) as response:
                if response.status >= 300:
                    error = f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = type(exc).__name__
        attempts = int(row["attempts"]) + 1
        if error is None:
            await self.journal.callback_result(row["id"], "sent", 0, None)
            self.metrics.callbacks.labels("sent").inc()
            return
        if attempts >= self.policy.max_attempts:
            await self.journal.callback_result(row["id"], "dead", 0, error)
            self.metrics.callbacks.labels("dead").inc()
            log.warning("callback dead-lettered", extra={
                "action": "callback.dead", "message_id": row["message_id"], "error": error})
            return
        delay = backoff(attempts, self.policy)
        await self.journal.callback_result(row["id"], "pending",
                                           now_us() + int(delay * 1_000_000), error)
        self.metrics.callbacks.labels("retry").inc()
