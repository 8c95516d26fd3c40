"""In-memory doubles that ship with the hub for fast tests (STYLE §10)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.connectors.base import ConnectorSpec, Delivery, Health, Outbound, Outcome
from hub.errors import ConnectorError


@dataclass
class ScriptedConnector:
    """A link whose answers are scripted: each send takes the next step of `script`.

    A step is an Outcome (answered with that outcome) or a ConnectorError (raised). When the
    script runs out, every further send succeeds with Outcome.SENT. Sends are recorded, and a
    repeated idempotency key is answered like the first time without counting twice.
    """

    name: str
    script: list[Outcome | ConnectorError] = field(default_factory=list)
    spec: ConnectorSpec = field(default_factory=ConnectorSpec)
    delay: float = 0.0
    sent: list[Outbound] = field(default_factory=list)
    keys: dict[str, Delivery] = field(default_factory=dict)
    attempts: int = 0

    @classmethod
    def failing(cls, name: str, errors: Iterable[ConnectorError]) -> ScriptedConnector:
        return cls(name, list(errors))

    async def start(self) -> None:
        return None

    async def send(self, outbound: Outbound) -> Delivery:
        self.attempts += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if outbound.idempotency_key in self.keys:
            return self.keys[outbound.idempotency_key]
        step = self.script.pop(0) if self.script else Outcome.SENT
        if isinstance(step, ConnectorError):
            raise step
        delivery = Delivery(outcome=step, reference=f"{self.name}:{len(self.sent) + 1}")
        self.sent.append(outbound)
        self.keys[outbound.idempotency_key] = delivery
        return delivery

    async def health(self) -> Health:
        return Health(up=True)

    async def close(self) -> None:
        return None
