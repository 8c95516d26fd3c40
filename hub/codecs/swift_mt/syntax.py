"""Field grammar checks: notation, character sets, line limits and component semantics.

Every finding carries SWIFT's own error code where the FIN Error Codes guide defines one for it
(T26 reference slashes, T40 amount comma, T43 amount length, T50 date, T38 time, T52 currency,
T27 BIC, T08 code word, T54/T55/T56 structured party lines, T73 country, C03 currency
decimals); findings the guide groups under one generic code get the hub's own MT.* code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from hub.codecs.swift_mt import parties
from hub.codecs.swift_mt.countries import COUNTRIES
from hub.codecs.swift_mt.fields import FORMATS, notation
from hub.codecs.swift_mt.notation import CHARSETS, LINE_SETS, Group, Notation
from hub.errors import Diagnostic
from hub.model.money import MINOR_UNITS

_DATE = re.compile(r"[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])")
_TIME = re.compile(r"([01][0-9]|2[0-3])[0-5][0-9]")
_AMOUNT = re.compile(r"[0-9]+,[0-9]*")
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
Found = list[Diagnostic]


@lru_cache(maxsize=8192)
def date6(text: str) -> date | None:
    """YYMMDD to a date (SWIFT years 00-79 are 20xx, 80-99 are 19xx)."""
    if _DATE.fullmatch(text) is None:
        return None
    year = int(text[:2])
    try:
        return date(2000 + year if year < 80 else 1900 + year, int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


def decimals_ok(amount: str, currency: str) -> bool:
    units = MINOR_UNITS.get(currency, 2)
    return len(amount) - amount.index(",") - 1 <= max(units, 0)


def _check_reference(value: str, where: str, found: Found) -> None:
    if value.startswith("/") or value.endswith("/") or "//" in value:
        found.append(Diagnostic("MT.T26", "a reference must not start or end with '/' nor "
                                "contain '//'", where))


def _check_date(value: str, where: str, found: Found) -> None:
    if date6(value) is None:
        found.append(Diagnostic("MT.T50", f"{value!r} is not a valid date (YYMMDD)", where))


def _check_time(value: str, where: str, found: Found) -> None:
    if _TIME.fullmatch(value) is None:
        found.append(Diagnostic("MT.T38", f"{value!r} is not a valid time (HHMM)", where))


def _check_currency(value: str, where: str, found: Found) -> None:
    if MINOR_UNITS.get(value, -1) < 0:
        found.append(Diagnostic("MT.T52", f"{value!r} is not an ISO 4217 currency code", where))


def _check_amount(value: str, where: str, found: Found) -> None:
    if _AMOUNT.fullmatch(value) is None:
        found.append(Diagnostic("MT.T40", f"{value!r} is not an amount: digits with one decimal "
                                "comma, at least one digit before it", where))
    elif len(value) > 15:
        found.append(Diagnostic("MT.T43", f"{value!r} has more than 15 characters", where))


def _check_bic(value: str, where: str, found: Found) -> None:
    if _BIC.fullmatch(value) is None:
        found.append(Diagnostic("MT.T27", f"{value!r} is not a BIC (4!a2!a2!c[3!c])", where))


def _check_country(value: str, where: str, found: Found) -> None:
    if value not in COUNTRIES:
        found.append(Diagnostic("MT.T73", f"{value!r} is not an ISO country code", where))


def _check_party_identifier(value: str, where: str, found: Found) -> None:
    parties.check_identifier(value, where, found)


CHECKS: dict[str, Callable[[str, str, Found], None]] = {
    "reference": _check_reference,
    "date": _check_date,
    "time": _check_time,
    "offset": _check_time,
    "currency": _check_currency,
    "amount": _check_amount,
    "rate": _check_amount,
    "bic": _check_bic,
    "party_identifier": _check_party_identifier,
    "country": _check_country,
}


@lru_cache(maxsize=512)
def _plan(tag: str) -> tuple[Notation, tuple[tuple[str, Callable[[str, str, Found], None]], ...]]:
    spec = notation(tag)
    assert spec is not None
    return spec, tuple((n, CHECKS[n]) for n in spec.names if n in CHECKS)


def check_field(tag: str, value: str, where: str, codes: frozenset[str] | None,
                found: Found) -> dict[str, str | None] | None:
    """Check one field value; returns its components when the notation matched."""
    spec = notation(tag)
    if spec is None:
        return None
    match = spec.regex.fullmatch(value)
    if match is None:
        _explain(tag, spec, value, where, found)
        return None
    parts: dict[str, str | None] = match.groupdict()
    for name, check in _plan(tag)[1]:
        component = parts[name]
        if component is not None:
            check(component, f"{where} line {_line_of(value, match.start(name))}", found)
    if codes is not None and "code" in parts and parts["code"] not in codes:
        found.append(Diagnostic("MT.T08", f"{parts['code']!r} is not a code word allowed in "
                                f"field {tag}", f"{where} line 1"))
    if "currency" in parts and "amount" in parts and parts["amount"] and parts["currency"]:
        amount, currency = parts["amount"], parts["currency"]
        if "," in amount and currency in MINOR_UNITS and not decimals_ok(amount, currency):
            found.append(Diagnostic("MT.C03", f"{amount!r} has more decimals than {currency} "
                                    "allows", f"{where} line 1"))
    if tag in _NUMBERED:
        identifier = parts.get("party_identifier") or parts.get("account") or ""
        parties.check_lines(tag, parts.get("name_address") or "", 2 if identifier else 1,
                            identifier[:1] not in ("", "/"), where, found)
    return parts


# --- fast path -------------------------------------------------------------------------------
# `clean_field` answers only "this value is entirely clean, here are its components"; any doubt
# returns None and the caller runs `check_field`, which says precisely what is wrong. So the
# fast path never decides a diagnostic; it must only never call a bad value clean.

def _reference_ok(value: str) -> bool:
    return not (value.startswith("/") or value.endswith("/") or "//" in value)


PREDICATES: dict[str, Callable[[str], object]] = {
    "reference": _reference_ok,
    "date": date6,
    "time": _TIME.fullmatch,
    "offset": _TIME.fullmatch,
    "currency": lambda value: MINOR_UNITS.get(value, -1) >= 0,
    "amount": lambda value: len(value) <= 15 and _AMOUNT.fullmatch(value),
    "rate": lambda value: len(value) <= 15 and _AMOUNT.fullmatch(value),
    "bic": _BIC.fullmatch,
    "party_identifier": parties.identifier_ok,
    "country": COUNTRIES.__contains__,
}
assert PREDICATES.keys() == CHECKS.keys()


_NUMBERED = {tag: parties.fast_lines(tag) for tag in parties.NUMBERING}


def _implied(spec: Notation, name: str) -> bool:
    """True when the notation itself already is the component's check (a BIC group
    "(4!a2!a2!c[3!c])" is exactly the BIC pattern), so a match needs no second look."""
    return name == "bic" and any(isinstance(p, Group) and p.name == "bic"
                                 and f"(?P<bic>{_BIC.pattern})" in spec.regex.pattern
                                 for p in spec.parts)


class FieldPlan:
    """One field tag's checks, compiled once from its notation and component names:
    `regex` (the notation) and `extra`, the semantic checks left once the regex matched
    (None when there are none), a predicate over the components and the allowed code words."""

    __slots__ = ("extra", "regex")

    def __init__(self, tag: str, spec: Notation) -> None:
        names = spec.names
        pattern, folded = _strict(spec, _NUMBERED.get(tag))
        self.regex = re.compile(pattern)
        money: MoneyCheck | None = None  # one step for currency and amount
        if "currency" in names and "amount" in names:
            money = _decimals_fit if "amount" in folded else _money_ok
        skip = folded | ({"currency", "amount"} if money else set())
        checks = tuple((n, PREDICATES[n]) for n in names
                       if n in PREDICATES and n not in skip and not _implied(spec, n))
        numbered = None if "numbered" in folded else _NUMBERED.get(tag)
        self.extra = _extra(checks, money, "code" in names, numbered)


def _strict(spec: Notation, numbered: re.Pattern[str] | None) -> tuple[str, set[str]]:
    """The notation's regex with checks folded in where that cannot change how a value is
    split into components (so the components are those `check_field` reads); returns the
    pattern and what it took over."""
    pattern = spec.regex.pattern
    folded: set[str] = set()
    head = "(?P<reference>"
    if spec.names == ("reference",) and pattern.startswith(head) and pattern.endswith(")"):
        # the only component, read one way: no leading or trailing "/", no "//"
        pattern = f"{head}(?!/)(?!.*//){pattern[len(head):-1]}(?<!/))"
        folded.add("reference")
    head = "(?P<name_address>"
    if numbered is not None and spec.names[-1] == "name_address" and pattern.count(head) == 1:
        # the last component runs to the end of the value, so the look-ahead reads exactly
        # its text; a reading without the optional account before it would start with "/",
        # which the numbered lines refuse anyway
        pattern = pattern.replace(head, f"{head}(?={numbered.pattern}\\Z)")
        folded.add("numbered")
    last = _LAST_DECIMAL.search(pattern)
    if last is not None:
        # an amount or rate ends the value: its syntax (one decimal comma after a digit, the
        # `amount` predicate) read by the regex within the notation's width
        name, width = last.groups()
        pattern = f"{pattern[:last.start()]}(?P<{name}>(?=[0-9,]{{1,{width}}}\\Z)[0-9]+,[0-9]*)"
        folded.add(name)
    return pattern, folded


_LAST_DECIMAL = re.compile(r"\(\?P<(amount|rate)>\[0-9,\]\{1,([0-9]+)\}\)\Z")


Extra = Callable[[dict[str, str | None], frozenset[str] | None], bool]
MoneyCheck = Callable[[str | None, str | None], bool]


def _extra(checks: tuple[tuple[str, Callable[[str], object]], ...], money: MoneyCheck | None,
           code: bool, numbered: re.Pattern[str] | None) -> Extra | None:
    """The smallest predicate doing exactly these checks (the common shapes get their own)."""
    if not checks and not money and numbered is None:
        if not code:
            return None
        return lambda parts, codes: codes is None or parts["code"] in codes
    if not checks and not money and not code and numbered is not None:
        return lambda parts, codes: numbered.fullmatch(parts["name_address"] or "") is not None
    if len(checks) == 1 and not money and not code and numbered is None:
        name, ok = checks[0]
        return lambda parts, codes: (value := parts[name]) is None or bool(ok(value))
    if not checks and money is not None and not code and numbered is None:
        return lambda parts, codes: money(parts["currency"], parts["amount"])

    def extra(parts: dict[str, str | None], codes: frozenset[str] | None) -> bool:
        for name, ok in checks:
            component = parts[name]
            if component is not None and not ok(component):
                return False
        if money is not None and not money(parts["currency"], parts["amount"]):
            return False
        if code and codes is not None and parts["code"] not in codes:
            return False
        return numbered is None or numbered.fullmatch(parts["name_address"] or "") is not None
    return extra


def _money_ok(currency: str | None, amount: str | None) -> bool:
    """Currency (T52), amount (T40, T43) and the currency's decimals (C03) all fine."""
    if currency is None or amount is None:
        return False
    units = MINOR_UNITS.get(currency, -1)
    return (units >= 0 and len(amount) <= 15 and _AMOUNT.fullmatch(amount) is not None
            and len(amount) - amount.index(",") - 1 <= units)


