from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import jsonschema
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import ModelError
from hub.model import Agent, Kind, Message, Money, Party, State, can_move, dumps, from_data, loads
from hub.model.money import ISO4217, minor_units
from hub.model.rules import check
from hub.model.schema import canonical_schema

ROOT = Path(__file__).resolve().parents[3]


def test_minor_units_come_from_iso4217() -> None:
    assert minor_units("EUR") == 2
    assert minor_units("JPY") == 0
    assert minor_units("BHD") == 3
    assert minor_units("CLF") == 4
    assert len(ISO4217) > 150


@pytest.mark.parametrize(("value", "currency", "code"), [
    ("1.234", "EUR", "MODEL.MINOR_UNITS"),
    ("10.5", "JPY", "MODEL.MINOR_UNITS"),
    ("1", "XAU", "MODEL.CURRENCY"),
    ("1", "EURO", "MODEL.CURRENCY"),
    ("-1", "USD", "MODEL.AMOUNT"),
    ("NaN", "USD", "MODEL.AMOUNT"),
])
def test_money_refuses_what_a_currency_cannot_hold(value: str, currency: str, code: str) -> None:
    with pytest.raises(ModelError) as caught:
        Money(value=Decimal(value), currency=currency)
    assert caught.value.code == code


def test_money_never_takes_a_float() -> None:
    with pytest.raises(ModelError):
        Money.parse(1.1, "USD")  # type: ignore[arg-type]
    with pytest.raises(ModelError):
        Money(value=1.5, currency="USD")  # type: ignore[arg-type]


def test_money_trailing_zeros_are_allowed_and_minor_units_exact() -> None:
    m = Money(value=Decimal("12.300"), currency="EUR")
    assert m.text() == "12.30"
    assert m.minor == 1230
    assert Money.from_minor(1230, "EUR") == m
    assert Money.from_minor(5, "JPY").text() == "5"


def test_uetr_must_be_version_4() -> None:
    with pytest.raises(ModelError) as caught:
        Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=uuid.uuid1())
    assert caught.value.code == "MODEL.UETR"


def test_datetimes_must_be_aware() -> None:
    with pytest.raises(ModelError) as caught:
        Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, created_at=datetime(2026, 1, 1))
    assert caught.value.code == "MODEL.DATETIME_NAIVE"


def test_bic_shape_checked_on_construction() -> None:
    with pytest.raises(ModelError):
        Agent(bic="DEUT")
    Agent(bic="DEUTDEFF500")


def test_rules_check_bic_country_and_iban_checksum() -> None:
    message = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER,
                      amount=Money(value=Decimal("5"), currency="EUR"),
                      debtor=Party(account="DE89370400440532013001"),
                      creditor=Party(name="B", account="DE89370400440532013000"),
                      creditor_agent=Agent(bic="DEUTXXFF"))
    found = {(d.code, d.location) for d in check(message)}
    assert found == {("MODEL.IBAN", "debtor.account"), ("MODEL.BIC", "creditor_agent.bic")}


def test_json_paths_are_the_published_contract() -> None:
    uetr = uuid.uuid4()
    message = Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=uetr, instruction_id="REF1",
        end_to_end_id="E2E", amount=Money(value=Decimal("100.5"), currency="EUR"),
        settlement_date=date(2026, 11, 25), debtor=Party(name="Alice", account="A1"),
        debtor_agent=Agent(bic="DEUTDEFF"), creditor=Party(name="Bob", account="B1"),
        creditor_agent=Agent(bic="BNPAFRPP"), intermediary_agents=(Agent(bic="CHASUS33"),),
        remittance_info="invoice 7")
    data = orjson.loads(dumps(message))
    assert data["amount"] == {"value": "100.50", "currency": "EUR"}
    assert data["uetr"] == str(uetr)
    assert data["debtor"]["name"] == "Alice"
    assert data["debtor_agent"]["bic"] == "DEUTDEFF"
    assert data["intermediary_agents"][0]["bic"] == "CHASUS33"
    assert data["settlement_date"] == "2026-11-25"
    assert loads(dumps(message)) == message


def test_json_reading_reports_every_problem_with_its_path() -> None:
    message, found = from_data({
        "kind": "customer_credit_transfer", "amount": {"value": 12.5, "currency": "EUR"},
        "uetr": "not-a-uuid", "debtor": {"nmae": "x"}, "settlement_date": "2026-13-01"})
    assert message is None
    assert {(d.code, d.location) for d in found} == {
        ("MODEL.AMOUNT", "amount.value"), ("MODEL.UETR", "uetr"),
        ("MODEL.UNKNOWN_FIELD", "debtor.nmae"), ("MODEL.DATE", "settlement_date")}


def test_published_schema_is_the_code_schema() -> None:
    published = orjson.loads((ROOT / "docs" / "canonical.schema.json").read_bytes())
    assert published == canonical_schema(), "regenerate: python -m hub.model.schema"


def test_schema_accepts_what_the_code_writes_and_refuses_float_amounts() -> None:
    schema = canonical_schema()
    message = Message(kind=Kind.FI_CREDIT_TRANSFER, uetr=uuid.uuid4(),
                      amount=Money(value=Decimal("1"), currency="USD"),
                      creditor_agent=Agent(bic="CHASUS33"))
    jsonschema.validate(orjson.loads(dumps(message)), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"kind": "cover", "amount": {"value": 1.5, "currency": "USD"}},
                            schema)


def test_state_transitions_are_a_table() -> None:
    assert can_move(State.RECEIVED, State.VALIDATED)
    assert not can_move(State.COMPLETED, State.QUEUED)
    assert not can_move(State.REJECTED, State.VALIDATED)
    assert all(not can_move(s, State.RECEIVED) for s in State)


currencies = st.sampled_from(["EUR", "USD", "JPY", "GBP", "BHD", "CHF"])


@given(currencies, st.integers(min_value=0, max_value=10**15))
def test_money_minor_round_trip(currency: str, minor: int) -> None:
    m = Money.from_minor(minor, currency)
    assert m.minor == minor
    assert loads(dumps(Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=m))).amount == m
