"""Every PromQL expression of the dashboard and the alert rules, run by a real Prometheus.

An in-process hub takes traffic (valid and invalid submissions over HTTP, a duplicate, a file
drop); the Debian `prometheus` server scrapes its admin port every second on loopback with the
alert rules loaded; then each dashboard query and each rule is evaluated through the HTTP API.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from hub.app import Hub
from hub.config import load
from tests.integration.core.test_journal import payment
from tests.integration.observability.promql import (
    RULES,
    load_dashboard,
    require,
    rule_count,
    substitute,
    targets,
    variable_query,
    variables,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

JOB = "nvc-hub"  # the job name the alert rules expect
THROUGHPUT_PANEL = "Accepted by channel and format"
TIMEOUT = 30.0


@dataclass
class Stack:
    hub: Hub
    prometheus: str  # base URL
    session: aiohttp.ClientSession
    log: Path

    async def api(self, path: str, **params: str) -> Any:
        async with self.session.get(f"{self.prometheus}{path}", params=params) as r:
            body = await r.json()
        return body

    async def query(self, expr: str) -> dict[str, Any]:
        body: dict[str, Any] = await self.api("/api/v1/query", query=expr)
        return body

    async def submit(self, raw: bytes) -> int:
        async with self.session.post(
                f"http://127.0.0.1:{self.hub.api_port}/v1/messages", data=raw,
                headers={"Authorization": f"Bearer {self.hub.bootstrap_token}",
                         "Content-Type": "application/json"}) as r:
            return r.status


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _until(what: str, check: Callable[[], Awaitable[bool]], log: Path | None = None,
                 timeout: float = TIMEOUT) -> None:
    """Poll `check` until true; fail with `what` (and the Prometheus log) after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with contextlib.suppress(aiohttp.ClientError):
            if await check():
                return
        if loop.time() > deadline:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise AssertionError(f"{what} within {timeout}s\n{tail}")
        await asyncio.sleep(0.1)


def _hub_total(hub: Hub, name: str) -> float:
    return sum(s.value for m in hub.metrics.registry.collect() for s in m.samples
               if s.name == name)


async def _traffic(stack: Stack, data_dir: Path) -> None:
    first = payment()
    for raw in (first, payment(), payment(amount={"value": "5.00", "currency": "USD"})):
        assert await stack.submit(raw) == 202
    assert await stack.submit(first) == 200  # duplicate
    assert await stack.submit(b"{not json") == 422
    assert await stack.submit(payment(amount={"value": "1", "currency": "XYZ"})) == 422
    inbox = data_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "drop1.json").write_bytes(payment())
    (inbox / "junk.json").write_bytes(b"\x00garbage")

    async def moved() -> bool:
        return (inbox / "processed" / "drop1.json").exists() and \
            (inbox / "rejected" / "junk.json").exists()
    await _until("the file drop was not taken", moved)

    async def sent() -> bool:
        return _hub_total(stack.hub, "hub_messages_dispatched_total") >= 4
    await _until("the accepted messages were not dispatched", sent)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    binary = require("prometheus")
    data_dir = tmp_path_factory.mktemp("hub")
    settings = load(None, env={
        "HUB__HUB__DATA_DIR": str(data_dir), "HUB__API__HOST": "127.0.0.1",
        "HUB__API__PORT": "0", "HUB__API__ADMIN_HOST": "127.0.0.1", "HUB__API__ADMIN_PORT": "0",
        "HUB__DISPATCH__POLL_INTERVAL": "0.05", "HUB__LOG__LEVEL": "WARNING"})
    hub = Hub(settings)
    await hub.start()
    prom_dir = tmp_path_factory.mktemp("prometheus")
    config = prom_dir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files:\n  - {RULES}\n"
        f"scrape_configs:\n  - job_name: {JOB}\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{hub.admin_port}']\n")
    port = _free_port()
    log = prom_dir / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={prom_dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=out, stderr=subprocess.STDOUT)
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
    s = Stack(hub, f"http://127.0.0.1:{port}", session, log)
    try:
        await _traffic(s, data_dir)

        async def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"prometheus exited {process.returncode}: "
                                     f"{log.read_text()[-3000:]}")
            async with session.get(f"{s.prometheus}/-/ready") as r:
                return r.status == 200
        await _until("prometheus did not become ready", ready, log)

        async def scraped() -> bool:
            active = (await s.api("/api/v1/targets"))["data"]["activeTargets"]
            return any(t["labels"]["job"] == JOB and t["health"] == "up"
                       and not t["lastScrape"].startswith("0001") for t in active)
        await _until("the hub target was not scraped", scraped, log)

        # a second wave after the first scrape, so rates over the window are above zero
        for raw in (payment(), payment()):
            assert await s.submit(raw) == 202
        assert await s.submit(b"[1, 2") == 422
        expected = _hub_total(hub, "hub_messages_accepted_total")

        async def seen() -> bool:
            result = (await s.query(f'sum(hub_messages_accepted_total{{job="{JOB}"}})'))
            values = result["data"]["result"]
            return bool(values) and float(values[0]["value"][1]) == expected
        await _until("prometheus did not see the second wave", seen, log)
        yield s
    finally:
        await session.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        await hub.stop()


