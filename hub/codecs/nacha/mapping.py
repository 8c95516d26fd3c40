"""ACH entries <-> canonical messages.

One entry detail (with its addenda) is one Message. Credits (transaction codes with second digit
1-4: 22, 32, 42, 52 ...) are customer credit transfers from the originator (debtor, ODFI) to the
receiver (creditor, RDFI). Debits (second digit 5-9: 27, 37 ...) keep the kind
customer_credit_transfer but turn the roles round: the receiver is the debtor at the RDFI and the
originator the creditor at the ODFI; `extra["ach.transaction_code"]` says which it is. An entry
with a return addenda (99) is Kind.RETURN, with a notification of change (98) Kind.STATUS_REPORT.

Batch and entry fields with no canonical home travel in `extra` as "ach.<field name>" (IAT addenda
fields as "ach.<addenda type>.<field>", addenda 18 as "ach.18.<n>.<field>"), so that encoding the
decoded messages rebuilds the file field for field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from hub.codecs.nacha import layouts as L
from hub.codecs.nacha.reader import (
    ADDENDA,
    ENTRY,
    AchFile,
    Batch,
    Entry,
    is_debit,
    routing_check_digit,
)
from hub.codecs.nacha.records import parse_date
from hub.errors import CodecError, ModelError
from hub.model import Agent, Kind, Message, Money, Party, PostalAddress, minor_units

CLEARING = "USABA"
_CENTS = -minor_units("USD")  # entry amounts are cents: Decimal(cents).scaleb(_CENTS) dollars
_DEBIT = frozenset("56789")  # second digit of a debit transaction code
# Batch header fields with a canonical home or a fixed extra key; the rest go to ach.<name>.
_BATCH_SPECIAL = {"record_type", "service_class_code", "sec_code", "company_name", "company_id",
                  "odfi", "batch_number", "effective_entry_date", "settlement_date"}
# IAT addenda fields that map to canonical parties and agents.
_IAT_CANONICAL = {("10", "receiver_name"), ("11", "originator_name"),
                  ("11", "originator_street"), ("12", "originator_city_state"),
                  ("12", "originator_country_postal"), ("13", "odfi_name"), ("14", "rdfi_name"),
                  ("15", "receiver_id_number"), ("15", "receiver_street"),
                  ("16", "receiver_city_state"), ("16", "receiver_country_postal"),
                  ("17", "payment_related_information")}
_COMPUTED = {"record_type", "addenda_type", "entry_sequence", "addenda_sequence", "reserved",
             "reserved2"}


def file_id(file: AchFile) -> str | None:
    if file.header is None:
        return None
    h = file.header.fields
    return (f"{h['immediate_origin'].strip()}-{h['file_creation_date']}"
            f"{h['file_creation_time'].strip()}{h['file_id_modifier']}")


def _julian(day: str, near: date | None) -> date | None:
    """Resolve a day-of-year against the effective date's year (settlement may cross a year)."""
    if not day.strip() or near is None:
        return None
    number = int(day)
    best: date | None = None
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            candidate = date.fromordinal(date(year, 1, 1).toordinal() + number - 1)
        except ValueError:
            continue
        if candidate.year == year and (best is None or
                                       abs((candidate - near).days) < abs((best - near).days)):
            best = candidate
    return best


def _usd(cents: int) -> Money:
    return Money(value=Decimal(cents).scaleb(_CENTS), currency="USD")


