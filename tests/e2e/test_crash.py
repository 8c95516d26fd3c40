"""SIGKILL at random points while submitting: every acknowledged message leaves exactly once.

A client keeps submitting payments with fresh UETRs and, like a real originator, resubmits the
same bytes when a request fails because the daemon died; a resubmission is answered as a
duplicate once the first attempt had been journalled. After at least 20 kills and restarts, the
outbox folder must hold exactly one file per acknowledged UETR and nothing else.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.e2e.daemon import Daemon
from tests.integration.core.test_journal import payment

pytestmark = pytest.mark.slow

KILLS = 20


def test_kill_nine_never_loses_or_doubles(tmp_path: Path) -> None:
    d = Daemon(tmp_path / "hub")
    d.start()
    acked: set[str] = set()
    stop = threading.Event()
    rng = random.Random(20261125)

    def client() -> None:
        pending: bytes | None = None
        uetr = ""
        while not stop.is_set():
            if pending is None:
                uetr = str(uuid.uuid4())
                pending = payment(uetr=uetr)
            request = urllib.request.Request(
                f"{d.url}/v1/messages", data=pending, method="POST",
                headers={"Authorization": f"Bearer {d.token}"})
            try:
                with urllib.request.urlopen(request, timeout=5) as r:
                    body = json.loads(r.read())
                assert r.status in (200, 202) and body["uetr"] == uetr
                acked.add(uetr)
                pending = None
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.02)  # the daemon is down: try the same bytes again
        if pending is not None:  # finish the last one against the final daemon
            for _ in range(200):
                try:
                    request = urllib.request.Request(
                        f"{d.url}/v1/messages", data=pending, method="POST",
                        headers={"Authorization": f"Bearer {d.token}"})
                    with urllib.request.urlopen(request, timeout=5):
                        acked.add(uetr)
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    time.sleep(0.05)

    workers = [threading.Thread(target=client) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.05, 0.4))
            d.kill()
            d.start()
        time.sleep(0.3)
        stop.set()
        for w in workers:
            w.join(60)
        outbox = tmp_path / "hub" / "outbox"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(list(outbox.glob("*.json"))) >= len(acked):
                break
            time.sleep(0.1)
        time.sleep(0.5)  # anything extra would show up now
        written = [json.loads(p.read_bytes())["uetr"] for p in outbox.glob("*.json")]
    finally:
        code = d.terminate()
    assert len(acked) > 50, "the client should have got many messages through"
    assert sorted(written) == sorted(acked), "each acknowledged UETR exactly once, nothing else"
    assert code == 0
