"""Reading a routing table: TOML -> checked, compiled `Table`, or every problem at once.

Two forms load here. The full form has `rails`, `banks`, `correspondents` and `rules`; the simple
form has only `rules` naming a connector and format each, plus a `default`. A simple rule becomes
a one-hop open rail from any sender, ranked by its position, so both plan the same way.

Every problem is a Diagnostic whose location is the key's path in the file
(`rails.fedwire.cutoff`, `correspondents[3].holder`, `rules[2].when.currency`); `TableError`
carries all of them, so the daemon can refuse a bad table on reload and keep the old one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Collection, Mapping
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import Diagnostic, RouteError
from hub.model import Kind
from hub.model.message import BIC_SHAPE, COUNTRY_SHAPE
from hub.model.money import is_currency
from hub.routes import codes
from hub.routes.calendars import NO_CALENDAR, calendar_factory, make_schedule
from hub.routes.graph import Graph
from hub.routes.rules import RuleIndex, bic11, contains, overlaps
from hub.routes.table import (
    PRESETS,
    Account,
    Bank,
    Conditions,
    Limits,
    Rail,
    Reach,
    Rule,
    Table,
    Weights,
)


class TableError(RouteError):
    """The routing table cannot be used; `diagnostics` lists every problem with its path."""

    code = codes.TABLE_INVALID


WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
KINDS = frozenset(k.value for k in Kind)
_MISSING: Any = object()

FULL_KEYS = {"version", "our_bic", "base_currency", "planner", "objective", "fx", "connectors",
             "rails", "banks", "correspondents", "rules"}
SIMPLE_KEYS = {"version", "our_bic", "default", "rules", "connectors"}
RAIL_KEYS = {"name", "connector", "reach", "format", "formats", "kinds", "currencies",
             "timezone", "open", "cutoff", "days", "calendar", "settlement_minutes",
             "settlement_days", "fixed_fee", "fee_currency", "bps_fee", "fx_spread_bps",
             "min_amount", "max_amount", "countries", "bics"}
BANK_KEYS = {"name", "country", "rails", "fx_spread_bps"}
ACCOUNT_KEYS = {"holder", "owner", "currency", "rails", "fixed_fee", "fee_currency", "bps_fee",
                "latency_minutes", "max_amount"}
WHEN_KEYS = {"kind", "currency", "sender", "receiver_bic", "receiver_country", "priority",
             "purpose", "min_amount", "max_amount"}
RULE_KEYS = {"id", "priority", "when", "objective", "weights", "only_rails", "only_connectors",
             "forbid", "forbid_rails", "forbid_connectors", "forbid_via", "prefer_rails", "bonus",
             "same_day", "max_hops"}
SIMPLE_RULE_KEYS = {"id", "kind", "currency", "receiver_bic", "receiver_country", "min_amount",
                    "max_amount", "connector", "format"}
PLANNER_KEYS = {"max_hops", "alternatives", "horizon_days", "max_candidates"}
WEIGHT_KEYS = {"cost", "time", "reliability"}


def load_table(path: str | Path, *, connectors: Collection[str] | None = None) -> Table:
    """Read, check and compile a routing table file. Raises TableError with every problem.

    `connectors`, when given, are the connector names the daemon has; a rail naming another is
    an error (ROUTE.UNKNOWN_CONNECTOR), as is one missing from the table's own [connectors].
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{path}: cannot read the routing table: {exc}",
                         code=codes.TABLE_SYNTAX, location=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        diag = Diagnostic(codes.TABLE_SYNTAX, str(exc), str(path))
        raise TableError(f"{path}: {exc}", code=codes.TABLE_SYNTAX, location=str(path),
                         diagnostics=[diag]) from None
    return parse_table(data, str(path), connectors=connectors)


def parse_table(data: Mapping[str, Any], source: str = "<table>", *,
                connectors: Collection[str] | None = None) -> Table:
    """Check and compile a routing table already parsed from TOML (or built in code)."""
    reader = _Reader()
    if "rails" in data or "default" not in data:
        table = _full(reader, data, source, connectors)
    else:
        table = _simple(reader, data, source, connectors)
    if reader.diagnostics or table is None:
        diags = reader.diagnostics
        head = "; ".join(f"{d.location}: {d.message}" for d in diags[:5])
        more = f" (and {len(diags) - 5} more)" if len(diags) > 5 else ""
        raise TableError(f"{source}: {len(diags)} problem(s) in the routing table: {head}{more}",
                         location=source, diagnostics=diags)
    table.index = RuleIndex(table.rules)
    table.graph = Graph(table)
    return table


