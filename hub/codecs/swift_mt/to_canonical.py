"""MT fields to the canonical model (choices recorded in docs/formats/swift-mt.md).

Works on the components the grammar check already parsed, so nothing is read twice. A value
that the canonical model refuses (an amount with too many decimals, say) has already been
reported by the field checks; the mapping then leaves that element out rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from uuid import UUID

from hub.codecs.swift_mt import rejects
from hub.codecs.swift_mt.envelope import FinMessage
from hub.codecs.swift_mt.fields import FORMATS
from hub.codecs.swift_mt.rules import View
from hub.codecs.swift_mt.syntax import date6
from hub.errors import ModelError
from hub.ids import V4_BITS, V4_MASK, uuid_from_text
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress

CHARGES = {"OUR": ChargeBearer.DEBT, "BEN": ChargeBearer.CRED, "SHA": ChargeBearer.SHAR}
# "//XX..." national clearing codes in party identifiers -> ISO ExternalClearingSystem codes
CLEARING = {"FW": "USABA", "CP": "USPID", "SC": "GBDSC", "BL": "DEBLZ", "AT": "ATBLZ",
            "CH": "CHSIC", "SW": "CHBCC", "ES": "ESNCC", "IT": "ITNCC", "AU": "AUBSB",
            "CC": "CACPA", "IE": "IENCC", "PT": "PTNCC", "RU": "RUCBC", "NZ": "NZNCC"}
KIND = {"mt103": Kind.CUSTOMER_CREDIT_TRANSFER, "mt202": Kind.FI_CREDIT_TRANSFER,
        "mt205": Kind.FI_CREDIT_TRANSFER, "mt202cov": Kind.COVER, "mt205cov": Kind.COVER,
        "mt760": Kind.UNDERTAKING, "mt199": Kind.FREE_FORMAT, "mt299": Kind.FREE_FORMAT,
        "mt192": Kind.CANCELLATION, "mt292": Kind.CANCELLATION, "mt196": Kind.STATUS_REPORT,
        "mt296": Kind.STATUS_REPORT, "mt900": Kind.STATUS_REPORT, "mt910": Kind.STATUS_REPORT}


Fields = dict[str, Any]  # keyword arguments of the Message being built
Parts = Mapping[str, str | None]


@lru_cache(maxsize=1024)
def _money(currency: str | None, amount: str | None) -> Money | None:
    """The Money of an MT amount ("1234,5"), None when there is none or the model refuses it.
    Amounts recur (33B repeating 32A, the usual charges) and Money is immutable: kept and
    shared."""
    if not currency or not amount:
        return None
    try:
        return Money(value=Decimal(amount.replace(",", ".")), currency=currency)
    except (ModelError, InvalidOperation):
        return None


def _address(lines: list[str]) -> PostalAddress | None:
    return PostalAddress(lines=tuple(lines)) if lines else None


# 50F/59F numbered lines in their usual order: 1/ name lines, 2/ address lines, then 3/
# country[/town] and lines continuing the town (the fields' text has no other line breaks)
_ORDERED_LINES = re.compile(r"1/(?P<name>[^\n]*(?:\n1/[^\n]*)*)"
                            r"(?:\n2/(?P<street>[^\n]*(?:\n2/[^\n]*)*))?"
                            r"(?:\n3/(?P<country>[^/\n]*)(?:/(?P<town>[^\n]*))?"
                            r"(?P<more_town>(?:\n3/[^\n]*)*))?")


def _structured(name_address: str) -> tuple[str | None, PostalAddress | None, dict[str, str]]:
    """50F/59F numbered lines: 1/ name, 2/ address, 3/ country/town; 4-8/ go to extra."""
    ordered = _ORDERED_LINES.fullmatch(name_address)
    if ordered is None:
        return _numbered_lines(name_address.split("\n"))
    name, street, country, town, more_town = ordered.groups()
    if street is None and not country:
        return name.replace("\n1/", "") or None, None, {}
    if more_town:
        town = (town or "") + more_town.replace("\n3/", "")
    return (name.replace("\n1/", "") or None,
            _postal_address(tuple(street.split("\n2/")) if street is not None else (), country,
                            town),
            {})


def _numbered_lines(party_lines: list[str]) -> tuple[str | None, PostalAddress | None,
                                                      dict[str, str]]:
    """`_structured` line by line, for lines in any order and numbers 4-8."""
    names: list[str] = []
    street: list[str] = []
    town: list[str] = []
    country: str | None = None
    other: dict[str, str] = {}
    for line in party_lines:
        number, _, text = line.partition("/")
        if number == "1":
            names.append(text)
        elif number == "2":
            street.append(text)
        elif number == "3":
            if country is None:
                country, _, rest = text.partition("/")
                town.append(rest)
            else:
                town.append(text)
        else:
            other[number] = (other[number] + "\n" + text) if number in other else text
    address = None
    if street or country:
        address = _postal_address(tuple(street), country, "".join(town))
    return ("".join(names) or None), address, other


def _postal_address(street: tuple[str, ...], country: str | None,
                    town: str | None) -> PostalAddress:
    """The address of 2/ and 3/ lines; without the country when the model refuses it."""
    try:
        return PostalAddress(lines=street, country=country or None, town_name=town or None)
    except ModelError:
        return PostalAddress(lines=street)


def party(tag: str, parts: Parts | None) -> tuple[Party | None, dict[str, str]]:
    """The Party of a 50a or 59a field, and what goes to `extra` (50F/59F lines 4-8)."""
    extra: dict[str, str] = {}
    return (_party(tag, parts, extra) if parts else None), extra


def _party(tag: str, parts: Parts, extra: dict[str, str]) -> Party:
    account = parts.get("account")
    letter = tag[2:]
    if letter == "A":
        return Party(account=account, bic=parts.get("bic"))
    name_address = parts.get("name_address")
    if letter != "F":
        lines = name_address.split("\n") if name_address else []
        return Party(name=lines[0] if lines else None, account=account,
                     address=_address(lines[1:]))
    identifier = parts.get("party_identifier")
    scheme = ident = None
    if identifier is not None:
        if identifier.startswith("/"):
            account = identifier[1:]
        else:
            code, _, rest = identifier.partition("/")
            country, _, ident = rest.partition("/")
            scheme = f"{code}/{country}"
    name, address, other = _structured(name_address) if name_address else (None, None, {})
    for number, text in other.items():
        extra[f"mt.{tag}.{number}"] = text
    return Party(name=name, account=account, address=address, identifier=ident,
                 identifier_scheme=scheme)


def agent(tag: str, parts: Parts | None) -> Agent | None:
    if not parts:
        return None
    letter = tag[2:]
    if letter == "A":
        return agent_a(parts.get("bic"), parts.get("account"))
    account, clearing, member = _clearing(parts.get("account"))
    if letter == "D":
        lines = (parts.get("name_address") or "").split("\n")
        return Agent(name=lines[0] or None, account=account, address=_address(lines[1:]),
                     clearing_system=clearing, member_id=member)
    if letter == "B":
        location = parts.get("location")
        return Agent(account=account, address=_address([location] if location else []),
                     clearing_system=clearing, member_id=member)
    return Agent(account=account, clearing_system=clearing, member_id=member)


def _clearing(account: str | None) -> tuple[str | None, str | None, str | None]:
    """(account, clearing system, member id): "//FW021000018" is a clearing code, not an
    account."""
    if account and account.startswith("/") and len(account) > 3:
        code = account[1:3]
        if code in CLEARING:
            return None, CLEARING[code], account[3:]
    return account, None, None


@lru_cache(maxsize=4096)
def agent_a(bic: str | None, account: str | None) -> Agent:
    """An option A agent. Correspondents repeat, and an Agent is immutable: kept and shared."""
    account, clearing, member = _clearing(account)
    return Agent(bic=bic, account=account, clearing_system=clearing, member_id=member)


def _uetr(msg: FinMessage) -> UUID | None:
    return _uuid4(msg.user_value("121"))


def _date(text: str | None):  # type: ignore[no-untyped-def]
    return date6(text) if text else None


# --- one handler per field tag ----------------------------------------------------------------
# handler(fields, target, tag, value, seq, parts): `fields` are the Message's keyword arguments,
# `target` the same or, for sequence B of a cover, those of the customer transfer it carries;
# fields["extra"] is the extra dict and fields["kind"] the kind being mapped.
Handler = Callable[[Fields, Fields, str, str, str, Parts], None]


def _other(fields: Fields, target: Fields, tag: str, value: str, seq: str, parts: Parts) -> None:
    """A field with no canonical home: kept in extra as "mt.<tag>", repeats joined by lines."""
    extra: dict[str, str] = fields["extra"]
    key = f"mt.{tag}"
    extra[key] = value if key not in extra else extra[key] + "\n" + value


def _reference(fields: Fields, target: Fields, tag: str, value: str, seq: str,
               parts: Parts) -> None:
    if seq in ("A", "B"):
        fields["instruction_id"] = value


def _bank_operation(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                    parts: Parts) -> None:
    if fields["kind"] is not Kind.CUSTOMER_CREDIT_TRANSFER:
        _other(fields, target, tag, value, seq, parts)
    elif value != "CRED":
        fields["service_level"] = value


def _value_date_amount(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                       parts: Parts) -> None:
    fields["settlement_date"] = date6(parts.get("date") or "")
    fields["amount"] = _money(parts.get("currency"), parts.get("amount"))


def _customer(role: str) -> Handler:
    """50a (debtor) and 59a (creditor); an undertaking keeps them in extra."""
    def handle(fields: Fields, target: Fields, tag: str, value: str, seq: str,
               parts: Parts) -> None:
        if fields["kind"] is Kind.UNDERTAKING:
            _other(fields, target, tag, value, seq, parts)
            return
        more: dict[str, str] = {}
        target[role] = _party(tag, parts, more) if parts else None
        if more:
            fields["extra"].update(more)
    return handle


def _ordering_institution(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                          parts: Parts) -> None:
    """52a: the debtor of an institution transfer (sequence A), else the debtor's agent."""
    if fields["kind"] in (Kind.FI_CREDIT_TRANSFER, Kind.COVER) and seq == "A":
        fields["debtor"] = _as_party(agent(tag, parts))
    else:
        target["debtor_agent"] = agent(tag, parts)


