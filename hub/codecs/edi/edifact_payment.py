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


def _agent(record: dict[str, Any], role: str) -> Agent | None:
    """C088: a BIC when the agency is S.W.I.F.T.; a branch or other bank code as member id."""
    get = record.get
    ident, qualifier, agency = get(f"{role}_bank.id"), get(f"{role}_bank.qualifier", ""), \
        get(f"{role}_bank.agency", "")
    branch = get(f"{role}_bank.branch")
    name, country = get(f"{role}_bank.name"), get(f"{role}_bank.country")
    bic = ident if ident and agency == SWIFT_AGENCY else None
    member, system = None, None
    if branch:
        member = branch
        system = (f"edifact:{get(f'{role}_bank.branch_qualifier', '')}:"
                  f"{get(f'{role}_bank.branch_agency', '')}")
    elif ident and not bic:
        member, system = ident, f"edifact:{qualifier}:{agency}"
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


def _party(record: dict[str, Any], role: str) -> Party | None:
    """NAD C080 names (or the first C058 line), C059 and C058 lines as street lines."""
    names = record.get(f"{role}.name_parts", [])
    unstructured = record.get(f"{role}.unstructured", [])
    if not names and unstructured:
        names, unstructured = unstructured[:1], unstructured[1:]
    view = dict(record)
    if names:
        view[f"{role}.name"] = " ".join(names)
    lines = list(record.get(f"{role}.address.lines", ())) + list(unstructured)
    if lines:
        view[f"{role}.address.lines"] = lines
    found = records.party(view, role)
    if found is not None and found.name is None and record.get(f"{role}.holder"):
        found = Party(name=record[f"{role}.holder"], account=found.account)
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
                    chars: ServiceChars) -> tuple[list[Message], list[Finding]]:
    """Credit transfers of one PAYMUL/PAYEXT/PAYORD message, and what was wrong with it."""
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
    if any(f.is_error for f in found.items):
        return [], found.items
    out = []
    for block, payment in payments:
        try:
            out.append(_message(kind, root, block, payment))
        except ModelError as exc:
            code = "EDIFACT.CURRENCY" if exc.code == "MODEL.CURRENCY" else \
                "EDIFACT.AMOUNT" if exc.code in ("MODEL.AMOUNT", "MODEL.MINOR_UNITS") else \
                "EDIFACT.ELEMENT_CODE"
            found.report(code, exc.message, payment.get("@start", 0), ack="code")
    if any(f.is_error for f in found.items):
        return [], found.items
    return out, found.items


def _message(kind: str, root: dict[str, Any], block: dict[str, Any],
             payment: dict[str, Any]) -> Message:
    record = {**root, **block, **payment} if block else root
    extra: dict[str, str] = {}
    for key, value in record.items():
        if key.startswith("extra."):
            extra[key[6:]] = value.isoformat() if isinstance(value, date) else value
    pai = [record.get(f"pai.{k}", "") for k in range(1, 7)]
    while pai and not pai[-1]:
        pai.pop()
    if pai:
        extra["edifact.pai"] = ":".join(pai)
    lines = records.lines(payment, EDIFACT_TO_DOC, "edifact")
    info, remit_extra = remittance.canonical_fields(
        lines, " ".join(t for t in payment.get("remittance_text", ()) if t) or None)
    extra.update(remit_extra)
    debtor = block.get("@debtor") if block else None
    if debtor is None:
        debtor = (_party(record, "debtor"), _agent(record, "debtor"))
        if block:
            block["@debtor"] = debtor  # the B level's ordering side is shared by its C levels
    intermediary = _agent(record, "intermediary")
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format=f"edifact.{kind.lower()}",
        message_id=record.get("message_id"), instruction_id=record.get("instruction_id"),
        amount=Money(value=record["amount"], currency=record["amount.currency"]),
        requested_execution_date=record.get("requested_execution_date"),
        debtor=debtor[0], debtor_agent=debtor[1], creditor=_party(record, "creditor"),
        creditor_agent=_agent(record, "creditor"),
        intermediary_agents=(intermediary,) if intermediary else (),
        charge_bearer=CHARGES.get(record.get("charges", "")), remittance_info=info, extra=extra)


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
