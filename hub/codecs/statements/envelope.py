"""A statement as the bank wrote it (the lossless layer), its balance check, and the canonical
answer each booked entry becomes.

One envelope serves both syntaxes: MT940/MT950 tags and camt.053/camt.054 elements fill the
same Statement, Balance and Entry records, each remembering where in the input it was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from hub.errors import Diagnostic, ModelError, Severity
from hub.model import Kind, Message, Money
from hub.model.money import MINOR_UNITS

CREDIT, DEBIT = "CRDT", "DBIT"
UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(slots=True)
class Balance:
    code: str  # MT tag (60F, 62M, 64, 65) or camt balance type (OPBD, CLBD, PRCD, ITBD ...)
    role: str  # opening | closing | other
    direction: str  # CRDT | DBIT
    value: Decimal | None
    currency: str
    on: date | None
    where: str

    @property
    def signed(self) -> Decimal:
        value = self.value or Decimal(0)
        return value if self.direction == CREDIT else -value


@dataclass(slots=True)
class Transaction:
    """One transaction of an entry (camt TxDtls; an MT940 entry is one transaction)."""

    value: Decimal | None = None
    currency: str = ""
    owner_ref: str | None = None  # reference for the account owner / end-to-end id
    instruction_id: str | None = None
    message_id: str | None = None
    uetr: UUID | None = None
    servicer_ref: str | None = None
    where: str = ""


@dataclass(slots=True)
class Entry:
    where: str
    direction: str  # CRDT | DBIT (the effect on the account)
    value: Decimal | None
    currency: str
    value_date: date | None = None
    booking_date: date | None = None
    status: str = "BOOK"
    reversal: bool = False
    type_code: str | None = None  # MT 61 transaction type, camt BkTxCd
    owner_ref: str | None = None
    servicer_ref: str | None = None
    entry_ref: str | None = None  # camt NtryRef
    info: str | None = None  # MT :86:, camt AddtlNtryInf
    uetr: UUID | None = None
    instruction_id: str | None = None
    message_id: str | None = None
    transactions: list[Transaction] = field(default_factory=list)
    readable: bool = True  # False when a diagnostic says a part of it could not be read

    @property
    def signed(self) -> Decimal:
        value = self.value or Decimal(0)
        return value if self.direction == CREDIT else -value


@dataclass(slots=True)
class Statement:
    format: str
    where: str
    id: str = ""
    account: str = ""
    account_currency: str = ""
    sequence: str | None = None  # MT 28C, camt ElctrncSeqNb / LglSeqNb
    message_id: str | None = None  # camt GrpHdr/MsgId
    balances: list[Balance] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    info: str | None = None  # statement-level MT :86: or camt AddtlStmtInf
    fields: list[tuple[str, str, int]] = field(default_factory=list)  # MT: (tag, value, line)

    def balance(self, role: str) -> list[Balance]:
        return [b for b in self.balances if b.role == role]


def check_amount(text_value: Decimal | None, currency: str, where: str,
                 out: list[Diagnostic]) -> bool:
    """The currency is known and the value has no more decimals than its minor units."""
    units = MINOR_UNITS.get(currency)
    if units is None or units < 0:
        out.append(Diagnostic("STMT.CURRENCY", f"{currency!r} is not an ISO 4217 currency with "
                              "minor units", where))
        return False
    if text_value is None:
        return False
    exponent = text_value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > units and \
            text_value != text_value.quantize(Decimal(1).scaleb(-units)):
        out.append(Diagnostic("STMT.AMOUNT", f"{text_value} has more decimals than {currency} "
                              f"allows ({units})", where))
        return False
    return True


def uetr_in(text: str | None, where: str, out: list[Diagnostic]) -> UUID | None:
    """The UETR a free text carries ("/UETR/<uuid>" or a bare UUID), checked to be a v4."""
    if not text:
        return None
    joined = re.sub(r"\s*\n\s*", "", text)  # a UUID may be wrapped over two 65-character lines
    found = UUID_TEXT.search(joined)
    if found is None:
        return None
    return parse_uetr(found.group(0), where, out)


def parse_uetr(text: str, where: str, out: list[Diagnostic]) -> UUID | None:
    try:
        uuid = UUID(text)
    except ValueError:
        out.append(Diagnostic("STMT.UETR", f"{text!r} is not a UUID", where, Severity.WARNING))
        return None
    if uuid.version != 4:
        out.append(Diagnostic("STMT.UETR", f"{text} is not a UUID version 4", where,
                              Severity.WARNING))
        return None
    return uuid


def check_balances(statement: Statement, out: list[Diagnostic]) -> None:
    """Per currency: opening + booked entries = closing, exactly (amounts are Decimals within
    their minor units, so the sums are exact)."""
    openings, closings = statement.balance("opening"), statement.balance("closing")
    if not openings or not closings:
        return  # missing balances are reported where they are read
    if any(b.value is None for b in (*openings, *closings)) or \
            any(not e.readable for e in statement.entries):
        return  # an unreadable amount is already reported; a sum over it would mislead
    totals: dict[str, Decimal] = {}
    for b in openings:
        totals[b.currency] = totals.get(b.currency, Decimal(0)) + b.signed
    for e in statement.entries:
        if e.status == "BOOK":
            totals[e.currency] = totals.get(e.currency, Decimal(0)) + e.signed
    for b in closings:
        expected = totals.get(b.currency)
        if expected is None:
            out.append(Diagnostic("STMT.CURRENCY", f"closing balance in {b.currency} has no "
                                  "opening balance in that currency", b.where))
        elif expected != b.signed:
            out.append(Diagnostic(
                "STMT.BALANCE", f"opening balance plus entries gives {b.currency} {expected}, "
                f"the closing balance says {b.currency} {b.signed} (difference "
                f"{b.signed - expected})", b.where))


def _extra(statement: Statement, entry: Entry, number: int,
           servicer_ref: str | None) -> dict[str, str]:
    extra = {"statement.account": statement.account, "statement.direction": entry.direction,
             "statement.id": statement.id, "statement.entry": str(number)}
    optional = {"statement.servicer_ref": servicer_ref,
                "statement.booking_date": entry.booking_date.isoformat()
                if entry.booking_date else None,
                "statement.type": entry.type_code,
                "statement.entry_ref": entry.entry_ref,
                "statement.sequence": statement.sequence,
                "statement.reversal": "true" if entry.reversal else None}
    extra.update({k: v for k, v in optional.items() if v})
    return extra


def to_messages(statement: Statement, out: list[Diagnostic]) -> list[Message]:
    """One status report per booked entry (per transaction of a batch entry that details each
    transaction's amount)."""
    messages: list[Message] = []
    for number, entry in enumerate(statement.entries, start=1):
        if entry.status != "BOOK" or not entry.readable or entry.value is None:
            continue
        parts = entry.transactions if len(entry.transactions) > 1 and all(
            t.value is not None for t in entry.transactions) else [None]
        for part in parts:
            value = part.value if part is not None else entry.value
            currency = (part.currency if part is not None else "") or entry.currency
            if value is None:
                continue
            one = part if part is not None else (entry.transactions[0]
                                                 if entry.transactions else None)
            try:
                messages.append(Message(
                    kind=Kind.STATUS_REPORT, format=statement.format, status="BOOK",
                    message_id=f"{statement.id}/{number}" + (
                        f"/{entry.transactions.index(part) + 1}" if part is not None else ""),
                    amount=Money(value=value, currency=currency),
                    settlement_date=entry.value_date or entry.booking_date,
                    related_reference=(one.owner_ref if one and one.owner_ref
                                       else entry.owner_ref),
                    original_uetr=(one.uetr if one and one.uetr else entry.uetr),
                    original_message_id=(one.instruction_id or one.message_id if one else None)
                    or entry.instruction_id or entry.message_id,
                    narrative=entry.info,
                    extra=_extra(statement, entry, number,
                                 (one.servicer_ref if one and one.servicer_ref
                                  else entry.servicer_ref))))
            except ModelError as exc:
                out.append(Diagnostic(exc.code, exc.message, entry.where))
    return messages


def summary(statements: list[Statement]) -> list[dict[str, object]]:
    """Per statement: account, currency, opening and closing balances, entry counts."""
    found: list[dict[str, object]] = []
    for s in statements:
        opening, closing = s.balance("opening"), s.balance("closing")
        currency = s.account_currency or next(
            (b.currency for b in (*opening, *closing)), "") or next(
            (e.currency for e in s.entries), "")
        found.append({
            "format": s.format, "id": s.id, "account": s.account, "currency": currency,
            "sequence": s.sequence,
            "opening_balance": str(opening[0].signed) if opening else None,
            "closing_balance": str(closing[0].signed) if closing else None,
            "opening_date": opening[0].on.isoformat() if opening and opening[0].on else None,
            "closing_date": closing[0].on.isoformat() if closing and closing[0].on else None,
            "entries": len(s.entries),
            "booked": sum(1 for e in s.entries if e.status == "BOOK"),
            "credits": str(sum((e.value or 0 for e in s.entries
                                if e.status == "BOOK" and e.direction == CREDIT), Decimal(0))),
            "debits": str(sum((e.value or 0 for e in s.entries
                               if e.status == "BOOK" and e.direction == DEBIT), Decimal(0))),
        })
    return found
