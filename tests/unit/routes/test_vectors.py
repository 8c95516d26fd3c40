"""Worked examples: each tests/vectors/routes/<case>.toml (a table and a [case]) with the plan
worked out by hand in <case>.json (the reasoning is in the TOML's header comment)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub.routes import explain, plan
from tests.unit.routes.support import VECTORS, load_case

CASES = sorted(VECTORS.glob("*.toml"))


def _subset(expected: Any, actual: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            _subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
        assert len(actual) >= len(expected), where
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            _subset(e, a, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def test_there_are_worked_examples() -> None:
    names = {p.stem for p in CASES}
    assert {"cheapest", "fastest", "chain_beats_direct", "cutoff_next_day", "cutoff_other_rail",
            "holiday", "limit", "connector_down", "forbidden_corridor", "no_path"} <= names
    for case in CASES:
        assert case.with_suffix(".json").exists(), f"{case.name} has no expected plan"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_worked_example(case: Path) -> None:
    expected = json.loads(case.with_suffix(".json").read_text("utf-8"))
    table, message, at, health, exclude = load_case(case)
    p = plan(message, table, at=at, health=health, exclude=exclude)
    data = explain(p)
    orjson.dumps(data)  # JSON-ready all the way down
    if expected["chosen"] is None:
        assert p.chosen is None
        assert data["chosen"] is None
        assert data["code"] == "ROUTE.NO_PATH"
    else:
        assert p.chosen is not None
        _subset(expected["chosen"], data["chosen"], "chosen")
        assert p.chosen.connector == expected["chosen"].get("connector", p.chosen.connector)
    assert [a["id"] for a in data["alternatives"]] == expected["alternatives"]
    rejected = sorted((r["route"], r["reason"]) for r in data["rejected"])
    assert rejected == sorted((r["route"], r["reason"]) for r in expected["rejected"])
    for r in data["rejected"]:
        assert r["reason"].startswith("ROUTE.") and r["message"]
