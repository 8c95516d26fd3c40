"""PAYMUL, PAYEXT and PAYORD (UN/EDIFACT D.96A) <-> canonical credit transfers.

PAYMUL is levelled: a heading (BGM, DTM 137), B levels (LIN: execution date DTM 203, order
reference RFF AEK, charges FCA, total MOA 9, ordering account FII OR, ordering party NAD OY)
and under each B level one C level per payment (SEQ: MOA 9 amount, RFF CR reference, PAI, FCA,
beneficiary bank and account FII BF, intermediary FII I1, beneficiary NAD BE, and the details of
payment PRC with FTX PMD free text or DOC/MOA/DTM/RFF/AJT remittance lines). PAYEXT and PAYORD
carry a single payment with the same segments at message level (PAYORD without DOC lines).

    BGM 1004            -> message_id          MOA 9 (C level)   -> amount
    DTM 203 (B level)   -> requested_execution_date                (settlement_date when absent)
    RFF CR              -> instruction_id      FCA 13/14/15      -> charge_bearer CRED/SHAR/DEBT
    FII OR / NAD OY     -> debtor account, debtor_agent / debtor name and address
    FII BF / NAD BE     -> creditor account, creditor_agent / creditor name and address
    FII I1              -> intermediary_agents[0]
    FTX PMD / DOC lines -> remittance_info / extra["edi.remittance"]


The segment layout, elements and the canonical field each fills are data
(`edifact_payment_table`), read and written by the one EDI interpreter (`grammar`). What stays
here is what a table cannot say: B level data reaching every C level under it, the B level
total and CNT checked, the C088 institution read as a BIC or a bank code, and names cut into
35-character components.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import Any

from hub.codecs.edi import records, remittance
from hub.codecs.edi.edifact_payment_table import GRAMMARS, OTHER_SEGMENTS
from hub.codecs.edi.edifact_syntax import Segment, ServiceChars
from hub.codecs.edi.findings import TRANSACTION, Finding
from hub.codecs.edi.grammar import Reader, Writer
from hub.codecs.edi.remittance import DOC_TO_EDIFACT, EDIFACT_TO_DOC
from hub.errors import CodecError, ModelError, Severity
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress

DIRECTORY = ("D", "96A", "UN")
DOC_CODES = {"PAYMUL": "452", "PAYEXT": "451", "PAYORD": "450"}
FORMATS = {kind: f"edifact.{kind.lower()}" for kind in DOC_CODES}
PAI_KEYS = tuple(f"pai.{k}" for k in range(1, 7))  # PAI C534 components
CHARGES = {"13": ChargeBearer.CRED, "14": ChargeBearer.SHAR, "15": ChargeBearer.DEBT}
CHARGE_CODES = {v: k for k, v in CHARGES.items()}
SWIFT_AGENCY = "17"  # code list responsible agency 3055: S.W.I.F.T.
LINE_CHUNK = 35  # an..35: names, addresses and free text are cut into 35-character components
CODES = {"missing": "EDIFACT.ELEMENT_MISSING", "length": "EDIFACT.ELEMENT_LENGTH",
         "type": "EDIFACT.ELEMENT_TYPE", "amount": "EDIFACT.AMOUNT", "date": "EDIFACT.DATE",
         "code": "EDIFACT.ELEMENT_CODE", "extra": "EDIFACT.ELEMENT_CODE",
         "repeat": "EDIFACT.SEGMENT_REPEAT", "loop_repeat": "EDIFACT.GROUP_REPEAT",
         "unexpected": "EDIFACT.SEGMENT_UNEXPECTED", "segment_missing": "EDIFACT.SEGMENT_MISSING",
         "ignored": "EDIFACT.SEGMENT_IGNORED"}
# CONTRL syntax error codes (data element 0085)
ACK = {"missing": "13", "too_short": "40", "too_long": "39", "type": "37", "amount": "19",
       "code": "12", "date": "12", "extra": "16", "repeat": "35", "loop_repeat": "36",
       "unexpected": "15", "segment_missing": "13", "total": "12"}


def _chunks(text: str, size: int = LINE_CHUNK) -> list[str]:
    """Cut text into pieces of at most `size`, at spaces where possible."""
    out: list[str] = []
    while len(text) > size:
        cut = text.rfind(" ", 1, size + 1)
        if cut <= 0:
            out.append(text[:size])
            text = text[size:]
        else:
            out.append(text[:cut])
            text = text[cut + 1:]
    out.append(text)
    return out


class _Findings:
    def __init__(self, body: list[Segment], base: int, msg_ref: str, group: str | None) -> None:
        self.body = body
        self.base = base  # interchange position of UNH
        self.msg_ref = msg_ref
        self.group = group
        self.items: list[Finding] = []

    def report(self, code: str, message: str, i: int, element: int | None = None,
               component: int | None = None, severity: Severity = Severity.ERROR,
               ack: str = "", value: str = "") -> None:
        tag = self.body[i][0][0] if 0 <= i < len(self.body) else "UNT"
        self.items.append(Finding(code, message, self.base + i + 1, tag, element, component,
                                  severity, TRANSACTION, self.group, self.msg_ref, i + 2,
                                  ACK.get(ack, "12"), value[:99]))


@cache
def _bank_keys(role: str) -> tuple[str, ...]:
    return tuple(f"{role}_bank.{k}" for k in ("id", "qualifier", "agency", "branch",
                                                "branch_qualifier", "branch_agency", "name",
                                                "country"))


@cache
def _name_keys(role: str) -> tuple[str, str, str]:
    return f"{role}.name_parts", f"{role}.unstructured", f"{role}.holder"


def _agent(record: dict[str, Any], role: str, shared: records.Shared) -> Agent | None:
    """C088: a BIC when the agency is S.W.I.F.T.; a branch or other bank code as member id."""
    values = tuple(map(record.get, _bank_keys(role)))
    if not any(values):
        return None
    found = shared.agents.get(values)
    if found is None:
        found = _new_agent(*values)
        if found is not None:
            shared.agents[values] = found
    return found


def _new_agent(ident: str | None, qualifier: str | None, agency: str | None, branch: str | None,
               branch_qualifier: str | None, branch_agency: str | None, name: str | None,
               country: str | None) -> Agent | None:
    bic = ident if ident and agency == SWIFT_AGENCY else None
    member, system = None, None
    if branch:
        member = branch
        system = f"edifact:{branch_qualifier or ''}:{branch_agency or ''}"
    elif ident and not bic:
        member, system = ident, f"edifact:{qualifier or ''}:{agency or ''}"
    if not (bic or member or name):
        return None
    return Agent(bic=bic, member_id=member, clearing_system=system, name=name,
                 address=PostalAddress(country=country) if country else None)


def _put_agent(record: dict[str, Any], role: str, agent: Agent | None) -> None:
    if agent is None:
        return
    c088 = ["", "", "", "", "", "", agent.name or ""]
    if agent.bic:
        c088[0:3] = [agent.bic, "25", SWIFT_AGENCY]
    if agent.member_id:
        system = agent.clearing_system or ""
        parts = system.split(":") if system.startswith("edifact:") else ["", "25", "ZZZ"]
        parts += ["", ""]
        slot = 3 if agent.bic else 0
        c088[slot:slot + 3] = [agent.member_id, parts[1], parts[2]]
    for key, value in zip(("id", "qualifier", "agency", "branch", "branch_qualifier",
                           "branch_agency", "name"), c088, strict=True):
        if value:
            record[f"{role}_bank.{key}"] = value
    if agent.address is not None and agent.address.country:
        record[f"{role}_bank.country"] = agent.address.country


def _party(record: dict[str, Any], role: str, shared: records.Shared) -> Party | None:
    """NAD C080 names (or the first C058 line), C059 and C058 lines as street lines."""
    name_parts, unstructured_lines, holder = _name_keys(role)
    names = record.get(name_parts, [])
    unstructured = record.get(unstructured_lines, [])
    if not names and unstructured:
        names, unstructured = unstructured[:1], unstructured[1:]
    lines = list(record.get(records.keys(role).lines, ())) + list(unstructured)
    found = records.party(record, role, " ".join(names) if names else None, lines or None,
                          shared)
    if found is not None and found.name is None and record.get(holder):
        found = Party(name=record[holder], account=found.account)
    return found


def _put_party(record: dict[str, Any], role: str, party: Party | None, account: bool) -> None:
    if party is None:
        return
    if account and party.account:
        record[f"{role}.account"] = party.account
    if not (party.name or party.address or party.identifier):
        return
    record[f"{role}.name_parts"] = _chunks(party.name or "")[:5]
    if party.identifier:
        record[f"{role}.identifier"] = party.identifier
        if party.identifier_scheme:
            record[f"{role}.identifier_scheme"] = party.identifier_scheme
    records.put_address(record, role, party.address, 4)


def decode_payments(kind: str, body: list[Segment], base: int, msg_ref: str, group: str | None,
                    chars: ServiceChars, shared: records.Shared | None = None
                    ) -> tuple[list[Message], list[Finding]]:
    """Credit transfers of one PAYMUL/PAYEXT/PAYORD message, and what was wrong with it;
    `shared` holds the parties and banks of the interchange's earlier payments."""
    found = _Findings(body, base, msg_ref, group)
    root = Reader(GRAMMARS[kind], found.report, decimal=chars.decimal,
                  codes=CODES).read(body, OTHER_SEGMENTS)
    if kind == "PAYMUL":
        payments = []
        for block in root.get("blocks", ()):
            paid = [p.get("amount") for p in block.get("payments", ())]
            for total in block.get("totals", ()):
                if "total" in total and None not in paid and sum(paid, Decimal(0)) != \
                        total["total"]:
                    found.report("EDIFACT.CONTROL_TOTAL", f"B level total {total['total']} is "
                                 f"not the sum of its C levels {sum(paid, Decimal(0))}",
                                 total["@start"], 1, 2, ack="total")
            payments += [(block, p) for p in block.get("payments", ())]
        for count in root.get("counts", ()):
            blocks = len(root.get("blocks", ()))
            if count.get("qualifier") == "2" and count.get("value") != str(blocks):
                found.report("EDIFACT.CONTROL_TOTAL", f"CNT 2 says {count.get('value')!r} lines "
                             f"but the message has {blocks} LIN", count["@start"], 1, 2,
                             ack="total")
    else:
        payments = [({}, root)]
    if found.items and any(f.is_error for f in found.items):
        return [], found.items
    out = []
    shared = records.Shared() if shared is None else shared
    for block, payment in payments:
        if "amount" not in payment:  # its MOA names an amount the table does not map
            found.report("EDIFACT.SEGMENT_MISSING", "the payment has no amount (MOA 9)",
                         payment.get("@start", 0), ack="segment_missing")
            continue
        try:
            out.append(_message(kind, root, block, payment, shared))
        except ModelError as exc:
            code = "EDIFACT.CURRENCY" if exc.code == "MODEL.CURRENCY" else \
                "EDIFACT.AMOUNT" if exc.code in ("MODEL.AMOUNT", "MODEL.MINOR_UNITS") else \
                "EDIFACT.ELEMENT_CODE"
            found.report(code, exc.message, payment.get("@start", 0), ack="code")
    if found.items and any(f.is_error for f in found.items):
        return [], found.items
    return out, found.items


