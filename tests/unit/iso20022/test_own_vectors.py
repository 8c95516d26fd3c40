"""Own cases (tests/vectors/iso20022/cases.json): one per profile rule and XSD failure kind,
each with the diagnostics the usage guideline requires, by code and XPath."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from hub.codecs.iso20022 import CODEC
from hub.errors import Severity
from tests.support import OWN_VECTORS

FOLDER = OWN_VECTORS / "iso20022"
CASES: list[dict[str, Any]] = json.loads((FOLDER / "cases.json").read_text())["cases"]


def build(case: dict[str, Any]) -> bytes:
    raw = (FOLDER / case["base"]).read_text("utf-8")
    for old, new in case["replace"]:
        assert old in raw, f"{case['name']}: {old!r} not in {case['base']}"
        raw = raw.replace(old, new)
    return raw.encode("utf-8")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_case(case: dict[str, Any], options) -> None:  # type: ignore[no-untyped-def]
    decoded = CODEC.decode(build(case), None, replace(options, profile=case["profile"]))
    found = [{"code": d.code, "location": d.location} for d in decoded.diagnostics
             if d.severity is not Severity.INFO]
    assert found == case["expect"]


def test_every_profile_rule_code_has_a_case() -> None:
    from hub.codecs.iso20022.profiles import BY_NAME
    covered = {e["code"] for c in CASES for e in c["expect"]}
    wanted = {"CBPR.BIZSVC", "CBPR.UETR", "CBPR.FROM_AGENT", "CBPR.TO_AGENT", "CBPR.CHARSET",
              "CBPR.CHRGBR", "CBPR.CHRGBR_CRED", "CBPR.ADDRESS_UNSTRUCTURED",
              "CBPR.ADDRESS_HYBRID", "CBPR.ADDRESS_LINES", "CBPR.ONE_TX", "T2.CURRENCY",
              "T2.STTLM_MTD", "T2.BIC", "CHAPS.CURRENCY", "CHAPS.UETR", "FED.ABA", "FED.MSGID",
              "FED.CURRENCY", "FED.STTLM"}
    assert wanted <= covered
    assert wanted <= {r.code for p in BY_NAME.values() for r in p.rules}


def test_lenient_unstructured_address_is_a_warning(options) -> None:  # type: ignore[no-untyped-def]
    case = next(c for c in CASES if c["name"] == "cbpr-address-unstructured")
    strict = CODEC.decode(build(case), None, replace(options, profile="cbpr"))
    lenient = CODEC.decode(build(case), None, replace(
        options, profile="cbpr", lenient=frozenset({"cbpr_unstructured_address"})))
    assert not strict.ok
    assert lenient.ok
    assert [d.severity for d in lenient.diagnostics if d.code.startswith("CBPR.")] == [
        Severity.WARNING]


def test_without_schema_folder_structural_checks_run_with_a_warning() -> None:
    from hub.codecs.base import Options
    case = next(c for c in CASES if c["name"] == "cbpr-two-transactions")
    decoded = CODEC.decode(build(case), None, Options())
    codes = [(d.code, d.severity) for d in decoded.diagnostics]
    assert ("ISO.NO_SCHEMA", Severity.WARNING) in codes
    assert ("ISO.NB_OF_TXS", Severity.ERROR) in codes
    assert decoded.messages[0].end_to_end_id == "E2E-0001"


def test_unknown_profile_is_reported(options) -> None:  # type: ignore[no-untyped-def]
    decoded = CODEC.decode(build(CASES[0]), None, replace(options, profile="nope"))
    assert [d.code for d in decoded.diagnostics] == ["ISO.UNKNOWN_PROFILE"]


def test_decoded_mapping_of_the_base_message(options) -> None:  # type: ignore[no-untyped-def]
    from hub.model import to_data
    decoded = CODEC.decode(build(CASES[0]), None, options)
    assert (decoded.sender, decoded.receiver) == ("BANKGB2LXXX", "BANKUS33XXX")
    data = to_data(decoded.messages[0])
    assert data["kind"] == "customer_credit_transfer"
    assert data["uetr"] == "3f2b8c1e-5d4a-4e7b-9c1d-2a6f8e0b7c45"
    assert data["amount"] == {"value": "12500.00", "currency": "USD"}
    assert data["debtor"]["account"] == "GB33BUKB20201555555555"
    assert data["debtor"]["address"] == {"street_name": "High Street", "building_number": "10",
                                         "post_code": "CB1 2AB", "town_name": "Cambridge",
                                         "country": "GB"}
    assert data["creditor"]["address"]["lines"] == ["20 Main Street"]
    assert data["charge_bearer"] == "SHAR"
    assert data["remittance_info"] == "Invoice 2026-118"
    assert data["extra"] == {"iso.SttlmMtd": "INDA"}
