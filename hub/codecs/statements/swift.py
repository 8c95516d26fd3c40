"""MT940 (customer statement) and MT950 (statement message) text: FIN framed or bare block 4.

Field formats follow the SWIFT MT 9 category standard (SRU 2024), written in SWIFT notation and
checked by one regular expression each. :61: is
    6!n[4!n]2a[1!a]15d1!a3!c16x[//16x][<CrLf>34x]
value date, entry date, D/C mark (C, D, RC, RD), funds code, amount, transaction type,
reference for the account owner, reference of the account servicing institution, supplementary
details. Balances (60F/M, 62F/M, 64, 65) are 1!a6!n3!a15d.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hub.codecs.base import Options
from hub.codecs.statements.envelope import (
    CREDIT,
    DEBIT,
    Balance,
    Entry,
    Statement,
    Transaction,
    check_amount,
    uetr_in,
)
from hub.errors import Diagnostic, Severity

SRU = 2024
TYPES = {"940": "mt940", "950": "mt950"}

# tag -> (pattern of the whole value, its SWIFT notation); "61" is read by _LINE61 below.
FORMATS: dict[str, tuple[str, str]] = {
    "20": (r"[^\n]{1,16}", "16x"),
    "21": (r"[^\n]{1,16}", "16x"),
    "25": (r"[^\n]{1,35}", "35x"),
    "25P": (r"[^\n]{1,35}\n[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", "35x<CrLf>4!a2!a2!c[3!c]"),
    "28C": (r"\d{1,5}(?:/\d{1,5})?", "5n[/5n]"),
    "60F": (r"[CD]\d{6}[A-Z]{3}[0-9,]{1,15}", "1!a6!n3!a15d"),
    "86": (r"[^\n]{1,65}(?:\n[^\n]{1,65}){0,5}", "6*65x"),
}
for _tag in ("60M", "62F", "62M", "64", "65"):
    FORMATS[_tag] = FORMATS["60F"]

ALLOWED = {
    "mt940": ("20", "21", "25", "25P", "28C", "60F", "60M", "61", "86", "62F", "62M", "64",
              "65"),
    "mt950": ("20", "25", "28C", "60F", "60M", "61", "62F", "62M", "64", "65"),
}
REQUIRED = (("20", ("20",)), ("25", ("25", "25P")), ("28C", ("28C",)), ("60a", ("60F", "60M")),
            ("62a", ("62F", "62M")))
ROLES = {"60F": "opening", "60M": "opening", "62F": "closing", "62M": "closing"}

_COMPILED = {tag: re.compile(pattern) for tag, (pattern, _notation) in FORMATS.items()}
_FIELD = re.compile(r":(\d{2}[A-Z]?):(.*)")
_BALANCE = re.compile(r"([CD])(\d{6})([A-Z]{3})([0-9,]+)")
_LINE61 = re.compile(
    r"(?P<value_date>\d{6})(?P<entry_date>\d{4})?(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>[0-9,]{1,15})(?P<type>[NSF][A-Z0-9]{3})(?P<owner>.*?)"
    r"(?://(?P<servicer>.*))?")
_AMOUNT = re.compile(r"\d{1,14},\d*")
_INFO_KEY = re.compile(r"/(EREF|UETR)/([^/\n]*)")
_TYPE = re.compile(r"\{2:[IO](\d{3})")


@dataclass(slots=True)
class Text:
    """Block 4 of one FIN message (or a bare file), with the line number of its first line."""

    lines: list[str]
    first_line: int
    format: str | None  # from block 2; None for bare text


def swift_date(text: str) -> date | None:
    """YYMMDD; years 80-99 are 19YY, 00-79 are 20YY."""
    try:
        year = int(text[:2])
        return date(year + (1900 if year >= 80 else 2000), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


def swift_amount(text: str) -> Decimal | None:
    """15d: digits with a mandatory decimal comma, at most 15 characters."""
    if len(text) > 15 or not _AMOUNT.fullmatch(text):
        return None
    return Decimal(text.replace(",", ".") + ("0" if text.endswith(",") else ""))


def split_messages(text: str, out: list[Diagnostic]) -> list[Text]:
    """FIN messages ({1:}{2:}{4:...-}) or, without framing, the whole text as block 4."""
    if "{1:" not in text and "{4:" not in text:
        return [Text(text.split("\n"), 1, None)]
    found: list[Text] = []
    counted, line = 0, 1  # line numbers counted incrementally: inputs may hold many messages
    for start in [m.start() for m in re.finditer(r"\{1:", text)] or [text.index("{4:")]:
        end = text.find("{1:", start + 3)
        chunk = text[start:end if end > 0 else len(text)]
        line += text.count("\n", counted, start)
        counted = start
        if chunk.startswith("{1:F21"):
            continue  # a service message (ACK/NAK) wrapped around an original; not a statement
        kind = _TYPE.search(chunk)
        name = TYPES.get(kind.group(1)) if kind else None
        if kind is not None and name is None:
            out.append(Diagnostic("STMT.MT_TYPE", f"MT {kind.group(1)} is not a statement "
                                  "(MT940 or MT950)", f"line {line} block 2"))
            continue
        body = chunk.find("{4:")
        if body < 0:
            out.append(Diagnostic("STMT.SYNTAX", "no block 4 (text) in the message",
                                  f"line {line}"))
            continue
        close = chunk.find("\n-}", body)
        if close < 0:
            out.append(Diagnostic("STMT.SYNTAX", "block 4 does not end with \"-}\"",
                                  f"line {line + chunk.count(chr(10), 0, body)} block 4"))
            close = len(chunk)
        block = chunk[body + 3:close]
        first = line + chunk.count("\n", 0, body)
        if block.startswith("\n"):
            block, first = block[1:], first + 1
        found.append(Text(block.split("\n"), first, name))
    return found


def _fields(text: Text, out: list[Diagnostic]) -> list[list[tuple[str, str, int]]]:
    """The text's fields, grouped into statements (a new one at each :20:)."""
    groups: list[list[tuple[str, list[str], int]]] = []
    current: list[tuple[str, list[str], int]] | None = None
    for offset, line in enumerate(text.lines):
        number = text.first_line + offset
        field = _FIELD.fullmatch(line)
        if field is not None:
            tag = field.group(1)
            if tag == "20" or current is None:
                current = []
                groups.append(current)
            current.append((tag, [field.group(2)], number))
        elif line.strip() == "-":
            current = None  # end of one message's text; another statement may follow
        elif not line.strip():
            continue
        elif current:
            current[-1][1].append(line)
        else:
            out.append(Diagnostic("STMT.SYNTAX", "text outside any field", f"line {number}"))
    return [[(tag, "\n".join(lines), start) for tag, lines, start in group] for group in groups]


