"""Read FAIM tag-value text: tags one per line or all on one line, `*`-delimited or fixed-width
elements, several messages per file. Produces the lossless layer (each message's ordered tags
with their raw text and named elements) and every finding as a Diagnostic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from hub.codecs.fedwire import rules as R
from hub.codecs.fedwire.tags import FAIM_VERSION, MANDATORY, OUTPUT_TAGS, TAGS
from hub.errors import Diagnostic, Severity, register

CODES = {
    "FED.SYNTAX": "text outside a {nnnn} tag",
    "FED.UNKNOWN_TAG": "tag not in FAIM",
    "FED.DUPLICATE_TAG": "tag appears twice in one message",
    "FED.MISSING_TAG": "tag every message must carry is missing",
    "FED.REQUIRED_TAG": "tag required by the business function, local instrument or another tag",
    "FED.PROHIBITED_TAG": "tag not permitted with this business function or local instrument",
    "FED.FORMAT": "element has the wrong format",
    "FED.TOO_LONG": "tag carries more text than its elements allow",
    "FED.CHECK_DIGIT": "ABA routing number check digit is wrong",
    "FED.BUSINESS_FUNCTION": "unknown business function code",
    "FED.TYPE_SUBTYPE": "type/subtype not allowed with the business function code",
    "FED.TRANSACTION_TYPE": "transaction type code not allowed with the business function code",
    "FED.COVER_FIELD": "cover payment tag not readable as its MT 202 COV field",
    "FED.MAPPING": "message cannot be expressed canonically",
}
register(CODES)

TAG = re.compile(r"\{([0-9]{4})\}")
MAX_MESSAGES = 100_000


@dataclass(slots=True)
class Tag:
    tag: str
    line: int
    col: int
    raw: str  # the text after {nnnn}, line break removed
    values: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        col = f" col {self.col}" if self.col > 1 else ""
        return f"line {self.line}{col} tag {{{self.tag}}}"


@dataclass(slots=True)
class FedwireMessage:
    tags: list[Tag] = field(default_factory=list)

    def get(self, tag: str) -> Tag | None:
        for t in self.tags:
            if t.tag == tag:
                return t
        return None

    def has(self, tag: str) -> bool:
        return any(t.tag == tag for t in self.tags)

    def value(self, tag: str, name: str) -> str:
        t = self.get(tag)
        return t.values.get(name, "") if t is not None else ""


def split_elements(tag: str, raw: str) -> tuple[dict[str, str], bool]:
    """Named elements of one tag's text; the flag says text was left over."""
    elements = TAGS[tag][1]
    values: dict[str, str] = {}
    pos = 0
    for name, length, kind in elements:
        if pos >= len(raw):
            break
        if kind == "f":
            value = raw[pos:pos + length]
            pos += len(value)
            # a `*` written after a fixed element that ends the tag is a delimiter, not data
            if raw[pos:pos + 1] == "*" and pos + 1 == len(raw.rstrip()):
                pos += 1
        else:
            star = raw.find("*", pos, pos + length + 1)
            if star >= 0:
                value, pos = raw[pos:star], star + 1
            else:
                value = raw[pos:pos + length]
                pos += len(value)
                if raw[pos:pos + 1] == "*":
                    pos += 1
        values[name] = value.rstrip() if kind == "v" else value
    leftover = bool(raw[pos:].strip(" *"))
    return values, leftover


def aba_ok(aba: str) -> bool:
    if len(aba) != 9 or not (aba.isascii() and aba.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(aba, (3, 7, 1) * 3, strict=True))
    return total % 10 == 0


