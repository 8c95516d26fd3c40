"""Structured remittance lines shared by the X12 820 (RMR/REF/DTM/ADX) and EDIFACT (DOC/MOA/RFF).

The canonical model has one remittance text; the lines an EDI payment carries are kept in
`Message.extra["edi.remittance"]` as compact JSON, and `remittance_info` gets a readable summary
("INVOICE 7321239 PAID 953.19; ...") unless the payment also carried free text. Document types
are neutral names so that an 820 can be re-issued as a PAYMUL and back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import orjson

from hub.model.construct import direct_init

EXTRA_KEY = "edi.remittance"

# neutral document type <-> X12 RMR01 qualifier <-> EDIFACT DOC 1001 code
DOC_TYPES: tuple[tuple[str, str, str], ...] = (
    ("invoice", "IV", "380"),
    ("credit_note", "CM", "381"),
    ("debit_note", "DM", "383"),
    ("order", "PO", "220"),
)
X12_TO_DOC = {x12: name for name, x12, _ in DOC_TYPES}
DOC_TO_X12 = {name: x12 for name, x12, _ in DOC_TYPES}
EDIFACT_TO_DOC = {ed: name for name, _, ed in DOC_TYPES}
DOC_TO_EDIFACT = {name: ed for name, _, ed in DOC_TYPES}


@direct_init
@dataclass(frozen=True, kw_only=True, slots=True)
class RemittanceLine:
    doc_type: str  # a DOC_TYPES name, or "x12:<qualifier>" / "edifact:<code>"
    reference: str
    amount: Decimal | None = None  # amount paid against the document
    invoice_amount: Decimal | None = None
    discount: Decimal | None = None
    doc_date: date | None = None
    references: tuple[tuple[str, str], ...] = ()  # (qualifier, value) as the format wrote them
    adjustments: tuple[tuple[Decimal, str], ...] = ()  # (amount, reason code)

    def to_data(self) -> dict[str, object]:
        return line_data(self.doc_type, self.reference, self.amount, self.invoice_amount,
                         self.discount, self.doc_date, self.references, self.adjustments)

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> RemittanceLine:
        def dec(name: str) -> Decimal | None:
            value = data.get(name)
            return Decimal(str(value)) if value is not None else None

        refs = data.get("refs") or []
        adj = data.get("adj") or []
        assert isinstance(refs, list) and isinstance(adj, list)
        raw_date = data.get("date")
        return cls(doc_type=str(data["type"]), reference=str(data["ref"]), amount=dec("amount"),
                   invoice_amount=dec("invoice_amount"), discount=dec("discount"),
                   doc_date=date.fromisoformat(str(raw_date)) if raw_date else None,
                   references=tuple((str(q), str(v)) for q, v in refs),
                   adjustments=tuple((Decimal(str(a)), str(r)) for a, r in adj))

    def text(self) -> str:
        return line_text(self.to_data())


def line_data(doc_type: str, reference: str, amount: Decimal | None = None,
              invoice_amount: Decimal | None = None, discount: Decimal | None = None,
              doc_date: date | None = None, references: Sequence[Sequence[str]] = (),
              adjustments: Sequence[tuple[Decimal, str]] = ()) -> dict[str, object]:
    """One line in its JSON form (an item of `extra["edi.remittance"]`)."""
    data: dict[str, object] = {"type": doc_type, "ref": reference}
    if amount is not None:
        data["amount"] = str(amount)
    if invoice_amount is not None:
        data["invoice_amount"] = str(invoice_amount)
    if discount is not None:
        data["discount"] = str(discount)
    if doc_date is not None:
        data["date"] = doc_date.isoformat()
    if references:
        data["refs"] = [list(pair) for pair in references]
    if adjustments:
        data["adj"] = [[str(value), reason] for value, reason in adjustments]
    return data


def line_text(data: Mapping[str, object]) -> str:
    """A line in its JSON form for a person: "INVOICE 7321239 PAID 953.19"."""
    out = f"{str(data['type']).rpartition(':')[2].upper()} {data['ref']}"
    if "amount" in data:
        out += f" PAID {data['amount']}"
    return out


def dumps(lines: Sequence[RemittanceLine]) -> str:
    return orjson.dumps([line.to_data() for line in lines]).decode()


def loads(text: str) -> list[RemittanceLine]:
    """Lines from `extra["edi.remittance"]`; raises ValueError when the JSON is not lines."""
    try:
        data = orjson.loads(text)
        if not isinstance(data, list):
            raise ValueError("not a list")
        return [RemittanceLine.from_data(item) for item in data]
    except (orjson.JSONDecodeError, KeyError, TypeError, ArithmeticError, AssertionError) as exc:
        raise ValueError(f"{EXTRA_KEY} is not a list of remittance lines: {exc}") from None


def summary(lines: Sequence[RemittanceLine]) -> str:
    return "; ".join(line.text() for line in lines)


def canonical_fields(lines: Sequence[RemittanceLine], free_text: str | None
                     ) -> tuple[str | None, dict[str, str]]:
    """(remittance_info, extra entries) for a payment with these lines and free text."""
    return canonical_data([line.to_data() for line in lines], free_text)


def canonical_data(lines: Sequence[Mapping[str, object]], free_text: str | None
                   ) -> tuple[str | None, dict[str, str]]:
    """`canonical_fields` for lines in their JSON form."""
    if not lines:
        return free_text or None, {}
    extra = {EXTRA_KEY: orjson.dumps(lines).decode()}
    return (free_text if free_text else "; ".join(map(line_text, lines))), extra


def from_message(remittance_info: str | None, extra: Mapping[str, str]
                 ) -> tuple[list[RemittanceLine], str | None]:
    """(structured lines, free text still to write) for a canonical message."""
    lines = loads(extra[EXTRA_KEY]) if EXTRA_KEY in extra else []
    free = remittance_info
    if lines and free == summary(lines):
        free = None
    return lines, free
