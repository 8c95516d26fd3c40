"""MT <-> MX translation through the canonical model, following the CBPR+ translation rules.

    translate(raw, "pacs.008")  ->  Translation(output, report, diagnostics)

The source is decoded by its own codec, re-read with the target's semantics (the CBPR+ rules for
field 72 codes, /ROC/, /RETN/ and /REJT/ narratives, 11S/11R references ...), written with
truncation on, and the result read back (an MX tree straight from the writer; with verify=True,
or for MT, the output bytes decoded again). The report lists every element that was cut
(XLATE.TRUNCATED, '+' marks the last kept character), dropped (XLATE.DROPPED) or filled with
a default (XLATE.DEFAULTED), located by canonical path; rule-driven moves are XLATE.CHANGED.
See docs/formats/mt-mx.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from operator import attrgetter
from types import MappingProxyType
from typing import Any, TypeVar
from uuid import UUID

from hub import codecs
from hub.codecs.base import Decoded, Options
from hub.codecs.iso20022 import CODEC as ISO20022  # (its import registers the XLATE.* codes)
from hub.codecs.iso20022.components import bic_agent
from hub.codecs.swift_mt.from_canonical import reject_return_text as field79
from hub.errors import CodecError, Diagnostic, HubError, Severity, has_errors
from hub.model import Agent, Kind, Message, Money, Party, to_data

MX_FORMATS = frozenset({"pacs.008", "pacs.009", "pacs.009cov", "pacs.009adv", "pacs.002",
                        "pacs.004", "camt.056", "camt.029", "pain.001"})
T = TypeVar("T")


_FIELDS: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {}


def replace(obj: T, **changes: Any) -> T:
    """`dataclasses.replace` with the field names and their getter worked out once per type:
    the constructor and its checks run, the per-call field introspection does not (a third of
    a translation's time went there)."""
    cls = type(obj)
    known = _FIELDS.get(cls)
    if known is None:
        names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        known = _FIELDS[cls] = (names, attrgetter(*names))
    names, values = known
    current = dict(zip(names, values(obj), strict=True))
    current.update(changes)
    return cls(**current)

# (source kind or marker, target format) pairs the translator knows; the key is the source
# format family ("mt" or "mx") and the target.
MT_TO_MX: dict[str, tuple[str, ...]] = {
    "mt103": ("pacs.008", "pacs.004"),
    "mt202": ("pacs.009", "pacs.009adv"),
    "mt202cov": ("pacs.009cov", "pacs.009"),
    "mt199": ("pacs.002",),
    "mt299": ("pacs.002",),
    "mt192": ("camt.056",),
    "mt196": ("camt.029",),
}
MX_TO_MT: dict[str, tuple[str, ...]] = {
    "pacs.008": ("mt103",),
    "pacs.004": ("mt103",),
    "pacs.009": ("mt202",),
    "pacs.009cov": ("mt202cov",),
    "pacs.009adv": ("mt202",),
    "pacs.002": ("mt199", "mt299"),
    "camt.056": ("mt192",),
    "camt.029": ("mt196",),
}
ORIGINAL_MESSAGE_NAMES = {"103": "pacs.008.001.08", "202": "pacs.009.001.08",
                          "205": "pacs.009.001.08"}
MT_TYPES = {v: k for k, v in ORIGINAL_MESSAGE_NAMES.items() if k != "205"}
NOT_PROVIDED = "NOTPROVIDED"
_CODE_LINE = re.compile(r"/([A-Z0-9]{1,8})/(.*)")


@dataclass
class Translation:
    output: bytes
    report: list[Diagnostic] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


@dataclass
class _Notes:
    """Rule-driven changes made while re-reading the source with the target's semantics."""

    found: list[Diagnostic] = field(default_factory=list)
    created: datetime | None = None  # the MT header's input date and time, when it has one

    def moved(self, what: str, where: str) -> None:
        self.found.append(Diagnostic("XLATE.CHANGED", what, where, Severity.INFO))


# --- narrative codes (MT field 72 / 79 lines "/CODE/text") ----------------------------------

def _lines(text: str | None) -> list[tuple[str, str]]:
    """'/INS/ABNANL2A\\n//more\\nfree' -> [('INS', 'ABNANL2A more'), ('', 'free')]."""
    found: list[tuple[str, str]] = []
    for line in (text or "").split("\n"):
        if line.startswith("//") and found:
            code, value = found[-1]
            found[-1] = (code, value + line[2:])
            continue
        matched = _CODE_LINE.fullmatch(line)
        if matched:
            found.append((matched.group(1), matched.group(2)))
        elif line:
            found.append(("", line))
    return found


def _join(items: list[tuple[str, str]]) -> str | None:
    lines = [f"/{code}/{value}" if code else value for code, value in items]
    return "\n".join(lines) if lines else None


def _bic11(agent: Agent | None) -> Agent | None:
    if agent is None or agent.bic is None or len(agent.bic) != 8:
        return agent
    if agent.name is None and agent.account is None and agent.member_id is None and \
            agent.clearing_system is None and agent.address is None:
        return bic_agent(agent.bic + "XXX")  # a BIC alone (the MT header's): the shared one
    return replace(agent, bic=agent.bic + "XXX")


def _full_bic(bic: str | None) -> str | None:
    return bic + "XXX" if bic is not None and len(bic) == 8 else bic


def _party_bic11(party: Party | None) -> Party | None:
    if party is None or party.bic is None or len(party.bic) != 8:
        return party
    return replace(party, bic=party.bic + "XXX")


def _uuid(text: str) -> UUID | None:
    try:
        found = UUID(text.strip())
    except ValueError:
        return None
    return found if found.version == 4 else None


def _reference_date(text: str | None) -> tuple[str | None, str | None]:
    """MT 11S/11R '103\\n221020' -> ('pacs.008.001.08', '2022-10-20T00:00:00+00:00')."""
    if not text:
        return None, None
    kind, _, day = text.partition("\n")
    name = ORIGINAL_MESSAGE_NAMES.get(kind.strip())
    created = None
    try:
        created = datetime.strptime(day.strip()[:6], "%y%m%d").replace(tzinfo=UTC).isoformat()
    except ValueError:
        created = None
    return name, created


# --- MT -> MX -------------------------------------------------------------------------------

def _common_mx(m: Message, notes: _Notes) -> dict[str, Any]:
    """BICs as 11 characters; block-3 UETR kept."""
    return {
        "instructing_agent": _bic11(m.instructing_agent),
        "instructed_agent": _bic11(m.instructed_agent),
        "debtor_agent": _bic11(m.debtor_agent), "creditor_agent": _bic11(m.creditor_agent),
        "intermediary_agents": tuple(a for a in map(_bic11, m.intermediary_agents) if a),
        "debtor": _party_bic11(m.debtor), "creditor": _party_bic11(m.creditor),
    }


def _identify(m: Message, notes: _Notes, changes: dict[str, Any]) -> None:
    """Field 20 and the MT header's date and time identify the MX message: set with the rule's
    other changes, so the message is rebuilt once."""
    if not m.message_id:
        changes["message_id"] = m.instruction_id
    if m.created_at is None and notes.created is not None:
        changes["created_at"] = notes.created


def _identified(m: Message, notes: _Notes) -> Message:
    """The message with `_identify`'s changes (itself when it needs none)."""
    changes: dict[str, Any] = {}
    _identify(m, notes, changes)
    return replace(m, **changes) if changes else m


def _field72(m: Message, notes: _Notes, changes: dict[str, Any]) -> list[tuple[str, str]]:
    """/INS/ -> previous instructing agent; the rest stays for the caller."""
    rest: list[tuple[str, str]] = []
    previous = list(m.previous_instructing_agents)
    for code, value in _lines(m.narrative):
        if code == "INS" and value:
            previous.append(Agent(bic=value[:11]) if re.fullmatch(r"[A-Z0-9]{8,11}", value)
                            else Agent(name=value))
            notes.moved("72 /INS/ -> PrvsInstgAgt", "narrative")
        else:
            rest.append((code, value))
    changes["previous_instructing_agents"] = tuple(previous)
    return rest


def _mx_pacs008(m: Message, notes: _Notes) -> Message:
    changes = _common_mx(m, notes)
    _identify(m, notes, changes)
    rest = _field72(m, notes, changes)
    changes["narrative"] = _join(rest)
    if m.end_to_end_id is None and m.remittance_info:
        first = m.remittance_info.split("\n")[0]
        if first.startswith("/ROC/"):
            changes["end_to_end_id"] = first[5:].split("//")[0][:35] or None
            notes.moved("70 /ROC/ -> EndToEndId", "remittance_info")
    return replace(m, **changes)


def _mx_pacs009(m: Message, notes: _Notes) -> Message:
    changes = _common_mx(m, notes)
    _identify(m, notes, changes)
    rest = _field72(m, notes, changes)
    remittance = [f"/{c}/{v}" for c, v in rest if c == "BNF"]
    if remittance:
        changes["remittance_info"] = "\n".join(filter(None, [m.remittance_info, *remittance]))
        notes.moved("72 /BNF/ -> RmtInf/Ustrd", "narrative")
    changes["narrative"] = _join([(c, v) for c, v in rest if c != "BNF"])
    if m.related_reference is not None and m.end_to_end_id is None:
        changes["end_to_end_id"] = m.related_reference
        changes["related_reference"] = None
        notes.moved("21 -> EndToEndId", "related_reference")
    if m.underlying is not None:
        u = m.underlying
        changes["underlying"] = replace(u, debtor_agent=_bic11(u.debtor_agent),
                                        creditor_agent=_bic11(u.creditor_agent),
                                        debtor=_party_bic11(u.debtor),
                                        creditor=_party_bic11(u.creditor))
    return replace(m, **changes)


def _answer(m: Message, notes: _Notes, codes: list[tuple[str, str]]) -> dict[str, Any]:
    """/RETN/ or /REJT/ narratives: reason, MREF (original reference), TREF (end-to-end)."""
    found: dict[str, Any] = {}
    rest: list[tuple[str, str]] = []
    for i, (code, value) in enumerate(codes):
        if code in ("RETN", "REJT"):
            continue
        if i == 1 and code and not value:
            found["reason_code"] = code
        elif code == "MREF":
            found["related_reference"] = value
        elif code == "TREF":
            found["end_to_end_id"] = value
        elif code == "TEXT" and value.startswith("/UETR/"):
            found.setdefault("original_uetr", _uuid(value[6:]))
        else:
            rest.append((code, value))
    found["reason_text"] = _join(rest)
    notes.moved("narrative /RETN/ or /REJT/ codes -> reason, original references", "narrative")
    return found


def _mx_pacs004(m: Message, notes: _Notes) -> Message:
    codes = _lines(m.narrative)
    if not codes or codes[0][0] != "RETN":
        raise CodecError("an MT 103 becomes a pacs.004 only when field 72 starts with /RETN/",
                         code="XLATE.UNSUPPORTED", location="narrative")
    base = _mx_pacs008(replace(m, narrative=None), notes)
    found = _answer(m, notes, codes)
    return replace(base, kind=Kind.RETURN, uetr=None, original_uetr=m.uetr, narrative=None,
                   **found)


def _mx_pacs002(m: Message, notes: _Notes) -> Message:
    codes = _lines(m.narrative)
    if not codes or codes[0][0] not in ("REJT", "RETN"):
        raise CodecError("an MT n99 becomes a pacs.002 only when field 79 starts with /REJT/ "
                         "or /RETN/", code="XLATE.UNSUPPORTED", location="narrative")
    found = _answer(m, notes, codes)
    original = found.get("related_reference") or m.related_reference
    return replace(
        m, **_common_mx(m, notes), kind=Kind.STATUS_REPORT, status="RJCT", uetr=None,
        original_uetr=found.pop("original_uetr", None) or m.uetr, narrative=None,
        message_id=m.instruction_id, instruction_id=None, original_message_id=original,
        extra={**m.extra, "iso.OrgnlMsgNmId": NOT_PROVIDED}, **found)


def _mx_camt056(m: Message, notes: _Notes) -> Message:
    codes = _lines(m.narrative or m.reason_text)
    reason = codes[0][0] if codes and codes[0][0] and not codes[0][1] else None
    uetr = m.uetr
    rest: list[tuple[str, str]] = []
    for i, (code, value) in enumerate(codes):
        if code == "UETR":
            uetr = _uuid(value) or uetr
        elif not (i == 0 and reason):
            rest.append((code, value))
    name, created = _reference_date(m.extra.get("mt.11S"))
    notes.moved("79 reason and /UETR/, 11S -> CxlRsnInf, OrgnlUETR, OrgnlGrpInf", "narrative")
    extra = {k: v for k, v in m.extra.items() if k != "mt.11S"}
    extra.update({k: v for k, v in (("iso.OrgnlMsgNmId", name), ("iso.OrgnlCreDtTm", created),
                                    ("iso.Case.Id", m.instruction_id)) if v})
    return replace(m, **_common_mx(m, notes), message_id=m.instruction_id, instruction_id=None,
                   original_message_id=m.related_reference, original_uetr=uetr, uetr=None,
                   reason_code=reason, reason_text=_join(rest), narrative=None, extra=extra)


def _mx_camt029(m: Message, notes: _Notes) -> Message:
    uetr = m.uetr
    answer = m.extra.get("mt.77A", "")
    joined = "".join(line[2:] if line.startswith("//") else line for line in answer.split("\n"))
    if joined.startswith("/UETR/"):
        uetr = _uuid(joined[6:]) or uetr
    name, created = _reference_date(m.extra.get("mt.11R"))
    extra = {k: v for k, v in m.extra.items() if k not in ("mt.77A", "mt.11R")}
    extra.update({k: v for k, v in (("iso.OrgnlMsgNmId", name), ("iso.OrgnlCreDtTm", created),
                                    ("iso.Case.Id", m.related_reference)) if v})
    notes.moved("21 -> RslvdCase/Id, 77A /UETR/ -> OrgnlUETR, 11R -> OrgnlGrpInf",
                "related_reference")
    reason_text = m.reason_text if m.reason_text != f"/{m.status}/" else None
    return replace(m, **_common_mx(m, notes), message_id=m.instruction_id,
                   related_reference=None, original_uetr=uetr, uetr=None,
                   original_message_id=NOT_PROVIDED if name else None,
                   reason_text=reason_text, extra=extra)


TO_MX: dict[str, Callable[[Message, _Notes], Message]] = {
    "pacs.008": _mx_pacs008, "pacs.009": _mx_pacs009, "pacs.009cov": _mx_pacs009,
    "pacs.009adv": _mx_pacs009,
    "pacs.004": _mx_pacs004, "pacs.002": _mx_pacs002, "camt.056": _mx_camt056,
    "camt.029": _mx_camt029,
}


# --- MX -> MT -------------------------------------------------------------------------------

def _ins(m: Message) -> list[str]:
    return [f"/INS/{a.bic}" for a in m.previous_instructing_agents if a.bic]


def _mt103(m: Message, notes: _Notes) -> Message:
    if m.kind is Kind.RETURN:
        lines = ["/RETN/99", f"/{m.reason_code or 'NARR'}/"]
        if m.related_reference:
            lines.append(f"/MREF/{m.related_reference}")
        if m.end_to_end_id:
            lines.append(f"/TREF/{m.end_to_end_id}")
        notes.moved("return reason and original references -> 72 /RETN/", "reason_code")
        return replace(m, kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=m.original_uetr or m.uetr,
                       narrative="\n".join([*_ins(m), *lines]), reason_code=None,
                       related_reference=None, end_to_end_id=None, original_uetr=None,
                       previous_instructing_agents=())
    remittance = m.remittance_info
    if m.end_to_end_id and m.end_to_end_id != NOT_PROVIDED and m.end_to_end_id not in (
            remittance or ""):
        remittance = "\n".join(filter(None, [f"/ROC/{m.end_to_end_id}", remittance]))
        notes.moved("EndToEndId -> 70 /ROC/", "end_to_end_id")
    narrative = "\n".join(filter(None, [*_ins(m), m.narrative])) or None
    return replace(m, remittance_info=remittance, narrative=narrative,
                   previous_instructing_agents=())


def _mt202(m: Message, notes: _Notes) -> Message:
    lines = _ins(m)
    if m.remittance_info:
        lines.extend(line if line.startswith("/BNF/") else f"/BNF/{line}"
                     for line in m.remittance_info.split("\n"))
        notes.moved("RmtInf/Ustrd -> 72 /BNF/", "remittance_info")
    narrative = "\n".join(filter(None, [*lines, m.narrative])) or None
    return replace(m, related_reference=m.related_reference or m.end_to_end_id,
                   narrative=narrative, remittance_info=None, previous_instructing_agents=())


def _mt_n99(m: Message, notes: _Notes) -> Message:
    """A rejection (status RJCT) or a return stays what it is: the MT codec writes field 79 in
    the reject/return guideline layout from the status, reason and references, and reads the
    same values back, so the report lists only what field 79 really cut or filled in."""
    if m.kind is Kind.STATUS_REPORT and (m.status or "RJCT").upper() != "RJCT":
        raise CodecError(f"a status report {m.status} has no MT n99 form (only a rejection, "
                         "RJCT, or a return)", code="XLATE.UNSUPPORTED", location="status")
    changes: dict[str, Any] = {}
    # /MREF/ and /TREF/ hold 16x: cut with '+' here, so field 21 and /MREF/ agree
    for name, value in (("original_message_id", m.original_message_id or m.related_reference),
                        ("end_to_end_id", m.end_to_end_id)):
        if value is not None and len(value) > 16:
            cut = value[:15] + "+"
            notes.found.append(Diagnostic("XLATE.TRUNCATED", f"{value!r} cut to {cut!r}",
                                          f"{name} -> 79", Severity.WARNING))
            value = cut
        changes[name] = value
    extra = dict(m.extra)
    if "mt.79.field" not in extra:  # ISO 20022 does not say which field caused it
        extra["mt.79.field"] = "99"
        notes.found.append(Diagnostic("XLATE.DEFAULTED", "the field that caused the reject or "
                                      "return is unknown; written as '99'", "79 line 1",
                                      Severity.WARNING))
    notes.moved("status reason and original references -> 79 /REJT/ or /RETN/", "reason_code")
    meant = replace(m, instruction_id=m.message_id or m.instruction_id,
                    related_reference=changes["original_message_id"],
                    uetr=m.original_uetr or m.uetr, narrative=None, extra=extra,
                    status="RJCT" if m.kind is Kind.STATUS_REPORT else m.status, **changes)
    # field 79 as the codec writes it, kept as the narrative it reads back
    return replace(meant, narrative=field79(meant))


def _mt192(m: Message, notes: _Notes) -> Message:
    lines = [f"/{m.reason_code}/"] if m.reason_code else []
    if m.original_uetr:
        lines.append(f"/UETR/{m.original_uetr}")
    if m.reason_text:
        lines.append(m.reason_text)
    kind = next((k for k, v in ORIGINAL_MESSAGE_NAMES.items()
                 if v == m.extra.get("iso.OrgnlMsgNmId")), "103")
    day = (m.extra.get("iso.OrgnlCreDtTm") or "")[:10]
    extra = dict(m.extra)
    if day:
        extra["mt.11S"] = f"{kind}\n{date.fromisoformat(day).strftime('%y%m%d')}"
    if m.amount is not None and m.settlement_date is not None and "mt.copy" not in extra:
        # the copy of the original's mandatory fields: its 32A
        extra["mt.copy"] = (f":32A:{m.settlement_date.strftime('%y%m%d')}{m.amount.currency}"
                            f"{m.amount.text().replace('.', ',')}")
    notes.moved("CxlRsnInf, OrgnlUETR, OrgnlGrpInf -> 79 and 11S", "reason_code")
    return replace(m, instruction_id=m.message_id or m.instruction_id,
                   related_reference=m.related_reference or m.original_message_id,
                   uetr=m.original_uetr, original_uetr=None, narrative="\n".join(lines) or None,
                   reason_code=None, reason_text=None, extra=extra)


def _mt196(m: Message, notes: _Notes) -> Message:
    extra = dict(m.extra)
    if m.original_uetr:
        text = f"/UETR/{m.original_uetr}"
        extra["mt.77A"] = "\n//".join(text[i:i + 33] if i else text[:35]
                                      for i in [0, *range(35, len(text), 33)])
    kind = next((k for k, v in ORIGINAL_MESSAGE_NAMES.items()
                 if v == m.extra.get("iso.OrgnlMsgNmId")), None)
    day = (m.extra.get("iso.OrgnlCreDtTm") or "")[:10]
    if kind and day:
        extra["mt.11R"] = f"{kind}\n{date.fromisoformat(day).strftime('%y%m%d')}"
    notes.moved("RslvdCase/Id -> 21, OrgnlUETR -> 77A, OrgnlGrpInf -> 11R", "extra")
    return replace(m, instruction_id=m.message_id or m.instruction_id,
                   related_reference=m.extra.get("iso.Case.Id") or m.related_reference,
                   uetr=m.original_uetr, original_uetr=None, extra=extra)


TO_MT: dict[str, Callable[[Message, _Notes], Message]] = {
    "mt103": _mt103, "mt202": _mt202, "mt202cov": _mt202, "mt199": _mt_n99, "mt299": _mt_n99,
    "mt192": _mt192, "mt196": _mt196,
}


# --- the comparison that builds the report --------------------------------------------------

SKIP = frozenset({"format", "kind"})  # carried by the output's own format, at any depth


def _walk(a: Any, b: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key in SKIP:
                continue
            yield from _walk(a.get(key), b.get(key), f"{path}.{key}" if path else key)
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            yield from _walk(a[i] if i < len(a) else None, b[i] if i < len(b) else None,
                             f"{path}[{i}]")
    elif isinstance(a, dict) and b is None:
        for key in sorted(a):
            yield from _walk(a[key], None, f"{path}.{key}")
    elif isinstance(b, dict) and a is None:
        for key in sorted(b):
            yield from _walk(None, b[key], f"{path}.{key}")
    elif a != b:
        yield path, a, b


def _same(a: Any, b: Any) -> bool:
    """Equal up to representation: BIC8 vs BIC11 with XXX, line breaks versus spaces."""
    if isinstance(a, str) and isinstance(b, str):
        if (len(a) == 8 and b == a + "XXX") or (len(b) == 8 and a == b + "XXX"):
            return True
        return a.replace("\n", "") == b.replace("\n", "")
    return False


def _report(differences: Iterator[tuple[str, Any, Any]], target: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for path, before, after in differences:
        where = f"{path} -> {target}"
        if before is not None and after is None:
            found.append(Diagnostic("XLATE.DROPPED", f"{before!r} has no place in {target}",
                                    where, Severity.WARNING))
        elif before is None and after is not None:
            found.append(Diagnostic("XLATE.DEFAULTED", f"written as {after!r}", where,
                                    Severity.WARNING))
        elif isinstance(before, str) and isinstance(after, str) and after.endswith("+") and \
                before.replace("\n", "").startswith(after[:-1].replace("\n", "")):
            found.append(Diagnostic("XLATE.TRUNCATED", f"{before!r} cut to {after!r}", where,
                                    Severity.WARNING))
        elif not _same(before, after):
            found.append(Diagnostic("XLATE.CHANGED", f"{before!r} written as {after!r}", where,
                                    Severity.WARNING))
    return found


def compare_all(source: Message, result: Message, target: str) -> list[Diagnostic]:
    """Every difference between what was meant and what the target carries: the two messages'
    canonical JSON compared key by key (the definition `compare` follows)."""
    return _report(_walk(to_data(source), to_data(result), ""), target)


FIELDS = tuple(f.name for f in fields(Message) if f.name not in SKIP)
_PLAIN = frozenset({str, date, Money, Agent, Party, UUID, tuple, MappingProxyType})
"""Types whose equal values have equal canonical JSON (a tuple of agents or charges included:
neither holds a datetime or a Message)."""
_values = attrgetter(*FIELDS)


def _equal(a: Any, b: Any) -> bool:
    """Equal values whose canonical JSON is equal too (an aware datetime equals the same
    instant at another offset, which JSON writes differently)."""
    if a is b:
        return True
    if a != b:
        return False
    kind = type(a)
    if kind in _PLAIN:  # what most fields hold: equal means equal
        return True
    if isinstance(a, datetime):
        return bool(a.utcoffset() == b.utcoffset())
    if isinstance(a, Message):
        return all(_equal(x, y) for x, y in zip(_values(a), _values(b), strict=True))
    return True


def _data(m: Message, names: list[str]) -> dict[str, Any]:
    """The canonical JSON of some fields of a message (None and empty left out, as to_data)."""
    found: dict[str, Any] = {}
    for name in names:
        value = getattr(m, name)
        if value is None or (not value and isinstance(value, (tuple, Mapping))):
            continue
        found[name] = to_data(value)
    return found


def compare(source: Message, result: Message, target: str) -> list[Diagnostic]:
    """`compare_all`, faster: fields equal on both sides are skipped before any JSON is built,
    the rest compared exactly as `compare_all` does."""
    differing = [name for name, a, b in zip(FIELDS, _values(source), _values(result), strict=True)
                 if a is not b and not _equal(a, b)]
    if not differing:
        return []
    return _report(_walk(_data(source, differing), _data(result, differing), ""), target)


# --- the entry point ------------------------------------------------------------------------

def _detect(raw: bytes) -> str | None:
    if raw.lstrip()[:3] in (b"{1:", b"{2:", b"{4:"):
        try:
            return codecs.codec_for("mt103").detect(raw)
        except HubError:
            return None
    return codecs.detect(raw)


def _created(decoded: Decoded) -> datetime | None:
    """The MT output header's input date and time (MIR), when the source carries one."""
    application = getattr(decoded.envelope, "application", None)
    day, time = getattr(application, "mir_date", None), getattr(application, "input_time", None)
    if not day or not time or day == "000000":
        return None
    stamp = day + time
    if len(stamp) == 10 and stamp.isdigit():  # YYMMDDHHMM without strptime's cost
        year = int(stamp[:2])
        try:
            return datetime(year + (2000 if year < 69 else 1900), int(stamp[2:4]),
                            int(stamp[4:6]), int(stamp[6:8]), int(stamp[8:]), tzinfo=UTC)
        except ValueError:
            return None
    try:
        return datetime.strptime(day + time, "%y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None


def translate(raw: bytes, to_format: str, *, from_format: str | None = None,
              options: Options | None = None, verify: bool = False) -> Translation:
    """Translate one MT message to MX or one MX message to MT (CBPR+ rules).

    An MX output is read back from the data form it was written from, without parsing and
    validating it; `verify=True` decodes the output bytes as their receiver would, XSD
    included (the property tests hold both ways to the same result).
    """
    source_format = from_format or _detect(raw)
    if source_format is None:
        return Translation(b"", diagnostics=[Diagnostic(
            "CODEC.UNKNOWN_FORMAT", "the input is not in any format this hub reads", "byte 0")])
    decoded = codecs.decode(raw, source_format, options=options)
    diagnostics = list(decoded.diagnostics)
    if has_errors(diagnostics) or not decoded.messages:
        diagnostics.append(Diagnostic("XLATE.SOURCE", f"the {source_format} input cannot be "
                                      "read", "byte 0"))
        return Translation(b"", diagnostics=diagnostics)
    source_format = decoded.format
    to_mx = to_format in MX_FORMATS
    table = MT_TO_MX if to_mx else MX_TO_MT
    if to_format not in table.get(source_format, ()):
        diagnostics.append(Diagnostic("XLATE.UNSUPPORTED", f"no translation from "
                                      f"{source_format} to {to_format}", "format"))
        return Translation(b"", diagnostics=diagnostics)
    notes = _Notes(created=_created(decoded) if to_mx else None)
    rules = TO_MX if to_mx else TO_MT
    try:
        meant = [rules[to_format](m, notes) for m in decoded.messages]
        if to_mx:  # the rules of pacs.008 and pacs.009 have done this with their own changes
            meant = [_identified(m, notes) for m in meant]
    except HubError as exc:
        return Translation(b"", diagnostics=[*diagnostics, exc.diagnostic()])
    report: list[Diagnostic] = list(notes.found)
    envelope: dict[str, Any] = {"truncate": True, "report": report,
                                "sender": decoded.sender, "receiver": decoded.receiver}
    if to_mx:
        envelope["profile"] = "cbpr"
        envelope["validate"] = False  # the output is read back (and, if asked, verified) below
        envelope["sender"] = _full_bic(decoded.sender)
        envelope["receiver"] = _full_bic(decoded.receiver)
    options = options or codecs.default_options()
    try:
        if to_mx and not verify:
            written = ISO20022.write_data(meant, to_format, options, **envelope)
            output = written.xml
            again = ISO20022.decode_written(written, to_format, options)
        else:
            output = codecs.encode(meant, to_format, options=options, **envelope)
            again = codecs.decode(output, to_format, options=options)
    except HubError as exc:
        return Translation(b"", report=report,
                           diagnostics=[*diagnostics, exc.diagnostic(), *exc.diagnostics])
    diagnostics.extend(d for d in again.diagnostics if d.severity is not Severity.INFO)
    for before, after in zip(meant, again.messages, strict=False):
        report.extend(compare(before, after, to_format))
    return Translation(output, report=report, diagnostics=diagnostics)
