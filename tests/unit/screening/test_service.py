"""The external screening service against a real aiohttp server on 127.0.0.1: hits, clean
answers, and the hold-never-pass policy for slow, failing, garbled and absent services."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from hub.metrics import Metrics
from hub.model import Agent, Kind, Message, Money, Party
from hub.pipeline import Submission
from hub.screening import Entry, HttpScreeningService, Screener, WatchList, hold_check

SUBMISSION = Submission(raw=b"", channel="test")
MESSAGE = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, instruction_id="REF-1",
                  amount=Money.parse("5.00", "EUR"), creditor=Party(name="Jane Roe"),
                  creditor_agent=Agent(bic="BNPAFRPP"))


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    async def hit(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        return web.json_response({"hits": [{"path": "creditor.name", "list": "VENDOR-PEP",
                                            "entry": "P-77", "score": 93.5,
                                            "name": "ROE, Jane"}]})

    async def clean(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"hits": []})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.json_response({"hits": []})

    async def failing(request: web.Request) -> web.Response:
        return web.Response(status=500, text="internal error")

    async def garbled(request: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>")

    async def refusing(request: web.Request) -> web.Response:
        return web.Response(status=403)

    app = web.Application()
    for path, handler in (("/hit", hit), ("/clean", clean), ("/slow", slow),
                          ("/500", failing), ("/garbled", garbled), ("/403", refusing)):
        app.router.add_post(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


async def run(url: str, timeout: float = 0.3) -> tuple[Any, Metrics]:
    metrics = Metrics(CollectorRegistry())
    service = HttpScreeningService(url, timeout)
    try:
        hold = await hold_check(Screener(WatchList(()), service=service), metrics)(
            MESSAGE, SUBMISSION)
    finally:
        await service.close()
    return hold, metrics


async def test_hit_holds(server: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = server
    hold, metrics = await run(url + "/hit")
    assert hold.code == "SCREEN.HIT"
    assert hold.data["hits"] == [{"path": "creditor.name", "list": "VENDOR-PEP",
                                  "entry": "P-77", "score": 93.5, "matched": "ROE, Jane",
                                  "type": "service"}]
    assert metrics.screening_hits.labels("VENDOR-PEP")._value.get() == 1
    (request,) = received
    assert request["reference"] == "REF-1"
    assert {"path": "creditor.name", "type": "name", "value": "Jane Roe"} in request["parties"]
    assert {"path": "creditor_agent.bic", "type": "bic", "value": "BNPAFRPP"} in \
        request["parties"]


async def test_clean_passes(server: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = server
    hold, _metrics = await run(url + "/clean")
    assert hold is None and len(received) == 1


@pytest.mark.parametrize(("path", "reason"), [
    ("/slow", "timeout"), ("/500", "status_5xx"), ("/garbled", "answer"), ("/403", "status")])
async def test_no_usable_answer_holds(server: tuple[str, list[dict[str, Any]]], path: str,
                                      reason: str) -> None:
    url, _ = server
    started = asyncio.get_running_loop().time()
    hold, metrics = await run(url + path)
    assert asyncio.get_running_loop().time() - started < 1.5  # the timeout, not the server
    assert hold.code == "SCREEN.UNAVAILABLE" and hold.data == {"reason": reason}
    assert metrics.screening_errors.labels(reason)._value.get() == 1


async def test_connection_refused_holds() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hold, _metrics = await run(f"http://127.0.0.1:{port}/screen")
    assert hold.code == "SCREEN.UNAVAILABLE" and hold.data == {"reason": "connection"}


async def test_list_hits_survive_a_silent_service(
        server: tuple[str, list[dict[str, Any]]]) -> None:
    url, _ = server
    service = HttpScreeningService(url + "/slow", 0.2)
    screener = Screener(WatchList([Entry(list_name="L", entry_id="9", names=("Jane Roe",))]),
                        service=service)
    try:
        hold = await hold_check(screener)(MESSAGE, SUBMISSION)
    finally:
        await service.close()
    assert hold is not None and hold.code == "SCREEN.HIT"
    assert [h["entry"] for h in hold.data["hits"]] == ["9"]
    assert "no answer" in hold.data["service"]
