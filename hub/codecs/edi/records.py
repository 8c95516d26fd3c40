"""Canonical parties, addresses and remittance lines <-> the records the EDI grammar reads and
writes. Both families name these fields alike (`debtor.name`, `creditor.address.lines`,
`lines[].reference` …), so the 820 and the EDIFACT payment messages share this code."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hub.codecs.edi.remittance import RemittanceLine
from hub.model import Party, PostalAddress

ZERO = Decimal(0)
ADDRESS_KEYS = ("town_name", "country_sub_division", "post_code", "country")


def address(record: Mapping[str, Any], role: str) -> PostalAddress | None:
    lines = tuple(record.get(f"{role}.address.lines", ()))
    parts = {k: record.get(f"{role}.address.{k}") for k in ADDRESS_KEYS}
    if not lines and not any(parts.values()):
        return None
    return PostalAddress(lines=lines, **parts)


def party(record: Mapping[str, Any], role: str) -> Party | None:
    """The party a record names under `role` (None when it names nothing of it)."""
    name = record.get(f"{role}.name")
    account = record.get(f"{role}.account")
    identifier = record.get(f"{role}.identifier")
    where = address(record, role)
    if name is None and account is None and identifier is None and where is None:
        return None
    return Party(name=name, account=account, identifier=identifier,
                 identifier_scheme=record.get(f"{role}.identifier_scheme"), address=where)


def put_address(record: dict[str, Any], role: str, where: PostalAddress | None,
                max_lines: int) -> None:
    if where is None:
        return
    if where.lines:
        record[f"{role}.address.lines"] = list(where.lines[:max_lines])
    for key in ADDRESS_KEYS:
        if (value := getattr(where, key)) is not None:
            record[f"{role}.address.{key}"] = value


def lines(record: Mapping[str, Any], doc_types: Mapping[str, str], family: str
          ) -> list[RemittanceLine]:
    """Remittance lines from the `lines` records (document type read through `doc_types`)."""
    out = []
    for line in record.get("lines", ()):
        code = line.get("doc_type", "")
        out.append(RemittanceLine(
            doc_type=doc_types.get(code, f"{family}:{code}"), reference=line.get("reference", ""),
            amount=line.get("amount"), invoice_amount=line.get("invoice_amount"),
            discount=line.get("discount"), doc_date=line.get("doc_date"),
            references=tuple((r.get("qualifier", ""), r.get("value", ""))
                             for r in line.get("references", ())),
            adjustments=tuple((a.get("amount", ZERO), a.get("reason", ""))
                              for a in line.get("adjustments", ()))))
    return out


def put_lines(record: dict[str, Any], remittance: list[RemittanceLine],
              doc_codes: Mapping[str, str], family: str, default: str) -> None:
    out = []
    prefix = f"{family}:"
    for line in remittance:
        code = (line.doc_type[len(prefix):] if line.doc_type.startswith(prefix)
                else doc_codes.get(line.doc_type, default))
        item: dict[str, Any] = {"doc_type": code, "reference": line.reference}
        for key in ("amount", "invoice_amount", "discount", "doc_date"):
            if (value := getattr(line, key)) is not None:
                item[key] = value
        if line.references:
            item["references"] = [{"qualifier": q, "value": v} for q, v in line.references]
        if line.adjustments:
            item["adjustments"] = [{"amount": a, "reason": r} for a, r in line.adjustments]
        out.append(item)
    if out:
        record["lines"] = out
