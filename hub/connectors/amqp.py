"""A message channel on RabbitMQ (AMQP 0-9-1, aio-pika).

Send: persistent messages, `message_id` = the idempotency key, published with publisher confirms
and the mandatory flag, so a message the broker cannot route comes back as a failure
(LINK.UNROUTABLE) instead of vanishing, and a negative confirm is a retryable failure.

Receive: manual acknowledgement only. A delivery is yielded to the hub and acked only when the hub
calls `ack` after its journal committed; `reject` publishes the message, with the diagnostics in a
header, to the dead-letter queue (confirmed) and then acks the original. The queue also carries
dead-letter arguments so that the broker's own drops (delivery limit on quorum queues) land there.

Restarts: the connection is robust (reconnects and restores channels, queues and the consumer).
Deliveries of a dead channel are requeued by the broker and arrive again; the connector keeps the
ids it acked recently (and asks `seen` when given), so a redelivery of something already
journalled is acked without being handed to the hub twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

import aio_pika
import aiormq
import orjson
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hub import secrets
from hub.connectors.base import (
    SPEC_KEYS,
    ConnectorSpec,
    Delivery,
    Health,
    Inbound,
    Outbound,
    Outcome,
    spec_from,
)
from hub.errors import ConfigError, ConnectorError, Diagnostic, register

log = logging.getLogger(__name__)

Seen = Callable[[str, str], Awaitable[bool]]
_TRANSIENT = (aiormq.exceptions.AMQPError, aiormq.exceptions.ChannelInvalidStateError,
              ConnectionError, OSError, asyncio.TimeoutError)


# ---------------------------------------------------------------------------------- metrics --

@dataclass(frozen=True, slots=True)
class Metrics:
    connected: Gauge
    last_success: Gauge
    messages: Counter
    bytes: Counter
    ack_latency: Histogram
    unacked: Gauge
    unacked_oldest: Gauge
    duplicates: Counter
    dead_lettered: Counter
    reconnects: Counter


_METRICS: WeakKeyDictionary[CollectorRegistry, Metrics] = WeakKeyDictionary()


def metrics_for(registry: CollectorRegistry) -> Metrics:
    """The AMQP link metrics, declared once per registry."""
    if registry not in _METRICS:
        r = registry
        _METRICS[registry] = Metrics(
            connected=Gauge("hub_amqp_connected", "1 while the broker connection is up",
                            ["link"], registry=r),
            last_success=Gauge("hub_amqp_last_success_timestamp_seconds",
                               "Unix time of the last confirmed publish or received delivery",
                               ["link", "operation"], registry=r),
            messages=Counter("hub_amqp_messages_total", "Messages moved over the link",
                             ["link", "direction"], registry=r),
            bytes=Counter("hub_amqp_bytes_total", "Body bytes moved over the link",
                          ["link", "direction"], registry=r),
            ack_latency=Histogram("hub_amqp_ack_latency_seconds",
                                  "Publish until the broker confirmed (out); delivered until "
                                  "the hub acked (in)", ["link", "direction"], registry=r,
                                  buckets=(.0005, .001, .0025, .005, .01, .025, .05, .1, .25,
                                           .5, 1, 2.5, 5)),
            unacked=Gauge("hub_amqp_unacked", "Deliveries handed to the hub, not yet acked",
                          ["link"], registry=r),
            unacked_oldest=Gauge("hub_amqp_unacked_oldest_age_seconds",
                                 "Age of the oldest delivery not yet acked", ["link"],
                                 registry=r),
            duplicates=Counter("hub_amqp_duplicates_total",
                               "Redeliveries of messages already acked, acked again unseen",
                               ["link"], registry=r),
            dead_lettered=Counter("hub_amqp_dead_lettered_total",
                                  "Deliveries the hub rejected to the dead-letter queue",
                                  ["link"], registry=r),
            reconnects=Counter("hub_amqp_reconnects_total",
                               "Connections re-established after a loss", ["link"], registry=r),
        )
    return _METRICS[registry]


@dataclass(frozen=True, slots=True)
class _Flow:
    """One link's metrics for one direction, labelled once: `labels()` takes a lock and a
    lookup, a cost paid per message otherwise."""

    latency: Any
    messages: Any
    bytes: Any
    last_success: Any

    @classmethod
    def of(cls, m: Metrics, link: str, direction: str, operation: str) -> _Flow:
        return cls(m.ack_latency.labels(link, direction), m.messages.labels(link, direction),
                   m.bytes.labels(link, direction), m.last_success.labels(link, operation))


# --------------------------------------------------------------------------------- settings --

@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    url: secrets.Secret
    exchange: str = ""
    exchange_type: str = "direct"
    routing_key: str = ""
    outbound_queue: str = ""
    queue: str = ""
    binding_key: str = ""
    dlq: str = ""
    queue_type: str = "classic"
    delivery_limit: int = 0
    declare: bool = True
    prefetch: int = 100
    confirm_timeout: float = 10.0
    connect_timeout: float = 10.0
    reconnect_interval: float = 1.0
    heartbeat: int = 30
    content_type: str = "application/octet-stream"
    sender: str | None = None
    remember_ids: int = 100_000
    spec: ConnectorSpec = field(default_factory=ConnectorSpec)


_FIELDS: tuple[tuple[str, type], ...] = (
    ("exchange", str), ("exchange_type", str), ("routing_key", str), ("outbound_queue", str),
    ("queue", str), ("binding_key", str), ("dlq", str), ("queue_type", str),
    ("delivery_limit", int), ("declare", bool),
    ("prefetch", int), ("confirm_timeout", float), ("connect_timeout", float),
    ("reconnect_interval", float), ("heartbeat", int), ("content_type", str), ("sender", str),
    ("remember_ids", int))


def parse_settings(name: str, settings: Mapping[str, Any]) -> Settings:
    where = f"connectors.{name}"
    url = secrets.read(settings, "url", where=where, allow_inline=False)
    assert url is not None
    known = {"url", "url_file", "url_env", *SPEC_KEYS} | {k for k, _ in _FIELDS}
    values: dict[str, Any] = {"url": url}
    for key, kind in _FIELDS:
        if key not in settings:
            continue
        value = settings[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{where}.{key} must be {kind.__name__}", code="CONFIG.TYPE",
                              location=f"{where}.{key}")
        values[key] = value
    for key in settings:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}", code="CONFIG.UNKNOWN_KEY",
                              location=f"{where}.{key}")
    if values.get("queue_type", "classic") not in ("classic", "quorum"):
        raise ConfigError(f"{where}.queue_type must be classic or quorum",
                          location=f"{where}.queue_type")
    if values.get("queue") and not values.get("dlq"):
        raise ConfigError(f"{where}.dlq: a consumed queue needs a dead-letter queue",
                          location=f"{where}.dlq")
    values["spec"] = spec_from(settings, where)
    return Settings(**values)


# -------------------------------------------------------------------------------- connector --

@dataclass(slots=True)
class _Token:
    message: AbstractIncomingMessage
    key: str
    taken: float
    twins: list[AbstractIncomingMessage] = field(default_factory=list)  # redeliveries meanwhile


class AmqpConnector:
    """One message channel on a RabbitMQ broker (see the module docstring)."""

    def __init__(self, name: str, cfg: Settings, *, registry: CollectorRegistry | None = None,
                 seen: Seen | None = None) -> None:
        self.name = name
        self.cfg = cfg
        self.spec = cfg.spec
        self.metrics = metrics_for(registry or CollectorRegistry())
        self._seen = seen
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._dlq_exchange: AbstractExchange | None = None
        self._queue: AbstractQueue | None = None
        self._arrivals: asyncio.Queue[AbstractIncomingMessage | None] = asyncio.Queue()
        self._inflight: dict[str, _Token] = {}  # by key
        self._done: OrderedDict[str, None] = OrderedDict()  # keys acked recently
        self._closed = False
        self._start_lock = asyncio.Lock()
        m = self.metrics
        self._out = _Flow.of(m, name, "out", "send")
        self._in = _Flow.of(m, name, "in", "receive")
        # Read when scraped rather than set (under a lock) for every message received.
        self._received_at = 0.0
        self._in.last_success.set_function(lambda: self._received_at)
        self._duplicates = m.duplicates.labels(name)
        m.connected.labels(name).set_function(self._is_connected)
        m.unacked.labels(name).set_function(lambda: len(self._inflight))
        m.unacked_oldest.labels(name).set_function(self._oldest_age)

    def _is_connected(self) -> float:
        c = self._connection
        return 1.0 if c is not None and not c.is_closed and c.connected.is_set() else 0.0

    def _oldest_age(self) -> float:
        if not self._inflight:
            return 0.0
        return time.monotonic() - min(t.taken for t in self._inflight.values())

    # -- life ----------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._connection is not None:  # every send calls this: no lock once started
            return
        async with self._start_lock:
            if self._connection is not None:
                return
            cfg = self.cfg
            try:
                connection = await aio_pika.connect_robust(
                    cfg.url.reveal(), timeout=cfg.connect_timeout,
                    reconnect_interval=cfg.reconnect_interval,
                    client_properties={"connection_name": f"nvc-hub {self.name}"},
                    heartbeat=cfg.heartbeat)
            except _TRANSIENT as exc:
                raise ConnectorError(f"{self.name}: cannot reach the broker "
                                     f"({type(exc).__name__})", code="LINK.ERROR") from None
            try:
                await self._declare(connection)
            except BaseException:
                with contextlib.suppress(*_TRANSIENT):
                    await connection.close()
                raise
            connection.reconnect_callbacks.add(self._reconnected)
            self._connection = connection

    def _reconnected(self, *_: Any) -> None:
        self.metrics.reconnects.labels(self.name).inc()
        log.warning("broker connection re-established", extra={
            "action": "link.reconnected", "link": self.name})

    async def _declare(self, connection: AbstractRobustConnection) -> None:
        cfg = self.cfg
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        if cfg.exchange and cfg.declare:
            self._exchange = await channel.declare_exchange(
                cfg.exchange, cfg.exchange_type, durable=True)
        elif cfg.exchange:
            self._exchange = await channel.get_exchange(cfg.exchange, ensure=True)
        else:
            self._exchange = channel.default_exchange
        if cfg.declare and cfg.outbound_queue:
            arguments = self._queue_arguments() if cfg.outbound_queue == cfg.queue else {}
            out_queue = await channel.declare_queue(cfg.outbound_queue, durable=True,
                                                    arguments=arguments)
            if cfg.exchange:
                await out_queue.bind(self._exchange, cfg.routing_key or cfg.outbound_queue)
        self._publish_channel = channel
        self._dlq_exchange = channel.default_exchange
        if cfg.queue:
            await self._consume(connection)

    def _queue_arguments(self) -> dict[str, Any]:
        cfg = self.cfg
        arguments: dict[str, Any] = {"x-dead-letter-exchange": "",
                                     "x-dead-letter-routing-key": cfg.dlq}
        if cfg.queue_type == "quorum":
            arguments["x-queue-type"] = "quorum"
            if cfg.delivery_limit:
                arguments["x-delivery-limit"] = cfg.delivery_limit
        return arguments

    async def _consume(self, connection: AbstractRobustConnection) -> None:
        cfg = self.cfg
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=cfg.prefetch)
        arguments = self._queue_arguments()
        if cfg.declare:
            dlq_arguments = {"x-queue-type": "quorum"} if cfg.queue_type == "quorum" else {}
            await channel.declare_queue(cfg.dlq, durable=True, arguments=dlq_arguments)
            self._queue = await channel.declare_queue(cfg.queue, durable=True,
                                                      arguments=arguments)
            if cfg.exchange and cfg.binding_key:
                await self._queue.bind(cfg.exchange, cfg.binding_key)
        else:
            self._queue = await channel.get_queue(cfg.queue, ensure=True)
        await self._queue.consume(self._arrived, no_ack=False)

    async def _arrived(self, message: AbstractIncomingMessage) -> None:
        await self._arrivals.put(message)

    async def health(self) -> Health:
        if self._connection is None:
            return Health(up=False, detail="not started")
        if not self._is_connected():
            return Health(up=False, detail="reconnecting")
        return Health(up=True, detail=self.cfg.exchange or "(default exchange)")

    async def close(self) -> None:
        self._closed = True
        await self._arrivals.put(None)
        if self._connection is not None:
            with contextlib.suppress(*_TRANSIENT):
                await self._connection.close()

    # -- outbound ------------------------------------------------------------------------------

    async def send(self, outbound: Outbound) -> Delivery:
        await self.start()
        assert self._exchange is not None and self._connection is not None
        message = aio_pika.Message(
            outbound.payload, message_id=outbound.idempotency_key,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, content_type=self.cfg.content_type,
            type=outbound.format, headers={"hub-message-id": outbound.message_id,
                                           "hub-attempt": outbound.attempt})
        routing_key = self.cfg.routing_key or self.cfg.outbound_queue
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.cfg.confirm_timeout):  # no extra task per publish
                if not self._connection.connected.is_set():
                    await self._connection.connected.wait()
                await self._exchange.publish(message, routing_key, mandatory=True)
        except aiormq.exceptions.PublishError:
            raise ConnectorError(f"{self.name}: the broker could not route the message to "
                                 f"{routing_key!r} on {self.cfg.exchange or '(default)'}",
                                 code="LINK.UNROUTABLE", retryable=False) from None
        except aiormq.exceptions.DeliveryError:
            raise ConnectorError(f"{self.name}: the broker refused the message (nack)",
                                 code="LINK.NACK") from None
        except _TRANSIENT as exc:
            raise ConnectorError(f"{self.name}: publish not confirmed ({type(exc).__name__})",
                                 code="LINK.TIMEOUT" if isinstance(exc, TimeoutError)
                                 else "LINK.ERROR") from None
        flow = self._out
        flow.latency.observe(time.monotonic() - started)
        flow.messages.inc()
        flow.bytes.inc(len(outbound.payload))
        flow.last_success.set(time.time())
        return Delivery(outcome=Outcome.SENT, reference=outbound.idempotency_key,
                        detail={"exchange": self.cfg.exchange, "routing_key": routing_key})

    # -- inbound -------------------------------------------------------------------------------

    async def receive(self) -> AsyncIterator[Inbound]:
        if not self.cfg.queue:
            raise ConfigError(f"connectors.{self.name}.queue: nothing to receive from",
                              location=f"connectors.{self.name}.queue")
        await self.start()
        while not self._closed:
            message = await self._arrivals.get()
            if message is None:
                return
            inbound = await self._admit(message)
            if inbound is not None:
                yield inbound

    async def _admit(self, message: AbstractIncomingMessage) -> Inbound | None:
        if message.channel.is_closed:
            return None  # its channel died: the broker delivers it again on the new one
        digest = hashlib.sha256(message.body).hexdigest()
        name = message.message_id or f"sha256:{digest}"
        key = f"{name}:{len(message.body)}:{digest}"
        if (pending := self._inflight.get(key)) is not None:
            # Redelivered while the hub still holds the first copy: settle it with that one.
            self._duplicates.inc()
            pending.twins.append(message)
            return None
        if key in self._done or (self._seen is not None and await self._seen(self.name, key)):
            self._duplicates.inc()
            with contextlib.suppress(*_TRANSIENT):
                await message.ack()
            return None
        token = _Token(message, key, time.monotonic())
        self._inflight[key] = token
        flow = self._in
        flow.messages.inc()
        flow.bytes.inc(len(message.body))
        self._received_at = time.time()
        return Inbound(channel=self.name, name=name, payload=message.body,
                       sender=self.cfg.sender or message.app_id, token=token)

    def _remember(self, key: str) -> None:
        self._done[key] = None
        self._done.move_to_end(key)
        while len(self._done) > self.cfg.remember_ids:
            self._done.popitem(last=False)

    async def ack(self, inbound: Inbound) -> None:
        token: _Token = inbound.token
        self._remember(token.key)  # journalled: a redelivery is acked, not handed over again
        await self._settle(token)
        self._in.latency.observe(time.monotonic() - token.taken)

    async def _settle(self, token: _Token) -> None:
        """Ack the delivery and any redelivery of it that arrived meanwhile."""
        try:
            for message in (token.message, *token.twins):
                try:
                    await message.ack()
                except _TRANSIENT:
                    log.info("ack lost with its channel; the redelivery will be acked", extra={
                        "action": "link.ack_lost", "link": self.name, "key": token.key})
        finally:
            self._inflight.pop(token.key, None)

    async def reject(self, inbound: Inbound, diagnostics: list[Diagnostic]) -> None:
        """Park the message in the dead-letter queue with why, then ack the original."""
        token: _Token = inbound.token
        assert self._dlq_exchange is not None
        original = token.message
        headers = dict(original.headers or {})
        headers["hub-diagnostics"] = orjson.dumps([d.to_json() for d in diagnostics]).decode()
        headers["hub-source-queue"] = self.cfg.queue
        parked = aio_pika.Message(
            original.body, message_id=original.message_id, headers=headers,
            content_type=original.content_type, type=original.type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        try:
            await self._dlq_exchange.publish(parked, self.cfg.dlq, mandatory=True,
                                             timeout=self.cfg.confirm_timeout)
        except (aiormq.exceptions.DeliveryError, *_TRANSIENT) as exc:
            self._inflight.pop(token.key, None)
            with contextlib.suppress(*_TRANSIENT):  # the broker's own dead-lettering instead
                await original.reject(requeue=False)
            log.warning("dead-letter publish failed; rejected to the queue's DLX", extra={
                "action": "link.dlq_fallback", "link": self.name, "error": type(exc).__name__})
            self.metrics.dead_lettered.labels(self.name).inc()
            return
        self._remember(token.key)
        await self._settle(token)
        self.metrics.dead_lettered.labels(self.name).inc()


def build(name: str, settings: Mapping[str, Any], *, registry: CollectorRegistry | None = None,
          seen: Seen | None = None, **_: Any) -> AmqpConnector:
    """The connector for the [connectors.<name>] table (docs/links.md lists every setting).

    A `lease` dependency is not needed: the broker shares one queue between consumers itself.
    """
    return AmqpConnector(name, parse_settings(name, settings), registry=registry, seen=seen)


register({
    "LINK.UNROUTABLE": "the broker could not route the message to any queue",
    "LINK.NACK": "the broker refused the message",
})