async def test_every_dashboard_expression_evaluates(stack: Stack) -> None:
    dashboard = load_dashboard()
    found = targets(dashboard)
    assert len(found) > 40
    failures = []
    for where, expr in found:
        query = substitute(expr, dashboard)
        body = await stack.query(query)
        if body.get("status") != "success":
            failures.append(f"{where}: {query}: {body.get('error')}")
    assert not failures, "\n".join(failures)


async def test_dashboard_variables_list_the_running_hub(stack: Stack) -> None:
    dashboard = load_dashboard()
    expected = {"instance": f"127.0.0.1:{stack.hub.admin_port}", "channel": "api",
                "connector": "outbox"}
    for name, variable in variables(dashboard).items():
        if variable["type"] != "query":
            continue
        selector, label = variable_query(variable)
        params = {"match[]": substitute(selector, dashboard)} if selector else {}
        body = await stack.api(f"/api/v1/label/{label}/values", **params)
        assert body["status"] == "success", (name, body)
        assert expected[name] in body["data"], (name, body["data"])


async def test_throughput_panel_shows_the_traffic(stack: Stack) -> None:
    dashboard = load_dashboard()
    [expr] = [e for where, e in targets(dashboard) if where.startswith(THROUGHPUT_PANEL)]
    body = await stack.query(substitute(expr, dashboard))
    assert body["status"] == "success"
    series = {(r["metric"]["channel"], r["metric"]["format"]): float(r["value"][1])
              for r in body["data"]["result"]}
    assert series.get(("api", "json"), 0) > 0, series
    sent = [e for where, e in targets(dashboard) if where.startswith("Sent by rail and outcome")]
    body = await stack.query(substitute(sent[0], dashboard))
    rails = {(r["metric"]["connector"], r["metric"]["outcome"]) for r in body["data"]["result"]}
    assert ("outbox", "sent") in rails, rails


async def test_every_alert_rule_loads_evaluates_and_stays_quiet(stack: Stack) -> None:
    """Prometheus loaded every rule, evaluated each without error, and none fires on a healthy
    hub; each rule's query also runs on its own through the query API."""
    expected = rule_count(RULES.read_text())

    async def evaluated() -> bool:
        groups = (await stack.api("/api/v1/rules"))["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        return len(rules) == expected and all(
            not r["lastEvaluation"].startswith("0001") for r in rules)
    await _until("the rules were not all evaluated", evaluated, stack.log)
    groups = (await stack.api("/api/v1/rules"))["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    for rule in rules:
        name = rule["name"]
        assert rule["health"] == "ok", (name, rule.get("lastError"))
        assert rule["state"] == "inactive", (name, rule["alerts"])
        assert rule["labels"].get("severity") in {"warning", "critical"}, name
        notes = rule["annotations"]
        assert notes.get("summary") and len(notes.get("description", "")) > 60, name
        assert notes.get("runbook_url", "").startswith("docs/operations.md#"), name
        body = await stack.query(rule["query"])
        assert body["status"] == "success", (name, rule["query"], body.get("error"))
    # the rules that watch the scrape itself see the hub
    up = await stack.query(f'up{{job="{JOB}"}} == 1')
    assert len(up["data"]["result"]) == 1
