"""The compiled routing table: rails, banks, correspondent accounts, rules and weights.

Everything here is built once by `hub.routes.loader` and read by the planner; nothing changes
after loading except the planner's own memo of corridors (a pure function of the table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hub.routes.calendars import Schedule


class Reach(StrEnum):
    MEMBERS = "members"  # clearing: any member to any member (T2, CHAPS, Fedwire, ACH, chains)
    ACCOUNTS = "accounts"  # messaging over a correspondent account (SWIFT FIN/MX, telex)
    OPEN = "open"  # last mile to any receiver it reaches (gateways, file drops)


@dataclass(frozen=True, slots=True)
class Weights:
    """The objective: score = cost * base-currency cost + time * hours + reliability * failure."""

    cost: float = 1.0
    time: float = 1.0
    reliability: float = 100.0

    def to_data(self) -> dict[str, float]:
        return {"cost": self.cost, "time": self.time, "reliability": self.reliability}


PRESETS: dict[str, Weights] = {
    # the small second weight only breaks ties between equally cheap (or fast) routes
    "cheapest": Weights(cost=1.0, time=0.001, reliability=10.0),
    "fastest": Weights(cost=0.001, time=1.0, reliability=10.0),
}


@dataclass(frozen=True, slots=True)
class Limits:
    """Amount limits per currency, inclusive; "*" for any currency not listed, else unlimited."""

    minimum: dict[str, Decimal] = field(default_factory=dict)
    maximum: dict[str, Decimal] = field(default_factory=dict)

    def allows(self, currency: str, value: Decimal) -> bool:
        low = self.minimum.get(currency, self.minimum.get("*"))
        high = self.maximum.get(currency, self.maximum.get("*"))
        return (low is None or value >= low) and (high is None or value <= high)

    def describe(self, currency: str) -> str:
        low = self.minimum.get(currency, self.minimum.get("*"))
        high = self.maximum.get(currency, self.maximum.get("*"))
        return f"{currency} [{'0' if low is None else low}, {'∞' if high is None else high}]"


@dataclass(eq=False, slots=True)
class Rail:
    id: str
    index: int
    name: str
    connector: str
    reach: Reach
    formats: dict[str, str]  # kind -> format; "*" for any other kind
    kinds: frozenset[str]  # empty: any
    currencies: frozenset[str]  # empty: any
    limits: Limits
    schedule: Schedule
    settlement_minutes: int
    settlement_days: int  # business days after submission (batch rails)
    fixed_fee: Decimal
    fee_currency: str
    bps_fee: Decimal
    fx_spread_bps: Decimal | None  # None: the rail does not convert
    countries: frozenset[str]  # open reach: receiver countries (empty: any)
    bics: frozenset[str]  # open reach: receiver BIC8/BIC11 (empty: any)
    from_any: bool = False  # open reach usable from any sender (simple tables)
    rank: int = 0  # simple tables: the rule's position, the first matching rule wins
    rule: str | None = None  # simple tables: the rule this rail was made from
    members: frozenset[str] = frozenset()

    def format_for(self, kind: str) -> str | None:
        return self.formats.get(kind) or self.formats.get("*")

    def reaches(self, bic: str | None, country: str | None) -> bool:
        if self.countries and country not in self.countries:
            return False
        if self.bics:
            return bic is not None and (bic in self.bics or bic[:8] in self.bics)
        return True


@dataclass(frozen=True, slots=True)
class Bank:
    bic: str  # BIC11
    index: int
    name: str
    country: str
    rails: frozenset[str]
    fx_spread_bps: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """A correspondent relationship: `holder` keeps an account for `owner` in `currency`.

    Usable both ways: the owner instructs the holder to pay out of it (nostro), the holder pays
    the owner by crediting it (vostro).
    """

    index: int
    holder: str
    owner: str
    currency: str
    rails: tuple[str, ...]
    fixed_fee: Decimal
    fee_currency: str
    bps_fee: Decimal
    latency_minutes: int
    max_amount: Decimal | None


@dataclass(frozen=True, slots=True)
class Conditions:
    """What a rule matches. An empty set means any value; amounts are inclusive bounds."""

    kinds: frozenset[str] = frozenset()
    currencies: frozenset[str] = frozenset()
    senders: frozenset[str] = frozenset()  # BIC8 or BIC11
    receiver_bics: frozenset[str] = frozenset()
    receiver_countries: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset()
    purposes: frozenset[str] = frozenset()
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("kinds", "currencies", "senders", "receiver_bics", "receiver_countries",
                     "priorities", "purposes"):
            values = getattr(self, name)
            if values:
                out[name] = sorted(values)
        if self.min_amount is not None:
            out["min_amount"] = str(self.min_amount)
        if self.max_amount is not None:
            out["max_amount"] = str(self.max_amount)
        return out


@dataclass(frozen=True, slots=True)
class Rule:
    """A routing rule. A policy (weights, restriction, preference, same-day) is first-match; a
    guard (only forbids) always applies when it matches."""

    id: str
    index: int
    priority: int
    when: Conditions
    weights: Weights | None = None
    only_rails: frozenset[str] = frozenset()
    only_connectors: frozenset[str] = frozenset()
    forbid_all: bool = False
    forbid_rails: frozenset[str] = frozenset()
    forbid_connectors: frozenset[str] = frozenset()
    forbid_via: frozenset[str] = frozenset()  # BIC8, BIC11 or country of an intermediary bank
    prefer_rails: frozenset[str] = frozenset()
    bonus: float = 0.0
    same_day: bool = False
    max_hops: int | None = None

    @property
    def is_guard(self) -> bool:
        return not (self.weights or self.only_rails or self.only_connectors or self.prefer_rails
                    or self.same_day or self.max_hops)


@dataclass(eq=False, slots=True)
class Table:
    source: str
    form: str  # "full" or "simple"
    our_bic: str | None
    base_currency: str
    rates: dict[str, Decimal]  # one unit of the currency in base currency
    weights: Weights
    max_hops: int
    alternatives: int
    horizon_days: int
    max_candidates: int
    rails: dict[str, Rail]
    banks: dict[str, Bank]
    accounts: tuple[Account, ...]
    rules: tuple[Rule, ...]  # in evaluation order
    declared_connectors: frozenset[str]
    # compiled by the loader
    index: Any = None  # hub.routes.rules.RuleIndex
    graph: Any = None  # hub.routes.graph.Graph

    @property
    def connectors(self) -> list[str]:
        """The connector names the table routes to; the daemon checks they all exist."""
        return sorted({rail.connector for rail in self.rails.values()})

    def bank_for(self, bic: str | None) -> Bank | None:
        """The bank for a BIC: exact, else its head office (BIC8 + XXX)."""
        if bic is None:
            return None
        bank = self.banks.get(bic)
        if bank is None and len(bic) == 11:
            bank = self.banks.get(bic[:8] + "XXX")
        return bank
