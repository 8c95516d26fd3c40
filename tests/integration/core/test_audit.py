"""Audit export: a period's events with their hash chains, verified offline; tampering shows."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from hub.audit import export_events, verify_export
from hub.cli import main
from hub.journal import Journal
from hub.pipeline import Submission
from tests.integration.core.test_journal import payment, pipeline


async def test_export_verifies_and_tampering_is_detected(journal: Journal) -> None:
    p = pipeline(journal)
    for _ in range(3):
        await p.submit(Submission(raw=payment(), channel="api"))
    data = export_events(await journal.events_between())
    assert verify_export(data) == []
    lines = data.splitlines()
    event = orjson.loads(lines[2])
    event["data"]["channel"] = "forged"
    forged = b"\n".join([*lines[:2], orjson.dumps(event), *lines[3:]]) + b"\n"
    assert any("hash does not match" in p for p in verify_export(forged))
    dropped = b"\n".join([*lines[:2], *lines[3:]]) + b"\n"
    assert verify_export(dropped)


def test_cli_export_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    monkeypatch.setenv("HUB__HUB__DATA_DIR", str(tmp_path))

    async def fill() -> None:
        j = await Journal.open(f"sqlite:///{tmp_path / 'hub.db'}")
        await j.migrate()
        await pipeline(j).submit(Submission(raw=payment(), channel="api"))
        await j.close()
    asyncio.run(fill())
    out = tmp_path / "audit.jsonl"
    assert main(["audit", "export", "--from", "2000-01-01T00:00:00+00:00", "--out",
                 str(out)]) == 0
    assert main(["audit", "verify", str(out)]) == 0
    assert "intact" in capsys.readouterr().out
    text = out.read_text().replace('"VALIDATED"', '"COMPLETED"', 1)
    out.write_text(text)
    assert main(["audit", "verify", str(out)]) == 1
