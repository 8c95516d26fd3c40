"""FAIM tags <-> canonical messages.

Business function code ({3600}) -> kind: CTR customer_credit_transfer; CTP customer_credit_transfer,
or cover when {3610} is COVS, with the cover tags {7033}-{7072} read into `underlying`
(cover.py); BTR, CKS, DEP, FFR, FFS fi_credit_transfer; DRW, DRB, DRC (drawdown requests: a
request to be paid, not a payment) and SVC free_format, with extra["fedwire.drawdown"] =
"request" or "refusal" for drawdowns. Tags with no canonical home are kept whole in
extra["fedwire.<tag>"] in `*`-delimited form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from hub.codecs.fedwire import rules as R
from hub.codecs.fedwire.cover import underlying_of, write_cover
from hub.codecs.fedwire.reader import FedwireMessage, Tag
from hub.codecs.fedwire.tags import TAGS
from hub.errors import CodecError
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress
from hub.model.message import BIC_SHAPE

CLEARING = "USABA"
KINDS = {"CTR": Kind.CUSTOMER_CREDIT_TRANSFER, "CTP": Kind.CUSTOMER_CREDIT_TRANSFER,
         "BTR": Kind.FI_CREDIT_TRANSFER, "CKS": Kind.FI_CREDIT_TRANSFER,
         "DEP": Kind.FI_CREDIT_TRANSFER, "FFR": Kind.FI_CREDIT_TRANSFER,
         "FFS": Kind.FI_CREDIT_TRANSFER, "DRW": Kind.FREE_FORMAT, "DRB": Kind.FREE_FORMAT,
         "DRC": Kind.FREE_FORMAT, "SVC": Kind.FREE_FORMAT}
# FAIM party identification codes <-> ISO 20022 identification scheme names
SCHEMES = {"1": "CCPT", "2": "TXID", "3": "DRLC", "4": "ARNU", "5": "CORP", "9": "OTHR",
           "C": "CHIPS_PARTICIPANT", "U": "CHIPS_UID"}
SCHEME_CODES = {v: k for k, v in SCHEMES.items()}
# tags the canonical model carries; every other tag goes to extra
CANONICAL = {"1520", "2000", "3100", "3400", "3320", "3500", "3700", "3710", "3720", "4000",
             "4100", "4200", "4320", "5000", "5100", "5200", "6000", "9000"}
CHARGES = {"B": ChargeBearer.CRED, "S": ChargeBearer.SHAR}
CHARGE_CODES = {v: k for k, v in CHARGES.items()}


def render(tag: str, values: Mapping[str, str]) -> str:
    """One tag's text in `*`-delimited form: fixed elements padded, variable ones ended by *."""
    out: list[str] = []
    elements = TAGS[tag][1]
    last = max((i for i, (n, _l, _k) in enumerate(elements) if values.get(n)), default=-1)
    for name, length, kind in elements[:last + 1]:
        value = values.get(name, "")
        if len(value) > length:
            raise CodecError(f"{{{tag}}} {name} is longer than {length}", location=f"{{{tag}}}",
                             code="CODEC.CANNOT_ENCODE")
        out.append(value.ljust(length) if kind == "f" else value + "*")
    return "".join(out)


def _lines(*values: str) -> PostalAddress | None:
    lines = list(values)
    while lines and not lines[-1]:
        lines.pop()
    return PostalAddress(lines=tuple(lines)) if lines else None


def _agent(t: Tag | None) -> Agent | None:
    if t is None:
        return None
    v = t.values
    code, ident = v.get("id_code", ""), v.get("identifier", "")
    address = _lines(v.get("address_1", ""), v.get("address_2", ""), v.get("address_3", ""))
    kwargs: dict[str, Any] = {"name": v.get("name") or None, "address": address}
    if code == "F":
        kwargs.update(clearing_system=CLEARING, member_id=ident)
    elif code == "B" and BIC_SHAPE.fullmatch(ident):
        kwargs["bic"] = ident
    elif code == "D":
        kwargs["account"] = ident
    elif code in ("C", "U"):
        kwargs.update(clearing_system=SCHEMES[code], member_id=ident)
    else:
        raise ValueError(f"{t.where}: identification code {code!r} cannot name an institution")
    return Agent(**kwargs)