def _extra(record: dict[str, Any], *parts: dict[str, Any]) -> dict[str, str]:
    """Message.extra entries from the `extra.…` fields the reader filled in `parts` (merged,
    later ones first, in `record`)."""
    out = {}
    for part in parts:
        for key in part.get("@extra", ()):
            value = record[key]
            out[key[6:]] = value.isoformat() if isinstance(value, date) else value
    return out


def _message(kind: str, root: dict[str, Any], block: dict[str, Any],
             payment: dict[str, Any], shared: records.Shared) -> Message:
    if block:
        level = block.get("@level")
        if level is None:  # the heading and B level data every C level under it gets
            head = {**root, **block}
            level = block["@level"] = (head, _extra(head, root, block),
                                       _party(head, "debtor", shared),
                                       _agent(head, "debtor", shared))
        head, extra, debtor, debtor_agent = level
        record = {**head, **payment}
        extra = {**extra, **_extra(record, payment)}
    else:
        record = root
        extra = _extra(root, root)
        debtor, debtor_agent = _party(root, "debtor", shared), _agent(root, "debtor", shared)
    get = record.get
    pai = [get(key, "") for key in PAI_KEYS]
    while pai and not pai[-1]:
        pai.pop()
    if pai:
        extra["edifact.pai"] = ":".join(pai)
    lines = records.lines(payment, EDIFACT_TO_DOC, "edifact")
    text = payment.get("remittance_text")
    info, remit_extra = remittance.canonical_data(
        lines, (" ".join(t for t in text if t) or None) if text else None)
    extra.update(remit_extra)
    intermediary = _agent(record, "intermediary", shared)
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format=FORMATS[kind],
        message_id=get("message_id"), instruction_id=get("instruction_id"),
        amount=Money(value=record["amount"], currency=record["amount.currency"]),
        requested_execution_date=get("requested_execution_date"),
        debtor=debtor, debtor_agent=debtor_agent, creditor=_party(record, "creditor", shared),
        creditor_agent=_agent(record, "creditor", shared),
        intermediary_agents=(intermediary,) if intermediary else (),
        charge_bearer=CHARGES.get(get("charges", "")), remittance_info=info,
        extra=MappingProxyType(extra))  # a dict of our own: Message keeps it as it is


