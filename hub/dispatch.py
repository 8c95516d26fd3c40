"""The dispatcher: claims outbox rows and sends them, owning the I/O policy (STYLE §7).

Timeouts, retries with exponential backoff and jitter, the circuit breaker per connector,
fallback to the next route, dead letters, and one structured log line per send live here, once.
Several hub processes share the outbox safely: a row is claimed with a lease (SKIP LOCKED on
PostgreSQL), and every send carries the idempotency key so a row re-claimed after a crash is
never paid twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson

from hub.config import DispatchSettings
from hub.connectors.base import Connector, Delivery, Outbound, Outcome
from hub.errors import ConnectorError
from hub.journal import Journal, NewEvent, OutboxItem, OutboxRow, Settlement, now_us
from hub.limits import Limits
from hub.metrics import Metrics
from hub.model import Message, State, from_data
from hub.router import NoRoute, RouteChoice
from hub.status import OUTCOME_STATES

log = logging.getLogger(__name__)


class Breaker(Protocol):
    def allow(self) -> bool: ...
    def record_success(self) -> None: ...
    def record_failure(self) -> None: ...


class Rerouter(Protocol):
    def __call__(self, message: Message, exclude: frozenset[str],
                 message_id: str) -> tuple[RouteChoice, OutboxRow] | NoRoute: ...


# The dispatcher's policy is its configuration section, read as it stands.
Policy = DispatchSettings


REPLAN_GRACE = timedelta(minutes=1)
URGENT_AHEAD = 86_400_000_000  # µs: an urgent payment waiting for liquidity goes before others

# Failures after which money may already have moved: a person decides, never a fallback route.
NEEDS_A_PERSON = frozenset({"LINK.INTEGRITY", "STRIPE.IDEMPOTENCY", "PAYPAL.DUPLICATE_BATCH",
                            "LINK.NAME_TAKEN"})


def backoff(attempt: int, policy: Policy, rng: Callable[[], float] = random.random) -> float:
    """Exponential with full jitter on the upper half: base * 2^(n-1), capped, times 0.5-1.0."""
    delay: float = min(policy.max_delay, policy.base_delay * 2 ** max(attempt - 1, 0))
    return delay * (0.5 + rng() / 2)


class Dispatcher:
    def __init__(self, journal: Journal, connectors: Mapping[str, Connector], *,
                 metrics: Metrics, policy: Policy, worker: str,
                 breakers: Mapping[str, Breaker] | None = None,
                 reroute: Rerouter | None = None, limits: Limits | None = None) -> None:
        self.journal = journal
        self.connectors = connectors
        self.metrics = metrics
        self.policy = policy
        self.worker = worker
        self.breakers = breakers or {}
        self.reroute = reroute
        self.limits = limits
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._limit = asyncio.Semaphore(policy.concurrency)
        self.running = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Claim and send until stopped; the batches in hand are finished before returning.

        `policy.loops` claim loops run side by side: while one waits on its links (an fsync, a
        broker confirm), another claims and sends the next batch. Claims never overlap, so no
        row is sent by two loops."""
        self.running = True
        try:
            await asyncio.gather(*(self._loop() for _ in range(max(1, self.policy.loops))))
        finally:
            self.running = False

    async def _loop(self) -> None:
        lease_us = int(self.policy.lease_seconds * 1_000_000)
        while not self._stopping.is_set():
            self._wake.clear()
            items = await self.journal.claim(self.worker, self.policy.batch_size, lease_us)
            if items:
                await self.dispatch(items)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.policy.poll_interval)

    async def dispatch(self, items: list[OutboxItem]) -> list[Settlement]:
        messages = [from_data(item.canonical)[0] for item in items]
        # Limits are taken one payment at a time, in claim order, so an urgent payment that
        # waited gets the liquidity before a later one; the sends then run concurrently.
        held = [await self._admit(item, message) for item, message in zip(items, messages,
                                                                          strict=True)]
        verdicts = await asyncio.gather(*(self._one(item, message, h) for item, message, h
                                          in zip(items, messages, held, strict=True)))
        started = time.perf_counter()
        await self.journal.settle(list(verdicts))
        if self.limits is not None:  # what failed for good gives its liquidity back
            for v in verdicts:
                if v.outcome in ("dead", "reroute") or v.state in (State.REJECTED,
                                                                    State.RETURNED):
                    await self.limits.release(v.message_id)
            if any(v.outcome == "wait" for v in verdicts):
                await self.limits.refresh()
        self.metrics.journal_commit_seconds.labels("settle").observe(
            time.perf_counter() - started)
        return list(verdicts)

    async def _admit(self, item: OutboxItem,
                     message: Message | None) -> tuple[str, str, str] | None:
        if self.limits is None or message is None or item.connector not in self.connectors \
                or (item.route or {}).get("limit_override"):
            return None
        return await self.limits.admit(item.message_id, item.connector, message)

    async def _one(self, item: OutboxItem, message: Message | None,
                   held: tuple[str, str, str] | None) -> Settlement:
        connector = self.connectors.get(item.connector)
        breaker = self.breakers.get(item.connector)
        started = time.perf_counter()
        error: ConnectorError | None = None
        delivery: Delivery | None = None
        if connector is None:
            error = ConnectorError(f"no connector {item.connector!r} in this hub",
                                   code="LINK.UNKNOWN", retryable=False)
        elif message is None:
            error = ConnectorError("stored message no longer reads", code="LINK.ERROR",
                                   retryable=False)
        elif held is not None:
            return self._held(item, *held)
        elif (late := self._replanned(item, message)) is not None:
            return late
        elif breaker is not None and not breaker.allow():
            error = ConnectorError(f"circuit open for {item.connector}", code="LINK.CIRCUIT_OPEN",
                                   retryable=True)
        else:
            outbound = Outbound(message_id=item.message_id, idempotency_key=item.idempotency_key,
                                format=item.format, payload=item.payload, message=message,
                                attempt=item.attempts, route=item.route or {})
            try:
                async with self._limit:
                    delivery = await asyncio.wait_for(connector.send(outbound),
                                                      self.policy.send_timeout)
            except ConnectorError as exc:
                error = exc
            except TimeoutError:
                error = ConnectorError(f"{item.connector} did not answer within "
                                       f"{self.policy.send_timeout}s", code="LINK.TIMEOUT")
            except Exception as exc:
                log.exception("connector failed", extra={"action": "dispatch.crash",
                                                         "message_id": item.message_id})
                error = ConnectorError(f"{type(exc).__name__} in {item.connector}")
            if breaker is not None:
                (breaker.record_failure if error and error.retryable else
                 breaker.record_success)()
        elapsed = time.perf_counter() - started
        self.metrics.send_seconds.labels(item.connector).observe(elapsed)
        if delivery is not None:
            verdict = self._sent(item, delivery)
        else:
            assert error is not None
            verdict = self._failed(item, error, message)
        self.metrics.dispatched.labels(item.connector, verdict.outcome).inc()
        log.info("send", extra={
            "action": "dispatch.send", "message_id": item.message_id,
            "uetr": (message.uetr and str(message.uetr)) if message else None,
            "connector": item.connector, "attempt": item.attempts, "outcome": verdict.outcome,
            "state": verdict.state.value, "error": verdict.error,
            "reference": verdict.external_ref, "ms": round(elapsed * 1000, 2)})
        return verdict

    def _fallback(self, item: OutboxItem, message: Message | None, data: dict[str, Any],
                  error: ConnectorError) -> Settlement | None:
        """The next route, excluding every connector this message already failed on."""
        if self.reroute is None or message is None:
            return None
        tried = frozenset((item.route or {}).get("tried", ())) | {item.connector}
        alternative = self.reroute(message, tried, item.message_id)
        if isinstance(alternative, NoRoute):
            return None
        choice, row = alternative
        route = {**dict(choice.data), "tried": sorted(tried)}
        return Settlement(outbox_id=item.id, message_id=item.message_id, outcome="reroute",
                          state=State.QUEUED,
                          event=NewEvent("rerouted", State.QUEUED, self.worker, {
                              **data, "fallback": choice.connector, "rule": choice.rule}),
                          error=error.message, reroute=row,
                          route_json=orjson.dumps(route).decode())

    def _replanned(self, item: OutboxItem, message: Message) -> Settlement | None:
        """A route planned for a window that has passed (a cut-off missed while the message
        waited) is planned again; when the new plan sends by another connector, it goes there."""
        hops = (item.route or {}).get("hops") or []
        departs = hops[0].get("departs") if hops else None
        if self.reroute is None or not departs:
            return None
        try:
            planned = datetime.fromisoformat(departs)
        except ValueError:
            return None
        if datetime.now(UTC) - planned < REPLAN_GRACE:
            return None
        alternative = self.reroute(message, frozenset(), item.message_id)
        if isinstance(alternative, NoRoute):
            return None  # nothing better: send as planned
        choice, row = alternative
        if choice.connector == item.connector:
            return None
        data = {"planned_departure": departs, "from": item.connector, "to": choice.connector,
                "rule": choice.rule, "reason": "the planned window passed before sending"}
        return Settlement(outbox_id=item.id, message_id=item.message_id, outcome="reroute",
                          state=State.QUEUED,
                          event=NewEvent("replanned", State.QUEUED, self.worker, data),
                          reroute=row, route_json=orjson.dumps(dict(choice.data)).decode())

    def _held(self, item: OutboxItem, verdict: str, code: str, why: str) -> Settlement:
        """A limit said no: wait for liquidity (the row is parked), or hand it to a person."""
        data = {"connector": item.connector, "code": code, "reason": why}
        self.metrics.dispatched.labels(item.connector, verdict).inc()
        if verdict == "wait":
            # Parked rows go again oldest first, urgent ones before all others.
            urgent = (item.canonical.get("priority") or "").upper() in ("HIGH", "URGP")
            return Settlement(outbox_id=item.id, message_id=item.message_id, outcome="wait",
                              state=item.state, next_us=now_us() - (URGENT_AHEAD if urgent else 0),
                              event=NewEvent("limit_wait", item.state, self.worker, data))
        return Settlement(outbox_id=item.id, message_id=item.message_id, outcome="dead",
                          state=State.REPAIR,
                          event=NewEvent("limit_exceeded", State.REPAIR, self.worker, data),
                          error=why)

    def _sent(self, item: OutboxItem, delivery: Delivery) -> Settlement:
        state = OUTCOME_STATES.get(delivery.outcome) or State.DISPATCHED
        if delivery.outcome is Outcome.REJECTED:
            state = State.REJECTED
        data: dict[str, Any] = {"connector": item.connector, "attempt": item.attempts,
                                "outcome": delivery.outcome.value,
                                "reference": delivery.reference, **dict(delivery.detail)}
        return Settlement(outbox_id=item.id, message_id=item.message_id, outcome="sent",
                          state=state, event=NewEvent("dispatched", state, self.worker, data),
                          external_ref=delivery.reference)

    def _failed(self, item: OutboxItem, error: ConnectorError,
                message: Message | None) -> Settlement:
        data: dict[str, Any] = {"connector": item.connector, "attempt": item.attempts,
                                "code": error.code, "error": error.message}
        circuit_open = error.code == "LINK.CIRCUIT_OPEN"
        if circuit_open and (moved := self._fallback(item, message, data, error)) is not None:
            return moved  # the link is down: take the next route now rather than wait
        if error.retryable and item.attempts < self.policy.max_attempts:
            delay = backoff(item.attempts, self.policy)
            retry_after = getattr(error, "retry_after", None)
            if isinstance(retry_after, (int, float)):
                delay = max(delay, float(retry_after))
            data["retry_in_s"] = round(delay, 3)
            return Settlement(outbox_id=item.id, message_id=item.message_id, outcome="retry",
                              state=State.RETRYING,
                              event=NewEvent("send_failed", State.RETRYING, self.worker, data),
                              next_us=now_us() + int(delay * 1_000_000), error=error.message)
        if error.code in NEEDS_A_PERSON:
            data["reason"] = "the link may have acted on it: a person must check before any retry"
            return Settlement(outbox_id=item.id, message_id=item.message_id, outcome="dead",
                              state=State.REPAIR,
                              event=NewEvent("needs_repair", State.REPAIR, self.worker, data),
                              error=error.message)
        if (moved := self._fallback(item, message, data, error)) is not None:
            return moved
        data["fallback"] = None
        return Settlement(outbox_id=item.id, message_id=item.message_id, outcome="dead",
                          state=State.DEAD, event=NewEvent("dead", State.DEAD, self.worker, data),
                          error=error.message)