def _party(t: Tag | None) -> Party | None:
    if t is None:
        return None
    v = t.values
    code, ident = v.get("id_code", ""), v.get("identifier", "")
    address = _lines(v.get("address_1", ""), v.get("address_2", ""), v.get("address_3", ""))
    kwargs: dict[str, Any] = {"name": v.get("name") or None, "address": address}
    if code == "D":
        kwargs["account"] = ident
    elif code in ("B", "T") and BIC_SHAPE.fullmatch(ident):
        kwargs["bic"] = ident
        if code == "T":
            kwargs["identifier_scheme"] = "T"
    elif code in SCHEMES:
        kwargs.update(identifier=ident, identifier_scheme=SCHEMES[code])
    elif code == "F":
        kwargs.update(identifier=ident, identifier_scheme=CLEARING)
    else:
        raise ValueError(f"{t.where}: identification code {code!r} is not a FAIM party code")
    return Party(**kwargs)


def _money(text: str, currency: str) -> Money:
    return Money(value=Decimal(text.replace(",", ".")), currency=currency)


def to_message(m: FedwireMessage) -> Message:
    bfc = m.value("3600", "code")
    kind = KINDS.get(bfc, Kind.FREE_FORMAT)
    if bfc == "CTP" and m.value("3610", "code") == "COVS":
        kind = Kind.COVER
    extra: dict[str, str] = {}
    for t in m.tags:
        if t.tag not in CANONICAL and t.tag in TAGS:
            extra[f"fedwire.{t.tag}"] = render(t.tag, t.values)
    if bfc in ("DRW", "DRB", "DRC"):
        extra["fedwire.drawdown"] = "refusal" if m.value("1510", "subtype_code") == "33" \
            else "request"
    kwargs: dict[str, Any] = {}
    local = m.get("3610")
    if bfc == "CTP" and local is not None and not local.values.get("proprietary_code") and \
            local.values.get("code") in R.LOCAL_INSTRUMENTS:
        # the local instrument code is the canonical one (pacs LclInstrm: COVS, RMTS ...)
        kwargs["local_instrument"] = local.values["code"]
        del extra["fedwire.3610"]
    imad = m.get("1520")
    if imad is not None:
        kwargs["message_id"] = imad.raw.rstrip("*").strip() or None
        cycle = imad.values.get("cycle_date", "")
        kwargs["settlement_date"] = date(int(cycle[:4]), int(cycle[4:6]), int(cycle[6:8]))
    amount = m.value("2000", "amount")
    kwargs["amount"] = Money.from_minor(int(amount), "USD")
    for tag, name in (("3100", "instructing_agent"), ("3400", "instructed_agent")):
        di = m.get(tag)
        if di is not None:
            kwargs[name] = Agent(clearing_system=CLEARING, member_id=di.values.get("aba"),
                                 name=di.values.get("short_name") or None)
    kwargs["instruction_id"] = m.value("3320", "reference") or None
    kwargs["related_reference"] = m.value("3500", "imad") or None
    kwargs["end_to_end_id"] = m.value("4320", "reference") or None
    charge_tag = m.get("3700")
    if charge_tag is not None:
        v = charge_tag.values
        if v.get("details") in CHARGES:
            kwargs["charge_bearer"] = CHARGES[v["details"]]
        elif v.get("details", "").strip():
            extra["fedwire.3700.details"] = v["details"]
        kwargs["charges"] = tuple(_money(c[3:], c[:3]) for c in
                                  (v.get(f"senders_charges_{i}", "") for i in range(1, 5)) if c)
    if m.has("3710"):
        kwargs["instructed_amount"] = _money(m.value("3710", "amount"),
                                             m.value("3710", "currency"))
    rate = m.value("3720", "rate")
    if rate:
        Decimal(rate.replace(",", "."))  # must be a number
        kwargs["exchange_rate"] = rate.replace(",", ".")
    intermediary = _agent(m.get("4000"))
    if intermediary is not None:
        kwargs["intermediary_agents"] = (intermediary,)
    kwargs["creditor_agent"] = _agent(m.get("4100"))
    kwargs["creditor"] = _party(m.get("4200"))
    kwargs["debtor"] = _party(m.get("5000"))
    kwargs["debtor_agent"] = _agent(m.get("5100"))
    instructing = _agent(m.get("5200"))
    if instructing is not None:
        kwargs["previous_instructing_agents"] = (instructing,)
    info = m.get("6000")
    if info is not None:
        kwargs["remittance_info"] = "\n".join(_trim([info.values.get(f"line_{i}", "")
                                                     for i in range(1, 5)]))
    service = m.get("9000")
    if service is not None:
        kwargs["narrative"] = "\n".join(_trim([service.values.get(f"line_{i}", "")
                                               for i in range(1, 13)]))
    if kind is Kind.COVER:
        kwargs["underlying"], read = underlying_of(m, kwargs)
        for tag in read:
            del extra[f"fedwire.{tag}"]
    return Message(kind=kind, format="fedwire", extra=extra, **kwargs)


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines.pop()
    return lines


