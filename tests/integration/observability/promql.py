"""Reading the dashboard and the alert rules the way Grafana and Prometheus do, for the tests."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import amqp, ethereum, http, sftp, xrpl
from hub.metrics import Metrics
from tests.support import ROOT

DASHBOARD = ROOT / "config" / "grafana" / "hub-overview.json"
RULES = ROOT / "config" / "prometheus" / "alerts.yml"
EXAMPLE_CONFIG = ROOT / "config" / "prometheus" / "prometheus.example.yml"
RULE_TESTS = Path(__file__).with_name("alerts_test.yml")

# Grafana's built-in interval variables, given values a test query can use.
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h", "__range_s": "3600",
            "__interval_ms": "15000"}
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")
_METRIC = re.compile(r"\bhub_[a-z0-9_]+\b")
_LABEL_VALUES = re.compile(r"^label_values\((?:(.+),\s*)?(\w+)\)$")


def require(binary: str) -> str:
    """The path of a Prometheus tool; skip without it, but fail when CI is set."""
    path = shutil.which(binary)
    if path is None:
        reason = f"{binary} not installed (Debian package `prometheus`)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def load_dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return data


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those inside collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panels(panel)


def targets(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, expr) for every query target of every panel."""
    found = []
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            found.append((f"{panel['title']} [{target['refId']}]", target["expr"]))
    return found


def variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard["templating"]["list"]}


def substitute(expr: str, dashboard: dict[str, Any]) -> str:
    """The query Grafana would send with every variable at "All"; unknown variables raise."""
    defined = variables(dashboard)

    def value(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        if name in BUILTINS:
            return BUILTINS[name]
        variable = defined[name]  # KeyError: the dashboard uses a variable it does not define
        return str(variable.get("allValue") or ".*")
    return _VARIABLE.sub(value, expr)


def variable_query(variable: dict[str, Any]) -> tuple[str | None, str]:
    """(series selector or None, label) of a `label_values(...)` variable query."""
    query = variable["query"]
    text = query["query"] if isinstance(query, dict) else query
    match = _LABEL_VALUES.match(text.strip())
    assert match, f"variable {variable['name']}: not a label_values() query: {text}"
    return match.group(1), match.group(2)


def metric_names(text: str) -> set[str]:
    return set(_METRIC.findall(text))


def hub_registry() -> CollectorRegistry:
    """A registry holding every metric the hub and its connectors declare."""
    registry = CollectorRegistry()
    Metrics(registry)
    sftp.metrics_for(registry)
    amqp.metrics_for(registry)
    http.GatewayMetrics.for_registry(registry)
    ethereum._Metrics.on(registry)
    xrpl._Metrics.on(registry)
    return registry


SUFFIXES = {"counter": ("_total", "_created"), "gauge": ("",),
            "histogram": ("_bucket", "_count", "_sum", "_created")}


def exposed_names(registry: CollectorRegistry) -> dict[str, str]:
    """Series name -> metric family, for every series name a scrape can contain."""
    names = {}
    for family in registry.collect():
        for suffix in SUFFIXES[family.type]:
            names[family.name + suffix] = family.name
    return names


def rule_count(text: str) -> int:
    return len(re.findall(r"^\s*- (?:alert|record):", text, flags=re.MULTILINE))
