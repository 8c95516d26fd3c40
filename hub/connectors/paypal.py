"""PayPal: Payouts API batches, OAuth2 client credentials, signed webhooks.

One outbound instruction is one payout batch with one item. The batch's `sender_batch_id` is the
instruction's idempotency key: PayPal refuses a second batch with the same id for 30 days and
names the original in its error, so a retry after a timeout finds the first batch instead of
paying twice (the key also goes out as `PayPal-Request-Id`). The access token is fetched with the
client id and secret, cached until shortly before it expires, and fetched again once when PayPal
answers 401. Batches not yet final are followed by `poll()`; webhooks are verified either locally
from PayPal's signing certificate (`verify = "cert"`, the default) or by PayPal's
verify-webhook-signature API (`verify = "api"`).

Reference: developer.paypal.com/api/rest/authentication, /api/payments.payouts-batch/v1,
/api/webhooks/v1 (verify-webhook-signature) and /api/rest/webhooks/rest (manual verification:
`transmission_id|transmission_time|webhook_id|crc32(body)` signed SHA256withRSA).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import itertools
import logging
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from prometheus_client import CollectorRegistry

from hub import secrets
from hub.connectors.base import ConnectorSpec, Delivery, Health, Outbound, Outcome, StatusUpdate
from hub.connectors.http import (
    GatewayError,
    GatewayMetrics,
    HttpChannel,
    Reply,
    check_instruction,
    check_keys,
    header,
    integrity_error,
    number,
    read_spec,
    secret_keys,
    strings,
)
from hub.errors import ConfigError, ConnectorError, register
from hub.model import Message, Money

log = logging.getLogger(__name__)

API = "https://api-m.paypal.com"
CERT_HOSTS = ("api.paypal.com", "api-m.paypal.com", "api.sandbox.paypal.com",
              "api-m.sandbox.paypal.com")
TOKEN_MARGIN = 120.0  # fetch a new token this many seconds before the old one expires
RECIPIENT_TYPES = ("EMAIL", "PHONE", "PAYPAL_ID")

# PayPal error `name` -> hub code, retryable (developer.paypal.com/api/rest/reference/orders/
# v2/errors, payouts-batch errors). Lack of funds and our own credential problems are retried
# (and dead-lettered if never fixed), never reported as the payment's rejection.
NAMES: dict[str, tuple[str, bool]] = {
    "VALIDATION_ERROR": ("PAYPAL.VALIDATION", False),
    "INVALID_REQUEST": ("PAYPAL.VALIDATION", False),
    "MALFORMED_REQUEST": ("PAYPAL.VALIDATION", False),
    "CURRENCY_NOT_SUPPORTED_FOR_RECEIVER": ("PAYPAL.RECEIVER", False),
    "RECEIVER_UNREGISTERED": ("PAYPAL.RECEIVER", False),
    "RECEIVER_ACCOUNT_LOCKED": ("PAYPAL.RECEIVER", False),
    "INSUFFICIENT_FUNDS": ("PAYPAL.INSUFFICIENT_FUNDS", True),
    "USER_BUSINESS_ERROR": ("PAYPAL.BUSINESS", False),
    "RATE_LIMIT_REACHED": ("PAYPAL.RATE_LIMIT", True),
    "INTERNAL_SERVER_ERROR": ("PAYPAL.SERVER_ERROR", True),
    "INTERNAL_ERROR": ("PAYPAL.SERVER_ERROR", True),
    "SERVICE_UNAVAILABLE": ("PAYPAL.SERVER_ERROR", True),
    "AUTHENTICATION_FAILURE": ("PAYPAL.AUTHENTICATION", True),
    "invalid_client": ("PAYPAL.AUTHENTICATION", True),
    "invalid_token": ("PAYPAL.AUTHENTICATION", True),
    "AUTHORIZATION_ERROR": ("PAYPAL.PERMISSION", True),
    "NOT_AUTHORIZED": ("PAYPAL.PERMISSION", True),
    "PERMISSION_DENIED": ("PAYPAL.PERMISSION", True),
    "RESOURCE_NOT_FOUND": ("PAYPAL.NOT_FOUND", False),
}
BY_STATUS: dict[int, tuple[str, bool]] = {
    400: ("PAYPAL.VALIDATION", False),
    401: ("PAYPAL.AUTHENTICATION", True),
    403: ("PAYPAL.PERMISSION", True),
    404: ("PAYPAL.NOT_FOUND", False),
    409: ("PAYPAL.CONFLICT", True),
    422: ("PAYPAL.UNPROCESSABLE", False),
    429: ("PAYPAL.RATE_LIMIT", True),
}

# Payout item transaction_status -> outcome; statuses not listed (PENDING, UNCLAIMED, ONHOLD,
# NEW) are not final and are polled again.
ITEM_FINAL: dict[str, Outcome] = {
    "SUCCESS": Outcome.COMPLETED,
    "FAILED": Outcome.REJECTED, "RETURNED": Outcome.REJECTED, "BLOCKED": Outcome.REJECTED,
    "REFUNDED": Outcome.REJECTED, "REVERSED": Outcome.REJECTED, "CANCELED": Outcome.REJECTED,
    "DENIED": Outcome.REJECTED,
}
BATCH_FINAL_REJECTED = ("DENIED", "CANCELED")
# PAYMENT.PAYOUTS-ITEM.<event> -> item status it reports
ITEM_EVENTS = {"SUCCEEDED": "SUCCESS", "FAILED": "FAILED", "RETURNED": "RETURNED",
               "BLOCKED": "BLOCKED", "CANCELED": "CANCELED", "DENIED": "DENIED",
               "REFUNDED": "REFUNDED", "REVERSED": "REVERSED"}

register({
    "PAYPAL.TIMEOUT": "PayPal did not answer in time",
    "PAYPAL.UNREACHABLE": "PayPal could not be reached",
    "PAYPAL.VALIDATION": "PayPal refused the request as invalid",
    "PAYPAL.RECEIVER": "PayPal cannot pay this receiver",
    "PAYPAL.INSUFFICIENT_FUNDS": "PayPal balance too low for this payout",
    "PAYPAL.BUSINESS": "PayPal refused the payout for a business rule",
    "PAYPAL.DUPLICATE_BATCH": "sender_batch_id already used and the original cannot be read",
    "PAYPAL.RATE_LIMIT": "PayPal rate limit reached",
    "PAYPAL.SERVER_ERROR": "PayPal had an internal error",
    "PAYPAL.AUTHENTICATION": "PayPal refused the client credentials or token",
    "PAYPAL.PERMISSION": "the PayPal app lacks a permission",
    "PAYPAL.NOT_FOUND": "PayPal object not found",
    "PAYPAL.CONFLICT": "conflicting request",
    "PAYPAL.UNPROCESSABLE": "PayPal could not process the request",
    "PAYPAL.UNEXPECTED": "answer PayPal does not document",
    "PAYPAL.UNSUPPORTED": "instruction outside this link's capabilities",
    "PAYPAL.CREDITOR": "no PayPal receiver in the creditor",
    "PAYPAL.DENIED": "PayPal denied the payout",
    "PAYPAL.ITEM_FAILED": "the payout item did not complete",
    "PAYPAL.CERT": "webhook signing certificate not usable",
    "PAYPAL.WEBHOOK_BODY": "webhook body is not a PayPal event",
})

SETTINGS = frozenset({"base_url", "webhook_id", "verify", "cert_hosts", "webhook_ca_file",
                      "webhook_tolerance", "email_subject", "email_message", "timeout",
                      "connect_timeout", "health_timeout"}
                     ) | secret_keys("client_id", "client_secret")


def error_from(reply: Reply) -> GatewayError:
    """PayPal's error answer (REST `name` or OAuth `error`) as a hub error."""
    data = reply.json()
    data = data if isinstance(data, dict) else {}
    name = str(data.get("name") or data.get("error") or "")
    text = str(data.get("message") or data.get("error_description") or f"HTTP {reply.status}")
    details = data.get("details")
    if isinstance(details, list) and details and isinstance(details[0], dict):
        first = details[0]
        text += f" ({first.get('field', '')}: {first.get('issue', '')})"
    if name in NAMES:
        code, retryable = NAMES[name]
    elif reply.status in BY_STATUS:
        code, retryable = BY_STATUS[reply.status]
    elif reply.status >= 500:
        code, retryable = "PAYPAL.SERVER_ERROR", True
    else:
        code, retryable = "PAYPAL.UNEXPECTED", False
    return GatewayError(f"PayPal {reply.status} {name}: {text}", code=code, retryable=retryable,
                        status=reply.status, retry_after=reply.retry_after,
                        detail={"name": name, "debug_id": str(data.get("debug_id", "")),
                                "details": details if isinstance(details, list) else []})


