"""camt.053 (bank to customer statement) and camt.054 (debit/credit notification), read with
the ISO 20022 family's safe XML parser.

Written to camt.053.001.08 / camt.054.001.08; the element names read here are the same from
version 02 to 13, so those versions are read too (Sts as a code in 02-06, as Sts/Cd later).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from lxml import etree

from hub.codecs.iso20022 import safexml
from hub.codecs.iso20022.profiles import xpath
from hub.codecs.statements.envelope import (
    CREDIT,
    DEBIT,
    Balance,
    Entry,
    Statement,
    Transaction,
    check_amount,
    parse_uetr,
)
from hub.errors import Diagnostic, Severity

NS = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d{2})")
ROOTS = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
ROLES = {"OPBD": "opening", "PRCD": "opening", "CLBD": "closing"}
"""Balance types (ExternalBalanceType1Code): opening booked, or previously closed booked where a
bank sends no OPBD; closing booked. The others (CLAV, FWAV, ITBD ...) are recorded only."""
NOT_PROVIDED = "NOTPROVIDED"

Element: TypeAlias = etree._Element


def _local(el: Element) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""




class _Reader:
    def __init__(self, ns: str, out: list[Diagnostic]) -> None:
        self.p = "{" + ns + "}"
        self.out = out

    def find(self, el: Element | None, path: str) -> Element | None:
        if el is None:
            return None
        return el.find("/".join(self.p + step for step in path.split("/")))

    def all(self, el: Element, name: str) -> list[Element]:
        return el.findall(self.p + name)

    def text(self, el: Element | None, path: str) -> str | None:
        found = self.find(el, path)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def ref(self, el: Element | None, path: str) -> str | None:
        value = self.text(el, path)
        return None if value is None or value.upper() == NOT_PROVIDED else value

    def fail(self, code: str, message: str, el: Element) -> None:
        self.out.append(Diagnostic(code, message, xpath(el)))

    def amount(self, el: Element | None, where: Element) -> tuple[Decimal | None, str]:
        if el is None:
            self.fail("STMT.REQUIRED", "Amt is missing", where)
            return None, ""
        currency = (el.get("Ccy") or "").strip()
        try:
            value = Decimal((el.text or "").strip())
        except InvalidOperation:
            self.fail("STMT.AMOUNT", f"{el.text!r} is not a decimal amount", el)
            return None, currency
        if not value.is_finite() or value < 0:
            self.fail("STMT.AMOUNT", f"{el.text!r} is not a non-negative amount", el)
            return None, currency
        where = len(self.out)
        if not check_amount(value, currency, "", self.out):
            for i in range(where, len(self.out)):  # give the finding the element's XPath
                d = self.out[i]
                self.out[i] = Diagnostic(d.code, d.message, xpath(el), d.severity)
            return None, currency
        return value, currency

    def direction(self, el: Element) -> str | None:
        value = self.text(el, "CdtDbtInd")
        if value not in (CREDIT, DEBIT):
            found = self.find(el, "CdtDbtInd")
            self.fail("STMT.FIELD" if found is not None else "STMT.REQUIRED",
                      f"CdtDbtInd {value!r} is not CRDT or DBIT", found if found is not None
                      else el)
            return None
        return value

    def day(self, el: Element | None) -> date | None:
        """A DateAndDateTime2Choice (Dt or DtTm)."""
        if el is None:
            return None
        for name in ("Dt", "DtTm"):
            child = self.find(el, name)
            if child is None:
                continue
            text = (child.text or "").strip()
            try:
                if name == "Dt":
                    return date.fromisoformat(text)
                return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            except ValueError:
                self.fail("STMT.DATE", f"{text!r} is not an ISO 8601 "
                          f"{'date' if name == 'Dt' else 'date-time'}", child)
                return None
        self.fail("STMT.REQUIRED", "Dt or DtTm is missing", el)
        return None

    def balance(self, el: Element) -> Balance:
        code = self.text(el, "Tp/CdOrPrtry/Cd") or self.text(el, "Tp/CdOrPrtry/Prtry") or ""
        value, currency = self.amount(self.find(el, "Amt"), el)
        direction = self.direction(el)
        on = self.day(self.find(el, "Dt"))
        return Balance(code=code, role=ROLES.get(code, "other"), direction=direction or CREDIT,
                       value=value if direction else None, currency=currency, on=on,
                       where=xpath(el))

    def transaction(self, el: Element) -> Transaction:
        refs = self.find(el, "Refs")
        uetr_el = self.find(refs, "UETR")
        uetr = None
        if uetr_el is not None and uetr_el.text:
            uetr = parse_uetr(uetr_el.text.strip(), xpath(uetr_el), self.out)
        value, currency = None, ""
        amount = self.find(el, "Amt")
        if amount is None:
            amount = self.find(el, "AmtDtls/TxAmt/Amt")
        if amount is not None:
            value, currency = self.amount(amount, el)
        return Transaction(value=value, currency=currency,
                           owner_ref=self.ref(refs, "EndToEndId") or self.ref(refs, "AcctOwnrTxId"),
                           instruction_id=self.ref(refs, "InstrId"),
                           message_id=self.ref(refs, "MsgId"), uetr=uetr,
                           servicer_ref=self.ref(refs, "AcctSvcrRef"))

    def entry(self, el: Element, account_currency: str, where: str) -> Entry:
        before = len(self.out)
        value, currency = self.amount(self.find(el, "Amt"), el)
        direction = self.direction(el)
        status = self.text(el, "Sts/Cd") or self.text(el, "Sts/Prtry") or self.text(el, "Sts")
        if status is None:
            self.fail("STMT.REQUIRED", "Sts is missing", el)
        entry = Entry(where=where, direction=direction or CREDIT, value=value,
                      currency=currency or account_currency, status=status or "")
        entry.reversal = (self.text(el, "RvslInd") or "").lower() in ("true", "1")
        entry.booking_date = self.day(self.find(el, "BookgDt"))
        entry.value_date = self.day(self.find(el, "ValDt"))
        entry.servicer_ref = self.ref(el, "AcctSvcrRef")
        entry.entry_ref = self.ref(el, "NtryRef")
        domain = [self.text(el, f"BkTxCd/Domn/{p}") for p in ("Cd", "Fmly/Cd", "Fmly/SubFmlyCd")]
        entry.type_code = "/".join(d for d in domain if d) or self.text(el, "BkTxCd/Prtry/Cd")
        entry.info = self.text(el, "AddtlNtryInf")
        for details in self.all(el, "NtryDtls"):
            entry.transactions.extend(self.transaction(t) for t in self.all(details, "TxDtls"))
        if entry.transactions:
            first = entry.transactions[0]
            entry.uetr, entry.instruction_id = first.uetr, first.instruction_id
            entry.message_id = first.message_id
            entry.owner_ref = first.owner_ref or entry.owner_ref
        entry.readable = not any(d.is_error for d in self.out[before:])
        parts = [t.value for t in entry.transactions]
        if len(parts) > 1 and all(p is not None for p in parts) and value is not None:
            total = sum((p for p in parts if p is not None), Decimal(0))
            if total != value:  # the entry's amount is the one booked; the detail is suspect
                self.out.append(Diagnostic("STMT.BATCH", f"the {len(parts)} transactions add "
                                           f"up to {total}, the entry is {value}", where,
                                           Severity.WARNING))
        return entry


def document(root: Element) -> Element | None:
    """The camt Document at the root, or in a wrapper beside its AppHdr."""
    if _local(root) == "Document":
        return root
    for level in (root, *root):
        for child in level:
            if _local(child) == "Document":
                return child
    return None


def read(raw: bytes, format: str | None, out: list[Diagnostic]) -> list[Statement]:
    root, problems = safexml.parse(raw)
    out.extend(problems)
    if root is None:
        return []
    doc = document(root)
    found = NS.fullmatch(doc.tag[1:doc.tag.find("}")]) if doc is not None and \
        doc.tag.startswith("{") else None
    if doc is None or found is None:
        out.append(Diagnostic("STMT.NOT_STATEMENT", "no camt.053 or camt.054 Document",
                              xpath(doc if doc is not None else root)))
        return []
    name = found.group(1)
    if format is not None and format != name:
        out.append(Diagnostic("STMT.NOT_STATEMENT", f"the document is {name}, not {format}",
                              xpath(doc)))
    reader = _Reader(found.group(0), out)
    message_name, statement_name = ROOTS[name]
    message = reader.find(doc, message_name)
    if message is None:
        out.append(Diagnostic("STMT.REQUIRED", f"{message_name} is missing", xpath(doc)))
        return []
    message_id = reader.text(message, "GrpHdr/MsgId")
    statements: list[Statement] = []
    for el in reader.all(message, statement_name):
        account_el = reader.find(el, "Acct")
        account = (reader.text(account_el, "Id/IBAN") or reader.text(account_el, "Id/Othr/Id")
                   or "")
        if account_el is None or not account:
            reader.fail("STMT.REQUIRED", "Acct/Id is missing", el)
        statement = Statement(format=name, where=xpath(el), id=reader.text(el, "Id") or "",
                              account=account,
                              account_currency=reader.text(account_el, "Ccy") or "",
                              sequence=reader.text(el, "ElctrncSeqNb")
                              or reader.text(el, "LglSeqNb"), message_id=message_id)
        if not statement.id:
            reader.fail("STMT.REQUIRED", "Id is missing", el)
        statement.balances = [reader.balance(b) for b in reader.all(el, "Bal")]
        if name == "camt.053":
            for role, codes in (("opening", "OPBD or PRCD"), ("closing", "CLBD")):
                if not statement.balance(role):
                    reader.fail("STMT.REQUIRED", f"no {role} booked balance ({codes})", el)
        entries = reader.all(el, "Ntry")  # located by position: xpath() per entry is O(n)
        statement.entries = [
            reader.entry(n, statement.account_currency,
                         f"{statement.where}/Ntry" + (f"[{i}]" if len(entries) > 1 else ""))
            for i, n in enumerate(entries, start=1)]
        statement.info = reader.text(el, "AddtlStmtInf") or reader.text(el, "AddtlNtfctnInf")
        statements.append(statement)
    if not statements:
        reader.fail("STMT.REQUIRED", f"no {statement_name}", message)
    return statements
