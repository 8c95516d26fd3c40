"""Callbacks to originators (signed, retried, dead-lettered) and the acknowledgement timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from hub.app import Hub
from hub.callbacks import HEADER, verify
from hub.config import load
from hub.model import State
from hub.secrets import Secret
from tests.integration.core.test_journal import payment


class Receiver:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.got: list[tuple[dict[str, Any], bool]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            ok = verify(body, request.headers.get(HEADER, ""), Secret("cb-secret"))
            self.got.append((orjson.loads(body), ok))
            return web.Response(status=self.status)
        app = web.Application()
        app.router.add_post("/hook", handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


async def make_hub(tmp_path: Path, **extra: str) -> Hub:
    (tmp_path / "cb.key").write_text("cb-secret\n")
    env = {"HUB__HUB__DATA_DIR": str(tmp_path), "HUB__API__PORT": "0",
           "HUB__API__ADMIN_PORT": "0", "HUB__DISPATCH__POLL_INTERVAL": "0.05",
           "HUB__CALLBACKS__SECRET_FILE": str(tmp_path / "cb.key"),
           "HUB__CALLBACKS__INTERVAL": "0.1", "HUB__CALLBACKS__BASE_DELAY": "0",
           "HUB__CALLBACKS__MAX_DELAY": "0", "HUB__CALLBACKS__MAX_ATTEMPTS": "2", **extra}
    h = Hub(load(None, env=env))
    await h.start()
    return h


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def post(h: Hub, body: bytes, **headers: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{h.api_port}/v1/messages", data=body,
            headers={"Authorization": f"Bearer {h.bootstrap_token}", **headers}) as r:
        assert r.status == 202
        data: dict[str, Any] = await r.json()
        return data


async def test_every_state_change_is_posted_signed(tmp_path: Path, receiver: Receiver) -> None:
    h = await make_hub(tmp_path)
    try:
        body = await post(h, payment(), **{"Callback-URL": receiver.url})
        await until(lambda: any(g["state"] == "DISPATCHED" for g, _ in receiver.got))
        states = [g["state"] for g, _ in receiver.got]
        assert states == ["RECEIVED", "VALIDATED", "ROUTED", "QUEUED", "DISPATCHED"]
        assert all(ok for _, ok in receiver.got)
        assert {g["message_id"] for g, _ in receiver.got} == {body["id"]}
        assert not verify(orjson.dumps(receiver.got[0][0]), "t=1,v1=00", Secret("cb-secret"))
    finally:
        await h.stop()


async def test_failing_receiver_is_retried_then_dead_lettered(tmp_path: Path) -> None:
    failing = Receiver(status=500)
    await failing.start()
    h = await make_hub(tmp_path)
    try:
        await post(h, payment(), **{"Callback-URL": failing.url})
        assert h.journal is not None
        journal = h.journal

        async def dead() -> int:
            return len(await journal.dead_callbacks())
        for _ in range(200):
            if await dead() >= 5:
                break
            await asyncio.sleep(0.05)
        assert await dead() == 5
        assert len(failing.got) == 10  # two attempts each
        await journal.requeue_callbacks()
        failing.status = 200
        await until(lambda: len(failing.got) == 15)
    finally:
        await h.stop()
        await failing.stop()


async def test_no_acknowledgement_in_time_goes_to_repair(tmp_path: Path) -> None:
    h = await make_hub(tmp_path, HUB__CONNECTORS__OUTBOX__TYPE="filedrop",
                       HUB__CONNECTORS__OUTBOX__OUTBOUND=str(tmp_path / "out"),
                       HUB__CONNECTORS__OUTBOX__ACK_TIMEOUT="0.3")
    try:
        body = await post(h, payment())
        assert h.journal is not None
        journal = h.journal
        for _ in range(100):
            record = await journal.get(body["id"])
            if record is not None and record.state is State.REPAIR:
                break
            await asyncio.sleep(0.05)
        assert record is not None and record.state is State.REPAIR
        events = await journal.events(body["id"])
        assert events[-1].type == "no_acknowledgement"
    finally:
        await h.stop()
