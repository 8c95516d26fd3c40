"""X12 820 Payment Order/Remittance Advice <-> one canonical credit transfer per transaction set.

The segment layout, the elements and the canonical field each fills are data
(`x12_820_table`), read and written by the one EDI interpreter (`grammar`). What stays here is
what a table cannot say: BPR elements generation writes by itself are not kept as extras, the
DFI qualifier picks a BIC or a clearing member id, and the currency is USD without CUR.

    BPR  amount, payment format, originating and receiving DFI and accounts, effective date
    NTE  free text                               -> remittance_info
    TRN  trace number                            -> instruction_id
    CUR  currency (absent: USD)                  -> amount.currency
    REF, DTM (header)                            -> extra["x12.ref.<qualifier>"], ["x12.dtm.<q>"]
    N1 PR / PE loop (N1, N3, N4)                 -> debtor / creditor name, id, address
    ENT loop: RMR (REF, DTM 003, ADX)            -> remittance lines (extra["edi.remittance"])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from types import MappingProxyType
from typing import Any

from hub.codecs.edi import records, remittance
from hub.codecs.edi.findings import TRANSACTION, Finding
from hub.codecs.edi.grammar import Reader, Writer
from hub.codecs.edi.remittance import DOC_TO_X12, X12_TO_DOC
from hub.codecs.edi.x12_820_table import GRAMMARS, OTHER_820
from hub.errors import CodecError, ModelError, Severity
from hub.model import Agent, Kind, Message, Money

FORMAT = "x12.820"
# BPR06/BPR12 DFI identification number qualifier (X12 element 506) <-> canonical clearing system
DFI_CLEARING = {"01": "USABA", "03": "USPID", "04": "CACPA"}
CLEARING_DFI = {v: k for k, v in DFI_CLEARING.items()}
DFI_SWIFT = "02"
ACH_FORMATS = frozenset({"CCD", "CCP", "CTX", "PPD", "CBC", "CBP"})
BPR_EXTRAS = tuple(f"x12.bpr{n:02d}" for n in (1, 3, 4, 8, 10, 11, 14))
CODES = {"missing": "X12.ELEMENT_MISSING", "length": "X12.ELEMENT_LENGTH",
         "type": "X12.ELEMENT_TYPE", "amount": "X12.AMOUNT", "date": "X12.DATE",
         "code": "X12.ELEMENT_CODE", "extra": "X12.ELEMENT_EXTRA", "repeat": "X12.SEGMENT_REPEAT",
         "loop_repeat": "X12.LOOP_REPEAT", "unexpected": "X12.SEGMENT_UNEXPECTED",
         "segment_missing": "X12.SEGMENT_MISSING", "ignored": "X12.SEGMENT_IGNORED"}
# AK4 data element syntax error codes (element 723) and AK3 segment codes (720)
ACK = {"missing": "1", "too_short": "4", "too_long": "5", "type": "6", "amount": "6",
       "code": "7", "date": "8", "extra": "3", "repeat": "5", "loop_repeat": "4",
       "unexpected": "2", "segment_missing": "3"}


class _Findings:
    """Findings of one transaction set body; `base` is the interchange index of ST."""

    def __init__(self, body: Sequence[Sequence[str]], base: int, group: str | None, control: str
                 ) -> None:
        self.body = body
        self.base = base
        self.group = group
        self.control = control
        self.items: list[Finding] = []

    def report(self, code: str, message: str, i: int, element: int | None = None,
               component: int | None = None, severity: Severity = Severity.ERROR,
               ack: str = "", value: str = "") -> None:
        tag = self.body[i][0] if 0 <= i < len(self.body) else ""
        self.items.append(Finding(code, message, self.base + i + 2, tag, element, component,
                                  severity, TRANSACTION, self.group, self.control, i + 2,
                                  ACK.get(ack, ""), value[:99]))


@cache
def _bpr_defaults(ach: bool, debtor_account: bool, creditor_account: bool
                  ) -> Mapping[str, str]:
    """BPR elements generation writes when the canonical message says nothing about them."""
    defaults = {"x12.bpr01": "C", "x12.bpr03": "C", "x12.bpr04": "ACH" if ach else "FWT"}
    if debtor_account:
        defaults["x12.bpr08"] = "DA"
    if creditor_account:
        defaults["x12.bpr14"] = "DA"
    return MappingProxyType(defaults)


def _agent(qualifier: str | None, ident: str | None) -> Agent | None:
    if not ident:
        return None
    if qualifier == DFI_SWIFT:
        return Agent(bic=ident)
    return Agent(member_id=ident,
                 clearing_system=DFI_CLEARING.get(qualifier or "", f"x12:{qualifier or ''}"))


def _shared_agent(shared: records.Shared, qualifier: str | None, ident: str | None
                  ) -> Agent | None:
    if not ident:
        return None
    key = (qualifier or "", ident)
    agent = shared.agents.get(key)
    if agent is None:
        agent = _agent(qualifier, ident)
        if agent is not None:
            shared.agents[key] = agent
    return agent


def decode_820(body: Sequence[Sequence[str]], base: int, group: str | None, control: str,
               version: str = "004010", shared: records.Shared | None = None
               ) -> tuple[Message | None, list[Finding]]:
    """The credit transfer one 820 transaction set carries, and what was wrong with it;
    `shared` holds the parties and banks of the interchange's earlier transaction sets."""
    found = _Findings(body, base, group, control)
    grammar = GRAMMARS["005010" if version.startswith("005") else "004010"]
    record = Reader(grammar, found.report, codes=CODES).read(body, OTHER_820)
    if found.items and any(f.is_error for f in found.items):
        return None, found.items
    try:
        return _message(record, records.Shared() if shared is None else shared), found.items
    except ModelError as exc:
        code = {"MODEL.CURRENCY": "X12.CURRENCY", "MODEL.MINOR_UNITS": "X12.AMOUNT",
                "MODEL.AMOUNT": "X12.AMOUNT"}.get(exc.code, "X12.ELEMENT_CODE")
        found.report(code, exc.message, 0, 2 if code != "X12.ELEMENT_CODE" else None,
                     ack="amount" if code == "X12.AMOUNT" else "code")
        return None, found.items