# -- canonical -> tags ---------------------------------------------------------------------

def _cannot(message: str, where: str) -> CodecError:
    return CodecError(message, code="CODEC.CANNOT_ENCODE", location=where)


def _fi_values(code: str, ident: str, name: str | None,
               address: PostalAddress | None) -> dict[str, str]:
    lines = list(address.lines) if address is not None else []
    if address is not None and not lines and address.town_name:
        lines = [" ".join(filter(None, (address.street_name, address.building_number))),
                 " ".join(filter(None, (address.post_code, address.town_name))),
                 address.country or ""]
    values = {"id_code": code, "identifier": ident, "name": name or ""}
    for i, line in enumerate(lines[:3], 1):
        values[f"address_{i}"] = line
    return values


def _agent_values(agent: Agent, where: str) -> dict[str, str]:
    if agent.clearing_system == CLEARING and agent.member_id:
        return _fi_values("F", agent.member_id, agent.name, agent.address)
    if agent.clearing_system in SCHEME_CODES and agent.member_id:
        return _fi_values(SCHEME_CODES[agent.clearing_system], agent.member_id, agent.name,
                          agent.address)
    if agent.bic:
        return _fi_values("B", agent.bic, agent.name, agent.address)
    if agent.account:
        return _fi_values("D", agent.account, agent.name, agent.address)
    raise _cannot("the institution needs an ABA number, a BIC or an account", where)


def _party_values(party: Party, where: str) -> dict[str, str]:
    if party.account:
        return _fi_values("D", party.account, party.name, party.address)
    if party.bic:
        code = "T" if party.identifier_scheme == "T" else "B"
        return _fi_values(code, party.bic, party.name, party.address)
    if party.identifier:
        code = SCHEME_CODES.get(party.identifier_scheme or "", "9")
        if party.identifier_scheme == CLEARING:
            code = "F"
        return _fi_values(code, party.identifier, party.name, party.address)
    raise _cannot("the party needs an account, a BIC or an identifier", where)


def _aba(agent: Agent | None, where: str) -> tuple[str, str]:
    if agent is None or agent.clearing_system != CLEARING or not agent.member_id:
        raise _cannot("Fedwire needs the ABA routing number (clearing member id)", where)
    return agent.member_id, (agent.name or "")[:18]


def _comma(money: Money) -> str:
    return money.text().replace(".", ",")


