"""Builders shared by the ACH connector tests: settings, messages, a clock that tests move."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hub.connectors import ach
from hub.connectors.base import Connector, Outbound
from hub.model import Agent, Kind, Message, Money, Party

NY = ZoneInfo("America/New_York")
ODFI = "076401251"  # check digit 1 over 07640125
RDFI = "011000015"


class Clock:
    """Aware time that only moves when a test (or the fake sleep) moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when

class SteppingClock(Clock):
    """A clock for the flush task: each sleep is recorded and waits for `step()`, which moves
    the time on by exactly what the sleeper asked for."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.asked: list[float] = []
        self._go = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self._go.wait()
        self._go.clear()
        self.now += timedelta(seconds=seconds)

    async def step(self) -> None:
        asked = len(self.asked)
        self._go.set()
        while len(self.asked) == asked:  # until the sleeper has acted and sleeps again
            await asyncio.sleep(0.005)


def at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def settings(staging: Path, **more: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "odfi": ODFI, "immediate_origin": "1234567890", "immediate_destination_name": "ODFI BANK",
        "immediate_origin_name": "ACME CORP", "company_name": "ACME CORP",
        "company_id": "1234567890", "windows": ["10:30", "14:30", "17:00"],
        "timezone": "America/New_York", "staging": str(staging)}
    table.update(more)
    return table


def payment(n: int, *, amount: str = "125.00", currency: str = "USD",
            requested: date | None = None, **more: Any) -> Message:
    fields: dict[str, Any] = {
        "instruction_id": f"INV{n}", "debtor": Party(name="Acme Corp"),
        "creditor": Party(name=f"Receiver {n}", account=f"9876{n:04d}"),
        "creditor_agent": Agent(clearing_system="USABA", member_id=RDFI),
        "requested_execution_date": requested, "remittance_info": f"INVOICE {n}"}
    fields.update(more)
    return Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=Money.parse(amount, currency),
                   **fields)


def outbound(key: str, message: Message) -> Outbound:
    return Outbound(message_id=f"id-{key}", idempotency_key=key, format="nacha",
                    payload=b"", message=message)


def connector(staging: Path, link: Connector, clock: Clock, **more: Any) -> ach.AchConnector:
    return ach.build("ach", settings(staging, **more), deliver=link, clock=clock,
                     sleep=_forever)


async def _forever(seconds: float) -> None:
    """The flush task's sleep in tests that flush by hand: it never wakes on its own."""
    await asyncio.Event().wait()


def files(folder: Path) -> Mapping[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
