"""The bulk reader (a batch body at a time) and the record-by-record reader must agree on every
finding and build the same envelope; the direct entry mapping must build the same message as the
general one. Checked on every vector and on many damaged copies of them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.codecs.nacha.mapping import BatchContext, entry_message, file_id, to_messages
from hub.codecs.nacha.reader import ENTRY, AchFile, Reader
from tests.support import OWN_VECTORS, vector_files
from tests.unit.nacha.generated import ach_file


def _generated() -> bytes:
    """Two batches of mixed debits and credits, a third of them with remittance (addenda 05)."""
    return ach_file(40, companies=2, remittance_every=3)


SEEDS: dict[str, bytes] = {"generated": _generated()}
for _path in [*sorted((OWN_VECTORS / "nacha").glob("*.ach")), *vector_files("ach")]:
    if _path.suffix == ".ach":
        SEEDS[_path.name] = _path.read_bytes()


def _read(raw: bytes, bulk: bool) -> tuple[AchFile, list[tuple[str, str, str, str]], int]:
    reader = Reader(bulk=bulk)
    file = reader.read(raw.decode("latin-1"))
    found = sorted((d.code, d.location, d.severity.value, d.message) for d in reader.diagnostics)
    return file, found, reader.records


def _shape(file: AchFile) -> Any:
    def record(r: Any) -> Any:
        return None if r is None else (r.line, r.ok, r.text, r.layout.name)

    return (record(file.header), record(file.control), file.filler,
            [(record(b.header), record(b.control), b.sec, b.service, b.count, b.hash, b.debit,
              b.credit, [(record(e), [(k, record(r)) for k, r in e.addenda])
                         for e in b.entries]) for b in file.batches])


def _same(raw: bytes) -> None:
    bulk, bulk_found, bulk_records = _read(raw, True)
    slow, slow_found, slow_records = _read(raw, False)
    assert bulk_found == slow_found
    assert bulk_records == slow_records
    assert _shape(bulk) == _shape(slow)
    assert to_messages(bulk) == to_messages(slow)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_bulk_and_record_by_record_agree_on_every_vector(name: str) -> None:
    _same(SEEDS[name])


def test_the_generated_file_takes_the_bulk_path() -> None:
    """Guards the test above: the seed really has bulk-readable bodies with addenda."""
    calls: list[bool] = []

    class Spy(Reader):
        def read_run(self, first: int, run: list[str], kinds: str) -> bool:
            calls.append(super().read_run(first, run, kinds))
            return calls[-1]

    file = Spy().read(SEEDS["generated"].decode("latin-1"))
    assert calls and all(calls)
    assert any(e.addenda for b in file.batches for e in b.entries)


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from(sorted(SEEDS)))
    lines = SEEDS[name].decode("latin-1").split("\n")
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "swap", "cut"]))
        if action == "drop":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        elif action == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif action == "cut":
            lines[i] = lines[i][:draw(st.integers(0, 100))]
    data = bytearray("\n".join(lines).encode("latin-1"))
    # characters that break fields: letters in numbers, digits and codes changed, controls
    alphabet = st.sampled_from(b"0123456789 A7\x01")
    for _ in range(draw(st.integers(0, 4))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(alphabet)
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_bulk_and_record_by_record_agree_on_damaged_files(raw: bytes) -> None:
    _same(raw)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_direct_mapping_equals_the_general_one(name: str) -> None:
    file, _found, _records = _read(SEEDS[name], True)
    checked = 0
    for batch in file.batches:
        if not batch.header.ok or batch.layout is not ENTRY:
            continue
        ctx = BatchContext(batch, file_id(file))
        for entry in batch.entries:
            if not entry.ok or any(k != "05" for k, _r in entry.addenda):
                continue
            info = "".join(r.fields["payment_related_information"] for _k, r in entry.addenda)
            assert ctx.plain(entry.text, info.rstrip() or None) == entry_message(entry, ctx)
            checked += 1
    if name == "generated":
        assert checked == 40
