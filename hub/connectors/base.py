"""What every link to the outside is (ARCHITECTURE §3, STYLE §7).

A connector translates: an Outbound instruction into the link's request, the link's answer into a
Delivery, and (for links that carry traffic back) the link's files or deliveries into Inbound
items. Timeouts, retries, circuit breaking, metrics and the one log line per send live in the
dispatcher, not here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from hub.errors import ConfigError, Diagnostic
from hub.model import Message


@dataclass(frozen=True, kw_only=True, slots=True)
class ConnectorSpec:
    """Capabilities as data, read by the router."""

    rails: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()  # empty: any
    max_amount: Decimal | None = None
    cutoff: time | None = None
    timezone: str = "UTC"
    settlement_seconds: int = 0
    fixed_fee: Decimal = Decimal(0)
    bps_fee: Decimal = Decimal(0)


SPEC_KEYS = ("rails", "formats", "currencies", "max_amount", "cutoff", "timezone",
             "settlement_seconds", "fixed_fee", "bps_fee")


def spec_from(settings: Mapping[str, Any], where: str) -> ConnectorSpec:
    """The router's view of a link, from the top-level keys of its table named in SPEC_KEYS."""
    values: dict[str, Any] = {}
    key = ""
    try:
        for key in SPEC_KEYS:
            if key not in settings:
                continue
            raw = settings[key]
            if key in ("rails", "formats", "currencies"):
                values[key] = tuple(str(v) for v in raw)
            elif key in ("max_amount", "fixed_fee", "bps_fee"):
                values[key] = Decimal(str(raw))
            elif key == "cutoff":
                values[key] = raw if isinstance(raw, time) else time.fromisoformat(str(raw))
            else:
                values[key] = raw
    except (TypeError, ValueError, ArithmeticError):
        raise ConfigError(f"{where}.{key}: not a valid value", code="CONFIG.TYPE",
                          location=f"{where}.{key}") from None
    return ConnectorSpec(**values)


def setting_int(value: Any, where: str) -> int:
    """An integer setting of a connector table (an int or digits, never a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"{where}: an integer", code="CONFIG.TYPE", location=where)
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{where}: an integer", code="CONFIG.TYPE", location=where) from None


def setting_decimal(value: Any, where: str) -> Decimal:
    """A money-like setting: a decimal string or an integer, never a float."""
    if isinstance(value, float | bool):
        raise ConfigError(f"{where}: a decimal string or integer, never a float",
                          code="CONFIG.TYPE", location=where)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where}: a decimal number", code="CONFIG.TYPE",
                          location=where) from None


@dataclass(frozen=True, kw_only=True, slots=True)
class Outbound:
    """One message ready to leave: rendered bytes plus what a gateway needs to act on them."""

    message_id: str  # the hub's id
    idempotency_key: str  # the UETR where there is one, else the hub's id; the link dedups on it
    format: str
    payload: bytes
    message: Message
    attempt: int = 1
    route: Mapping[str, Any] = field(default_factory=dict)


class Outcome(StrEnum):
    SENT = "sent"  # handed over; the answer will come later (ACK, webhook, receipt)
    DELIVERED = "delivered"  # the other side confirmed receipt
    COMPLETED = "completed"  # settled with finality (chain confirmation, gateway paid)
    REJECTED = "rejected"  # refused for good


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    outcome: Outcome
    reference: str | None = None  # file name, AMQP message id, payout id, tx hash ...
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Health:
    up: bool
    detail: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Inbound:
    """Bytes that arrived on a link, with what the link needs to ack or reject them."""

    channel: str  # connector name
    name: str  # file name, delivery tag, event id: unique per channel
    payload: bytes
    sender: str | None = None
    token: Any = None  # link-private handle for ack/reject


@runtime_checkable
class Connector(Protocol):
    name: str
    spec: ConnectorSpec

    async def start(self) -> None: ...

    async def send(self, outbound: Outbound) -> Delivery:
        """Idempotent on outbound.idempotency_key. Raises ConnectorError (retryable or not)."""
        ...

    async def health(self) -> Health: ...

    async def close(self) -> None: ...


@runtime_checkable
class InboundConnector(Connector, Protocol):
    def receive(self) -> AsyncIterator[Inbound]:
        """Yields arrivals until close(); each is acked or rejected by the hub after the journal
        committed, never before."""
        ...

    async def ack(self, inbound: Inbound) -> None: ...

    async def reject(self, inbound: Inbound, diagnostics: list[Diagnostic]) -> None: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusUpdate:
    """What a link told us later about something we sent (webhook, receipt, poll result).

    `key` is the idempotency key of the Outbound it concerns (or, where the link only knows its
    own id, `reference` is that id); the hub finds the message and moves it to `outcome`.
    """

    key: str | None = None
    reference: str | None = None
    outcome: Outcome
    reason_code: str | None = None
    reason: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class WebhookReceiver(Protocol):
    """A connector that the outside calls back over HTTP (Stripe, PayPal)."""

    webhook_path: str  # mounted under /v1/webhooks/<connector name>

    async def webhook(self, body: bytes, headers: Mapping[str, str]) -> list[StatusUpdate]:
        """Verify the signature (raise ConnectorError code LINK.SIGNATURE when bad) and translate
        the event into status updates."""
        ...
