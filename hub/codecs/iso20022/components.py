"""Reading the ISO 20022 building blocks shared by every message: agents, parties, accounts,
postal addresses, amounts and code-or-proprietary choices.

Every function takes a value in the data form (`tree`: a dict for an element with children, a
string for a leaf, None when absent) and returns canonical values. Element names are the
standard's own abbreviations.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from uuid import UUID

from hub.errors import ModelError
from hub.ids import uuid_from_text
from hub.model import Agent, Money, Party, PostalAddress


def money(value: Any) -> Money | None:
    """An amount `(text, Ccy)`."""
    if value is None:
        return None
    if type(value) is list:
        value = value[0]
    raw, currency = value if type(value) is tuple else (str(value), "")
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
        return uuid_from_text(value)
    except ValueError:
        raise ModelError(f"{value!r} is not a UUID", code="MODEL.UETR") from None


def val(value: Any) -> str | None:
    """A leaf's text (the first occurrence's); None when absent or not a leaf."""
    if type(value) is str:
        return value
    if type(value) is list:
        return val(value[0])
    return None


def choice(value: Any) -> tuple[str | None, bool]:
    """A Cd/Prtry choice: (value, is_proprietary)."""
    if type(value) is not dict:
        return None, False
    for name, item in value.items():
        return val(item), name == "Prtry"
    return None, False


_ADDRESS_FIELDS = {"StrtNm": "street_name", "BldgNb": "building_number", "PstCd": "post_code",
                   "TwnNm": "town_name", "CtrySubDvsn": "country_sub_division",
                   "Ctry": "country"}


def address(value: Any) -> PostalAddress | None:
    if type(value) is not dict:
        return None
    values: dict[str, Any] = {}
    fields = _ADDRESS_FIELDS
    for name, item in value.items():
        field = fields.get(name)
        if field is not None:
            values[field] = item if type(item) is str else val(item)
        elif name == "AdrLine":
            values["lines"] = tuple(item) if type(item) is list else (item,)
    return PostalAddress(**values) if values else None


def account(value: Any) -> str | None:
    """CashAccount: Id/IBAN or Id/Othr/Id."""
    if type(value) is not dict:
        return None
    ident = value.get("Id")
    if type(ident) is not dict:
        return None
    iban = ident.get("IBAN")
    if iban is not None:
        return val(iban)
    other = ident.get("Othr")
    return val(other.get("Id")) if type(other) is dict else None


@lru_cache(maxsize=4096)
def bic_agent(bic: str) -> Agent:
    """An institution known by its BIC alone: agents are frozen, and the same few BICs fill
    most agent positions of most messages, so one object serves them all."""
    return Agent(bic=bic)


@lru_cache(maxsize=4096)
def member_agent(system: str | None, member: str) -> Agent:
    """An institution known by its clearing member id alone (an ABA routing number, a sort
    code): on a domestic rail the same few participants fill most agent positions too."""
    return Agent(clearing_system=system, member_id=member)


def agent(value: Any, acct: Any = None) -> Agent | None:
    """BranchAndFinancialInstitutionIdentification (and the account held there)."""
    if type(value) is not dict:
        return None
    fin = value.get("FinInstnId")
    if fin is None:
        return None
    bic = name = system = member = None
    postal = None
    if type(fin) is dict:
        if acct is None and len(fin) == 1:  # the usual agents: one object per institution
            if type(bic := fin.get("BICFI")) is str:
                return bic_agent(bic)
            clearing = fin.get("ClrSysMmbId")
            if type(clearing) is dict and type(member := clearing.get("MmbId")) is str:
                system, _ = choice(clearing.get("ClrSysId"))
                return member_agent(system, member)
        bic = val(fin.get("BICFI") or fin.get("BIC"))
        clearing = fin.get("ClrSysMmbId")
        if type(clearing) is dict:
            member = val(clearing.get("MmbId"))
            system, _ = choice(clearing.get("ClrSysId"))
        name = val(fin.get("Nm"))
        postal = address(fin.get("PstlAdr"))
    return Agent(bic=bic, name=name, account=account(acct), clearing_system=system,
                 member_id=member, address=postal)


def party(value: Any, acct: Any = None) -> Party | None:
    """PartyIdentification135 (and the account it holds)."""
    if value is None:
        return None
    if type(value) is not dict:  # an empty element: the party is there, without details
        return Party(account=account(acct))
    bic = identifier = scheme = None
    ident = value.get("Id")
    if type(ident) is dict:
        for holder in ident.values():  # OrgId or PrvtId
            if type(holder) is not dict:
                continue
            bic = val(holder.get("AnyBIC"))
            other = holder.get("Othr")
            if other is not None:
                other = other[0] if type(other) is list else other
                if type(other) is dict:
                    identifier = val(other.get("Id"))
                    scheme, _ = choice(other.get("SchmeNm"))
            elif (lei := val(holder.get("LEI"))) is not None:
                identifier, scheme = lei, "LEI"
    return Party(name=val(value.get("Nm")), account=account(acct),
                 address=address(value.get("PstlAdr")), bic=bic, identifier=identifier,
                 identifier_scheme=scheme, country_of_residence=val(value.get("CtryOfRes")))


def fi_party(value: Any, acct: Any = None) -> Party | None:
    """A financial institution in a party's place (pacs.009 Dbtr/Cdtr) as a canonical Party."""
    found = agent(value)
    if found is None:
        return None
    identifier = found.member_id
    return Party(name=found.name, bic=found.bic, account=account(acct), address=found.address,
                 identifier=identifier,
                 identifier_scheme=found.clearing_system if identifier else None)


def party40(value: Any) -> Party | None:
    """Party40Choice: a party (Pty) or an institution (Agt)."""
    if type(value) is not dict:
        return None
    pty = value.get("Pty")
    if pty is not None:
        return party(pty)
    return fi_party(value.get("Agt"))
