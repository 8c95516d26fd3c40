"""X12 syntax: delimiters from the fixed-length ISA, tokenizer, and the envelope checks.

    ISA ── GS ── ST … SE ── … ── GE ── … ── IEA

The ISA is 106 characters: the element separator is at index 3, the repetition separator is
ISA11 (005010) at index 82, the component separator ISA16 at index 104 and the segment
terminator at index 105. Every control number and count is checked (ISA13 = IEA02,
GS06 = GE02, ST02 = SE02, SE01, GE01, IEA01); each problem becomes a `Finding` at its level so
the acknowledgement can answer it (TA1 note, AK9 group code, AK5/IK5 transaction code).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat

from hub.codecs.edi.findings import GROUP, INTERCHANGE, TRANSACTION, Finding
from hub.codecs.edi.pieces import segment_texts
from hub.errors import CodecError, Severity

ISA_LENGTH = 106
VERSIONS = {"00401": "004010", "00501": "005010"}
TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")
# fixed ISA element lengths, ISA01..ISA16 (X12.5 interchange control structure)
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
LENIENT_ISA_PADDING = "isa_padding"
# a segment: its tag, then its elements. Read as tuples (which the garbage collector stops
# tracking), written from lists.
Segment = Sequence[str]
ENVELOPE_TAGS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    repetition: str | None = "^"
    component: str = ":"
    segment: str = "~"
    suffix: str = "\n"  # line break written after each terminator (not part of the data)


@dataclass(slots=True)
class Transaction:
    code: str  # ST01
    control: str  # ST02
    start: int  # index of ST in Interchange.segments
    end: int | None = None  # index of SE
    reference: str = ""  # ST03 implementation convention (005010)
    group: str | None = None

    def body(self, segments: list[Segment]) -> list[Segment]:
        stop = self.end if self.end is not None else len(segments)
        return segments[self.start + 1:stop]


@dataclass(slots=True)
class Group:
    functional_id: str  # GS01
    sender: str  # GS02
    receiver: str  # GS03
    control: str  # GS06
    version: str  # GS08
    start: int
    end: int | None = None
    transactions: list[Transaction] = field(default_factory=list)


@dataclass(slots=True)
class Interchange:
    """The lossless envelope: every segment as its element list, plus what the checks found."""

    delimiters: Delimiters
    segments: list[Segment]
    isa: list[str]
    groups: list[Group] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    trailer: bool = False  # IEA seen
    ta1: list[Segment] = field(default_factory=list)  # TA1 segments received

    @property
    def control(self) -> str:
        return self.isa[13] if len(self.isa) > 13 else ""

    @property
    def sender(self) -> str:
        return self.isa[6].strip() if len(self.isa) > 6 else ""

    @property
    def sender_qualifier(self) -> str:
        return self.isa[5].strip() if len(self.isa) > 5 else ""

    @property
    def receiver(self) -> str:
        return self.isa[8].strip() if len(self.isa) > 8 else ""

    @property
    def receiver_qualifier(self) -> str:
        return self.isa[7].strip() if len(self.isa) > 7 else ""

    @property
    def version(self) -> str:
        """'004010' or '005010' (from ISA12), '' when unknown."""
        return VERSIONS.get(self.isa[12], "") if len(self.isa) > 12 else ""

    @property
    def ack_requested(self) -> bool:
        return len(self.isa) > 14 and self.isa[14] == "1"

    @property
    def usage(self) -> str:
        return self.isa[15] if len(self.isa) > 15 else ""

    @property
    def envelope_ok(self) -> bool:
        """No error at interchange or group level and no broken ST/SE frame."""
        return not any(f.is_error and f.code in ENVELOPE_CODES for f in self.findings)

    def transactions(self) -> list[Transaction]:
        return [t for g in self.groups for t in g.transactions]


ENVELOPE_CODES = frozenset({
    "X12.ISA", "X12.ISA_PADDING", "X12.ISA_DELIMITERS", "X12.ISA12", "X12.ISA13", "X12.ISA14",
    "X12.ISA15", "X12.ISA_DATE", "X12.IEA_MISSING", "X12.IEA01", "X12.IEA02", "X12.GS_MISSING",
    "X12.GS08", "X12.GS06", "X12.GE_MISSING", "X12.GE01", "X12.GE02", "X12.ST02",
    "X12.SE_MISSING", "X12.SE01", "X12.SE02", "X12.SEGMENT_OUTSIDE", "X12.TRUNCATED",
    "X12.CHARACTER", "X12.SEGMENT_ID", "X12.DUPLICATE_INTERCHANGE",
})

# acknowledgement codes: TA1 I18 note, AK9 716 group error, AK5/IK5 718 transaction error
TA1_NOTE = {"X12.ISA": "022", "X12.ISA_PADDING": "022", "X12.ISA_DELIMITERS": "026",
            "X12.ISA12": "017", "X12.ISA13": "018", "X12.ISA14": "019", "X12.ISA15": "020",
            "X12.ISA_DATE": "014", "X12.IEA01": "021", "X12.IEA02": "001",
            "X12.IEA_MISSING": "023", "X12.TRUNCATED": "023", "X12.CHARACTER": "024",
            "X12.GS_MISSING": "024", "X12.SEGMENT_OUTSIDE": "024", "X12.SEGMENT_ID": "024",
            "X12.DUPLICATE_INTERCHANGE": "025"}
AK9_CODE = {"X12.GS08": "2", "X12.GE_MISSING": "3", "X12.GE02": "4", "X12.GE01": "5",
            "X12.GS06": "6"}
AK5_CODE = {"X12.ST01": "1", "X12.SE_MISSING": "2", "X12.SE02": "3", "X12.SE01": "4",
            "X12.ST02": "7"}


class _Findings:
    """Collects findings; `lenient` names relaxations that turn an error into a warning."""

    def __init__(self, lenient: frozenset[str]) -> None:
        self.items: list[Finding] = []
        self.lenient = lenient

    def add(self, code: str, message: str, position: int = 0, tag: str = "",
            element: int | None = None, *, level: str = INTERCHANGE, group: str | None = None,
            transaction: str | None = None, relax: str | None = None, value: str = "",
            local: int | None = None) -> None:
        severity = Severity.WARNING if relax and relax in self.lenient else Severity.ERROR
        if relax and severity is Severity.WARNING:
            message += f" (accepted: lenient '{relax}')"
        ack = (TA1_NOTE.get(code) if level == INTERCHANGE else
               AK9_CODE.get(code) if level == GROUP else AK5_CODE.get(code, "5")) or ""
        self.items.append(Finding(code, message, position, tag, element, None, severity, level,
                                  group, transaction, local, ack, value))


def _read_isa(text: str, out: _Findings) -> tuple[Delimiters, list[str], int] | None:
    """Delimiters, ISA elements and the index just past the ISA terminator (and line break)."""
    if not text.startswith("ISA") or len(text) < 4:
        out.add("X12.ISA", "the interchange must start with 'ISA'", 1, "ISA")
        return None
    element = text[3]
    fixed_ok = (len(text) >= ISA_LENGTH and text[ISA_LENGTH - 3] == element
                and text.count(element, 0, ISA_LENGTH - 2) == 16)
    if fixed_ok:
        component, terminator, end = text[104], text[105], ISA_LENGTH
        isa = text[:ISA_LENGTH - 1].split(element)
    else:
        # find the 16th separator: ISA16 (one character) and the terminator follow it
        index = -1
        for _ in range(16):
            index = text.find(element, index + 1)
            if index < 0:
                break
        if index < 0 or index + 2 >= len(text):
            out.add("X12.ISA", "the ISA segment is truncated (fewer than 16 elements)", 1,
                    "ISA")
            return None
        component, terminator, end = text[index + 1], text[index + 2], index + 3
        isa = text[:index + 2].split(element)
        out.add("X12.ISA_PADDING", f"the ISA is {end} characters, not the fixed {ISA_LENGTH} "
                "(elements not padded to their fixed widths)", 1, "ISA", relax=LENIENT_ISA_PADDING)
    if len({element, component, terminator}) < 3 or any(
            c.isalnum() or c == " " for c in (element, component, terminator)):
        out.add("X12.ISA_DELIMITERS", f"delimiters {element!r} {component!r} {terminator!r} must "
                "be three different non-alphanumeric characters", 1, "ISA")
        return None
    version = isa[12] if len(isa) > 12 else ""
    repetition = isa[11] if version >= "00402" and len(isa) > 11 else None
    suffix = ""
    while end < len(text) and text[end] in "\r\n" and text[end] != terminator:
        suffix += text[end]
        end += 1
    return Delimiters(element, repetition, component, terminator, suffix), isa, end


def _check_isa(isa: list[str], out: _Findings) -> None:
    fixed = all(len(v) == w for v, w in zip(isa[1:], ISA_WIDTHS, strict=False))
    if not fixed and not any(f.code == "X12.ISA_PADDING" for f in out.items):
        bad = [i for i, (v, w) in enumerate(zip(isa[1:], ISA_WIDTHS, strict=False), 1)
               if len(v) != w]
        out.add("X12.ISA_PADDING", f"ISA{bad[0]:02d} is not {ISA_WIDTHS[bad[0] - 1]} "
                "characters wide", 1, "ISA", bad[0], relax=LENIENT_ISA_PADDING)
    if len(isa) != 17:
        out.add("X12.ISA", f"the ISA has {len(isa) - 1} elements, not 16", 1, "ISA")
        return
    if isa[12] not in VERSIONS:
        out.add("X12.ISA12", f"interchange version {isa[12]!r} is not 00401 or 00501", 1, "ISA",
                12, value=isa[12])
    if not (len(isa[13]) == 9 and isa[13].isdigit()):
        out.add("X12.ISA13", f"control number {isa[13]!r} is not 9 digits", 1, "ISA", 13,
                value=isa[13])
    if isa[14] not in ("0", "1"):
        out.add("X12.ISA14", f"acknowledgment requested {isa[14]!r} is not 0 or 1", 1, "ISA", 14)
    if isa[15] not in ("P", "T", "I"):
        out.add("X12.ISA15", f"usage indicator {isa[15]!r} is not P, T or I", 1, "ISA", 15)
    try:
        datetime.strptime(isa[9] + isa[10], "%y%m%d%H%M")
    except ValueError:
        out.add("X12.ISA_DATE", f"interchange date/time {isa[9]!r} {isa[10]!r} is not "
                "YYMMDD HHMM", 1, "ISA", 9)


_TEXT = bytes(range(0x20, 0x7f)) + b"\r\n\t"


def _bad_character(text: str, delimiters: Delimiters) -> int | None:
    """Index of the first character that is neither printable ASCII, a line break nor one of
    the interchange's delimiters (which may be control characters), or None."""
    own = delimiters.element + delimiters.component + delimiters.segment
    if not text.encode("latin-1").translate(None, _TEXT + own.encode("latin-1")):
        return None  # the usual case, found without a regular expression
    found = re.search(f"[^\\x20-\\x7e\\r\\n\\t{re.escape(own)}]", text)
    return found.start() if found else None