def from_message(message: Message, envelope: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(tag, text) pairs in tag order for one message."""
    x = message.extra
    tags: dict[str, str] = {k[8:]: v for k, v in x.items()
                            if k.startswith("fedwire.") and k[8:] in TAGS}

    def put(tag: str, values: Mapping[str, str]) -> None:
        tags[tag] = render(tag, values)

    if "1500" not in tags:
        put("1500", {"format_version": "30", "user_request_correlation": "",
                     "test_production": "T" if envelope.get("test") else "P",
                     "duplication_code": " "})
    bfc = tags.get("3600", "")[:3] or {
        Kind.CUSTOMER_CREDIT_TRANSFER: "CTR", Kind.FI_CREDIT_TRANSFER: "BTR",
        Kind.COVER: "CTP", Kind.FREE_FORMAT: "SVC"}.get(message.kind, "")
    if not bfc:
        raise _cannot(f"a {message.kind.value} has no Fedwire business function", "kind")
    if "3600" not in tags:
        put("3600", {"code": bfc})
    if bfc == "CTP" and "3610" not in tags:
        code = message.local_instrument if message.local_instrument in R.LOCAL_INSTRUMENTS \
            else "COVS" if message.kind is Kind.COVER else None
        if code is not None:
            put("3610", {"code": code})
    if "1510" not in tags:
        put("1510", {"type_code": "10", "subtype_code": "90" if bfc == "SVC" else "00"})
    imad = message.message_id or ""
    if len(imad) != 22 or not (imad[:8].isascii() and imad[:8].isdigit()):
        raise _cannot("message_id must be the 22-character IMAD (cycle date, source, sequence)",
                      "message_id")
    tags["1520"] = imad
    if message.amount is None or message.amount.currency != "USD":
        raise _cannot("Fedwire settles US dollars only", "amount.currency")
    if message.amount.minor >= 10**12:
        raise _cannot("amount over the {2000} maximum", "amount.value")
    tags["2000"] = f"{message.amount.minor:012d}"
    for tag, agent, where in (("3100", message.instructing_agent, "instructing_agent"),
                              ("3400", message.instructed_agent, "instructed_agent")):
        aba, name = _aba(agent, where)
        put(tag, {"aba": aba, "short_name": name})
    cover = message.kind is Kind.COVER
    # {4320} is mandatory under COVS; a cover read from an MT 202 COV has its reference for the
    # beneficiary (field 21, the underlying's reference) as related_reference, not an IMAD
    related_is_reference = cover and not message.end_to_end_id
    beneficiary_reference = message.related_reference if related_is_reference else \
        message.end_to_end_id
    if message.instruction_id:
        put("3320", {"reference": message.instruction_id})
    if message.related_reference and not related_is_reference:
        put("3500", {"imad": message.related_reference})
    if message.charge_bearer is not None or message.charges:
        details = CHARGE_CODES.get(message.charge_bearer) if message.charge_bearer else None
        values = {"details": details or x.get("fedwire.3700.details", " ")}
        for i, charge in enumerate(message.charges[:4], 1):
            values[f"senders_charges_{i}"] = charge.currency + _comma(charge)
        put("3700", values)
    if message.instructed_amount is not None:
        put("3710", {"currency": message.instructed_amount.currency,
                     "amount": _comma(message.instructed_amount)})
    if message.exchange_rate:
        put("3720", {"rate": message.exchange_rate.replace(".", ",")})
    if message.intermediary_agents:
        put("4000", _agent_values(message.intermediary_agents[0], "intermediary_agents[0]"))
    if message.creditor_agent is not None:
        put("4100", _agent_values(message.creditor_agent, "creditor_agent"))
    if message.creditor is not None:
        put("4200", _party_values(message.creditor, "creditor"))
    if beneficiary_reference:
        put("4320", {"reference": beneficiary_reference})
    if message.debtor is not None:
        put("5000", _party_values(message.debtor, "debtor"))
    if message.debtor_agent is not None:
        put("5100", _agent_values(message.debtor_agent, "debtor_agent"))
    if message.previous_instructing_agents:
        put("5200", _agent_values(message.previous_instructing_agents[0],
                                  "previous_instructing_agents[0]"))
    if message.remittance_info:
        lines = message.remittance_info.split("\n")
        if len(lines) > 4:
            raise _cannot("{6000} carries at most 4 lines", "remittance_info")
        put("6000", {f"line_{i}": line for i, line in enumerate(lines, 1)})
    if message.narrative and bfc == "SVC":
        lines = message.narrative.split("\n")
        if len(lines) > 12:
            raise _cannot("{9000} carries at most 12 lines", "narrative")
        put("9000", {f"line_{i}": line for i, line in enumerate(lines, 1)})
    if cover and message.underlying is not None:
        tags.update(write_cover(message.underlying, render))
    elif cover and not R.COVER_TAGS & tags.keys():
        raise _cannot("a cover needs its underlying customer transfer ({7033}-{7072})",
                      "underlying")
    return sorted(tags.items())