class _Reader:
    """Typed access to TOML values that records a Diagnostic (with its path) for each problem."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, path: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(code, message, path))

    def section(self, value: Any, path: str, allowed: set[str]) -> dict[str, Any]:
        if value is _MISSING:
            return {}
        if not isinstance(value, Mapping):
            self.error(codes.BAD_VALUE, path, "expected a table")
            return {}
        for key in value:
            if key not in allowed:
                self.error(codes.UNKNOWN_KEY, _join(path, key), f"unknown key {key!r}")
        return dict(value)

    def get(self, data: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...],
            default: Any = _MISSING) -> Any:
        value = data.get(key, _MISSING)
        where = _join(path, key)
        if value is _MISSING:
            if default is _MISSING:
                self.error(codes.MISSING_KEY, where, f"{key!r} is required")
                return None
            return default
        if isinstance(value, bool) and kind is not bool and bool not in _tuple(kind):
            self.error(codes.BAD_VALUE, where, f"expected {_names(kind)}, got a boolean")
            return None if default is _MISSING else default
        if not isinstance(value, kind):
            self.error(codes.BAD_VALUE, where, f"expected {_names(kind)}, got {value!r}")
            return None if default is _MISSING else default
        return value

    def decimal(self, data: Mapping[str, Any], key: str, path: str,
                default: Decimal | None = None, *, positive: bool = False) -> Decimal | None:
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return default
        return self.number(value, _join(path, key), positive=positive)

    def number(self, value: Any, where: str, *, positive: bool = False) -> Decimal | None:
        # strings ("12.50") or integers; floats would carry binary noise into money
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.error(codes.BAD_VALUE, where, f"amounts are strings or integers, got {value!r}")
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.error(codes.BAD_VALUE, where, f"{value!r} is not a number")
            return None
        if not number.is_finite() or number < 0 or (positive and number == 0):
            sign = "positive" if positive else "non-negative"
            self.error(codes.BAD_VALUE, where, f"{value!r} must be a {sign} number")
            return None
        return number

    def weight(self, data: Mapping[str, Any], key: str, path: str, default: float) -> float:
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.error(codes.BAD_VALUE, _join(path, key), f"expected a number, got {value!r}")
            return default
        try:
            number = float(value)
        except ValueError:
            self.error(codes.BAD_VALUE, _join(path, key), f"{value!r} is not a number")
            return default
        if not number >= 0 or number == float("inf"):
            self.error(codes.BAD_VALUE, _join(path, key), "weights are finite and non-negative")
            return default
        return number

    def integer(self, data: Mapping[str, Any], key: str, path: str, default: int,
                low: int = 0, high: int = 1 << 31) -> int:
        value = self.get(data, key, path, int, default)
        if value is None:
            return default
        if not low <= value <= high:
            self.error(codes.BAD_VALUE, _join(path, key), f"{value} is outside {low}..{high}")
            return default
        return int(value)

    def strings(self, data: Mapping[str, Any], key: str, path: str,
                check: Callable[[str, str], str | None] | None = None) -> list[str]:
        """A string or list of strings; `check(value, where)` returns the normal form or None."""
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return []
        where = _join(path, key)
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.error(codes.BAD_VALUE, where, f"expected a string or a list, got {value!r}")
            return []
        out: list[str] = []
        for i, item in enumerate(items):
            at = f"{where}[{i}]"
            if not isinstance(item, str):
                self.error(codes.BAD_VALUE, at, f"expected a string, got {item!r}")
                continue
            normal = check(item, at) if check else item
            if normal is not None:
                out.append(normal)
        return out

    # value checks for `strings`
    def currency(self, value: str, where: str) -> str | None:
        if not is_currency(value):
            self.error(codes.UNKNOWN_CURRENCY, where, f"{value!r} is not an ISO 4217 currency")
            return None
        return value

    def kind(self, value: str, where: str) -> str | None:
        if value not in KINDS:
            self.error(codes.BAD_VALUE, where, f"{value!r} is not a message kind "
                       f"({', '.join(sorted(KINDS))})")
            return None
        return value

    def bic(self, value: str, where: str) -> str | None:
        if not BIC_SHAPE.fullmatch(value):
            self.error(codes.BAD_VALUE, where, f"{value!r} is not a BIC8 or BIC11")
            return None
        return value

    def bic_or_country(self, value: str, where: str) -> str | None:
        if BIC_SHAPE.fullmatch(value) or COUNTRY_SHAPE.fullmatch(value):
            return value
        self.error(codes.BAD_VALUE, where, f"{value!r} is neither a BIC nor a country code")
        return None

    def country(self, value: str, where: str) -> str | None:
        if not COUNTRY_SHAPE.fullmatch(value):
            self.error(codes.BAD_VALUE, where, f"{value!r} is not an ISO 3166 alpha-2 code")
            return None
        return value

    def clock(self, data: Mapping[str, Any], key: str, path: str) -> time | None:
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return None
        where = _join(path, key)
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            try:
                hours, minutes = value.split(":")
                if len(hours) == 2 and len(minutes) == 2:
                    return time(int(hours), int(minutes))
            except ValueError:
                pass
        self.error(codes.BAD_TIME, where, f"{value!r} is not a time of day HH:MM")
        return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind: type | tuple[type, ...]) -> str:
    names = {"str": "a string", "int": "an integer", "bool": "true or false", "list": "a list",
             "dict": "a table", "float": "a number"}
    return " or ".join(names.get(k.__name__, k.__name__) for k in _tuple(kind))


# --- the full form ---

def _full(r: _Reader, data: Mapping[str, Any], source: str,
          known: Collection[str] | None) -> Table | None:
    top = r.section(data, "", FULL_KEYS)
    our_bic = top.get("our_bic")
    if our_bic is not None and (not isinstance(our_bic, str) or r.bic(our_bic, "our_bic") is None):
        our_bic = None
    base = r.get(top, "base_currency", "", str, "EUR")
    if base is not None and not is_currency(base):
        r.error(codes.UNKNOWN_CURRENCY, "base_currency", f"{base!r} is not an ISO 4217 currency")
    rates = _rates(r, top.get("fx", _MISSING), base or "EUR")
    weights = _weights(r, top.get("objective", _MISSING), "objective", Weights())
    planner = r.section(top.get("planner", _MISSING), "planner", PLANNER_KEYS)
    declared = _declared(r, top.get("connectors", _MISSING))
    rails_data = r.section(top.get("rails", _MISSING), "rails", set(top.get("rails") or {}))
    if not rails_data:
        r.error(codes.MISSING_KEY, "rails", "a full routing table needs at least one rail")
    rails: dict[str, Rail] = {}
    for i, (rail_id, body) in enumerate(sorted(rails_data.items())):
        rail = _rail(r, rail_id, i, body, f"rails.{rail_id}", rates, declared, known)
        if rail is not None:
            rails[rail_id] = rail
    banks = _banks(r, top.get("banks", _MISSING), rails, rails_data)
    if our_bic is not None:
        our_bic = bic11(our_bic)
        if our_bic not in banks:
            r.error(codes.UNKNOWN_BANK, "our_bic", f"{our_bic} is not in [banks]")
    accounts = _accounts(r, top.get("correspondents", _MISSING), banks, rails, rails_data, rates)
    rules = _rules(r, top.get("rules", _MISSING), rails, rails_data, declared, known)
    if r.diagnostics:
        return None
    for rail in rails.values():
        rail.members = frozenset(b.bic for b in banks.values() if rail.id in b.rails)
    return Table(
        source=source, form="full", our_bic=our_bic, base_currency=base, rates=rates,
        weights=weights,
        max_hops=r.integer(planner, "max_hops", "planner", 3, 1, 6),
        alternatives=r.integer(planner, "alternatives", "planner", 3, 0, 50),
        horizon_days=r.integer(planner, "horizon_days", "planner", 10, 1, 60),
        max_candidates=r.integer(planner, "max_candidates", "planner", 64, 1, 10_000),
        rails=rails, banks=banks, accounts=tuple(accounts), rules=tuple(rules),
        declared_connectors=frozenset(declared or ()))


def _rates(r: _Reader, value: Any, base: str) -> dict[str, Decimal]:
    """[fx]: the value of one unit of each currency in the base currency (mid rate)."""
    rates = {base: Decimal(1)}
    section = r.section(value, "fx", set(value) if isinstance(value, Mapping) else set())
    for cur, rate in sorted(section.items()):
        where = f"fx.{cur}"
        if r.currency(cur, where) is None:
            continue
        number = r.number(rate, where, positive=True)
        if number is not None:
            if cur == base and number != 1:
                r.error(codes.BAD_VALUE, where, f"the base currency {base} has rate 1")
            rates[cur] = number
    return rates


def _weights(r: _Reader, value: Any, path: str, default: Weights) -> Weights:
    section = r.section(value, path, WEIGHT_KEYS)
    return Weights(cost=r.weight(section, "cost", path, default.cost),
                   time=r.weight(section, "time", path, default.time),
                   reliability=r.weight(section, "reliability", path, default.reliability))


def _declared(r: _Reader, value: Any) -> set[str] | None:
    """[connectors]: name -> connector type, the links this table may route to."""
    if value is _MISSING:
        return None
    section = r.section(value, "connectors", set(value) if isinstance(value, Mapping) else set())
    for name, kind in section.items():
        if not isinstance(kind, str):
            r.error(codes.BAD_VALUE, f"connectors.{name}", "expected the connector type")
    return set(section)


def _connector(r: _Reader, name: str, where: str, declared: set[str] | None,
               known: Collection[str] | None) -> None:
    if declared is not None and name not in declared:
        r.error(codes.UNKNOWN_CONNECTOR, where, f"connector {name!r} is not in [connectors]")
    elif known is not None and name not in known:
        r.error(codes.UNKNOWN_CONNECTOR, where, f"no connector named {name!r} is configured")


def _rail(r: _Reader, rail_id: str, index: int, body: Any, path: str, rates: dict[str, Decimal],
          declared: set[str] | None, known: Collection[str] | None) -> Rail | None:
    d = r.section(body, path, RAIL_KEYS)
    if not d:
        return None
    connector = r.get(d, "connector", path, str)
    if connector is not None:
        _connector(r, connector, f"{path}.connector", declared, known)
    reach_text = r.get(d, "reach", path, str, "members")
    try:
        reach = Reach(reach_text)
    except ValueError:
        r.error(codes.BAD_VALUE, f"{path}.reach", f"{reach_text!r} is not one of "
                f"{', '.join(x.value for x in Reach)}")
        reach = Reach.MEMBERS
    formats = _formats(r, d, path)
    kinds = frozenset(r.strings(d, "kinds", path, r.kind))
    if formats and "*" not in formats:  # formats by kind: the rail carries those kinds only
        kinds = kinds & formats.keys() if kinds else frozenset(formats)
    currencies = frozenset(r.strings(d, "currencies", path, r.currency))
    for i, cur in enumerate(sorted(currencies)):
        if cur not in rates:
            r.error(codes.NO_RATE, f"{path}.currencies[{i}]", f"{cur} has no rate in [fx]")
    fee_currency = r.get(d, "fee_currency", path, str, None)
    if fee_currency is None:
        fee_currency = min(currencies) if len(currencies) == 1 else next(iter(rates))
    elif fee_currency not in rates:
        r.error(codes.NO_RATE, f"{path}.fee_currency", f"{fee_currency!r} has no rate in [fx]")
    schedule = _schedule(r, d, path)
    limits = Limits(minimum=_limits(r, d, "min_amount", path),
                    maximum=_limits(r, d, "max_amount", path))
    if schedule is None or connector is None:
        return None
    return Rail(
        id=rail_id, index=index, name=r.get(d, "name", path, str, rail_id) or rail_id,
        connector=connector, reach=reach, formats=formats,
        kinds=kinds, currencies=currencies,
        limits=limits, schedule=schedule,
        settlement_minutes=r.integer(d, "settlement_minutes", path, 0, 0, 100_000),
        settlement_days=r.integer(d, "settlement_days", path, 0, 0, 10),
        fixed_fee=r.decimal(d, "fixed_fee", path, Decimal(0)) or Decimal(0),
        fee_currency=fee_currency, bps_fee=r.decimal(d, "bps_fee", path, Decimal(0)) or Decimal(0),
        fx_spread_bps=r.decimal(d, "fx_spread_bps", path),
        countries=frozenset(r.strings(d, "countries", path, r.country)),
        bics=frozenset(r.strings(d, "bics", path, r.bic)))


def _formats(r: _Reader, d: Mapping[str, Any], path: str) -> dict[str, str]:
    formats: dict[str, str] = {}
    single = r.get(d, "format", path, str, None)
    if single:
        formats["*"] = single
    by_kind = d.get("formats", _MISSING)
    section = r.section(by_kind, f"{path}.formats", set(KINDS))
    for kind, fmt in section.items():
        if not isinstance(fmt, str) or not fmt:
            r.error(codes.BAD_VALUE, f"{path}.formats.{kind}", "expected a format name")
        else:
            formats[kind] = fmt
    if not formats:
        r.error(codes.MISSING_KEY, f"{path}.format", "a rail needs a format (or formats by kind)")
    return formats


def _schedule(r: _Reader, d: Mapping[str, Any], path: str) -> Any:
    zone_name = r.get(d, "timezone", path, str, "UTC") or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        r.error(codes.BAD_TIMEZONE, f"{path}.timezone", f"{zone_name!r} is not an IANA time zone")
        return None
    opens = r.clock(d, "open", path)
    cutoff = r.clock(d, "cutoff", path)
    if ("open" in d) != ("cutoff" in d):
        missing = "cutoff" if "open" in d else "open"
        r.error(codes.MISSING_KEY, f"{path}.{missing}", "give both open and cutoff, or neither "
                "for a rail that runs around the clock")
        return None
    if opens is not None and opens == cutoff:
        r.error(codes.BAD_TIME, f"{path}.cutoff", "cut-off equals the opening time")
        return None
    days: set[int] = set()
    for day in r.strings(d, "days", path) or ["mon", "tue", "wed", "thu", "fri"]:
        if day.lower()[:3] not in WEEKDAYS:
            r.error(codes.BAD_VALUE, f"{path}.days", f"{day!r} is not a weekday (mon..sun)")
        else:
            days.add(WEEKDAYS[day.lower()[:3]])
    calendar = r.get(d, "calendar", path, str, NO_CALENDAR) or NO_CALENDAR
    if calendar_factory(calendar) is None:
        r.error(codes.BAD_CALENDAR, f"{path}.calendar", f"{calendar!r} is not a holiday calendar "
                "(a financial market such as ECB, FED, NYSE, a country such as US, or GB-ENG)")
        return None
    if ("open" in d and opens is None) or ("cutoff" in d and cutoff is None):
        return None
    return make_schedule(zone, opens, cutoff, frozenset(days), calendar)


def _limits(r: _Reader, d: Mapping[str, Any], key: str, path: str) -> dict[str, Decimal]:
    value = d.get(key, _MISSING)
    if value is _MISSING:
        return {}
    where = f"{path}.{key}"
    if not isinstance(value, Mapping):  # one amount for every currency
        number = r.number(value, where)
        return {"*": number} if number is not None else {}
    out: dict[str, Decimal] = {}
    for cur, amount in value.items():
        if cur != "*" and r.currency(cur, f"{where}.{cur}") is None:
            continue
        number = r.number(amount, f"{where}.{cur}")
        if number is not None:
            out[cur] = number
    return out


def _banks(r: _Reader, value: Any, rails: dict[str, Rail],
           rails_data: Mapping[str, Any]) -> dict[str, Bank]:
    section = r.section(value, "banks", set(value) if isinstance(value, Mapping) else set())
    banks: dict[str, Bank] = {}
    for i, (bic, body) in enumerate(sorted(section.items())):
        path = f"banks.{bic}"
        if r.bic(bic, path) is None:
            continue
        d = r.section(body, path, BANK_KEYS)
        key = bic11(bic)
        assert key is not None
        if key in banks:
            r.error(codes.BAD_VALUE, path, f"{bic} is listed twice (as BIC8 and BIC11)")
            continue
        country = r.get(d, "country", path, str, bic[4:6])
        if country is not None:
            r.country(country, f"{path}.country")
        bank_rails = r.strings(d, "rails", path)
        for j, rail_id in enumerate(bank_rails):
            if rail_id not in rails_data:
                r.error(codes.UNKNOWN_RAIL, f"{path}.rails[{j}]", f"no rail {rail_id!r}")
        banks[key] = Bank(bic=key, index=i, name=r.get(d, "name", path, str, bic) or bic,
                          country=country or bic[4:6], rails=frozenset(bank_rails),
                          fx_spread_bps=r.decimal(d, "fx_spread_bps", path))
    return banks


def _accounts(r: _Reader, value: Any, banks: dict[str, Bank], rails: dict[str, Rail],
              rails_data: Mapping[str, Any], rates: dict[str, Decimal]) -> list[Account]:
    if value is _MISSING:
        return []
    if not isinstance(value, list):
        r.error(codes.BAD_VALUE, "correspondents", "expected [[correspondents]] entries")
        return []
    accounts: list[Account] = []
    for i, body in enumerate(value):
        path = f"correspondents[{i}]"
        d = r.section(body, path, ACCOUNT_KEYS)
        if not d:
            continue
        ends: list[str | None] = []
        for end in ("holder", "owner"):
            bic = r.get(d, end, path, str)
            if bic is None or r.bic(bic, f"{path}.{end}") is None:
                ends.append(None)
                continue
            key = bic11(bic)
            if key not in banks:
                r.error(codes.UNKNOWN_BANK, f"{path}.{end}", f"{bic} is not in [banks]")
            ends.append(key)
        holder, owner = ends
        if holder is not None and holder == owner:
            r.error(codes.BAD_VALUE, f"{path}.owner", "a bank does not hold an account for itself")
        currency = r.get(d, "currency", path, str)
        if currency is not None and r.currency(currency, f"{path}.currency") is not None \
                and currency not in rates:
            r.error(codes.NO_RATE, f"{path}.currency", f"{currency} has no rate in [fx]")
        account_rails = r.strings(d, "rails", path)
        if not account_rails:
            r.error(codes.MISSING_KEY, f"{path}.rails", "name the messaging rails (swift_fin ...)")
        for j, rail_id in enumerate(account_rails):
            rail = rails.get(rail_id)
            if rail_id not in rails_data:
                r.error(codes.UNKNOWN_RAIL, f"{path}.rails[{j}]", f"no rail {rail_id!r}")
            elif rail is not None and rail.reach is not Reach.ACCOUNTS:
                r.error(codes.BAD_VALUE, f"{path}.rails[{j}]",
                        f"rail {rail_id!r} has reach {rail.reach.value!r}, not 'accounts'")
        fee_currency = r.get(d, "fee_currency", path, str, currency)
        if fee_currency is not None and fee_currency not in rates:
            r.error(codes.NO_RATE, f"{path}.fee_currency", f"{fee_currency!r} has no rate in [fx]")
        if holder is None or owner is None or currency is None or fee_currency is None:
            continue
        accounts.append(Account(
            index=i, holder=holder, owner=owner, currency=currency, rails=tuple(account_rails),
            fixed_fee=r.decimal(d, "fixed_fee", path, Decimal(0)) or Decimal(0),
            fee_currency=fee_currency,
            bps_fee=r.decimal(d, "bps_fee", path, Decimal(0)) or Decimal(0),
            latency_minutes=r.integer(d, "latency_minutes", path, 0, 0, 100_000),
            max_amount=r.decimal(d, "max_amount", path)))
    return accounts


def _conditions(r: _Reader, d: Mapping[str, Any], path: str) -> Conditions:
    when = Conditions(
        kinds=frozenset(r.strings(d, "kind", path, r.kind)),
        currencies=frozenset(r.strings(d, "currency", path, r.currency)),
        senders=frozenset(r.strings(d, "sender", path, r.bic)),
        receiver_bics=frozenset(r.strings(d, "receiver_bic", path, r.bic)),
        receiver_countries=frozenset(r.strings(d, "receiver_country", path, r.country)),
        priorities=frozenset(r.strings(d, "priority", path)),
        purposes=frozenset(r.strings(d, "purpose", path)),
        min_amount=r.decimal(d, "min_amount", path),
        max_amount=r.decimal(d, "max_amount", path))
    return when


def _rules(r: _Reader, value: Any, rails: dict[str, Rail], rails_data: Mapping[str, Any],
           declared: set[str] | None, known: Collection[str] | None) -> list[Rule]:
    if value is _MISSING:
        return []
    if not isinstance(value, list):
        r.error(codes.BAD_VALUE, "rules", "expected [[rules]] entries")
        return []
    connectors = {rail.connector for rail in rails.values()}
    rules: list[tuple[Rule, str]] = []
    seen: dict[str, str] = {}
    for i, body in enumerate(value):
        path = f"rules[{i}]"
        d = r.section(body, path, RULE_KEYS)
        if not d and body != {}:
            continue
        rule_id = r.get(d, "id", path, str, f"rule{i + 1}") or f"rule{i + 1}"
        if rule_id in seen:
            r.error(codes.BAD_VALUE, f"{path}.id", f"id {rule_id!r} is used by {seen[rule_id]}")
        seen[rule_id] = path
        when = _conditions(r, r.section(d.get("when", _MISSING), f"{path}.when", WHEN_KEYS),
                           f"{path}.when")
        weights = None
        objective = r.get(d, "objective", path, str, None)
        if objective is not None:
            if objective in PRESETS:
                weights = PRESETS[objective]
            elif objective != "balanced":
                r.error(codes.BAD_VALUE, f"{path}.objective",
                        f"{objective!r} is not cheapest, fastest or balanced")
        if "weights" in d:
            weights = _weights(r, d["weights"], f"{path}.weights", weights or Weights())

        def rail_list(key: str, p: str = path, d: dict[str, Any] = d) -> frozenset[str]:
            names = r.strings(d, key, p)
            for j, name in enumerate(names):
                if name not in rails_data:
                    r.error(codes.UNKNOWN_RAIL, f"{p}.{key}[{j}]", f"no rail {name!r}")
            return frozenset(names)

        def connector_list(key: str, p: str = path, d: dict[str, Any] = d) -> frozenset[str]:
            names = r.strings(d, key, p)
            for j, name in enumerate(names):
                if name not in connectors:
                    _connector(r, name, f"{p}.{key}[{j}]", declared, known)
                    if declared is None and known is None:
                        r.error(codes.UNKNOWN_CONNECTOR, f"{p}.{key}[{j}]",
                                f"no rail uses connector {name!r}")
            return frozenset(names)

        via = frozenset(r.strings(d, "forbid_via", path, r.bic_or_country))
        rule = Rule(
            id=rule_id, index=i, priority=r.integer(d, "priority", path, 100, 0, 1_000_000),
            when=when, weights=weights, only_rails=rail_list("only_rails"),
            only_connectors=connector_list("only_connectors"),
            forbid_all=bool(r.get(d, "forbid", path, bool, False)),
            forbid_rails=rail_list("forbid_rails"),
            forbid_connectors=connector_list("forbid_connectors"),
            forbid_via=via,
            prefer_rails=rail_list("prefer_rails"), bonus=r.weight(d, "bonus", path, 0.0),
            same_day=bool(r.get(d, "same_day", path, bool, False)),
            max_hops=r.integer(d, "max_hops", path, 0, 0, 6) or None)
        if rule.prefer_rails and not rule.bonus:
            r.error(codes.MISSING_KEY, f"{path}.bonus", "prefer_rails needs a bonus (score units)")
        effects = (rule.forbid_all or rule.forbid_rails or rule.forbid_connectors or rule.forbid_via
                   or not rule.is_guard)
        if not effects:
            r.error(codes.MISSING_KEY, path, "a rule needs an effect (objective, weights, only_*, "
                    "forbid*, prefer_rails, same_day or max_hops)")
        rules.append((rule, path))
    ordered = sorted(rules, key=lambda item: (item[0].priority, item[0].index))
    _check_reachability(r, ordered, rails)
    return [rule for rule, _ in ordered]


def _check_reachability(r: _Reader, ordered: list[tuple[Rule, str]],
                        rails: dict[str, Rail]) -> None:
    carried: set[str] = set()
    any_currency = False
    for rail in rails.values():
        carried |= rail.currencies
        any_currency = any_currency or not rail.currencies
    earlier: list[tuple[Rule, str]] = []
    for rule, path in ordered:
        w = rule.when
        if w.min_amount is not None and w.max_amount is not None and w.min_amount > w.max_amount:
            r.error(codes.RULE_UNREACHABLE, f"{path}.when.min_amount",
                    f"min_amount {w.min_amount} is above max_amount {w.max_amount}")
        elif w.currencies and not any_currency and rails and not w.currencies & carried:
            r.error(codes.RULE_UNREACHABLE, f"{path}.when.currency",
                    f"no rail carries {', '.join(sorted(w.currencies))}")
        if rule.is_guard:
            continue
        for other, other_path in earlier:
            if other.priority == rule.priority and overlaps(other.when, w):
                r.error(codes.RULE_OVERLAP, f"{path}.priority",
                        f"rule {rule.id!r} and rule {other.id!r} ({other_path}) share priority "
                        f"{rule.priority} and can match the same message; give them different "
                        "priorities")
                break
            if contains(other.when, w):
                r.error(codes.RULE_UNREACHABLE, path,
                        f"rule {rule.id!r} is shadowed by rule {other.id!r} ({other_path}), which "
                        "matches every message it does and comes first")
                break
        earlier.append((rule, path))


# --- the simple form ---

def _simple(r: _Reader, data: Mapping[str, Any], source: str,
            known: Collection[str] | None) -> Table | None:
    top = r.section(data, "", SIMPLE_KEYS)
    declared = _declared(r, top.get("connectors", _MISSING))
    our_bic = top.get("our_bic")
    if our_bic is not None and (not isinstance(our_bic, str) or r.bic(our_bic, "our_bic") is None):
        our_bic = None
    entries: list[tuple[str, Mapping[str, Any], str]] = []
    rules_value = top.get("rules", [])
    if not isinstance(rules_value, list):
        r.error(codes.BAD_VALUE, "rules", "expected [[rules]] entries")
        rules_value = []
    for i, body in enumerate(rules_value):
        entries.append((f"rules[{i}]", r.section(body, f"rules[{i}]", SIMPLE_RULE_KEYS),
                        f"rule{i + 1}"))
    entries.append(("default", r.section(top["default"], "default", {"connector", "format", "id"}),
                    "default"))
    always = make_schedule(ZoneInfo("UTC"), None, None, frozenset(range(7)), NO_CALENDAR)
    rails: dict[str, Rail] = {}
    conditions: list[tuple[Conditions, str, str]] = []
    for rank, (path, d, default_id) in enumerate(entries):
        rule_id = r.get(d, "id", path, str, default_id) or default_id
        if rule_id in rails:
            r.error(codes.BAD_VALUE, f"{path}.id", f"id {rule_id!r} is used twice")
        connector = r.get(d, "connector", path, str)
        fmt = r.get(d, "format", path, str)
        if connector is not None:
            _connector(r, connector, f"{path}.connector", declared, known)
        when = _conditions(r, d, path)
        conditions.append((when, path, rule_id))
        if connector is None or fmt is None:
            continue
        limits = Limits(minimum={"*": when.min_amount} if when.min_amount is not None else {},
                        maximum={"*": when.max_amount} if when.max_amount is not None else {})
        rails[rule_id] = Rail(
            id=rule_id, index=rank, name=rule_id, connector=connector, reach=Reach.OPEN,
            formats={"*": fmt}, kinds=when.kinds, currencies=when.currencies, limits=limits,
            schedule=always, settlement_minutes=0, settlement_days=0, fixed_fee=Decimal(0),
            fee_currency="EUR", bps_fee=Decimal(0), fx_spread_bps=None,
            countries=when.receiver_countries, bics=when.receiver_bics, from_any=True,
            rank=rank, rule=rule_id)
    for i, (when, path, rule_id) in enumerate(conditions):
        if when.min_amount is not None and when.max_amount is not None \
                and when.min_amount > when.max_amount:
            r.error(codes.RULE_UNREACHABLE, f"{path}.min_amount",
                    f"min_amount {when.min_amount} is above max_amount {when.max_amount}")
            continue
        for other, other_path, other_id in conditions[:i]:
            if contains(other, when):
                r.error(codes.RULE_UNREACHABLE, path, f"rule {rule_id!r} is shadowed by "
                        f"{other_id!r} ({other_path}), which matches every message it does")
                break
    if r.diagnostics:
        return None
    rates = {cur: Decimal(1) for cur in ("EUR",)}
    return Table(
        source=source, form="simple", our_bic=bic11(our_bic), base_currency="EUR", rates=rates,
        weights=Weights(cost=0.0, time=0.0, reliability=0.0), max_hops=1, alternatives=3,
        horizon_days=10, max_candidates=10_000, rails=rails, banks={}, accounts=(), rules=(),
        declared_connectors=frozenset(declared or ()))
