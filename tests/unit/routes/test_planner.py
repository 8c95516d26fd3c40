"""Planner behaviour beyond the worked examples: fallback, health, FX, explain, simulate."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from hub.errors import RouteError, catalogue
from hub.routes import (
    ConnectorHealth,
    NoRoute,
    State,
    explain,
    load_table,
    plan,
    render_explain,
    render_simulation,
    simulate,
)
from hub.routes import codes as route_codes
from tests.unit.routes.support import VECTORS, load_case, message

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = load_table(ROOT / "config" / "routes.example.toml")
SIMPLE = load_table(ROOT / "config" / "routes.simple.toml")
TUESDAY = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def test_codes_are_registered() -> None:
    known = catalogue()
    for name in dir(route_codes):
        value = getattr(route_codes, name)
        if isinstance(value, str) and value.startswith("ROUTE."):
            assert value in known


def test_domestic_gbp_goes_on_chaps() -> None:
    p = plan(message("GBP", "1000.00", "BARCGB22XXX"), EXAMPLE, at=TUESDAY)
    assert p.chosen is not None
    assert (p.chosen.rail, p.chosen.connector, p.chosen.format) == ("chaps", "chaps_gw",
                                                                   "pacs.008")
    assert p.chosen.hops[0].frm == "NVCHGB2LXXX"
    assert p.chosen.eta == datetime(2025, 3, 4, 10, 1, tzinfo=UTC)


def test_the_dispatcher_walks_the_alternatives() -> None:
    """Excluding each chosen connector in turn yields the next one, never the same twice."""
    m = message("USD", "5000.00", "WFBIUS6SXXX")
    seen: list[str] = []
    exclude: frozenset[str] = frozenset()
    first = plan(m, EXAMPLE, at=TUESDAY)
    while True:
        p = plan(m, EXAMPLE, at=TUESDAY, exclude=exclude)
        if p.chosen is None:
            break
        assert p.chosen.connector not in seen
        seen.append(p.chosen.connector)
        exclude |= {p.chosen.connector}
    assert seen[0] == first.chosen.connector if first.chosen else False
    assert len(seen) >= 3
    assert p.code == route_codes.NO_PATH
    with pytest.raises(NoRoute):
        p.route()
    assert all(r.reason in (route_codes.EXCLUDED, route_codes.CURRENCY_UNSUPPORTED,
                            route_codes.NOT_REACHED) for r in p.rejected)


def test_exclude_a_route_id() -> None:
    m = message("GBP", "1000.00", "BARCGB22XXX")
    best = plan(m, EXAMPLE, at=TUESDAY).route()
    again = plan(m, EXAMPLE, at=TUESDAY, exclude=frozenset({best.id})).route()
    assert again.id != best.id
    assert again.score >= best.score


def test_poor_health_moves_traffic() -> None:
    m = message("GBP", "1000.00", "BARCGB22XXX")
    healthy = plan(m, EXAMPLE, at=TUESDAY).route()
    shaky = {healthy.connector: ConnectorHealth(state=State.HALF_OPEN, success_rate=0.5)}
    moved = plan(m, EXAMPLE, at=TUESDAY, health=shaky).route()
    assert moved.connector != healthy.connector
    down = {healthy.connector: ConnectorHealth(state=State.OPEN, success_rate=0.0)}
    p = plan(m, EXAMPLE, at=TUESDAY, health=down)
    assert p.chosen is not None and p.chosen.connector != healthy.connector
    assert any(r.reason == route_codes.CONNECTOR_DOWN and r.connector == healthy.connector
               for r in p.rejected)


def test_fx_conversion_is_costed() -> None:
    m = message("USD", "10000.00", "WFBIUS6SXXX", instructed_currency="EUR")
    route = plan(m, EXAMPLE, at=TUESDAY).route()
    # converting costs at least our desk's 8 bps of USD 10,000 at 0.92 = EUR 7.36
    assert route.cost.fx >= Decimal("7.36")
    assert route.cost.total == route.cost.fees + route.cost.fx
    same = plan(message("USD", "10000.00", "WFBIUS6SXXX"), EXAMPLE, at=TUESDAY).route()
    assert same.cost.fx == Decimal("0.00")


def test_sanctioned_corridor_has_no_route() -> None:
    p = plan(message("EUR", "100.00", "KPBBKPPYXXX"), EXAMPLE, at=TUESDAY)
    assert p.chosen is None
    assert any(r.reason == route_codes.FORBIDDEN_BY_RULE and r.rule == "sanctioned-corridors"
               for r in p.rejected)


def test_explain_contract_and_json() -> None:
    p = plan(message("EUR", "2500000.00", "INGBNL2AXXX"), EXAMPLE, at=TUESDAY)
    data = explain(p)
    assert {"connector", "format", "rule"} <= set(data["chosen"])
    assert data["chosen"]["rule"] == "eur-high-value-rtgs"
    assert all("reason" in r for r in data["rejected"])
    assert any(r["reason"] == route_codes.FORBIDDEN_BY_RULE for r in data["rejected"])
    assert data["alternatives"]
    assert orjson.loads(orjson.dumps(data)) == data
    text = render_explain(data)
    assert "chosen:" in text and "ROUTE.FORBIDDEN_BY_RULE" in text
    assert p.chosen is not None
    stored = p.chosen.to_data()
    assert stored["connector"] == p.chosen.connector and stored["hops"]


def test_alternatives_are_ranked_and_no_better() -> None:
    p = plan(message("USD", "5000.00", "WFBIUS6SXXX"), EXAMPLE, at=TUESDAY)
    assert p.chosen is not None
    scores = [p.chosen.score] + [a.score for a in p.alternatives]
    assert scores == sorted(scores)
    assert len(p.alternatives) == EXAMPLE.alternatives


def test_message_without_debtor_agent_starts_at_our_bic_and_debtor_agent_wins() -> None:
    p = plan(message("EUR", "1000.00", "INGBNL2AXXX", debtor_agent="DEUTDEFFXXX"), EXAMPLE,
             at=TUESDAY)
    assert p.chosen is not None and p.chosen.hops[0].frm == "DEUTDEFFXXX"
    assert p.chosen.rail in ("t2", "sepa")


def test_aware_clock_required() -> None:
    with pytest.raises(RouteError):
        plan(message(), SIMPLE, at=datetime(2025, 3, 4, 10, 0))


def test_simple_table_takes_anything() -> None:
    p = plan(message("JPY", "100", "BOTKJPJTXXX", kind="fi_credit_transfer"), SIMPLE,
             at=TUESDAY)
    assert p.chosen is not None and (p.chosen.connector, p.chosen.format) == ("outbox", "json")
    gb = plan(message("GBP", "10.00", "BARCGB22XXX"), SIMPLE, at=TUESDAY).route()
    assert (gb.connector, gb.rule) == ("chaps_gw", "uk-banks")


def test_simulate_against_another_table() -> None:
    messages = [message("GBP", "1000.00", "BARCGB22XXX"),
                message("USD", "250.00", "WFBIUS6SXXX"),
                message("EUR", "100.00", "KPBBKPPYXXX")]
    result = simulate(messages, EXAMPLE, at=TUESDAY, against=SIMPLE)
    assert result["messages"] == 3 and result["routed"] == 2
    assert result["by_rail"]["chaps"] == 1
    assert result["against"]["routed"] == 3
    assert result["against"]["by_rail"] == {"default": 1, "uk-banks": 1, "usd-to-fedline": 1}
    assert len(result["changes"]) == 3
    assert result["delta_by_rail"]["chaps"] == -1
    text = render_simulation(result)
    assert "changed routes: 3" in text and "chaps" in text
    alone = simulate(messages, SIMPLE, at=TUESDAY)
    assert alone["cost"]["total"] == "0.00" and "changes" not in alone


def test_plan_is_repeatable_on_the_vectors() -> None:
    for case in sorted(VECTORS.glob("*.toml")):
        table, m, at, health, exclude = load_case(case)
        a = explain(plan(m, table, at=at, health=health, exclude=exclude))
        b = explain(plan(m, table, at=at, health=health, exclude=exclude))
        assert a == b


def test_routes_stay_pure() -> None:
    """The router imports the model and the error catalogue, never I/O (STYLE boundaries)."""
    import ast

    forbidden = ("asyncio", "aiohttp", "socket", "sqlite3", "hub.connectors", "hub.journal",
                 "hub.codecs", "hub.api", "hub.app")
    for source in (ROOT / "hub" / "routes").glob("*.py"):
        tree = ast.parse(source.read_text("utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(forbidden), f"{source.name} imports {name}"


def test_messages_without_money_go_straight_to_their_receiver() -> None:
    from hub.model import Agent, Kind, Message

    note = Message(kind=Kind.FREE_FORMAT, instructed_agent=Agent(bic="CHASUS33"))
    route = plan(note, EXAMPLE, at=TUESDAY).route()
    assert (route.id, route.format) == ("swift_fin:CHASUS33XXX", "mt199")
    assert len(route.hops) == 1
    # a simple rule on currency or amount does not catch a message with no amount
    simple = plan(note, SIMPLE, at=TUESDAY).route()
    assert (simple.connector, simple.rule) == ("outbox", "default")
    # no clearing rail carries a cancellation; SWIFT MX has camt.056 for it
    cancel = Message(kind=Kind.CANCELLATION, instructed_agent=Agent(bic="DEUTDEFFXXX"))
    assert plan(cancel, EXAMPLE, at=TUESDAY).route().format == "camt.056"