def _decimals_fit(currency: str | None, amount: str | None) -> bool:
    """`_money_ok` for an amount whose syntax the regex has read already."""
    if currency is None or amount is None:
        return False
    units = MINOR_UNITS.get(currency, -1)
    return units >= 0 and len(amount) - amount.index(",") - 1 <= units


PLANS: dict[str, FieldPlan] = {tag: FieldPlan(tag, spec) for tag in FORMATS
                               if (spec := notation(tag)) is not None}


def field_plan(tag: str) -> FieldPlan | None:
    """The compiled checks of a field tag with option letter; None for an unknown tag."""
    return PLANS.get(tag)


def clean_field(plan: FieldPlan, value: str,
                codes: frozenset[str] | None) -> dict[str, str | None] | None:
    """The components of a value `check_field` finds nothing wrong with; None otherwise.
    (check.check_block4 runs the same steps inline.)"""
    match = plan.regex.fullmatch(value)
    if match is None:
        return None
    parts: dict[str, str | None] = match.groupdict()
    if plan.extra is not None and not plan.extra(parts, codes):
        return None
    return parts


def _line_of(value: str, offset: int) -> int:
    return value.count("\n", 0, offset) + 1 if offset > 0 else 1


def _explain(tag: str, spec: Notation, value: str, where: str, found: Found) -> None:
    """Say precisely why a value does not fit its notation."""
    before = len(found)
    loose = spec.loose.fullmatch(value)
    if loose is not None:
        parts = loose.groupdict()
        for name, check in _plan(tag)[1]:
            component = parts.get(name)
            if component is not None:
                check(component, f"{where} line {_line_of(value, loose.start(name))}", found)
    if len(found) > before:
        return
    charset = LINE_SETS.get(spec.charset, LINE_SETS["x"])
    lines = value.split("\n")
    for i, line in enumerate(lines, start=1):
        at = f"{where} line {i}"
        if not line and (len(lines) > 1 or spec.text):
            found.append(Diagnostic("MT.BLANK_LINE", "empty line in a field", at))
        elif charset.fullmatch(line) is None:
            bad = next(ch for ch in line if charset.fullmatch(ch) is None)
            found.append(Diagnostic("MT.CHARSET", f"character {bad!r} is not in the SWIFT "
                                    f"{spec.charset} character set", at))
        elif len(line) > spec.max_width:
            found.append(Diagnostic("MT.LINE_LENGTH", f"line has {len(line)} characters, at "
                                    f"most {spec.max_width} allowed", at))
    if len(lines) > spec.max_lines:
        found.append(Diagnostic("MT.LINES", f"{len(lines)} lines, at most {spec.max_lines} "
                                "allowed", f"{where} line {spec.max_lines + 1}"))
    if len(found) == before:
        found.append(Diagnostic("MT.FORMAT", f"value does not match the format {spec.text} of "
                                f"field {tag}", f"{where} line 1"))


__all__ = ["CHARSETS", "FieldPlan", "check_field", "clean_field", "date6", "decimals_ok",
           "field_plan"]
