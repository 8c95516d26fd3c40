"""The canonical model to FIN (CBPR+ MX-to-MT translation choices; see docs/formats/swift-mt.md).

Values longer than their field are refused (CodecError CODEC.CANNOT_ENCODE) unless `truncate`
is set: then the value is cut, its last kept character replaced by "+", and an MT.TRUNCATED
warning located "<canonical path> -> <tag>" is appended to `report`. Characters outside the
SWIFT x set are replaced by "." (CBPR+ character set translation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from hub.codecs.swift_mt import rejects
from hub.codecs.swift_mt.envelope import (
    BasicHeader,
    FinMessage,
    InputHeader,
    OutputHeader,
    write,
)
from hub.codecs.swift_mt.notation import X_CHARS
from hub.codecs.swift_mt.rules import EU_EEA
from hub.codecs.swift_mt.specs import FORMATS
from hub.codecs.swift_mt.to_canonical import CLEARING
from hub.errors import CodecError, Diagnostic, Severity
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party

_X = frozenset(chr(c) for c in range(128) if chr(c).isalnum()) | frozenset("/-?:().,'+ ")
_TO_X: dict[int, str] = {c: "." for c in range(256) if chr(c) not in _X and c != 10}
_NOT_X_LINE = re.compile(f"[^{X_CHARS}]")  # a character _TO_X would replace, or a line break
CHARGE_CODES = {ChargeBearer.DEBT: "OUR", ChargeBearer.CRED: "BEN", ChargeBearer.SHAR: "SHA",
                ChargeBearer.SLEV: "SHA"}
CLEARING_CODES = {v: k for k, v in CLEARING.items()}
SERVICE_23B = frozenset({"CRTS", "SPAY", "SPRI", "SSTD"})
TYPES = {"mt103": "103", "mt202": "202", "mt202cov": "202", "mt205": "205", "mt205cov": "205",
         "mt760": "760", "mt199": "199", "mt299": "299", "mt192": "192", "mt292": "292",
         "mt196": "196", "mt296": "296", "mt900": "900", "mt910": "910"}
assert set(TYPES) == set(FORMATS) and X_CHARS


@dataclass(slots=True)
class TextFields:
    """The block 4 fields being written, in order; `truncate` cuts what is too long (marking it
    with "+" and a report line) instead of refusing the message."""

    truncate: bool
    report: list[Diagnostic] | None
    fields: list[tuple[str, str]] = field(default_factory=list)

    def add(self, tag: str, value: str | None) -> None:
        if value is not None and value != "":
            self.fields.append((tag, value))

    def lines(self, text: str, width: int, count: int, path: str, tag: str,
              first: int = 0) -> list[str]:
        """Split text into at most `count` lines of `width` (the first may be `first` wide)."""
        if len(text) <= (first or width) and _NOT_X_LINE.search(text) is None:
            return [text]  # one line, nothing to replace: what the general case gives
        out: list[str] = []
        for line in text.translate(_TO_X).split("\n"):
            while len(line) > (first or width):
                cut = first or width
                out.append(line[:cut])
                line = line[cut:]
                first = 0
            out.append(line)
            first = 0
        if len(out) > count:
            if not self.truncate:
                raise CodecError(f"{path} needs {len(out)} lines, field {tag} holds {count}",
                                 code="CODEC.CANNOT_ENCODE", location=f"{path} -> {tag}")
            out = out[:count]
            out[-1] = out[-1][:-1] + "+"
            if self.report is not None:
                self.report.append(Diagnostic("MT.TRUNCATED", f"{path} cut to fit field {tag}",
                                              f"{path} -> {tag}", Severity.WARNING))
        return out

    def one(self, text: str, width: int, path: str, tag: str) -> str:
        return self.lines(text.replace("\n", " "), width, 1, path, tag)[0]


def _yymmdd(day: date) -> str:
    return f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"  # strftime("%y%m%d"), faster


def _amount(money: Money) -> str:
    text = format(money.value, "f")
    return text.replace(".", ",") if "." in text else text + ","


def lt(bic: str, terminal: str) -> str:
    return bic[:8] + terminal + (bic[8:11] if len(bic) == 11 else "XXX")


def _bic_of(agent: Agent | None) -> str | None:
    return agent.bic if agent is not None else None


def _account_line(account: str | None, clearing: str | None, member: str | None) -> str | None:
    if clearing and member and clearing in CLEARING_CODES:
        return f"//{CLEARING_CODES[clearing]}{member}"
    return f"/{account}" if account else None


def agent_field(out: TextFields, base: str, agent: Agent | Party | None, path: str,
                options: str = "AD") -> None:
    if agent is None:
        return
    clearing = agent.clearing_system if isinstance(agent, Agent) else None
    member = agent.member_id if isinstance(agent, Agent) else None
    account = _account_line(agent.account, clearing, member)
    head = [out.one(account, 35, f"{path}.account", base + "a")] if account else []
    if agent.bic and "A" in options:
        out.add(base + "A", "\n".join([*head, agent.bic]))
    elif (not agent.name and agent.address is not None and len(agent.address.lines) == 1
          and "B" in options):
        location = out.one(agent.address.lines[0], 35, f"{path}.address", base + "B")
        out.add(base + "B", "\n".join([*head, location]))
    elif (agent.name or agent.address) and "D" in options:
        lines = [agent.name or ""]
        if agent.address is not None:
            lines += list(agent.address.lines)
        body = out.lines("\n".join(lines), 35, 4, f"{path}.name", base + "D")
        out.add(base + "D", "\n".join([*head, *body]))
    elif account and "C" in options:
        out.add(base + "C", head[0])


def party_field(out: TextFields, base: str, party: Party | None, path: str) -> None:
    """50a/59a: F when the address is structured, A with a BIC, else K (50) or no letter (59)."""
    if party is None:
        raise CodecError(f"{path} is required", code="CODEC.CANNOT_ENCODE", location=path)
    address = party.address
    account = f"/{party.account}" if party.account else None
    if base == "50" and not account and party.identifier and party.identifier_scheme:
        account = f"{party.identifier_scheme}/{party.identifier}"
    if address is not None and address.town_name and address.country and (
            base == "59" or account):
        lines = [f"1/{x}" for x in out.lines(party.name or "", 33, 99, f"{path}.name",
                                             base + "F")]
        for street in address.lines:
            lines += [f"2/{x}" for x in out.lines(street, 33, 99, f"{path}.address", base + "F")]
        town = out.lines(f"{address.country}/{address.town_name}", 33, 99,
                         f"{path}.address.town_name", base + "F")
        lines += [f"3/{x}" for x in town]
        if len(lines) > 4:
            if not out.truncate:
                raise CodecError(f"{path} needs {len(lines)} lines, {base}F holds 4",
                                 code="CODEC.CANNOT_ENCODE", location=f"{path} -> {base}F")
            lines = [*lines[:2], lines[-1]] if lines[-1].startswith("3/") else lines[:4]
            if out.report is not None:
                out.report.append(Diagnostic("MT.TRUNCATED", f"{path} cut to fit {base}F",
                                             f"{path} -> {base}F", Severity.WARNING))
        head = [out.one(account, 35, f"{path}.account", base + "F")] if account else []
        out.add(base + "F", "\n".join([*head, *lines]))
        return
    head = [out.one(f"/{party.account}", 35, f"{path}.account", base)] if party.account else []
    if party.bic:
        out.add(base + "A", "\n".join([*head, party.bic]))
        return
    lines = [party.name or ""]
    if address is not None:
        lines += list(address.lines)
        if address.town_name or address.country:
            lines.append(" ".join(x for x in (address.town_name, address.country) if x))
    tag = base + "K" if base == "50" else base
    body = out.lines("\n".join(lines), 35, 4, f"{path}.name", tag)
    out.add(tag, "\n".join([*head, *body]))


def _customer(out: TextFields, m: Message, seq_b: bool = False, sender: str | None = None,
              receiver: str | None = None) -> None:
    """MT 103 block 4, or sequence B of a COV (50a ... 33B)."""
    if not seq_b:
        out.add("20", out.one(m.instruction_id or "NONREF", 16, "instruction_id", "20"))
        for text in m.extra.get("mt.13C", "").split("\n"):
            out.add("13C", text)
        out.add("23B", m.service_level if m.service_level in SERVICE_23B else "CRED")
        for i, code in enumerate(m.instructions):
            out.add("23E", out.one(code, 40, f"instructions[{i}]", "23E"))
        out.add("26T", m.purpose if m.purpose and len(m.purpose) == 3 else None)
        if m.amount is None or m.settlement_date is None:
            raise CodecError("amount and settlement_date are required for 32A",
                             code="CODEC.CANNOT_ENCODE", location="amount")
        out.add("32A", _yymmdd(m.settlement_date) + m.amount.currency
                + _amount(m.amount))
        instructed = m.instructed_amount
        bearer = CHARGE_CODES.get(m.charge_bearer or ChargeBearer.SHAR, "SHA")
        charges = list(m.charges)
        if bearer == "BEN" and not charges:
            charges = [Money.parse(0, m.amount.currency)]  # CBPR+: BEN needs a 71F
        eea = bool(sender and receiver and sender[4:6] in EU_EEA and receiver[4:6] in EU_EEA)
        if instructed is None and (charges or m.receiver_charges or eea):
            instructed = m.amount
        if instructed is not None:
            out.add("33B", instructed.currency + _amount(instructed))
            if instructed.currency != m.amount.currency:
                if not m.exchange_rate:
                    raise CodecError("33B in another currency than 32A needs exchange_rate",
                                     code="CODEC.CANNOT_ENCODE", location="exchange_rate")
                out.add("36", m.exchange_rate.replace(".", ","))
        party_field(out, "50", m.debtor, "debtor")
        agent_field(out, "52", m.debtor_agent, "debtor_agent")
        agent_field(out, "53", m.instructing_reimbursement_agent,
                    "instructing_reimbursement_agent", "ABD")
        agent_field(out, "54", m.instructed_reimbursement_agent,
                    "instructed_reimbursement_agent", "ABD")
        agent_field(out, "55", m.third_reimbursement_agent, "third_reimbursement_agent", "ABD")
        if m.intermediary_agents:
            agent_field(out, "56", m.intermediary_agents[0], "intermediary_agents[0]", "ACD")
        agent_field(out, "57", m.creditor_agent, "creditor_agent", "ABCD")
        party_field(out, "59", m.creditor, "creditor")
        if m.remittance_info:
            out.add("70", "\n".join(out.lines(m.remittance_info.replace("\n", ""), 35, 4,
                                              "remittance_info", "70")))
        out.add("71A", bearer)
        if bearer != "OUR":
            for charge in charges:
                out.add("71F", charge.currency + _amount(charge))
        if m.receiver_charges is not None and bearer == "OUR":
            out.add("71G", m.receiver_charges.currency + _amount(m.receiver_charges))
        if m.narrative:
            out.add("72", "\n".join(out.lines(m.narrative, 35, 6, "narrative", "72")))
        if "mt.77B" in m.extra:
            out.add("77B", "\n".join(out.lines(m.extra["mt.77B"], 35, 3, "extra.mt.77B", "77B")))
        return
    party_field(out, "50", m.debtor, "underlying.debtor")
    agent_field(out, "52", m.debtor_agent, "underlying.debtor_agent")
    if m.intermediary_agents:
        agent_field(out, "56", m.intermediary_agents[0], "underlying.intermediary_agents[0]",
                    "ACD")
    agent_field(out, "57", m.creditor_agent, "underlying.creditor_agent", "ABCD")
    party_field(out, "59", m.creditor, "underlying.creditor")
    if m.remittance_info:
        out.add("70", "\n".join(out.lines(m.remittance_info.replace("\n", ""), 35, 4,
                                          "underlying.remittance_info", "70")))
    if m.narrative:
        out.add("72", "\n".join(out.lines(m.narrative, 35, 6, "underlying.narrative", "72")))
    if m.instructed_amount is not None:
        out.add("33B", m.instructed_amount.currency + _amount(m.instructed_amount))


def _institution(out: TextFields, m: Message, format: str) -> None:
    out.add("20", out.one(m.instruction_id or "NONREF", 16, "instruction_id", "20"))
    out.add("21", out.one(m.related_reference or "NONREF", 16, "related_reference", "21"))
    for text in m.extra.get("mt.13C", "").split("\n"):
        out.add("13C", text)
    if m.amount is None or m.settlement_date is None:
        raise CodecError("amount and settlement_date are required for 32A",
                         code="CODEC.CANNOT_ENCODE", location="amount")
    out.add("32A", _yymmdd(m.settlement_date) + m.amount.currency + _amount(m.amount))
    debtor = m.debtor
    if debtor is None and format.startswith("mt205") and m.instructing_agent is not None:
        debtor = Party(bic=m.instructing_agent.bic)
    agent_field(out, "52", debtor, "debtor")
    agent_field(out, "53", m.instructing_reimbursement_agent, "instructing_reimbursement_agent",
                "ABD")
    if not format.startswith("mt205"):
        agent_field(out, "54", m.instructed_reimbursement_agent,
                    "instructed_reimbursement_agent", "ABD")
    if m.intermediary_agents:
        agent_field(out, "56", m.intermediary_agents[0], "intermediary_agents[0]")
    agent_field(out, "57", m.creditor_agent, "creditor_agent", "ABD")
    if m.creditor is None:
        raise CodecError("creditor (field 58a) is required", code="CODEC.CANNOT_ENCODE",
                         location="creditor")
    agent_field(out, "58", m.creditor, "creditor")
    if m.narrative:
        out.add("72", "\n".join(out.lines(m.narrative, 35, 6, "narrative", "72")))
    if format.endswith("cov"):
        if m.underlying is None:
            raise CodecError("a cover needs its underlying customer transfer",
                             code="CODEC.CANNOT_ENCODE", location="underlying")
        _customer(out, m.underlying, seq_b=True)


def _free(out: TextFields, m: Message, format: str) -> None:
    out.add("20", out.one(m.instruction_id or "NONREF", 16, "instruction_id", "20"))
    needs_21 = format not in ("mt199", "mt299")
    if m.related_reference or needs_21:
        out.add("21", out.one(m.related_reference or "NONREF", 16, "related_reference", "21"))
    if format in ("mt192", "mt292"):
        out.add("11S", m.extra.get("mt.11S"))
    if format in ("mt196", "mt296"):
        answer = m.reason_text or (f"/{m.status}/" if m.status else None)
        out.add("76", "\n".join(out.lines(answer or "", 35, 6, "reason_text", "76")))
        out.add("77A", m.extra.get("mt.77A"))
        out.add("11R", m.extra.get("mt.11R"))
        out.add("11S", m.extra.get("mt.11S"))
    text = m.narrative or (m.reason_text if format in ("mt192", "mt292") else None)
    if not text and format in ("mt199", "mt299"):
        text = reject_return_text(m)
    if text:
        out.add("79", "\n".join(out.lines(text, 50, 35, "narrative", "79")))
    elif format in ("mt199", "mt299"):
        raise CodecError("a free-format message needs narrative (field 79)",
                         code="CODEC.CANNOT_ENCODE", location="narrative")
    for line in _copies(m.extra.get("mt.copy", "")):
        out.fields.append(line)


def reject_return_text(m: Message) -> str | None:
    """Field 79 in the reject/return guideline layout for a status report RJCT or a return
    that carries no narrative of its own."""
    kind = "RETN" if m.kind is Kind.RETURN else (
        "REJT" if m.kind is Kind.STATUS_REPORT and (m.status or "").upper() == "RJCT" else None)
    reference = m.original_message_id or m.related_reference
    if kind is None or not reference:
        return None
    charge = m.charges[0] if m.charges else None
    code, text = m.reason_code or "", m.reason_text
    if not rejects.REASON_CODE.fullmatch(code):
        # a code the guideline cannot carry (NARR, a bank's own): "reason not specified by the
        # agent", the code itself kept in the text
        code, text = "MS03", " ".join(filter(None, [m.reason_code, m.reason_text])) or None
    return rejects.write(kind, code, reference[:16],
                         field=m.extra.get("mt.79.field", "99"), reason_text=text,
                         tref=m.end_to_end_id[:16] if m.end_to_end_id else None,
                         charges=(charge.currency, _amount(charge)) if charge else None,
                         uetr=str(m.original_uetr) if m.original_uetr else None)


def _copies(text: str) -> Iterable[tuple[str, str]]:
    for chunk in text.split("\n:")[0:] if text else ():
        chunk = chunk.lstrip(":").rstrip("\n")
        tag, _, value = chunk.partition(":")
        if tag:
            yield tag, value


def _confirmation(out: TextFields, m: Message, format: str) -> None:
    out.add("20", out.one(m.instruction_id or "NONREF", 16, "instruction_id", "20"))
    out.add("21", out.one(m.related_reference or "NONREF", 16, "related_reference", "21"))
    holder = m.debtor if format == "mt900" else m.creditor
    account = holder.account if holder is not None else None
    if not account:
        raise CodecError("the account (field 25) is required", code="CODEC.CANNOT_ENCODE",
                         location="debtor.account" if format == "mt900" else "creditor.account")
    out.add("25", out.one(account, 35, "account", "25"))
    out.add("13D", m.extra.get("mt.13D"))
    if m.amount is None or m.settlement_date is None:
        raise CodecError("amount and settlement_date are required for 32A",
                         code="CODEC.CANNOT_ENCODE", location="amount")
    out.add("32A", _yymmdd(m.settlement_date) + m.amount.currency + _amount(m.amount))
    if format == "mt910" and m.debtor is not None and (m.debtor.name or m.debtor.bic):
        party_field(out, "50", m.debtor, "debtor")
    agent_field(out, "52", m.debtor_agent, "debtor_agent")
    if format == "mt910" and m.intermediary_agents:
        agent_field(out, "56", m.intermediary_agents[0], "intermediary_agents[0]")
    if m.narrative:
        out.add("72", "\n".join(out.lines(m.narrative, 35, 6, "narrative", "72")))


def _undertaking(out: TextFields, m: Message) -> None:
    for key, value in m.extra.items():
        if key.startswith("mt760."):
            out.fields.append((key.split(".")[2], value))
    if not out.fields:
        raise CodecError("an MT 760 is written from its extra['mt760.<seq>.<tag>'] fields",
                         code="CODEC.CANNOT_ENCODE", location="extra")


def build(m: Message, format: str, *, sender: str | None = None, receiver: str | None = None,
          direction: str = "input", session: str = "0000", sequence: str = "000000",
          priority: str = "N", truncate: bool = False, report: list[Diagnostic] | None = None,
          eol: str = "\r\n", **more: str) -> str:
    """One FIN message for a canonical message."""
    if format not in TYPES:
        raise CodecError(f"{format!r} is not an MT format", code="CODEC.CANNOT_ENCODE")
    sender = sender or _bic_of(m.instructing_agent)
    receiver = receiver or _bic_of(m.instructed_agent)
    if not sender or not receiver:
        raise CodecError("sender and receiver BICs are required (kwargs or instructing/"
                         "instructed agent)", code="CODEC.CANNOT_ENCODE",
                         location="instructing_agent")
    out = TextFields(truncate, report)
    if format == "mt103":
        if m.kind is not Kind.CUSTOMER_CREDIT_TRANSFER:
            raise CodecError(f"an MT 103 carries a customer credit transfer, not {m.kind}",
                             code="CODEC.CANNOT_ENCODE", location="kind")
        _customer(out, m, sender=sender, receiver=receiver)
    elif format in ("mt202", "mt205", "mt202cov", "mt205cov"):
        _institution(out, m, format)
    elif format == "mt760":
        _undertaking(out, m)
    elif format in ("mt900", "mt910"):
        _confirmation(out, m, format)
    else:
        _free(out, m, format)
    user: list[tuple[str, str]] = []
    flag = "COV" if format.endswith("cov") else m.extra.get("mt.119")
    if flag and (flag == "COV") == format.endswith("cov"):
        user.append(("119", flag))
    if m.uetr is not None:
        user.append(("121", str(m.uetr)))
    message_type = TYPES[format]
    application: InputHeader | OutputHeader
    if direction == "output":
        application = OutputHeader(message_type, more.get("input_time", "0000"),
                                   more.get("mir_date", "000000"), lt(sender, "A"), session,
                                   sequence, more.get("output_date", "000000"),
                                   more.get("output_time", "0000"), priority)
        basic = BasicHeader("F", "01", lt(receiver, "A"), session, sequence)
    else:
        application = InputHeader(message_type, lt(receiver, "X"), priority)
        basic = BasicHeader("F", "01", lt(sender, "A"), session, sequence)
    return write(FinMessage(basic=basic, application=application, user=user or None,
                            text=out.fields, eol=eol))
