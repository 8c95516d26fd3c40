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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from hub.codecs.edi import remittance
from hub.codecs.edi.edifact_syntax import ACK_0085, Segment, ServiceChars
from hub.codecs.edi.findings import TRANSACTION, Finding
from hub.codecs.edi.remittance import DOC_TO_EDIFACT, EDIFACT_TO_DOC, RemittanceLine
from hub.errors import CodecError, ModelError, Severity
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress

DIRECTORY = ("D", "96A", "UN")
DOC_CODES = {"PAYMUL": "452", "PAYEXT": "451", "PAYORD": "450"}
CHARGES = {"13": ChargeBearer.CRED, "14": ChargeBearer.SHAR, "15": ChargeBearer.DEBT}
CHARGE_CODES = {v: k for k, v in CHARGES.items()}
NUMBER = re.compile(r"-?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
SWIFT_AGENCY = "17"  # code list responsible agency 3055: S.W.I.F.T.
MOA_PAID, MOA_DUE, MOA_DISCOUNT, MOA_ADJUSTMENT = "12", "9", "52", "8"
LINE_CHUNK = 35  # an..35: names, addresses and free text are cut into 35-character components
FTX_COMPONENTS = 5
# segments of these messages that the mapping reads but leaves to the envelope
UNMAPPED = frozenset({"BUS", "INP", "GIS", "CUX", "AUT", "CTA", "COM", "DLI", "PIA", "GEI",
                      "FTX"})


def _v(seg: Segment, n: int, k: int = 0) -> str:
    try:
        return seg[n][k]
    except IndexError:
        return ""


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


class _Reader:
    def __init__(self, body: list[Segment], base: int, msg_ref: str, group: str | None,
                 decimal: str) -> None:
        self.body = body
        self.base = base  # interchange position of UNH
        self.msg_ref = msg_ref
        self.group = group
        self.decimal = decimal
        self.findings: list[Finding] = []

    def add(self, code: str, message: str, i: int, element: int | None = None,
            component: int | None = None, severity: Severity = Severity.ERROR,
            tag: str | None = None) -> None:
        if tag is None:
            tag = self.body[i][0][0] if 0 <= i < len(self.body) else ""
        self.findings.append(Finding(code, message, self.base + i + 1, tag, element, component,
                                     severity, TRANSACTION, self.group, self.msg_ref, i + 2,
                                     ACK_0085.get(code, "12")))

    def need(self, seg: Segment, i: int, n: int, k: int = 0) -> str:
        value = _v(seg, n, k)
        if not value:
            self.add("EDIFACT.ELEMENT_MISSING", f"{seg[0][0]} element {n} component {k + 1} is "
                     "mandatory", i, n, k + 1)
        return value

    def number(self, seg: Segment, i: int, n: int, k: int) -> Decimal | None:
        text = _v(seg, n, k)
        if not text:
            return None
        other = "," if self.decimal == "." else "."
        if not NUMBER.fullmatch(text) or other in text:
            self.add("EDIFACT.AMOUNT", f"{text!r} is not a number with decimal mark "
                     f"{self.decimal!r}", i, n, k + 1)
            return None
        return Decimal(text.replace(",", ".")) if "," in text else Decimal(text)

    def date(self, seg: Segment, i: int) -> date | None:
        text, fmt = _v(seg, 1, 1), _v(seg, 1, 2) or "102"
        if fmt in ("102", "203", "204") and len(text) >= 8 and text[:8].isdigit():
            try:
                return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            except ValueError:
                pass
        self.add("EDIFACT.DATE", f"{text!r} is not a date in format {fmt} (102: CCYYMMDD)", i,
                 1, 2)
        return None


def _agent(seg: Segment) -> Agent | None:
    """C088: a BIC when the agency is S.W.I.F.T.; a branch or other bank code as member id."""
    ident, qualifier, agency = _v(seg, 3, 0), _v(seg, 3, 1), _v(seg, 3, 2)
    branch, branch_q, branch_agency = _v(seg, 3, 3), _v(seg, 3, 4), _v(seg, 3, 5)
    name, country = _v(seg, 3, 6), _v(seg, 4)
    bic = ident if ident and agency == SWIFT_AGENCY else None
    member, system = None, None
    if branch:
        member, system = branch, f"edifact:{branch_q}:{branch_agency}"
    elif ident and not bic:
        member, system = ident, f"edifact:{qualifier}:{agency}"
    if not (bic or member or name):
        return None
    return Agent(bic=bic, member_id=member, clearing_system=system, name=name or None,
                 address=PostalAddress(country=country) if country else None)


def _write_agent(role: str, agent: Agent | None, account: str | None) -> Segment | None:
    if agent is None and not account:
        return None
    seg: Segment = [["FII"], [role], [account or ""]]
    if agent is not None:
        c088 = ["", "", "", "", "", "", agent.name or ""]
        if agent.bic:
            c088[0:3] = [agent.bic, "25", SWIFT_AGENCY]
        if agent.member_id:
            system = agent.clearing_system or ""
            parts = system.split(":") if system.startswith("edifact:") else ["", "25", "ZZZ"]
            parts += ["", ""]
            slot = 3 if agent.bic else 0
            c088[slot:slot + 3] = [agent.member_id, parts[1], parts[2]]
        seg.append(c088)
        if agent.address is not None and agent.address.country:
            seg.append([agent.address.country])
    return seg


def _party(nad: Segment | None, account: str) -> Party | None:
    if nad is None:
        return Party(account=account) if account else None
    names = [c for c in (nad[4] if len(nad) > 4 else []) if c]
    unstructured = [c for c in (nad[3] if len(nad) > 3 else []) if c]
    if not names and unstructured:
        names, unstructured = unstructured[:1], unstructured[1:]
    streets = [c for c in (nad[5] if len(nad) > 5 else []) if c] + unstructured
    town, sub, post, country = _v(nad, 6), _v(nad, 7), _v(nad, 8), _v(nad, 9)
    address = None
    if streets or town or post or country or sub:
        address = PostalAddress(lines=tuple(streets), town_name=town or None,
                                country_sub_division=sub or None, post_code=post or None,
                                country=country or None)
    return Party(name=" ".join(names) or None, account=account or None, address=address,
                 identifier=_v(nad, 2, 0) or None, identifier_scheme=_v(nad, 2, 2) or None)


def _write_party(role: str, party: Party | None) -> Segment | None:
    if party is None or not (party.name or party.address or party.identifier):
        return None
    seg: Segment = [["NAD"], [role],
                    [party.identifier or "", "", party.identifier_scheme or ""]
                    if party.identifier else [""], [""], _chunks(party.name or "")[:5]]
    address = party.address
    if address is not None:
        seg += [list(address.lines[:4]) or [""], [address.town_name or ""],
                [address.country_sub_division or ""], [address.post_code or ""],
                [address.country or ""]]
    return seg


class _Payment:
    """What one payment (a C level, or a PAYEXT/PAYORD message) has gathered so far."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.amount: Decimal | None = None
        self.currency = ""
        self.refs: dict[str, str] = {}
        self.charges: str = ""
        self.pai = ""
        self.fii: dict[str, Segment] = {}
        self.nad: dict[str, Segment] = {}
        self.free: list[str] = []
        self.lines: list[dict[str, Any]] = []
        self.execution: date | None = None
        self.moa_seen = False  # an MOA 9 was there (even if unreadable)


def decode_payments(kind: str, body: list[Segment], base: int, msg_ref: str, group: str | None,
                    chars: ServiceChars) -> tuple[list[Message], list[Finding]]:
    """Credit transfers of one PAYMUL/PAYEXT/PAYORD message, and what was wrong with it."""
    r = _Reader(body, base, msg_ref, group, chars.decimal)
    if not body or body[0][0][0] != "BGM":
        r.add("EDIFACT.SEGMENT_MISSING", "the message must start with BGM", 0,
              tag=None if body else "UNT")
        return [], r.findings
    bgm = body[0]
    doc_code = r.need(bgm, 0, 1)
    if doc_code and doc_code != DOC_CODES[kind]:
        r.add("EDIFACT.ELEMENT_CODE", f"BGM document code {doc_code!r} is not "
              f"{DOC_CODES[kind]} for {kind}", 0, 1, 1)
    header: dict[str, str] = {}
    levelled = kind == "PAYMUL"
    b: dict[str, Any] = {}
    b_payments: list[_Payment] = []
    blocks: list[tuple[dict[str, Any], list[_Payment]]] = []
    pay: _Payment | None = None if levelled else _Payment(0)
    single = pay
    area = "header"
    cnt: tuple[int, str] | None = None
    for i in range(1, len(body)):
        seg = body[i]
        tag = seg[0][0]
        qual = _v(seg, 1)
        target = pay if pay is not None and (not levelled or area in ("C", "PRC", "DOC")) \
            else None
        if tag == "LIN" and levelled:
            b = {"line": _v(seg, 1), "start": i, "fii": None, "nad": None, "charges": "",
                 "total": None, "execution": None, "refs": {}}
            b_payments = []
            blocks.append((b, b_payments))
            area, pay = "B", None
        elif tag == "SEQ" and levelled:
            if not blocks:
                r.add("EDIFACT.SEGMENT_UNEXPECTED", "SEQ (C level) before any LIN (B level)", i)
                continue
            pay = _Payment(i)
            b_payments.append(pay)
            area = "C"
        elif tag == "DTM":
            if qual == "137" and area == "header":
                if (day := r.date(seg, i)) is not None:
                    header["edifact.document_date"] = day.isoformat()
            elif qual == "203" and (area == "B" or not levelled):
                day = r.date(seg, i)
                if levelled:
                    b["execution"] = day
                elif single is not None:
                    single.execution = day
            elif area == "DOC" and pay is not None and pay.lines:
                pay.lines[-1]["doc_date"] = r.date(seg, i)
            else:
                r.add("EDIFACT.SEGMENT_IGNORED", f"DTM {_v(seg, 1)!r} is not mapped here", i,
                      severity=Severity.WARNING)
        elif tag == "RFF":
            qualifier, value = r.need(seg, i, 1), _v(seg, 1, 1)
            if area == "DOC" and pay is not None and pay.lines:
                pay.lines[-1]["references"].append((qualifier, value))
            elif area == "B":
                b["refs"][qualifier] = value
            elif target is not None:
                target.refs[qualifier] = value
            else:
                header[f"edifact.rff.{qualifier}"] = value
        elif tag == "MOA":
            qualifier = r.need(seg, i, 1)
            number = r.number(seg, i, 1, 1)
            if area == "DOC" and pay is not None and pay.lines:
                key = {MOA_PAID: "amount", MOA_DUE: "invoice_amount",
                       MOA_DISCOUNT: "discount"}.get(qualifier)
                if key:
                    pay.lines[-1][key] = number
                elif qualifier == MOA_ADJUSTMENT and pay.lines[-1]["adjustments"] \
                        and number is not None:
                    reason = pay.lines[-1]["adjustments"][-1][1]
                    pay.lines[-1]["adjustments"][-1] = (number, reason)
            elif area == "B" and qualifier == "9":
                b["total"] = (number, _v(seg, 1, 2), i)
            elif target is not None and qualifier == "9":
                if number is None:
                    r.need(seg, i, 1, 1)
                target.amount, target.currency = number, r.need(seg, i, 1, 2)
                target.moa_seen = True
            else:
                r.add("EDIFACT.SEGMENT_IGNORED", f"MOA {qualifier!r} is not mapped here", i,
                      severity=Severity.WARNING)
        elif tag == "FCA":
            code = r.need(seg, i, 1)
            if code and code not in CHARGES:
                r.add("EDIFACT.ELEMENT_CODE", f"charges code {code!r} is not 13, 14 or 15", i, 1,
                      1)
            if area == "B":
                b["charges"] = code
            elif target is not None:
                target.charges = code
        elif tag == "PAI" and target is not None:
            target.pai = ":".join(seg[1]) if len(seg) > 1 else ""
        elif tag == "FII":
            role = r.need(seg, i, 1)
            if role == "OR" and (area == "B" or not levelled):
                if levelled:
                    b["fii"] = seg
                elif single is not None:
                    single.fii["OR"] = seg
            elif role in ("BF", "I1") and target is not None:
                target.fii[role] = seg
            else:
                r.add("EDIFACT.SEGMENT_IGNORED", f"FII {role!r} is not mapped here", i,
                      severity=Severity.WARNING)
        elif tag == "NAD":
            role = r.need(seg, i, 1)
            if role == "OY" and (area == "B" or not levelled):
                if levelled:
                    b["nad"] = seg
                elif single is not None:
                    single.nad["OY"] = seg
            elif role == "BE" and target is not None:
                target.nad["BE"] = seg
            else:
                r.add("EDIFACT.SEGMENT_IGNORED", f"NAD {role!r} is not mapped here", i,
                      severity=Severity.WARNING)
        elif tag == "PRC" and target is not None:
            area = "PRC"
        elif tag == "FTX" and target is not None and _v(seg, 1) == "PMD":
            text = [c for c in (seg[4] if len(seg) > 4 else []) if c]
            target.free.append(" ".join(text))
        elif tag == "DOC" and area in ("PRC", "DOC") and pay is not None and kind != "PAYORD":
            area = "DOC"
            code = r.need(seg, i, 1)
            pay.lines.append({"doc_type": EDIFACT_TO_DOC.get(code, f"edifact:{code}"),
                              "reference": r.need(seg, i, 2), "amount": None,
                              "invoice_amount": None, "discount": None, "doc_date": None,
                              "references": [], "adjustments": []})
        elif tag == "AJT" and area == "DOC" and pay is not None and pay.lines:
            pay.lines[-1]["adjustments"].append((Decimal(0), r.need(seg, i, 1)))
        elif tag == "CNT":
            cnt = (i, _v(seg, 1, 1)) if _v(seg, 1, 0) == "2" else cnt
        elif tag in UNMAPPED:
            r.add("EDIFACT.SEGMENT_IGNORED", f"{tag} is read but not mapped", i,
                  severity=Severity.WARNING)
        else:
            r.add("EDIFACT.SEGMENT_UNEXPECTED", f"{tag} is not allowed here in {kind}", i)
    messages: list[Message] = []
    common = {"message_id": _v(bgm, 2) or None}
    if levelled:
        if not blocks:
            r.add("EDIFACT.SEGMENT_MISSING", "a PAYMUL needs at least one LIN (B level)", 0)
        for block, payments in blocks:
            _check_b(r, block, payments)
            for p in payments:
                messages.extend(_build(r, kind, p, block, header, common))
        if cnt is not None and cnt[1] != str(len(blocks)):
            r.add("EDIFACT.CONTROL_TOTAL", f"CNT 2 says {cnt[1]!r} lines but the message has "
                  f"{len(blocks)} LIN", cnt[0], 1, 2)
    elif single is not None:
        messages.extend(_build(r, kind, single, {"fii": single.fii.get("OR"),
                                                  "nad": single.nad.get("OY"), "charges": "",
                                                  "execution": single.execution, "refs": {}},
                               header, common))
    if any(f.is_error for f in r.findings):
        return [], r.findings
    return messages, r.findings


def _check_b(r: _Reader, block: dict[str, Any], payments: list[_Payment]) -> None:
    start = block["start"]
    if not payments:
        r.add("EDIFACT.SEGMENT_MISSING", f"LIN {block['line']} has no SEQ (C level)", start)
    if block["fii"] is None:
        r.add("EDIFACT.SEGMENT_MISSING", f"LIN {block['line']} has no FII+OR (ordering "
              "account)", start)
    total = block["total"]
    if total is not None and total[0] is not None and all(p.amount is not None
                                                          for p in payments):
        paid = sum((p.amount for p in payments if p.amount is not None), Decimal(0))
        if paid != total[0]:
            r.add("EDIFACT.CONTROL_TOTAL", f"B level total {total[0]} is not the sum of its C "
                  f"levels {paid}", total[2], 1, 2)


def _build(r: _Reader, kind: str, p: _Payment, block: dict[str, Any], header: dict[str, str],
           common: dict[str, Any]) -> list[Message]:
    if p.amount is None or not p.currency:
        if p.moa_seen:
            return []  # already reported where the MOA is
        r.add("EDIFACT.SEGMENT_MISSING", "a payment needs MOA+9 with amount and currency",
              p.start)
        return []
    try:
        money = Money(value=p.amount, currency=p.currency)
    except ModelError as exc:
        code = "EDIFACT.CURRENCY" if exc.code == "MODEL.CURRENCY" else "EDIFACT.AMOUNT"
        r.add(code, exc.message, p.start)
        return []
    extra = dict(header)
    if "AEK" in block["refs"]:
        extra["edifact.order_reference"] = block["refs"]["AEK"]
    extra.update({f"edifact.rff.{q}": v for q, v in p.refs.items() if q != "CR"})
    if p.pai:
        extra["edifact.pai"] = p.pai
    lines = [RemittanceLine(doc_type=x["doc_type"], reference=x["reference"], amount=x["amount"],
                            invoice_amount=x["invoice_amount"], discount=x["discount"],
                            doc_date=x["doc_date"], references=tuple(x["references"]),
                            adjustments=tuple(x["adjustments"])) for x in p.lines]
    info, remit_extra = remittance.canonical_fields(lines, " ".join(p.free) or None)
    extra.update(remit_extra)
    debit_fii = block["fii"]
    credit_fii = p.fii.get("BF")
    charges = p.charges or block["charges"]
    try:
        if "debtor" not in block:  # the B level's ordering side is shared by its C levels
            debtor = _party(block["nad"], _v(debit_fii, 2, 0) if debit_fii else "")
            if debtor is not None and debtor.name is None and _v(debit_fii, 2, 1):
                debtor = Party(name=_v(debit_fii, 2, 1), account=debtor.account)
            block["debtor_agent"] = _agent(debit_fii) if debit_fii else None
            block["debtor"] = debtor
        debtor = block["debtor"]
        creditor = _party(p.nad.get("BE"), _v(credit_fii, 2, 0) if credit_fii else "")
        return [Message(
            kind=Kind.CUSTOMER_CREDIT_TRANSFER, format=f"edifact.{kind.lower()}",
            message_id=common["message_id"], instruction_id=p.refs.get("CR") or None,
            amount=money, requested_execution_date=block["execution"], debtor=debtor,
            debtor_agent=block["debtor_agent"], creditor=creditor,
            creditor_agent=_agent(credit_fii) if credit_fii else None,
            intermediary_agents=tuple(a for a in [_agent(p.fii["I1"])] if a)
            if "I1" in p.fii else (),
            charge_bearer=CHARGES.get(charges), remittance_info=info, extra=extra)]
    except ModelError as exc:
        r.add("EDIFACT.ELEMENT_CODE", exc.message, p.start)
        return []


# -- generation ----------------------------------------------------------------------------


def _b_key(m: Message) -> tuple[Any, ...]:
    debtor = m.debtor or Party()
    return (debtor.account, debtor.name, debtor.address, m.debtor_agent,
            m.requested_execution_date or m.settlement_date, m.extra.get("edifact.order_reference"),
            m.amount.currency if m.amount else None)


def _remittance(m: Message, chars: ServiceChars, kind: str) -> list[Segment]:
    try:
        lines, free = remittance.from_message(m.remittance_info, m.extra)
    except ValueError as exc:
        raise CodecError(str(exc), code="EDIFACT.CANNOT_ENCODE",
                         location="extra.edi.remittance") from None
    if kind == "PAYORD" and lines:
        free, lines = m.remittance_info, []
    out: list[Segment] = []
    if free or lines:
        out.append([["PRC"], ["11" if not lines else "8"]])
    if free:
        pieces = _chunks(free)
        for n in range(0, len(pieces), FTX_COMPONENTS):
            out.append([["FTX"], ["PMD"], [""], [""], pieces[n:n + FTX_COMPONENTS]])
    for line in lines:
        code = (line.doc_type[8:] if line.doc_type.startswith("edifact:")
                else DOC_TO_EDIFACT.get(line.doc_type, "ZZZ"))
        out.append([["DOC"], [code], [line.reference]])
        for qualifier, value in ((MOA_PAID, line.amount), (MOA_DUE, line.invoice_amount),
                                 (MOA_DISCOUNT, line.discount)):
            if value is not None:
                out.append([["MOA"], [qualifier, str(value).replace(".", chars.decimal)]])
        if line.doc_date is not None:
            out.append([["DTM"], ["171", line.doc_date.strftime("%Y%m%d"), "102"]])
        out.extend([["RFF"], [q, v]] for q, v in line.references)
        for amount, reason in line.adjustments:
            out.append([["AJT"], [reason]])
            out.append([["MOA"], [MOA_ADJUSTMENT, str(amount).replace(".", chars.decimal)]])
    return out


def _credit(m: Message, chars: ServiceChars) -> dict[str, list[Segment]]:
    """The payment's own segments, by kind, to be laid out in the message's order."""
    assert m.amount is not None
    parts: dict[str, list[Segment]] = {
        "MOA": [[["MOA"], ["9", m.amount.text().replace(".", chars.decimal),
                           m.amount.currency]]],
        "RFF": [[["RFF"], ["CR", m.instruction_id]]] if m.instruction_id else [],
        "PAI": [], "FCA": [], "FII": [], "NAD": []}
    for key, value in sorted(m.extra.items()):
        if key.startswith("edifact.rff."):
            parts["RFF"].append([["RFF"], [key[12:], value]])
    if "edifact.pai" in m.extra:
        parts["PAI"].append([["PAI"], m.extra["edifact.pai"].split(":")])
    if m.charge_bearer is not None:
        code = CHARGE_CODES.get(m.charge_bearer)
        if code is None:
            raise CodecError(f"charge bearer {m.charge_bearer.value} has no FCA code",
                             code="EDIFACT.CANNOT_ENCODE", location="charge_bearer")
        parts["FCA"].append([["FCA"], [code]])
    creditor = m.creditor
    for seg in (_write_agent("BF", m.creditor_agent, creditor.account if creditor else None),
                *(_write_agent("I1", a, None) for a in m.intermediary_agents[:1])):
        if seg is not None:
            parts["FII"].append(seg)
    if (seg := _write_party("BE", creditor)) is not None:
        parts["NAD"].append(seg)
    return parts


def _header(kind: str, first: Message) -> list[Segment]:
    out: list[Segment] = [[["BGM"], [DOC_CODES[kind]], [first.message_id or ""], ["9"]]]
    if "edifact.document_date" in first.extra:
        out.append([["DTM"], ["137", first.extra["edifact.document_date"].replace("-", ""),
                              "102"]])
    return out


def _debit_side(m: Message) -> list[Segment]:
    out: list[Segment] = []
    debtor = m.debtor
    seg = _write_agent("OR", m.debtor_agent, debtor.account if debtor else None)
    if seg is not None:
        out.append(seg)
    seg = _write_party("OY", debtor)
    if seg is not None:
        out.append(seg)
    return out


def _execution(m: Message) -> list[Segment]:
    day = m.requested_execution_date or m.settlement_date
    return [[["DTM"], ["203", day.strftime("%Y%m%d"), "102"]]] if day else []


def encode_payments(kind: str, messages: Sequence[Message], chars: ServiceChars
                    ) -> list[list[Segment]]:
    """Message bodies (between UNH and UNT): one PAYMUL for all, or one PAYEXT/PAYORD each."""
    for i, m in enumerate(messages):
        if m.kind is not Kind.CUSTOMER_CREDIT_TRANSFER or m.amount is None:
            raise CodecError(f"message {i} is not a credit transfer with an amount",
                             code="EDIFACT.CANNOT_ENCODE", location=f"[{i}]")
    if kind != "PAYMUL":
        bodies = []
        for m in messages:
            c = _credit(m, chars)
            order = ([[["RFF"], ["AEK", m.extra["edifact.order_reference"]]]]
                     if "edifact.order_reference" in m.extra else [])
            debit = _debit_side(m)
            bodies.append(_header(kind, m) + _execution(m) + c["PAI"] + c["FCA"] + order
                          + c["RFF"] + c["MOA"] + debit[:1] + c["FII"] + debit[1:] + c["NAD"]
                          + _remittance(m, chars, kind))
        return bodies
    body = _header(kind, messages[0])
    line = 0
    index = 0
    while index < len(messages):
        key = _b_key(messages[index])
        block = [messages[index]]
        index += 1
        while index < len(messages) and _b_key(messages[index]) == key:
            block.append(messages[index])
            index += 1
        line += 1
        first = block[0]
        assert first.amount is not None
        body.append([["LIN"], [str(line)]])
        body += _execution(first)
        if "edifact.order_reference" in first.extra:
            body.append([["RFF"], ["AEK", first.extra["edifact.order_reference"]]])
        total = sum((m.amount.value for m in block if m.amount is not None), Decimal(0))
        body.append([["MOA"], ["9", str(total).replace(".", chars.decimal),
                               first.amount.currency]])
        body += _debit_side(first)
        for n, m in enumerate(block, 1):
            c = _credit(m, chars)
            body.append([["SEQ"], [""], [str(n)]])
            body += c["MOA"] + c["RFF"] + c["PAI"] + c["FCA"] + c["FII"] + c["NAD"]
            body += _remittance(m, chars, kind)
    body.append([["CNT"], ["2", str(line)]])
    return [body]
