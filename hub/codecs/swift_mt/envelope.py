"""The lossless FIN envelope: blocks 1-5 and S, and the file framings that carry them.

    {1:F01BANKBEBBAXXX2222123456}            basic header: app, service, LT address, session, ISN
    {2:I103BANKDEFFXXXXN}                    application header, input form (or output form "O")
    {3:{108:MUR}{121:uetr}}                  user header: ordered (tag, value) pairs
    {4:CrLf:20:REF CrLf ... CrLf-}           text: ordered (tag, value) pairs; values keep "{", "}"
    {5:{CHK:...}}{S:{SAC:}}                  trailers: ordered (tag, value) pairs

Field values are stored with "\n" between their lines; `eol` remembers the input's line break
(CRLF on the FIN wire, LF in many files) so that writing reproduces the input byte for byte.
Files: a single FIN message, RJE (messages separated by "$" lines) and DOS-PCC (each message
between SOH 0x01 and ETX 0x03, padded with spaces to a sector). Text before a message is kept in
its `lead`, text after the last one in its `tail`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from hub.codecs.swift_mt.headers import block1_fault, block2_fault
from hub.errors import Diagnostic, Severity

LT = r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}[A-Z0-9][A-Z0-9]{3}"
_B1 = re.compile(rf"([FAL])(01|21|03)({LT})([0-9]{{4}})([0-9]{{6}})")
_B2_IN = re.compile(rf"I([0-9]{{3}})({LT})([SNU]?)([123]?)([0-9]{{3}})?")
_B2_OUT = re.compile(rf"O([0-9]{{3}})([0-9]{{4}})([0-9]{{6}})({LT})([0-9]{{4}})([0-9]{{6}})"
                     rf"([0-9]{{6}})([0-9]{{4}})([SNU]?)")
_BLOCK_START = re.compile(r"\{([0-9A-Z]):")
_SIMPLE_BLOCK = re.compile(r"([^{}]*)\}")
_TAG_BLOCK = re.compile(r"((?:\{[^{}]*\})*)\}")
_TAG = re.compile(r"\{([^:{}]*):([^{}]*)\}")
_FIELD_SPLIT = re.compile(r"\n:([0-9]{2}[A-Z]?):")
_NEXT_BLOCK = re.compile(r"\{[1-5S]:")
_BLOCK_ORDER = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "S": 6}


def lt_to_bic(lt: str) -> str:
    """LT address (BIC8 + terminal code + branch) to the BIC: BIC8, or BIC11 with a branch."""
    branch = lt[9:12]
    return lt[:8] if branch == "XXX" else lt[:8] + branch


@dataclass(slots=True)
class BasicHeader:
    app_id: str  # F (FIN), A (GPA), L (login)
    service_id: str  # 01 user message, 21 ACK/NAK
    lt_address: str
    session: str
    sequence: str

    def text(self) -> str:
        return f"{self.app_id}{self.service_id}{self.lt_address}{self.session}{self.sequence}"


@dataclass(slots=True)
class InputHeader:
    message_type: str
    receiver: str  # LT address
    priority: str = ""  # S, N, U
    delivery_monitoring: str = ""  # 1, 2, 3
    obsolescence: str = ""  # 3!n, units of 5 minutes

    def text(self) -> str:
        return (f"I{self.message_type}{self.receiver}{self.priority}{self.delivery_monitoring}"
                f"{self.obsolescence}")


@dataclass(slots=True)
class OutputHeader:
    message_type: str
    input_time: str  # HHMM
    mir_date: str  # YYMMDD
    mir_lt: str  # the sender's LT address
    mir_session: str
    mir_sequence: str
    output_date: str
    output_time: str
    priority: str = ""

    @property
    def mir(self) -> str:
        return f"{self.mir_date}{self.mir_lt}{self.mir_session}{self.mir_sequence}"

    def text(self) -> str:
        return (f"O{self.message_type}{self.input_time}{self.mir}{self.output_date}"
                f"{self.output_time}{self.priority}")


Pairs = list[tuple[str, str]]


@dataclass(slots=True)
class FinMessage:
    """One FIN message, block by block; `raw_blocks` keeps header text that did not parse."""

    basic: BasicHeader | None = None
    application: InputHeader | OutputHeader | None = None
    user: Pairs | None = None  # block 3
    text: Pairs | None = None  # block 4, text form
    system_text: Pairs | None = None  # block 4, tag form (service messages: ACK/NAK)
    trailer: Pairs | None = None  # block 5
    system: Pairs | None = None  # block S
    eol: str = "\r\n"
    glued_terminator: bool = False  # "-}" on the last field's line (lenient only)
    lead: str = ""
    tail: str = ""
    raw_blocks: dict[str, str] = field(default_factory=dict)
    start: int = 0  # offset of "{1:" in the decoded file text

    @property
    def message_type(self) -> str | None:
        return self.application.message_type if self.application is not None else None

    @property
    def direction(self) -> str | None:
        if isinstance(self.application, InputHeader):
            return "input"
        if isinstance(self.application, OutputHeader):
            return "output"
        return None

    @property
    def sender(self) -> str | None:
        if isinstance(self.application, OutputHeader):
            return lt_to_bic(self.application.mir_lt)
        return lt_to_bic(self.basic.lt_address) if self.basic is not None else None

    @property
    def receiver(self) -> str | None:
        if isinstance(self.application, InputHeader):
            return lt_to_bic(self.application.receiver)
        if isinstance(self.application, OutputHeader) and self.basic is not None:
            return lt_to_bic(self.basic.lt_address)
        return None

    def user_value(self, tag: str) -> str | None:
        for key, value in self.user or ():
            if key == tag:
                return value
        return None

    @property
    def is_service(self) -> bool:
        return self.basic is not None and self.basic.service_id != "01"


def write(message: FinMessage) -> str:
    """The message's text, byte for byte as read when nothing was changed."""
    eol = message.eol
    out = [message.lead]
    if message.basic is not None or "1" in message.raw_blocks:
        out.append("{1:" + (message.basic.text() if message.basic is not None
                            else message.raw_blocks["1"]) + "}")
    if message.application is not None or "2" in message.raw_blocks:
        out.append("{2:" + (message.application.text() if message.application is not None
                            else message.raw_blocks["2"]) + "}")
    if message.user is not None:
        out.append("{3:" + "".join(f"{{{k}:{v}}}" for k, v in message.user) + "}")
    if message.text is not None:
        text = "".join([f"\n:{tag}:{value}" for tag, value in message.text])
        text += "-}" if message.glued_terminator else "\n-}"
        out.append("{4:" + (text.replace("\n", eol) if eol != "\n" else text))
    elif message.system_text is not None:
        out.append("{4:" + "".join(f"{{{k}:{v}}}" for k, v in message.system_text) + "}")
    if message.trailer is not None:
        out.append("{5:" + "".join(f"{{{k}:{v}}}" for k, v in message.trailer) + "}")
    if message.system is not None:
        out.append("{S:" + "".join(f"{{{k}:{v}}}" for k, v in message.system) + "}")
    out.append(message.tail)
    return "".join(out)


