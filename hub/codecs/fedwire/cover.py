"""The cover payment tags {7033}-{7072} <-> the underlying customer credit transfer.

A cover payment is a CTP ({3600}) with local instrument COVS ({3610}): the Fedwire transfer
settles between banks what an MT 103 or pacs.008 pays a customer elsewhere, and the cover tags
carry that customer transfer, one MT 202 COV sequence B field each: a SWIFT field tag element
(":50K:", "50K") and the field's lines. They are read and written with the SWIFT MT codec's own
field notation and canonical mapping, so a FAIM cover and an MT 202 COV give the same
`underlying` message.

A tag whose field tag or content that notation does not accept, or that carries what the
canonical model cannot (50F/59F lines 4-8), is not read into `underlying`: it stays whole in
extra["fedwire.<tag>"] and is written back as it came (decoding never guesses).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.codecs.fedwire.reader import FedwireMessage, Tag
from hub.codecs.swift_mt.fields import notation
from hub.codecs.swift_mt.from_canonical import TextFields, agent_field, party_field
from hub.codecs.swift_mt.to_canonical import agent, party
from hub.errors import ModelError
from hub.model import Kind, Message, Money

# FAIM tag -> (MT 202 COV sequence B field, its option letters, the underlying's element)
# (FAIM 3rd edition, Cover Payment Information; SWIFT MT 202 COV sequence B, SR2025)
COVER_FIELDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "7033": ("33", ("B",), "instructed_amount"),
    "7050": ("50", ("A", "F", "K"), "debtor"),
    "7052": ("52", ("A", "D"), "debtor_agent"),
    "7056": ("56", ("A", "C", "D"), "intermediary_agents"),
    "7057": ("57", ("A", "B", "C", "D"), "creditor_agent"),
    "7059": ("59", ("", "A", "F"), "creditor"),
    "7070": ("70", ("",), "remittance_info"),
    "7072": ("72", ("",), "narrative"),
}
BY_FIELD = {field: tag for tag, (field, _options, _role) in COVER_FIELDS.items()}


def field_tag(text: str) -> str:
    """The MT field tag of a {7xxx} swift field tag element: ":50K:", "50K" -> "50K"."""
    return text.strip().strip(":").strip()


def _lines(values: dict[str, str]) -> list[str]:
    lines = [values.get(f"line_{i}", "") for i in range(1, 7)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _mt_amount(money: Money) -> str:
    """SWIFT 15d: decimal comma, always present ("1500,49", "1500,")."""
    text = money.text().replace(".", ",")
    return text if "," in text else text + ","


def _amount(parts: dict[str, str]) -> Money:
    return Money(value=Decimal(parts["amount"].replace(",", ".")), currency=parts["currency"])


# How each element of the underlying message is read from its MT field's components.
_READERS: dict[str, Callable[[str, dict[str, str], str], Any]] = {
    "instructed_amount": lambda mt, parts, value: _amount(parts),
    "debtor": lambda mt, parts, value: _party(mt, parts),
    "creditor": lambda mt, parts, value: _party(mt, parts),
    "debtor_agent": lambda mt, parts, value: agent(mt, parts),
    "creditor_agent": lambda mt, parts, value: agent(mt, parts),
    "intermediary_agents": lambda mt, parts, value: (agent(mt, parts),),
    "remittance_info": lambda mt, parts, value: value.replace("\n", ""),  # as from MT field 70
    "narrative": lambda mt, parts, value: value,
}


def _party(mt: str, parts: dict[str, str]) -> Any:
    found, more = party(mt, parts)
    if more:
        raise ValueError(f"{mt} lines the canonical party does not carry")
    return found


def read_cover(m: FedwireMessage) -> tuple[dict[str, Any], list[str], list[tuple[Tag, str]]]:
    """The underlying message's elements found in the cover tags, the tags they came from, and
    each cover tag left unread with the reason."""
    found: dict[str, Any] = {}
    read: list[str] = []
    unread: list[tuple[Tag, str]] = []
    for tag, (field, options, role) in COVER_FIELDS.items():
        t = m.get(tag)
        if t is None:
            continue
        mt = field_tag(t.values.get("swift_tag", ""))
        if mt[:2] != field or mt[2:] not in options:
            unread.append((t, f"field tag {mt!r} is not one of "
                           f"{', '.join(field + o for o in options)}"))
            continue
        value = t.values.get("amount", "") if tag == "7033" else "\n".join(_lines(t.values))
        spec = notation(mt)
        parts = spec.parse(value) if spec is not None else None
        if not parts:
            shape = f" ({spec.text})" if spec is not None else ""
            unread.append((t, f"the lines are not a valid MT field {mt}{shape}"))
            continue
        try:
            element = _READERS[role](mt, parts, value)
        except (ModelError, ValueError, InvalidOperation, KeyError) as exc:
            unread.append((t, f"field {mt} cannot be read canonically: {exc}"))
            continue
        if element is not None:
            found[role] = element
            read.append(tag)
    return found, read, unread


def underlying_of(m: FedwireMessage, outer: dict[str, Any]) -> tuple[Message | None, list[str]]:
    """The customer transfer a COVS message covers (None when no cover tag could be read),
    with the amount and settlement date of the cover, as an MT 202 COV gives them."""
    found, read, _unread = read_cover(m)
    if not read:
        return None, read
    return Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="fedwire",
                   amount=outer.get("amount"), settlement_date=outer.get("settlement_date"),
                   **found), read


def write_cover(u: Message, render: Callable[[str, dict[str, str]], str]) -> dict[str, str]:
    """FAIM tag -> text for every element of the underlying message that has a value; what does
    not fit its MT field raises CodecError (CODEC.CANNOT_ENCODE)."""
    out = TextFields(truncate=False, report=None)
    if u.debtor is not None:
        party_field(out, "50", u.debtor, "underlying.debtor")
    agent_field(out, "52", u.debtor_agent, "underlying.debtor_agent",
                "".join(COVER_FIELDS["7052"][1]))
    if u.intermediary_agents:
        agent_field(out, "56", u.intermediary_agents[0], "underlying.intermediary_agents[0]",
                    "".join(COVER_FIELDS["7056"][1]))
    agent_field(out, "57", u.creditor_agent, "underlying.creditor_agent",
                "".join(COVER_FIELDS["7057"][1]))
    if u.creditor is not None:
        party_field(out, "59", u.creditor, "underlying.creditor")
    if u.remittance_info:
        out.add("70", "\n".join(out.lines(u.remittance_info.replace("\n", ""), 35, 4,
                                          "underlying.remittance_info", "70")))
    if u.narrative:
        out.add("72", "\n".join(out.lines(u.narrative, 35, 6, "underlying.narrative", "72")))
    if u.instructed_amount is not None:
        out.add("33B", u.instructed_amount.currency + _mt_amount(u.instructed_amount))
    tags: dict[str, str] = {}
    for mt, value in out.fields:
        tag = BY_FIELD[mt[:2]]
        values = {"swift_tag": f":{mt}:"}
        if tag == "7033":
            values["amount"] = value
        else:
            values.update((f"line_{i}", line) for i, line in enumerate(value.split("\n"), 1))
        tags[tag] = render(tag, values)
    return tags