def parse(raw: bytes, lenient: frozenset[str] = frozenset()) -> Interchange | list[Finding]:
    """The interchange with its findings, or only findings when not even the ISA is readable."""
    out = _Findings(lenient)
    text = raw.decode("latin-1")
    if text[:1] in ("\r", "\n", " ", "\t", "\ufeff"):
        out.add("X12.ISA", "whitespace before the ISA", 1, "ISA", relax=LENIENT_ISA_PADDING)
        text = text.lstrip("\r\n \t\ufeff")
    found = _read_isa(text, out)
    if found is None:
        return out.items
    delimiters, isa, start = found
    _check_isa(isa, out)
    segments: list[Segment] = [isa]
    body = text[start:]
    if delimiters.segment in "\r\n":
        pieces = body.split(delimiters.segment)
    else:  # line breaks after terminators are not data
        pieces = segment_texts(body, delimiters.segment)
    tail = pieces.pop()
    element = delimiters.element
    segments += map(tuple, map(str.split, filter(None, pieces), repeat(element)))
    if tail.strip():
        segments.append(tuple(tail.strip().split(element)))
        out.add("X12.TRUNCATED", "the last segment has no terminator "
                f"{delimiters.segment!r}", len(segments), segments[-1][0][:3])
    bad = _bad_character(body, delimiters)
    if bad is not None:
        position = body.count(delimiters.segment, 0, bad) + 2
        out.add("X12.CHARACTER", f"byte 0x{ord(body[bad]):02X} is not X12 text", position)
    interchange = Interchange(delimiters=delimiters, segments=segments, isa=isa)
    _walk(interchange, out)
    interchange.findings = out.items
    return interchange


