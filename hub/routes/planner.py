"""The planner: the best route for one message at one instant, and why.

`plan(message, table, at=..., health=..., exclude=...)` is pure: the same arguments always give
the same plan, and it does no I/O. It takes the corridor's candidate paths (see graph.py), drops
those the rules, limits, health or the caller exclude, times each over its rails' windows and
scores the rest:

    score = w.cost * cost + w.time * hours + w.reliability * (1 - success rate) - preference

with cost in the table's base currency (fees plus FX spread), hours from `at` to the expected
settlement (waiting for the next window after a cut-off, weekend or holiday included), the
success rate from the first hop's connector health, and the weights of the rule that matched.
Candidates are taken cheapest-first by a bound, and the search stops once no remaining one can
beat the routes kept; the full list of rejected candidates is worked out when someone asks
(`Plan.rejected`, `explain`), not on every plan.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from hub.errors import RouteError
from hub.model import Message, minor_units
from hub.routes import codes
from hub.routes.calendars import Window
from hub.routes.graph import RANK_STEP, Path, Step
from hub.routes.health import ConnectorHealth, State
from hub.routes.rules import Facts, bic11, facts_of
from hub.routes.table import Rail, Reach, Rule, Table, Weights

_NO_HEALTH: Mapping[str, ConnectorHealth] = {}
_BPS = Decimal(10_000)


class NoRoute(RouteError):
    """No route: the hub puts the message in the repair queue."""

    code = codes.NO_PATH

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"no route for this message: {len(plan.rejected)} candidate(s) "
                         "rejected", code=codes.NO_PATH)
        self.plan = plan


@dataclass(frozen=True, slots=True)
class Hop:
    frm: str
    to: str
    rail: str
    connector: str | None  # the hub's connector on the first hop; later hops are other banks'
    format: str | None
    currency_in: str
    currency_out: str
    arrives: datetime  # the instruction reaches the sending bank
    departs: datetime  # it is submitted on the rail (after waiting for a window, if needed)
    settles: datetime
    wait: str  # "", "before_open", "cutoff_passed", "holiday", "closed"
    fixed_fee: Decimal
    percent_fee: Decimal
    fx: Decimal

    def to_data(self) -> dict[str, Any]:
        return {
            "from": self.frm, "to": self.to, "rail": self.rail, "connector": self.connector,
            "format": self.format, "currency_in": self.currency_in,
            "currency_out": self.currency_out, "arrives": self.arrives.isoformat(),
            "departs": self.departs.isoformat(), "settles": self.settles.isoformat(),
            "wait": self.wait or None, "fixed_fee": str(self.fixed_fee),
            "percent_fee": str(self.percent_fee), "fx": str(self.fx),
        }


@dataclass(frozen=True, slots=True)
class Cost:
    """What the route costs, in the table's base currency, to the currency's minor units."""

    currency: str
    fees: Decimal
    fx: Decimal
    total: Decimal

    def to_data(self) -> dict[str, str]:
        return {"currency": self.currency, "fees": str(self.fees), "fx": str(self.fx),
                "total": str(self.total)}


class Route:
    """One way to send the message. The hub sends on the first hop: `connector`, `format`.

    `hops` and `cost` (Decimal, per hop) are worked out on first use, so a plan that is only
    dispatched never pays for them.
    """

    __slots__ = ("_cost", "_ctx", "_hops", "connector", "eta", "format", "hours", "id", "rail",
                 "rule", "score", "success_rate")

    def __init__(self, *, id: str, rail: str, connector: str, format: str, rule: str,
                 eta: datetime, score: float, hours: float, success_rate: float,
                 ctx: tuple[Table, Facts, Path, Timing]) -> None:
        self.id = id
        self.rail = rail  # the first hop's rail: the one the hub sends on
        self.connector = connector
        self.format = format
        self.rule = rule  # the rule that matched ("default" when none did)
        self.eta = eta
        self.score = score
        self.hours = hours
        self.success_rate = success_rate
        self._ctx = ctx
        self._hops: tuple[Hop, ...] | None = None
        self._cost: Cost | None = None

    def __repr__(self) -> str:
        return (f"Route({self.id!r}, connector={self.connector!r}, format={self.format!r}, "
                f"rule={self.rule!r}, eta={self.eta.isoformat()}, score={self.score:.6f})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Route) and self.to_data() == other.to_data()

    __hash__ = None  # type: ignore[assignment]

    @property
    def hops(self) -> tuple[Hop, ...]:
        if self._hops is None:
            self._hops, self._cost = _details(*self._ctx, self.eta.tzinfo)
        return self._hops

    @property
    def cost(self) -> Cost:
        if self._cost is None:
            self._hops, self._cost = _details(*self._ctx, self.eta.tzinfo)
        return self._cost

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form for the journal's route decision and for explain."""
        return {
            "id": self.id, "rail": self.rail, "connector": self.connector,
            "format": self.format, "rule": self.rule, "eta": self.eta.isoformat(),
            "cost": self.cost.to_data(), "score": round(self.score, 6),
            "hours": round(self.hours, 4), "success_rate": self.success_rate,
            "hops": [hop.to_data() for hop in self.hops],
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    route: str  # route id, or "*" for the whole message
    rail: str | None
    connector: str | None
    reason: str  # a ROUTE.* code
    message: str
    rule: str | None = None
    score: float | None = None  # for ROUTE.OUTRANKED

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"route": self.route, "rail": self.rail,
                               "connector": self.connector, "reason": self.reason,
                               "message": self.message}
        if self.rule is not None:
            out["rule"] = self.rule
        if self.score is not None:
            out["score"] = round(self.score, 6)
        return out


