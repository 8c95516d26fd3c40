"""SWIFT field notation ("6!n3!a15d", "[/34x]CrLf4*35x") compiled to a parser and a writer.

One interpreter for every field: a notation string is tokenised once into a small tree, which
yields both a regular expression with one named group per data component (for parsing) and a
writer that puts components back in order (for generation).

Notation (SWIFT Standards MT, "General Field Definitions"):
    n!X   exactly n characters of set X        nX     up to n characters
    n*mX  up to n lines of up to m characters  nd     up to n digits with a decimal comma
    [ ]   optional part                        CrLf   line break; other characters are literals
A `CrLf` right after an optional part belongs to it: "[/34x]CrLf4*35x" has no empty first line
when the account is absent (that is how the standard's field specifications read).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Character sets (SWIFT Standards MT General Information, "Character Sets").
X_CHARS = r"A-Za-z0-9/\-?:().,'+ "
Y_CHARS = r"A-Z0-9 .,\-()/='+:?!\"%&*<>;"
Z_CHARS = X_CHARS + r"=!\"%&*<>;{@#_"
CHARSETS: dict[str, str] = {
    "n": "0-9",
    "a": "A-Z",
    "c": "A-Z0-9",
    "h": "0-9A-F",
    "x": X_CHARS,
    "y": Y_CHARS,
    "z": Z_CHARS,
    "e": " ",
    "d": "0-9,",
}
X_LINE = re.compile(f"[{X_CHARS}]*")
Z_LINE = re.compile(f"[{Z_CHARS}]*")
Y_LINE = re.compile(f"[{Y_CHARS}]*")
LINE_SETS = {"x": X_LINE, "y": Y_LINE, "z": Z_LINE}

_TOKEN = re.compile(r"(\d+)(?:(!)|\*(\d+))?([nacxyzdhe])|CrLf|\[|\]|\(|\)|.", re.S)


@dataclass(frozen=True, slots=True)
class Piece:
    """A data component: `length` characters of `charset`, `lines` lines, `exact` or up to."""

    name: str
    charset: str
    length: int
    exact: bool = False
    lines: int = 1


@dataclass(frozen=True, slots=True)
class Literal:
    text: str


@dataclass(frozen=True, slots=True)
class Optional:
    parts: tuple[Piece | Literal | Optional | Group, ...]


@dataclass(frozen=True, slots=True)
class Group:
    """A parenthesised run of pieces read as one component, e.g. a BIC "(4!a2!a2!c[3!c])"."""

    name: str
    parts: tuple[Piece | Literal | Optional | Group, ...]


Part = Piece | Literal | Optional | Group


@dataclass(frozen=True, slots=True)
class Notation:
    """A compiled field notation: `regex` parses a value, `write` generates one."""

    text: str
    parts: tuple[Part, ...]
    regex: re.Pattern[str]
    loose: re.Pattern[str]  # same shape, any character: finds components of a bad value
    names: tuple[str, ...]
    max_lines: int
    max_width: int
    charset: str  # the widest character set used (x, y or z), for line diagnostics

    def parse(self, value: str) -> dict[str, str] | None:
        match = self.regex.fullmatch(value)
        if match is None:
            return None
        return {k: v for k, v in match.groupdict().items() if v is not None}

    def write(self, components: Mapping[str, str]) -> str:
        return "".join(_write(self.parts, components))


def _write(parts: tuple[Part, ...], values: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Literal):
            out.append(part.text)
        elif isinstance(part, (Piece, Group)):
            out.append(values.get(part.name, ""))
        elif _has_value(part.parts, values):
            out.extend(_write(part.parts, values))
    return out


def _has_value(parts: tuple[Part, ...], values: Mapping[str, str]) -> bool:
    for part in parts:
        if isinstance(part, (Piece, Group)) and values.get(part.name):
            return True
        if isinstance(part, Optional) and _has_value(part.parts, values):
            return True
    return False


def _tokens(text: str, names: list[str]) -> tuple[Part, ...]:
    stack: list[list[Part]] = [[]]
    grouped = 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token == "(":
            stack.append([])
            grouped += 1
        elif token == ")":
            inner = stack.pop()
            grouped -= 1
            stack[-1].append(Group(names.pop(0), tuple(inner)))
        elif token == "[":
            stack.append([])
        elif token == "]":
            inner = stack.pop()
            stack[-1].append(Optional(tuple(inner)))
        elif token == "CrLf":
            current = stack[-1]
            if current and isinstance(current[-1], Optional):
                # the line break closes the optional part it follows
                current[-1] = Optional((*current[-1].parts, Literal("\n")))
            else:
                current.append(Literal("\n"))
        elif match.group(4):
            if grouped:
                name = ""
            elif not names:
                raise ValueError(f"notation {text!r} has more components than names")
            else:
                name = names.pop(0)
            first = int(match.group(1))
            if match.group(3):
                piece = Piece(name, match.group(4), int(match.group(3)), lines=first)
            else:
                piece = Piece(name, match.group(4), first, exact=bool(match.group(2)))
            stack[-1].append(piece)
        else:
            stack[-1].append(Literal(token))
    if len(stack) != 1:
        raise ValueError(f"unbalanced brackets in notation {text!r}")
    return tuple(stack[0])


def _regex(parts: tuple[Part, ...], loose: bool = False) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Literal):
            out.append(re.escape(part.text))
        elif isinstance(part, Piece):
            cls = "[^\\n]" if loose else f"[{CHARSETS[part.charset]}]"
            if part.lines > 1:
                line = f"{cls}{{1,{part.length}}}"
                body = f"{line}(?:\\n{line}){{0,{part.lines - 1}}}"
            elif part.exact:
                body = f"{cls}{{{part.length}}}"
            else:
                body = f"{cls}{{1,{part.length}}}"
            out.append(f"(?P<{part.name}>{body})" if part.name else body)
        elif isinstance(part, Group):
            out.append(f"(?P<{part.name}>{_regex(part.parts, loose)})")
        else:
            inner = _regex(part.parts, loose)
            # an optional part that opens with "/" must really start there
            guard = "(?=/)" if inner.startswith(("/", "(?:/")) else ""
            out.append(f"(?:{guard}{inner})?")
    return "".join(out)


def _shape(parts: tuple[Part, ...]) -> tuple[int, int, str]:
    lines, width, charset = 1, 0, "x"
    for part in parts:
        if isinstance(part, Literal):
            lines += part.text.count("\n")
        elif isinstance(part, Piece):
            lines += part.lines - 1
            width = max(width, part.length)
            if part.charset in ("z", "y"):
                charset = part.charset
        elif isinstance(part, Group):
            width = max(width, _shape(part.parts)[1])
        else:
            inner_lines, inner_width, inner_set = _shape(part.parts)
            lines += inner_lines - 1
            width = max(width, inner_width)
            charset = inner_set if inner_set != "x" else charset
    return lines, width, charset


def compile_notation(text: str, names: str) -> Notation:
    """Compile `text` naming its data components, in order, from the space-separated `names`."""
    name_list = names.split()
    parts = _tokens(text, list(name_list))
    lines, width, charset = _shape(parts)
    return Notation(text=text, parts=parts, regex=re.compile(_regex(parts)),
                    loose=re.compile(_regex(parts, loose=True)),
                    names=tuple(name_list), max_lines=lines, max_width=max(width, 1),
                    charset=charset)