class Reader:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def fail(self, code: str, message: str, location: str,
             severity: Severity = Severity.ERROR) -> None:
        self.diagnostics.append(Diagnostic(code, message, location, severity))

    def read(self, text: str) -> list[FedwireMessage]:
        messages: list[FedwireMessage] = []
        current: FedwireMessage | None = None
        seen: set[str] = set()
        matches = list(TAG.finditer(text))
        line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        first = matches[0].start() if matches else len(text)
        if text[:first].strip():
            self.fail("FED.SYNTAX", "text before the first tag", "line 1 col 1")
        for i, match in enumerate(matches):
            tag = match.group(1)
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            raw = text[match.end():end]
            nl = raw.find("\n")
            if nl >= 0:
                if raw[nl:].strip():
                    line = _line_of(line_starts, match.end() + nl + 1)
                    self.fail("FED.SYNTAX", "text outside a tag", f"line {line} col 1")
                raw = raw[:nl]
            raw = raw.rstrip("\r")
            line = _line_of(line_starts, match.start())
            t = Tag(tag, line, match.start() - line_starts[line - 1] + 1, raw)
            # a message starts at {1500}, or at an output tag the current one already has
            if current is None or (tag == "1500" and "1500" in seen) or \
                    (tag in R_OUTPUT and tag in seen):
                if len(messages) >= MAX_MESSAGES:
                    self.fail("FED.SYNTAX", f"more than {MAX_MESSAGES} messages", t.where)
                    break
                current = FedwireMessage()
                messages.append(current)
                seen = set()
            if tag not in TAGS:
                self.fail("FED.UNKNOWN_TAG", f"{{{tag}}} is not a FAIM tag", t.where)
                current.tags.append(t)
                continue
            if tag in seen:
                self.fail("FED.DUPLICATE_TAG", f"{{{tag}}} appears twice in one message",
                          t.where)
            seen.add(tag)
            t.values, leftover = split_elements(tag, raw)
            if leftover:
                self.fail("FED.TOO_LONG", f"{{{tag}}} {TAGS[tag][0]} has more text than its "
                          "elements allow", t.where)
            current.tags.append(t)
        for message in messages:
            self.check(message)
        return messages

    def check(self, m: FedwireMessage) -> None:
        anchor = m.tags[0].where if m.tags else "line 1"
        for tag in MANDATORY:
            if not m.has(tag):
                self.fail("FED.MISSING_TAG", f"{{{tag}}} {TAGS[tag][0]} is mandatory", anchor)
        self.check_elements(m)
        bfc_tag = m.get("3600")
        if bfc_tag is None:
            return
        bfc = bfc_tag.values.get("code", "")
        rule = R.BUSINESS_FUNCTIONS.get(bfc)
        if rule is None:
            self.fail("FED.BUSINESS_FUNCTION", f"unknown business function code {bfc!r}",
                      bfc_tag.where)
            return
        meaning, subtypes, required, prohibited = rule
        ts = m.get("1510")
        if ts is not None and ts.raw[:4] not in subtypes:
            self.fail("FED.TYPE_SUBTYPE", f"type/subtype {ts.raw[:4]!r} is not allowed for "
                      f"{bfc} ({meaning})", ts.where)
        refused = R.TRANSACTION_TYPES_REFUSED.get(bfc, frozenset())
        transaction_type = bfc_tag.values.get("transaction_type", "")
        if transaction_type and (refused is None or transaction_type in refused):
            self.fail("FED.TRANSACTION_TYPE", f"transaction type code {transaction_type!r} is "
                      f"not allowed for {bfc} ({meaning})", bfc_tag.where)
        present = {t.tag for t in m.tags}
        rule_of = f"{bfc} ({meaning})"
        # (tag or tags, the rule that requires it), and what each rule forbids
        needed = [(need, rule_of) for need in required]
        forbidden = [(prohibited, rule_of)]
        local = m.get("3610")
        if bfc == "CTP":
            code = local.values.get("code", "") if local is not None else ""
            needs, permits = R.LOCAL_INSTRUMENTS.get(code, ((), frozenset()))
            if local is not None and code and code not in R.LOCAL_INSTRUMENTS:
                self.fail("FED.FORMAT", f"unknown local instrument {code!r}", local.where)
            if local is not None and code == "PROP" and \
                    not local.values.get("proprietary_code"):
                self.fail("FED.REQUIRED_TAG", "local instrument PROP needs a proprietary code",
                          local.where)
            instrument = f"{bfc} with local instrument {code}" if code else rule_of
            needed += [(need, instrument) for need in needs]
            forbidden.append((((R.COVER_TAGS | R.REMITTANCE_TAGS) - permits)
                              | R.LOCAL_PROHIBITED.get(code, frozenset()), instrument))
        for need, requiring in needed:
            if not present & set(need.split("|")):
                names = " or ".join(f"{{{n}}}" for n in need.split("|"))
                self.fail("FED.REQUIRED_TAG", f"{names} is mandatory for {requiring}",
                          bfc_tag.where)
        for t in m.tags:
            refusing = next((why for tags, why in forbidden if t.tag in tags), None)
            if refusing is not None:
                self.fail("FED.PROHIBITED_TAG", f"{{{t.tag}}} is not permitted for {refusing}",
                          t.where)
            for need in R.DEPENDENCIES.get(t.tag, ()):
                if not present & set(need.split("|")):
                    names = " or ".join(f"{{{n}}}" for n in need.split("|"))
                    self.fail("FED.REQUIRED_TAG", f"{{{t.tag}}} requires {names}", t.where)

    def check_elements(self, m: FedwireMessage) -> None:
        for t in m.tags:
            v = t.values
            if t.tag == "1500":
                if v.get("format_version") != FAIM_VERSION:
                    self.fail("FED.FORMAT", f"format version {v.get('format_version')!r}, "
                              f"expected {FAIM_VERSION}", t.where)
                if v.get("test_production") not in ("T", "P"):
                    self.fail("FED.FORMAT", "test/production code must be T or P", t.where)
            elif t.tag in ("1510", "2000") and not _digits(t.raw.rstrip("*")):
                self.fail("FED.FORMAT", f"{{{t.tag}}} must be numeric", t.where)
            elif t.tag == "2000" and len(t.raw.rstrip("*")) != 12:
                self.fail("FED.FORMAT", "amount must be 12 digits", t.where)
            elif t.tag in ("1520", "1120") and not _date_ok(v.get("cycle_date", "")):
                self.fail("FED.FORMAT", "cycle date must be CCYYMMDD", t.where)
            elif t.tag in ("3100", "3400"):
                aba = v.get("aba", "")
                if not (len(aba) == 9 and _digits(aba)):
                    self.fail("FED.FORMAT", f"{aba!r} is not a 9-digit ABA number", t.where)
                elif not aba_ok(aba):
                    self.fail("FED.CHECK_DIGIT", f"{aba} fails the ABA check digit", t.where)


R_OUTPUT = OUTPUT_TAGS


def _date_ok(value: str) -> bool:
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return False
    return True


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid
    return lo + 1


def _digits(text: str) -> bool:
    """ASCII digits only (str.isdigit also accepts superscripts and other scripts' digits)."""
    return text.isascii() and text.isdigit()
