"""Canonical parties, addresses and remittance lines <-> the records the EDI grammar reads and
writes. Both families name these fields alike (`debtor.name`, `creditor.address.lines`,
`lines[].reference` …), so the 820 and the EDIFACT payment messages share this code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from hub.codecs.edi.remittance import RemittanceLine, line_data
from hub.model import Agent, Party, PostalAddress

ZERO = Decimal(0)
ADDRESS_KEYS = ("town_name", "country_sub_division", "post_code", "country")


@dataclass(frozen=True, slots=True)
class Keys:
    """The record keys of one role's party fields (`debtor.name` …), spelled once per role."""

    name: str
    account: str
    identifier: str
    identifier_scheme: str
    lines: str
    address: tuple[str, ...]  # ADDRESS_KEYS under the role
    any_address: frozenset[str]  # lines and ADDRESS_KEYS


@dataclass(slots=True)
class Shared:
    """Frozen parties and banks that the payments of one interchange share: the ordering
    customer and its bank usually repeat in every one of them."""

    parties: dict[tuple[Any, ...], Party] = field(default_factory=dict)
    agents: dict[tuple[Any, ...], Agent] = field(default_factory=dict)


@cache
def keys(role: str) -> Keys:
    address = tuple(f"{role}.address.{k}" for k in ADDRESS_KEYS)
    return Keys(f"{role}.name", f"{role}.account", f"{role}.identifier",
                f"{role}.identifier_scheme", f"{role}.address.lines", address,
                frozenset((f"{role}.address.lines", *address)))


def address(record: Mapping[str, Any], role: str, lines: Sequence[str] | None = None
            ) -> PostalAddress | None:
    """The role's postal address; `lines`, when given, replace the record's own lines."""
    k = keys(role)
    if lines is None:
        if record.keys().isdisjoint(k.any_address):
            return None
        lines = record.get(k.lines, ())
    town, division, post_code, country = map(record.get, k.address)
    if not (lines or town or division or post_code or country):
        return None
    return PostalAddress(lines=tuple(lines), town_name=town, country_sub_division=division,
                         post_code=post_code, country=country)


def party(record: Mapping[str, Any], role: str, name: str | None = None,
          lines: Sequence[str] | None = None, shared: Shared | None = None) -> Party | None:
    """The party a record names under `role` (None when it names nothing of it); `name` and
    address `lines`, when given, replace the record's own."""
    k = keys(role)
    get = record.get
    if name is None:
        name = get(k.name)
    account = get(k.account)
    identifier = get(k.identifier)
    where = None if lines is None and record.keys().isdisjoint(k.any_address) else \
        address(record, role, lines)
    if name is None and account is None and identifier is None and where is None:
        return None
    scheme = get(k.identifier_scheme)
    if shared is None:
        return Party(name=name, account=account, identifier=identifier,
                     identifier_scheme=scheme, address=where)
    key = (name, account, identifier, scheme, where)
    found = shared.parties.get(key)
    if found is None:
        found = shared.parties[key] = Party(name=name, account=account, identifier=identifier,
                                            identifier_scheme=scheme, address=where)
    return found


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
          ) -> list[dict[str, object]]:
    """Remittance lines, in their JSON form, from the `lines` records (document type read
    through `doc_types`)."""
    out = []
    for line in record.get("lines", ()):
        get = line.get
        code = get("doc_type", "")
        doc_type = doc_types.get(code)
        refs = get("references")
        adjustments = get("adjustments")
        out.append(line_data(
            f"{family}:{code}" if doc_type is None else doc_type, get("reference", ""),
            get("amount"), get("invoice_amount"), get("discount"), get("doc_date"),
            [(r.get("qualifier", ""), r.get("value", "")) for r in refs] if refs else (),
            [(a.get("amount", ZERO), a.get("reason", "")) for a in adjustments]
            if adjustments else ()))
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
