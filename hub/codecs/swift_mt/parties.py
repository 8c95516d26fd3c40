"""Structured party fields 50F and 59F: the party identifier line and the numbered lines.

Source: SWIFT Standards MT SR2025, field 50a option F (MT 103, 103 STP, 103 REMIT, 202 COV,
205 COV, 910) and field 59a option F: "the following line formats must be used (T54)", party
identifier codes (T55), numbering rules (T56), country codes (T73), date of birth (T50).

    50F line 1    /34x                   account
                  4!a/2!a/27x            code / country / identifier
    lines 2-5     1!n/33x                number / details (50F: 1-8, 59F: 1-3)

The date of birth (number 4) must also not lie after the day the message is sent; the codec
reads no clock, so that half of the rule is left to the sender's system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.codecs.swift_mt.countries import COUNTRIES, COUNTRY_PATTERN
from hub.errors import Diagnostic

Found = list[Diagnostic]

# 50F party identifier codes (T55)
IDENTIFIER_CODES = ("ARNU", "CCPT", "CUST", "DRLC", "EMPL", "NIDN", "SOSE", "TXID")


@dataclass(frozen=True, slots=True)
class Numbering:
    """What one tag allows in its numbered lines."""

    numbers: str  # the allowed line numbers
    paired: tuple[tuple[str, str], ...]  # (a, b): a needs b
    once: str  # numbers that may appear on one line only
    country_first: str  # numbers whose details start with a country code and "/"


NUMBERING: dict[str, Numbering] = {
    # 1 name, 2 address, 3 country/town, 4 date of birth, 5 place of birth,
    # 6 customer identification number, 7 national identity number, 8 additional information
    "50F": Numbering("12345678", (("2", "3"), ("4", "5"), ("5", "4")), "45678", "567"),
    # 1 name, 2 address, 3 country/town
    "59F": Numbering("123", (("2", "3"),), "", ""),
}

_CODED = re.compile(r"([A-Z]{4})/([A-Z]{2})/([^\n]{1,27})")
_LINE = re.compile(r"([0-9])/([^\n]{0,33})")
_BIRTH_DATE = re.compile(r"([0-9]{4})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])")


def check_identifier(value: str, where: str, found: Found) -> None:
    """50F line 1: "/account" or "CODE/CC/identifier"."""
    if value.startswith("/"):
        if len(value) < 2:
            found.append(Diagnostic("MT.T54", "the party identifier '/' holds no account",
                                    where))
        return
    coded = _CODED.fullmatch(value)
    if coded is None:
        found.append(Diagnostic("MT.T54", f"{value!r} is neither /account nor "
                                "code/country/identifier (4!a/2!a/27x)", where))
        return
    code, country, _ = coded.groups()
    if code not in IDENTIFIER_CODES:
        found.append(Diagnostic("MT.T55", f"{code!r} is not a party identifier code "
                                f"({', '.join(IDENTIFIER_CODES)})", where))
    if country not in COUNTRIES:
        found.append(Diagnostic("MT.T73", f"{country!r} is not an ISO country code", where))


def identifier_ok(value: str) -> bool:
    """`check_identifier` finds nothing (the fast path's predicate)."""
    if value.startswith("/"):
        return len(value) > 1
    coded = _CODED.fullmatch(value)
    return (coded is not None and coded.group(1) in IDENTIFIER_CODES
            and coded.group(2) in COUNTRIES)


def check_lines(tag: str, name_address: str, first_line: int, coded_identifier: bool,
                where: str, found: Found) -> None:
    """The numbered lines of 50F/59F; `first_line` is the line number of the first of them
    within the field (2 when a party identifier line precedes them)."""
    rules = NUMBERING[tag]
    seen: list[str] = []
    previous = ""
    town = False  # the first 3/ line holds the country; later 3/ lines continue the town
    for n, line in enumerate(name_address.split("\n"), start=first_line):
        at = f"{where} line {n}"
        m = _LINE.fullmatch(line)
        if m is None:
            found.append(Diagnostic("MT.T54", f"{line!r} is not a numbered line "
                                    "(1!n/33x)", at))
            continue
        number, text = m.groups()
        if number not in rules.numbers:
            found.append(Diagnostic("MT.T56", f"line number {number} is not allowed in field "
                                    f"{tag} ({', '.join(rules.numbers)})", at))
            continue
        if not seen and number != "1":
            found.append(Diagnostic("MT.T56", "the first numbered line must be 1/ (name)", at))
        if previous and number < previous:
            found.append(Diagnostic("MT.T56", "line numbers must appear in numerical order",
                                    at))
        if number in rules.once and number in seen:
            found.append(Diagnostic("MT.T56", f"number {number} must not be repeated", at))
        if number == "8" and not coded_identifier and previous not in ("6", "7", "8"):
            found.append(Diagnostic("MT.T56", "number 8 only continues a coded party "
                                    "identifier or the details of number 6 or 7", at))
        _check_details(number, text, town, rules, at, found)
        town = town or number == "3"
        seen.append(number)
        previous = number
    for needs, needed in rules.paired:
        if needs in seen and needed not in seen:
            at = f"{where} line {first_line + seen.index(needs)}"
            found.append(Diagnostic("MT.T56", f"number {needs} must not be used without "
                                    f"number {needed}", at))


def _check_details(number: str, text: str, town: bool, rules: Numbering, at: str,
                   found: Found) -> None:
    if number == "3" and not town:
        # only the first 3/ line holds the country; other 3/ lines continue the details
        if text[:2] not in COUNTRIES:
            found.append(Diagnostic("MT.T73", f"{text!r} must start with an ISO country "
                                    "code", at))
        elif text[2:3] not in ("", "/"):
            found.append(Diagnostic("MT.T56", "the country code must be followed by '/'", at))
    elif number == "4":
        day = _BIRTH_DATE.fullmatch(text)
        if day is None or not _real_date(*map(int, day.groups())):
            found.append(Diagnostic("MT.T50", f"{text!r} is not a date of birth (YYYYMMDD)",
                                    at))
    elif number in rules.country_first:
        if text[:2] not in COUNTRIES:
            found.append(Diagnostic("MT.T73", f"{text!r} must start with an ISO country "
                                    "code", at))
        elif text[2:3] != "/" or len(text) < 4:
            found.append(Diagnostic("MT.T56", f"number {number} needs a country code, '/' "
                                    "and details", at))


def _real_date(year: int, month: int, day: int) -> bool:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return day <= (29 if leap else 28)
    return day <= (30 if month in (4, 6, 9, 11) else 31)


def fast_lines(tag: str) -> re.Pattern[str]:
    """The numbered lines `check_lines` accepts, as one regex over the common shape: lines 1,
    then 2 only when a 3 follows, the first 3 a valid country code. Values with numbers 4-8
    are left to `check_lines` (the fast path may only ever say "clean")."""
    assert tag in NUMBERING
    line = "[^\\n]{0,33}"
    town = f"(?:(?:\\n2/{line})*\\n3/{COUNTRY_PATTERN}(?:/[^\\n]*)?(?:\\n3/{line})*)?"
    return re.compile(f"1/{line}(?:\\n1/{line})*{town}")


__all__ = ["IDENTIFIER_CODES", "NUMBERING", "check_identifier", "check_lines", "fast_lines",
           "identifier_ok"]
