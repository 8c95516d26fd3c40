"""Property tests: random statements balance and read back; mutated statements never raise."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.codecs.base import Options
from hub.codecs.statements import CODEC
from tests.support import OWN_VECTORS

SEEDS = sorted(p.read_bytes() for p in (OWN_VECTORS / "statements").iterdir()
               if p.suffix in (".fin", ".txt", ".xml"))
REF = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=16).filter(
    lambda s: s != "NONREF")


def swift(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


@st.composite
def statements(draw: st.DrawFn) -> tuple[bytes, list[tuple[Decimal, str, str, date]]]:
    start = draw(st.dates(date(2001, 1, 1), date(2070, 12, 1)))
    opening = Decimal(draw(st.integers(-10**9, 10**9))) / 100
    entries = []
    lines = [":20:PROP", ":25:ACCOUNT-1", ":28C:1/1",
             f":60F:{'C' if opening >= 0 else 'D'}{start:%y%m%d}EUR{swift(abs(opening))}"]
    balance = opening
    for i in range(draw(st.integers(0, 12))):
        amount = Decimal(draw(st.integers(1, 10**11))) / 100
        mark = draw(st.sampled_from(["C", "D", "RC", "RD"]))
        ref = draw(REF)
        on = start + timedelta(days=draw(st.integers(0, 3)))
        lines.append(f":61:{on:%y%m%d}{on:%m%d}{mark}{swift(amount)}NTRF{ref}//S{i}")
        lines.append(f":86:/EREF/{ref}")
        balance += amount if mark in ("C", "RD") else -amount
        entries.append((amount, "CRDT" if mark in ("C", "RD") else "DBIT", ref, on))
    lines.append(f":62F:{'C' if balance >= 0 else 'D'}{start:%y%m%d}EUR{swift(abs(balance))}")
    return ("\r\n".join(lines) + "\r\n-").encode(), entries


@settings(max_examples=80, deadline=None)
@given(statements())
def test_generated_statements_balance_and_read_back(
        case: tuple[bytes, list[tuple[Decimal, str, str, date]]]) -> None:
    raw, entries = case
    decoded = CODEC.decode(raw, None, Options())
    assert decoded.diagnostics == []
    assert [(m.amount.value if m.amount else None, m.extra["statement.direction"],
             m.related_reference, m.settlement_date) for m in decoded.messages] == entries


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 12))):
        action = draw(st.integers(0, 2))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if action == 0 and data:
            data[at] = draw(st.integers(0, 255))
        elif action == 1:
            data[at:at] = bytes(draw(st.binary(min_size=1, max_size=6)))
        elif data:
            del data[at:at + draw(st.integers(1, 40))]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations(), st.sampled_from([None, "mt940", "mt950", "camt.053", "camt.054"]))
def test_mutated_input_never_raises(raw: bytes, format: str | None) -> None:
    decoded = CODEC.decode(raw, format, Options())  # the codec itself, not the crash guard
    assert isinstance(decoded.diagnostics, list)
    for message in decoded.messages:
        assert message.amount is not None and message.status == "BOOK"
