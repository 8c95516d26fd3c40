"""Property tests: canonical ACH entries survive NACHA and back; mutated files never raise."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.codecs.base import Options
from hub.codecs.nacha import CODEC
from hub.codecs.nacha.records import check_digit
from hub.model import Agent, Kind, Message, Money, Party
from tests.support import OWN_VECTORS

TEXT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 &-.", min_size=1, max_size=16) \
    .map(str.strip).filter(bool)
ROUTING8 = st.text(alphabet="0123456789", min_size=8, max_size=8)
CODES = st.sampled_from(["22", "27", "32", "37", "23", "28"])


@st.composite
def entries(draw: st.DrawFn) -> Message:
    code = draw(CODES)
    rdfi = draw(ROUTING8)
    receiver = Party(name=draw(TEXT), account=draw(TEXT),
                     identifier=draw(st.none() | TEXT.map(lambda t: t[:15].strip())))
    company = Party(name=draw(st.sampled_from(["ACME CORP", "GLOBEX"])),
                    identifier=draw(st.sampled_from(["1234567890", "9876543210"])))
    rdfi_agent = Agent(clearing_system="USABA", member_id=rdfi + check_digit(rdfi))
    odfi_agent = Agent(clearing_system="USABA", member_id="021000021")
    debit = code[1] in "789"
    prenote = code in ("23", "28")
    amount = 0 if prenote else draw(st.integers(min_value=1, max_value=9_999_999_999))
    roles = ({"debtor": receiver, "debtor_agent": rdfi_agent, "creditor": company,
              "creditor_agent": odfi_agent} if debit else
             {"debtor": company, "debtor_agent": odfi_agent, "creditor": receiver,
              "creditor_agent": rdfi_agent})
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="nacha",
        amount=Money.from_minor(amount, "USD"),
        requested_execution_date=draw(st.dates(date(2024, 1, 1), date(2030, 12, 31))),
        remittance_info=draw(st.none() | TEXT), extra={"ach.transaction_code": code},
        **roles)


CARRIED = ("kind", "amount", "requested_execution_date", "remittance_info", "debtor",
           "creditor", "debtor_agent", "creditor_agent")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries(), min_size=1, max_size=12))
def test_canonical_nacha_canonical(messages: list[Message]) -> None:
    raw = CODEC.encode(messages, "nacha", Options(), immediate_destination="091000019",
                       immediate_origin="021000021",
                       creation=datetime(2025, 3, 1, 9, 30, tzinfo=UTC))
    decoded = CODEC.decode(raw, "nacha", Options())
    assert decoded.ok, decoded.diagnostics
    assert len(decoded.messages) == len(messages)
    # the writer groups entries into batches, so the order may change: match each one
    for original in messages:
        twins = [m for m in decoded.messages
                 if all(getattr(m, f) == getattr(original, f) for f in CARRIED)
                 and m.extra["ach.transaction_code"] == original.extra["ach.transaction_code"]]
        assert twins, original


VALID = (OWN_VECTORS / "nacha" / "valid-ppd-mixed.ach").read_bytes()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)),
                min_size=1, max_size=8),
       st.integers(0, len(VALID)))
def test_mutations_never_raise(changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(VALID)
    for position, value in changes:
        data[position] = value
    decoded = CODEC.decode(bytes(data[:cut] if cut % 3 == 0 else data), "nacha", Options())
    assert decoded.format == "nacha"
    for d in decoded.diagnostics:
        assert d.code.startswith("ACH.") and d.location