def signed_message(transmission_id: str, transmission_time: str, webhook_id: str,
                   body: bytes) -> bytes:
    """What PayPal signs: transmission id|time|webhook id|CRC32 of the raw body (decimal)."""
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}".encode()


def _parse_time(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class _Open:
    """A batch sent and not yet final: what poll() asks about and checks the answer against."""

    key: str
    batch_id: str
    money: Money
    receiver: str


class PayPalConnector:
    def __init__(self, name: str, *, spec: ConnectorSpec, channel: HttpChannel, client_id: str,
                 client_secret: str, webhook_id: str | None, verify: str,
                 cert_hosts: tuple[str, ...], trust: list[x509.Certificate],
                 webhook_tolerance: float, email_subject: str, email_message: str | None,
                 health_timeout: float, metrics: GatewayMetrics,
                 clock: Callable[[], float]) -> None:
        self.name = name
        self.spec = spec
        self.webhook_path = f"/v1/webhooks/{name}"
        self._channel = channel
        self._basic = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()
                                                  ).decode()
        self._webhook_id = webhook_id
        self._verify = verify
        self._cert_hosts = cert_hosts
        self._trust = trust
        self._tolerance = webhook_tolerance
        self._email_subject = email_subject
        self._email_message = email_message
        self._health_timeout = health_timeout
        self._metrics = metrics
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._certs: dict[str, x509.Certificate] = {}
        self._open: dict[str, _Open] = {}

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        await self._channel.start()

    async def close(self) -> None:
        await self._channel.close()

    async def health(self) -> Health:
        """Up when PayPal hands us a token (a fresh one, so a revoked secret shows at once)."""
        try:
            await self._fetch_token(timeout=self._health_timeout)
        except GatewayError as exc:
            return Health(up=False, detail=exc.code)
        return Health(up=True, detail=f"{len(self._open)} batches open")

    # --- token -------------------------------------------------------------------------------

    async def _fetch_token(self, timeout: float | None = None) -> str:
        reply = await self._channel.call(
            "POST", "/v1/oauth2/token", call="token", timeout=timeout,
            headers={"Authorization": self._basic, "Accept": "application/json"},
            data={"grant_type": "client_credentials"})
        data = reply.json()
        if reply.status != 200 or not isinstance(data, dict) or "access_token" not in data:
            raise error_from(reply)
        self._token = str(data["access_token"])
        self._token_expires = self._clock() + float(data.get("expires_in", 0))
        return self._token

    async def _bearer(self, *, fresh: bool = False) -> str:
        async with self._token_lock:  # one refresh for many senders
            if fresh or self._token is None or self._clock() > self._token_expires - TOKEN_MARGIN:
                await self._fetch_token()
            assert self._token is not None
            return self._token

    async def _api(self, method: str, path: str, *, call: str, json_body: Any = None,
                   headers: Mapping[str, str] | None = None,
                   message_id: str | None = None) -> Reply:
        """A call with the bearer token; on 401 the token is fetched again, once."""
        token = await self._bearer()
        for attempt in (1, 2):
            reply = await self._channel.call(
                method, path, call=call, json_body=json_body, message_id=message_id,
                headers={**(headers or {}), "Authorization": f"Bearer {token}",
                         "Accept": "application/json"})
            if reply.status != 401 or attempt == 2:
                return reply
            stale = token
            async with self._token_lock:
                if self._token == stale:
                    self._token = None
            token = await self._bearer()
        raise AssertionError("unreachable")

    # --- sending -----------------------------------------------------------------------------

    async def send(self, outbound: Outbound) -> Delivery:
        try:
            delivery = await self._send(outbound)
        except GatewayError as exc:
            self._metrics.outcomes.labels(self.name, exc.code).inc()
            raise
        self._metrics.outcomes.labels(self.name, delivery.outcome.value).inc()
        return delivery

    async def _send(self, outbound: Outbound) -> Delivery:
        money = check_instruction(self.spec, outbound.message, "PAYPAL")
        receiver, kind = _receiver(outbound.message)
        key = outbound.idempotency_key
        header_: dict[str, Any] = {"sender_batch_id": key, "email_subject": self._email_subject,
                                   "recipient_type": kind}
        if self._email_message:
            header_["email_message"] = self._email_message
        item: dict[str, Any] = {
            "recipient_type": kind, "receiver": receiver,
            "amount": {"value": money.text(), "currency": money.currency},
            "sender_item_id": outbound.message_id[:63]}
        if outbound.message.remittance_info:
            item["note"] = outbound.message.remittance_info[:1000]
        reply = await self._api("POST", "/v1/payments/payouts", call="create_payout",
                                json_body={"sender_batch_header": header_, "items": [item]},
                                headers={"PayPal-Request-Id": key},
                                message_id=outbound.message_id)
        if reply.status in (200, 201):
            batch = reply.json()
        elif reply.status == 400 and _duplicate_batch(reply):
            batch = await self._original(reply, outbound.message_id)
        else:
            raise error_from(reply)
        header_out = batch.get("batch_header") if isinstance(batch, dict) else None
        if not isinstance(header_out, dict) or not header_out.get("payout_batch_id"):
            raise integrity_error("no batch_header.payout_batch_id in the answer")
        sent_header = header_out.get("sender_batch_header") or {}
        if sent_header.get("sender_batch_id") != key:
            raise integrity_error("sender_batch_id is not this instruction's key")
        amount = header_out.get("amount")
        if isinstance(amount, dict) and not _same_money(amount, money):
            raise integrity_error(f"batch amount {amount} instead of {money}")
        batch_id = str(header_out["payout_batch_id"])
        status = str(header_out.get("batch_status", ""))
        if status in BATCH_FINAL_REJECTED:
            raise GatewayError(f"PayPal batch {batch_id} {status}", code="PAYPAL.DENIED",
                               retryable=False)
        self._open[key] = _Open(key, batch_id, money, receiver)
        # Even a SUCCESS batch may hold an item that failed: the item's state comes from poll().
        return Delivery(outcome=Outcome.SENT, reference=batch_id,
                        detail={"batch_status": status, "recipient_type": kind})

    async def _original(self, reply: Reply, message_id: str) -> Any:
        """The batch a duplicate sender_batch_id refers to, read from PayPal (never a new one)."""
        data = reply.json()
        for link in data.get("links", []) if isinstance(data, dict) else []:
            path = urlsplit(str(link.get("href", ""))).path if isinstance(link, dict) else ""
            if path.startswith("/v1/payments/payouts/"):
                # Only the path is followed, on our own API host.
                found = await self._api("GET", path, call="get_payout", message_id=message_id)
                if found.status == 200:
                    return found.json()
                raise error_from(found)
        raise GatewayError("sender_batch_id already used and PayPal named no original batch",
                           code="PAYPAL.DUPLICATE_BATCH", retryable=False)

    # --- what comes back ---------------------------------------------------------------------

    def resume(self, key: str, batch_id: str, message: Message) -> None:
        """Follow a batch sent before a restart or by another hub process: the hub hands over
        what its journal holds as sent on this link and not final (`Journal.open_sends`). The
        amount and receiver a poll checks the batch against come from the message, as on send."""
        if key in self._open:
            return
        try:
            money = check_instruction(self.spec, message, "PAYPAL")
            receiver, _ = _receiver(message)
        except GatewayError as exc:  # it could not have been sent: nothing to follow
            log.error("cannot follow a PayPal batch", extra={
                "action": "gateway.resume_failed", "connector": self.name, "key": key,
                "reference": batch_id, "code": exc.code})
            return
        self._open[key] = _Open(key, batch_id, money, receiver)

    async def poll(self) -> list[StatusUpdate]:
        updates: list[StatusUpdate] = []
        for item in list(self._open.values()):
            try:
                reply = await self._api("GET", f"/v1/payments/payouts/{item.batch_id}",
                                        call="get_payout")
            except GatewayError:
                continue  # asked again next round
            batch = reply.json()
            if reply.status != 200 or not isinstance(batch, dict):
                continue
            update = self._batch_update(item, batch)
            if update is not None:
                updates.append(update)
                self._open.pop(item.key, None)
        return updates

    def _batch_update(self, item: _Open, batch: Mapping[str, Any]) -> StatusUpdate | None:
        head = batch.get("batch_header") or {}
        status = str(head.get("batch_status", ""))
        if status in BATCH_FINAL_REJECTED:
            return StatusUpdate(key=item.key, reference=item.batch_id, outcome=Outcome.REJECTED,
                                reason_code="PAYPAL.DENIED", reason=f"batch {status}",
                                detail={"batch_status": status})
        items = batch.get("items") or []
        if len(items) != 1 or not isinstance(items[0], dict):
            return None
        entry = items[0]
        sent = entry.get("payout_item") or {}
        if not _same_money(sent.get("amount") or {}, item.money) or \
                sent.get("receiver") != item.receiver:
            # Fail closed: never report a batch paying something else as done.
            self._metrics.outcomes.labels(self.name, "LINK.INTEGRITY").inc()
            log.error("PayPal batch does not match the instruction", extra={
                "action": "gateway.integrity", "connector": self.name, "key": item.key,
                "reference": item.batch_id})
            self._open.pop(item.key, None)
            return None
        return _item_update(entry, key=item.key, batch_id=item.batch_id)

    async def webhook(self, body: bytes, headers: Mapping[str, str]) -> list[StatusUpdate]:
        try:
            if self._verify == "api":
                await self._verify_by_api(body, headers)
            else:
                await self._verify_by_cert(body, headers)
        except ConnectorError as exc:
            self._metrics.webhooks.labels(self.name, exc.code).inc()
            raise
        try:
            event = orjson.loads(body)
            kind = str(event["event_type"])
            resource = event["resource"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            self._metrics.webhooks.labels(self.name, "bad_body").inc()
            raise ConnectorError("signed webhook body is not a PayPal event",
                                 code="PAYPAL.WEBHOOK_BODY", retryable=False) from None
        update = _event_update(kind, resource) if isinstance(resource, dict) else None
        self._metrics.webhooks.labels(self.name, "update" if update else "ignored").inc()
        if update is None:
            return []
        for key, item in list(self._open.items()):
            if item.batch_id == update.reference:
                self._open.pop(key, None)
                update = StatusUpdate(key=key, reference=update.reference,
                                      outcome=update.outcome, reason_code=update.reason_code,
                                      reason=update.reason, detail=update.detail)
        return [update]

    def _transmission(self, body: bytes, headers: Mapping[str, str]) -> dict[str, str]:
        """The signature headers, checked for presence, algorithm and age."""
        names = {"transmission_id": "PAYPAL-TRANSMISSION-ID",
                 "transmission_time": "PAYPAL-TRANSMISSION-TIME",
                 "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
                 "cert_url": "PAYPAL-CERT-URL", "auth_algo": "PAYPAL-AUTH-ALGO"}
        found = {key: header(headers, name) for key, name in names.items()}
        missing = [names[k] for k, v in found.items() if not v]
        if missing:
            raise ConnectorError(f"webhook lacks {', '.join(missing)}", code="LINK.SIGNATURE",
                                 retryable=False)
        if self._webhook_id is None:
            raise ConnectorError(f"{self.name}: no webhook_id configured", code="LINK.SIGNATURE",
                                 retryable=False)
        values = {k: str(v) for k, v in found.items()}
        if values["auth_algo"] != "SHA256withRSA":
            raise ConnectorError(f"signature algorithm {values['auth_algo']!r} not accepted",
                                 code="LINK.SIGNATURE", retryable=False)
        sent = _parse_time(values["transmission_time"])
        if sent is None:
            raise ConnectorError("PAYPAL-TRANSMISSION-TIME is not an ISO 8601 time",
                                 code="LINK.SIGNATURE", retryable=False)
        skew = self._clock() - sent.timestamp()
        if abs(skew) > self._tolerance:
            raise ConnectorError(f"webhook transmitted {int(skew)} s off, outside the "
                                 f"{int(self._tolerance)} s tolerance", code="LINK.SIGNATURE",
                                 retryable=False)
        return values

    async def _verify_by_cert(self, body: bytes, headers: Mapping[str, str]) -> None:
        t = self._transmission(body, headers)
        cert = await self._cert(t["cert_url"])
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise ConnectorError("signing certificate does not hold an RSA key",
                                 code="PAYPAL.CERT", retryable=False)
        try:
            signature = base64.b64decode(t["transmission_sig"], validate=True)
            assert self._webhook_id is not None
            key.verify(signature, signed_message(t["transmission_id"], t["transmission_time"],
                                                 self._webhook_id, body),
                       padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            raise ConnectorError("PAYPAL-TRANSMISSION-SIG does not match the body",
                                 code="LINK.SIGNATURE", retryable=False) from None

    async def _cert(self, url: str) -> x509.Certificate:
        """The signing certificate, fetched only from an allow-listed PayPal host."""
        if url in self._certs:
            cert = self._certs[url]
        else:
            parts = urlsplit(url)
            host = parts.hostname or ""
            secure = parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host))
            if not secure or host not in self._cert_hosts or parts.username or parts.password:
                raise ConnectorError(f"certificate URL host {host!r} is not allow-listed",
                                     code="LINK.SIGNATURE", retryable=False)
            reply = await self._channel.call("GET", url, call="get_cert")
            if reply.status != 200:
                # PayPal may be briefly unavailable: PayPal redelivers webhooks that fail.
                raise ConnectorError(f"certificate fetch answered {reply.status}",
                                     code="PAYPAL.CERT", retryable=True)
            try:
                chain = x509.load_pem_x509_certificates(reply.body)
            except ValueError:
                raise ConnectorError("certificate URL did not return PEM certificates",
                                     code="PAYPAL.CERT", retryable=False) from None
            self._check_chain(chain)
            cert = chain[0]
            if len(self._certs) > 16:
                self._certs.clear()
            self._certs[url] = cert
        now = datetime.fromtimestamp(self._clock(), UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise ConnectorError("signing certificate is outside its validity period",
                                 code="PAYPAL.CERT", retryable=False)
        return cert

    def _check_chain(self, chain: list[x509.Certificate]) -> None:
        """With webhook_ca_file set: each certificate issued by the next, the last by a CA."""
        if not self._trust:
            return
        try:
            for child, parent in itertools.pairwise(chain):
                child.verify_directly_issued_by(parent)
            last = chain[-1]
            for anchor in self._trust:
                if last == anchor:
                    return
                try:
                    last.verify_directly_issued_by(anchor)
                    return
                except (ValueError, TypeError, InvalidSignature):
                    continue
        except (ValueError, TypeError, InvalidSignature):
            pass
        raise ConnectorError("signing certificate does not chain to a trusted CA",
                             code="PAYPAL.CERT", retryable=False)

    async def _verify_by_api(self, body: bytes, headers: Mapping[str, str]) -> None:
        t = self._transmission(body, headers)
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ConnectorError("webhook body is not JSON", code="PAYPAL.WEBHOOK_BODY",
                                 retryable=False) from None
        reply = await self._api("POST", "/v1/notifications/verify-webhook-signature",
                                call="verify_webhook",
                                json_body={**t, "webhook_id": self._webhook_id,
                                           "webhook_event": event})
        data = reply.json()
        if reply.status != 200 or not isinstance(data, dict):
            err = error_from(reply)
            raise ConnectorError(f"could not verify the webhook: {err.message}", code=err.code,
                                 retryable=err.retryable)
        if data.get("verification_status") != "SUCCESS":
            raise ConnectorError("PayPal says the webhook signature is not valid",
                                 code="LINK.SIGNATURE", retryable=False)


def _receiver(msg: Message) -> tuple[str, str]:
    """The PayPal receiver and its type: creditor.account, or the creditor's identifier."""
    creditor = msg.creditor
    value = (creditor.account or creditor.identifier) if creditor else None
    if not value:
        raise GatewayError("creditor has no account, e-mail, phone or PayPal id",
                           code="PAYPAL.CREDITOR", retryable=False)
    scheme = (creditor.identifier_scheme or "").upper() if creditor else ""
    if scheme in RECIPIENT_TYPES and value == (creditor.identifier if creditor else None):
        return value, scheme
    if "@" in value:
        return value, "EMAIL"
    if value.lstrip("+").isdigit():
        return value, "PHONE"
    return value, "PAYPAL_ID"


def _same_money(amount: Mapping[str, Any], money: Money) -> bool:
    try:
        return (amount.get("currency") == money.currency and
                Decimal(str(amount.get("value"))) == money.value)
    except ArithmeticError:
        return False


def _duplicate_batch(reply: Reply) -> bool:
    data = reply.json()
    if not isinstance(data, dict) or data.get("name") != "USER_BUSINESS_ERROR":
        return False
    details = data.get("details") or []
    return any(isinstance(d, dict) and str(d.get("field", "")).upper() == "SENDER_BATCH_ID"
               for d in details)


def _item_update(entry: Mapping[str, Any], *, key: str | None,
                 batch_id: str | None) -> StatusUpdate | None:
    status = str(entry.get("transaction_status", ""))
    outcome = ITEM_FINAL.get(status)
    if outcome is None:
        return None
    errors = entry.get("errors") if isinstance(entry.get("errors"), dict) else {}
    assert isinstance(errors, dict)
    reason_code = None if outcome is Outcome.COMPLETED else "PAYPAL.ITEM_FAILED"
    reason = None
    if outcome is Outcome.REJECTED:
        reason = f"{status}: {errors.get('name', '')} {errors.get('message', '')}".strip(": ")
    return StatusUpdate(key=key, reference=batch_id or str(entry.get("payout_batch_id", "")),
                        outcome=outcome, reason_code=reason_code, reason=reason,
                        detail={"transaction_status": status,
                                "payout_item_id": str(entry.get("payout_item_id", "")),
                                "transaction_id": str(entry.get("transaction_id", ""))})


def _event_update(kind: str, resource: Mapping[str, Any]) -> StatusUpdate | None:
    """PAYMENT.PAYOUTS-ITEM.* and PAYMENT.PAYOUTSBATCH.DENIED as status updates."""
    if kind.startswith("PAYMENT.PAYOUTS-ITEM."):
        status = ITEM_EVENTS.get(kind.rpartition(".")[2])
        if status is None:
            return None  # UNCLAIMED, HELD: not final
        entry = {**resource, "transaction_status": status}
        key = resource.get("sender_batch_id")
        return _item_update(entry, key=str(key) if key else None,
                            batch_id=str(resource.get("payout_batch_id", "")) or None)
    if kind == "PAYMENT.PAYOUTSBATCH.DENIED":
        head = resource.get("batch_header") or {}
        sender = head.get("sender_batch_header") or {}
        return StatusUpdate(key=sender.get("sender_batch_id"),
                            reference=str(head.get("payout_batch_id", "")),
                            outcome=Outcome.REJECTED, reason_code="PAYPAL.DENIED",
                            reason="batch DENIED")
    return None


def build(name: str, settings: Mapping[str, Any], *, registry: CollectorRegistry | None = None,
          session: aiohttp.ClientSession | None = None,
          clock: Callable[[], float] = time.time, **_: Any) -> PayPalConnector:
    """A PayPal connector from its settings table (documented in docs/gateways.md)."""
    where = f"connectors.{name}"
    check_keys(settings, SETTINGS, where)
    client_id = secrets.read(settings, "client_id", where=where)
    client_secret = secrets.read(settings, "client_secret", where=where)
    assert client_id is not None and client_secret is not None
    verify = str(settings.get("verify", "cert"))
    if verify not in ("cert", "api"):
        raise ConfigError(f"{where}.verify: \"cert\" or \"api\"", code="CONFIG.TYPE",
                          location=f"{where}.verify")
    trust: list[x509.Certificate] = []
    if (ca_file := settings.get("webhook_ca_file")) is not None:
        try:
            with open(str(ca_file), "rb") as handle:
                trust = x509.load_pem_x509_certificates(handle.read())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{where}.webhook_ca_file: cannot read certificates ({exc})",
                              code="CONFIG.INVALID", location=f"{where}.webhook_ca_file"
                              ) from None
    metrics = GatewayMetrics.for_registry(registry)
    channel = HttpChannel(name=name, prefix="PAYPAL", base_url=str(settings.get("base_url", API)),
                          timeout=number(settings, "timeout", 30.0, where),
                          connect_timeout=number(settings, "connect_timeout", 5.0, where),
                          metrics=metrics, session=session)
    # PayPal's published payout fee is 2% of the item, capped per currency; an operator
    # overrides these with the account's own contract.
    spec = read_spec(settings, where, rails=("paypal",),
                     currencies=("AUD", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF",
                                 "ILS", "JPY", "MXN", "NOK", "NZD", "PHP", "PLN", "SEK", "SGD",
                                 "THB", "USD"),
                     settlement_seconds=1800, fixed_fee=Decimal(0), bps_fee=Decimal(200))
    webhook_id = settings.get("webhook_id")
    return PayPalConnector(
        name, spec=spec, channel=channel, client_id=client_id.reveal(),
        client_secret=client_secret.reveal(),
        webhook_id=str(webhook_id) if webhook_id is not None else None, verify=verify,
        cert_hosts=strings(settings, "cert_hosts", CERT_HOSTS, where), trust=trust,
        webhook_tolerance=number(settings, "webhook_tolerance", 300.0, where),
        email_subject=str(settings.get("email_subject", "You have a payment")),
        email_message=settings.get("email_message"),
        health_timeout=number(settings, "health_timeout", 5.0, where),
        metrics=metrics, clock=clock)