def _walk(ic: Interchange, out: _Findings) -> None:
    group: Group | None = None
    ts: Transaction | None = None
    seen_st: set[str] = set()
    identifiers: set[str] = set()  # tags already found well formed
    segments = ic.segments
    for index in range(1, len(segments)):
        seg = segments[index]
        tag = seg[0]
        if ts is not None and tag not in ENVELOPE_TAGS:  # inside a transaction set
            if tag not in identifiers:
                if TAG.fullmatch(tag):
                    identifiers.add(tag)
                else:
                    out.add("X12.SEGMENT_ID", f"{tag[:10]!r} is not a segment identifier",
                            index + 1, level=TRANSACTION, group=ts.group,
                            transaction=ts.control, local=index - ts.start + 1)
            continue
        pos = index + 1
        if tag == "SE" and ts is not None:
            count = index - ts.start + 1
            if len(seg) < 2 or seg[1] != str(count):
                out.add("X12.SE01", f"SE01 {seg[1] if len(seg) > 1 else ''!r} but the "
                        f"transaction set has {count} segments", pos, "SE", 1, level=TRANSACTION,
                        group=ts.group, transaction=ts.control)
            if len(seg) < 3 or seg[2] != ts.control:
                out.add("X12.SE02", f"SE02 {seg[2] if len(seg) > 2 else ''!r} is not ST02 "
                        f"{ts.control!r}", pos, "SE", 2, level=TRANSACTION, group=ts.group,
                        transaction=ts.control)
            ts.end = index
            ts = None
            continue
        if ts is not None:
            out.add("X12.SE_MISSING", f"transaction set {ts.control} has no SE before {tag}",
                    pos, tag, level=TRANSACTION, group=ts.group, transaction=ts.control)
            ts.end = index
            ts = None
        if tag == "ST":
            if group is None:
                out.add("X12.GS_MISSING", "ST outside a functional group (no GS)", pos, "ST")
                group = Group("", "", "", "", "", index)
                ic.groups.append(group)
            control = seg[2] if len(seg) > 2 else ""
            ts = Transaction(seg[1] if len(seg) > 1 else "", control, index,
                             reference=seg[3] if len(seg) > 3 else "", group=group.control)
            group.transactions.append(ts)
            if not control or control in seen_st:
                out.add("X12.ST02", f"ST02 {control!r} is missing or repeats in the group", pos,
                        "ST", 2, level=TRANSACTION, group=group.control, transaction=control)
            seen_st.add(control)
        elif tag == "GS":
            if group is not None and group.end is None:
                out.add("X12.GE_MISSING", f"group {group.control} has no GE before the next GS",
                        pos, "GS", level=GROUP, group=group.control)
                group.end = index
            seg = [*seg, *[""] * (9 - len(seg))]
            group = Group(seg[1], seg[2], seg[3], seg[6], seg[8], index)
            ic.groups.append(group)
            seen_st = set()
            if not seg[6].isdigit() or len(seg[6]) > 9:
                out.add("X12.GS06", f"GS06 {seg[6]!r} is not a number of 1-9 digits", pos, "GS",
                        6, level=GROUP, group=seg[6])
            if not seg[8].startswith(("004010", "005010")):
                out.add("X12.GS08", f"version {seg[8]!r} is not 004010 or 005010", pos, "GS", 8,
                        level=GROUP, group=seg[6], value=seg[8])
        elif tag == "GE":
            if group is None or group.end is not None:
                out.add("X12.SEGMENT_OUTSIDE", "GE without a GS", pos, "GE")
                continue
            seg = [*seg, *[""] * (3 - len(seg))]
            if seg[1] != str(len(group.transactions)):
                out.add("X12.GE01", f"GE01 {seg[1]!r} but the group has "
                        f"{len(group.transactions)} transaction sets", pos, "GE", 1, level=GROUP,
                        group=group.control)
            if seg[2] != group.control:
                out.add("X12.GE02", f"GE02 {seg[2]!r} is not GS06 {group.control!r}", pos, "GE",
                        2, level=GROUP, group=group.control)
            group.end = index
        elif tag == "IEA":
            if group is not None and group.end is None:
                out.add("X12.GE_MISSING", f"group {group.control} has no GE before IEA", pos,
                        "IEA", level=GROUP, group=group.control)
                group.end = index
            seg = [*seg, *[""] * (3 - len(seg))]
            real_groups = sum(1 for g in ic.groups if g.functional_id)
            if seg[1] != str(real_groups):
                out.add("X12.IEA01", f"IEA01 {seg[1]!r} but the interchange has {real_groups} "
                        "functional groups", pos, "IEA", 1)
            if seg[2] != ic.control:
                out.add("X12.IEA02", f"IEA02 {seg[2]!r} is not ISA13 {ic.control!r}", pos, "IEA",
                        2)
            ic.trailer = True
            if index != len(segments) - 1:
                out.add("X12.SEGMENT_OUTSIDE", f"{len(segments) - 1 - index} segment(s) after "
                        "IEA", pos + 1, segments[index + 1][0][:3])
            return
        elif tag == "TA1" and not ic.groups:
            ic.ta1.append(seg)
        elif not TAG.fullmatch(tag):
            out.add("X12.SEGMENT_ID", f"{tag[:10]!r} is not a segment identifier", pos)
        else:
            out.add("X12.SEGMENT_OUTSIDE", f"{tag} outside a transaction set", pos, tag)
    if ts is not None:
        out.add("X12.SE_MISSING", f"transaction set {ts.control} has no SE", len(segments),
                level=TRANSACTION, group=ts.group, transaction=ts.control)
    if group is not None and group.end is None:
        out.add("X12.GE_MISSING", f"group {group.control} has no GE", len(segments), level=GROUP,
                group=group.control)
    out.add("X12.IEA_MISSING", "the interchange has no IEA trailer", len(segments))