class BatchContext:
    """What every entry of one batch shares, built once per batch: the batch's extra values,
    dates, originator and ODFI, and the RDFI agents (shared by every batch of the file)."""

    def __init__(self, batch: Batch, message_id: str | None,
                 agents: dict[str, Agent] | None = None) -> None:
        h = batch.header.fields
        self.sec = batch.sec
        self.message_id = message_id
        effective = h["effective_entry_date"]
        self.effective: date | None = None
        if effective.strip():
            try:
                self.effective = parse_date(effective)
            except ValueError:
                self.effective = None
        self.settlement = _julian(h["settlement_date"], self.effective)
        extra: dict[str, str] = {"ach.sec": batch.sec,
                                 "ach.service_class": h["service_class_code"],
                                 "ach.company_id": h["company_id"].rstrip(),
                                 "ach.odfi": h["odfi"], "ach.batch_number": h["batch_number"]}
        if "company_name" in h and h["company_name"].strip():
            extra["ach.company_name"] = h["company_name"].rstrip()
        for name, value in h.items():
            if name not in _BATCH_SPECIAL and value.strip():
                extra[f"ach.{name}"] = value.rstrip()
        if batch.control is not None:
            mac = batch.control.fields["message_authentication_code"]
            if mac.strip():
                extra["ach.message_authentication_code"] = mac.rstrip()
        self.extra = extra
        self.odfi = Agent(clearing_system=CLEARING,
                          member_id=h["odfi"] + routing_check_digit(h["odfi"]))
        self.company = Party(name=extra.get("ach.company_name"),
                             identifier=extra["ach.company_id"].strip() or None)
        self.rdfi: dict[str, Agent] = {} if agents is None else agents
        self.kind = Kind.STATUS_REPORT if self.sec == "COR" else Kind.CUSTOMER_CREDIT_TRANSFER

    def rdfi_agent(self, routing9: str) -> Agent:
        agent = self.rdfi.get(routing9)
        if agent is None:
            agent = self.rdfi[routing9] = Agent(clearing_system=CLEARING, member_id=routing9)
        return agent

    def plain(self, text: str, remittance: str | None = None) -> Message:
        """The message of an entry detail in the standard layout with no addenda but remittance
        (05): the same message entry_message builds, cut straight from the record's text."""
        trace = text[_TRACE]
        code = text[_CODE]
        extra = {**self.extra, "ach.transaction_code": code, "ach.trace": trace}
        if (discretionary := text[_DISCRETIONARY]).strip():
            extra["ach.discretionary_data"] = discretionary.rstrip()
        routing = text[_ROUTING]
        rdfi = self.rdfi.get(routing) or self.rdfi_agent(routing)
        receiver = Party(name=text[_NAME].rstrip() or None,
                         account=text[_ACCOUNT].rstrip() or None,
                         identifier=text[_RECEIVER_ID].rstrip() or None)
        amount = Money(value=Decimal(int(text[_AMOUNT])).scaleb(_CENTS), currency="USD")
        if code[1] in _DEBIT:
            return Message(
                kind=self.kind, format="nacha", message_id=self.message_id,
                end_to_end_id=trace, transaction_id=trace, amount=amount,
                requested_execution_date=self.effective, settlement_date=self.settlement,
                local_instrument=self.sec, remittance_info=remittance,
                extra=MappingProxyType(extra), debtor=receiver, debtor_agent=rdfi,
                creditor=self.company, creditor_agent=self.odfi)
        return Message(
            kind=self.kind, format="nacha", message_id=self.message_id,
            end_to_end_id=trace, transaction_id=trace, amount=amount,
            requested_execution_date=self.effective, settlement_date=self.settlement,
            local_instrument=self.sec, remittance_info=remittance,
            extra=MappingProxyType(extra), debtor=self.company, debtor_agent=self.odfi,
            creditor=receiver, creditor_agent=rdfi)


# where plain() cuts an entry detail, from the layout table
_S = ENTRY.slices
_TRACE, _CODE, _DISCRETIONARY = _S["trace_number"], _S["transaction_code"], _S["discretionary_data"]
_ROUTING = slice(_S["rdfi"].start, _S["check_digit"].stop)
_NAME, _ACCOUNT, _RECEIVER_ID = _S["receiver_name"], _S["dfi_account"], _S["receiver_id"]
_AMOUNT = _S["amount"]
_REMITTANCE = ADDENDA["05"].slices["payment_related_information"]


def _text(value: str) -> str | None:
    value = value.rstrip()
    return value or None


def _lines(*values: str) -> PostalAddress | None:
    lines = tuple(v.rstrip() for v in values)
    return PostalAddress(lines=lines) if any(lines) else None


