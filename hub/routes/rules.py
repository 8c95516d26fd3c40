"""Rule matching: what a message looks like to the rules, and an index that matches it at once.

Rules are evaluated by priority (lower first). The first matching *policy* decides weights,
restrictions and preferences; every matching *guard* forbids what it names. The index keeps, for
each condition and value, a bitmask of the rules that accept it, so a match is a handful of dict
look-ups and integer ANDs however many rules there are; `match_linear` is the plain loop over
the rules that it must agree with (tests check both, the benchmark compares them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from hub.model import Message
from hub.routes.table import Conditions, Rule


def bic11(bic: str | None) -> str | None:
    if bic is None:
        return None
    return bic + "XXX" if len(bic) == 8 else bic


@dataclass(frozen=True, slots=True)
class Facts:
    """The message as the rules and the planner see it."""

    kind: str
    currency: str  # "" when the message carries no amount
    source_currency: str  # the instructed amount's currency when it differs (FX needed)
    amount: Decimal
    sender: str | None  # BIC11 of the instructing agent, else the debtor agent
    receiver: str | None  # BIC11 of the creditor agent (or instructed agent for non-transfers)
    receiver_country: str | None
    priority: str | None
    purposes: tuple[str, ...]


def facts_of(message: Message) -> Facts:
    amount = message.amount
    currency = amount.currency if amount is not None else ""
    source = currency
    if message.instructed_amount is not None and amount is not None:
        source = message.instructed_amount.currency
    sender = message.instructing_agent or message.debtor_agent
    receiver = message.creditor_agent if message.creditor_agent and message.creditor_agent.bic \
        else message.instructed_agent
    receiver_bic = bic11(receiver.bic) if receiver is not None else None
    country = receiver_bic[4:6] if receiver_bic else None
    if country is None and message.creditor and message.creditor.address:
        country = message.creditor.address.country
    purposes = tuple(p for p in (message.purpose, message.category_purpose) if p)
    return Facts(
        kind=message.kind.value, currency=currency, source_currency=source,
        amount=amount.value if amount is not None else Decimal(0),
        sender=bic11(sender.bic) if sender is not None else None,
        receiver=receiver_bic, receiver_country=country,
        priority=message.priority, purposes=purposes)


def _bic_in(bic: str | None, values: frozenset[str]) -> bool:
    return bic is not None and (bic in values or bic[:8] in values)


def matches(when: Conditions, f: Facts) -> bool:
    """The plain reading of a rule's conditions."""
    return ((not when.kinds or f.kind in when.kinds)
            and (not when.currencies or f.currency in when.currencies)
            and (not when.senders or _bic_in(f.sender, when.senders))
            and (not when.receiver_bics or _bic_in(f.receiver, when.receiver_bics))
            and (not when.receiver_countries or f.receiver_country in when.receiver_countries)
            and (not when.priorities or f.priority in when.priorities)
            and (not when.purposes or any(p in when.purposes for p in f.purposes))
            and (when.min_amount is None or f.amount >= when.min_amount)
            and (when.max_amount is None or f.amount <= when.max_amount))


def match_linear(rules: Sequence[Rule], f: Facts) -> tuple[Rule | None, list[Rule]]:
    """Baseline: walk every rule in order; first matching policy, all matching guards."""
    policy: Rule | None = None
    guards: list[Rule] = []
    for rule in rules:
        if rule.is_guard:
            if matches(rule.when, f):
                guards.append(rule)
        elif policy is None and matches(rule.when, f):
            policy = rule
    return policy, guards


class _Dimension:
    __slots__ = ("any", "values")

    def __init__(self) -> None:
        self.any = 0
        self.values: dict[str, int] = {}

    def add(self, bit: int, values: Iterable[str]) -> None:
        values = list(values)
        if not values:
            self.any |= bit
        for value in values:
            self.values[value] = self.values.get(value, 0) | bit

    def one(self, value: str | None) -> int:
        return self.any | self.values.get(value, 0) if value is not None else self.any

    def bic(self, value: str | None) -> int:
        if value is None:
            return self.any
        get = self.values.get
        return self.any | get(value, 0) | get(value[:8], 0)


