"""UN/EDIFACT syntax (ISO 9735 versions 3 and 4): UNA, release character, envelope checks.

    [UNA] UNB ── (UNG ── UNH … UNT ── UNE)* | (UNH … UNT)* ── UNZ

UNA gives the service characters (component, element, decimal mark, release, repetition or
reserved, terminator); without it the defaults are `:+.? '`. The syntax identifier UNOA … UNOY
chooses the character set. A segment is a list of elements, an element a list of components,
with released characters already resolved. Every control reference and count is checked
(UNB 0020 = UNZ 0020 and UNZ 0036, UNG 0048 = UNE 0048 and UNE 0060, UNH 0062 = UNT 0062 and
UNT 0074); each problem is a `Finding` with the CONTRL syntax error code (0085) that answers it.
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

# elements, each a sequence of components; seg[0][0] is the tag. Read as tuples (which the
# garbage collector stops tracking), written from lists.
Segment = Sequence[Sequence[str]]

# syntax identifier -> Python codec (ISO 9735 part 1, annex; UNOX/UNOY read as UTF-8)
CHARSETS = {"UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOD": "iso8859-2",
            "UNOE": "iso8859-5", "UNOF": "iso8859-7", "UNOG": "iso8859-3", "UNOH": "iso8859-4",
            "UNOI": "iso8859-6", "UNOJ": "iso8859-8", "UNOK": "iso8859-9", "UNOW": "utf-8",
            "UNOX": "utf-8", "UNOY": "utf-8"}
UNOA_TEXT = re.compile(r"[A-Z0-9 .,\-()/='+:?!\"%&*;<>\r\n]*")
TAG = re.compile(r"[A-Z]{3}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LENIENT_CHARSET = "charset"
SERVICE_TAGS = frozenset({"UNT", "UNH", "UNE", "UNZ", "UNG"})
# every byte but the control characters of CONTROL
_NOT_CONTROL = bytes(b for b in range(256) if not CONTROL.fullmatch(chr(b)))

# CONTRL syntax error codes (data element 0085) for the findings that answer them
ACK_0085 = {
    "EDIFACT.UNA": "20", "EDIFACT.SYNTAX_ID": "2", "EDIFACT.SYNTAX_VERSION": "2",
    "EDIFACT.UNB": "12", "EDIFACT.UNZ_MISSING": "13", "EDIFACT.UNZ01": "29",
    "EDIFACT.UNZ02": "28", "EDIFACT.UNE_MISSING": "13", "EDIFACT.UNE01": "29",
    "EDIFACT.UNE02": "28", "EDIFACT.UNH": "12", "EDIFACT.UNT_MISSING": "13",
    "EDIFACT.UNT01": "29", "EDIFACT.UNT02": "28", "EDIFACT.DUPLICATE_MESSAGE": "26",
    "EDIFACT.DUPLICATE_INTERCHANGE": "26", "EDIFACT.MIXED": "30",
    "EDIFACT.MESSAGE_UNSUPPORTED": "17", "EDIFACT.SEGMENT_TAG": "12",
    "EDIFACT.SEGMENT_OUTSIDE": "33", "EDIFACT.SEGMENT_UNEXPECTED": "15",
    "EDIFACT.SEGMENT_MISSING": "13", "EDIFACT.ELEMENT_MISSING": "13",
    "EDIFACT.ELEMENT_CODE": "12", "EDIFACT.AMOUNT": "19", "EDIFACT.DATE": "12",
    "EDIFACT.CURRENCY": "12", "EDIFACT.CONTROL_TOTAL": "12", "EDIFACT.RELEASE": "21",
    "EDIFACT.CHARACTER": "21", "EDIFACT.TRUNCATED": "13", "EDIFACT.UNB_MISSING": "13",
}
ENVELOPE_CODES = frozenset({
    "EDIFACT.UNA", "EDIFACT.UNB_MISSING", "EDIFACT.SYNTAX_ID", "EDIFACT.SYNTAX_VERSION",
    "EDIFACT.UNB", "EDIFACT.UNZ_MISSING", "EDIFACT.UNZ01", "EDIFACT.UNZ02",
    "EDIFACT.UNE_MISSING", "EDIFACT.UNE01", "EDIFACT.UNE02", "EDIFACT.UNH",
    "EDIFACT.UNT_MISSING", "EDIFACT.UNT01", "EDIFACT.UNT02", "EDIFACT.DUPLICATE_MESSAGE",
    "EDIFACT.MIXED", "EDIFACT.SEGMENT_OUTSIDE", "EDIFACT.RELEASE", "EDIFACT.CHARACTER",
    "EDIFACT.TRUNCATED", "EDIFACT.SEGMENT_TAG", "EDIFACT.DUPLICATE_INTERCHANGE",
})


@dataclass(frozen=True, slots=True)
class ServiceChars:
    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    repetition: str = " "  # reserved in version 3, repetition separator ('*') in version 4
    segment: str = "'"
    suffix: str = "\n"  # line break written after each terminator (not data)

    def una(self) -> str:
        return ("UNA" + self.component + self.element + self.decimal + self.release
                + self.repetition + self.segment)


@dataclass(slots=True)
class Message:
    reference: str  # UNH 0062
    type: str  # S009 0065 (PAYMUL …)
    version: str  # 0052
    release: str  # 0054
    agency: str  # 0051
    start: int  # index of UNH in Interchange.segments
    end: int | None = None
    group: str | None = None
    association: str = ""  # 0057

    @property
    def identifier(self) -> list[str]:
        ident = [self.type, self.version, self.release, self.agency]
        return [*ident, self.association] if self.association else ident


@dataclass(slots=True)
class Group:
    reference: str  # UNG 0048
    functional_id: str
    sender: list[str]
    recipient: list[str]
    start: int
    end: int | None = None
    messages: list[Message] = field(default_factory=list)


@dataclass(slots=True)
class Interchange:
    chars: ServiceChars
    una: bool
    segments: list[Segment]
    syntax: str = ""  # UNOA … UNOY
    syntax_version: str = ""  # 3 or 4
    reference: str = ""  # UNB 0020
    sender: list[str] = field(default_factory=list)  # S002
    recipient: list[str] = field(default_factory=list)  # S003
    prepared: str = ""  # S004 date:time as written
    ack_requested: bool = False  # UNB 0031
    test: bool = False  # UNB 0035
    groups: list[Group] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # messages not in a group
    findings: list[Finding] = field(default_factory=list)
    trailer: bool = False

    @property
    def envelope_ok(self) -> bool:
        return not any(f.is_error and f.code in ENVELOPE_CODES for f in self.findings)

    def all_messages(self) -> list[Message]:
        return self.messages + [m for g in self.groups for m in g.messages]


class _Findings:
    def __init__(self, lenient: frozenset[str]) -> None:
        self.items: list[Finding] = []
        self.lenient = lenient

    def add(self, code: str, message: str, position: int = 0, tag: str = "",
            element: int | None = None, component: int | None = None, *,
            level: str = INTERCHANGE, group: str | None = None, message_ref: str | None = None,
            local: int | None = None, relax: str | None = None) -> None:
        severity = Severity.WARNING if relax and relax in self.lenient else Severity.ERROR
        if severity is Severity.WARNING:
            message += f" (accepted: lenient '{relax}')"
        self.items.append(Finding(code, message, position, tag, element, component, severity,
                                  level, group, message_ref, local, ACK_0085.get(code, "12")))


def _read_una(text: str, out: _Findings) -> tuple[ServiceChars, int] | None:
    if not text.startswith("UNA"):
        return ServiceChars(), 0
    if len(text) < 9:
        out.add("EDIFACT.UNA", "UNA must be followed by six service characters", 1, "UNA")
        return None
    comp, elem, dec, rel, rep, term = (text[k] for k in range(3, 9))
    chars = {comp, elem, rel, term}
    if len(chars) < 4 or any(c.isalnum() for c in chars) or dec not in ".,":
        out.add("EDIFACT.UNA", f"UNA service characters {text[3:9]!r} are not distinct "
                "non-alphanumeric characters with '.' or ',' as decimal mark", 1, "UNA")
        return None
    end = 9
    suffix = ""
    while end < len(text) and text[end] in "\r\n":
        suffix += text[end]
        end += 1
    return ServiceChars(comp, elem, dec, rel, rep, term, suffix or "\n"), end


_PLACEHOLDER = "\ue000"
_PRIVATE = re.compile("[\ue000-\ue004]")


def tokenize(text: str, chars: ServiceChars, out: _Findings, first_position: int
             ) -> list[Segment]:
    """Segments of `text` with released characters resolved; stray releases are findings."""
    rel, term = chars.release, chars.segment
    released: dict[str, str] = {}
    if not text.isascii() and (clash := _PRIVATE.search(text)) is not None:
        # a private-use character would be confused with the released ones
        out.add("EDIFACT.CHARACTER", f"private-use character U+{ord(clash.group()):04X} in the "
                "data", text.count(term, 0, clash.start()) + first_position)
        text = _PRIVATE.sub(" ", text)
    if rel != " " and rel in text:
        service = [rel, term, chars.element, chars.component]
        if chars.repetition.strip():
            service.append(chars.repetition)
        for n, c in enumerate(service):
            mark = chr(ord(_PLACEHOLDER) + n)
            text = text.replace(rel + c, mark)
            released[mark] = c
        stray = text.find(rel)
        while stray >= 0:
            position = text.count(term, 0, stray) + first_position
            nxt = text[stray + 1:stray + 2]
            out.add("EDIFACT.RELEASE", f"release character {rel!r} followed by {nxt!r}, which "
                    "is not a service character" if nxt else
                    f"release character {rel!r} at the end of the input", position)
            stray = text.find(rel, stray + 1)
    pieces = segment_texts(text, term)
    tail = pieces.pop()
    segments: list[Segment] = []
    elem, comp = chars.element, chars.component
    if released:
        table = str.maketrans(released)
        for piece in pieces:
            if piece:
                segments.append(tuple(tuple(c.translate(table) for c in e.split(comp))
                                      for e in piece.split(elem)))
    else:
        split, comps = str.split, repeat(comp)
        segments = [tuple(map(tuple, map(split, piece.split(elem), comps)))
                    for piece in pieces if piece]
    if tail.strip():
        segments.append(tuple(tuple(e.split(comp)) for e in tail.strip().split(elem)))
        out.add("EDIFACT.TRUNCATED", f"the last segment has no terminator {term!r}",
                len(segments) + first_position - 1, segments[-1][0][0][:3])
    return segments


def parse(raw: bytes, lenient: frozenset[str] = frozenset()) -> Interchange | list[Finding]:
    out = _Findings(lenient)
    head = raw[:512].decode("latin-1")
    if head[:1] in ("\r", "\n", " ", "\t", "\ufeff"):
        out.add("EDIFACT.UNB_MISSING", "whitespace before the interchange", 1)
        return out.items
    found = _read_una(head, out)
    if found is None:
        return out.items
    chars, start = found
    syntax = head[start + 4:start + 8] if head[start:start + 3] == "UNB" else ""
    encoding = CHARSETS.get(syntax, "latin-1")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        text = raw.decode("latin-1")
        bad = raw[:exc.start].decode("latin-1").count(chars.segment) + 1
        out.add("EDIFACT.CHARACTER", f"byte 0x{raw[exc.start]:02X} is not {syntax} "
                f"({encoding}) text", bad)
    body = text[start:]
    una = start > 0
    segments = tokenize(body, chars, out, 2 if una else 1)
    ic = Interchange(chars=chars, una=una, segments=segments)
    _check_charset(body, syntax, chars, out, 2 if una else 1)
    _walk(ic, out)
    ic.findings = out.items
    return ic


def _check_charset(body: str, syntax: str, chars: ServiceChars, out: _Findings,
                   first: int) -> None:
    if syntax == "UNOA":
        match = UNOA_TEXT.match(body)
        if match is not None and match.end() < len(body):
            bad = match.end()
            out.add("EDIFACT.CHARACTER", f"{body[bad]!r} is outside the UNOA repertoire "
                    "(upper case letters, digits and a few signs)",
                    body.count(chars.segment, 0, bad) + first, relax=LENIENT_CHARSET)
        return
    if body.isascii() and not body.encode("ascii").translate(None, _NOT_CONTROL):
        return  # no control character at all: the usual case, without a regular expression
    for found in CONTROL.finditer(body):
        c = found.group()
        if c not in (chars.segment, chars.element, chars.component, chars.release):
            out.add("EDIFACT.CHARACTER", f"control character 0x{ord(c):02X} in the data",
                    body.count(chars.segment, 0, found.start()) + first)
            return


def _val(seg: Segment, n: int, k: int = 0) -> str:
    if n < len(seg) and k < len(seg[n]):
        return seg[n][k]
    return ""


def _check_unb(ic: Interchange, seg: Segment, pos: int, out: _Findings) -> None:
    ic.syntax, ic.syntax_version = _val(seg, 1, 0), _val(seg, 1, 1)
    ic.sender = list(seg[2]) if len(seg) > 2 else []
    ic.recipient = list(seg[3]) if len(seg) > 3 else []
    ic.reference = _val(seg, 5)
    ic.prepared = ":".join(seg[4]) if len(seg) > 4 else ""
    ic.ack_requested = _val(seg, 9) == "1"
    ic.test = _val(seg, 11) == "1"
    if not re.fullmatch(r"UNO[A-Y]", ic.syntax) or ic.syntax not in CHARSETS:
        out.add("EDIFACT.SYNTAX_ID", f"syntax identifier {ic.syntax!r} is not UNOA-UNOY", pos,
                "UNB", 1, 1)
    if ic.syntax_version not in ("3", "4"):
        out.add("EDIFACT.SYNTAX_VERSION", f"syntax version {ic.syntax_version!r} is not 3 or 4",
                pos, "UNB", 1, 2)
    if not _val(seg, 2):
        out.add("EDIFACT.UNB", "interchange sender (S002) is missing", pos, "UNB", 2, 1)
    if not _val(seg, 3):
        out.add("EDIFACT.UNB", "interchange recipient (S003) is missing", pos, "UNB", 3, 1)
    day, clock = _val(seg, 4, 0), _val(seg, 4, 1)
    pattern = "%Y%m%d%H%M" if len(day) == 8 else "%y%m%d%H%M"
    try:
        datetime.strptime(day + clock, pattern)
    except ValueError:
        out.add("EDIFACT.UNB", f"date/time of preparation {day!r}:{clock!r} is invalid", pos,
                "UNB", 4, 1)
    if not ic.reference or len(ic.reference) > 14:
        out.add("EDIFACT.UNB", f"interchange control reference {ic.reference!r} must be 1-14 "
                "characters", pos, "UNB", 5)


def _walk(ic: Interchange, out: _Findings) -> None:
    segs = ic.segments
    first = 2 if ic.una else 1
    if not segs or segs[0][0][0] != "UNB":
        tag = segs[0][0][0][:3] if segs else ""
        out.add("EDIFACT.UNB_MISSING", "the interchange does not start with UNB", first,
                tag if TAG.fullmatch(tag) else "")
        return
    _check_unb(ic, segs[0], first, out)
    group: Group | None = None
    msg: Message | None = None
    seen: set[str] = set()
    tags: set[str] = set()  # tags already found well formed
    for index in range(1, len(segs)):
        seg = segs[index]
        tag = seg[0][0]
        pos = index + first
        if msg is not None and tag not in SERVICE_TAGS:
            if tag in tags:
                continue
            if TAG.fullmatch(tag):
                tags.add(tag)
            else:
                out.add("EDIFACT.SEGMENT_TAG", f"{tag[:10]!r} is not a segment tag", pos,
                        level=TRANSACTION, group=msg.group, message_ref=msg.reference,
                        local=index - msg.start + 1)
            continue
        if tag == "UNT" and msg is not None:
            count = index - msg.start + 1
            if _val(seg, 1) != str(count):
                out.add("EDIFACT.UNT01", f"UNT 0074 {_val(seg, 1)!r} but the message has "
                        f"{count} segments", pos, "UNT", 1, level=TRANSACTION, group=msg.group,
                        message_ref=msg.reference, local=count)
            if _val(seg, 2) != msg.reference:
                out.add("EDIFACT.UNT02", f"UNT 0062 {_val(seg, 2)!r} is not UNH 0062 "
                        f"{msg.reference!r}", pos, "UNT", 2, level=TRANSACTION, group=msg.group,
                        message_ref=msg.reference, local=count)
            msg.end = index
            msg = None
            continue
        if msg is not None:
            out.add("EDIFACT.UNT_MISSING", f"message {msg.reference} has no UNT before {tag}",
                    pos, tag, level=TRANSACTION, group=msg.group, message_ref=msg.reference)
            msg.end = index
            msg = None
        if tag == "UNH":
            ref = _val(seg, 1)
            msg = Message(ref, _val(seg, 2, 0), _val(seg, 2, 1), _val(seg, 2, 2), _val(seg, 2, 3),
                          index, group=group.reference if group else None,
                          association=_val(seg, 2, 4))
            if group is not None and group.end is None:
                group.messages.append(msg)
            else:
                if ic.groups:
                    out.add("EDIFACT.MIXED", "message outside a group in an interchange with "
                            "groups", pos, "UNH")
                ic.messages.append(msg)
            if not ref or not msg.type or not msg.version:
                out.add("EDIFACT.UNH", "UNH needs a message reference and identifier", pos,
                        "UNH", 1 if not ref else 2, level=TRANSACTION, group=msg.group,
                        message_ref=ref, local=1)
            elif ref in seen:
                out.add("EDIFACT.DUPLICATE_MESSAGE", f"message reference {ref!r} repeats", pos,
                        "UNH", 1, level=TRANSACTION, group=msg.group, message_ref=ref, local=1)
            seen.add(ref)
        elif tag == "UNG":
            if group is not None and group.end is None:
                out.add("EDIFACT.UNE_MISSING", f"group {group.reference} has no UNE", pos, "UNG",
                        level=GROUP, group=group.reference)
                group.end = index
            if ic.messages:
                out.add("EDIFACT.MIXED", "group after messages outside any group", pos, "UNG")
            group = Group(_val(seg, 5), _val(seg, 1), list(seg[2]) if len(seg) > 2 else [],
                          list(seg[3]) if len(seg) > 3 else [], index)
            ic.groups.append(group)
            if not group.reference:
                out.add("EDIFACT.UNB", "UNG group reference (0048) missing", pos, "UNG", 5,
                        level=GROUP)
        elif tag == "UNE":
            if group is None or group.end is not None:
                out.add("EDIFACT.SEGMENT_OUTSIDE", "UNE without UNG", pos, "UNE")
                continue
            if _val(seg, 1) != str(len(group.messages)):
                out.add("EDIFACT.UNE01", f"UNE 0060 {_val(seg, 1)!r} but the group has "
                        f"{len(group.messages)} messages", pos, "UNE", 1, level=GROUP,
                        group=group.reference)
            if _val(seg, 2) != group.reference:
                out.add("EDIFACT.UNE02", f"UNE 0048 {_val(seg, 2)!r} is not UNG 0048 "
                        f"{group.reference!r}", pos, "UNE", 2, level=GROUP, group=group.reference)
            group.end = index
        elif tag == "UNZ":
            if group is not None and group.end is None:
                out.add("EDIFACT.UNE_MISSING", f"group {group.reference} has no UNE", pos, "UNZ",
                        level=GROUP, group=group.reference)
                group.end = index
            expected = len(ic.groups) if ic.groups else len(ic.messages)
            if _val(seg, 1) != str(expected):
                what = "groups" if ic.groups else "messages"
                out.add("EDIFACT.UNZ01", f"UNZ 0036 {_val(seg, 1)!r} but the interchange has "
                        f"{expected} {what}", pos, "UNZ", 1)
            if _val(seg, 2) != ic.reference:
                out.add("EDIFACT.UNZ02", f"UNZ 0020 {_val(seg, 2)!r} is not UNB 0020 "
                        f"{ic.reference!r}", pos, "UNZ", 2)
            ic.trailer = True
            if index != len(segs) - 1:
                out.add("EDIFACT.SEGMENT_OUTSIDE", "segments after UNZ", pos + 1,
                        segs[index + 1][0][0][:3])
            return
        elif not TAG.fullmatch(tag):
            out.add("EDIFACT.SEGMENT_TAG", f"{tag[:10]!r} is not a segment tag", pos)
        else:
            out.add("EDIFACT.SEGMENT_OUTSIDE", f"{tag} outside a message", pos, tag)
    last = len(segs) + first - 1
    if msg is not None:
        out.add("EDIFACT.UNT_MISSING", f"message {msg.reference} has no UNT", last,
                level=TRANSACTION, group=msg.group, message_ref=msg.reference)
    if group is not None and group.end is None:
        out.add("EDIFACT.UNE_MISSING", f"group {group.reference} has no UNE", last, level=GROUP,
                group=group.reference)
    out.add("EDIFACT.UNZ_MISSING", "the interchange has no UNZ trailer", last)


# -- writing -------------------------------------------------------------------------------


def escape(value: str, chars: ServiceChars) -> str:
    rel = chars.release
    if rel in value:
        value = value.replace(rel, rel + rel)
    for c in (chars.segment, chars.element, chars.component):
        if c in value:
            value = value.replace(c, rel + c)
    if chars.repetition.strip() and chars.repetition in value:
        value = value.replace(chars.repetition, rel + chars.repetition)
    return value


def write_segment(seg: Segment, chars: ServiceChars) -> str:
    elements = []
    for element in seg:
        comps = [escape(c, chars) for c in element]
        while len(comps) > 1 and not comps[-1]:
            comps.pop()
        elements.append(chars.component.join(comps))
    while len(elements) > 1 and not elements[-1]:
        elements.pop()
    return chars.element.join(elements) + chars.segment + chars.suffix


def write_interchange(messages: list[tuple[list[str], list[Segment]]], *, sender: list[str],
                      recipient: list[str], reference: str, when: datetime,
                      syntax: str = "UNOC", version: str = "3", chars: ServiceChars | None = None,
                      una: bool = True, ack_requested: bool = False, test: bool = False,
                      first_message: int = 1) -> bytes:
    """An interchange of messages given as (S009 identifier, body segments between UNH and UNT).

    Message references are numbered from `first_message`.
    """
    chars = chars or ServiceChars()
    if syntax not in CHARSETS:
        raise CodecError(f"syntax identifier {syntax!r} is not UNOA-UNOY",
                         code="EDIFACT.CANNOT_ENCODE", location="syntax")
    if not reference or len(reference) > 14:
        raise CodecError("interchange reference must be 1-14 characters",
                         code="EDIFACT.CANNOT_ENCODE", location="control_number")
    stamp = [when.strftime("%Y%m%d" if version == "4" else "%y%m%d"), when.strftime("%H%M")]
    unb: list[Sequence[str]] = [["UNB"], [syntax, version], sender, recipient, stamp, [reference]]
    if ack_requested or test:
        unb += [[""], [""], [""], ["1" if ack_requested else ""], [""], ["1" if test else ""]]
    out = [chars.una() + chars.suffix if una else "", write_segment(unb, chars)]
    for n, (identifier, body) in enumerate(messages, first_message):
        out.append(write_segment([["UNH"], [str(n)], identifier], chars))
        out.extend(write_segment(seg, chars) for seg in body)
        out.append(write_segment([["UNT"], [str(len(body) + 2)], [str(n)]], chars))
    out.append(write_segment([["UNZ"], [str(len(messages))], [reference]], chars))
    text = "".join(out)
    try:
        return text.encode(CHARSETS[syntax])
    except UnicodeEncodeError as exc:
        raise CodecError(f"{text[exc.start]!r} cannot be written in {syntax}",
                         code="EDIFACT.CANNOT_ENCODE") from None