def _message(record: dict[str, Any], shared: records.Shared) -> Message:
    get = record.get
    extra: dict[str, str] = {}
    defaults = _bpr_defaults(get("local_instrument") in ACH_FORMATS, "debtor.account" in record,
                             "creditor.account" in record)
    for key in BPR_EXTRAS:
        value = get(key)
        if value and value != defaults.get(key):
            extra[key] = value  # only what generation would not write by itself
    if "x12.trn03" in record:
        extra["x12.trn03"] = record["x12.trn03"]
    for key in record.get("@extra", ()):  # the `extra.…` fields, as the reader filled them
        value = record[key]
        extra[key[6:]] = value.isoformat() if isinstance(value, date) else value
    lines = records.lines(record, X12_TO_DOC, "x12")
    text = get("remittance_text")
    info, remit_extra = remittance.canonical_data(lines, (" ".join(text) or None) if text else None)
    extra.update(remit_extra)
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format=FORMAT,
        amount=Money(value=record["amount"], currency=get("currency", "USD")),
        instruction_id=get("instruction_id"), settlement_date=get("settlement_date"),
        debtor=records.party(record, "debtor", shared=shared),
        creditor=records.party(record, "creditor", shared=shared),
        debtor_agent=_shared_agent(shared, get("debtor_agent.qualifier"), get("debtor_agent.id")),
        creditor_agent=_shared_agent(shared, get("creditor_agent.qualifier"),
                                     get("creditor_agent.id")),
        local_instrument=get("local_instrument"), remittance_info=info,
        extra=MappingProxyType(extra))  # a dict of our own: Message keeps it as it is


# -- generation ----------------------------------------------------------------------------


def _dfi(agent: Agent | None) -> tuple[str, str]:
    if agent is None:
        return "", ""
    if agent.member_id:
        system = agent.clearing_system or "USABA"
        qualifier = system[4:] if system.startswith("x12:") else CLEARING_DFI.get(system)
        if qualifier is None:
            raise CodecError(f"clearing system {system!r} has no X12 DFI qualifier",
                             code="X12.CANNOT_ENCODE")
        return qualifier, agent.member_id
    if agent.bic:
        return DFI_SWIFT, agent.bic
    return "", ""


def _record(message: Message) -> dict[str, Any]:
    """The table's record for one canonical credit transfer."""
    if message.amount is None:
        raise CodecError("an 820 needs an amount", code="X12.CANNOT_ENCODE", location="amount")
    if not message.instruction_id:
        raise CodecError("an 820 needs instruction_id for TRN02", code="X12.CANNOT_ENCODE",
                         location="instruction_id")
    extra = message.extra
    record: dict[str, Any] = {"amount": message.amount.value,
                              "instruction_id": message.instruction_id}
    instrument = message.local_instrument or ""
    if instrument:
        record["local_instrument"] = instrument
    for role, agent in (("debtor_agent", message.debtor_agent),
                        ("creditor_agent", message.creditor_agent)):
        qualifier, ident = _dfi(agent)
        if ident:
            record[f"{role}.qualifier"], record[f"{role}.id"] = qualifier, ident
    for role, who in (("debtor", message.debtor), ("creditor", message.creditor)):
        if who is None:
            continue
        if who.account:
            record[f"{role}.account"] = who.account
        if who.name or who.identifier or who.address:
            record[f"{role}.name"] = who.name or ""
            if who.identifier:
                record[f"{role}.identifier_scheme"] = who.identifier_scheme or "ZZ"
                record[f"{role}.identifier"] = who.identifier
            records.put_address(record, role, who.address, 2)
    defaults = _bpr_defaults(instrument in ACH_FORMATS, "debtor.account" in record,
                             "creditor.account" in record)
    for key in BPR_EXTRAS:
        if value := extra.get(key, defaults.get(key, "")):
            record[key] = value
    if message.settlement_date is not None:
        record["settlement_date"] = message.settlement_date
    if message.amount.currency != "USD":
        record["currency"] = message.amount.currency
    if "x12.trn03" in extra:
        record["x12.trn03"] = extra["x12.trn03"]
    for key, value in extra.items():
        kind, _, qualifier = key.partition(".")[2].partition(".")
        if key.startswith("x12.") and kind in ("ref", "dtm") and qualifier:
            record[f"extra.{key}"] = value.replace("-", "") if kind == "dtm" else value
    try:
        lines, free = remittance.from_message(message.remittance_info, extra)
    except ValueError as exc:
        raise CodecError(str(exc), code="X12.CANNOT_ENCODE",
                         location="extra.edi.remittance") from None
    if free:
        record["remittance_text"] = [free[i:i + 80] for i in range(0, len(free), 80)]
    records.put_lines(record, lines, DOC_TO_X12, "x12", "ZZ")
    return record


def encode_820(message: Message, version: str = "004010") -> list[list[str]]:
    """The body segments (between ST and SE) of the 820 for one canonical credit transfer."""
    grammar = GRAMMARS["005010" if version.startswith("005") else "004010"]
    return Writer(grammar).write(_record(message))

