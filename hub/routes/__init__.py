"""Routing: the table, the correspondent graph, the planner and its explanations (STYLE §8).

    table = load_table("config/routes.example.toml")      # checked and compiled once
    p = plan(message, table, at=now, health=breakers)      # pure: no I/O, clock as argument
    p.chosen.connector, p.chosen.format, p.chosen.eta      # or p.chosen is None: ROUTE.NO_PATH
    explain(p)                                             # chosen, alternatives, rejected + why

The dispatcher owns a `CircuitBreaker` per connector and passes their `snapshot()`s as
`health`; after a final failure it plans again with `exclude={connector or route id}`.
"""

from hub.routes import codes
from hub.routes.explain import explain, render_explain, render_simulation, simulate
from hub.routes.health import CircuitBreaker, ConnectorHealth, State
from hub.routes.loader import TableError, load_table, parse_table
from hub.routes.planner import Cost, Hop, NoRoute, Plan, Rejection, Route, plan
from hub.routes.table import Table, Weights

__all__ = [
    "CircuitBreaker",
    "ConnectorHealth",
    "Cost",
    "Hop",
    "NoRoute",
    "Plan",
    "Rejection",
    "Route",
    "State",
    "Table",
    "TableError",
    "Weights",
    "codes",
    "explain",
    "load_table",
    "parse_table",
    "plan",
    "render_explain",
    "render_simulation",
    "simulate",
]
