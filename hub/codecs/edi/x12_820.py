"""X12 820 Payment Order/Remittance Advice <-> one canonical credit transfer per transaction set.

    BPR  amount, credit/debit, payment method and format, originating and receiving DFI and
         accounts, effective date                 -> amount, debtor/creditor agent and account,
                                                     local_instrument, settlement_date
    NTE  free text                               -> remittance_info
    TRN  trace number                            -> instruction_id
    CUR  currency (absent: USD)                  -> amount.currency
    REF, DTM (header)                            -> extra["x12.ref.<qualifier>"], ["x12.dtm.<q>"]
    N1 PR / PE loop (N1, N3, N4)                 -> debtor / creditor name, id, address
    ENT loop: RMR (REF, DTM 003, ADX)            -> remittance lines (extra["edi.remittance"])

Segments of the 820 the hub does not map (PER, N2, NM1 …) are kept in the envelope and
reported as warnings; segments that do not belong to an 820 are errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from hub.codecs.edi import remittance
from hub.codecs.edi.findings import TRANSACTION, Finding
from hub.codecs.edi.remittance import DOC_TO_X12, X12_TO_DOC, RemittanceLine
from hub.errors import CodecError, ModelError, Severity
from hub.model import Agent, Kind, Message, Money, Party, PostalAddress

FORMAT = "x12.820"
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
# BPR06/BPR12 DFI identification number qualifier (X12 element 506) <-> canonical clearing system
DFI_CLEARING = {"01": "USABA", "03": "USPID", "04": "CACPA"}
CLEARING_DFI = {v: k for k, v in DFI_CLEARING.items()}
DFI_SWIFT = "02"
BPR01_CODES = frozenset({"C", "D", "I", "P", "U", "X", "Z"})
ACH_FORMATS = frozenset({"CCD", "CCP", "CTX", "PPD", "CBC", "CBP"})
BPR_KEYS = {n: f"x12.bpr{n:02d}" for n in range(1, 17)}
# segments an 820 may carry that the mapping leaves to the envelope
UNMAPPED_820 = frozenset({"PER", "N2", "RDM", "NM1", "IT1", "TXP", "DED", "LX", "RPA", "TXI",
                          "PAM", "RTT", "NX1", "SAC", "SLN", "QTY"})
# AK4 data element syntax error codes (X12 element 723) and AK3 segment codes (720)
AK4 = {"X12.ELEMENT_MISSING": "1", "X12.ELEMENT_LENGTH": "5", "X12.AMOUNT": "6",
       "X12.ELEMENT_CODE": "7", "X12.DATE": "8", "X12.CURRENCY": "7"}
AK3 = {"X12.SEGMENT_ID": "1", "X12.SEGMENT_UNEXPECTED": "2", "X12.SEGMENT_MISSING": "3"}


class _Reader:
    """Reads one transaction set body; `base` is the interchange index of ST."""

    def __init__(self, body: list[list[str]], base: int, group: str | None, control: str
                 ) -> None:
        self.body = body
        self.base = base
        self.group = group
        self.control = control
        self.findings: list[Finding] = []

    def add(self, code: str, message: str, i: int, element: int | None = None,
            severity: Severity = Severity.ERROR, value: str = "") -> None:
        tag = self.body[i][0] if 0 <= i < len(self.body) else ""
        ack = AK4.get(code, "") if element is not None else AK3.get(code, "")
        self.findings.append(Finding(code, message, self.base + i + 2, tag, element, None,
                                     severity, TRANSACTION, self.group, self.control, i + 2, ack,
                                     value[:99]))

    def get(self, seg: list[str], i: int, n: int, mandatory: bool = False) -> str:
        try:
            value = seg[n]
        except IndexError:
            value = ""
        if mandatory and not value:
            self.add("X12.ELEMENT_MISSING", f"{seg[0]}{n:02d} is mandatory", i, n)
        return value

    def decimal(self, seg: list[str], i: int, n: int, mandatory: bool = False
                ) -> Decimal | None:
        text = self.get(seg, i, n, mandatory)
        if not text:
            return None
        if not NUMBER.fullmatch(text):
            self.add("X12.AMOUNT", f"{seg[0]}{n:02d} {text!r} is not a number", i, n, value=text)
            return None
        return Decimal(text)

    def date(self, seg: list[str], i: int, n: int, mandatory: bool = False) -> date | None:
        text = self.get(seg, i, n, mandatory)
        if not text:
            return None
        if len(text) == 8 and text.isdigit():
            try:
                return date(int(text[:4]), int(text[4:6]), int(text[6:]))
            except ValueError:
                pass
        self.add("X12.DATE", f"{seg[0]}{n:02d} {text!r} is not a date CCYYMMDD", i, n,
                 value=text)
        return None


def _bpr_defaults(instrument: str, debtor_account: bool, creditor_account: bool
                  ) -> dict[int, str]:
    """BPR elements generation writes when the canonical message says nothing about them."""
    defaults = {1: "C", 3: "C", 4: "ACH" if instrument in ACH_FORMATS else "FWT"}
    if debtor_account:
        defaults[8] = "DA"
    if creditor_account:
        defaults[14] = "DA"
    return defaults


def _agent(qualifier: str, ident: str) -> Agent | None:
    if not ident:
        return None
    if qualifier == DFI_SWIFT:
        return Agent(bic=ident)
    return Agent(member_id=ident, clearing_system=DFI_CLEARING.get(qualifier, f"x12:{qualifier}"))


def _address(n3: list[str] | None, n4: list[str] | None) -> PostalAddress | None:
    if n3 is None and n4 is None:
        return None
    lines = tuple(v for v in (n3 or [])[1:3] if v)
    n4 = (n4 or []) + [""] * 5
    return PostalAddress(lines=lines, town_name=n4[1] or None,
                         country_sub_division=n4[2] or None, post_code=n4[3] or None,
                         country=n4[4] or None)


def decode_820(body: list[list[str]], base: int, group: str | None, control: str
               ) -> tuple[Message | None, list[Finding]]:
    """The credit transfer one 820 transaction set carries, and what was wrong with it."""
    r = _Reader(body, base, group, control)
    if not body or body[0][0] != "BPR":
        r.add("X12.SEGMENT_MISSING", "an 820 starts with BPR", 0 if body else -1)
        return None, r.findings
    bpr = body[0]
    amount = r.decimal(bpr, 0, 2, True)
    for n, allowed in ((1, BPR01_CODES), (3, frozenset({"C", "D"}))):
        value = r.get(bpr, 0, n, True)
        if value and value not in allowed:
            r.add("X12.ELEMENT_CODE", f"BPR{n:02d} {value!r} is not one of "
                  f"{', '.join(sorted(allowed))}", 0, n, value=value)
    r.get(bpr, 0, 4, True)
    extra: dict[str, str] = {}
    padded = bpr + [""] * (17 - len(bpr)) if len(bpr) < 17 else bpr
    defaults = _bpr_defaults(padded[5], bool(padded[9]), bool(padded[15]))
    for n in (1, 3, 4, 8, 10, 11, 14):
        if (value := padded[n]) and value != defaults.get(n):
            extra[BPR_KEYS[n]] = value  # only what generation would not write by itself
    currency = "USD"
    trn: list[str] | None = None
    free: list[str] = []
    parties: dict[str, dict[str, Any]] = {}
    lines: list[dict[str, Any]] = []
    area = "header"
    party: dict[str, Any] | None = None
    for i in range(1, len(body)):
        seg = body[i]
        tag = seg[0]
        if tag == "NTE" and area == "header":
            if text := r.get(seg, i, 2, True):
                free.append(text)
        elif tag == "TRN" and area == "header" and trn is None:
            trn = seg
            r.get(seg, i, 1, True)
            r.get(seg, i, 2, True)
            if value := r.get(seg, i, 3):
                extra["x12.trn03"] = value
        elif tag == "CUR" and area == "header":
            currency = r.get(seg, i, 2, True) or currency
        elif tag in ("REF", "DTM") and area == "header":
            qualifier = r.get(seg, i, 1, True)
            if tag == "DTM":
                day = r.date(seg, i, 2, True)
                text = day.isoformat() if day else ""
            else:
                text = r.get(seg, i, 2, True)
            if qualifier and text:
                extra[f"x12.{tag.lower()}.{qualifier}"] = text
        elif tag == "N1" and area in ("header", "n1"):
            area = "n1"
            role = r.get(seg, i, 1, True)
            n1 = [*seg, "", "", "", ""]
            party = {"name": n1[2], "scheme": n1[3], "id": n1[4], "N3": None, "N4": None}
            if role in ("PR", "PE") and role not in parties:
                parties[role] = party
            else:
                r.add("X12.SEGMENT_IGNORED", f"N1 {role!r} party is not mapped", i,
                      severity=Severity.WARNING)
        elif tag in ("N3", "N4") and area == "n1" and party is not None:
            party[tag] = seg
        elif tag == "ENT" and area in ("header", "n1", "ent", "rmr"):
            area = "ent"
            party = None
        elif tag == "RMR" and area in ("ent", "rmr"):
            area = "rmr"
            qualifier = r.get(seg, i, 1, True)
            lines.append({"doc_type": X12_TO_DOC.get(qualifier, f"x12:{qualifier}"),
                          "reference": r.get(seg, i, 2, True),
                          "amount": r.decimal(seg, i, 4), "invoice_amount": r.decimal(seg, i, 5),
                          "discount": r.decimal(seg, i, 6), "references": [],
                          "adjustments": [], "doc_date": None})
        elif tag == "REF" and area == "rmr":
            lines[-1]["references"].append((r.get(seg, i, 1, True), r.get(seg, i, 2, True)))
        elif tag == "DTM" and area == "rmr" and seg[1:2] == ["003"]:
            lines[-1]["doc_date"] = r.date(seg, i, 2, True)
        elif tag == "ADX" and area == "rmr":
            adjustment = r.decimal(seg, i, 1, True)
            if adjustment is not None:
                lines[-1]["adjustments"].append((adjustment, r.get(seg, i, 2, True)))
        elif tag in UNMAPPED_820 or tag in ("REF", "DTM", "NTE", "ADX"):
            r.add("X12.SEGMENT_IGNORED", f"{tag} is read but not mapped here", i,
                  severity=Severity.WARNING)
        else:
            r.add("X12.SEGMENT_UNEXPECTED", f"{tag} is not allowed here in an 820", i)
    if trn is None:
        r.add("X12.SEGMENT_MISSING", "TRN (trace number) is mandatory", 0)
    settlement = r.date(bpr, 0, 16)
    if any(f.is_error for f in r.findings):
        return None, r.findings
    message = _build(r, bpr, amount, currency, trn, free, parties, lines, extra, settlement)
    return message, r.findings


def _build(r: _Reader, bpr: list[str], amount: Decimal | None, currency: str,
           trn: list[str] | None, free: list[str], parties: Mapping[str, dict[str, Any]],
           lines: list[dict[str, Any]], extra: dict[str, str], settlement: date | None
           ) -> Message | None:
    get: Callable[[int], str] = lambda n: bpr[n] if n < len(bpr) else ""  # noqa: E731
    try:
        money = Money(value=amount, currency=currency) if amount is not None else None
    except ModelError as exc:
        code = "X12.CURRENCY" if exc.code == "MODEL.CURRENCY" else "X12.AMOUNT"
        r.add(code, exc.message, 0, 2)
        return None
    remit = [RemittanceLine(doc_type=line["doc_type"], reference=line["reference"],
                            amount=line["amount"], invoice_amount=line["invoice_amount"],
                            discount=line["discount"], doc_date=line["doc_date"],
                            references=tuple(line["references"]),
                            adjustments=tuple(line["adjustments"])) for line in lines]
    info, remit_extra = remittance.canonical_fields(remit, " ".join(free) or None)
    extra.update(remit_extra)
    try:
        debtor = _party(parties.get("PR"), get(9))
        creditor = _party(parties.get("PE"), get(15))
    except ModelError as exc:
        r.add("X12.ELEMENT_CODE", exc.message, 0)
        return None
    try:
        return Message(
            kind=Kind.CUSTOMER_CREDIT_TRANSFER, format=FORMAT, amount=money,
            instruction_id=(trn[2] if trn and len(trn) > 2 else None) or None,
            settlement_date=settlement, debtor=debtor, creditor=creditor,
            debtor_agent=_agent(get(6), get(7)), creditor_agent=_agent(get(12), get(13)),
            local_instrument=get(5) or None, remittance_info=info, extra=extra)
    except ModelError as exc:
        r.add("X12.ELEMENT_CODE", exc.message, 0)
        return None


def _party(found: Mapping[str, Any] | None, account: str) -> Party | None:
    if found is None and not account:
        return None
    found = found or {}
    return Party(name=found.get("name") or None, account=account or None,
                 identifier=found.get("id") or None,
                 identifier_scheme=found.get("scheme") or None,
                 address=_address(found.get("N3"), found.get("N4")))


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


def _party_segments(role: str, party: Party | None) -> list[list[str]]:
    if party is None or not (party.name or party.identifier or party.address):
        return []
    n1 = ["N1", role, party.name or ""]
    if party.identifier:
        n1 += [party.identifier_scheme or "ZZ", party.identifier]
    out = [n1]
    address = party.address
    if address is not None:
        if address.lines:
            out.append(["N3", *address.lines[:2]])
        if address.town_name or address.country or address.post_code:
            out.append(["N4", address.town_name or "", address.country_sub_division or "",
                        address.post_code or "", address.country or ""])
    return out


def encode_820(message: Message) -> list[list[str]]:
    """The body segments (between ST and SE) of the 820 for one canonical credit transfer."""
    if message.amount is None:
        raise CodecError("an 820 needs an amount", code="X12.CANNOT_ENCODE",
                         location="amount")
    if not message.instruction_id:
        raise CodecError("an 820 needs instruction_id for TRN02", code="X12.CANNOT_ENCODE",
                         location="instruction_id")
    extra = message.extra
    debtor, creditor = message.debtor, message.creditor
    oq, oid = _dfi(message.debtor_agent)
    rq, rid = _dfi(message.creditor_agent)
    instrument = message.local_instrument or ""
    debtor_account = debtor.account if debtor and debtor.account else ""
    creditor_account = creditor.account if creditor and creditor.account else ""
    defaults = _bpr_defaults(instrument, bool(debtor_account), bool(creditor_account))

    def element(n: int) -> str:
        return extra.get(f"x12.bpr{n:02d}", defaults.get(n, ""))

    bpr = ["BPR", element(1), message.amount.text(), element(3), element(4), instrument, oq, oid,
           element(8), debtor_account, element(10), element(11), rq, rid, element(14),
           creditor_account,
           message.settlement_date.strftime("%Y%m%d") if message.settlement_date else ""]
    out = [bpr]
    try:
        lines, free = remittance.from_message(message.remittance_info, extra)
    except ValueError as exc:
        raise CodecError(str(exc), code="X12.CANNOT_ENCODE",
                         location="extra.edi.remittance") from None
    if free:
        out.extend(["NTE", "PMT", free[i:i + 80]] for i in range(0, len(free), 80))
    out.append(["TRN", "1", message.instruction_id, *([extra["x12.trn03"]]
                                                      if "x12.trn03" in extra else [])])
    if message.amount.currency != "USD":
        out.append(["CUR", "PR", message.amount.currency])
    for key, value in sorted(extra.items()):
        kind, _, qualifier = key.partition(".")[2].partition(".")
        if kind == "ref" and qualifier:
            out.append(["REF", qualifier, value])
    for key, value in sorted(extra.items()):
        kind, _, qualifier = key.partition(".")[2].partition(".")
        if kind == "dtm" and qualifier:
            out.append(["DTM", qualifier, value.replace("-", "")])
    out.extend(_party_segments("PR", debtor))
    out.extend(_party_segments("PE", creditor))
    if lines:
        out.append(["ENT", "1"])
    for line in lines:
        qualifier = (line.doc_type[4:] if line.doc_type.startswith("x12:")
                     else DOC_TO_X12.get(line.doc_type, "ZZ"))
        out.append(["RMR", qualifier, line.reference, "",
                    *(str(v) if v is not None else ""
                      for v in (line.amount, line.invoice_amount, line.discount))])
        out.extend(["REF", q, v] for q, v in line.references)
        if line.doc_date is not None:
            out.append(["DTM", "003", line.doc_date.strftime("%Y%m%d")])
        out.extend(["ADX", str(a), reason] for a, reason in line.adjustments)
    return [_trim(seg) for seg in out]


def _trim(seg: list[str]) -> list[str]:
    end = len(seg)
    while end > 1 and not seg[end - 1]:
        end -= 1
    return seg[:end]