@dataclass(slots=True)
class Scan:
    """What reading a file's blocks found: the messages, the framing and every finding."""

    messages: list[FinMessage]
    framing: str  # fin, rje, dos-pcc
    diagnostics: list[Diagnostic]


def _diag(found: list[Diagnostic], code: str, text: str, where: str,
          lenient: bool = False) -> None:
    found.append(Diagnostic(code, text, where, Severity.WARNING if lenient else Severity.ERROR))


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} col {col}"


def _parse_text_block(text: str, pos: int, msg: FinMessage, found: list[Diagnostic],
                      lenient: frozenset[str], where: str) -> int:
    """Read block 4 in text form from just after "{4:"; returns the position after "-}"."""
    end = text.find("\n-}", pos)
    glued = False
    if end < 0:
        nxt = _NEXT_BLOCK.search(text, pos)
        limit = nxt.start() if nxt else len(text)
        dash = text.rfind("-}", pos, limit + 2 if nxt else limit)
        if dash >= 0 and (dash + 2 == len(text) or text.startswith("{", dash + 2)):
            glued = True
            body_end, after = dash, dash + 2
            _diag(found, "MT.TERMINATOR", 'block 4 must end with a line break and "-}"',
                  f"{where} block 4 {_line_col(text, dash)}", "block4_terminator" in lenient)
        else:
            body_end, after = limit, limit
            _diag(found, "MT.UNTERMINATED", 'block 4 has no "-}" terminator',
                  f"{where} block 4 {_line_col(text, pos)}")
    else:
        body_end, after = end, end + 3
        if body_end > pos and text[body_end - 1] == "\r":
            body_end -= 1
    body = text[pos:body_end]
    if body.startswith("\r\n"):
        eol = "\r\n"
    elif body.startswith("\n"):
        eol = "\n"
    else:
        first = body.find("\n")
        eol = "\r\n" if first > 0 and body[first - 1] == "\r" else "\n"
        _diag(found, "MT.BLOCK4_START", "text before the first field of block 4",
              f"{where} block 4 {_line_col(text, pos)}")
    term_cr = not glued and end >= 0 and end > 0 and text[end - 1] == "\r"
    if eol == "\r\n":
        crlf = body.count("\r\n")
        terminator_ok = term_cr or glued or end < 0
        if crlf != body.count("\n") or crlf != body.count("\r") or not terminator_ok:
            _diag(found, "MT.EOL", "line breaks mix CRLF with bare LF or CR",
                  f"{where} block 4", "lf_line_endings" in lenient)
        body = body.replace("\r\n", "\n")
    elif "\r" in body or term_cr:
        _diag(found, "MT.EOL", "line breaks mix LF with CR", f"{where} block 4",
              "lf_line_endings" in lenient)
    parts = _FIELD_SPLIT.split(body)
    msg.text = [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
    if parts[0] and not msg.text:
        msg.text = [("", parts[0].lstrip("\n"))]
        _diag(found, "MT.BLOCK4_START", "block 4 holds no field", f"{where} block 4")
    elif parts[0] and body.startswith("\n"):
        # a line that is not a field before the first field: reported (the envelope has no
        # place for it), like text on the "{4:" line above
        _diag(found, "MT.BLOCK4_START", "text before the first field of block 4",
              f"{where} block 4 {_line_col(text, pos + len(eol))}")
    msg.eol = eol
    msg.glued_terminator = glued
    return after


# The common case read in a few C-level steps: one FIN message, blocks 1, 2, [3], 4 (text
# form), [5], [S] back to back, nothing before, at most white space after. Blocks 1 and 2 are
# the same patterns as _B1 and _B2_IN / _B2_OUT.
_ONE_HEAD = re.compile(r"\{1:" + _B1.pattern + r"\}\{2:(?:" + _B2_IN.pattern + "|"
                       + _B2_OUT.pattern + r")\}(?:\{3:((?:\{[^{}]*\})*)\})?\{4:")
_ONE_TAIL = re.compile(r"(?:\{5:((?:\{[^{}]*\})*)\})?(?:\{S:((?:\{[^{}]*\})*)\})?([ \r\n]*)")
_NO_TAIL = _ONE_TAIL.fullmatch("")


def scan(text: str, lenient: frozenset[str] = frozenset()) -> Scan:
    """Split text into FIN messages and their blocks. Never raises; reports what it cannot read.

    A well-formed single message takes a fast path (`scan_one`); anything else, and anything
    that path would have to report, is read by the general reader `scan_blocks`. Both give
    the same result for every input the fast path accepts (tested on mutated vectors).
    """
    return scan_one(text) or scan_blocks(text, lenient)


class OneMessage(NamedTuple):
    """A clean single FIN message as `read_one` finds it, before any envelope object exists
    (validation alone needs no FinMessage)."""

    # _ONE_HEAD.groups(): block 1 [0:5], block 2 input form [5:10] or output form [10:19],
    # block 3 body [19]
    head: tuple[str | None, ...]
    tags: tuple[str, ...]  # block 4 field tags and values, in order
    values: list[str]
    size: int  # characters of block 4 as check.MAX_TEXT counts them: ":tag:value" + line break
    block5: str | None  # block 5 and S bodies, tags not yet split
    block_s: str | None
    eol: str
    tail: str

    @property
    def text(self) -> Pairs:  # as FinMessage.text
        return list(zip(self.tags, self.values, strict=True))

    @property
    def user(self) -> Pairs | None:  # as FinMessage.user
        return None if self.head[19] is None else _TAG.findall(self.head[19])

    @property
    def trailer(self) -> Pairs | None:  # as FinMessage.trailer
        return None if self.block5 is None else _TAG.findall(self.block5)

    @property
    def system(self) -> Pairs | None:  # as FinMessage.system
        return None if self.block_s is None else _TAG.findall(self.block_s)

    @property
    def message_type(self) -> str | None:
        return self.head[5] or self.head[10]

    @property
    def sender(self) -> str | None:  # as FinMessage.sender
        return lt_to_bic((self.head[2] if self.head[5] is not None else self.head[13]) or "")

    @property
    def receiver(self) -> str | None:  # as FinMessage.receiver
        return lt_to_bic((self.head[6] if self.head[5] is not None else self.head[2]) or "")


def _new_one(fields: tuple[object, ...]) -> OneMessage:
    """OneMessage(*fields) without the Python-level __new__ a NamedTuple has."""
    return tuple.__new__(OneMessage, fields)


def read_one(text: str) -> OneMessage | None:
    """The fast path of `scan`: a clean single FIN message with block 4 in text form, or None
    when the general reader must look (anything else, anything it would report)."""
    head = _ONE_HEAD.match(text)
    if head is None:
        return None
    pos = head.end()
    end = text.find("\n-}", pos)
    if end < 0:
        return None
    if text.startswith("\r\n:", pos):
        # CRLF throughout: every CR followed by LF, and the terminator line too
        if text[end - 1] != "\r":
            return None
        raw = text[pos:end - 1]
        body = raw.replace("\r\n", "\n")
        if "\r" in body or body.count("\n") != len(raw) - len(body):
            return None  # a CR without LF, or an LF without CR
        eol = "\r\n"
    elif text.startswith("\n:", pos):
        body = text[pos:end]
        if "\r" in body or text[end - 1] == "\r":
            return None
        eol = "\n"
    else:
        return None
    tail = _ONE_TAIL.fullmatch(text, end + 3) if end + 3 < len(text) else _NO_TAIL
    if tail is None:
        return None
    parts = _FIELD_SPLIT.split(body)
    if parts[0] or len(parts) < 3:
        return None
    # the body is "\n:tag:value" per field, so its length is the FIN text size
    return _new_one((head.groups(), tuple(parts[1::2]), parts[2::2], len(body),
                     *tail.group(1, 2), eol, tail.group(3)))


def scan_one(text: str) -> Scan | None:
    """`read_one` as a Scan of one FinMessage, or None to use `scan_blocks`."""
    one = read_one(text)
    return None if one is None else one_scan(one)


def one_scan(one: OneMessage) -> Scan:
    """The Scan (envelope) of a message `read_one` read."""
    g = one.head
    application: InputHeader | OutputHeader
    if g[5] is not None:
        application = InputHeader(g[5], g[6] or "", g[7] or "", g[8] or "", g[9] or "")
    else:
        application = OutputHeader(*g[10:19])  # type: ignore[arg-type]
    # positional (faster on this path), in field order: basic, application, user, text,
    # system_text, trailer, system, eol, glued_terminator, lead, tail, raw_blocks
    user, block5, block_s = g[19], one.block5, one.block_s
    msg = FinMessage(BasicHeader(*g[:5]), application,  # type: ignore[arg-type]
                     None if user is None else _TAG.findall(user), one.text, None,
                     None if block5 is None else _TAG.findall(block5),
                     None if block_s is None else _TAG.findall(block_s),
                     one.eol, False, "", one.tail, {})
    return Scan([msg], "fin", [])


def scan_blocks(text: str, lenient: frozenset[str] = frozenset()) -> Scan:
    """The general reader: any framing, any number of messages, every finding reported."""
    found: list[Diagnostic] = []
    messages: list[FinMessage] = []
    msg: FinMessage | None = None
    last_block = 0
    gap_start = 0
    pos = 0
    n = len(text)
    while pos < n:
        start = text.find("{", pos)
        if start < 0:
            break
        head = _BLOCK_START.match(text, start)
        if head is None:
            pos = start + 1
            continue
        block = head.group(1)
        gap = text[gap_start:start]
        if block == "1" or msg is None:
            if msg is not None:
                messages.append(msg)
            msg = FinMessage(lead=gap, start=start)
            last_block = 0
            where = f"message {len(messages) + 1}"
        elif gap:
            _diag(found, "MT.BLOCK_SYNTAX", f"unexpected text {gap[:20]!r} between blocks",
                  f"{where} {_line_col(text, gap_start)}")
        order = _BLOCK_ORDER.get(block)
        if order is None:
            _diag(found, "MT.BLOCK_UNKNOWN", f"unknown block {block!r}",
                  f"{where} {_line_col(text, start)}")
            body = _TAG_BLOCK.match(text, head.end()) or _SIMPLE_BLOCK.match(text, head.end())
            pos = gap_start = body.end() if body else head.end()
            continue
        if order <= last_block:
            _diag(found, "MT.BLOCK_ORDER", f"block {block} is repeated or out of order",
                  f"{where} {_line_col(text, start)}")
        last_block = max(order, last_block)
        pos = head.end()
        if block in ("1", "2"):
            m = _SIMPLE_BLOCK.match(text, pos)
            if m is None:
                _diag(found, "MT.H01" if block == "1" else "MT.H25",
                      f"block {block} is not closed by '}}'", f"{where} {_line_col(text, start)}")
                close = text.find("{", pos)
                close = n if close < 0 else close
                msg.raw_blocks[block] = text[pos:close]
                pos = gap_start = close
                continue
            value = m.group(1)
            pos = gap_start = m.end()
            if block == "1":
                b1 = _B1.fullmatch(value)
                if b1 is None:
                    msg.raw_blocks["1"] = value
                    _diag(found, *block1_fault(value), f"{where} block 1")
                else:
                    msg.basic = BasicHeader(*b1.groups())
            else:
                b2 = _B2_IN.fullmatch(value) or _B2_OUT.fullmatch(value)
                if b2 is None:
                    msg.raw_blocks["2"] = value
                    _diag(found, *block2_fault(value), f"{where} block 2")
                elif value[0] == "I":
                    g = b2.groups()
                    msg.application = InputHeader(g[0], g[1], g[2], g[3], g[4] or "")
                else:
                    msg.application = OutputHeader(*b2.groups())
            continue
        if block == "4" and not text.startswith("{", pos):
            pos = gap_start = _parse_text_block(text, pos, msg, found, lenient, where)
            continue
        m = _TAG_BLOCK.match(text, pos)
        if m is None:
            _diag(found, "MT.U03" if block == "3" else "MT.BRACES",
                  f"block {block} has unbalanced braces", f"{where} {_line_col(text, start)}")
            nxt = _NEXT_BLOCK.search(text, pos)
            pos = gap_start = nxt.start() if nxt else n
            continue
        pairs = _TAG.findall(m.group(1))
        pos = gap_start = m.end()
        if block == "3":
            msg.user = pairs
        elif block == "4":
            msg.system_text = pairs
        elif block == "5":
            msg.trailer = pairs
        else:
            msg.system = pairs
    if msg is None:
        _diag(found, "MT.BLOCK_MISSING", "no FIN block found", "byte 0")
        return Scan([], "fin", found)
    msg.tail = text[gap_start:]
    messages.append(msg)
    framing = _framing(messages)
    _check_framing(messages, framing, found)
    return Scan(messages, framing, found)


def _framing(messages: list[FinMessage]) -> str:
    if any("\x01" in m.lead or "\x03" in m.tail for m in messages):
        return "dos-pcc"
    if any("$" in m.lead for m in messages):
        return "rje"
    return "fin"


_DOS_GAP = re.compile(r"[\x03 \x00\r\n]*\x01?")
_RJE_GAP = re.compile(r"\r?\n?\$\r?\n?")


def _check_framing(messages: list[FinMessage], framing: str, found: list[Diagnostic]) -> None:
    for i, m in enumerate(messages):
        where = f"message {i + 1}"
        if i == 0:
            ok = (m.lead == "" if framing != "dos-pcc" else m.lead in ("\x01", ""))
        elif framing == "dos-pcc":
            ok = _DOS_GAP.fullmatch(m.lead) is not None
        elif framing == "rje":
            ok = _RJE_GAP.fullmatch(m.lead) is not None
        else:
            ok = m.lead == ""
        if not ok:
            _diag(found, "MT.FRAMING", f"unexpected text {m.lead[:20]!r} before the message",
                  where)
        if m.basic is None and "1" not in m.raw_blocks:
            _diag(found, "MT.H01", "block 1 is missing", where)
        if m.text is None and m.system_text is None:
            _diag(found, "MT.BLOCK_MISSING", "block 4 is missing", where)
        if (m.basic is not None and m.basic.service_id == "01" and m.application is None
                and "2" not in m.raw_blocks):
            _diag(found, "MT.H25", "block 2 is missing", where)
    tail = messages[-1].tail
    allowed = {"fin": " \r\n", "rje": " \r\n$", "dos-pcc": " \r\n\x03\x00\x1a"}[framing]
    if tail.strip(allowed):
        _diag(found, "MT.FRAMING", f"unexpected text {tail[:20]!r} after the last message",
              f"message {len(messages)}")
