"""MT 199/299 field 79 in the payments reject/return guideline layout: read as the canonical
answer (status report RJCT or return) the hub applies to the original payment, written back
from one, and held to the layout (T80)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest

from hub.codecs.base import Options
from hub.codecs.swift_mt import CODEC, rejects, write_envelope
from hub.model import Kind, Message, Money
from hub.status import original_keys, state_for
from tests.support import shared_vectors

HEAD = "{1:F01BANKUS33AXXX0000000000}{2:I199BANKDEFFXXXXN}"
UETR = "8a562c67-ca16-48ba-b074-65581be6f001"


def n99(text: str, head: str = HEAD, related: str | None = "REF123") -> bytes:
    fields = ":20:RJ0001\r\n" + (f":21:{related}\r\n" if related else "") + \
        ":79:" + text.replace("\n", "\r\n")
    return f"{head}{{4:\r\n{fields}\r\n-}}".encode("latin-1")


def decode_one(raw: bytes) -> Message:
    decoded = CODEC.decode(raw, None, Options())
    assert decoded.diagnostics == [], decoded.diagnostics
    assert write_envelope(decoded.envelope) == raw
    [message] = decoded.messages
    return message


def test_reject_becomes_a_status_report_the_hub_applies() -> None:
    m = decode_one(n99("/REJT/59\n/AC04/ACCOUNT CLOSED\n/MREF/REF123\n/TREF/E2E-1\n"
                       f"/CHGS/EUR5,50\n/TEXT/CALL US\n/TEXT//UETR/{UETR}"))
    assert (m.kind, m.status, m.reason_code) == (Kind.STATUS_REPORT, "RJCT", "AC04")
    assert m.reason_text == "ACCOUNT CLOSED CALL US"
    assert (m.original_message_id, m.related_reference, m.end_to_end_id) == (
        "REF123", "REF123", "E2E-1")
    assert m.original_uetr == UUID(UETR)
    assert m.charges == (Money(value=Decimal("5.50"), currency="EUR"),)
    assert m.extra["mt.79.field"] == "59"
    assert state_for(m) is not None and state_for(m).value == "REJECTED"  # type: ignore[union-attr]
    assert ("uetr", UETR) in original_keys(m) and ("reference", "REF123") in original_keys(m)


def test_return_becomes_a_return() -> None:
    m = decode_one(n99("/RETN/32A\n/AM09/\n/MREF/FI0001", related=None))
    assert (m.kind, m.status, m.reason_code, m.reason_text) == (Kind.RETURN, None, "AM09", None)
    assert m.related_reference == m.original_message_id == "FI0001"
    assert state_for(m) is not None and state_for(m).value == "RETURNED"  # type: ignore[union-attr]


def test_block_3_uetr_is_the_original_when_79_names_none() -> None:
    head = HEAD + f"{{3:{{121:{UETR}}}}}"
    m = decode_one(n99("/REJT/99\n/AC01/\n/MREF/REF123", head=head))
    assert m.original_uetr == m.uetr == UUID(UETR)


def test_free_text_stays_free_format() -> None:
    m = decode_one(n99("PLEASE CONFIRM THE BENEFICIARY NAME\n/REJT/ IS NOT ON LINE 1"))
    assert m.kind is Kind.FREE_FORMAT and m.status is None and m.reason_code is None


@pytest.mark.parametrize(("text", "lines"), [
    ("/REJT/5\n/AC01/\n/MREF/R", [1]),
    ("/RETN/59\n/AC1/\n/MREF/R", [2]),
    ("/REJT/59\n/AC01/", [3]),
    ("/REJT/59\n/AC01/\n/MREF/R\n/CHGS/EUR5.00", [4]),
    ("/REJT/59\n/AC01/\n/MREF/R\n/TEXT/A\n/TREF/B", [5]),
    ("/REJT/59\n/AC01/\n/MREF/R\n/TREF/A\n/TREF/B", [5]),
    ("/REJT/59\n/AC01/\n/MREF/R\nFREE TEXT", [4]),
    ("/REJT/59\n/AC01/\n/MREF/R\n/TREF/" + "X" * 17, [4]),
    ("/REJT/59\n/AC01/\n/MREF/" + "X" * 17, [3]),
])
def test_layout_breaches_are_t80_and_the_message_stays_free_format(text: str,
                                                                  lines: list[int]) -> None:
    decoded = CODEC.decode(n99(text), None, Options())
    assert [(d.code, d.location) for d in decoded.diagnostics] == [
        ("MT.T80", f"field 79 line {n}") for n in lines]
    assert decoded.messages[0].kind is Kind.FREE_FORMAT


def test_status_report_is_written_in_the_guideline_layout() -> None:
    report = Message(kind=Kind.STATUS_REPORT, status="RJCT", reason_code="AC04",
                     reason_text="ACCOUNT CLOSED SINCE JANUARY, PLEASE CONTACT THE BENEFICIARY",
                     instruction_id="RJ0001", related_reference="REF123",
                     original_message_id="REF123", original_uetr=UUID(UETR),
                     charges=(Money(value=Decimal("5"), currency="EUR"),))
    raw = CODEC.encode([report], "mt199", Options(), sender="BANKUS33", receiver="BANKDEFF")
    back = decode_one(raw)
    assert (back.kind, back.status, back.reason_code) == (Kind.STATUS_REPORT, "RJCT", "AC04")
    assert back.reason_text == report.reason_text
    assert (back.original_message_id, back.original_uetr) == ("REF123", UUID(UETR))
    assert back.charges == report.charges
    narrative = back.narrative or ""
    assert narrative.startswith("/REJT/99\n/AC04/\n/MREF/REF123\n/CHGS/EUR5,\n")
    assert all(len(line) <= 50 for line in narrative.split("\n"))


def test_a_code_the_guideline_cannot_carry_is_kept_in_the_text() -> None:
    report = Message(kind=Kind.RETURN, reason_code="NARR", reason_text="SEE ATTACHED",
                     instruction_id="RT0001", original_message_id="REF123")
    raw = CODEC.encode([report], "mt299", Options(), sender="BANKUS33", receiver="BANKDEFF")
    back = decode_one(raw)
    assert (back.kind, back.reason_code, back.reason_text) == (Kind.RETURN, "MS03",
                                                               "NARR SEE ATTACHED")


def test_decoded_reject_is_written_back_unchanged() -> None:
    raw = n99("/REJT/59\n/AC04/\n/MREF/REF123")
    m = decode_one(raw)
    again = CODEC.encode([m], "mt199", Options(), sender="BANKUS33", receiver="BANKDEFF")
    assert decode_one(again).narrative == m.narrative


def test_write_then_read() -> None:
    text = rejects.write("RETN", "AC06", "REF-1", field="59F", tref="T1",
                         charges=("USD", "10,"), uetr=UETR, reason_text="BLOCKED")
    found, breaches = rejects.read(text)
    assert breaches == [] and found is not None
    assert (found.kind, found.field, found.reason_code, found.mref, found.tref) == (
        "RETN", "59F", "AC06", "REF-1", "T1")
    assert (found.charges, found.uetr, found.reason_text) == (("USD", "10,"), UETR, "BLOCKED")


@pytest.mark.parametrize("name", ["mt199_out_rejt.fin", "mt299_out_rejt.fin"])
def test_published_samples_are_rejects(name: str) -> None:
    m = decode_one((shared_vectors("mt") / name).read_bytes())
    assert (m.kind, m.status, m.reason_code) == (Kind.STATUS_REPORT, "RJCT", "AC04")
    assert m.original_message_id == m.related_reference
    assert m.original_uetr == m.uetr is not None