def entry_message(entry: Entry, ctx: BatchContext) -> Message:
    f = entry.record.fields
    code = f["transaction_code"]
    trace = f["trace_number"]
    extra = dict(ctx.extra)
    extra["ach.transaction_code"] = code
    extra["ach.trace"] = trace
    for name in ("discretionary_data", "ofac_gateway_indicator", "ofac_secondary_indicator"):
        value = f.get(name, "")
        if value.strip():
            extra[f"ach.{name}"] = value.rstrip()
    receiver_name = f.get("receiver_name", "")
    receiver_id = f.get("receiver_id", "")
    kwargs: dict[str, Any] = {}
    remittance: list[str] = []
    kind = ctx.kind
    rdfi = ctx.rdfi_agent(f["rdfi"] + f["check_digit"])
    odfi = ctx.odfi
    company = ctx.company
    receiver_address = originator_address = None
    counts: dict[str, int] = {}
    for kind_code, record in entry.addenda:
        a = record.fields
        if kind_code in ("05", "17"):
            remittance.append(a["payment_related_information"])
        elif kind_code in ("98", "99"):
            kind = Kind.RETURN if kind_code == "99" else Kind.STATUS_REPORT
            kwargs["reason_code"] = _text(a["return_reason_code" if kind_code == "99"
                                            else "change_code"])
            kwargs["related_reference"] = a["original_trace"]
            extra["ach.original_rdfi"] = a["original_rdfi"]
            if kind_code == "99":
                kwargs["reason_text"] = _text(a["addenda_information"])
                if a["date_of_death"].strip():
                    extra["ach.date_of_death"] = a["date_of_death"]
            else:
                extra["ach.corrected_data"] = a["corrected_data"].rstrip()
            if a["trace_number"] != trace:
                extra["ach.addenda_trace"] = a["trace_number"]
        else:
            counts[kind_code] = counts.get(kind_code, 0) + 1
            prefix = f"ach.{kind_code}." + (f"{counts[kind_code]}." if kind_code == "18" else "")
            for name, value in a.items():
                if name not in _COMPUTED and (kind_code, name) not in _IAT_CANONICAL \
                        and value.strip():
                    extra[prefix + name] = value.rstrip()
            if kind_code == "10":
                receiver_name = a["receiver_name"]
            elif kind_code == "11":
                company = Party(name=_text(a["originator_name"]), identifier=company.identifier)
            elif kind_code == "13" and a["odfi_name"].strip():
                odfi = Agent(clearing_system=CLEARING, member_id=odfi.member_id,
                             name=a["odfi_name"].rstrip())
            elif kind_code == "14" and a["rdfi_name"].strip():
                rdfi = Agent(clearing_system=CLEARING, member_id=rdfi.member_id,
                             name=a["rdfi_name"].rstrip())
            elif kind_code == "15":
                receiver_id = a["receiver_id_number"]
    if ctx.sec == "IAT":
        by_type = {k: r.fields for k, r in entry.addenda}
        if "11" in by_type and "12" in by_type:
            originator_address = _lines(by_type["11"]["originator_street"],
                                        by_type["12"]["originator_city_state"],
                                        by_type["12"]["originator_country_postal"])
        if "15" in by_type and "16" in by_type:
            receiver_address = _lines(by_type["15"]["receiver_street"],
                                      by_type["16"]["receiver_city_state"],
                                      by_type["16"]["receiver_country_postal"])
    if originator_address is not None:
        company = Party(name=company.name, identifier=company.identifier,
                        address=originator_address)
    receiver = Party(name=_text(receiver_name), account=_text(f["dfi_account"]),
                     identifier=_text(receiver_id), address=receiver_address)
    roles: dict[str, Any]
    if is_debit(code):
        roles = {"debtor": receiver, "debtor_agent": rdfi, "creditor": company,
                 "creditor_agent": odfi}
    else:
        roles = {"debtor": company, "debtor_agent": odfi, "creditor": receiver,
                 "creditor_agent": rdfi}
    info = "".join(remittance).rstrip()
    return Message(
        kind=kind, format="nacha", message_id=ctx.message_id, end_to_end_id=trace,
        transaction_id=trace, amount=_usd(int(f["amount"])),
        requested_execution_date=ctx.effective, settlement_date=ctx.settlement,
        local_instrument=ctx.sec, remittance_info=info or None, extra=MappingProxyType(extra),
        **roles, **kwargs)


def to_messages(file: AchFile) -> tuple[list[Message], list[tuple[int, str]]]:
    """Messages for every well-formed entry; (line, problem) for entries that cannot map."""
    messages: list[Message] = []
    problems: list[tuple[int, str]] = []
    message_id = file_id(file)
    agents: dict[str, Agent] = {}
    for batch in file.batches:
        if not batch.header.ok:
            continue
        ctx = BatchContext(batch, message_id, agents)
        standard = batch.layout is ENTRY
        plain = ctx.plain
        for entry in batch.entries:
            try:
                if not entry.ok:
                    continue
                if standard and not entry.addenda:
                    messages.append(plain(entry.text))
                elif standard and all(k == "05" and r.ok for k, r in entry.addenda):
                    info = "".join(r.text[_REMITTANCE] for _k, r in entry.addenda).rstrip()
                    messages.append(plain(entry.text, info or None))
                elif all(r.ok for _k, r in entry.addenda):
                    messages.append(entry_message(entry, ctx))
            except (ModelError, ValueError, KeyError) as exc:
                problems.append((entry.line, str(exc)))
    return messages, problems


