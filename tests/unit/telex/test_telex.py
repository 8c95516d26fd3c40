"""Tested telex: key tables, HMAC, mapping, and the rule that a person releases telex payments."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.codecs import telex
from hub.codecs.base import Decoded, Options
from hub.errors import CodecError, ConfigError, catalogue
from hub.model import ChargeBearer, Kind, Message, Money
from hub.secrets import Secret
from tests.support import OWN_VECTORS, shared_vectors

OWN = OWN_VECTORS / "telex"
HMAC_KEY = Secret((OWN / "hmac_key_FICTIONAL.txt").read_text().strip())


def shared_table() -> telex.TestKeyTable:
    return telex.TestKeyTable.load(shared_vectors("telex") / "testkey_table_FICTIONAL.json")


def shared_keys() -> telex.TestKeyStore:
    return telex.TestKeyStore(tables={"EXBKGB20": shared_table()})


def own_keys() -> telex.TestKeyStore:
    table = telex.TestKeyTable.load(OWN / "testkey_table_OWN_FICTIONAL.json")
    return telex.TestKeyStore(tables={"TSTBGB20": table}, hmac_keys={"TSTBGB20": HMAC_KEY})


def errors(decoded: Decoded) -> list[tuple[str, str]]:
    return [(d.code, d.location) for d in decoded.diagnostics if d.is_error]


# -- the classic test key ------------------------------------------------------------------


def test_worked_examples_of_the_shared_table() -> None:
    path = shared_vectors("telex") / "testkey_table_FICTIONAL.json"
    table = shared_table()
    for case in json.loads(path.read_text())["worked_examples"]:
        assert telex.compute_test(table, currency=case["ccy"],
                                  amount=Decimal(case["amount_units"]), day=case["day"],
                                  month=case["mon"], sequence=case["seq"]) == case["expected_test"]


def test_cents_are_not_tested_and_unknown_values_are_refused() -> None:
    table = shared_table()
    whole = telex.compute_test(table, currency="USD", amount=Decimal("100"), day=1, month="JAN",
                               sequence=1)
    assert telex.compute_test(table, currency="USD", amount=Decimal("100.99"), day=1,
                              month="JAN", sequence=1) == whole
    with pytest.raises(telex.TestKeyError):
        telex.compute_test(table, currency="XAU", amount=Decimal(1), day=1, month="JAN",
                           sequence=1)
    with pytest.raises(telex.TestKeyError):
        telex.compute_test(table, currency="USD", amount=Decimal(10**12), day=1, month="JAN",
                           sequence=1)


def test_key_table_never_shows_its_values() -> None:
    table = shared_table()
    assert repr(table) == "TestKeyTable(***)"
    assert "1357" not in repr(shared_keys())


def test_bad_table_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "table.json"
    path.write_text(json.dumps({"fixed_number": 1, "month": {"JAN": 1}}))
    with pytest.raises(ConfigError):
        telex.TestKeyTable.load(path)
    with pytest.raises(ConfigError):
        telex.TestKeyTable.load(tmp_path / "missing.json")


def test_store_from_config() -> None:
    path = shared_vectors("telex") / "testkey_table_FICTIONAL.json"
    store = telex.TestKeyStore.from_config({"EXBKGB20": {"test_key_table_file": str(path),
                                                         "hmac_key": HMAC_KEY}})
    ident, table, key = store.lookup(["UNKNOWN", "EXBKGB20"])
    assert ident == "EXBKGB20" and table is not None and key == HMAC_KEY


# -- shared telex vectors ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("telex_01_customer_transfer_tested.txt", Kind.CUSTOMER_CREDIT_TRANSFER),
    ("telex_02_bank_transfer_cover_tested.txt", Kind.FI_CREDIT_TRANSFER),
    ("telex_03_cancellation_tested.txt", Kind.CANCELLATION),
])
def test_shared_tested_telexes_authenticate(name: str, kind: Kind) -> None:
    raw = (shared_vectors("telex") / name).read_bytes()
    assert telex.CODEC.detect(raw) == "telex"
    decoded = telex.decode(raw, shared_keys())
    assert decoded.ok, decoded.diagnostics
    (message,) = decoded.messages
    assert message.kind is kind
    assert message.extra["telex.auth"] == "testkey"
    assert (decoded.sender, decoded.receiver) == ("EXBKGB20", "EXMPDEF0")
    assert telex.requires_release(message, {"straight_through": True})


def test_shared_customer_transfer_maps_its_fields() -> None:
    raw = (shared_vectors("telex") / "telex_01_customer_transfer_tested.txt").read_bytes()
    (message,) = telex.decode(raw, shared_keys()).messages
    assert message.amount == Money(value=Decimal("250000.00"), currency="USD")
    assert message.instruction_id == "TT24/00042"
    assert message.settlement_date == date(2024, 3, 14)
    assert message.created_at == datetime(2024, 3, 14, 9, 15, tzinfo=UTC)
    assert message.creditor is not None and message.creditor.name == "ACME TRADING CORP"
    assert message.creditor.account == "000123456789"
    assert message.creditor_agent is not None and message.creditor_agent.bic == "SMBKUS30"
    assert message.debtor is not None and message.debtor.name == "GLOBEX SUPPLIES LTD"
    assert message.charge_bearer is ChargeBearer.SHAR
    assert message.remittance_info == "INVOICE 4711/2024"
    assert message.extra["telex.sequence"] == "0042"
    assert message.extra["telex.answerback.sender"] == "999001 EXBKL G"


def test_shared_cancellation_names_the_original() -> None:
    raw = (shared_vectors("telex") / "telex_03_cancellation_tested.txt").read_bytes()
    (message,) = telex.decode(raw, shared_keys()).messages
    assert message.original_message_id == "TT24/00042"
    assert message.reason_code == "DUPL"


def test_shared_wrong_test_is_rejected_without_revealing_the_right_one() -> None:
    raw = (shared_vectors("telex") / "telex_04_wrong_test_negative.txt").read_bytes()
    decoded = telex.decode(raw, shared_keys())
    assert errors(decoded) == [("TELEX.TEST_KEY_MISMATCH", "line 8")]
    assert decoded.messages == []
    assert any(d.code == "TELEX.END" and not d.is_error for d in decoded.diagnostics)
    assert "02401" not in json.dumps([d.to_json() for d in decoded.diagnostics])


def test_without_keys_a_tested_telex_is_not_authenticated() -> None:
    raw = (shared_vectors("telex") / "telex_01_customer_transfer_tested.txt").read_bytes()
    decoded = telex.decode(raw, telex.TestKeyStore())
    assert [code for code, _ in errors(decoded)] == ["TELEX.KEY_TABLE_MISSING"]


# -- own vectors ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", json.loads((OWN / "expected.json").read_text()),
                         ids=lambda c: c["file"])
def test_own_vectors(case: dict) -> None:
    decoded = telex.decode((OWN / case["file"]).read_bytes(), own_keys())
    assert errors(decoded) == [(e["code"], e["location"]) for e in case["errors"]]
    if "auth" in case:
        (message,) = decoded.messages
        assert message.extra["telex.auth"] == case["auth"]
    else:
        assert decoded.messages == []


def test_codec_uses_configured_keys() -> None:
    raw = (OWN / "own_02_hmac_customer.txt").read_bytes()
    codec = telex.TelexCodec()
    assert not codec.decode(raw, "telex", Options()).ok
    codec.keys = own_keys()
    assert codec.decode(raw, "telex", Options()).ok


# -- generation and round trip -------------------------------------------------------------


@pytest.mark.parametrize("auth", ["testkey", "hmac"])
def test_encode_then_decode_round_trips(auth: str) -> None:
    (original,) = telex.decode((OWN / "own_01_testkey_customer.txt").read_bytes(),
                               own_keys()).messages
    raw = telex.encode(original, own_keys(), sequence=9, auth=auth, counterparty="TSTBGB20",
                       sender_answerback="888101 TSTBL G", receiver_answerback="888202 NVCHF D",
                       when=datetime(2026, 3, 6, 11, 5, tzinfo=UTC), channel_ref="TST0107")
    (back,) = telex.decode(raw, own_keys()).messages
    assert back.extra["telex.auth"] == auth
    for name in ("amount", "instruction_id", "creditor", "debtor", "creditor_agent",
                 "charge_bearer", "remittance_info", "settlement_date", "instructing_agent"):
        assert getattr(back, name) == getattr(original, name), name


def test_encode_refuses_what_telex_cannot_carry() -> None:
    message = Message(kind=Kind.STATUS_REPORT, status="ACCP")
    with pytest.raises(CodecError):
        telex.encode(message, own_keys(), sequence=1, counterparty="X", sender_answerback="1",
                     receiver_answerback="2")


# -- release policy and four eyes ----------------------------------------------------------


def _with_auth(auth: str) -> Message:
    return Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, extra={"telex.auth": auth})


@pytest.mark.parametrize(("auth", "policy", "needs_person"), [
    ("testkey", None, True),
    ("testkey", telex.TelexPolicy(straight_through=True), True),
    ("hmac", None, True),
    ("hmac", telex.TelexPolicy(), True),
    ("hmac", {"straight_through": False}, True),
    ("hmac", telex.TelexPolicy(straight_through=True), False),
    ("hmac", {"straight_through": True}, False),
    ("none", {"straight_through": True}, True),
])
def test_requires_release(auth: str, policy: object, needs_person: bool) -> None:
    assert telex.requires_release(_with_auth(auth), policy) is needs_person  # type: ignore[arg-type]


def test_four_eyes() -> None:
    assert telex.check_approval("alice", "bob") is None
    for submitter, approver in (("alice", "alice"), ("alice", " ALICE "), ("alice", None),
                                (None, "bob")):
        found = telex.check_approval(submitter, approver)
        assert found is not None and found.code == "TELEX.FOUR_EYES"


# -- robustness ----------------------------------------------------------------------------


def test_mutated_telexes_never_raise_and_never_authenticate_wrongly() -> None:
    raw = (OWN / "own_01_testkey_customer.txt").read_bytes()
    keys = own_keys()
    rng = random.Random(5)
    known = catalogue()
    for n in range(400):
        data = bytearray(raw)
        position = rng.randrange(len(data))
        data[position] = rng.choice(b"0123456789ABCDEFZ ,.:\n\x00\xff")
        decoded = telex.decode(bytes(data), keys)
        assert all(d.code in known for d in decoded.diagnostics)
        if decoded.ok and bytes(data) != raw:
            # a change that still passes must leave the tested and mapped values alone
            (message,) = decoded.messages
            assert message.amount == Money(value=Decimal("48250.75"), currency="EUR"), n
    for _ in range(50):
        telex.decode(bytes(rng.randrange(256) for _ in range(300)), keys)
