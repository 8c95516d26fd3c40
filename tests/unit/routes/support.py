"""Builders shared by the routing tests: messages, and vector cases read from TOML."""

from __future__ import annotations

import tomllib
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.model import Agent, Kind, Message, Money
from hub.routes import ConnectorHealth, State, Table, parse_table

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "routes"


def message(currency: str = "EUR", amount: str = "1000.00", receiver: str = "BBBBDEFFXXX",
            *, kind: str = "customer_credit_transfer", debtor_agent: str | None = None,
            priority: str | None = None, purpose: str | None = None,
            instructed_currency: str | None = None) -> Message:
    instructed = None
    if instructed_currency is not None:
        instructed = Money(value=Decimal(amount), currency=instructed_currency)
    return Message(
        kind=Kind(kind), amount=Money(value=Decimal(amount), currency=currency),
        creditor_agent=Agent(bic=receiver),
        debtor_agent=Agent(bic=debtor_agent) if debtor_agent else None,
        priority=priority, purpose=purpose, instructed_amount=instructed)


def load_case(path: Path) -> tuple[Table, Message, datetime, dict[str, ConnectorHealth],
                                   frozenset[str]]:
    data: dict[str, Any] = tomllib.loads(path.read_text("utf-8"))
    case = data.pop("case")
    table = parse_table(data, str(path))
    m = case["message"]
    msg = message(m["currency"], m["amount"], m["creditor_agent"], kind=m["kind"],
                  debtor_agent=m.get("debtor_agent"), priority=m.get("priority"),
                  purpose=m.get("purpose"))
    health = {name: ConnectorHealth(state=State(h["state"]),
                                    success_rate=h.get("success_rate", 1.0))
              for name, h in case.get("health", {}).items()}
    return table, msg, datetime.fromisoformat(case["at"]), health, frozenset(case.get("exclude",
                                                                                      ()))