# -- generation ----------------------------------------------------------------------------


def _b_key(m: Message) -> tuple[Any, ...]:
    debtor = m.debtor or Party()
    return (debtor.account, debtor.name, debtor.address, m.debtor_agent,
            m.requested_execution_date or m.settlement_date, m.extra.get("edifact.order_reference"),
            m.amount.currency if m.amount else None)


def _payment(m: Message, kind: str) -> dict[str, Any]:
    """The record of one payment: its C level, or a whole PAYEXT/PAYORD."""
    assert m.amount is not None
    record: dict[str, Any] = {"amount": m.amount.value, "amount.currency": m.amount.currency}
    if m.instruction_id:
        record["instruction_id"] = m.instruction_id
    for key, value in m.extra.items():
        if key.startswith("edifact.rff."):
            record[f"extra.{key}"] = value
    if "edifact.pai" in m.extra:
        for k, value in enumerate(m.extra["edifact.pai"].split(":")[:6], 1):
            if value:
                record[f"pai.{k}"] = value
    if m.charge_bearer is not None:
        code = CHARGE_CODES.get(m.charge_bearer)
        if code is None:
            raise CodecError(f"charge bearer {m.charge_bearer.value} has no FCA code",
                             code="EDIFACT.CANNOT_ENCODE", location="charge_bearer")
        record["charges"] = code
    _put_party(record, "creditor", m.creditor, account=True)
    _put_agent(record, "creditor", m.creditor_agent)
    for agent in m.intermediary_agents[:1]:
        _put_agent(record, "intermediary", agent)
    try:
        lines, free = remittance.from_message(m.remittance_info, m.extra)
    except ValueError as exc:
        raise CodecError(str(exc), code="EDIFACT.CANNOT_ENCODE",
                         location="extra.edi.remittance") from None
    if kind == "PAYORD" and lines:
        free, lines = m.remittance_info, []
    if free or lines:
        record["prc"] = "11" if not lines else "8"
    if free:
        record["remittance_text"] = _chunks(free)
    records.put_lines(record, lines, DOC_TO_EDIFACT, "edifact", "ZZZ")
    return record


