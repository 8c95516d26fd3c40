"""The one small HTTP channel the gateway connectors talk through.

It owns what every JSON/form API link needs and nothing of any gateway's vocabulary: one
aiohttp session with connect and total timeouts, the answer read whole, `Retry-After` parsed,
one log line and one metric sample per call. Timeouts and unreachable peers become a retryable
`GatewayError` with the caller's code prefix; reading the answer is the connector's job.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as dt_time
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import aiohttp
import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram

from hub.connectors.base import ConnectorSpec
from hub.errors import ConfigError, ConnectorError
from hub.model import Message, Money, is_currency

log = logging.getLogger(__name__)


class GatewayError(ConnectorError):
    """A failed gateway call: `status` is the HTTP status (None when no answer came) and
    `retry_after` the seconds the gateway asked us to wait before trying again."""

    def __init__(self, message: str, *, code: str, retryable: bool, status: int | None = None,
                 retry_after: float | None = None, detail: Mapping[str, Any] | None = None
                 ) -> None:
        super().__init__(message, code=code, retryable=retryable)
        self.status = status
        self.retry_after = retry_after
        self.detail = dict(detail or {})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (RFC 9110 §10.2.3: delta-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (a proxy's HTML error page)."""
        try:
            return orjson.loads(self.body) if self.body else None
        except orjson.JSONDecodeError:
            return None

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("Retry-After"))


class GatewayMetrics:
    """The gateway connectors' metrics, declared once per injected registry."""

    _by_registry: ClassVar[weakref.WeakKeyDictionary[CollectorRegistry, GatewayMetrics]] = (
        weakref.WeakKeyDictionary())

    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter("hub_gateway_calls", "Calls made to a payment gateway",
                             ["connector", "call", "result"], registry=registry)
        self.seconds = Histogram("hub_gateway_call_seconds", "Gateway call latency",
                                 ["connector", "call"], registry=registry,
                                 buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
        self.webhooks = Counter("hub_gateway_webhooks", "Gateway webhook deliveries",
                                ["connector", "result"], registry=registry)
        self.outcomes = Counter("hub_gateway_outcomes", "Send results by outcome or error code",
                                ["connector", "result"], registry=registry)

    @classmethod
    def for_registry(cls, registry: CollectorRegistry | None) -> GatewayMetrics:
        """Metrics on `registry`; a private registry when none is injected (never the global)."""
        if registry is None:
            return cls(CollectorRegistry(auto_describe=True))
        metrics = cls._by_registry.get(registry)
        if metrics is None:
            metrics = cls._by_registry[registry] = cls(registry)
        return metrics


class HttpChannel:
    """One aiohttp session to one API host, with the connector's name and error-code prefix."""

    def __init__(self, *, name: str, prefix: str, base_url: str, timeout: float,
                 connect_timeout: float, metrics: GatewayMetrics,
                 session: aiohttp.ClientSession | None = None) -> None:
        self.name = name
        self.prefix = prefix
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self.metrics = metrics
        self._session = session
        self._own_session = session is None

    async def start(self) -> None:
        if self._session is None:
            # Our own connector: keep-alive to one host, no environment proxies or cookies.
            self._session = aiohttp.ClientSession(
                timeout=self.timeout, cookie_jar=aiohttp.DummyCookieJar(),
                connector=aiohttp.TCPConnector(limit=100))

    async def close(self) -> None:
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    async def call(self, method: str, path: str, *, call: str,
                   headers: Mapping[str, str] | None = None, data: Any = None,
                   json_body: Any = None, message_id: str | None = None,
                   timeout: float | None = None) -> Reply:
        """One request; the whole answer whatever its status. Raises GatewayError only when
        no answer came (timeout, refused, reset)."""
        if self._session is None:
            await self.start()
        assert self._session is not None
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        send_headers = dict(headers or {})
        body: Any = data
        if json_body is not None:
            body = orjson.dumps(json_body)
            send_headers.setdefault("Content-Type", "application/json")
        started = time.perf_counter()
        result = "error"
        status: int | None = None
        kwargs: dict[str, Any] = {}
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout,
                                                      connect=self.timeout.connect)
        try:
            async with self._session.request(method, url, headers=send_headers, data=body,
                                             allow_redirects=False, **kwargs) as resp:
                raw = await resp.read()
                status = resp.status
                result = str(status)
                return Reply(status=resp.status, headers=resp.headers, body=raw)
        except TimeoutError:
            result = "timeout"
            raise GatewayError(f"{self.name}: no answer to {call} within "
                               f"{timeout or self.timeout.total}s",
                               code=f"{self.prefix}.TIMEOUT", retryable=True) from None
        except aiohttp.ClientError as exc:
            result = "unreachable"
            raise GatewayError(f"{self.name}: {call} failed: {type(exc).__name__}",
                               code=f"{self.prefix}.UNREACHABLE", retryable=True) from None
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.calls.labels(self.name, call, result).inc()
            self.metrics.seconds.labels(self.name, call).observe(elapsed)
            # One line per call; never headers or bodies (they carry keys and tokens).
            log.info("%s %s %s -> %s in %.1f ms", self.name, method, call, result,
                     elapsed * 1000, extra={
                         "action": "gateway.call", "connector": self.name, "call": call,
                         "status": status, "result": result, "message_id": message_id,
                         "ms": round(elapsed * 1000, 1)})