def _intermediary(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                  parts: Parts) -> None:
    found = agent(tag, parts)
    if found is not None:
        target.setdefault("intermediary_agents", []).append(found)


def _agent_to(name: str, into_target: bool = False) -> Handler:
    """53a, 54a, 55a, 57a: an agent in its Message field (57a in the cover's sequence B too)."""
    def handle(fields: Fields, target: Fields, tag: str, value: str, seq: str,
               parts: Parts) -> None:
        (target if into_target else fields)[name] = agent(tag, parts)
    return handle


def _beneficiary_institution(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                             parts: Parts) -> None:
    fields["creditor"] = _as_party(agent(tag, parts))


def _as_party(found: Agent | None) -> Party | None:
    if found is None:
        return None
    return Party(bic=found.bic, account=found.account, name=found.name, address=found.address)


def _text_to(name: str, into_target: bool, joined: bool = False) -> Handler:
    """A text field in its Message field; `joined`: its lines run together (field 70)."""
    def handle(fields: Fields, target: Fields, tag: str, value: str, seq: str,
               parts: Parts) -> None:
        (target if into_target else fields)[name] = value.replace("\n", "") if joined else value
    return handle


def _money_to(name: str, into_target: bool = False) -> Handler:
    def handle(fields: Fields, target: Fields, tag: str, value: str, seq: str,
               parts: Parts) -> None:
        (target if into_target else fields)[name] = _money(parts.get("currency"),
                                                           parts.get("amount"))
    return handle