class RuleIndex:
    """Bitmask index over the rules (bit i = rules[i], in evaluation order)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self.kind, self.currency, self.sender, self.receiver, self.country, self.priority, \
            self.purpose = (_Dimension() for _ in range(7))
        self.guards = 0
        self.amount_bounded = 0
        for i, rule in enumerate(self.rules):
            bit = 1 << i
            w = rule.when
            self.kind.add(bit, w.kinds)
            self.currency.add(bit, w.currencies)
            self.sender.add(bit, w.senders)
            self.receiver.add(bit, w.receiver_bics)
            self.country.add(bit, w.receiver_countries)
            self.priority.add(bit, w.priorities)
            self.purpose.add(bit, w.purposes)
            if rule.is_guard:
                self.guards |= bit
            if w.min_amount is not None or w.max_amount is not None:
                self.amount_bounded |= bit

    def match(self, f: Facts) -> tuple[Rule | None, list[Rule]]:
        mask = (self.kind.one(f.kind) & self.currency.one(f.currency)
                & self.sender.bic(f.sender) & self.receiver.bic(f.receiver)
                & self.country.one(f.receiver_country) & self.priority.one(f.priority))
        if mask:
            purpose = self.purpose.any
            for p in f.purposes:
                purpose |= self.purpose.values.get(p, 0)
            mask &= purpose
        # amounts are ranges, not values: check the few rules still in the running
        bounded = mask & self.amount_bounded
        while bounded:
            low = bounded & -bounded
            bounded ^= low
            w = self.rules[low.bit_length() - 1].when
            if (w.min_amount is not None and f.amount < w.min_amount) or \
                    (w.max_amount is not None and f.amount > w.max_amount):
                mask ^= low
        policies = mask & ~self.guards
        policy = self.rules[(policies & -policies).bit_length() - 1] if policies else None
        guards: list[Rule] = []
        g = mask & self.guards
        while g:
            low = g & -g
            g ^= low
            guards.append(self.rules[low.bit_length() - 1])
        return policy, guards


# --- static analysis of conditions (loader: unreachable and overlapping rules) ---

_SETS = ("kinds", "currencies", "priorities", "purposes", "receiver_countries")
_BICS = ("senders", "receiver_bics")


def _covers(a: str, b: str) -> bool:
    return a == b or (len(a) == 8 and b[:8] == a)


def contains(a: Conditions, b: Conditions) -> bool:
    """Every message `b` matches, `a` matches too."""
    for name in _SETS:
        sa, sb = getattr(a, name), getattr(b, name)
        if sa and (not sb or not sb <= sa):
            return False
    for name in _BICS:
        sa, sb = getattr(a, name), getattr(b, name)
        if sa and (not sb or not all(any(_covers(x, y) for x in sa) for y in sb)):
            return False
    if a.min_amount is not None and (b.min_amount is None or b.min_amount < a.min_amount):
        return False
    return a.max_amount is None or (b.max_amount is not None and b.max_amount <= a.max_amount)


def overlaps(a: Conditions, b: Conditions) -> bool:
    """Some message matches both."""
    for name in _SETS:
        sa, sb = getattr(a, name), getattr(b, name)
        if sa and sb and not sa & sb:
            return False
    for name in _BICS:
        sa, sb = getattr(a, name), getattr(b, name)
        if sa and sb and not any(_covers(x, y) or _covers(y, x) for x in sa for y in sb):
            return False
    low = max((v for v in (a.min_amount, b.min_amount) if v is not None), default=None)
    high = min((v for v in (a.max_amount, b.max_amount) if v is not None), default=None)
    return low is None or high is None or low <= high
