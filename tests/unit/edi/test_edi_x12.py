"""X12 codec: envelope checks, 820 mapping both ways, 997/999/TA1 built and read."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.codecs.base import Decoded, Options
from hub.codecs.edi import remittance, x12
from hub.codecs.edi.remittance import RemittanceLine
from hub.codecs.edi.x12_syntax import Delimiters
from hub.errors import CodecError, Severity, catalogue
from hub.model import Agent, Kind, Message, Money, Party, PostalAddress, to_data
from tests.support import OWN_VECTORS, shared_vectors

CODEC = x12.CODEC
STRICT = Options()
LENIENT = Options(lenient=frozenset({"isa_padding"}))
OWN = OWN_VECTORS / "edi" / "x12"
INVALID = json.loads((OWN / "invalid" / "manifest.json").read_text())
VALID = sorted(OWN.glob("*.x12"))
WHEN = datetime(2024, 3, 14, 9, 15, tzinfo=UTC)


def decode(raw: bytes, options: Options = STRICT) -> Decoded:
    return CODEC.decode(raw, None, options)


def errors(decoded: Decoded) -> list[tuple[str, str]]:
    return sorted((d.code, d.location) for d in decoded.diagnostics if d.is_error)


# -- shared public samples ---------------------------------------------------------------


def test_public_820_sample_is_refused_strictly_for_its_unpadded_isa() -> None:
    raw = (shared_vectors("edi", "x12") / "moov-x12__example_stp_820__sample.txt").read_bytes()
    decoded = decode(raw)
    assert errors(decoded) == [("X12.ISA_PADDING", "segment 1 (ISA)")]
    assert decoded.messages == []
    ack = decode(x12.acknowledge(decoded, control_number=5, when=WHEN))
    reports = {m.extra["x12.ack.level"]: m for m in ack.messages}
    assert reports["interchange"].status == "RJCT"
    assert reports["interchange"].reason_code == "022"
    assert reports["group"].status == "RJCT"


def test_public_820_sample_reads_with_the_named_leniency() -> None:
    raw = (shared_vectors("edi", "x12") / "moov-x12__example_stp_820__sample.txt").read_bytes()
    decoded = decode(raw, LENIENT)
    assert decoded.ok
    assert [d.severity for d in decoded.diagnostics] == [Severity.WARNING]
    assert (decoded.sender, decoded.receiver) == ("227777777", "577777777")
    (message,) = decoded.messages
    assert message.amount == Money(value=Decimal("7989.73"), currency="USD")
    assert message.instruction_id == "12053011440000192"
    assert message.settlement_date == date(2012, 5, 31)
    assert message.local_instrument == "CTX"
    assert message.creditor is not None and message.creditor.name == "WALMART"
    assert message.creditor.account == "92283334"
    assert message.creditor_agent == Agent(member_id="148529553", clearing_system="USABA")
    lines = remittance.loads(message.extra[remittance.EXTRA_KEY])
    assert [line.reference for line in lines] == ["7321239", "7321511"]
    assert sum(line.amount or 0 for line in lines) == message.amount.value
    assert lines[0].references == (("PO", "24305"),)


def test_public_999_reads_as_status_reports() -> None:
    raw = (shared_vectors("edi", "x12") / "pyx12__834_ls_le_ls_5010.999.txt").read_bytes()
    assert CODEC.detect(raw) == "x12.999"
    decoded = decode(raw)
    assert decoded.ok and decoded.format == "x12.999"
    by_id = {m.original_message_id: m for m in decoded.messages}
    assert by_id["146/146001"].status == "ACCP"
    assert by_id["146"].status == "ACCP"
    assert all(m.kind is Kind.STATUS_REPORT for m in decoded.messages)


# -- own vectors ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_vector_decodes_to_its_expected_canonical_json(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    decoded = decode(path.read_bytes())
    assert decoded.ok, decoded.diagnostics
    assert decoded.format == expected["format"] == CODEC.detect(path.read_bytes())
    assert (decoded.sender, decoded.receiver) == (expected["sender"], expected["receiver"])
    assert [to_data(m) for m in decoded.messages] == expected["messages"]


@pytest.mark.parametrize("name", ["820_004010_two_payments", "820_005010_single_swift"])
def test_820_reencodes_byte_for_byte(name: str) -> None:
    raw = (OWN / f"{name}.x12").read_bytes()
    decoded = decode(raw)
    ic = decoded.envelope.interchange
    out = CODEC.encode(
        decoded.messages, "x12.820", STRICT, sender=ic.sender, receiver=ic.receiver,
        sender_qualifier=ic.sender_qualifier, receiver_qualifier=ic.receiver_qualifier,
        control_number=int(ic.control), group_control=int(ic.groups[0].control),
        when=datetime.strptime(ic.isa[9] + ic.isa[10], "%y%m%d%H%M"), version=ic.version,
        ack_requested=ic.ack_requested, usage=ic.usage, delimiters=ic.delimiters)
    assert out == raw


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c["file"])
def test_invalid_vector_reports_its_code_and_position(case: dict) -> None:
    decoded = CODEC.decode((OWN / "invalid" / case["file"]).read_bytes(), case["format"],
                           STRICT)
    assert errors(decoded) == sorted((e["code"], e["location"]) for e in case["errors"])
    assert len(decoded.messages) == case.get("messages", 0)


def test_every_envelope_check_has_an_invalid_vector() -> None:
    covered = {e["code"] for case in INVALID for e in case["errors"]}
    envelope = {"X12.ISA", "X12.ISA_PADDING", "X12.ISA_DELIMITERS", "X12.ISA12", "X12.ISA13",
                "X12.IEA_MISSING", "X12.IEA01", "X12.IEA02", "X12.GS08", "X12.GE_MISSING",
                "X12.GE01", "X12.GE02", "X12.ST02", "X12.SE_MISSING", "X12.SE01", "X12.SE02",
                "X12.SEGMENT_OUTSIDE", "X12.TRUNCATED", "X12.CHARACTER"}
    assert envelope <= covered


# -- canonical -> 820 -> canonical ---------------------------------------------------------


def _payment(**changes: object) -> Message:
    lines = [RemittanceLine(doc_type="invoice", reference="INV-9", amount=Decimal("70.00"),
                            invoice_amount=Decimal("75.00"), discount=Decimal("5.00"),
                            doc_date=date(2024, 2, 2), references=(("PO", "P-1"),),
                            adjustments=((Decimal("-1.50"), "CS"),)),
             RemittanceLine(doc_type="credit_note", reference="CN-2", amount=Decimal("30.00"))]
    info, extra = remittance.canonical_fields(lines, None)
    fields: dict = dict(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="x12.820", instruction_id="REF-1",
        amount=Money(value=Decimal("100.00"), currency="CAD"),
        settlement_date=date(2024, 5, 1),
        debtor=Party(name="PAYER INC", account="111", identifier="99", identifier_scheme="FI",
                     address=PostalAddress(lines=("1 RUE",), town_name="MONTREAL",
                                           country_sub_division="QC", post_code="H2X 1Y4",
                                           country="CA")),
        creditor=Party(name="PAYEE LTD", account="222"),
        debtor_agent=Agent(member_id="000112345", clearing_system="CACPA"),
        creditor_agent=Agent(bic="ROYCCAT2XXX"), local_instrument="CCD",
        remittance_info=info, extra=extra)
    fields.update(changes)
    return Message(**fields)


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_canonical_to_820_and_back_is_the_identity(version: str) -> None:
    messages = [_payment(), _payment(instruction_id="REF-2", remittance_info="FREE TEXT ONLY",
                                     extra={}, amount=Money.parse("5", "USD"))]
    raw = CODEC.encode(messages, "x12.820", STRICT, sender="A", receiver="B",
                       control_number=42, version=version, when=WHEN)
    decoded = decode(raw)
    assert decoded.ok, decoded.diagnostics
    assert decoded.envelope.interchange.version == version
    assert [to_data(m) for m in decoded.messages] == [to_data(m) for m in messages]


def test_encode_refuses_what_an_820_cannot_carry() -> None:
    with pytest.raises(CodecError) as info:
        CODEC.encode([_payment(instruction_id=None)], "x12.820", STRICT, sender="A",
                     receiver="B", control_number=1)
    assert info.value.code == "X12.CANNOT_ENCODE"
    with pytest.raises(CodecError):
        CODEC.encode([_payment(instruction_id="A*B")], "x12.820", STRICT, sender="A",
                     receiver="B", control_number=1)
    with pytest.raises(CodecError):
        CODEC.encode([_payment()], "x12.820", STRICT, sender="A", receiver="B",
                     control_number=10**9)
    with pytest.raises(CodecError):
        CODEC.encode([_payment()], "x12.820", STRICT, sender="A")


# -- acknowledgements ----------------------------------------------------------------------


def _segments(raw: bytes) -> list[list[str]]:
    text = raw.decode()
    element, terminator = text[3], text[105]
    return [s.strip().split(element) for s in text.split(terminator) if s.strip()]


def test_997_accepts_a_clean_004010_interchange_with_ta1_when_asked() -> None:
    decoded = decode((OWN / "820_004010_two_payments.x12").read_bytes())
    ack = x12.acknowledge(decoded, control_number=55, when=WHEN)
    segs = _segments(ack)
    assert segs[1] == ["TA1", "000000101", "240314", "0915", "A", "000"]
    assert ["ST", "997", "0001"] in segs
    assert ["AK1", "RA", "101"] in segs
    assert ["AK9", "A", "2", "2", "2"] in segs
    assert segs[0][6].strip() == "NVCBANK" and segs[0][8].strip() == "ACMECORP"
    back = decode(ack)
    assert back.ok and back.format == "x12.ta1"
    statuses = {m.original_message_id: m.status for m in back.messages}
    assert statuses == {"000000101": "ACCP", "101/0001": "ACCP", "101/0002": "ACCP",
                        "101": "ACCP"}


def test_999_answers_005010_with_ik5() -> None:
    decoded = decode((OWN / "820_005010_single_swift.x12").read_bytes())
    segs = _segments(x12.acknowledge(decoded, control_number=7, when=WHEN))
    assert ["ST", "999", "0001", "005010X231"] in segs
    assert ["AK1", "RA", "777", "005010X218"] in segs
    assert ["IK5", "A"] in segs
    assert not any(s[0] == "TA1" for s in segs)  # ISA14 = 0 and the envelope is sound


def test_content_error_rejects_only_its_transaction_set() -> None:
    decoded = decode((OWN / "invalid" / "bpr02_not_number.x12").read_bytes())
    segs = _segments(x12.acknowledge(decoded, control_number=8, when=WHEN))
    assert ["AK3", "BPR", "2", "", "8"] in segs
    assert ["AK4", "2", "", "6", "15O0.00"] in segs
    assert ["AK5", "R", "5"] in segs
    assert ["AK9", "P", "2", "2", "1"] in segs
    statuses = {m.original_message_id: m.status for m in decode(
        x12.acknowledge(decoded, control_number=8, when=WHEN)).messages}
    assert statuses["101"] == "PART" and statuses["101/0001"] == "RJCT"


@pytest.mark.parametrize(("file", "ak5", "ak9"), [
    ("se01_count.x12", ["AK5", "R", "4"], ["AK9", "R", "2", "2", "0"]),
    ("se02_mismatch.x12", ["AK5", "R", "3"], ["AK9", "R", "2", "2", "0"]),
    ("ge02_mismatch.x12", ["AK5", "R"], ["AK9", "R", "2", "2", "0", "4"]),
])
def test_envelope_errors_reject_the_whole_interchange(file: str, ak5: list[str],
                                                      ak9: list[str]) -> None:
    decoded = decode((OWN / "invalid" / file).read_bytes())
    assert decoded.messages == []
    segs = _segments(x12.acknowledge(decoded, control_number=9, when=WHEN))
    assert ak5 in segs and ak9 in segs


def test_interchange_errors_answer_with_a_rejecting_ta1() -> None:
    decoded = decode((OWN / "invalid" / "iea02_mismatch.x12").read_bytes())
    segs = _segments(x12.acknowledge(decoded, control_number=9, when=WHEN))
    assert segs[1] == ["TA1", "000000101", "240314", "0915", "R", "001"]


def test_duplicate_interchange_is_rejected_with_note_025() -> None:
    decoded = decode((OWN / "820_004010_two_payments.x12").read_bytes())
    x12.mark_duplicate(decoded)
    assert decoded.messages == [] and not decoded.ok
    assert decoded.diagnostics[0].code == "X12.DUPLICATE_INTERCHANGE"
    segs = _segments(x12.acknowledge(decoded, control_number=9, when=WHEN))
    assert segs[1][4:] == ["R", "025"]


def test_acknowledge_refuses_an_unreadable_interchange() -> None:
    decoded = decode(b"not x12 at all")
    assert errors(decoded) == [("X12.ISA", "segment 1 (ISA)")]
    with pytest.raises(CodecError):
        x12.acknowledge(decoded, control_number=1)


# -- robustness ----------------------------------------------------------------------------


def test_mutated_inputs_never_raise_and_codes_are_registered() -> None:
    raw = (OWN / "820_004010_two_payments.x12").read_bytes()
    rng = random.Random(820)
    known = catalogue()
    samples = [raw[:n] for n in range(0, len(raw), 7)]
    for _ in range(300):
        data = bytearray(raw)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        samples.append(bytes(data))
    samples += [bytes(rng.randrange(256) for _ in range(200)) for _ in range(50)]
    for sample in samples:
        decoded = decode(sample)
        assert all(d.code in known for d in decoded.diagnostics)
        if not decoded.ok:
            assert decoded.messages == [] or decoded.envelope.interchange.envelope_ok


def test_detect() -> None:
    assert CODEC.detect(b"UNB+UNOC:3") is None
    assert CODEC.detect((OWN / "997_accepted.x12").read_bytes()) == "x12.997"
    assert CODEC.detect((OWN / "ta1_rejected.x12").read_bytes()) == "x12.ta1"
    assert Delimiters().segment == "~"
