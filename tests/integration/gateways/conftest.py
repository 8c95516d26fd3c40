"""Peers for the gateway connectors: localstripe in a subprocess, a webhook sink, the stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from tests.standins import serve

LAUNCHER = Path(__file__).with_name("localstripe_main.py")


def start_localstripe(state: Path, *, persist: bool = True) -> tuple[subprocess.Popen[str], str]:
    """localstripe on 127.0.0.1 with its pickle in `state`; returns the process and base URL."""
    args = [sys.executable, str(LAUNCHER), "--state", str(state)]
    if not persist:
        args.append("--no-persist")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "PORT <n>", printed once the socket is bound
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"localstripe did not start: {line!r}")
    url = f"http://127.0.0.1:{int(line.split()[1])}"
    deadline = time.monotonic() + 15
    while True:
        request = urllib.request.Request(f"{url}/v1/balance",
                                         headers={"Authorization": "Bearer sk_test_hub"})
        try:
            with urllib.request.urlopen(request, timeout=2):
                break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("localstripe did not answer") from None
            time.sleep(0.05)
    return proc, url


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("localstripe", reason="localstripe (PyPI) is not installed")
    proc, url = start_localstripe(tmp_path_factory.mktemp("localstripe"))
    try:
        yield url
    finally:
        stop(proc)


@dataclass
class Delivered:
    body: bytes
    headers: dict[str, str]


@dataclass
class Sink:
    """A loopback HTTP endpoint that keeps every webhook delivery as it came."""

    url: str = ""
    deliveries: list[Delivered] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, match: Callable[[Delivered], bool],
                       timeout: float = 8.0) -> Delivered:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for item in self.deliveries:
                if match(item):
                    return item
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no matching webhook; got {len(self.deliveries)}")
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)


@pytest.fixture
async def sink() -> AsyncIterator[Sink]:
    found = Sink()

    async def receive(request: web.Request) -> web.Response:
        found.deliveries.append(Delivered(await request.read(), dict(request.headers)))
        found.arrived.set()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", receive)
    async with serve(app) as url:
        found.url = f"{url}/hook"
        yield found
