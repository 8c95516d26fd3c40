"""The README's walkthrough, as a test: a real daemon process, HTTP, file drop, SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.daemon import Daemon
from tests.integration.core.test_journal import payment

pytestmark = pytest.mark.slow


def post(d: Daemon, body: bytes) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(f"{d.url}/v1/messages", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {d.token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_daemon_walkthrough(tmp_path: Path) -> None:
    d = Daemon(tmp_path / "hub")
    d.start()
    try:
        assert d.token, "the first start prints an admin key"
        status, body = post(d, payment())
        assert status == 202, body
        (tmp_path / "hub" / "inbox" / "dropped.json").write_bytes(payment())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if len(list((tmp_path / "hub" / "outbox").glob("*.json"))) == 2:
                break
            time.sleep(0.05)
        assert len(list((tmp_path / "hub" / "outbox").glob("*.json"))) == 2
        status_out = subprocess.run(
            [sys.executable, "-m", "hub", "status", str(body["id"]), "--json"],
            env={"HUB__HUB__DATA_DIR": str(tmp_path / "hub"), "PATH": "/usr/bin:/bin"},
            capture_output=True, check=True)
        assert json.loads(status_out.stdout)["state"] in ("DISPATCHED", "QUEUED")
        with urllib.request.urlopen(f"http://127.0.0.1:{d.admin_port}/metrics") as r:
            assert b"hub_messages_accepted_total" in r.read()
    finally:
        code = d.terminate()
    assert code == 0, (d.log.read_text()[-3000:] if d.log else "")
    verify = subprocess.run([sys.executable, "-m", "hub", "audit", "verify"],
                            env={"HUB__HUB__DATA_DIR": str(tmp_path / "hub"),
                                 "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert verify.returncode == 0 and "chain intact" in verify.stdout
