"""The dashboard, the alert rules and the operations guide agree with each other and the hub.

promtool checks the rule syntax and runs the rule unit tests in alerts_test.yml; the rest reads
the files and compares them with the metrics the hub's code declares.
"""

from __future__ import annotations

import re
import subprocess

from tests.integration.observability.promql import (
    EXAMPLE_CONFIG,
    RULE_TESTS,
    RULES,
    exposed_names,
    hub_registry,
    load_dashboard,
    metric_names,
    panels,
    require,
    rule_count,
    substitute,
    targets,
    variable_query,
    variables,
)
from tests.support import ROOT

OPERATIONS = ROOT / "docs" / "operations.md"
AREAS = ("Throughput", "Stage latencies", "Outbox", "Repair queue", "Link health", "Screening",
         "Limits", "Reconciliation")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_promtool_check_rules_passes() -> None:
    done = _run(require("promtool"), "check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {rule_count(RULES.read_text())} rules found" in done.stdout


def test_promtool_check_example_config_passes() -> None:
    done = _run(require("promtool"), "check", "config", str(EXAMPLE_CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 rule files found" in done.stdout


def test_alert_rules_fire_as_described() -> None:
    """promtool replays synthetic series through the rules and compares the alerts raised."""
    done = _run(require("promtool"), "test", "rules", str(RULE_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_dashboard_has_a_row_per_area_and_a_datasource_variable() -> None:
    dashboard = load_dashboard()
    assert dashboard["schemaVersion"] >= 36 and dashboard["uid"]
    source = variables(dashboard)["datasource"]
    assert source["type"] == "datasource" and source["query"] == "prometheus"
    rows = [p["title"] for p in panels(dashboard) if p["type"] == "row"]
    for area in AREAS:
        assert any(title.startswith(area) for title in rows), f"no row for {area}: {rows}"


def test_every_panel_names_its_unit_source_and_meaning() -> None:
    dashboard = load_dashboard()
    seen_ids: set[int] = set()
    for panel in panels(dashboard):
        assert panel["id"] not in seen_ids, f"duplicate panel id {panel['id']}"
        seen_ids.add(panel["id"])
        if panel["type"] == "row":
            continue
        title = panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, title
        assert len(panel.get("description", "")) > 30, f"{title}: no useful description"
        assert panel["fieldConfig"]["defaults"].get("unit"), f"{title}: no unit"
        assert panel["targets"], f"{title}: no query"
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", title


def test_every_dashboard_variable_used_is_defined() -> None:
    dashboard = load_dashboard()
    for where, expr in targets(dashboard):
        try:
            substituted = substitute(expr, dashboard)
        except KeyError as exc:
            raise AssertionError(f"{where}: undefined variable {exc}") from None
        assert "$" not in substituted, f"{where}: {substituted}"


def test_dashboard_and_rules_use_only_metrics_the_hub_exposes() -> None:
    exposed = exposed_names(hub_registry())
    dashboard = load_dashboard()
    texts = [(where, expr) for where, expr in targets(dashboard)]
    for name, variable in variables(dashboard).items():
        if variable["type"] == "query":
            selector, _ = variable_query(variable)
            texts.append((f"variable {name}", selector or ""))
    texts.append((RULES.name, RULES.read_text()))
    for where, text in texts:
        unknown = metric_names(text) - set(exposed)
        assert not unknown, f"{where}: metrics the hub does not expose: {sorted(unknown)}"


def test_dashboard_shows_every_metric_the_hub_exposes() -> None:
    used = set().union(*(metric_names(expr) for _, expr in targets(load_dashboard())))
    exposed = exposed_names(hub_registry())
    shown = {exposed[name] for name in used}
    missing = set(exposed.values()) - shown
    assert not missing, f"metrics with no panel: {sorted(missing)}"


def test_operations_guide_has_a_runbook_for_every_alert_and_every_metric() -> None:
    guide = OPERATIONS.read_text()
    headings = {h.strip() for h in re.findall(r"^#{2,4} (.+)$", guide, flags=re.MULTILINE)}
    rules = RULES.read_text()
    alerts = re.findall(r"^\s*- alert: (\w+)", rules, flags=re.MULTILINE)
    assert len(alerts) == rule_count(rules)
    anchors = set(re.findall(r'runbook_url: "docs/operations\.md#([\w-]+)"', rules))
    for alert in alerts:
        assert any(alert in h for h in headings), f"no runbook section for {alert}"
    heading_anchors = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-")
                       for h in headings}
    assert anchors <= heading_anchors, sorted(anchors - heading_anchors)
    for family in set(exposed_names(hub_registry()).values()):
        assert f"`{family}" in guide, f"{family} missing from the metrics reference"
    for panel in panels(load_dashboard()):
        assert panel["title"] in guide, f"panel {panel['title']!r} not described"


def test_metric_reference_names_each_metric_with_its_type() -> None:
    rows = {}
    for line in OPERATIONS.read_text().splitlines():
        match = re.match(r"\| `(hub_\w+)` \| (\w+) \|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    for family in hub_registry().collect():
        shown = family.name + "_total" if family.type == "counter" else family.name
        assert rows.get(shown) == family.type, f"{shown}: reference row says {rows.get(shown)}"
