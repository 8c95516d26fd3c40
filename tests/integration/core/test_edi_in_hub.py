"""EDI through the running hub: payments journalled, the sender answered with a 997 or CONTRL,
a reused interchange control number refused as a duplicate and answered as rejected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub import codecs
from hub.app import Hub
from hub.config import load
from tests.support import OWN_VECTORS

X12 = OWN_VECTORS / "edi" / "x12" / "820_004010_two_payments.x12"
PAYMUL = OWN_VECTORS / "edi" / "edifact" / "paymul_01_two_b_levels_decimal_comma.edi"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    h = Hub(load(None, env={"HUB__HUB__DATA_DIR": str(tmp_path), "HUB__API__PORT": "0",
                            "HUB__API__ADMIN_PORT": "0",
                            "HUB__DISPATCH__POLL_INTERVAL": "0.05"}))
    await h.start()
    yield h
    await h.stop()


async def acks(folder: Path, fmt: str, count: int) -> list[codecs.Decoded]:
    for _ in range(200):
        found = [codecs.decode(p.read_bytes()) for p in folder.glob("ack-*")]
        found = [d for d in found if d.format.split(".")[0] == fmt.split(".")[0]]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.03)
    raise AssertionError(f"expected {count} {fmt} acknowledgements")


@pytest.mark.parametrize(("vector", "ack_format"), [(X12, "x12.997"),
                                                     (PAYMUL, "edifact.contrl")])
async def test_interchange_answered_and_duplicate_refused(hub: Hub, tmp_path: Path,
                                                          vector: Path, ack_format: str) -> None:
    inbox = tmp_path / "inbox"
    expected = len(codecs.decode(vector.read_bytes()).messages)
    (inbox / "first.edi").write_bytes(vector.read_bytes())
    [ack] = await acks(tmp_path / "outbox", ack_format, 1)
    assert ack.ok and {m.status for m in ack.messages} == {"ACCP"}
    assert hub.journal is not None
    payments = [r for r in await hub.journal.list_messages(limit=100)
                if r.kind == "customer_credit_transfer"]
    assert len(payments) == expected >= 2
    # the same interchange again under another name: a duplicate, refused and answered so
    (inbox / "again.edi").write_bytes(vector.read_bytes())
    for _ in range(200):
        if (inbox / "rejected" / "again.edi").exists():
            break
        await asyncio.sleep(0.03)
    errors = (inbox / "rejected" / "again.edi.errors.json").read_text()
    assert "DUPLICATE_INTERCHANGE" in errors
    answers = await acks(tmp_path / "outbox", ack_format, 2)
    statuses = sorted({m.status for d in answers for m in d.messages if m.status})
    assert "RJCT" in statuses, statuses
    assert len([r for r in await hub.journal.list_messages(limit=100)
                if r.kind == "customer_credit_transfer"]) == expected