def _balance(tag: str, value: str, where: str, out: list[Diagnostic]) -> Balance:
    match = _BALANCE.fullmatch(value)
    assert match is not None  # FORMATS checked the shape
    mark, on, currency, amount = match.groups()
    parsed_on = swift_date(on)
    if parsed_on is None:
        out.append(Diagnostic("STMT.DATE", f"{on} is not a date (YYMMDD)", where))
    parsed = swift_amount(amount)
    if parsed is None:
        out.append(Diagnostic("STMT.AMOUNT", f"{amount!r} is not an amount (15d, decimal "
                              "comma)", where))
    elif not check_amount(parsed, currency, where, out):
        parsed = None
    return Balance(code=tag, role=ROLES.get(tag, "other"),
                   direction=CREDIT if mark == "C" else DEBIT, value=parsed, currency=currency,
                   on=parsed_on, where=where)


def _entry_date(value_date: date, mmdd: str) -> date | None:
    """The booking date (MMDD) in the year that puts it nearest the value date."""
    options = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            options.append(date(year, int(mmdd[:2]), int(mmdd[2:])))
        except ValueError:
            continue
    return min(options, key=lambda d: abs((d - value_date).days)) if options else None


def _entry(value: str, currency: str, where: str, out: list[Diagnostic]) -> Entry:
    before = len(out)
    entry = _read_entry(value, currency, where, out)
    entry.readable = not any(d.is_error for d in out[before:])
    return entry


def _read_entry(value: str, currency: str, where: str, out: list[Diagnostic]) -> Entry:
    first, _, details = value.partition("\n")
    match = _LINE61.fullmatch(first)
    entry = Entry(where=where, direction=CREDIT, value=None, currency=currency)
    if match is None:
        out.append(Diagnostic("STMT.FIELD", "field 61 does not match "
                              "6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]", where))
        return entry
    mark = match["mark"]
    entry.direction = CREDIT if mark in ("C", "RD") else DEBIT
    entry.reversal = mark.startswith("R")
    entry.value_date = swift_date(match["value_date"])
    if entry.value_date is None:
        out.append(Diagnostic("STMT.DATE", f"value date {match['value_date']} is not a date "
                              "(YYMMDD)", where))
    elif match["entry_date"]:
        entry.booking_date = _entry_date(entry.value_date, match["entry_date"])
        if entry.booking_date is None:
            out.append(Diagnostic("STMT.DATE", f"entry date {match['entry_date']} is not a "
                                  "date (MMDD)", where))
    entry.value = swift_amount(match["amount"])
    if entry.value is None:
        out.append(Diagnostic("STMT.AMOUNT", f"{match['amount']!r} is not an amount (15d, "
                              "decimal comma)", where))
    elif currency:
        check_amount(entry.value, currency, where, out)
    owner, servicer = match["owner"], match["servicer"]
    if not 1 <= len(owner) <= 16 or "//" in owner:
        out.append(Diagnostic("STMT.FIELD", f"reference for the account owner {owner!r} is not "
                              "16x", where))
    if servicer is not None and not 1 <= len(servicer) <= 16:
        out.append(Diagnostic("STMT.FIELD", f"servicing institution's reference {servicer!r} "
                              "is not 16x", where))
    if details and len(details) > 34:
        out.append(Diagnostic("STMT.FIELD", "supplementary details are longer than 34x", where))
    entry.type_code = match["type"]
    entry.owner_ref = owner if owner and owner != "NONREF" else None
    entry.servicer_ref = servicer or None
    entry.uetr = uetr_in(details, where, out)
    return entry


