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


def test_every_profile_rule_code_has_a_case_and_a_catalogue_entry() -> None:
    from hub.codecs.iso20022.profiles import BY_NAME
    from hub.errors import catalogue
    covered = {e["code"] for c in CASES for e in c["expect"]}
    rules = {r.code for p in BY_NAME.values() for r in p.rules}
    assert rules <= covered, sorted(rules - covered)
    assert rules <= set(catalogue())
    for profile in BY_NAME.values():  # each code names one rule
        codes = [r.code for r in profile.rules]
        assert len(codes) == len(set(codes))
        assert all(code.split(".")[0] in {"CBPR", "T2", "CHAPS", "FED"} for code in codes)


def test_each_profile_has_a_valid_case_for_its_own_base() -> None:
    valid = {(c["profile"], c["base"]) for c in CASES if not c["expect"]}
    assert {("cbpr", "base-cbpr-pacs.008.xml"), ("cbpr", "base-cbpr-pacs.009adv.xml"),
            ("t2", "base-t2-pacs.008.xml"), ("chaps", "base-chaps-pacs.009.xml"),
            ("chaps", "base-chaps-pacs.008.xml"), ("fedwire", "base-fedwire-pacs.008.xml")} <= valid


@pytest.mark.parametrize("name, profile, lenient", [
    ("cbpr-address-unstructured", "cbpr", "cbpr_unstructured_address"),
    ("chaps-address-unstructured", "chaps", "chaps_unstructured_address"),
])
def test_lenient_unstructured_address_is_a_warning(name: str, profile: str, lenient: str,
                                                   options) -> None:  # type: ignore[no-untyped-def]
    case = next(c for c in CASES if c["name"] == name)
    strict = CODEC.decode(build(case), None, replace(options, profile=profile))
    relaxed = CODEC.decode(build(case), None, replace(
        options, profile=profile, lenient=frozenset({lenient})))
    assert not strict.ok
    assert relaxed.ok
    prefix = profile.upper() + "."
    assert [d.severity for d in relaxed.diagnostics if d.code.startswith(prefix)] == [
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


# --- pacs.009 ADV ------------------------------------------------------------------------------

def _advice(options):  # type: ignore[no-untyped-def]
    case = next(c for c in CASES if c["name"] == "adv-valid")
    raw = build(case)
    return raw, CODEC.decode(raw, None, replace(options, profile="cbpr"))


def test_advice_is_told_by_its_business_service(options) -> None:  # type: ignore[no-untyped-def]
    from hub.model import Kind
    raw, decoded = _advice(options)
    assert CODEC.detect(raw) == "pacs.009adv"
    assert decoded.format == "pacs.009adv" and decoded.ok
    message = decoded.messages[0]
    assert message.kind is Kind.FI_CREDIT_TRANSFER and message.format == "pacs.009adv"
    assert message.underlying is None
    assert message.instructing_reimbursement_agent is not None
    assert message.instructing_reimbursement_agent.bic == "CHASUS33XXX"
    assert message.extra["iso.SttlmMtd"] == "COVE"
    assert message.instructions == ("FX SETTLEMENT 2026-11-17",)
    # the same Document under the core business service is a core pacs.009
    core = raw.replace(b"swift.cbprplus.adv.03", b"swift.cbprplus.03")
    assert CODEC.detect(core) == "pacs.009"
    assert CODEC.decode(core, None, options).format == "pacs.009"


def test_advice_writes_back_with_its_business_service(options) -> None:  # type: ignore[no-untyped-def]
    from hub.model import to_data
    _, decoded = _advice(options)
    written = CODEC.encode(decoded.messages, "pacs.009adv", replace(options, profile="cbpr"))
    assert b"<BizSvc>swift.cbprplus.adv.03</BizSvc>" in written
    again = CODEC.decode(written, None, replace(options, profile="cbpr"))
    assert again.ok and again.format == "pacs.009adv"
    assert [to_data(m) for m in again.messages] == [to_data(m) for m in decoded.messages]


def test_advice_from_a_core_message_defaults_to_cover_settlement(options) -> None:  # type: ignore[no-untyped-def]
    from hub.model import Agent
    from tests.unit.iso20022.test_encode import FI
    advice = replace(FI, instructing_reimbursement_agent=Agent(bic="CHASUS33XXX"))
    written = CODEC.encode([advice], "pacs.009adv", options)
    assert b"<SttlmMtd>COVE</SttlmMtd>" in written
    assert b"<BizSvc>swift.cbprplus.adv.03</BizSvc>" in written
    decoded = CODEC.decode(written, None, replace(options, profile="cbpr"))
    assert decoded.format == "pacs.009adv"
    assert [d.code for d in decoded.diagnostics if d.severity is Severity.ERROR] == []


def test_advice_without_a_reimbursement_agent_is_refused_by_cbpr(options) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.iso20022.test_encode import FI
    written = CODEC.encode([FI], "pacs.009adv", options)
    decoded = CODEC.decode(written, None, replace(options, profile="cbpr"))
    assert [d.code for d in decoded.diagnostics if d.severity is Severity.ERROR] == [
        "CBPR.COVE_AGENT"]


def test_advice_is_a_registered_format(options) -> None:  # type: ignore[no-untyped-def]
    from hub import codecs
    raw, _ = _advice(options)
    assert "pacs.009adv" in codecs.formats()
    assert codecs.detect(raw) == "pacs.009adv"
    decoded = codecs.decode(raw, options=options)
    assert decoded.format == "pacs.009adv" and decoded.ok
    assert codecs.validate(raw, profile="cbpr", options=options) == []
