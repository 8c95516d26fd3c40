"""Property tests: canonical -> MT 103 -> canonical keeps every field MT carries; mutated
messages never raise and finish quickly."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.codecs.base import Options
from hub.codecs.swift_mt import CODEC
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress, to_data
from tests.support import OWN_VECTORS

X_WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,()'+?",
                 min_size=1, max_size=10)
NAME = st.lists(X_WORD, min_size=1, max_size=3).map(" ".join).filter(lambda s: len(s) <= 33)
REF = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=16)
BIC = st.sampled_from(["COBADEFF", "CHASUS33XXX", "BNPAFRPPXXX", "DEUTDEFF500", "HSBCGB2L"])
# sender BICs as an LT address gives them back: BIC8, or BIC11 with a real branch
LT_BIC = st.sampled_from(["COBADEFF", "DEUTDEFF500", "HSBCGB2L"])
CURRENCY = st.sampled_from(["EUR", "USD", "JPY", "GBP", "CHF", "KWD"])
UNITS = {"EUR": 2, "USD": 2, "JPY": 0, "GBP": 2, "CHF": 2, "KWD": 3}


@st.composite
def money(draw: st.DrawFn, currency: str | None = None) -> Money:
    cur = currency or draw(CURRENCY)
    minor = draw(st.integers(min_value=1, max_value=10**11))
    return Money(value=Decimal(minor).scaleb(-UNITS[cur]), currency=cur)


@st.composite
def party(draw: st.DrawFn) -> Party:
    structured = draw(st.booleans())
    address = (PostalAddress(lines=(draw(NAME),), town_name=draw(NAME),
                             country=draw(st.sampled_from(["DE", "US", "GB", "SG"])))
               if structured else PostalAddress(lines=(draw(NAME),)))
    return Party(name=draw(NAME), account=draw(st.from_regex(r"[A-Z0-9]{5,20}", fullmatch=True)),
                 address=address)


@st.composite
def payments(draw: st.DrawFn) -> Message:
    amount = draw(money())
    bearer = draw(st.sampled_from([ChargeBearer.DEBT, ChargeBearer.SHAR, ChargeBearer.CRED]))
    charges = (draw(money(amount.currency)),) if bearer is ChargeBearer.CRED else ()
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="mt103",
        uetr=UUID(int=draw(st.integers(0, 2**128 - 1)), version=4),
        instruction_id=draw(REF), amount=amount,
        instructed_amount=amount if charges else None,
        settlement_date=draw(st.dates(date(2000, 1, 1), date(2079, 12, 31))),
        debtor=draw(party()), creditor=draw(party()),
        debtor_agent=Agent(bic=draw(BIC)), creditor_agent=Agent(bic=draw(BIC)),
        instructing_agent=Agent(bic=draw(LT_BIC)), instructed_agent=Agent(bic="CHASUS33"),
        charge_bearer=bearer, charges=charges,
        remittance_info=draw(st.none() | st.lists(X_WORD, min_size=1, max_size=12).map(" ".join)
                             .filter(lambda s: len(s) <= 140 and not s.startswith(("-", ":")))),
        service_level=draw(st.sampled_from([None, "SPRI", "SSTD"])) and None,
    )


CARRIED = ("kind", "uetr", "instruction_id", "amount", "instructed_amount", "settlement_date",
           "debtor", "creditor", "debtor_agent", "creditor_agent", "instructing_agent",
           "instructed_agent", "charge_bearer", "charges", "remittance_info")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payments())
def test_canonical_mt_canonical_is_identity(message: Message) -> None:
    raw = CODEC.encode([message], "mt103", Options())
    decoded = CODEC.decode(raw, None, Options())
    assert [d for d in decoded.diagnostics if d.is_error] == []
    back = to_data(decoded.messages[0])
    original = to_data(message)
    for key in CARRIED:
        assert back.get(key) == original.get(key), key


SEED = (OWN_VECTORS / "swift_mt" / "mt103_valid.fin").read_bytes()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), max_size=8),
       st.integers(0, len(SEED)))
def test_mutations_only_produce_diagnostics(edits: list[tuple[int, int]], cut: int) -> None:
    raw = bytearray(SEED)
    for at, byte in edits:
        raw[at] = byte
    data = bytes(raw[:cut]) if cut % 3 == 0 else bytes(raw)
    start = time.perf_counter()
    decoded = CODEC.decode(data, None, Options())
    CODEC.validate(data, None, Options())
    assert time.perf_counter() - start < 0.5
    if data != SEED and decoded.ok and decoded.messages:
        assert CODEC.detect(data) is not None