@dataclass(eq=False)
class Plan:
    """The planner's answer. `chosen` is None when there is no route (code ROUTE.NO_PATH).

    Only `chosen` is searched for up front; the ranked `alternatives` and the `rejected`
    candidates are worked out on first use (the same search, kept going), so dispatching a
    plan never pays for its explanation.
    """

    chosen: Route | None
    rule: str  # policy rule id, or "default"
    weights: Weights
    at: datetime
    table: Table = field(repr=False)
    message: Message = field(repr=False)
    health: Mapping[str, ConnectorHealth] = field(repr=False)
    exclude: frozenset[str] = field(repr=False)
    _rejected: tuple[Rejection, ...] | None = field(default=None, repr=False)
    _alternatives: tuple[Route, ...] | None = field(default=None, repr=False)

    @property
    def alternatives(self) -> tuple[Route, ...]:
        """The next best routes, best first (at most the table's `alternatives`)."""
        if self._alternatives is None:
            self._alternatives = _evaluate(self.table, self.message, self.at, self.health,
                                           self.exclude, full=False,
                                           keep=self.table.alternatives + 1)[1]
        return self._alternatives

    @property
    def code(self) -> str | None:
        return None if self.chosen is not None else codes.NO_PATH

    @property
    def routes(self) -> tuple[Route, ...]:
        return ((self.chosen,) if self.chosen else ()) + self.alternatives

    @property
    def rejected(self) -> tuple[Rejection, ...]:
        """Every candidate set aside, with its reason (worked out on first use)."""
        if self._rejected is None:
            result = _evaluate(self.table, self.message, self.at, self.health, self.exclude,
                               full=True, keep=self.table.alternatives + 1)
            self._alternatives = result[1]
            self._rejected = result[3]
        return self._rejected

    def route(self) -> Route:
        """The chosen route, or NoRoute."""
        if self.chosen is None:
            raise NoRoute(self)
        return self.chosen