def write_isa(*, sender: str, receiver: str, control_number: int, when: datetime,
              version: str = "005010", sender_qualifier: str = "ZZ",
              receiver_qualifier: str = "ZZ", ack_requested: bool = False, usage: str = "P",
              delimiters: Delimiters = Delimiters()) -> str:
    """A fixed-length 106-character ISA (with terminator)."""
    e = delimiters.element
    isa12 = "00501" if version.startswith("005") else "00401"
    isa11 = delimiters.repetition if isa12 == "00501" and delimiters.repetition else "U"
    parts = ["ISA", "00", " " * 10, "00", " " * 10, sender_qualifier.ljust(2),
             sender.ljust(15)[:15], receiver_qualifier.ljust(2), receiver.ljust(15)[:15],
             when.strftime("%y%m%d"), when.strftime("%H%M"), isa11, isa12,
             f"{control_number:09d}", "1" if ack_requested else "0", usage, delimiters.component]
    return e.join(parts) + delimiters.segment + delimiters.suffix


def _check_value(value: str, delimiters: Delimiters, where: str) -> None:
    reserved = {delimiters.element, delimiters.component, delimiters.segment}
    if delimiters.repetition:
        reserved.add(delimiters.repetition)
    if any(c in reserved for c in value) or not value.isascii():
        raise CodecError(f"{where}: {value!r} contains a delimiter or a non-ASCII character",
                         code="X12.CANNOT_ENCODE", location=where)