def _details_of_charges(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                        parts: Parts) -> None:
    fields["charge_bearer"] = CHARGES.get(value)


def _sender_charges(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                    parts: Parts) -> None:
    money = _money(parts.get("currency"), parts.get("amount"))
    if money is not None:
        fields.setdefault("charges", []).append(money)


def _instruction_code(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                      parts: Parts) -> None:
    fields.setdefault("instructions", []).append(value)


def _exchange_rate(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                   parts: Parts) -> None:
    fields["exchange_rate"] = value.replace(",", ".")


def _answers(fields: Fields, target: Fields, tag: str, value: str, seq: str,
             parts: Parts) -> None:
    fields["status"] = value[1:5] if value.startswith("/") else None
    fields["reason_text"] = value


def _account_identification(fields: Fields, target: Fields, tag: str, value: str, seq: str,
                            parts: Parts) -> None:
    holder = Party(account=parts.get("account"))
    fields["debtor" if fields["format"] == "mt900" else "creditor"] = holder
    if parts.get("bic"):
        fields["extra"][f"mt.{tag}.bic"] = parts["bic"] or ""


_BY_TAG: dict[str, Handler] = {
    "20": _reference,
    "21": _text_to("related_reference", into_target=False),
    "23B": _bank_operation,
    "23E": _instruction_code,
    "25": _account_identification,
    "25P": _account_identification,
    "26T": _text_to("purpose", into_target=False),
    "32A": _value_date_amount,
    "32B": _money_to("amount"),
    "33B": _money_to("instructed_amount", into_target=True),
    "36": _exchange_rate,
    "70": _text_to("remittance_info", into_target=True, joined=True),
    "71A": _details_of_charges,
    "71F": _sender_charges,
    "71G": _money_to("receiver_charges"),
    "72": _text_to("narrative", into_target=True),
    "76": _answers,
    "79": _text_to("narrative", into_target=True),
}
_BY_NUMBER: dict[str, Handler] = {
    "50": _customer("debtor"),
    "52": _ordering_institution,
    "53": _agent_to("instructing_reimbursement_agent"),
    "54": _agent_to("instructed_reimbursement_agent"),
    "55": _agent_to("third_reimbursement_agent"),
    "56": _intermediary,
    "57": _agent_to("creditor_agent", into_target=True),
    "58": _beneficiary_institution,
    "59": _customer("creditor"),
}
# every tag with a field format: the only ones with parts, so the only ones handled
HANDLERS: dict[str, Handler] = {tag: _BY_TAG.get(tag) or _BY_NUMBER.get(tag[:2]) or _other
                                for tag in FORMATS}
