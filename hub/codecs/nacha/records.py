"""The one interpreter of the layout tables: read a 94-character record, write one back.

A layout compiles to one regular expression for the whole record (the fast path: a valid record
is checked by a single match) and a tuple of slices; a record that does not match is examined
field by field to say exactly which column is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from hub.codecs.nacha.layouts import RECORD_LENGTH, Row
from hub.errors import CodecError


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    start: int  # 1-based, as the rules print it
    length: int
    type: str
    rule: str

    @property
    def title(self) -> str:
        return self.name.replace("_", " ")

    @property
    def pattern(self) -> str:
        if self.rule.startswith("="):
            return re.escape(self.rule[1:])
        if self.rule in ("date?", "time?", "julian?"):
            return rf"(?:[0-9]{{{self.length}}}| {{{self.length}}})"
        if self.type == "N":
            return rf"[0-9]{{{self.length}}}"
        return rf"[ -~]{{{self.length}}}"


class Layout:
    """A record layout: named fields, one compiled pattern, one slicer."""

    def __init__(self, name: str, rows: list[Row]) -> None:
        self.name = name
        self.fields = tuple(Field(*row) for row in rows)
        self.names = tuple(f.name for f in self.fields)
        self.by_name = {f.name: f for f in self.fields}
        position = 1
        for f in self.fields:
            if f.start != position:
                raise ValueError(f"{name}.{f.name} starts at {f.start}, expected {position}")
            position += f.length
        if position != RECORD_LENGTH + 1:
            raise ValueError(f"{name} is {position - 1} characters long")
        self.regex = re.compile("".join(f.pattern for f in self.fields))
        self.slices = {f.name: slice(f.start - 1, f.start - 1 + f.length) for f in self.fields}
        self._slice: Callable[[str], tuple[str, ...]] = itemgetter(
            *(slice(f.start - 1, f.start - 1 + f.length) for f in self.fields))
        self.checked = tuple(f for f in self.fields if f.rule in ("date", "date?", "time?",
                                                                    "julian?"))

    def split(self, line: str) -> dict[str, str]:
        return dict(zip(self.names, self._slice(line), strict=True))

    def problems(self, line: str) -> list[tuple[Field, str]]:
        """Every field of `line` that breaks its type or rule, with the reason."""
        found: list[tuple[Field, str]] = []
        values = self._slice(line)
        for f, value in zip(self.fields, values, strict=True):
            if not re.fullmatch(f.pattern, value):
                if f.rule.startswith("="):
                    found.append((f, f"must be {f.rule[1:]!r}, found {value!r}"))
                elif f.type == "N" or f.rule.endswith("?"):
                    found.append((f, f"must be numeric, found {value!r}"))
                else:
                    found.append((f, f"has a character outside printable ASCII: {value!r}"))
        if found:
            return found
        for f in self.checked:
            value = values[self.names.index(f.name)]
            if value.strip() and (reason := _semantic(f.rule, value)):
                found.append((f, reason))
        return found

    def write(self, values: Mapping[str, object]) -> str:
        """A 94-character record; numbers right-justified with zeros, text left-justified."""
        out: list[str] = []
        for f in self.fields:
            if f.rule.startswith("="):
                out.append(f.rule[1:])
                continue
            value = values.get(f.name)
            text = "" if f.type == "B" or value is None else str(value)
            if f.type == "N" and text != "":
                if not (text.isascii() and text.isdigit()):
                    raise CodecError(f"{self.name} {f.title} must be numeric: {text!r}",
                                     code="CODEC.CANNOT_ENCODE", location=f.name)
                text = text.rjust(f.length, "0")
            elif f.type == "N":
                text = "0" * f.length if f.rule not in ("date?", "julian?") else ""
            if len(text) > f.length:
                raise CodecError(f"{self.name} {f.title} is longer than {f.length}: {text!r}",
                                 code="CODEC.CANNOT_ENCODE", location=f.name)
            if not text.isascii() or not text.isprintable():
                raise CodecError(f"{self.name} {f.title} is not printable ASCII: {text!r}",
                                 code="CODEC.CANNOT_ENCODE", location=f.name)
            out.append(text.ljust(f.length))
        return "".join(out)


def _semantic(rule: str, value: str) -> str | None:
    try:
        if rule in ("date", "date?"):
            parse_date(value)
        elif rule == "time?" and not (int(value[:2]) < 24 and int(value[2:]) < 60):
            return f"{value!r} is not a time HHMM"
        elif rule == "julian?" and not 1 <= int(value) <= 366:
            return f"{value!r} is not a day of the year"
    except ValueError:
        return f"{value!r} is not a date YYMMDD"
    return None


def parse_date(value: str) -> date:
    """YYMMDD; NACHA dates are this century."""
    return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))


ABA_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7)


def check_digit(routing8: str) -> str:
    """ABA routing check digit over the first eight digits (weights 3, 7, 1)."""
    total = sum(int(d) * w for d, w in zip(routing8, ABA_WEIGHTS, strict=True))
    return str((10 - total % 10) % 10)


# A routing number with its check digit has a weighted digit sum (3, 7, 1, 3, 7, 1, 3, 7, 1)
# that is a multiple of ten. The weights repeat every three digits, so that sum is three lookups
# in one table of every 3-digit string: bulk reading checks each entry's RDFI with that instead
# of nine multiplications.
ABA_TRIPLES: dict[str, int] = {
    f"{i:03d}": sum(int(d) * w for d, w in zip(f"{i:03d}", ABA_WEIGHTS[:3], strict=True))
    for i in range(1000)}
