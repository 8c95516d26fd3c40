"""The running hub's routing table: the compiled table, swapped whole on reload, fed with
connector health, answering with RouteChoice / NoRoute (hub.router)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from hub import codecs
from hub.errors import Diagnostic, HubError, has_errors
from hub.model import Message
from hub.router import NoRoute, RouteChoice
from hub.routes import ConnectorHealth, Table, explain, load_table, plan, simulate
from hub.routes import render_simulation as _render_simulation

log = logging.getLogger(__name__)

HealthSource = Callable[[], Mapping[str, ConnectorHealth]]


class TablePlanner:
    def __init__(self, table: Table, path: Path | None = None,
                 health: HealthSource | None = None) -> None:
        self.table = table
        self.path = path
        self.health = health or (lambda: {})
        self._mtime = path.stat().st_mtime_ns if path is not None and path.exists() else None

    @classmethod
    def load(cls, path: Path, health: HealthSource | None = None) -> TablePlanner:
        return cls(load_table(path), path, health)

    def choose(self, message: Message, *, at: datetime,
               exclude: frozenset[str] = frozenset()) -> RouteChoice | NoRoute:
        result = plan(message, self.table, at=at, health=self.health(), exclude=exclude)
        route = result.chosen
        if route is None:
            reasons = sorted({r.reason for r in result.rejected})
            return NoRoute("ROUTE.NO_PATH", "no route: " + (", ".join(reasons) or "no candidate"),
                           {"rule": result.rule, "rejected": reasons})
        hops = route.hops
        receiver = hops[0].to if hops else None
        return RouteChoice(route.connector, route.format, rule=route.rule, receiver=receiver,
                           data=route.to_data())

    def changed(self) -> bool:
        if self.path is None or not self.path.exists():
            return False
        return self.path.stat().st_mtime_ns != self._mtime

    def reload(self) -> bool:
        """Load the file again; a table that fails validation is refused and the old one stays."""
        if self.path is None:
            return False
        mtime = self.path.stat().st_mtime_ns
        try:
            table = load_table(self.path)
        except HubError as exc:
            self._mtime = mtime  # do not retry the same bad file every poll
            log.error("routing table refused; the previous one stays", extra={
                "action": "routing.reload_refused", "path": str(self.path), "code": exc.code,
                "error": exc.message,
                "diagnostics": [d.to_json() for d in exc.diagnostics][:20]})
            return False
        self.table = table
        self._mtime = mtime
        log.info("routing table reloaded", extra={"action": "routing.reloaded",
                                                  "path": str(self.path)})
        return True


def _message(raw: bytes, format: str | None) -> tuple[Message | None, list[Diagnostic]]:
    decoded = codecs.decode(raw, format)
    if has_errors(decoded.diagnostics) or not decoded.messages:
        return None, decoded.diagnostics
    return decoded.messages[0], decoded.diagnostics


def explain_raw(planner: Any, raw: bytes, format: str | None, at: datetime) -> dict[str, Any]:
    """`{"chosen": {..., connector, format, rule}, "rejected": [{..., reason}]}` for raw bytes."""
    message, diagnostics = _message(raw, format)
    if message is None:
        return {"chosen": None, "rejected": [{"reason": "CODEC.INVALID", "diagnostics":
                                              [d.to_json() for d in diagnostics]}]}
    if isinstance(planner, TablePlanner):
        return explain(plan(message, planner.table, at=at, health=planner.health()))
    choice = planner.choose(message, at=at)
    if isinstance(choice, NoRoute):
        return {"chosen": None, "rejected": [{"reason": choice.code, "detail": choice.reason}]}
    return {"chosen": {"connector": choice.connector, "format": choice.format,
                       "rule": choice.rule}, "rejected": []}


def simulate_folder(table_path: Path, folder: Path, against: Path | None, at: datetime, *,
                    as_json: bool = False) -> tuple[str, bool]:
    import orjson
    messages: list[tuple[str, Message]] = []
    skipped: list[str] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        decoded = codecs.decode(path.read_bytes())
        if has_errors(decoded.diagnostics):
            skipped.append(path.name)
            continue
        for i, m in enumerate(decoded.messages):
            messages.append((path.name if len(decoded.messages) == 1 else f"{path.name}#{i + 1}",
                             m))
    data = simulate(messages, load_table(table_path), at=at,
                    against=load_table(against) if against else None)
    data["skipped"] = skipped
    if as_json:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode(), True
    return _render_simulation(data), True