def plan(message: Message, table: Table, *, at: datetime,
         health: Mapping[str, ConnectorHealth] | None = None,
         exclude: frozenset[str] = frozenset()) -> Plan:
    """The best route for `message` at `at` (aware), with ranked alternatives.

    `health` maps connector names to their circuit state (missing: healthy); `exclude` holds
    connector names or route ids the caller will not use (the dispatcher's failed attempts).
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise RouteError("plan needs an aware datetime for 'at'", location="at")
    health = health if health is not None else _NO_HEALTH
    chosen, _, policy, _ = _evaluate(table, message, at, health, exclude, full=False, keep=1)
    return Plan(chosen=chosen, rule=policy.id if policy is not None else "default",
                weights=_weights(table, policy), at=at, table=table, message=message,
                health=health, exclude=exclude)


def _weights(table: Table, policy: Rule | None) -> Weights:
    return policy.weights if policy is not None and policy.weights else table.weights


# (score, route id, path, timing, success rate); timing is per step (arrive, depart, settle, window)
Timing = list[tuple[float, float, float, Window | None]]
Scored = tuple[float, str, Path, Timing, float]


def _evaluate(table: Table, message: Message, at: datetime,
              health: Mapping[str, ConnectorHealth], exclude: frozenset[str], *, full: bool,
              keep: int
              ) -> tuple[Route | None, tuple[Route, ...], Rule | None, tuple[Rejection, ...]]:
    f = facts_of(message)
    policy, guards = table.index.match(f)
    weights = _weights(table, policy)
    rejected: list[Rejection] = []
    start = bic11(message.debtor_agent.bic) if message.debtor_agent and \
        message.debtor_agent.bic else table.our_bic
    if start is None and table.form == "full":
        rejected.append(Rejection("*", None, None, codes.NO_SOURCE,
                                  "no debtor agent BIC and no our_bic in the table"))
        return None, (), policy, tuple(rejected)
    if f.currency and table.form == "full" and f.currency not in table.rates:
        rejected.append(Rejection("*", None, None, codes.CURRENCY_UNSUPPORTED,
                                  f"the table has no rate for {f.currency}; no rail carries it"))
        return None, (), policy, tuple(rejected)
    # a simple table has no FX: it sends what it is given
    source_currency = f.source_currency if table.form == "full" else f.currency
    corridor = table.graph.corridor(start, f.receiver, f.receiver_country, source_currency,
                                    f.currency)
    if full:
        rejected.extend(_structural(table, f, start))
    rate = table.rates.get(f.currency, Decimal(1)) if f.currency else Decimal(0)
    per_bps = float(f.amount * rate) / 10_000  # base-currency value of one basis point
    kept: list[Scored] = []
    at_ts = at.timestamp()
    horizon = table.horizon_days * 86_400.0
    wc, wt, wr = weights.cost, weights.time, weights.reliability
    prefer = policy.prefer_rails if policy is not None else frozenset()
    bonus = policy.bonus if policy is not None else 0.0
    # Best first, by a bound that waits, health and limits can only make worse: fees, the
    # first hop's earliest settlement (exact) and the least time after it. A path taken from
    # the heap for the first time brings in the paths it dominates, and has its bound tightened
    # by its later hops' earliest settlements (no rail settles before its next window allows:
    # arriving later never settles earlier).
    earliest: dict[str, float] = {}
    memo: dict[tuple[str, float], tuple[float, float, Window | None] | None] = {}

    def settles(rail: Rail) -> float:
        """Least hours from `at` to a settlement on `rail` (for an instruction there at `at`)."""
        found = earliest.get(rail.id)
        if found is None:
            found = earliest[rail.id] = _earliest(rail, at_ts, horizon)
        return found

    if not full:  # what cannot carry this kind of message is only listed by explain
        corridor = corridor.view(f.kind, prefer)
    for rail in corridor.first_rails:
        settles(rail)
    lazy = not full
    same_day = policy is not None and policy.same_day
    deadlines: dict[str, float] = {}  # zone -> end of `at`'s day there (same-day policies)
    heap = [(wc * (fixed + bps * per_bps) + wt * (hours + earliest[first.id]) + rank, pid, path,
             0) for fixed, bps, hours, rank, first, pid, path in
            (corridor.roots if lazy else corridor.terms)]
    if prefer:
        heap = [(b - bonus, pid, path, n) if path.rail_ids & prefer else (b, pid, path, n)
                for b, pid, path, n in heap]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    children = corridor.children
    worst = float("inf")  # score of the last route kept, once `keep` are kept (fast search)
    while heap:
        bound, _, path, stage = pop(heap)
        if bound > worst:
            break
        if stage == 0:
            if lazy and path.id in children:
                for fixed, bps, hours, rank, first, pid, child in children[path.id]:
                    b = wc * (fixed + bps * per_bps) + wt * (hours + earliest[first.id]) + rank
                    if prefer and child.rail_ids & prefer:
                        b -= bonus
                    push(heap, (b, pid, child, 0))
            if path.later and (wt or (same_day and not full)):
                first_hours = path.after_first + earliest[path.first]
                hours = first_hours
                for later_rail, after in path.later:
                    soonest = earliest.get(later_rail.id)
                    if soonest is None:
                        soonest = settles(later_rail)
                    if soonest + after > hours:
                        hours = soonest + after
                if same_day and not full and \
                        at_ts + hours * 3600 >= _deadline(deadlines, path, at):
                    continue  # cannot settle today whatever happens: explain says so in full
                if wt and hours > first_hours:
                    push(heap, (bound + wt * (hours - first_hours), path.id, path, 1))
                    continue
        if full:
            why = _check(table, path, f, policy, guards, health, exclude)
            if why is not None:
                rejected.append(_reject(path, *why))
                continue
        elif _fails(table, path, f, policy, guards, health, exclude):
            continue
        timing, problem = _timing(path, at_ts, horizon, memo)
        if problem is not None:
            if full:
                rejected.append(_reject(path, *problem))
            continue
        eta = timing[-1][2]
        if policy is not None and policy.same_day and not _same_day(path, at, eta):
            if full:
                rejected.append(_reject(path, codes.CUTOFF_PASSED, _late(at, eta, path),
                                        policy.id))
            continue
        h = health.get(path.connector)
        success = h.success_rate if h is not None else 1.0
        score = (wc * (path.fixed_base + (path.bps + path.fx_bps) * per_bps)
                 + wt * (eta - at_ts) / 3600.0 + wr * (1.0 - success) + path.rank * RANK_STEP)
        if prefer and path.rail_ids & prefer:
            score -= bonus
        bisect.insort(kept, (score, path.id, path, timing, success))
        if not full and len(kept) >= keep:
            del kept[keep:]
            worst = kept[-1][0]
    routes = [_route(table, f, policy, at, e) for e in kept[:keep]]
    if full:
        for e in kept[keep:]:
            rejected.append(Rejection(e[1], e[2].steps[0].rail.id, e[2].connector,
                                      codes.OUTRANKED,
                                      f"score {e[0]:.4f} ranks below the routes kept", None,
                                      e[0]))
    chosen = routes[0] if routes else None
    return chosen, tuple(routes[1:]), policy, tuple(rejected)


def _reject(path: Path, reason: str, message: str, rule: str | None = None) -> Rejection:
    return Rejection(path.id, path.steps[0].rail.id, path.connector, reason, message, rule)


def _fails(table: Table, path: Path, f: Facts, policy: Rule | None, guards: list[Rule],
           health: Mapping[str, ConnectorHealth], exclude: frozenset[str]) -> bool:
    """`_check(...) is not None` without the words, for the search that only needs the
    answer (the kind and format checks are done by `Corridor.for_kind`)."""
    if exclude and (path.id in exclude or path.connector in exclude):
        return True
    for guard in guards:
        if guard.forbid_all or path.rail_ids & guard.forbid_rails \
                or path.connector in guard.forbid_connectors or path.via & guard.forbid_via:
            return True
    if policy is not None and (
            (policy.only_rails and not path.rail_ids <= policy.only_rails)
            or (policy.only_connectors and path.connector not in policy.only_connectors)
            or (policy.max_hops and len(path.steps) > policy.max_hops)):
        return True
    if path.has_limits:
        if not path.single_currency:
            if _check(table, path, f, None, [], _NO_HEALTH, frozenset()) is not None:
                return True
        else:
            low, high = path.low, path.high
            if (low is not None and f.amount < low) or (high is not None and f.amount > high):
                return True
    h = health.get(path.connector)
    return h is not None and h.state is State.OPEN


def _check(table: Table, path: Path, f: Facts, policy: Rule | None, guards: list[Rule],
           health: Mapping[str, ConnectorHealth], exclude: frozenset[str]
           ) -> tuple[str, str, str | None] | None:
    """The first static reason to set a candidate aside, or None."""
    if exclude and (path.id in exclude or path.connector in exclude):
        return codes.EXCLUDED, "excluded by the caller (an earlier attempt failed)", None
    for guard in guards:
        if guard.forbid_all:
            return codes.FORBIDDEN_BY_RULE, f"rule {guard.id!r} forbids this corridor", guard.id
        if path.rail_ids & guard.forbid_rails:
            names = ", ".join(sorted(path.rail_ids & guard.forbid_rails))
            return codes.FORBIDDEN_BY_RULE, f"rule {guard.id!r} forbids rail {names}", guard.id
        if path.connector in guard.forbid_connectors:
            return (codes.FORBIDDEN_BY_RULE, f"rule {guard.id!r} forbids connector "
                    f"{path.connector}", guard.id)
        if path.via & guard.forbid_via:
            names = ", ".join(sorted(path.via & guard.forbid_via))
            return codes.FORBIDDEN_BY_RULE, f"rule {guard.id!r} forbids routing via {names}", \
                guard.id
    if policy is not None:
        if policy.only_rails and not path.rail_ids <= policy.only_rails:
            return (codes.FORBIDDEN_BY_RULE, f"rule {policy.id!r} allows only rails "
                    f"{', '.join(sorted(policy.only_rails))}", policy.id)
        if policy.only_connectors and path.connector not in policy.only_connectors:
            return (codes.FORBIDDEN_BY_RULE, f"rule {policy.id!r} allows only connectors "
                    f"{', '.join(sorted(policy.only_connectors))}", policy.id)
        if policy.max_hops and len(path.steps) > policy.max_hops:
            return (codes.FORBIDDEN_BY_RULE, f"rule {policy.id!r} allows at most "
                    f"{policy.max_hops} hop(s)", policy.id)
    if path.kinds is not None and f.kind not in path.kinds:
        rail = next(s.rail for s in path.steps if s.rail.kinds and f.kind not in s.rail.kinds)
        return codes.KIND_UNSUPPORTED, f"rail {rail.id} does not carry {f.kind}", rail.rule
    if path.steps[0].rail.format_for(f.kind) is None:
        return (codes.KIND_UNSUPPORTED, f"rail {path.steps[0].rail.id} has no format for "
                f"{f.kind}", None)
    if path.has_limits and not (
            path.single_currency and (path.low is None or f.amount >= path.low)
            and (path.high is None or f.amount <= path.high)):
        for step in path.steps:
            value = _amount_in(table, f, step.cur_in)
            limits = step.rail.limits
            if (limits.minimum or limits.maximum) and not limits.allows(step.cur_in, value):
                return (codes.LIMIT_EXCEEDED, f"{step.cur_in} {value} is outside rail "
                        f"{step.rail.id}'s limits {limits.describe(step.cur_in)}", step.rail.rule)
            account = step.account
            if account is not None and account.max_amount is not None \
                    and value > account.max_amount:
                return (codes.LIMIT_EXCEEDED, f"{step.cur_in} {value} is above the "
                        f"{account.holder}/{account.owner} account limit {account.max_amount}",
                        None)
    h = health.get(path.connector)
    if h is not None and h.state is State.OPEN:
        return codes.CONNECTOR_DOWN, f"connector {path.connector} circuit is open", None
    return None


def _earliest(rail: Rail, at_ts: float, horizon: float) -> float:
    """Hours from `at_ts` to the earliest settlement on `rail` of an instruction there then."""
    schedule = rail.schedule
    if schedule.opens is None:
        return (rail.settlement_minutes * 60.0 + rail.settlement_days * 86_400.0) / 3600.0
    window = schedule.next_window(at_ts, horizon)
    if window is None:
        return 0.0  # no window at all: the candidate is rejected when timed
    if rail.settlement_days:
        later = schedule.business_days_later(window, rail.settlement_days, horizon)
        if later is None:
            return 0.0
        settle = later.opens + rail.settlement_minutes * 60.0
    else:
        settle = max(at_ts, window.opens) + rail.settlement_minutes * 60.0
    return (settle - at_ts) / 3600.0


def _amount_in(table: Table, f: Facts, currency: str) -> Decimal:
    if currency == f.currency:
        return f.amount
    converted = f.amount * table.rates[f.currency] / table.rates[currency]
    return converted.quantize(Decimal(1).scaleb(-minor_units(currency)))


def _timing(path: Path, at_ts: float, horizon: float,
            memo: dict[tuple[str, float], tuple[float, float, Window | None] | None]
            ) -> tuple[Timing, tuple[str, str] | None]:
    """When each hop is reached, submitted and settled; or why a rail has no window.

    `memo` keeps (rail, arrival) -> (departure, settlement, window) for one plan: candidates
    share hops, and a shared hop reached at the same instant settles at the same instant."""
    t = at_ts
    timing: Timing = []
    for step in path.steps:
        rail = step.rail
        key = (rail.id, t)
        if key in memo:
            found = memo[key]
        else:
            found = memo[key] = _hop(rail, t, horizon)
        if found is None:
            return timing, (codes.NO_WINDOW, f"rail {rail.id} has no window (or no settlement "
                            f"day) within {horizon / 86_400:.0f} days")
        depart, settle, window = found
        if step.account is not None:
            settle += step.account.latency_minutes * 60.0
        timing.append((t, depart, settle, window))
        t = settle
    return timing, None


def _hop(rail: Rail, t: float, horizon: float) -> tuple[float, float, Window | None] | None:
    """Departure and settlement on `rail` of an instruction there at `t`, and the window used."""
    schedule = rail.schedule
    if schedule.opens is None:
        return t, t + rail.settlement_minutes * 60.0 + rail.settlement_days * 86_400.0, None
    window = schedule.next_window(t, horizon)
    if window is None:
        return None
    depart = t if t >= window.opens else window.opens
    if rail.settlement_days:
        later = schedule.business_days_later(window, rail.settlement_days, horizon)
        if later is None:
            return None
        return depart, later.opens + rail.settlement_minutes * 60.0, window
    return depart, depart + rail.settlement_minutes * 60.0, window


def _deadline(deadlines: dict[str, float], path: Path, at: datetime) -> float:
    """The end of `at`'s day in the zone of the path's last rail (cached per plan)."""
    zone = path.steps[-1].rail.schedule.zone
    found = deadlines.get(zone.key)
    if found is None:
        day = at.astimezone(zone).date() + timedelta(days=1)
        found = deadlines[zone.key] = datetime.combine(day, time(0), zone).timestamp()
    return found


def _same_day(path: Path, at: datetime, eta: float) -> bool:
    zone = path.steps[-1].rail.schedule.zone
    return datetime.fromtimestamp(eta, zone).date() <= at.astimezone(zone).date()


def _late(at: datetime, eta: float, path: Path) -> str:
    rail = path.steps[-1].rail
    zone = rail.schedule.zone
    when = datetime.fromtimestamp(eta, zone)
    cutoff = f" (cut-off {rail.schedule.cutoff:%H:%M} {zone.key})" if rail.schedule.cutoff else ""
    return (f"same-day settlement required: rail {rail.id}{cutoff} settles "
            f"{when.isoformat()}, after {at.astimezone(zone).date().isoformat()}")


def _route(table: Table, f: Facts, policy: Rule | None, at: datetime, entry: Scored) -> Route:
    score, route_id, path, timing, success = entry
    first = path.steps[0].rail
    fmt = first.format_for(f.kind)
    assert fmt is not None  # _check set aside rails without one
    eta = timing[-1][2]
    return Route(
        id=route_id, rail=first.id, connector=first.connector, format=fmt,
        rule=policy.id if policy is not None else (first.rule or "default"),
        eta=datetime.fromtimestamp(eta, at.tzinfo), score=score,
        hours=(eta - at.timestamp()) / 3600.0, success_rate=success,
        ctx=(table, f, path, timing))


def _details(table: Table, f: Facts, path: Path, timing: Timing, zone: tzinfo | None
             ) -> tuple[tuple[Hop, ...], Cost]:
    """Hops with their times and waits, and the cost in Decimal to the base currency's units."""
    base = table.base_currency
    quantum = Decimal(1).scaleb(-minor_units(base))
    rate = table.rates.get(f.currency, Decimal(1)) if f.currency else Decimal(0)
    amount = f.amount * rate
    hops: list[Hop] = []
    total_fees = Decimal(0)
    total_fx = Decimal(0)
    for i, (step, (arrive, depart, settle, window)) in enumerate(zip(path.steps, timing,
                                                                     strict=True)):
        fixed, percent, fx = _step_cost(table, step, amount, path.source_fx_bps if i == 0 else None)
        fixed, percent, fx = (v.quantize(quantum, ROUND_HALF_EVEN) for v in (fixed, percent, fx))
        total_fees += fixed + percent
        total_fx += fx
        rail = step.rail
        wait = rail.schedule.wait_reason(arrive, window) if window is not None else ""
        hops.append(Hop(
            frm=step.frm, to=step.to, rail=rail.id, connector=rail.connector if i == 0 else None,
            format=rail.format_for(f.kind), currency_in=step.cur_in, currency_out=step.cur_out,
            arrives=datetime.fromtimestamp(arrive, zone),
            departs=datetime.fromtimestamp(depart, zone),
            settles=datetime.fromtimestamp(settle, zone), wait=wait, fixed_fee=fixed,
            percent_fee=percent, fx=fx))
    cost = Cost(currency=base, fees=total_fees, fx=total_fx, total=total_fees + total_fx)
    return tuple(hops), cost