def _ordering(m: Message, record: dict[str, Any]) -> None:
    """The ordering side (B level of a PAYMUL): account, bank, party, date, order reference."""
    _put_party(record, "debtor", m.debtor, account=True)
    _put_agent(record, "debtor", m.debtor_agent)
    day = m.requested_execution_date or m.settlement_date
    if day is not None:
        record["requested_execution_date"] = day
    if "edifact.order_reference" in m.extra:
        record["extra.edifact.order_reference"] = m.extra["edifact.order_reference"]


def _heading(m: Message, record: dict[str, Any]) -> None:
    if m.message_id:
        record["message_id"] = m.message_id
    if "edifact.document_date" in m.extra:
        record["extra.edifact.document_date"] = m.extra["edifact.document_date"].replace("-", "")


def encode_payments(kind: str, messages: Sequence[Message], chars: ServiceChars
                    ) -> list[list[Segment]]:
    """Message bodies (between UNH and UNT): one PAYMUL for all, or one PAYEXT/PAYORD each."""
    for i, m in enumerate(messages):
        if m.kind is not Kind.CUSTOMER_CREDIT_TRANSFER or m.amount is None:
            raise CodecError(f"message {i} is not a credit transfer with an amount",
                             code="EDIFACT.CANNOT_ENCODE", location=f"[{i}]")
    writer = Writer(GRAMMARS[kind], decimal=chars.decimal)
    if kind != "PAYMUL":
        bodies = []
        for m in messages:
            record = _payment(m, kind)
            _ordering(m, record)
            _heading(m, record)
            bodies.append(writer.write(record))
        return bodies
    root: dict[str, Any] = {}
    _heading(messages[0], root)
    blocks: list[dict[str, Any]] = []
    index = 0
    while index < len(messages):
        key = _b_key(messages[index])
        group = [messages[index]]
        index += 1
        while index < len(messages) and _b_key(messages[index]) == key:
            group.append(messages[index])
            index += 1
        first = group[0]
        assert first.amount is not None
        block: dict[str, Any] = {"line": str(len(blocks) + 1), "totals": [{
            "total": sum((m.amount.value for m in group if m.amount is not None), Decimal(0)),
            "total.currency": first.amount.currency}]}
        _ordering(first, block)
        block["payments"] = [{**_payment(m, kind), "seq": str(n)}
                             for n, m in enumerate(group, 1)]
        blocks.append(block)
    root["blocks"] = blocks
    root["counts"] = [{"qualifier": "2", "value": str(len(blocks))}]
    return [writer.write(root)]