def _attach_info(entry: Entry, info: str, where: str, out: list[Diagnostic]) -> None:
    """:86: of an entry: its text, the end-to-end reference (/EREF/) and a UETR in it."""
    entry.info = info
    keys = {k: v.strip() for k, v in _INFO_KEY.findall(info.replace("\n", ""))}
    if entry.owner_ref is None and keys.get("EREF") and keys["EREF"] != "NOTPROVIDED":
        entry.owner_ref = keys["EREF"]
    if entry.uetr is None:
        entry.uetr = uetr_in(info, where, out)
    entry.transactions = [Transaction(value=entry.value, currency=entry.currency,
                                      owner_ref=entry.owner_ref, uetr=entry.uetr,
                                      servicer_ref=entry.servicer_ref, where=where)]


def read_statement(fields: list[tuple[str, str, int]], format: str, options: Options,
                   out: list[Diagnostic]) -> Statement:
    statement = Statement(format=format, where=f"line {fields[0][2]}", fields=fields)
    allowed = ALLOWED[format]
    present = {tag for tag, _value, _line in fields}
    opening = next((v for t, v, _ in fields if t in ("60F", "60M")), "")
    currency = opening[7:10] if _BALANCE.fullmatch(opening) else next(
        (v[7:10] for t, v, _ in fields if t in ("62F", "62M") and _BALANCE.fullmatch(v)), "")
    statement.account_currency = currency
    last: Entry | None = None
    for tag, value, line in fields:
        where = f"line {line} field {tag}"
        if tag not in allowed:
            out.append(Diagnostic("STMT.UNEXPECTED", f"field {tag} is not allowed in "
                                  f"{format.upper()}", where))
            continue
        pattern = _COMPILED.get(tag)
        if pattern is not None and not pattern.fullmatch(value):
            severity = Severity.ERROR
            if tag == "86" and "narrative_length" in options.lenient:
                severity = Severity.WARNING
            out.append(Diagnostic("STMT.FIELD", f"field {tag} does not match "
                                  f"{FORMATS[tag][1]}", where, severity))
            if tag != "86":
                continue
        if tag == "20":
            statement.id = value
        elif tag in ("25", "25P"):
            statement.account = value.split("\n")[0].strip()
        elif tag == "28C":
            statement.sequence = value
        elif tag in ROLES or tag in ("64", "65"):
            balance = _balance(tag, value, where, out)
            if currency and balance.currency != currency:
                out.append(Diagnostic("STMT.CURRENCY", f"{tag} is in {balance.currency}, the "
                                      f"statement in {currency}", where))
            statement.balances.append(balance)
            last = None
        elif tag == "61":
            last = _entry(value, currency, where, out)
            statement.entries.append(last)
        elif tag == "86":
            if last is not None:
                _attach_info(last, value, where, out)
                last = None
            else:
                statement.info = value
    for label, tags in REQUIRED:
        if not present & set(tags):
            out.append(Diagnostic("STMT.REQUIRED", f"mandatory field {label} is missing",
                                  f"{statement.where} field {label}"))
    return statement


def read(raw: bytes, format: str | None, options: Options,
         out: list[Diagnostic]) -> list[Statement]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # banks' :86: texts are often ISO 8859-1
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\x01\x03 \n")
    statements: list[Statement] = []
    for block in split_messages(text, out):
        name = block.format or (format if format in ALLOWED else "mt940")
        if block.format and format in ALLOWED and block.format != format:
            out.append(Diagnostic("STMT.MT_TYPE", f"the message is {block.format}, not "
                                  f"{format}", f"line {block.first_line}"))
        groups = _fields(block, out)
        if not groups:
            out.append(Diagnostic("STMT.SYNTAX", "no statement fields (:20: ...)",
                                  f"line {block.first_line}"))
        statements.extend(read_statement(g, name, options, out) for g in groups)
    return statements
