"""Fedwire FAIM vectors: every shared file read, the JSON beside each compared element for
element, own standard-derived cases, and canonical round trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub import codecs
from hub.codecs.base import Options
from hub.codecs.fedwire import CODEC
from hub.codecs.fedwire.reader import FedwireMessage
from tests.support import OWN_VECTORS, shared_vectors, vector_files

SHARED = vector_files("fedwire")
TEXTS = [p for p in SHARED if p.suffix == ".txt"]
JSONS = [p for p in SHARED if p.suffix == ".json"]

# Findings the invalid shared files must yield (FAIM rules), as (code, location).
EXPECTED = {
    "fedWireMessage-InvalidTag.txt": [("FED.UNKNOWN_TAG", "line 1 tag {1599}")],
    "fedWireMessage-MissingRequiredTag.txt": [
        ("FED.REQUIRED_TAG", "line 27 tag {6420}"),  # {6420} needs {6410}
        ("FED.PROHIBITED_TAG", "line 29 tag {9000}"),  # no service message in a CTP
    ],
}

_LINES = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
          "Eleven", "Twelve"]
_FI = {"identificationCode": "id_code", "identifier": "identifier", "name": "name",
       "address.addressLineOne": "address_1", "address.addressLineTwo": "address_2",
       "address.addressLineThree": "address_3"}
_REMIT_PARTY = {
    "identificationType": "id_type", "identificationCode": "id_code",
    "identificationNumber": "id_number", "identificationNumberIssuer": "id_issuer",
    "remittanceData.name": "name", "remittanceData.addressType": "address_type",
    "remittanceData.department": "department", "remittanceData.subDepartment": "sub_department",
    "remittanceData.streetName": "street_name",
    "remittanceData.buildingNumber": "building_number", "remittanceData.postCode": "post_code",
    "remittanceData.townName": "town_name",
    "remittanceData.countrySubDivisionState": "country_sub_division",
    "remittanceData.country": "country",
    "remittanceData.countryOfResidence": "country_of_residence",
    "remittanceData.dateBirthPlace": "birth_date_place",
    **{f"remittanceData.addressLine{w}": f"address_line_{i}"
       for i, w in enumerate(_LINES[:7], 1)},
    "contactName": "contact_name", "contactPhoneNumber": "phone",
    "contactMobileNumber": "mobile", "contactFaxNumber": "fax",
    "contactElectronicAddress": "electronic_address", "contactOther": "contact_other"}


def _lines(prefix: str, count: int) -> dict[str, str]:
    word = "Line" if prefix[-1:].isalpha() else "line"
    return {f"{prefix}{word}{w}": f"line_{i}" for i, w in enumerate(_LINES[:count], 1)}


def _swift(count: int) -> dict[str, str]:
    return {"coverPayment.swiftFieldTag": "swift_tag", **_lines("coverPayment.swift", count)}


# The other implementation's JSON names -> (FAIM tag, our element name).
NAMES: dict[str, tuple[str, dict[str, str]]] = {
    "messageDisposition": ("1100", {"formatVersion": "format_version",
                                    "testProductionCode": "test_production",
                                    "messageDuplicationCode": "duplication_code",
                                    "messageStatusIndicator": "status_indicator"}),
    "receiptTimeStamp": ("1110", {"receiptDate": "date", "receiptTime": "time",
                                  "receiptApplicationIdentification": "application_id"}),
    "outputMessageAccountabilityData": ("1120", {
        "outputCycleDate": "cycle_date", "outputDestinationID": "destination_id",
        "outputSequenceNumber": "sequence", "outputDate": "date", "outputTime": "time",
        "outputFRBApplicationIdentification": "application_id"}),
    "errorWire": ("1130", {"errorCategory": "category", "errorCode": "code",
                           "errorDescription": "description"}),
    "senderSupplied": ("1500", {"formatVersion": "format_version",
                                "userRequestCorrelation": "user_request_correlation",
                                "testProductionCode": "test_production",
                                "messageDuplicationCode": "duplication_code"}),
    "typeSubType": ("1510", {"typeCode": "type_code", "subTypeCode": "subtype_code"}),
    "inputMessageAccountabilityData": ("1520", {"inputCycleDate": "cycle_date",
                                                "inputSource": "source",
                                                "inputSequenceNumber": "sequence"}),
    "amount": ("2000", {"amount": "amount"}),
    "senderDepositoryInstitution": ("3100", {"senderABANumber": "aba",
                                             "senderShortName": "short_name"}),
    "receiverDepositoryInstitution": ("3400", {"receiverABANumber": "aba",
                                               "receiverShortName": "short_name"}),
    "businessFunctionCode": ("3600", {"businessFunctionCode": "code",
                                      "transactionTypeCode": "transaction_type"}),
    "senderReference": ("3320", {"senderReference": "reference"}),
    "previousMessageIdentifier": ("3500", {"PreviousMessageIdentifier": "imad"}),
    "localInstrument": ("3610", {"LocalInstrument": "code",
                                 "ProprietaryCode": "proprietary_code"}),
    "paymentNotification": ("3620", {
        "paymentNotificationIndicator": "indicator",
        "contactNotificationElectronicAddress": "electronic_address",
        "contactName": "contact_name", "contactPhoneNumber": "phone",
        "contactMobileNumber": "mobile", "faxNumber": "fax",
        "endToEndIdentification": "end_to_end_id"}),
    "charges": ("3700", {"chargeDetails": "details",
                         **{f"sendersCharges{w}": f"senders_charges_{i}"
                            for i, w in enumerate(_LINES[:4], 1)}}),
    "instructedAmount": ("3710", {"currencyCode": "currency", "amount": "amount"}),
    "exchangeRate": ("3720", {"exchangeRate": "rate"}),
    "beneficiaryIntermediaryFI": ("4000", {f"financialInstitution.{k}": v
                                           for k, v in _FI.items()}),
    "beneficiaryFI": ("4100", {f"financialInstitution.{k}": v for k, v in _FI.items()}),
    "beneficiary": ("4200", {f"personal.{k}": v for k, v in _FI.items()}),
    "beneficiaryReference": ("4320", {"beneficiaryReference": "reference"}),
    "accountDebitedDrawdown": ("4400", dict(_FI)),
    "originator": ("5000", {f"personal.{k}": v for k, v in _FI.items()}),
    "originatorOptionF": ("5010", {"partyIdentifier": "party_identifier", "name": "name",
                                   **_lines("", 3)}),
    "originatorFI": ("5100", {f"financialInstitution.{k}": v for k, v in _FI.items()}),
    "instructingFI": ("5200", {f"financialInstitution.{k}": v for k, v in _FI.items()}),
    "accountCreditedDrawdown": ("5400", {"drawdownCreditAccountNumber": "account"}),
    "originatorToBeneficiary": ("6000", _lines("", 4)),
    "fiReceiverFI": ("6100", _lines("fiToFI.", 6)),
    "fiDrawdownDebitAccountAdvice": ("6110", {"advice.adviceCode": "advice_code",
                                              **_lines("advice.", 6)}),
    "fiIntermediaryFI": ("6200", _lines("fiToFI.", 6)),
    "fiIntermediaryFIAdvice": ("6210", {"advice.adviceCode": "advice_code",
                                        **_lines("advice.", 6)}),
    "fiBeneficiaryFI": ("6300", _lines("fiToFI.", 6)),
    "fiBeneficiaryFIAdvice": ("6310", {"advice.adviceCode": "advice_code",
                                       **_lines("advice.", 6)}),
    "fiBeneficiary": ("6400", _lines("fiToFI.", 6)),
    "fiBeneficiaryAdvice": ("6410", {"advice.adviceCode": "advice_code",
                                     **_lines("advice.", 6)}),
    "fiPaymentMethodToBeneficiary": ("6420", {"paymentMethod": "method",
                                              "Additional": "additional_information"}),
    "fiAdditionalFiToFi": ("6500", _lines("additionalFiToFi.", 6)),
    "currencyInstructedAmount": ("7033", {"swiftFieldTag": "swift_tag", "amount": "amount"}),
    "orderingCustomer": ("7050", _swift(5)),
    "orderingInstitution": ("7052", _swift(5)),
    "intermediaryInstitution": ("7056", _swift(5)),
    "institutionAccount": ("7057", _swift(5)),
    "beneficiaryCustomer": ("7059", _swift(5)),
    "remittance": ("7070", _swift(4)),
    "senderToReceiver": ("7072", _swift(6)),
    "remittanceOriginator": ("8300", _REMIT_PARTY),
    "remittanceBeneficiary": ("8350", _REMIT_PARTY),
    "primaryRemittanceDocument": ("8400", {
        "documentTypeCode": "document_type", "proprietaryDocumentTypeCode": "proprietary_type",
        "documentIdentificationNumber": "document_id", "issuer": "issuer"}),
    "actualAmountPaid": ("8450", {"remittanceAmount.currencyCode": "currency",
                                  "remittanceAmount.amount": "amount"}),
    "grossAmountRemittanceDocument": ("8500", {"remittanceAmount.currencyCode": "currency",
                                               "remittanceAmount.amount": "amount"}),
    "amountNegotiatedDiscount": ("8550", {"remittanceAmount.currencyCode": "currency",
                                          "remittanceAmount.amount": "amount"}),
    "adjustment": ("8600", {"adjustmentReasonCode": "reason_code",
                            "creditDebitIndicator": "credit_debit",
                            "remittanceAmount.currencyCode": "currency",
                            "remittanceAmount.amount": "amount",
                            "additionalInfo": "additional_information"}),
    "dateRemittanceDocument": ("8650", {"dateRemittanceDocument": "date"}),
    "secondaryRemittanceDocument": ("8700", {
        "documentTypeCode": "document_type", "proprietaryDocumentTypeCode": "proprietary_type",
        "documentIdentificationNumber": "document_id", "issuer": "issuer"}),
    "remittanceFreeText": ("8750", _lines("", 3)),
    "serviceMessage": ("9000", _lines("", 12)),
}

# Where the JSON beside a vector is not a parse of the text beside it (checked to still differ,
# so the list cannot outlive the files): (file, json path) -> what the text holds instead.
_SR = "fedWireMessage-CustomerTransferPlusStructuredRemittance.json"
JSON_NOT_FROM_TEXT = {
    # the text repeats "Address Line One" where the JSON has a fourth line
    (_SR, "remittanceOriginator.remittanceData.addressLineFour"): "Address Line One",
    # the text's {8350} lacks the `*` between building number 16 and post code 19405, so
    # every element up to the first address line reads one place on (2-character country)
    (_SR, "remittanceBeneficiary.remittanceData.buildingNumber"): "1619405",
    (_SR, "remittanceBeneficiary.remittanceData.postCode"): "AnyTown",
    (_SR, "remittanceBeneficiary.remittanceData.townName"): "PA",
    (_SR, "remittanceBeneficiary.remittanceData.countrySubDivisionState"): "UA",
    (_SR, "remittanceBeneficiary.remittanceData.country"): "Ad",
    (_SR, "remittanceBeneficiary.remittanceData.addressLineOne"): "dress Line One",
}


def _leaves(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        out: dict[str, str] = {}
        for key, value in data.items():
            out.update(_leaves(value, f"{prefix}.{key}" if prefix else key))
        return out
    return {prefix: str(data)}


def _decode(raw: bytes):  # type: ignore[no-untyped-def]
    return CODEC.decode(raw, "fedwire", Options())


def test_sources_lists_every_shared_file() -> None:
    folder = shared_vectors("fedwire")
    listed = (folder / "SOURCES.md").read_text()
    for path in folder.iterdir():
        if path.name != "SOURCES.md":
            assert path.stem in listed, path.name


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_shared_vector_reads(path: Path) -> None:
    decoded = _decode(path.read_bytes())
    found = [(d.code, d.location) for d in decoded.diagnostics if d.is_error]
    assert found == EXPECTED.get(path.name, [])
    assert len(decoded.envelope) == 1
    assert len(decoded.messages) == 1
    assert decoded.messages[0].amount is not None
    assert decoded.messages[0].amount.text() == "12345.67" or "fiserv" in path.name


@pytest.mark.parametrize("path", [*TEXTS, *sorted((OWN_VECTORS / "fedwire").glob("*.txt"))],
                         ids=lambda p: p.name)
def test_format_is_detected(path: Path) -> None:
    """A FAIM file opens with a {nnnn} tag ({1500}, a Fed-appended {1100}, or an unknown one
    the reader reports): never taken for JSON."""
    raw = path.read_bytes()
    assert codecs.detect(raw) == "fedwire"
    assert codecs.decode(raw).format == "fedwire"


@pytest.mark.parametrize("path", JSONS, ids=lambda p: p.name)
def test_json_beside_vector_matches_element_for_element(path: Path) -> None:
    data = json.loads(path.read_text())["fedWireMessage"]
    (message,) = _decode(path.with_suffix(".txt").read_bytes()).envelope
    assert isinstance(message, FedwireMessage)
    compared = 0
    tags_in_json = set()
    for block, content in data.items():
        if block == "id":
            continue
        assert block in NAMES, f"no name mapping for {block}"
        tag, elements = NAMES[block]
        tags_in_json.add(tag)
        for leaf, value in _leaves(content).items():
            assert leaf in elements, f"no name mapping for {block}.{leaf}"
            ours = message.value(tag, elements[leaf])
            known = JSON_NOT_FROM_TEXT.get((path.name, f"{block}.{leaf}"))
            if known is not None:
                assert ours == known and value.rstrip() != ours
                continue
            assert ours.rstrip() == value.rstrip(), f"{block}.{leaf} {{{tag}}}"
            compared += 1
    assert tags_in_json == {t.tag for t in message.tags}
    assert compared > 10


VALID = [p for p in TEXTS if p.name not in EXPECTED]


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_canonical_round_trip(path: Path) -> None:
    """fedwire -> canonical -> fedwire -> canonical is the identity."""
    decoded = _decode(path.read_bytes())
    out = CODEC.encode(decoded.messages, "fedwire", Options())
    again = _decode(out)
    assert again.ok, again.diagnostics
    assert again.messages == decoded.messages


OWN = sorted((OWN_VECTORS / "fedwire").glob("*.txt"))


def _value(message: Any, name: str) -> Any:
    """A canonical element by dotted path; "extra.<key>" is one extra key (keys hold dots)."""
    if name.startswith("extra."):
        return message.extra.get(name[len("extra."):])
    target = message
    for part in name.split("."):
        target = target[int(part)] if part.isdigit() else getattr(target, part)
    return target


@pytest.mark.parametrize("path", OWN, ids=lambda p: p.name)
def test_own_vector(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    decoded = _decode(path.read_bytes())
    found = [(d.code, d.location) for d in decoded.diagnostics if d.is_error]
    assert found == [(e["code"], e["location"]) for e in expected["diagnostics"]]
    if "warnings" in expected:
        warned = [(d.code, d.location) for d in decoded.diagnostics if not d.is_error]
        assert warned == [(e["code"], e["location"]) for e in expected["warnings"]]
    assert [m.kind.value for m in decoded.messages] == expected["kinds"]
    for i, fields in enumerate(expected.get("fields", [])):
        message = decoded.messages[i]
        for name, value in fields.items():
            assert str(_value(message, name)) == value, name
    for key in expected.get("absent_extra", []):
        assert all(key not in m.extra for m in decoded.messages), key


@pytest.mark.parametrize("path", [p for p in OWN if p.name.startswith("valid")
                                  or "covs" in p.name], ids=lambda p: p.name)
def test_own_vector_canonical_round_trip(path: Path) -> None:
    decoded = _decode(path.read_bytes())
    again = _decode(CODEC.encode(decoded.messages, "fedwire", Options()))
    assert again.messages == decoded.messages
    errors = [(d.code, d.location) for d in decoded.diagnostics if d.is_error]
    if not errors:
        assert again.ok, again.diagnostics