_COPIES = frozenset({"mt192", "mt292", "mt196", "mt296"})  # formats that copy other messages'
_LISTS = ("intermediary_agents", "instructions", "charges")  # gathered as lists, kept as tuples


def to_message(format: str, msg: FinMessage, view: View) -> Message:
    """The canonical message for a checked FIN message of `format`."""
    kind = KIND[format]
    extra: dict[str, str] = {}
    fields: Fields = {"kind": kind, "format": format, "uetr": _uetr(msg), "extra": extra}
    sender, receiver = view.sender, view.receiver
    if sender:
        fields["instructing_agent"] = agent_a(sender, None)
    if receiver:
        fields["instructed_agent"] = agent_a(receiver, None)
    cover = kind is Kind.COVER
    under: Fields = {}
    undertaking = kind is Kind.UNDERTAKING
    copies = format in _COPIES
    for tag, value, seq, parts in zip(view.tags, view.values, view.seqs, view.parts,
                                      strict=True):
        if undertaking:
            extra[f"mt760.{seq}.{tag}"] = value
        if parts is None:
            if seq == "?" or copies:
                extra["mt.copy"] = extra.get("mt.copy", "") + f":{tag}:{value}\n"
            continue
        HANDLERS[tag](fields, under if cover and seq == "B" else fields, tag, value, seq, parts)
    for name in _LISTS:
        if name in fields:
            fields[name] = tuple(fields[name])
    if format == "mt900":
        fields["status"] = "DBIT"
    elif format == "mt910":
        fields["status"] = "CRDT"
    if flag := msg.user_value("119"):
        extra["mt.119"] = flag
    if cover:
        if "intermediary_agents" in under:
            under["intermediary_agents"] = tuple(under["intermediary_agents"])
        under.setdefault("amount", fields.get("amount"))
        under.setdefault("settlement_date", fields.get("settlement_date"))
        fields["underlying"] = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, format=format,
                                       uetr=fields["uetr"], **under)
    if format in ("mt199", "mt299"):
        _reject_return(fields, extra)
    fields["extra"] = MappingProxyType(extra)  # read-only from here: the Message takes it as is
    return Message(**fields)


def _reject_return(fields: Fields, extra: dict[str, str]) -> None:
    """An MT 199/299 whose field 79 follows the reject/return guideline is the answer to the
    message it names: a status report RJCT (/REJT/) or a return (/RETN/). Field 79 stays in
    `narrative`, so the message is written back unchanged."""
    text = fields.get("narrative")
    if not isinstance(text, str) or not rejects.is_reject_return(text):
        return
    found = rejects.read(text)[0]
    if found is None:
        return  # reported as T80; the message stays free format
    rejected = found.kind == "REJT"
    fields["kind"] = Kind.STATUS_REPORT if rejected else Kind.RETURN
    fields["status"] = "RJCT" if rejected else None
    fields["reason_code"] = found.reason_code
    fields["reason_text"] = found.reason_text or None
    fields["original_message_id"] = found.mref
    fields.setdefault("related_reference", found.mref)
    if found.tref:
        fields["end_to_end_id"] = found.tref
    original = _uuid4(found.uetr) or fields.get("uetr")
    if original is not None:
        fields["original_uetr"] = original
    if found.charges is not None:
        money = _money(*found.charges)
        if money is not None:
            fields["charges"] = (money,)
    extra["mt.79.field"] = found.field


def _uuid4(text: str | None) -> UUID | None:
    """The UUID version 4 written in `text`, or None."""
    if not text:
        return None
    try:
        value = uuid_from_text(text)
    except ValueError:
        return None
    return value if value.int & V4_MASK == V4_BITS else None


def ack_message(msg: FinMessage, acknowledged: FinMessage | None) -> Message:
    """A service 21 ACK/NAK: status ACK or NAK, 405 reason, the acknowledged message's MIR."""
    pairs = dict(msg.system_text or ())
    nak = pairs.get("451") == "1"
    mir = None
    if "177" in pairs and msg.basic is not None:
        mir = pairs["177"][:6] + msg.basic.lt_address + msg.basic.session + msg.basic.sequence
    related = None
    uetr = None
    if acknowledged is not None and acknowledged.text:
        related = next((v for t, v in acknowledged.text if t == "20"), None)
        uetr = _uetr(acknowledged)
    extra = {f"mt.ack.{k}": v for k, v in pairs.items()}
    return Message(kind=Kind.STATUS_REPORT, format="mt-ack", status="NAK" if nak else "ACK",
                   reason_code=pairs.get("405"), original_message_id=mir or pairs.get("108"),
                   related_reference=related, original_uetr=uetr, extra=extra)