# -- canonical -> records ------------------------------------------------------------------

def _cannot(message: str, where: str = "") -> CodecError:
    return CodecError(message, code="CODEC.CANNOT_ENCODE", location=where)


def _routing8(agent: Agent | None, role: str) -> str:
    member = agent.member_id if agent is not None else None
    if not member or not (member.isascii() and member.isdigit()) or len(member) not in (8, 9):
        raise _cannot(f"the {role} needs an ABA routing number (clearing member id)", role)
    if len(member) == 9 and routing_check_digit(member[:8]) != member[8]:
        raise _cannot(f"{member} is not a valid ABA routing number", role)
    return member[:8]


def _yymmdd(value: date) -> str:
    return value.strftime("%y%m%d")


def batch_fields(message: Message, sec_default: str, description: str) -> dict[str, str]:
    """The batch header a message belongs in (service class and number decided later)."""
    x = message.extra
    code = x.get("ach.transaction_code", "22" if message.kind is Kind.CUSTOMER_CREDIT_TRANSFER
                  else "21")
    debit = is_debit(code)
    originator = message.creditor if debit else message.debtor
    odfi_agent = message.creditor_agent if debit else message.debtor_agent
    sec = x.get("ach.sec") or (message.local_instrument if message.local_instrument
                                in L.SEC_ADDENDA else sec_default)
    effective = message.requested_execution_date or message.settlement_date
    if effective is None:
        raise _cannot("an ACH entry needs an effective entry date (requested_execution_date)",
                      "requested_execution_date")
    fields = {name: value for name, value in
              ((k[4:], v) for k, v in x.items() if k.startswith("ach.") and k.count(".") == 1)
              if (name in _batch_names(sec) or name == "message_authentication_code")
              and name not in _BATCH_SPECIAL}
    fields.setdefault("company_entry_description", description)
    company_id = (originator.identifier if originator is not None else None) \
        or x.get("ach.company_id")
    if not company_id:
        raise _cannot("the originator needs a company identification "
                      "(identifier or extra ach.company_id)", "debtor.identifier")
    # keep the written form (leading blanks) when the decoded value is the same id
    if x.get("ach.company_id", "").strip() == company_id:
        company_id = x["ach.company_id"]
    fields["company_id"] = company_id
    if sec != "IAT":
        fields["company_name"] = (originator.name if originator is not None and originator.name
                                  else x.get("ach.company_name", ""))
    fields["sec_code"] = sec
    fields["odfi"] = _routing8(odfi_agent, "creditor_agent" if debit else "debtor_agent")
    fields["effective_entry_date"] = _yymmdd(effective)
    if message.requested_execution_date is not None and message.settlement_date is not None:
        fields["settlement_date"] = f"{message.settlement_date.timetuple().tm_yday:03d}"
    return fields


def _batch_names(sec: str) -> set[str]:
    rows = L.IAT_BATCH_HEADER if sec == "IAT" else L.BATCH_HEADER
    return {row[0] for row in rows}


