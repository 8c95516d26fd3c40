"""Loading tables: both forms compile; every problem is reported with its path and code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from hub.errors import RouteError
from hub.routes import TableError, load_table, parse_table
from hub.routes.table import Reach

ROOT = Path(__file__).resolve().parents[3]


def base() -> dict[str, Any]:
    return {
        "our_bic": "AAAAGB2LXXX",
        "fx": {"USD": "0.9"},
        "connectors": {"wire_gw": "sftp", "swift_gw": "sftp"},
        "rails": {
            "wire": {"connector": "wire_gw", "reach": "members", "format": "pacs.008",
                     "currencies": ["EUR"], "timezone": "Europe/Berlin", "open": "07:00",
                     "cutoff": "17:00", "calendar": "ECB"},
            "swift": {"connector": "swift_gw", "reach": "accounts", "format": "mt103"},
        },
        "banks": {"AAAAGB2LXXX": {"rails": ["wire", "swift"]},
                  "BBBBDEFFXXX": {"rails": ["wire"]}},
        "correspondents": [{"holder": "BBBBDEFFXXX", "owner": "AAAAGB2LXXX",
                            "currency": "USD", "rails": ["swift"]}],
        "rules": [],
    }


def problems(data: dict[str, Any], **kw: Any) -> set[tuple[str, str]]:
    with pytest.raises(TableError) as info:
        parse_table(data, "t.toml", **kw)
    assert isinstance(info.value, RouteError)
    assert info.value.code == "ROUTE.TABLE_INVALID"
    return {(d.code, d.location) for d in info.value.diagnostics}


def test_example_tables_load() -> None:
    full = load_table(ROOT / "config" / "routes.example.toml")
    assert full.form == "full"
    assert len(full.banks) >= 30
    assert {c for c in full.rates if c not in ("XRP", "NVCT")} >= {"EUR", "USD", "GBP", "CHF",
                                                                      "JPY", "CAD"}
    assert len(full.rails) == 12
    assert {r.reach for r in full.rails.values()} == set(Reach)
    assert "swift_alliance" in full.connectors and "stripe" in full.connectors
    simple = load_table(ROOT / "config" / "routes.simple.toml")
    assert simple.form == "simple"
    assert "outbox" in simple.connectors


def test_a_good_table_compiles() -> None:
    table = parse_table(base(), "t.toml")
    assert table.connectors == ["swift_gw", "wire_gw"]
    assert table.rails["wire"].members == {"AAAAGB2LXXX", "BBBBDEFFXXX"}


@pytest.mark.parametrize(("path", "value", "code", "location"), [
    (("rails", "wire", "connector"), "nope", "ROUTE.UNKNOWN_CONNECTOR", "rails.wire.connector"),
    (("rails", "wire", "timezone"), "Mars/Olympus", "ROUTE.BAD_TIMEZONE", "rails.wire.timezone"),
    (("rails", "wire", "cutoff"), "25:00", "ROUTE.BAD_TIME", "rails.wire.cutoff"),
    (("rails", "wire", "cutoff"), "07:00", "ROUTE.BAD_TIME", "rails.wire.cutoff"),
    (("rails", "wire", "calendar"), "ATLANTIS", "ROUTE.BAD_CALENDAR", "rails.wire.calendar"),
    (("rails", "wire", "reach"), "everywhere", "ROUTE.BAD_VALUE", "rails.wire.reach"),
    (("rails", "wire", "currencies"), ["EUR", "XXY"], "ROUTE.UNKNOWN_CURRENCY",
     "rails.wire.currencies[1]"),
    (("rails", "wire", "currencies"), ["CHF"], "ROUTE.NO_RATE", "rails.wire.currencies[0]"),
    (("rails", "wire", "fixed_fee"), 1.5, "ROUTE.BAD_VALUE", "rails.wire.fixed_fee"),
    (("rails", "wire", "colour"), "red", "ROUTE.UNKNOWN_KEY", "rails.wire.colour"),
    (("banks", "BBBBDEFFXXX", "rails"), ["wire", "tube"], "ROUTE.UNKNOWN_RAIL",
     "banks.BBBBDEFFXXX.rails[1]"),
    (("our_bic",), "ZZZZGB2LXXX", "ROUTE.UNKNOWN_BANK", "our_bic"),
])
def test_path_precise_errors(path: tuple[str, ...], value: Any, code: str,
                             location: str) -> None:
    data = base()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert (code, location) in problems(data)


def test_edge_to_an_unknown_bank() -> None:
    data = base()
    data["correspondents"].append({"holder": "CCCCFRPPXXX", "owner": "AAAAGB2LXXX",
                                   "currency": "EUR", "rails": ["wire"]})
    found = problems(data)
    assert ("ROUTE.UNKNOWN_BANK", "correspondents[1].holder") in found
    # a clearing rail does not run over an account
    assert ("ROUTE.BAD_VALUE", "correspondents[1].rails[0]") in found


def test_every_problem_is_reported_at_once() -> None:
    data = base()
    data["rails"]["wire"]["timezone"] = "Nowhere/Town"
    data["rails"]["swift"]["connector"] = "ghost"
    data["correspondents"][0]["owner"] = "DDDDDEFFXXX"
    found = problems(data)
    assert {("ROUTE.BAD_TIMEZONE", "rails.wire.timezone"),
            ("ROUTE.UNKNOWN_CONNECTOR", "rails.swift.connector"),
            ("ROUTE.UNKNOWN_BANK", "correspondents[0].owner")} <= found


def test_connectors_known_to_the_daemon() -> None:
    data = base()
    del data["connectors"]
    parse_table(data, "t.toml")  # no list: nothing to check against
    found = problems(data, connectors={"wire_gw"})
    assert found == {("ROUTE.UNKNOWN_CONNECTOR", "rails.swift.connector")}


def test_shadowed_rule_is_unreachable() -> None:
    data = base()
    data["rules"] = [
        {"id": "eur", "priority": 1, "when": {"currency": ["EUR"]}, "objective": "cheapest"},
        {"id": "eur-big", "priority": 2, "when": {"currency": ["EUR"], "min_amount": "1000"},
         "objective": "fastest"},
    ]
    assert problems(data) == {("ROUTE.RULE_UNREACHABLE", "rules[1]")}
    # the other way round both can win
    data["rules"][0]["priority"], data["rules"][1]["priority"] = 2, 1
    parse_table(data, "t.toml")


def test_overlapping_rules_of_equal_priority() -> None:
    data = base()
    data["rules"] = [
        {"id": "eur", "priority": 5, "when": {"currency": ["EUR"]}, "objective": "cheapest"},
        {"id": "urgent", "priority": 5, "when": {"priority": ["URGP"]}, "objective": "fastest"},
    ]
    assert problems(data) == {("ROUTE.RULE_OVERLAP", "rules[1].priority")}
    # disjoint conditions may share a priority
    data["rules"][1]["when"] = {"currency": ["USD"]}
    parse_table(data, "t.toml")


def test_rule_that_can_never_match() -> None:
    data = base()
    data["rules"] = [{"id": "x", "when": {"min_amount": "10", "max_amount": "5"},
                      "forbid": True}]
    assert problems(data) == {("ROUTE.RULE_UNREACHABLE", "rules[0].when.min_amount")}


def test_rule_references() -> None:
    data = base()
    data["rules"] = [{"id": "x", "when": {"kind": ["postcard"]}, "only_rails": ["tube"],
                      "forbid_connectors": ["ghost"]}]
    found = problems(data)
    assert {("ROUTE.BAD_VALUE", "rules[0].when.kind[0]"),
            ("ROUTE.UNKNOWN_RAIL", "rules[0].only_rails[0]"),
            ("ROUTE.UNKNOWN_CONNECTOR", "rules[0].forbid_connectors[0]")} <= found
    data["rules"] = [{"id": "y", "when": {"currency": "EUR"}}]
    assert problems(data) == {("ROUTE.MISSING_KEY", "rules[0]")}


def test_guards_may_overlap() -> None:
    data = base()
    data["rules"] = [
        {"id": "a", "when": {"currency": ["EUR"]}, "forbid_rails": ["swift"]},
        {"id": "b", "when": {"currency": ["EUR"]}, "forbid_rails": ["wire"]},
    ]
    table = parse_table(data, "t.toml")
    assert [r.id for r in table.rules] == ["a", "b"]


def test_simple_form_errors() -> None:
    data: dict[str, Any] = {"rules": [{"currency": "EUR", "connector": "a", "format": "json"},
                                      {"currency": "EUR", "connector": "b"}],
                            "default": {"connector": "outbox", "format": "json"}}
    found = problems(copy.deepcopy(data))
    assert ("ROUTE.MISSING_KEY", "rules[1].format") in found
    assert ("ROUTE.RULE_UNREACHABLE", "rules[1]") in found
    data["rules"][1] = {"currency": "USD", "connector": "b", "format": "json"}
    assert problems(data, connectors={"a", "b"}) == {("ROUTE.UNKNOWN_CONNECTOR",
                                                      "default.connector")}


def test_load_table_reports_toml_syntax(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[rails.wire\nconnector = 1\n", "utf-8")
    with pytest.raises(TableError) as info:
        load_table(path)
    assert info.value.code == "ROUTE.TABLE_SYNTAX"
    with pytest.raises(TableError):
        load_table(tmp_path / "missing.toml")


def test_load_table_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "simple.toml"
    path.write_text('[default]\nconnector = "outbox"\nformat = "json"\n', "utf-8")
    table = load_table(path)
    assert table.connectors == ["outbox"]
    assert table.source == str(path)
