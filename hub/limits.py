"""Limits and liquidity: what may leave, per connector (rail or nostro link) and currency.

Confirmations of funds received (MT910, CRDT entries of a camt.054/053 or MT940) give their
amount back as intraday room, as rejections and returns of our own payments do.

A payment above a limit's maximum single amount is held for a person (REPAIR). A payment that
would take a limit's intraday debit usage past its ceiling waits (its outbox row is parked,
not failed) until liquidity returns: when a payment held against the limit fails for good, is
rejected or is returned, its amount is given back and the waiting payments are offered again,
in arrival order. Usage is kept in the journal, so every hub process sees the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import ConfigError, register
from hub.journal import Journal
from hub.metrics import Metrics
from hub.model import Message, is_currency, minor_units

register({
    "LIMIT.SINGLE": "amount above the limit's maximum single payment",
    "LIMIT.INTRADAY": "the limit's intraday debit ceiling is reached; waiting for liquidity",
})


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    connector: str  # "*" for every connector
    currency: str
    max_single: Decimal | None
    intraday: Decimal | None
    zone: ZoneInfo

    @property
    def scope(self) -> str:
        return f"limit:{self.name}"


def parse_limits(tables: Mapping[str, Mapping[str, Any]]) -> list[Limit]:
    found = []
    for name, table in tables.items():
        where = f"limits.{name}"
        unknown = set(table) - {"connector", "currency", "max_single", "intraday", "timezone"}
        if unknown:
            raise ConfigError(f"{where}.{sorted(unknown)[0]}: unknown setting",
                              code="CONFIG.UNKNOWN_KEY", location=f"{where}.{sorted(unknown)[0]}")
        currency = str(table.get("currency", ""))
        if not is_currency(currency):
            raise ConfigError(f"{where}.currency: {currency!r} is not a currency",
                              location=f"{where}.currency")
        amounts: dict[str, Decimal | None] = {}
        for key in ("max_single", "intraday"):
            raw = table.get(key)
            try:
                amounts[key] = None if raw is None else Decimal(str(raw))
            except InvalidOperation:
                raise ConfigError(f"{where}.{key}: {raw!r} is not an amount",
                                  location=f"{where}.{key}") from None
        try:
            zone = ZoneInfo(str(table.get("timezone", "UTC")))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where}.timezone: unknown time zone",
                              location=f"{where}.timezone") from None
        found.append(Limit(name, str(table.get("connector", "*")), currency,
                           amounts["max_single"], amounts["intraday"], zone))
    return found


class Limits:
    def __init__(self, limits: list[Limit], journal: Journal, metrics: Metrics) -> None:
        self.limits = limits
        self.journal = journal
        self.metrics = metrics

    def changed(self, name: str, payload: Mapping[str, Any]) -> Limit:
        """The limit `name` with the amounts in `payload`; ConfigError when it cannot be."""
        current = next((lim for lim in self.limits if lim.name == name), None)
        if current is None:
            raise ConfigError(f"limits.{name}: no such limit", location=f"limits.{name}")
        table: dict[str, Any] = {"connector": current.connector, "currency": current.currency,
                                 "timezone": current.zone.key}
        for key, value in (("max_single", current.max_single),
                           ("intraday", current.intraday)):
            if value is not None:
                table[key] = str(value)
        table.update({k: v for k, v in payload.items()
                      if k in ("max_single", "intraday") and v is not None})
        [limit] = parse_limits({name: table})
        return limit

    def change(self, name: str, payload: Mapping[str, Any]) -> None:
        limit = self.changed(name, payload)
        self.limits = [limit if lim.name == name else lim for lim in self.limits]

    async def replay(self) -> None:
        """Apply the limit changes approved at run time (oldest first), e.g. after a restart."""
        for approval in reversed(await self.journal.approvals("approved")):
            if approval["action"] == "limit_change" and \
                    any(lim.name == approval["target"] for lim in self.limits):
                self.change(approval["target"], approval["payload"])

    def applicable(self, connector: str, currency: str) -> list[Limit]:
        return [lim for lim in self.limits
                if lim.currency == currency and lim.connector in ("*", connector)]

    async def admit(self, message_id: str, connector: str, message: Message,
                    at: datetime | None = None) -> tuple[str, str, str] | None:
        """None: go. ("repair", code, why): a person decides. ("wait", code, why): later."""
        amount = message.amount
        if amount is None:
            return None
        found = self.applicable(connector, amount.currency)
        if not found:
            return None
        for lim in found:
            if lim.max_single is not None and amount.value > lim.max_single:
                return ("repair", "LIMIT.SINGLE",
                        f"{amount} is above {lim.name}'s maximum single payment "
                        f"{lim.currency} {lim.max_single}")
        now = at or datetime.now(UTC)
        holds = []
        for lim in found:
            if lim.intraday is None:
                continue
            day = now.astimezone(lim.zone).date().isoformat()
            ceiling = int(lim.intraday.scaleb(_units(amount.currency)))
            holds.append((lim.scope, lim.currency, day, amount.minor, ceiling))
        if holds and not await self.journal.reserve(message_id, holds):
            await self.refresh(now)
            return ("wait", "LIMIT.INTRADAY",
                    f"{amount} would pass the intraday ceiling of "
                    f"{', '.join(h[0].removeprefix('limit:') for h in holds)}")
        await self.refresh(now)
        return None

    async def release(self, message_id: str) -> bool:
        released = await self.journal.release(message_id)
        if released:
            await self.refresh()
        return released

    async def credit(self, message: Message, at: datetime | None = None) -> bool:
        """A confirmation of funds received (MT910, a CRDT statement entry) gives its amount of
        intraday room back to every limit of that currency."""
        amount = message.amount
        if amount is None or not amount.value:
            return False
        now = at or datetime.now(UTC)
        holds = [(lim.scope, lim.currency, now.astimezone(lim.zone).date().isoformat(),
                  amount.minor) for lim in self.limits
                 if lim.currency == amount.currency and lim.intraday is not None]
        if not holds:
            return False
        await self.journal.credit(holds)
        await self.refresh(now)
        return True

    async def refresh(self, at: datetime | None = None) -> None:
        now = at or datetime.now(UTC)
        for lim in self.limits:
            if lim.intraday is None or not lim.intraday:
                continue
            used = await self.journal.limit_used(lim.scope, lim.currency,
                                                 now.astimezone(lim.zone).date().isoformat())
            ceiling = lim.intraday.scaleb(_units(lim.currency))
            self.metrics.limit_usage.labels(lim.name, lim.currency).set(float(used / ceiling))
        self.metrics.limit_queued.set(await self.journal.waiting_count())


def _units(currency: str) -> int:
    return minor_units(currency)