def write_interchange(groups: list[tuple[str, str, list[tuple[str, str, list[list[str]]]]]], *,
                      sender: str, receiver: str, control_number: int, when: datetime,
                      group_control: int | None = None, sender_qualifier: str = "ZZ",
                      receiver_qualifier: str = "ZZ", ack_requested: bool = False,
                      usage: str = "P", delimiters: Delimiters = Delimiters(),
                      interchange_segments: list[list[str]] | None = None,
                      version: str | None = None) -> bytes:
    """Bytes of an interchange: `groups` are (GS01, GS08, [(ST01, ST03, body)]) in order.

    Transaction sets are numbered 0001, 0002 … per group; groups from `group_control` on.
    `interchange_segments` (TA1) go between ISA and the first GS.
    """
    if not 0 < control_number <= 999_999_999:
        raise CodecError(f"control number {control_number} is not 1-999999999",
                         code="X12.CANNOT_ENCODE", location="control_number")
    for value, where in ((sender, "sender"), (receiver, "receiver")):
        if not value or len(value) > 15:
            raise CodecError(f"{where} id {value!r} must be 1-15 characters",
                             code="X12.CANNOT_ENCODE", location=where)
        _check_value(value, delimiters, where)
    first_version = version or (groups[0][1] if groups else "005010")
    e, t = delimiters.element, delimiters.segment + delimiters.suffix
    out = [write_isa(sender=sender, receiver=receiver, control_number=control_number, when=when,
                     version=first_version, sender_qualifier=sender_qualifier,
                     receiver_qualifier=receiver_qualifier, ack_requested=ack_requested,
                     usage=usage, delimiters=delimiters)]
    for seg in interchange_segments or []:
        out.append(e.join(seg) + t)
    gs_number = group_control if group_control is not None else control_number
    for g, (functional_id, gs_version, sets) in enumerate(groups):
        number = str(gs_number + g)
        out.append(e.join(["GS", functional_id, sender, receiver, when.strftime("%Y%m%d"),
                           when.strftime("%H%M"), number, "X", gs_version]) + t)
        for n, (code, reference, body) in enumerate(sets, 1):
            control = f"{n:04d}"
            st = ["ST", code, control] + ([reference] if reference else [])
            out.append(e.join(st) + t)
            for seg in body:
                for k, value in enumerate(seg[1:], 1):
                    _check_value(value, delimiters, f"transaction {control} {seg[0]}{k:02d}")
                out.append(e.join(seg) + t)
            out.append(e.join(["SE", str(len(body) + 2), control]) + t)
        out.append(e.join(["GE", str(len(sets)), number]) + t)
    out.append(e.join(["IEA", str(len(groups)), f"{control_number:09d}"]) + t)
    return "".join(out).encode("ascii")
