"""The correspondent graph and the corridors through it.

Nodes are (bank, currency). A link is one hop: over a clearing rail between two of its members,
over a messaging rail along a correspondent account (either way: the owner instructs the
holder, the holder credits the owner), or, as the last hop, over an open rail (gateway, file
drop) to any receiver it reaches. Conversion happens on a rail that converts (it has an FX
spread) or at the sending bank before the first hop when that bank has an FX spread.

A corridor (start bank, receiver, currencies) has a fixed set of candidate paths; they depend on
the table only, so they are enumerated once per corridor and kept (memoised: the same answer
whenever asked, so planning stays pure). Paths are loop-free, at most `max_hops` long, and never
take two clearing or open hops in a row: an intermediary acts for a bank only over an account
relationship, nobody routes T2 into SEPA through a stranger.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from hub.routes.table import Account, Rail, Reach, Table

Link = tuple[str, Rail, Account | None]


@dataclass(frozen=True, slots=True)
class Step:
    frm: str
    to: str  # BIC11, or the receiver's BIC (or "*") on an open rail's last hop
    rail: Rail
    account: Account | None
    cur_in: str
    cur_out: str


@dataclass(eq=False, slots=True)
class Path:
    """One candidate route with everything about it that does not depend on the message."""

    id: str
    steps: tuple[Step, ...]
    source_fx_bps: Decimal | None  # conversion at the sending bank before the first hop
    rail_ids: frozenset[str]
    first: str  # the first hop's rail id
    connector: str
    via: frozenset[str]  # intermediary banks: BIC11, BIC8 and country
    kinds: frozenset[str] | None  # kinds every rail carries; None: any
    fixed_base: float  # fixed fees in base currency
    bps: float  # percentage fees, basis points of the amount
    fx_bps: float  # conversion spread, basis points
    latency_hours: float  # settlement and account latency with no waiting
    after_first: float  # lower bound of the hours from the first hop's settlement to the end
    has_limits: bool
    single_currency: bool  # no conversion anywhere on the path
    rank: int  # simple tables: position of the rule the rail came from
    static: float  # the table's default objective without amount or waiting: candidate order
    # hops after the first: (rail, lower bound of the hours from its settlement to the end)
    later: tuple[tuple[Rail, float], ...] = ()
    # single-currency paths: the amounts every rail and account on the path accept (inclusive)
    low: Decimal | None = None
    high: Decimal | None = None


RANK_STEP = 1e9  # simple tables: a later rule only wins when every earlier one is out

# per path, what the planner's bound needs, flat: fixed fees, bps (fees + FX), hours after the
# first hop settles,
# rank penalty, first rail, id, the path
Term = tuple[float, float, float, float, Rail, str, Path]


@dataclass(eq=False, slots=True)
class Corridor:
    """The candidate paths, and a forest over them for a lazy best-first search.

    A path's parent dominates it: same first rail (so the same first wait, connector and
    health), no more fees, no more bps, no more hours, no worse rank. Whatever the weights, a
    child never scores better on the bound than its parent, so the planner starts with the
    roots and adds a path's children only when it takes the path itself.
    """

    paths: tuple[Path, ...]
    terms: tuple[Term, ...]  # every path
    roots: tuple[Term, ...]
    children: dict[str, tuple[Term, ...]]  # path id -> dominated paths
    first_rails: tuple[Rail, ...]  # distinct first-hop rails
    prefer: frozenset[str] = frozenset()
    _views: dict[tuple[str, frozenset[str]], Corridor] = field(default_factory=dict)

    def view(self, kind: str, prefer: frozenset[str]) -> Corridor:
        """The paths whose every rail carries `kind` and whose first rail has a format for it;
        with `prefer`, a path on a preferred rail is never dominated by one that is not (the
        preference bonus would let it overtake its parent)."""
        key = (kind, prefer)
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = _corridor([
                p for p in self.paths if (p.kinds is None or kind in p.kinds)
                and p.steps[0].rail.format_for(kind) is not None], prefer)
        return found


def _rate(table: Table, currency: str) -> Decimal:
    return table.rates.get(currency, Decimal(1)) if currency else Decimal(1)


class Graph:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.adj: dict[str, dict[str, list[Link]]] = {}
        self.open_rails = [r for r in table.rails.values() if r.reach is Reach.OPEN]
        self._corridors: dict[tuple[str | None, str | None, str, str], Corridor] = {}
        currencies = sorted(table.rates)
        members: dict[str, list[str]] = {r: [] for r in table.rails}
        for bank in table.banks.values():
            for rail_id in bank.rails:
                members[rail_id].append(bank.bic)
        seen: set[tuple[str, str, str, str]] = set()

        def add(cur: str, a: str, b: str, rail: Rail, account: Account | None) -> None:
            key = (cur, a, b, rail.id)
            if key in seen:  # a second account between the same two banks adds nothing
                return
            seen.add(key)
            self.adj.setdefault(cur, {}).setdefault(a, []).append((b, rail, account))

        for rail in table.rails.values():
            if rail.reach is not Reach.MEMBERS:
                continue
            group = sorted(members[rail.id])
            for cur in [*(sorted(rail.currencies) or currencies), ""]:
                for a in group:
                    for b in group:
                        if a != b:
                            add(cur, a, b, rail, None)
        accounts = sorted(table.accounts, key=lambda acc: (_fixed(table, acc), acc.index))
        for acc in accounts:
            for rail_id in acc.rails:
                rail = table.rails[rail_id]
                for cur in (acc.currency, ""):
                    add(cur, acc.owner, acc.holder, rail, acc)
                    add(cur, acc.holder, acc.owner, rail, acc)

    # --- corridors ---

    def corridor(self, start: str | None, receiver: str | None, country: str | None,
                 src_cur: str, dst_cur: str) -> Corridor:
        key = (start, receiver, src_cur, dst_cur)
        found = self._corridors.get(key)
        if found is None:
            if len(self._corridors) > 200_000:
                self._corridors.clear()
            found = self._corridors[key] = self._build(start, receiver, country, src_cur, dst_cur)
        return found

    def _build(self, start: str | None, receiver: str | None, country: str | None,
               src_cur: str, dst_cur: str) -> Corridor:
        table = self.table
        dst_bank = table.bank_for(receiver)
        dst = dst_bank.bic if dst_bank else None
        if dst_bank is not None and country is None:
            country = dst_bank.country
        open_ok = [r for r in self.open_rails if r.reaches(receiver, country)]
        start_bank = table.bank_for(start)
        src = start_bank.bic if start_bank else start
        found: list[tuple[tuple[Step, ...], Decimal | None]] = []
        # a message that moves no money (free format, status, cancellation) goes straight to
        # its receiver; only payments travel along correspondent chains
        max_hops = table.max_hops if dst_cur else 1
        dist = self._distances(dst, open_ok, (src_cur, dst_cur), max_hops)

        def open_from(bank: str) -> list[Rail]:
            b = table.banks.get(bank)
            return [r for r in open_ok if r.from_any or (b is not None and r.id in b.rails)]

        def extend(bank: str, cur: str, steps: tuple[Step, ...], visited: frozenset[str],
                   fx: Decimal | None) -> None:
            remaining = max_hops - len(steps)
            if remaining <= 0:
                return
            after_clearing = bool(steps) and steps[-1].rail.reach is not Reach.ACCOUNTS
            if not after_clearing:
                for rail in open_from(bank):
                    for out in _outs(rail, cur, dst_cur):
                        if out == dst_cur:
                            last = Step(bank, receiver or "*", rail, None, cur, out)
                            found.append(((*steps, last), fx))
            if dst is None:
                return
            for to, rail, account in self.adj.get(cur, {}).get(bank, ()):
                if to in visited or (after_clearing and rail.reach is Reach.MEMBERS):
                    continue
                d = dist.get(to)
                if d is None or d > remaining - 1:
                    continue
                for out in _outs(rail, cur, dst_cur) if account is None else (cur,):
                    step = Step(bank, to, rail, account, cur, out)
                    if to == dst:
                        if out == dst_cur:
                            found.append(((*steps, step), fx))
                    else:
                        extend(to, out, (*steps, step), visited | {to}, fx)

        if src is not None:
            extend(src, src_cur, (), frozenset({src}), None)
            spread = start_bank.fx_spread_bps if start_bank else None
            if src_cur != dst_cur and spread is not None:
                extend(src, dst_cur, (), frozenset({src}), spread)
        else:  # no known sender: only rails that take anything from anyone
            for rail in self.open_rails:
                if rail.from_any and rail.reaches(receiver, country):
                    for out in _outs(rail, src_cur, dst_cur):
                        if out == dst_cur:
                            found.append(((Step("*", receiver or "*", rail, None, src_cur, out),),
                                          None))
        paths = sorted((self._path(steps, fx) for steps, fx in found),
                       key=lambda p: (p.rank, p.static, p.id))[: table.max_candidates]
        return _corridor(paths)

    def _distances(self, dst: str | None, open_ok: list[Rail], currencies: tuple[str, ...],
                   max_hops: int) -> dict[str, int]:
        """Hops from each bank to the receiver (a lower bound, ignoring the hop-pair rule)."""
        table = self.table
        dist: dict[str, int] = {}
        queue: deque[str] = deque()
        if dst is not None:
            dist[dst] = 0
            queue.append(dst)
        for rail in open_ok:
            for b in table.banks.values():
                if (rail.from_any or rail.id in b.rails) and b.bic not in dist:
                    dist[b.bic] = 1
        queue.extend(b for b, d in dist.items() if d == 1)
        while queue:
            bank = queue.popleft()
            d = dist[bank] + 1
            if d > max_hops:
                continue
            for cur in set(currencies):
                for to, _, _ in self.adj.get(cur, {}).get(bank, ()):  # links are symmetric
                    if to not in dist or dist[to] > d:
                        dist[to] = d
                        queue.append(to)
        return dist

    def _path(self, steps: tuple[Step, ...], source_fx: Decimal | None) -> Path:
        table = self.table
        fixed = Decimal(0)
        bps = Decimal(0)
        fx = source_fx or Decimal(0)
        hours = 0.0
        # per hop: the least time after the hop's settlement before the next can be submitted
        # (its account latency), then each later hop's own least settlement time
        own: list[float] = []
        latency: list[float] = []
        kinds: frozenset[str] | None = None
        via: set[str] = set()
        has_limits = False
        parts = []
        for i, step in enumerate(steps):
            rail = step.rail
            fixed += rail.fixed_fee * _rate(table, rail.fee_currency)
            bps += rail.bps_fee
            hours += rail.settlement_minutes / 60 + rail.settlement_days * 24
            # a batch settles on the n-th next business day: at least n - 1 days (23 h with a
            # clock change) after submission, even when submitted just before the cut-off
            days = rail.settlement_days if rail.schedule.opens is None else \
                max(0, rail.settlement_days - 1) * 23 / 24
            own.append(rail.settlement_minutes / 60 + days * 24)
            latency.append(0.0)
            if step.cur_in != step.cur_out and rail.fx_spread_bps is not None:
                fx += rail.fx_spread_bps
            if step.account is not None:
                fixed += step.account.fixed_fee * _rate(table, step.account.fee_currency)
                bps += step.account.bps_fee
                hours += step.account.latency_minutes / 60
                latency[-1] = step.account.latency_minutes / 60
                has_limits = has_limits or step.account.max_amount is not None
            has_limits = has_limits or bool(rail.limits.minimum or rail.limits.maximum)
            if rail.kinds:
                kinds = rail.kinds if kinds is None else kinds & rail.kinds
            if i > 0:
                bank = table.banks.get(step.frm)
                via.update((step.frm, step.frm[:8]))
                if bank is not None:
                    via.add(bank.country)
            part = f"{rail.id}:{step.to}"
            parts.append(part if step.cur_in == step.cur_out else f"{part}~{step.cur_out}")
        if source_fx is not None:
            parts[0] = f"fx~{steps[0].cur_in}>" + parts[0]
        w = table.weights
        rank = max(step.rail.rank for step in steps)
        low: Decimal | None = None
        high: Decimal | None = None
        cur = steps[0].cur_in
        for step in steps:
            limits = step.rail.limits
            floor = limits.minimum.get(cur, limits.minimum.get("*"))
            ceiling = limits.maximum.get(cur, limits.maximum.get("*"))
            if step.account is not None and step.account.max_amount is not None:
                ceiling = step.account.max_amount if ceiling is None else min(
                    ceiling, step.account.max_amount)
            if floor is not None:
                low = floor if low is None else max(low, floor)
            if ceiling is not None:
                high = ceiling if high is None else min(high, ceiling)
        return Path(
            id="/".join(parts), steps=steps, source_fx_bps=source_fx,
            rail_ids=frozenset(s.rail.id for s in steps), first=steps[0].rail.id,
            connector=steps[0].rail.connector,
            via=frozenset(via), kinds=kinds, fixed_base=float(fixed), bps=float(bps),
            fx_bps=float(fx), latency_hours=hours, after_first=_after(own, latency, 0),
            has_limits=has_limits,
            single_currency=source_fx is None and all(s.cur_in == s.cur_out for s in steps),
            low=low, high=high,
            rank=rank,
            static=w.cost * float(fixed) + w.time * hours,
            later=tuple((steps[k].rail, _after(own, latency, k)) for k in range(1, len(steps))))


def _after(own: list[float], latency: list[float], k: int) -> float:
    """Least hours from hop k's settlement to the last hop's settlement."""
    return latency[k] + sum(own[k + 1:]) + sum(latency[k + 1:])


def _fixed(table: Table, acc: Account) -> Decimal:
    return acc.fixed_fee * _rate(table, acc.fee_currency)


def _outs(rail: Rail, cur: str, dst_cur: str) -> tuple[str, ...]:
    """Currencies a hop on `rail` can deliver when it receives `cur`."""
    carries = not rail.currencies or cur in rail.currencies  # no amount: no currency rail
    if not carries:
        return ()
    if cur != dst_cur and rail.fx_spread_bps is not None and (
            not rail.currencies or dst_cur in rail.currencies):
        return (cur, dst_cur)
    return (cur,)


def _corridor(paths: list[Path], prefer: frozenset[str] = frozenset()) -> Corridor:
    terms = tuple((p.fixed_base, p.bps + p.fx_bps, p.after_first, p.rank * RANK_STEP,
                   p.steps[0].rail, p.id, p) for p in paths)
    preferred = {p.id for p in paths if p.rail_ids & prefer}
    # lexicographic order: a dominator always comes before what it dominates
    order = sorted(terms, key=lambda t: (t[0], t[1], t[2], t[3], t[5]))
    roots: list[Term] = []
    children: dict[str, list[Term]] = {}
    for j, t in enumerate(order):
        parent = None
        for i in range(j - 1, -1, -1):
            s = order[i]
            if s[4] is t[4] and s[0] <= t[0] and s[1] <= t[1] and s[2] <= t[2] \
                    and s[3] <= t[3] and (t[5] not in preferred or s[5] in preferred):
                parent = s
                break
        if parent is None:
            roots.append(t)
        else:
            children.setdefault(parent[5], []).append(t)
    firsts = {p.steps[0].rail.id: p.steps[0].rail for p in paths}
    return Corridor(tuple(paths), terms, tuple(roots),
                    {k: tuple(v) for k, v in children.items()},
                    tuple(firsts[k] for k in sorted(firsts)), prefer)
