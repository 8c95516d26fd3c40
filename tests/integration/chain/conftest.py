"""A real Ethereum node (anvil, from npm @foundry-rs/anvil) on 127.0.0.1 with a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT


def anvil_binary() -> str | None:
    if env := os.environ.get("HUB_ANVIL"):
        return env
    found = sorted((ROOT / "contracts" / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))
    if found:
        return str(found[0])
    return shutil.which("anvil")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def anvil() -> Iterator[str]:
    binary = anvil_binary()
    if binary is None:
        pytest.skip("anvil not installed: run `npm ci --prefix contracts` (npm @foundry-rs/anvil)")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--host", "127.0.0.1", "--port", str(port), "--chain-id", "31337", "--silent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"anvil did not start on port {port}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def contracts_dir() -> Path:
    return ROOT / "contracts"
