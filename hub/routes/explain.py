"""Explaining a plan and simulating a batch: data for `nvc-hub route explain|simulate`.

`explain(plan)` keeps the CLI's contract: {"chosen": {..., "connector", "format", "rule"} | null,
"rejected": [{..., "reason"}]} plus "alternatives" and the inputs that decided the choice.
`simulate(messages, table, at=..., against=...)` plans a batch on one table (and another) and
reports the split by rail, the fees, and every message whose route changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from hub.model import Message
from hub.routes import codes
from hub.routes.health import ConnectorHealth
from hub.routes.planner import Plan, Route, plan
from hub.routes.rules import facts_of
from hub.routes.table import Table


def explain(p: Plan) -> dict[str, Any]:
    f = facts_of(p.message)
    return {
        "chosen": p.chosen.to_data() if p.chosen is not None else None,
        "alternatives": [r.to_data() for r in p.alternatives],
        "rejected": [r.to_data() for r in p.rejected],
        "code": p.code,
        "rule": p.rule,
        "weights": p.weights.to_data(),
        "at": p.at.isoformat(),
        "table": p.table.source,
        "message": {"kind": f.kind, "amount": str(f.amount) if f.currency else None,
                    "currency": f.currency or None, "sender": f.sender,
                    "receiver": f.receiver, "receiver_country": f.receiver_country,
                    "priority": f.priority},
    }


def render_explain(data: Mapping[str, Any]) -> str:
    """The text form of explain() for a person at a terminal."""
    lines: list[str] = []
    chosen = data.get("chosen")
    if chosen is None:
        lines.append(f"no route ({data.get('code') or codes.NO_PATH}): the message goes to repair")
    else:
        lines.append(_route_line("chosen", chosen))
        for hop in chosen["hops"]:
            wait = f"  waits: {hop['wait']}" if hop.get("wait") else ""
            lines.append(f"    {hop['from']} -> {hop['to']} on {hop['rail']} "
                         f"({hop['currency_in']}->{hop['currency_out']}) departs "
                         f"{hop['departs']} settles {hop['settles']}{wait}")
    for alt in data.get("alternatives", []):
        lines.append(_route_line("alternative", alt))
    rejected = data.get("rejected", [])
    if rejected:
        lines.append(f"rejected ({len(rejected)}):")
        for r in rejected:
            rule = f" [rule {r['rule']}]" if r.get("rule") else ""
            lines.append(f"  {r['reason']:<28} {r['route']}: {r['message']}{rule}")
    lines.append(f"rule: {data.get('rule')}  weights: {data.get('weights')}")
    return "\n".join(lines) + "\n"


def _route_line(label: str, r: Mapping[str, Any]) -> str:
    cost = r["cost"]
    return (f"{label}: {r['id']} via {r['connector']} as {r['format']} (rule {r['rule']}) "
            f"cost {cost['currency']} {cost['total']} eta {r['eta']} score {r['score']}")


def _summary(plans: list[tuple[str, Plan]], base: str) -> dict[str, Any]:
    by_rail: Counter[str] = Counter()
    by_connector: Counter[str] = Counter()
    fees = Decimal(0)
    unrouted: list[str] = []
    for name, p in plans:
        if p.chosen is None:
            unrouted.append(name)
            continue
        by_rail[p.chosen.rail] += 1
        by_connector[p.chosen.connector] += 1
        fees += p.chosen.cost.total
    return {"messages": len(plans), "routed": len(plans) - len(unrouted),
            "unrouted": unrouted, "by_rail": dict(sorted(by_rail.items())),
            "by_connector": dict(sorted(by_connector.items())),
            "cost": {"currency": base, "total": str(fees)}}


def _label(i: int, message: Message) -> str:
    return message.reference or (str(message.uetr) if message.uetr else f"#{i + 1}")


def simulate(messages: Iterable[Message | tuple[str, Message]], table: Table, *, at: datetime,
             against: Table | None = None,
             health: Mapping[str, ConnectorHealth] | None = None) -> dict[str, Any]:
    """Plan every message on `table` (and on `against`): counts by rail and connector, total
    cost, and the messages whose route differs between the two."""
    named: list[tuple[str, Message]] = [
        m if isinstance(m, tuple) else (_label(i, m), m) for i, m in enumerate(messages)]
    mine = [(name, plan(m, table, at=at, health=health)) for name, m in named]
    out: dict[str, Any] = {"at": at.isoformat(), "table": table.source,
                           **_summary(mine, table.base_currency)}
    if against is None:
        return out
    theirs = [(name, plan(m, against, at=at, health=health)) for name, m in named]
    out["against"] = {"table": against.source, **_summary(theirs, against.base_currency)}
    changes = []
    for (name, a), (_, b) in zip(mine, theirs, strict=True):
        if _key(a.chosen) != _key(b.chosen):
            changes.append({"message": name, "from": _brief(a.chosen), "to": _brief(b.chosen)})
    out["changes"] = changes
    rails = sorted(set(out["by_rail"]) | set(out["against"]["by_rail"]))
    out["delta_by_rail"] = {r: out["against"]["by_rail"].get(r, 0) - out["by_rail"].get(r, 0)
                            for r in rails}
    if table.base_currency == against.base_currency:
        out["delta_cost"] = str(Decimal(out["against"]["cost"]["total"])
                                - Decimal(out["cost"]["total"]))
    return out


def _key(route: Route | None) -> tuple[str, str, str] | None:
    return (route.id, route.connector, route.format) if route is not None else None


def _brief(route: Route | None) -> dict[str, Any] | None:
    if route is None:
        return None
    return {"route": route.id, "rail": route.rail, "connector": route.connector,
            "format": route.format, "cost": str(route.cost.total), "eta": route.eta.isoformat()}


def render_simulation(data: Mapping[str, Any]) -> str:
    """The text form of simulate() for `nvc-hub route simulate`."""
    lines = [f"table {data['table']} at {data['at']}: {data['routed']}/{data['messages']} routed,"
             f" cost {data['cost']['currency']} {data['cost']['total']}"]
    other = data.get("against")
    if other:
        lines[0] += (f"; against {other['table']}: {other['routed']}/{other['messages']} routed,"
                     f" cost {other['cost']['currency']} {other['cost']['total']}")
    rails = sorted(set(data["by_rail"]) | set(other["by_rail"] if other else ()))
    width = max([len(r) for r in rails] + [4])
    header = f"  {'rail':<{width}} {'count':>7}"
    if other:
        header += f" {'against':>8} {'delta':>7}"
    lines.append(header)
    for rail in rails:
        n = data["by_rail"].get(rail, 0)
        row = f"  {rail:<{width}} {n:>7}"
        if other:
            m = other["by_rail"].get(rail, 0)
            row += f" {m:>8} {m - n:>+7}"
        lines.append(row)
    if data["unrouted"]:
        lines.append(f"  no route: {len(data['unrouted'])} ({', '.join(data['unrouted'][:10])})")
    if other:
        if "delta_cost" in data:
            lines.append(f"cost change: {data['delta_cost']}")
        lines.append(f"changed routes: {len(data['changes'])}")
        for change in data["changes"][:50]:
            a = change["from"]["route"] if change["from"] else "no route"
            b = change["to"]["route"] if change["to"] else "no route"
            lines.append(f"  {change['message']}: {a} -> {b}")
    return "\n".join(lines) + "\n"
