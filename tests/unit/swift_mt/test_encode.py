"""Canonical to FIN: valid output, truncation, refusals, block 3, ACK decoding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from hub.codecs.base import Options
from hub.codecs.swift_mt import CODEC
from hub.codecs.swift_mt.notation import compile_notation
from hub.errors import CodecError, Diagnostic
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress

UETR = UUID("8a562c67-ca16-48ba-b074-65581be6f001")


def payment(**changes: object) -> Message:
    fields: dict[str, object] = dict(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=UETR, instruction_id="INV-2025-0001",
        amount=Money(value=Decimal("1234.56"), currency="EUR"),
        settlement_date=date(2025, 1, 2),
        debtor=Party(name="ACME GMBH", account="DE89370400440532013000",
                     address=PostalAddress(lines=("HAUPTSTRASSE 1",), town_name="BERLIN",
                                           country="DE")),
        debtor_agent=Agent(bic="COBADEFFXXX"), creditor_agent=Agent(bic="CHASUS33"),
        creditor=Party(name="JANE ROE", account="12345678"),
        charge_bearer=ChargeBearer.SHAR, remittance_info="INVOICE 42",
        instructing_agent=Agent(bic="COBADEFF"), instructed_agent=Agent(bic="CHASUS33"))
    fields.update(changes)
    return Message(**fields)  # type: ignore[arg-type]


def test_encode_is_valid_fin_and_keeps_uetr() -> None:
    raw = CODEC.encode([payment()], "mt103", Options())
    assert raw.startswith(b"{1:F01COBADEFFAXXX0000000000}{2:I103CHASUS33XXXXN}")
    assert b"{3:{121:8a562c67-ca16-48ba-b074-65581be6f001}}" in raw
    assert b"\r\n:50F:/DE89370400440532013000\r\n1/ACME GMBH\r\n" in raw
    decoded = CODEC.decode(raw, None, Options())
    assert decoded.diagnostics == []
    assert decoded.messages[0].uetr == UETR


def test_ben_gets_zero_charges_and_33b() -> None:
    raw = CODEC.encode([payment(charge_bearer=ChargeBearer.CRED)], "mt103", Options())
    assert b":71A:BEN\r\n:71F:EUR0," in raw
    assert b":33B:EUR1234,56" in raw
    assert CODEC.decode(raw, None, Options()).diagnostics == []


def test_too_long_refused_without_truncate() -> None:
    with pytest.raises(CodecError) as err:
        CODEC.encode([payment(remittance_info="X" * 200)], "mt103", Options())
    assert err.value.code == "CODEC.CANNOT_ENCODE"
    assert err.value.location == "remittance_info -> 70"


def test_truncate_marks_and_reports() -> None:
    report: list[Diagnostic] = []
    raw = CODEC.encode([payment(remittance_info="X" * 200)], "mt103", Options(),
                       truncate=True, report=report)
    assert b":70:" + b"X" * 35 in raw and b"X" * 34 + b"+\r\n:71A:" in raw
    assert [(d.code, d.location) for d in report] == [("MT.TRUNCATED", "remittance_info -> 70")]
    assert CODEC.decode(raw, None, Options()).diagnostics == []


def test_cover_writes_119_and_sequence_b() -> None:
    cover = Message(kind=Kind.COVER, instruction_id="COV1", related_reference="INV-2025-0001",
                    amount=Money(value=Decimal("10"), currency="USD"),
                    settlement_date=date(2025, 1, 2), creditor=Party(bic="BANKFRPP"),
                    creditor_agent=Agent(bic="CHASUS33"), uetr=UETR,
                    instructing_agent=Agent(bic="COBADEFF"),
                    instructed_agent=Agent(bic="CHASUS33"), underlying=payment())
    raw = CODEC.encode([cover], "mt202cov", Options())
    assert b"{3:{119:COV}{121:" in raw
    decoded = CODEC.decode(raw, None, Options())
    assert decoded.diagnostics == [] and decoded.format == "mt202cov"
    assert decoded.messages[0].underlying is not None
    assert decoded.messages[0].underlying.debtor == payment().debtor


def test_nak_decodes_as_status_report() -> None:
    raw = (b"{1:F21BANKDEFFAXXX1234567890}{4:{177:2501021200}{451:1}{405:T26}}"
           b"{1:F01BANKDEFFAXXX1234567890}{2:I103CHASUS33XXXXN}{4:\r\n:20:/REF\r\n-}")
    decoded = CODEC.decode(raw, None, Options())
    ack = decoded.messages[0]
    assert (ack.kind, ack.status, ack.reason_code) == (Kind.STATUS_REPORT, "NAK", "T26")
    assert ack.original_message_id == "250102BANKDEFFAXXX1234567890"
    assert ack.related_reference == "/REF"
    assert CODEC.detect(raw) == "mt103"


def test_size_limit_refused_before_parsing() -> None:
    raw = b"{1:F01BANKDEFFAXXX0000000000}{2:I199CHASUS33XXXXN}{4:\r\n:20:X\r\n:79:" + \
        b"A" * 20000 + b"\r\n-}"
    decoded = CODEC.decode(raw, None, Options())
    assert [d.code for d in decoded.diagnostics] == ["MT.SIZE"]


def test_notation_parses_and_writes_back() -> None:
    n = compile_notation("[/1!a][/34x]CrLf(4!a2!a2!c[3!c])", "party_code account bic")
    parts = n.parse("/D/12345\nCOBADEFFXXX")
    assert parts == {"party_code": "D", "account": "12345", "bic": "COBADEFFXXX"}
    assert n.write(parts) == "/D/12345\nCOBADEFFXXX"
    assert n.parse("COBADEFF") == {"bic": "COBADEFF"}
    assert n.parse("COBADEF") is None
    amount = compile_notation("6!n3!a15d", "date currency amount")
    assert amount.parse("250102EUR1,5") == {"date": "250102", "currency": "EUR", "amount": "1,5"}
    assert amount.parse("250102EUR1.5") is None
