"""Hypothesis strategies for canonical messages that pacs.008 carries in full."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress

WORD = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789",
               min_size=1, max_size=12)


def text(max_words: int = 3, limit: int = 35) -> st.SearchStrategy[str]:
    return st.lists(WORD, min_size=1, max_size=max_words).map(lambda w: " ".join(w)[:limit])


IDENT = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=16).filter(
    lambda s: not s.startswith("-"))
BIC = st.builds(lambda a, b, c: a + b + c, st.text("ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=4,
                                                   max_size=4),
                st.sampled_from(["GB", "US", "DE", "FR", "FI", "BE"]),
                st.sampled_from(["2L", "33", "FF", "HH", "BB"]))
CURRENCY = st.sampled_from(["EUR", "USD", "GBP", "JPY", "CHF"])


@st.composite
def money(draw: st.DrawFn, currency: str | None = None) -> Money:
    ccy = currency or draw(CURRENCY)
    units = 0 if ccy == "JPY" else 2
    minor = draw(st.integers(min_value=1, max_value=10**12))
    return Money(value=Decimal(minor).scaleb(-units), currency=ccy)


ADDRESS = st.builds(PostalAddress, street_name=st.none() | text(2), town_name=text(2),
                    country=st.sampled_from(["GB", "US", "FI", "DE"]),
                    post_code=st.none() | IDENT,
                    lines=st.lists(text(3, 70), max_size=2).map(tuple))
PARTY = st.builds(Party, name=text(4, 140), account=st.none() | IDENT,
                  address=st.none() | ADDRESS)
AGENT = st.builds(Agent, bic=BIC, account=st.none() | IDENT)


@st.composite
def pacs008_message(draw: st.DrawFn) -> Message:
    amount = draw(money())
    offset = draw(st.sampled_from([0, 1, -5]))
    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(
        st.integers(0, 10**7)))
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="pacs.008",
        uetr=draw(st.uuids(version=4)), message_id=draw(IDENT),
        instruction_id=draw(st.none() | IDENT), end_to_end_id=draw(IDENT),
        transaction_id=draw(st.none() | IDENT),
        amount=amount, instructed_amount=draw(st.none() | st.just(amount)),
        settlement_date=draw(st.dates(date(2025, 1, 1), date(2030, 12, 31))),
        created_at=created.astimezone(timezone(timedelta(hours=offset))),
        debtor=draw(PARTY), debtor_agent=draw(AGENT), creditor=draw(PARTY),
        creditor_agent=draw(AGENT), instructing_agent=draw(st.builds(Agent, bic=BIC)),
        instructed_agent=draw(st.builds(Agent, bic=BIC)),
        intermediary_agents=tuple(draw(st.lists(AGENT, max_size=3))),
        charge_bearer=draw(st.sampled_from([ChargeBearer.DEBT, ChargeBearer.SHAR,
                                            ChargeBearer.CRED])),
        purpose=draw(st.none() | st.sampled_from(["GDDS", "SALA", "SUPP"])),
        remittance_info=draw(st.none() | st.lists(text(5, 140), min_size=1, max_size=2).map(
            "\n".join)),
        extra={"iso.SttlmMtd": "INDA"},
    )