def _step_cost(table: Table, step: Step, amount: Decimal, source_fx: Decimal | None
               ) -> tuple[Decimal, Decimal, Decimal]:
    rail = step.rail
    fixed = rail.fixed_fee * table.rates.get(rail.fee_currency, Decimal(1))
    bps = rail.bps_fee
    if step.account is not None:
        fixed += step.account.fixed_fee * table.rates.get(step.account.fee_currency, Decimal(1))
        bps += step.account.bps_fee
    spread = source_fx or Decimal(0)
    if step.cur_in != step.cur_out and rail.fx_spread_bps is not None:
        spread += rail.fx_spread_bps
    return fixed, amount * bps / _BPS, amount * spread / _BPS


def _not_carried(rail: str, currency: str) -> str:
    if not currency:
        return f"rail {rail} carries payments only and the message has no amount"
    return f"rail {rail} does not carry {currency}"


def _structural(table: Table, f: Facts, start: str | None) -> list[Rejection]:
    """Direct links that exist but cannot carry this message at all (explain only)."""
    out: list[Rejection] = []
    dst = table.bank_for(f.receiver)
    src = table.bank_for(start)
    country = f.receiver_country or (dst.country if dst else None)
    cur = f.currency
    for rail in sorted(table.rails.values(), key=lambda r: (r.rank, r.id)):
        route = f"{rail.id}:{dst.bic if dst else (f.receiver or '*')}"
        carries = not rail.currencies or cur in rail.currencies
        if rail.reach is Reach.MEMBERS:
            if src and dst and rail.id in src.rails and rail.id in dst.rails and not carries:
                out.append(Rejection(route, rail.id, rail.connector, codes.CURRENCY_UNSUPPORTED,
                                     _not_carried(rail.id, cur)))
        elif rail.reach is Reach.ACCOUNTS:
            if src and dst and cur:
                held = sorted({a.currency for a in table.accounts if rail.id in a.rails
                               and {a.holder, a.owner} == {src.bic, dst.bic}})
                if held and cur not in held:
                    out.append(Rejection(route, rail.id, rail.connector,
                                         codes.CURRENCY_UNSUPPORTED,
                                         f"accounts between {src.bic} and {dst.bic} are in "
                                         f"{', '.join(held)}, not {cur}"))
        elif rail.from_any or (src is not None and rail.id in src.rails):
            if not rail.reaches(f.receiver, country):
                out.append(Rejection(route, rail.id, rail.connector, codes.NOT_REACHED,
                                     f"rail {rail.id} does not reach {f.receiver or country}",
                                     rail.rule))
            elif not carries:
                out.append(Rejection(route, rail.id, rail.connector, codes.CURRENCY_UNSUPPORTED,
                                     _not_carried(rail.id, cur), rail.rule))
    return out

