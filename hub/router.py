"""The daemon's view of routing: a planner that turns a message into a RouteChoice.

The routing engine itself (hub.routes) is pure; this module holds the compiled table for the
running hub, swaps it atomically on reload, and feeds it connector health.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hub.model import Message


@dataclass(frozen=True, slots=True)
class RouteChoice:
    connector: str
    format: str
    rule: str | None = None
    receiver: str | None = None  # BIC (or id) of the next party, for the rendered envelope
    data: Mapping[str, Any] = field(default_factory=dict)  # stored with the message


@dataclass(frozen=True, slots=True)
class NoRoute:
    code: str
    reason: str
    data: Mapping[str, Any] = field(default_factory=dict)


class Planner(Protocol):
    def choose(self, message: Message, *, at: datetime,
               exclude: frozenset[str] = frozenset()) -> RouteChoice | NoRoute: ...


class StaticPlanner:
    """Every message to one connector in one format: the hub's default with no routing table."""

    def __init__(self, connector: str, format: str = "json") -> None:
        self.connector = connector
        self.format = format

    def choose(self, message: Message, *, at: datetime,
               exclude: frozenset[str] = frozenset()) -> RouteChoice | NoRoute:
        if self.connector in exclude:
            return NoRoute("ROUTE.NO_PATH", f"{self.connector} already failed for this message",
                           {"rule": "default"})
        return RouteChoice(self.connector, self.format, rule="default",
                           data={"connector": self.connector, "format": self.format,
                                 "rule": "default"})