# --- settings shared by the gateway connectors ------------------------------------------------

SPEC_KEYS = frozenset({"rails", "formats", "currencies", "max_amount", "cutoff", "timezone",
                       "settlement_seconds", "fixed_fee", "bps_fee"})
# Keys the composition root may keep in every connector table to pick the module.
ROOT_KEYS = frozenset({"type", "kind", "module", "enabled"})


def secret_keys(*names: str) -> frozenset[str]:
    """The setting names under which a secret may be given (inline, *_file, *_env)."""
    return frozenset(f"{n}{suffix}" for n in names for suffix in ("", "_file", "_env"))


def check_keys(settings: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in settings:
        if key not in allowed and key not in SPEC_KEYS and key not in ROOT_KEYS:
            raise ConfigError(f"{where}.{key}: unknown setting", code="CONFIG.UNKNOWN_KEY",
                              location=f"{where}.{key}")


def number(settings: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where}.{key}: a positive number of seconds is required",
                          code="CONFIG.TYPE", location=f"{where}.{key}")
    return float(value)


def decimal(settings: Mapping[str, Any], key: str, default: Decimal | None,
            where: str) -> Decimal | None:
    value = settings.get(key)
    if value is None:
        return default
    if isinstance(value, float | bool):  # TOML floats are binary: money is given as text
        raise ConfigError(f"{where}.{key}: give amounts as strings, e.g. \"1000.00\"",
                          code="CONFIG.TYPE", location=f"{where}.{key}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where}.{key}: {value!r} is not a number", code="CONFIG.TYPE",
                          location=f"{where}.{key}") from None


def strings(settings: Mapping[str, Any], key: str, default: tuple[str, ...],
            where: str) -> tuple[str, ...]:
    value = settings.get(key)
    if value is None:
        return default
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key}: a list of strings is required", code="CONFIG.TYPE",
                          location=f"{where}.{key}")
    return tuple(value)


def read_spec(settings: Mapping[str, Any], where: str, *, rails: tuple[str, ...],
              currencies: tuple[str, ...], settlement_seconds: int, fixed_fee: Decimal,
              bps_fee: Decimal) -> ConnectorSpec:
    """The connector's capabilities: the gateway's defaults, each overridable in settings."""
    cutoff = settings.get("cutoff")
    if cutoff is not None and not isinstance(cutoff, dt_time):
        try:
            cutoff = dt_time.fromisoformat(str(cutoff))
        except ValueError:
            raise ConfigError(f"{where}.cutoff: HH:MM expected", code="CONFIG.TYPE",
                              location=f"{where}.cutoff") from None
    cur = strings(settings, "currencies", currencies, where)
    for code in cur:
        if not is_currency(code):
            raise ConfigError(f"{where}.currencies: {code!r} is not an ISO 4217 code",
                              code="CONFIG.TYPE", location=f"{where}.currencies")
    return ConnectorSpec(
        rails=strings(settings, "rails", rails, where),
        formats=strings(settings, "formats", ("json",), where),
        currencies=cur,
        max_amount=decimal(settings, "max_amount", None, where),
        cutoff=cutoff,
        timezone=str(settings.get("timezone", "UTC")),
        settlement_seconds=int(settings.get("settlement_seconds", settlement_seconds)),
        fixed_fee=decimal(settings, "fixed_fee", fixed_fee, where) or Decimal(0),
        bps_fee=decimal(settings, "bps_fee", bps_fee, where) or Decimal(0),
    )


def check_instruction(spec: ConnectorSpec, message: Message, prefix: str) -> Money:
    """The amount to send, after the checks the router should already have made."""
    amount = message.amount
    if amount is None:
        raise GatewayError("the message carries no amount", code=f"{prefix}.UNSUPPORTED",
                           retryable=False)
    if spec.currencies and amount.currency not in spec.currencies:
        raise GatewayError(f"{amount.currency} is not among this link's currencies",
                           code=f"{prefix}.UNSUPPORTED", retryable=False)
    if spec.max_amount is not None and amount.value > spec.max_amount:
        raise GatewayError(f"{amount} is above this link's limit of {spec.max_amount}",
                           code=f"{prefix}.UNSUPPORTED", retryable=False)
    if amount.value <= 0:
        raise GatewayError("a gateway cannot send a zero amount", code=f"{prefix}.UNSUPPORTED",
                           retryable=False)
    return amount


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header from any mapping, whatever the case of its keys."""
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, val in headers.items():
        if key.lower() == lower:
            return val
    return None


def integrity_error(what: str) -> GatewayError:
    """The gateway's answer does not match what we asked for: fail closed, a person looks."""
    return GatewayError(f"gateway answer does not match the instruction: {what}",
                        code="LINK.INTEGRITY", retryable=False)
