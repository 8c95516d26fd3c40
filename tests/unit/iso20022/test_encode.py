"""Writing every message: valid against the base XSD (and the Fedwire restricted XSDs under the
fedwire profile); defaults and truncation are reported; impossible requests refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from hub.codecs.iso20022 import CODEC
from hub.errors import CodecError, Severity
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress

UETR = UUID("3f2b8c1e-5d4a-4e7b-9c1d-2a6f8e0b7c45")
WHEN = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
ADDRESS = PostalAddress(town_name="Cambridge", country="GB", street_name="High Street")
TRANSFER = Message(
    kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=UETR, message_id="MSG-1", instruction_id="I-1",
    end_to_end_id="E2E-1", amount=Money.parse("100.00", "EUR"), settlement_date=date(2026, 11, 16),
    created_at=WHEN, debtor=Party(name="Acme", account="12345678", address=ADDRESS),
    debtor_agent=Agent(bic="BANKGB2LXXX"), creditor=Party(name="Widget Oy", address=ADDRESS),
    creditor_agent=Agent(bic="BANKFIHHXXX"), instructing_agent=Agent(bic="BANKGB2LXXX"),
    instructed_agent=Agent(bic="BANKFIHHXXX"), charge_bearer=ChargeBearer.SHAR)
FI = replace(TRANSFER, kind=Kind.FI_CREDIT_TRANSFER, debtor=Party(bic="BANKGB2LXXX"),
             creditor=Party(bic="BANKFIHHXXX"))
COVER = replace(FI, kind=Kind.COVER, underlying=replace(TRANSFER, uetr=None, message_id=None))
ANSWER = dict(original_message_id="MSG-0", related_reference="I-0", end_to_end_id="E2E-0",
              original_uetr=UETR, reason_code="AC04", reason_text="closed account")
STATUS = Message(kind=Kind.STATUS_REPORT, message_id="ST-1", created_at=WHEN, status="RJCT",
                 instructing_agent=Agent(bic="BANKFIHHXXX"),
                 instructed_agent=Agent(bic="BANKGB2LXXX"), **ANSWER)  # type: ignore[arg-type]
RETURN = replace(TRANSFER, kind=Kind.RETURN, uetr=None, message_id="RT-1", instruction_id="RT-1",
                 **ANSWER)  # type: ignore[arg-type]
CANCEL = replace(STATUS, kind=Kind.CANCELLATION, status=None, reason_code="DUPL",
                 amount=Money.parse("100.00", "EUR"), settlement_date=date(2026, 11, 16))
RESOLUTION = replace(STATUS, status="CNCL", reason_code=None, reason_text=None)


@pytest.mark.parametrize("message, fmt", [
    (TRANSFER, "pacs.008"), (FI, "pacs.009"), (COVER, "pacs.009cov"), (STATUS, "pacs.002"),
    (RETURN, "pacs.004"), (CANCEL, "camt.056"), (RESOLUTION, "camt.029"),
    (replace(TRANSFER, requested_execution_date=date(2026, 11, 17)), "pain.001"),
], ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("profile", [None, "cbpr"])
def test_every_format_writes_valid_xml(message: Message, fmt: str, profile: str | None,
                                       options) -> None:  # type: ignore[no-untyped-def]
    written = CODEC.encode([message], fmt, options, profile=profile)
    decoded = CODEC.decode(written, None, replace(options, profile=profile))
    assert decoded.format == fmt
    errors = [d for d in decoded.diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    back = decoded.messages[0]
    assert back.kind is message.kind
    if fmt == "pacs.009cov":
        assert back.underlying is not None and message.underlying is not None
        assert back.underlying.debtor == message.underlying.debtor
    if message.original_uetr:
        assert back.original_uetr == UETR and back.reason_code == message.reason_code


def test_fedwire_profile_writes_to_the_restricted_schema(options) -> None:  # type: ignore[no-untyped-def]
    aba = dict(clearing_system="USABA")
    message = replace(TRANSFER, message_id="20261116B1QDRCQR000001",
                      amount=Money.parse("100.00", "USD"),
                      instructed_amount=Money.parse("100.00", "USD"),
                      instructing_agent=Agent(member_id="011104238", **aba),
                      instructed_agent=Agent(member_id="021040078", **aba),
                      debtor_agent=Agent(member_id="011104238", **aba),
                      creditor_agent=Agent(member_id="021040078", **aba))
    report: list = []  # type: ignore[type-arg]
    written = CODEC.encode([message], "pacs.008", options, profile="fedwire", report=report)
    decoded = CODEC.decode(written, None, replace(options, profile="fedwire"))
    assert decoded.ok, decoded.diagnostics
    assert decoded.sender == "011104238"
    assert b"<BizSvc>PROD</BizSvc>" in written and b"<Cd>FDW</Cd>" in written
    assert [d.code for d in report] == ["ISO.DEFAULTED"]  # local instrument CTRC


def test_truncation_marks_the_cut_and_is_reported(options) -> None:  # type: ignore[no-untyped-def]
    long = replace(TRANSFER, end_to_end_id="E" * 40)
    with pytest.raises(CodecError) as refused:
        CODEC.encode([long], "pacs.008", options)
    assert refused.value.code == "ISO.CANNOT_ENCODE"
    report: list = []  # type: ignore[type-arg]
    written = CODEC.encode([long], "pacs.008", options, truncate=True, report=report)
    assert b"<EndToEndId>" + b"E" * 34 + b"+</EndToEndId>" in written
    assert [(d.code, d.severity) for d in report] == [("ISO.TRUNCATED", Severity.WARNING)]


def test_kind_and_format_must_agree(options) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CodecError):
        CODEC.encode([STATUS], "pacs.008", options)


def test_missing_mandatory_values_are_defaulted_and_reported(options) -> None:  # type: ignore[no-untyped-def]
    bare = replace(TRANSFER, end_to_end_id=None, charge_bearer=None, message_id=None,
                   instruction_id=None, created_at=None)
    report: list = []  # type: ignore[type-arg]
    written = CODEC.encode([bare], "pacs.008", options, report=report)
    assert CODEC.decode(written, None, options).ok
    where = sorted(d.location.rsplit("/", 1)[-1] for d in report)
    assert where == ["ChrgBr", "CreDtTm", "EndToEndId", "MsgId"]
