"""Property tests: canonical customer transfers survive FAIM and back; mutations never raise."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.codecs.base import Options
from hub.codecs.fedwire import CODEC
from hub.model import Agent, Kind, Message, Money, Party, PostalAddress
from tests.support import OWN_VECTORS

TEXT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-/", min_size=1,
               max_size=16).map(str.strip).filter(bool)
ABA = st.sampled_from(["021000021", "026009593", "121042882", "231380104"])


@st.composite
def transfers(draw: st.DrawFn) -> Message:
    cycle = draw(st.dates(date(2015, 1, 1), date(2025, 7, 11)))
    imad = cycle.strftime("%Y%m%d") + "QMGFT015" + f"{draw(st.integers(1, 999999)):06d}"
    lines = tuple(draw(st.lists(TEXT, max_size=3)))
    kind = draw(st.sampled_from([Kind.CUSTOMER_CREDIT_TRANSFER, Kind.FI_CREDIT_TRANSFER]))
    return Message(
        kind=kind,
        format="fedwire", message_id=imad, settlement_date=cycle,
        amount=Money.from_minor(draw(st.integers(1, 10**12 - 1)), "USD"),
        instructing_agent=Agent(clearing_system="USABA", member_id=draw(ABA),
                                name=draw(st.none() | TEXT)),
        instructed_agent=Agent(clearing_system="USABA", member_id=draw(ABA)),
        instruction_id=draw(st.none() | TEXT),
        end_to_end_id=draw(st.none() | TEXT),
        creditor=Party(name=draw(TEXT), account=draw(TEXT),
                       address=PostalAddress(lines=lines) if lines else None),
        debtor=Party(name=draw(TEXT), account=draw(TEXT)),
        debtor_agent=Agent(clearing_system="USABA", member_id=draw(ABA)),
        remittance_info=draw(st.none() | TEXT),
        extra={"fedwire.1500": "30ARCHIVE P ", "fedwire.1510": "1000",
               "fedwire.3600": "CTR" if kind is Kind.CUSTOMER_CREDIT_TRANSFER else "BTR"})


@settings(max_examples=80, deadline=None)
@given(st.lists(transfers(), min_size=1, max_size=4))
def test_canonical_fedwire_canonical(messages: list[Message]) -> None:
    raw = CODEC.encode(messages, "fedwire", Options())
    decoded = CODEC.decode(raw, "fedwire", Options())
    assert len(decoded.messages) == len(messages)
    for before, after in zip(messages, decoded.messages, strict=True):
        assert after.kind is before.kind
        assert after.extra == before.extra
        assert after.amount == before.amount
        assert after.message_id == before.message_id
        assert after.settlement_date == before.settlement_date
        assert after.creditor == before.creditor and after.debtor == before.debtor
        assert after.instruction_id == before.instruction_id
        assert after.end_to_end_id == before.end_to_end_id
        assert after.remittance_info == before.remittance_info
        assert after.instructing_agent == before.instructing_agent
        assert after.debtor_agent == before.debtor_agent


VALID = (OWN_VECTORS / "fedwire" / "several-messages.txt").read_bytes()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)),
                min_size=1, max_size=8),
       st.integers(0, len(VALID)))
def test_mutations_never_raise(changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(VALID)
    for position, value in changes:
        data[position] = value
    decoded = CODEC.decode(bytes(data[:cut] if cut % 3 == 0 else data), "fedwire", Options())
    assert decoded.format == "fedwire"
    for d in decoded.diagnostics:
        assert d.code.startswith("FED.") and d.location
