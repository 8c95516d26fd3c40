"""Authored statement vectors: each file beside its expected findings, balances and entries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub import codecs
from hub.codecs.base import Options
from hub.codecs.statements import CODEC, summary
from hub.model import Kind
from hub.status import original_keys, state_for
from tests.support import OWN_VECTORS

FOLDER = OWN_VECTORS / "statements"
VECTORS = sorted(p for p in FOLDER.iterdir() if p.suffix in (".fin", ".txt", ".xml"))


def expected(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_name(path.stem + ".expected.json").read_text())
    return data


def test_every_kind_of_vector_is_present() -> None:
    names = {p.name for p in VECTORS}
    assert {"mt940-ten-entries.fin", "mt950-statement.fin", "camt053-ten-entries.xml",
            "camt054-notification.xml"} <= names
    assert sum(n.startswith("invalid-") for n in names) >= 5


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.name)
def test_vector(path: Path) -> None:
    want = expected(path)
    decoded = CODEC.decode(path.read_bytes(), want.get("format_given"), Options())
    assert decoded.format == want["format"]
    assert [{"code": d.code, "location": d.location, "severity": d.severity.value}
            for d in decoded.diagnostics] == want["diagnostics"]
    if isinstance(want["messages"], int):
        assert len(decoded.messages) == want["messages"]
        return
    assert decoded.ok
    got = []
    for m in decoded.messages:
        assert m.kind is Kind.STATUS_REPORT and m.status == "BOOK" and m.amount is not None
        assert m.format == want["format"]
        assert {"statement.account", "statement.direction", "statement.id"} <= set(m.extra)
        got.append({
            "amount": m.amount.text(), "currency": m.amount.currency,
            "settlement_date": m.settlement_date.isoformat() if m.settlement_date else None,
            "direction": m.extra["statement.direction"],
            "related_reference": m.related_reference,
            "original_uetr": str(m.original_uetr) if m.original_uetr else None,
            "original_message_id": m.original_message_id,
            "servicer_ref": m.extra.get("statement.servicer_ref"),
            **({"reversal": True} if m.extra.get("statement.reversal") else {})})
    assert got == want["messages"]
    report = summary(decoded)
    assert [{k: s[k] for k in want["statements"][0]} for s in report["statements"]] == \
        want["statements"]
    assert report["messages"] == len(decoded.messages)


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.name)
def test_public_api_detects_the_vector(path: Path) -> None:
    """Through hub.codecs: detect() picks this family for statements and leaves the rest."""
    want = expected(path)
    found = codecs.detect(path.read_bytes())
    if "format_given" in want:
        assert found != want["format_given"]  # an MT103, or a text detect cannot be sure of
    else:
        assert found == want["format"]


def test_booked_entries_complete_what_they_answer() -> None:
    decoded = codecs.decode((FOLDER / "camt053-ten-entries.xml").read_bytes())
    first = decoded.messages[0]
    assert state_for(first) is not None and state_for(first).value == "COMPLETED"  # type: ignore[union-attr]
    keys = original_keys(first)
    assert keys[0] == ("uetr", "7d4e2b1a-3c5f-4a6b-8c7d-9e0f1a2b3c4d")
    assert ("reference", "HUB-INSTR-0001") in keys and ("reference", "E2E-0001") in keys


def test_each_entry_has_its_own_identity() -> None:
    """Two alike entries (same amount, date, reference) stay two answers: message_id numbers
    them within the statement, so the journal's dedup key tells them apart."""
    decoded = codecs.decode((FOLDER / "mt940-ten-entries.fin").read_bytes())
    ids = [m.message_id for m in decoded.messages]
    assert len(set(ids)) == len(ids) == 10
    assert ids[0] == "STMT250117-01/1"


def test_pending_entries_are_counted_not_answered() -> None:
    decoded = codecs.decode((FOLDER / "camt053-ten-entries.xml").read_bytes())
    report = summary(decoded)
    assert report["entries"] == 10 and report["booked"] == 9
    assert all(m.extra["statement.entry"] != "9" for m in decoded.messages)


def test_encode_is_refused() -> None:
    from hub.errors import CodecError
    decoded = codecs.decode((FOLDER / "mt950-statement.fin").read_bytes())
    with pytest.raises(CodecError) as raised:
        codecs.encode(decoded.messages[0], "mt950")
    assert raised.value.code == "CODEC.CANNOT_ENCODE"