def _chunks(text: str, size: int = 80) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def entry_records(message: Message, sec: str) -> tuple[dict[str, str],
                                                       list[tuple[str, dict[str, str]]]]:
    """The entry detail fields and its addenda (type, fields) for one message."""
    x = message.extra
    code = x.get("ach.transaction_code", "22" if message.kind is Kind.CUSTOMER_CREDIT_TRANSFER
                  else "21")
    if code not in L.TRANSACTION_CODES:
        raise _cannot(f"unknown ACH transaction code {code!r}", "extra.ach.transaction_code")
    debit = is_debit(code)
    receiver = message.debtor if debit else message.creditor
    originator = message.creditor if debit else message.debtor
    rdfi_agent = message.debtor_agent if debit else message.creditor_agent
    odfi_agent = message.creditor_agent if debit else message.debtor_agent
    if message.amount is None or message.amount.currency != "USD":
        raise _cannot("ACH entries carry US dollars only", "amount.currency")
    minor = message.amount.minor
    if minor > 9_999_999_999:
        raise _cannot("amount is over the ACH entry maximum of 99,999,999.99", "amount.value")
    entry = {"transaction_code": code,
             "rdfi": _routing8(rdfi_agent, "debtor_agent" if debit else "creditor_agent"),
             "dfi_account": (receiver.account if receiver is not None else None) or "",
             "amount": str(minor),
             "receiver_id": (receiver.identifier if receiver is not None else None) or "",
             "receiver_name": (receiver.name if receiver is not None else None) or "",
             "trace_number": x.get("ach.trace", "")}
    for name in ("discretionary_data", "ofac_gateway_indicator", "ofac_secondary_indicator"):
        if f"ach.{name}" in x:
            entry[name] = x[f"ach.{name}"]
    addenda: list[tuple[str, dict[str, str]]] = []
    if sec == "IAT":
        addenda.extend(_iat_addenda(message, receiver, originator, odfi_agent, rdfi_agent))
    info = message.remittance_info or ""
    if info and message.kind in (Kind.CUSTOMER_CREDIT_TRANSFER,):
        kind = "17" if sec == "IAT" else "05"
        allowed, most = L.SEC_ADDENDA.get(sec, (frozenset({"05"}), 1))
        chunks = _chunks(info)
        limit = L.IAT_REPEATS["17"] if sec == "IAT" else most
        if kind not in allowed or len(chunks) > limit:
            raise _cannot(f"a {sec} entry cannot carry {len(info)} characters of remittance "
                          "information", "remittance_info")
        addenda.extend((kind, {"payment_related_information": c}) for c in chunks)
    if message.kind in (Kind.RETURN, Kind.STATUS_REPORT) and message.reason_code:
        ret = message.kind is Kind.RETURN
        record = {("return_reason_code" if ret else "change_code"): message.reason_code,
                  "original_trace": message.related_reference or "",
                  "original_rdfi": x.get("ach.original_rdfi", ""),
                  "trace_number": x.get("ach.addenda_trace", "")}
        if ret:
            record["date_of_death"] = x.get("ach.date_of_death", "")
            record["addenda_information"] = message.reason_text or ""
        else:
            record["corrected_data"] = x.get("ach.corrected_data", "")
        if sec == "IAT":
            addenda.clear()
        addenda.append(("99" if ret else "98", record))
    return entry, addenda


def _iat_addenda(message: Message, receiver: Party | None, originator: Party | None,
                 odfi: Agent | None, rdfi: Agent | None) -> Iterable[tuple[str, dict[str, str]]]:
    x = message.extra

    def generic(kind: str, prefix: str | None = None) -> dict[str, str]:
        prefix = prefix or f"ach.{kind}."
        return {k[len(prefix):]: v for k, v in x.items() if k.startswith(prefix)}

    def line(party: Party | None, i: int) -> str:
        if party is None or party.address is None or len(party.address.lines) <= i:
            return ""
        return party.address.lines[i]

    yield "10", {**generic("10"), "receiver_name": (receiver.name if receiver else None) or ""}
    yield "11", {**generic("11"), "originator_name": (originator.name if originator else None)
                 or "", "originator_street": line(originator, 0)}
    yield "12", {**generic("12"), "originator_city_state": line(originator, 1),
                 "originator_country_postal": line(originator, 2)}
    yield "13", {**generic("13"), "odfi_name": (odfi.name if odfi else None) or ""}
    yield "14", {**generic("14"), "rdfi_name": (rdfi.name if rdfi else None) or ""}
    yield "15", {**generic("15"), "receiver_id_number":
                 (receiver.identifier if receiver else None) or "",
                 "receiver_street": line(receiver, 0)}
    yield "16", {**generic("16"), "receiver_city_state": line(receiver, 1),
                 "receiver_country_postal": line(receiver, 2)}
    n = 1
    while any(k.startswith(f"ach.18.{n}.") for k in x):
        yield "18", generic("18", f"ach.18.{n}.")
        n += 1


def iat_order(addenda: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
    """Addenda in the rules' order: 10-16, then 17s, then 18s (returns/NOCs stand alone)."""
    order = {"10": 0, "11": 1, "12": 2, "13": 3, "14": 4, "15": 5, "16": 6, "17": 7, "18": 8}
    return sorted(addenda, key=lambda a: order.get(a[0], 9))


def header_value(envelope: Mapping[str, Any], name: str, default: str = "") -> str:
    value = envelope.get(name, default)
    return "" if value is None else str(value)
