"""Reading the ISO 20022 building blocks shared by every message: agents, parties, accounts,
postal addresses, amounts and code-or-proprietary choices.

Every function takes the element (or None) and the namespace prefix "{urn:...}" of the
Document, and returns canonical values. Element names are the standard's own abbreviations.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from uuid import UUID

from lxml.etree import _Element as Element

from hub.errors import ModelError
from hub.model import Agent, Money, Party, PostalAddress


@lru_cache(maxsize=8192)
def q(p: str, path: str) -> str:
    """'A/B' under namespace prefix p -> '{ns}A/{ns}B' (cached: paths are a small fixed set)."""
    return "/".join(p + step for step in path.split("/"))


@lru_cache(maxsize=8192)
def steps(p: str, path: str) -> tuple[str, ...]:
    """'A/B' under namespace prefix p -> ('{ns}A', '{ns}B')."""
    return tuple(p + step for step in path.split("/"))


def first(el: Element, p: str, path: str) -> Element | None:
    """`el.find(q(p, path))` without ElementPath's Python-level machinery: the first match in
    document order, walking children with lxml's C-level tag filter."""
    tags = steps(p, path)
    node = el
    for tag in tags:  # the usual case: the first child of each name leads to the match
        for child in node.iterchildren(tag):
            node = child
            break
        else:
            break
    else:
        return node
    # a dead end: an earlier step may repeat, search every branch in document order
    return _first(el, tags, 0) if node is not el else None


def _first(el: Element, tags: tuple[str, ...], i: int) -> Element | None:
    last = i == len(tags) - 1
    for child in el.iterchildren(tags[i]):
        if last:
            return child
        found = _first(child, tags, i + 1)
        if found is not None:
            return found
    return None


def first_text(el: Element, p: str, path: str) -> str | None:
    """`el.findtext(q(p, path))`: the text ('' when empty) of the first match, else None."""
    found = first(el, p, path)
    return None if found is None else (found.text or "")


class Children:
    """`first` / `first_text` with each element's children indexed by tag once: the lookups of
    one decode (header, structure, profile rules) share the index instead of walking the same
    children again. Holding the elements keeps their lxml proxies, and so the keys, stable."""

    __slots__ = ("_index",)

    def __init__(self) -> None:
        self._index: dict[Element, dict[str, Element]] = {}

    def first(self, el: Element, p: str, path: str) -> Element | None:
        node = el
        index = self._index
        for tag in steps(p, path):
            by_tag = index.get(node)
            if by_tag is None:
                by_tag = index[node] = kids(node)
            found = by_tag.get(tag)
            if found is None:
                # nothing at the first step: no match; deeper: another branch may have one
                return None if node is el else first(el, p, path)
            node = found
        return node

    def text(self, el: Element, p: str, path: str) -> str | None:
        """`first_text` through the index."""
        found = self.first(el, p, path)
        return None if found is None else (found.text or "")


def text(el: Element | None, p: str, path: str) -> str | None:
    if el is None:
        return None
    found = first(el, p, path)
    return found.text if found is not None else None


def texts(el: Element | None, p: str, path: str) -> list[str]:
    if el is None:
        return []
    return [e.text or "" for e in el.iterfind(q(p, path))]


def money(el: Element | None) -> Money | None:
    if el is None:
        return None
    raw, currency = el.text or "", el.get("Ccy") or ""
    try:
        return Money(value=Decimal(raw.strip()), currency=currency)
    except InvalidOperation:
        raise ModelError(f"{raw!r} is not an amount", code="MODEL.AMOUNT") from None


def iso_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ModelError(f"{value!r} is not an ISO date", code="MODEL.DATE") from None


