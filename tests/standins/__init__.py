"""Stand-ins: loopback servers that take the place of a third-party peer no test can reach.

Each one follows its peer's documented requests, answers and error bodies; none is that peer.
`ReplayServer` plays recorded exchanges (tests/recorded/<peer>/*.json) in order and notes every
request that differs from the recording, so a test fails when the connector asks something else.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

RECORDED = Path(__file__).resolve().parent.parent / "recorded"


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run an aiohttp app on 127.0.0.1 (a port the kernel picks); yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    await site.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await runner.cleanup()


def load_recording(peer: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((RECORDED / peer / f"{name}.json").read_bytes())
    return data


class ReplayServer:
    """Answers each request with the next recorded response, checking it is the recorded ask.

    A recorded request lists the method, path, the headers and form or JSON fields that must be
    present with those values ("*" means present, any value). A response may carry `delay`
    seconds, to play a gateway that answers too late.
    """

    def __init__(self, exchanges: list[dict[str, Any]]) -> None:
        self.exchanges = list(exchanges)
        self.mismatches: list[str] = []
        self.seen: list[dict[str, Any]] = []

    @classmethod
    def recorded(cls, peer: str, name: str) -> ReplayServer:
        return cls(load_recording(peer, name)["exchanges"])

    @property
    def remaining(self) -> int:
        return len(self.exchanges)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        fields: dict[str, Any] = {}
        if request.content_type == "application/x-www-form-urlencoded":
            fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
        elif body:
            try:
                fields = orjson.loads(body)
            except orjson.JSONDecodeError:
                fields = {}
        self.seen.append({"method": request.method, "path": request.path,
                          "headers": dict(request.headers), "fields": fields})
        if not self.exchanges:
            self.mismatches.append(f"unexpected {request.method} {request.path}")
            return web.json_response({"error": "no recorded exchange left"}, status=599)
        exchange = self.exchanges.pop(0)
        want = exchange["request"]
        problems = []
        if (request.method, request.path) != (want["method"], want["path"]):
            problems.append(f"{request.method} {request.path} instead of "
                            f"{want['method']} {want['path']}")
        for name, value in want.get("headers", {}).items():
            got = request.headers.get(name)
            if got is None or (value != "*" and got != value):
                problems.append(f"header {name}: {got!r} instead of {value!r}")
        for name, value in {**want.get("form", {}), **want.get("json", {})}.items():
            got = fields.get(name)
            if got is None or (value != "*" and got != value):
                problems.append(f"field {name}: {got!r} instead of {value!r}")
        self.mismatches.extend(problems)
        answer = exchange["response"]
        if answer.get("delay"):
            await asyncio.sleep(float(answer["delay"]))
        return web.Response(status=int(answer["status"]), headers=answer.get("headers", {}),
                            body=orjson.dumps(answer.get("body", {})),
                            content_type="application/json")
