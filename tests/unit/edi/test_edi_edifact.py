"""EDIFACT codec: UNA and release character, envelope checks, PAYMUL/PAYEXT/PAYORD, CONTRL."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.codecs.base import Decoded, Options
from hub.codecs.edi import edifact, remittance
from hub.codecs.edi.edifact_syntax import ServiceChars
from hub.codecs.edi.remittance import RemittanceLine
from hub.errors import CodecError, catalogue
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress, to_data
from tests.support import OWN_VECTORS, shared_vectors, vector_files

CODEC = edifact.CODEC
STRICT = Options()
OWN = OWN_VECTORS / "edi" / "edifact"
INVALID = json.loads((OWN / "invalid" / "manifest.json").read_text())
VALID = sorted(OWN.glob("*.edi"))
WHEN = datetime(2024, 3, 14, 9, 15, tzinfo=UTC)


def decode(raw: bytes, options: Options = STRICT) -> Decoded:
    return CODEC.decode(raw, None, options)


def errors(decoded: Decoded) -> list[tuple[str, str]]:
    return sorted((d.code, d.location) for d in decoded.diagnostics if d.is_error)


def segments(raw: bytes) -> list[str]:
    return [s.strip() for s in raw.decode("latin-1").split("'") if s.strip()]


# -- shared public samples ---------------------------------------------------------------


def test_public_orders_sample_without_unz_is_rejected_whole() -> None:
    raw = (shared_vectors("edi", "edifact") / "pydifact__order.edi").read_bytes()
    decoded = decode(raw)
    assert ("EDIFACT.UNZ_MISSING", "segment 18") in errors(decoded)
    assert decoded.messages == []
    assert (decoded.sender, decoded.receiver) == ("12345678", "WBDZDD")
    contrl = segments(edifact.acknowledge(decoded, control_number=3, when=WHEN))
    assert "UCI+807+12345678:8+WBDZDD:ZZ+4+13" in contrl


@pytest.mark.parametrize("path", vector_files("edi", "edifact", pattern="*.edi"),
                         ids=lambda p: p.name)
def test_public_samples_decode_without_crashing_and_are_answered(path: Path) -> None:
    decoded = decode(path.read_bytes())
    assert not decoded.ok  # none is a payment message: every one is refused with a reason
    assert all(d.code in catalogue() for d in decoded.diagnostics)
    assert any(d.code == "EDIFACT.MESSAGE_UNSUPPORTED" for d in decoded.diagnostics)
    answer = decode(edifact.acknowledge(decoded, control_number=4, when=WHEN))
    assert answer.ok and answer.messages[0].status == "RJCT"


def test_public_aperak_has_a_wrong_unt_count_and_lower_case_under_unoa() -> None:
    path = shared_vectors("edi", "edifact") / "pydifact__messages__v4__aperak.edi"
    found = errors(decode(path.read_bytes()))
    assert ("EDIFACT.UNT01", "segment 9 (UNT) element 1") in found
    assert ("EDIFACT.CHARACTER", "segment 8") in found
    lenient = decode(path.read_bytes(), Options(lenient=frozenset({"charset"})))
    assert ("EDIFACT.CHARACTER", "segment 8") not in errors(lenient)


# -- own vectors ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_vector_decodes_to_its_expected_canonical_json(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    decoded = decode(path.read_bytes())
    assert decoded.ok, decoded.diagnostics
    assert decoded.format == expected["format"] == CODEC.detect(path.read_bytes())
    assert (decoded.sender, decoded.receiver) == (expected["sender"], expected["receiver"])
    assert [to_data(m) for m in decoded.messages] == expected["messages"]


def test_paymul_release_characters_and_decimal_comma() -> None:
    decoded = decode((OWN / "paymul_01_two_b_levels_decimal_comma.edi").read_bytes())
    first, second, third = decoded.messages
    assert first.debtor is not None and first.debtor.name == "MUELLER + SOHN GMBH"
    assert first.creditor is not None and first.creditor.name == "SOCIETE GENERALE D'EXEMPLE SA"
    assert first.instruction_id == "INV-2024:0042"
    assert first.amount == Money(value=Decimal("1250.00"), currency="EUR")
    assert second.remittance_info == "RENT MARCH 2024 ? CONTRACT 7 UNIT 4"
    assert [m.charge_bearer for m in decoded.messages] == [
        ChargeBearer.SHAR, ChargeBearer.DEBT, ChargeBearer.CRED]
    # B level data (ordering account, execution date) reach every C level under it
    assert first.debtor_agent == second.debtor_agent == Agent(bic="COBADEFFXXX")
    assert third.requested_execution_date == date(2024, 3, 18)
    assert third.debtor is not None and third.debtor.account == "GB29NWBK60161331926819"


@pytest.mark.parametrize("name", ["paymul_01_two_b_levels_decimal_comma",
                                  "paymul_02_syntax4_groups_release", "payext_01_single",
                                  "payord_01_single"])
def test_canonical_round_trip_through_generated_interchange(name: str) -> None:
    raw = (OWN / f"{name}.edi").read_bytes()
    decoded = decode(raw)
    ic = decoded.envelope.interchange
    out = CODEC.encode(decoded.messages, decoded.format, STRICT, sender=ic.sender,
                       receiver=ic.recipient, control_number=ic.reference, when=WHEN,
                       syntax=ic.syntax, version=ic.syntax_version, chars=ic.chars)
    again = decode(out)
    assert again.ok, again.diagnostics
    assert [to_data(m) for m in again.messages] == [to_data(m) for m in decoded.messages]


def test_paymul_01_regenerates_byte_for_byte() -> None:
    raw = (OWN / "paymul_01_two_b_levels_decimal_comma.edi").read_bytes()
    decoded = decode(raw)
    out = CODEC.encode(decoded.messages, "edifact.paymul", STRICT,
                       sender=["5790000000001", "14"], receiver=["NVCBANKXXXX", "ZZ"],
                       control_number="PM0001", when=datetime(2024, 3, 14, 9, 15),
                       chars=ServiceChars(decimal=","), ack_requested=True)
    # one difference only: the free text that the sender cut at a colon is re-cut at 35
    assert out.replace(b"CONTRACT 7 UNIT 4", b"CONTRACT 7:UNIT 4") == raw


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c["file"])
def test_invalid_vector_reports_its_code_and_position(case: dict) -> None:
    decoded = CODEC.decode((OWN / "invalid" / case["file"]).read_bytes(), case["format"],
                           STRICT)
    assert errors(decoded) == sorted((e["code"], e["location"]) for e in case["errors"])
    assert len(decoded.messages) == case.get("messages", 0)


def test_every_envelope_check_has_an_invalid_vector() -> None:
    covered = {e["code"] for case in INVALID for e in case["errors"]}
    envelope = {"EDIFACT.UNA", "EDIFACT.UNB_MISSING", "EDIFACT.SYNTAX_ID",
                "EDIFACT.SYNTAX_VERSION", "EDIFACT.UNZ_MISSING", "EDIFACT.UNZ01",
                "EDIFACT.UNZ02", "EDIFACT.UNE_MISSING", "EDIFACT.UNE01", "EDIFACT.UNE02",
                "EDIFACT.UNT_MISSING", "EDIFACT.UNT01", "EDIFACT.UNT02",
                "EDIFACT.DUPLICATE_MESSAGE", "EDIFACT.MIXED", "EDIFACT.RELEASE",
                "EDIFACT.TRUNCATED", "EDIFACT.CHARACTER"}
    assert envelope <= covered


# -- canonical -> PAYMUL -> canonical ------------------------------------------------------


def _payment(n: int, debtor_account: str = "DE89370400440532013000") -> Message:
    lines = [RemittanceLine(doc_type="invoice", reference=f"INV:{n}'?+", amount=Decimal("12.50"),
                            invoice_amount=Decimal("13.00"), discount=Decimal("0.50"),
                            doc_date=date(2024, 1, n), references=(("ON", "PO-1"),),
                            adjustments=((Decimal("-0.25"), "ZZ"),))]
    info, extra = remittance.canonical_fields(lines, None)
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="edifact.paymul", message_id="MSG-1",
        instruction_id=f"E2E-{n}", amount=Money(value=Decimal("12.50"), currency="EUR"),
        requested_execution_date=date(2024, 6, 3),
        debtor=Party(name="ORDERING PARTY WITH A VERY LONG NAME THAT NEEDS TWO LINES",
                     account=debtor_account,
                     address=PostalAddress(lines=("STREET 1",), town_name="KÖLN",
                                           post_code="50667", country="DE")),
        debtor_agent=Agent(bic="COLSDE33XXX"),
        creditor=Party(name=f"BENEFICIARY {n}", account="NL91ABNA0417164300"),
        creditor_agent=Agent(bic="ABNANL2AXXX", member_id="1234", clearing_system="edifact:25:5"),
        intermediary_agents=(Agent(bic="DEUTDEFFXXX"),), charge_bearer=ChargeBearer.SHAR,
        remittance_info=info, extra=extra)


@pytest.mark.parametrize("decimal", [".", ","])
def test_canonical_to_paymul_and_back_is_the_identity(decimal: str) -> None:
    messages = [_payment(1), _payment(2), _payment(3, "DE02120300000000202051")]
    raw = CODEC.encode(messages, "edifact.paymul", STRICT, sender="A", receiver="B",
                       control_number=77, syntax="UNOC", when=WHEN,
                       chars=ServiceChars(decimal=decimal))
    assert raw.count(b"LIN+") == 2 and raw.count(b"SEQ+") == 3
    decoded = decode(raw)
    assert decoded.ok, decoded.diagnostics
    assert [to_data(m) for m in decoded.messages] == [to_data(m) for m in messages]


def test_encode_refuses_what_edifact_cannot_carry() -> None:
    with pytest.raises(CodecError) as info:
        CODEC.encode([_payment(1)], "edifact.contrl", STRICT, sender="A", receiver="B",
                     control_number=1)
    assert info.value.code == "EDIFACT.CANNOT_ENCODE"
    with pytest.raises(CodecError):
        CODEC.encode([_payment(1)], "edifact.paymul", STRICT, sender="A", receiver="B",
                     control_number=1, syntax="UNOA")  # Ö is not in UNOA
    with pytest.raises(CodecError):
        CODEC.encode([_payment(1)], "edifact.paymul", STRICT, sender="A")


# -- CONTRL --------------------------------------------------------------------------------


def test_contrl_acknowledges_a_clean_interchange() -> None:
    decoded = decode((OWN / "paymul_02_syntax4_groups_release.edi").read_bytes())
    contrl = edifact.acknowledge(decoded, control_number=12, when=WHEN)
    segs = segments(contrl)
    assert segs[0].startswith("UNB+UNOY:4+BANKCHZZ:ZZ+NVCCORP:ZZ+20240314:0915+12")
    assert "UNH+1+CONTRL:4:1:UN" in segs
    assert "UCI+IC20240320A+NVCCORP:ZZ+BANKCHZZ:ZZ+7" in segs
    assert "UCF+G1+NVCCORP:ZZ+BANKCHZZ:ZZ+7" in segs
    assert "UCM+M1+PAYMUL:D:96A:UN+7" in segs
    back = decode(contrl)
    assert back.ok and back.format == "edifact.contrl"
    assert {m.original_message_id: m.status for m in back.messages} == {
        "IC20240320A": "ACCP", "IC20240320A/G1": "ACCP", "IC20240320A/M1": "ACCP"}


def test_contrl_receipt_only() -> None:
    decoded = decode((OWN / "payord_01_single.edi").read_bytes())
    segs = segments(edifact.acknowledge(decoded, control_number=1, when=WHEN,
                                        receipt_only=True))
    assert "UCI+O0001+ORDERCO:ZZ+BANKDE:ZZ+8" in segs
    assert not any(s.startswith("UCM") for s in segs)


@pytest.mark.parametrize(("file", "uci", "ucm"), [
    ("unz02_mismatch.edi", "UCI+PM0001+5790000000001:14+NVCBANKXXXX:ZZ+4+28+UNZ+2",
     "UCM+1+PAYMUL:D:96A:UN+4"),
    ("unt01_count.edi", "UCI+PM0001+5790000000001:14+NVCBANKXXXX:ZZ+4",
     "UCM+1+PAYMUL:D:96A:UN+4+29+UNT+1"),
])
def test_contrl_rejects_envelope_errors(file: str, uci: str, ucm: str) -> None:
    decoded = decode((OWN / "invalid" / file).read_bytes())
    segs = segments(edifact.acknowledge(decoded, control_number=2, when=WHEN))
    assert uci in segs and ucm in segs


def test_contrl_points_at_a_bad_element_with_ucs_and_ucd() -> None:
    decoded = decode((OWN / "invalid" / "decimal_point_under_comma_una.edi").read_bytes())
    segs = segments(edifact.acknowledge(decoded, control_number=2, when=WHEN))
    assert "UCI+PM0001+5790000000001:14+NVCBANKXXXX:ZZ+7" in segs
    assert "UCM+1+PAYMUL:D:96A:UN+4" in segs
    assert segs[segs.index("UCS+11") + 1] == "UCD+19+1:2"  # MOA is segment 11 of the message
    statuses = {m.original_message_id: m.status for m in decode(
        edifact.acknowledge(decoded, control_number=2, when=WHEN)).messages}
    assert statuses == {"PM0001": "PART", "PM0001/1": "RJCT"}


def test_duplicate_interchange_is_rejected_with_error_26() -> None:
    decoded = decode((OWN / "payext_01_single.edi").read_bytes())
    edifact.mark_duplicate(decoded)
    assert decoded.messages == [] and decoded.diagnostics[0].location == "segment 2 (UNB) element 5"
    segs = segments(edifact.acknowledge(decoded, control_number=3, when=WHEN))
    assert "UCI+X0001+ORDERCO:ZZ+BANKDE:ZZ+4+26+UNB+5" in segs


# -- robustness ----------------------------------------------------------------------------


def test_mutated_inputs_never_raise_and_codes_are_registered() -> None:
    raw = (OWN / "paymul_01_two_b_levels_decimal_comma.edi").read_bytes()
    rng = random.Random(96)
    known = catalogue()
    samples = [raw[:n] for n in range(0, len(raw), 11)]
    for _ in range(300):
        data = bytearray(raw)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.choice(b"?'+:,.\x00\xffA1")
        samples.append(bytes(data))
    samples += [bytes(rng.randrange(256) for _ in range(200)) for _ in range(50)]
    for sample in samples:
        decoded = decode(sample)
        assert all(d.code in known for d in decoded.diagnostics)
        envelope = decoded.envelope.interchange
        if envelope is not None and not envelope.envelope_ok:
            assert decoded.messages == []


def test_detect() -> None:
    assert CODEC.detect(b"ISA*00*") is None
    assert CODEC.detect((OWN / "contrl_01_accepted.edi").read_bytes()) == "edifact.contrl"