def iso_datetime(value: str | None) -> datetime | None:
    """ISODateTime; a value without offset is read as UTC (the XSD allows local times)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ModelError(f"{value!r} is not an ISO date-time", code="MODEL.DATE") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def uuid4(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise ModelError(f"{value!r} is not a UUID", code="MODEL.UETR") from None


def kids(el: Element | None) -> dict[str, Element]:
    """The children of an element by tag (first of each): one C-level pass, then dict lookups,
    several times faster than repeated find() calls."""
    found: dict[str, Element] = {}
    if el is not None:
        for child in el:
            tag = child.tag
            if tag not in found:
                found[tag] = child
    return found


def val(el: Element | None) -> str | None:
    return None if el is None else (el.text or "")


def choice(el: Element | None, p: str) -> tuple[str | None, bool]:
    """A Cd/Prtry choice: (value, is_proprietary)."""
    if el is None:
        return None, False
    for child in el:
        return child.text or "", child.tag == p + "Prtry"
    return None, False


_ADDRESS_FIELDS = {"StrtNm": "street_name", "BldgNb": "building_number", "PstCd": "post_code",
                   "TwnNm": "town_name", "CtrySubDvsn": "country_sub_division",
                   "Ctry": "country"}


def address(el: Element | None, p: str) -> PostalAddress | None:
    if el is None:
        return None
    values: dict[str, str] = {}
    lines: list[str] = []
    cut = len(p)
    for child in el:
        tag = child.tag[cut:]
        if tag == "AdrLine":
            lines.append(child.text or "")
        elif tag in _ADDRESS_FIELDS:
            values[_ADDRESS_FIELDS[tag]] = child.text or ""
    if not values and not lines:
        return None
    return PostalAddress(lines=tuple(lines), **values)


def account(el: Element | None, p: str) -> str | None:
    """CashAccount: Id/IBAN or Id/Othr/Id."""
    if el is None:
        return None
    for ident in el:
        if ident.tag == p + "Id":
            for choice_el in ident:
                if choice_el.tag == p + "IBAN":
                    return choice_el.text
                for inner in choice_el:
                    if inner.tag == p + "Id":
                        return inner.text
    return None


def agent(el: Element | None, p: str, acct: Element | None = None) -> Agent | None:
    """BranchAndFinancialInstitutionIdentification (and the account held there)."""
    if el is None:
        return None
    fi = None
    for child in el:
        if child.tag == p + "FinInstnId":
            fi = child
            break
    if fi is None:
        return None
    bic = name = system = member = None
    postal = None
    cut = len(p)
    for child in fi:
        tag = child.tag[cut:]
        if tag in ("BICFI", "BIC"):
            bic = child.text
        elif tag == "ClrSysMmbId":
            for part in child:
                if part.tag == p + "MmbId":
                    member = part.text
                else:
                    system, _ = choice(part, p)
        elif tag == "Nm":
            name = child.text
        elif tag == "PstlAdr":
            postal = address(child, p)
    return Agent(bic=bic, name=name, account=account(acct, p), clearing_system=system,
                 member_id=member, address=postal)


def party(el: Element | None, p: str, acct: Element | None = None) -> Party | None:
    """PartyIdentification135 (and the account it holds)."""
    if el is None:
        return None
    name = bic = identifier = scheme = residence = None
    postal = None
    cut = len(p)
    for child in el:
        tag = child.tag[cut:]
        if tag == "Nm":
            name = child.text
        elif tag == "PstlAdr":
            postal = address(child, p)
        elif tag == "CtryOfRes":
            residence = child.text
        elif tag == "Id":
            for holder in child:  # OrgId or PrvtId
                k = kids(holder)
                bic = val(k.get(p + "AnyBIC"))
                other = k.get(p + "Othr")
                if other is not None:
                    ok = kids(other)
                    identifier = val(ok.get(p + "Id"))
                    scheme, _ = choice(ok.get(p + "SchmeNm"), p)
                elif (lei := val(k.get(p + "LEI"))) is not None:
                    identifier, scheme = lei, "LEI"
    return Party(name=name, account=account(acct, p), address=postal, bic=bic,
                 identifier=identifier, identifier_scheme=scheme,
                 country_of_residence=residence)


def fi_party(el: Element | None, p: str, acct: Element | None = None) -> Party | None:
    """A financial institution in a party's place (pacs.009 Dbtr/Cdtr) as a canonical Party."""
    found = agent(el, p)
    if found is None:
        return None
    identifier = found.member_id
    return Party(name=found.name, bic=found.bic, account=account(acct, p), address=found.address,
                 identifier=identifier,
                 identifier_scheme=found.clearing_system if identifier else None)


def party40(el: Element | None, p: str) -> Party | None:
    """Party40Choice: a party (Pty) or an institution (Agt)."""
    if el is None:
        return None
    pty = el.find(p + "Pty")
    if pty is not None:
        return party(pty, p)
    return fi_party(el.find(p + "Agt"), p)
