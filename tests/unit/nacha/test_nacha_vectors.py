"""NACHA vectors: every shared file read with its expected findings, our own standard-derived
cases, and re-encoding of every readable file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.codecs.base import Options
from hub.codecs.nacha import CODEC, envelope_of
from hub.codecs.nacha.records import parse_date
from hub.errors import Severity
from tests.support import OWN_VECTORS, shared_vectors, vector_files

SHARED = vector_files("ach")

# What each shared file must yield, worked out from the NACHA rules: (entries, error findings,
# warning findings) with findings as (code, location).
EXPECTED: dict[str, tuple[int, list[tuple[str, str]], list[tuple[str, str]]]] = {
    "ach-ccd-read__ccd-debit.ach": (2, [], []),
    "ach-cor-read__cor-read.ach": (1, [], [
        ("ACH.ADDENDA_TRACE", "line 4 col 80 (addenda trace number)")]),
    "ach-ctx-read__ctx-debit.ach": (1, [], []),
    "ach-iat-read__iat-credit.ach": (1, [], [
        ("ACH.ADDENDA", "line 3 col 13 (entry addenda count)"),
        ("ACH.BATCH_MISMATCH", "line 13 col 45 (batch control company id)")]),
    # the file control counts five batches where four are written, and no filler blocks it
    "testdata__20110805A.ach": (48, [
        ("ACH.BATCH_COUNT", "line 93 col 2 (file control batch count)"),
        ("ACH.BLOCKING", "line 94")], []),
    "testdata__ppd-debit-invalid-entryDetail-checkDigit.ach": (1, [
        ("ACH.CHECK_DIGIT", "line 3 col 12 (entry check digit)")], [
        ("ACH.RECORD_LENGTH", "line 1 col 76 (record length)"),
        ("ACH.RECORD_LENGTH", "line 5 col 56 (record length)")]),
    "testdata__ppd-debit.ach": (1, [], [
        ("ACH.RECORD_LENGTH", "line 1 col 76 (record length)"),
        ("ACH.RECORD_LENGTH", "line 5 col 56 (record length)")]),
    "testdata__ppd-mixedDebitCredit.ach": (3, [], []),
    "testdata__return-WEB.ach": (2, [], []),
    "testdata__short-line.ach": (1, [], [
        ("ACH.RECORD_LENGTH", "line 5 col 75 (record length)")]),
}

# Records the writer recomputes where the shared file's own value is wrong or inconsistent:
# file -> {line number: why}
CORRECTED: dict[str, dict[int, str]] = {
    "ach-iat-read__iat-credit.ach": {3: "addenda count includes addenda 17 and 18",
                                     13: "batch control repeats the header's company id"},
    "testdata__20110805A.ach": {93: "batch count is 4"},
    "testdata__return-WEB.ach": {5: "company id as in the header",
                                 9: "company id as in the header"},
}


def _decode(raw: bytes, lenient: frozenset[str] = frozenset()):  # type: ignore[no-untyped-def]
    return CODEC.decode(raw, "nacha", Options(lenient=lenient))


def test_sources_lists_every_shared_file() -> None:
    folder = shared_vectors("ach")
    listed = (folder / "SOURCES.md").read_text()
    files = [p.name for p in folder.iterdir() if p.suffix == ".ach"]
    assert files, "no shared ACH files"
    for name in files:
        assert f"| {name} |" in listed, name
    assert set(files) == set(EXPECTED)


@pytest.mark.parametrize("path", [p for p in SHARED if p.suffix == ".ach"], ids=lambda p: p.name)
def test_shared_vector_reads(path: Path) -> None:
    entries, errors, warnings = EXPECTED[path.name]
    decoded = _decode(path.read_bytes())
    assert len(decoded.messages) == entries
    found_errors = sorted((d.code, d.location) for d in decoded.diagnostics if d.is_error)
    found_warnings = sorted((d.code, d.location) for d in decoded.diagnostics
                            if d.severity is Severity.WARNING)
    assert found_errors == sorted(errors)
    assert found_warnings == sorted(warnings)
    assert all(m.format == "nacha" and m.amount is not None for m in decoded.messages)


def _creation(decoded) -> datetime:  # type: ignore[no-untyped-def]
    h = decoded.envelope.header.fields
    day = parse_date(h["file_creation_date"])
    time = h["file_creation_time"].strip() or "0000"
    return datetime(day.year, day.month, day.day, int(time[:2]), int(time[2:]), tzinfo=UTC)


def _records(raw: bytes) -> list[str]:
    return [line.rstrip("\r").ljust(94) for line in raw.decode("latin-1").split("\n")
            if line.strip()]


@pytest.mark.parametrize("path", [p for p in SHARED if p.suffix == ".ach"
                                  and "invalid" not in p.name], ids=lambda p: p.name)
def test_shared_vector_round_trip(path: Path) -> None:
    """encode(decode(x)) rebuilds x record for record (controls recomputed where x is wrong)."""
    raw = path.read_bytes()
    decoded = _decode(raw, frozenset({"unblocked"}))
    out = CODEC.encode(decoded.messages, "nacha", Options(), creation=_creation(decoded),
                       **envelope_of(decoded.envelope))
    again = _decode(out)
    assert not [d for d in again.diagnostics if d.is_error]
    assert again.messages == decoded.messages
    original, written = _records(raw), _records(out)
    corrected = CORRECTED.get(path.name, {})
    for n, (a, b) in enumerate(zip(original, written, strict=False), 1):
        if n not in corrected:
            assert a == b, f"line {n}"
        else:
            assert a != b, f"line {n} was expected to be corrected: {corrected[n]}"


OWN = sorted((OWN_VECTORS / "nacha").glob("*.ach"))


@pytest.mark.parametrize("path", OWN, ids=lambda p: p.name)
def test_own_vector(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    decoded = _decode(path.read_bytes())
    assert len(decoded.messages) == expected["messages"]
    found = sorted((d.code, d.location) for d in decoded.diagnostics if d.is_error)
    assert found == sorted((e["code"], e["location"]) for e in expected["diagnostics"])
    if not expected["diagnostics"]:
        assert decoded.ok


def test_unblocked_is_a_named_leniency() -> None:
    raw = (OWN_VECTORS / "nacha" / "invalid-unblocked.ach").read_bytes()
    decoded = _decode(raw, frozenset({"unblocked"}))
    assert decoded.ok
    assert [d.code for d in decoded.diagnostics] == ["ACH.BLOCKING"]
