"""Stripe: payouts, Connect transfers or PaymentIntents over Stripe's REST API (no SDK).

One outbound instruction is one Stripe object, created with a form-encoded POST that carries the
instruction's idempotency key as `Idempotency-Key` and in `metadata[hub_key]`, so a retry after a
timeout or a crash returns the object already made instead of paying twice. Stripe's errors
(type, code, decline_code, HTTP status) are mapped to hub codes through the tables below, each
retryable or final. Events come back on the webhook, signed with `Stripe-Signature`
(`t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`), and move the message to its final state;
`poll()` asks Stripe directly about objects still open, for when a webhook was lost.

Reference: docs.stripe.com/api (payouts, transfers, payment_intents, errors, idempotent
requests), docs.stripe.com/declines/codes, docs.stripe.com/webhooks#verify-manually,
docs.stripe.com/currencies#special-cases.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aiohttp
import orjson
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
)
from hub.errors import ConfigError, ConnectorError, register
from hub.model import Message, Money

API = "https://api.stripe.com"
MODES = ("payout", "transfer", "payment_intent")

# mode -> (endpoint, Stripe object name, id prefix)
OBJECTS: dict[str, tuple[str, str, str]] = {
    "payout": ("/v1/payouts", "payout", "po_"),
    "transfer": ("/v1/transfers", "transfer", "tr_"),
    "payment_intent": ("/v1/payment_intents", "payment_intent", "pi_"),
}

# Stripe's card decline codes (docs.stripe.com/declines/codes): retryable, title. Only the
# issuer's "try again" answers are retryable; every other decline is final.
DECLINES: dict[str, tuple[bool, str]] = {
    "approve_with_id": (True, "issuer could not authorise, try again"),
    "issuer_not_available": (True, "card issuer unreachable"),
    "processing_error": (True, "error while processing the card"),
    "reenter_transaction": (True, "issuer asks to try again"),
    "try_again_later": (True, "issuer asks to try again later"),
    "authentication_required": (False, "card requires customer authentication"),
    "call_issuer": (False, "declined, customer must call the issuer"),
    "card_not_supported": (False, "card does not support this payment"),
    "card_velocity_exceeded": (False, "card balance or credit limit exceeded"),
    "currency_not_supported": (False, "card does not support the currency"),
    "do_not_honor": (False, "declined by the issuer"),
    "do_not_try_again": (False, "declined, do not try again"),
    "duplicate_transaction": (False, "identical payment submitted very recently"),
    "expired_card": (False, "card expired"),
    "fraudulent": (False, "declined as suspected fraud"),
    "generic_decline": (False, "declined for an unknown reason"),
    "incorrect_cvc": (False, "CVC incorrect"),
    "incorrect_number": (False, "card number incorrect"),
    "insufficient_funds": (False, "insufficient funds"),
    "invalid_account": (False, "card or account invalid"),
    "invalid_amount": (False, "amount invalid or too large for the card"),
    "lost_card": (False, "card reported lost"),
    "merchant_blacklist": (False, "declined by the merchant's block list"),
    "new_account_information_available": (False, "card or account details changed"),
    "not_permitted": (False, "payment not permitted"),
    "pickup_card": (False, "card cannot be used"),
    "restricted_card": (False, "card restricted"),
    "revocation_of_authorization": (False, "customer revoked the authorisation"),
    "security_violation": (False, "declined for security reasons"),
    "service_not_allowed": (False, "card does not allow this service"),
    "stolen_card": (False, "card reported stolen"),
    "stop_payment_order": (False, "customer stopped this payment"),
    "testmode_decline": (False, "test card used in live mode"),
    "transaction_not_allowed": (False, "card does not allow this transaction"),
    "withdrawal_count_limit_exceeded": (False, "card's withdrawal limit exceeded"),
}

# Stripe error `code`s with their own meaning for us: hub code, retryable.
ERROR_CODES: dict[str, tuple[str, bool]] = {
    "rate_limit": ("STRIPE.RATE_LIMIT", True),
    "lock_timeout": ("STRIPE.LOCK_TIMEOUT", True),
    "idempotency_key_in_use": ("STRIPE.IDEMPOTENCY_IN_USE", True),
    # Money may arrive in the balance later: retry, then dead-letter, never reject outright.
    "balance_insufficient": ("STRIPE.BALANCE_INSUFFICIENT", True),
    "insufficient_funds": ("STRIPE.BALANCE_INSUFFICIENT", True),
    "amount_too_large": ("STRIPE.AMOUNT", False),
    "amount_too_small": ("STRIPE.AMOUNT", False),
    "invalid_charge_amount_no_decimal_compatible": ("STRIPE.AMOUNT", False),
    "resource_missing": ("STRIPE.RESOURCE_MISSING", False),
    "account_invalid": ("STRIPE.DESTINATION", False),
    "payouts_not_allowed": ("STRIPE.NOT_ALLOWED", False),
    "transfers_not_allowed": ("STRIPE.NOT_ALLOWED", False),
    "card_declined": ("STRIPE.CARD_DECLINED", False),
    "expired_card": ("STRIPE.CARD_DECLINED", False),
    "payment_intent_authentication_failure": ("STRIPE.AUTHENTICATION_REQUIRED", False),
}

# By HTTP status when no code above applies (docs.stripe.com/api/errors): hub code, retryable.
# 401/403 are the hub's own key or permission problem, not the payment's: retried (and so
# dead-lettered if never fixed), never reported as a rejection to the originator.
BY_STATUS: dict[int, tuple[str, bool]] = {
    400: ("STRIPE.INVALID_REQUEST", False),
    401: ("STRIPE.AUTHENTICATION", True),
    402: ("STRIPE.CARD_DECLINED", False),
    403: ("STRIPE.PERMISSION", True),
    404: ("STRIPE.RESOURCE_MISSING", False),
    409: ("STRIPE.CONFLICT", True),
    429: ("STRIPE.RATE_LIMIT", True),
}

# Stripe-specific amount rules (docs.stripe.com/currencies#special-cases): ISK stays a
# two-decimal currency in Stripe's API although ISO 4217 gives it none; payouts in HUF and TWD
# must be whole units; three-decimal currencies must end in 0.
STRIPE_DECIMALS = {"ISK": 2}
WHOLE_UNITS = {"ISK": ("payout", "transfer", "payment_intent"), "HUF": ("payout",),
               "TWD": ("payout",)}
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

register({
    "STRIPE.TIMEOUT": "Stripe did not answer in time",
    "STRIPE.UNREACHABLE": "Stripe could not be reached",
    "STRIPE.API_ERROR": "Stripe had an internal error",
    "STRIPE.RATE_LIMIT": "Stripe rate limit reached",
    "STRIPE.LOCK_TIMEOUT": "Stripe object locked by another request",
    "STRIPE.IDEMPOTENCY_IN_USE": "the same idempotency key is in flight",
    "STRIPE.IDEMPOTENCY": "idempotency key reused with different parameters",
    "STRIPE.BALANCE_INSUFFICIENT": "Stripe balance too low for this payout or transfer",
    "STRIPE.AMOUNT": "amount not allowed by Stripe",
    "STRIPE.RESOURCE_MISSING": "Stripe object not found",
    "STRIPE.DESTINATION": "destination account invalid",
    "STRIPE.NOT_ALLOWED": "payouts or transfers not enabled on the account",
    "STRIPE.CARD_DECLINED": "card declined",
    "STRIPE.AUTHENTICATION_REQUIRED": "payment needs the customer's authentication",
    "STRIPE.INVALID_REQUEST": "Stripe refused the request as invalid",
    "STRIPE.AUTHENTICATION": "Stripe refused the API key",
    "STRIPE.PERMISSION": "the API key lacks a permission",
    "STRIPE.CONFLICT": "conflicting request",
    "STRIPE.UNEXPECTED": "answer Stripe does not document",
    "STRIPE.UNSUPPORTED": "instruction outside this link's capabilities",
    "STRIPE.CREDITOR": "creditor or debtor account not usable with this mode",
    "STRIPE.FAILED": "Stripe reports the payment failed",
    "STRIPE.CANCELED": "the payment was canceled at Stripe",
    "STRIPE.WEBHOOK_BODY": "webhook body is not a Stripe event",
    **{f"STRIPE.DECLINE.{code.upper()}": title for code, (_, title) in DECLINES.items()},
})

SETTINGS = frozenset({"base_url", "mode", "api_version", "account", "timeout",
                      "connect_timeout", "webhook_tolerance", "health_timeout"}
                     ) | secret_keys("api_key", "webhook_secret")


def stripe_amount(money: Money, mode: str) -> int:
    """The amount in Stripe's smallest unit, or a final error when Stripe cannot carry it."""
    minor = money.minor
    extra = STRIPE_DECIMALS.get(money.currency, 0)
    amount = minor * 10 ** extra if extra else minor
    if mode in WHOLE_UNITS.get(money.currency, ()) and money.value != money.value.to_integral():
        raise GatewayError(f"Stripe takes {money.currency} in whole units only here",
                           code="STRIPE.AMOUNT", retryable=False)
    if money.currency in THREE_DECIMAL and amount % 10:
        raise GatewayError(f"Stripe needs {money.currency} amounts rounded to 0.010",
                           code="STRIPE.AMOUNT", retryable=False)
    return amount


def verify_signature(body: bytes, signature: str | None, secret: str, *, now: float,
                     tolerance: float) -> int:
    """Check a Stripe-Signature header; returns its timestamp or raises LINK.SIGNATURE."""
    if not signature:
        raise ConnectorError("Stripe-Signature header missing", code="LINK.SIGNATURE",
                             retryable=False)
    stamp: int | None = None
    candidates: list[str] = []
    for item in signature.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            stamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if stamp is None or not candidates:
        raise ConnectorError("Stripe-Signature has no timestamp or no v1 signature",
                             code="LINK.SIGNATURE", retryable=False)
    expected = hmac.new(secret.encode(), b"%d." % stamp + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise ConnectorError("Stripe-Signature does not match the body", code="LINK.SIGNATURE",
                             retryable=False)
    if abs(now - stamp) > tolerance:
        raise ConnectorError(f"Stripe-Signature timestamp is {int(now - stamp)} s off, outside "
                             f"the {int(tolerance)} s tolerance", code="LINK.SIGNATURE",
                             retryable=False)
    return stamp


def sign(body: bytes, secret: str, stamp: int) -> str:
    """A Stripe-Signature header value for `body` (what Stripe sends; used by tests and bench)."""
    digest = hmac.new(secret.encode(), b"%d." % stamp + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def error_from(reply: Reply) -> GatewayError:
    """Stripe's error answer as a hub error: retryable or final, with Stripe's words."""
    data = reply.json()
    err = data.get("error") if isinstance(data, dict) else None
    err = err if isinstance(err, dict) else {}
    kind = str(err.get("type") or "")
    code = str(err.get("code") or "")
    decline = str(err.get("decline_code") or "")
    text = str(err.get("message") or f"HTTP {reply.status}")
    if decline and decline in DECLINES:
        retryable, _ = DECLINES[decline]
        hub_code = f"STRIPE.DECLINE.{decline.upper()}"
    elif kind == "idempotency_error":
        hub_code, retryable = "STRIPE.IDEMPOTENCY", False
    elif code in ERROR_CODES:
        hub_code, retryable = ERROR_CODES[code]
    elif reply.status in BY_STATUS:
        hub_code, retryable = BY_STATUS[reply.status]
    elif reply.status >= 500:
        hub_code, retryable = "STRIPE.API_ERROR", True
    else:
        hub_code, retryable = "STRIPE.UNEXPECTED", reply.status >= 500
    # Stripe says when a retry is safe and useful; a "true" widens, never narrows, since a retry
    # under the same Idempotency-Key cannot pay twice.
    if header(reply.headers, "Stripe-Should-Retry") == "true":
        retryable = True
    parts = [p for p in (kind, code, decline) if p]
    return GatewayError(f"Stripe {reply.status} {'/'.join(parts)}: {text}", code=hub_code,
                        retryable=retryable, status=reply.status, retry_after=reply.retry_after,
                        detail={"type": kind, "code": code, "decline_code": decline,
                                "request_id": header(reply.headers, "Request-Id") or ""})


@dataclass(frozen=True, slots=True)
class _Open:
    """An object sent and not yet final, for poll()."""

    key: str
    mode: str
    reference: str


class StripeConnector:
    """A Stripe account as a link: one mode (payout, transfer or payment_intent) per connector."""

    def __init__(self, name: str, *, spec: ConnectorSpec, channel: HttpChannel, api_key: str,
                 webhook_secret: str | None, mode: str, api_version: str | None,
                 account: str | None, webhook_tolerance: float, health_timeout: float,
                 metrics: GatewayMetrics, clock: Callable[[], float]) -> None:
        self.name = name
        self.spec = spec
        self.mode = mode
        self.webhook_path = f"/v1/webhooks/{name}"
        self._channel = channel
        self._auth = {"Authorization": f"Bearer {api_key}"}
        if api_version:
            self._auth["Stripe-Version"] = api_version
        if account:
            self._auth["Stripe-Account"] = account
        self._webhook_secret = webhook_secret
        self._tolerance = webhook_tolerance
        self._health_timeout = health_timeout
        self._metrics = metrics
        self._clock = clock
        self._open: dict[str, _Open] = {}

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        await self._channel.start()

    async def close(self) -> None:
        await self._channel.close()

    async def health(self) -> Health:
        try:
            reply = await self._channel.call("GET", "/v1/balance", call="balance",
                                             headers=self._auth, timeout=self._health_timeout)
        except GatewayError as exc:
            return Health(up=False, detail=exc.code)
        if reply.status == 200:
            return Health(up=True, detail=f"{self.mode}; {len(self._open)} open")
        return Health(up=False, detail=error_from(reply).code)

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
        money = check_instruction(self.spec, outbound.message, "STRIPE")
        amount = stripe_amount(money, self.mode)
        form = self._form(outbound, money, amount)
        path, obj_name, _ = OBJECTS[self.mode]
        headers = {**self._auth, "Idempotency-Key": outbound.idempotency_key}
        reply = await self._channel.call("POST", path, call=f"create_{obj_name}",
                                         headers=headers, data=form,
                                         message_id=outbound.message_id)
        if reply.status != 200:
            raise error_from(reply)
        obj = reply.json()
        if not isinstance(obj, dict):
            raise integrity_error("the answer is not a JSON object")
        self._check(obj, outbound, money, amount, form)
        reference = str(obj["id"])
        outcome, failure = self._outcome(obj)
        if failure is not None:
            raise failure
        if outcome is Outcome.SENT:
            self._open[outbound.idempotency_key] = _Open(outbound.idempotency_key, self.mode,
                                                         reference)
        detail: dict[str, Any] = {"object": obj_name, "status": str(obj.get("status", ""))}
        if header(reply.headers, "Idempotent-Replayed") == "true":
            detail["replayed"] = True
        return Delivery(outcome=outcome, reference=reference, detail=detail)

    def _form(self, outbound: Outbound, money: Money, amount: int) -> list[tuple[str, str]]:
        msg = outbound.message
        form = [("amount", str(amount)), ("currency", money.currency.lower()),
                ("metadata[hub_key]", outbound.idempotency_key),
                ("metadata[hub_message_id]", outbound.message_id)]
        if msg.uetr is not None:
            form.append(("metadata[uetr]", str(msg.uetr)))
        if msg.remittance_info:
            form.append(("metadata[remittance_info]", msg.remittance_info[:500]))
        creditor = msg.creditor.account if msg.creditor else None
        if self.mode == "payout":
            form.append(("description", _description(msg)))
            if creditor and creditor.startswith(("ba_", "card_")):
                form.append(("destination", creditor))
        elif self.mode == "transfer":
            if not creditor or not creditor.startswith("acct_"):
                raise GatewayError("a transfer needs creditor.account = a connected account "
                                   "id (acct_...)", code="STRIPE.CREDITOR", retryable=False)
            form += [("destination", creditor), ("description", _description(msg))]
            if msg.end_to_end_id:
                form.append(("transfer_group", msg.end_to_end_id))
        else:
            debtor = msg.debtor.account if msg.debtor else None
            if not debtor or not debtor.startswith(("pm_", "card_", "src_")):
                raise GatewayError("a payment intent needs debtor.account = a saved payment "
                                   "method (pm_...)", code="STRIPE.CREDITOR", retryable=False)
            form += [("payment_method", debtor), ("confirm", "true"), ("off_session", "true")]
            customer = msg.debtor.identifier if msg.debtor else None
            if customer and customer.startswith("cus_"):
                form.append(("customer", customer))
            if creditor and creditor.startswith("acct_"):
                form.append(("transfer_data[destination]", creditor))
        return form

    def _check(self, obj: Mapping[str, Any], outbound: Outbound, money: Money, amount: int,
               form: list[tuple[str, str]]) -> None:
        _, obj_name, prefix = OBJECTS[self.mode]
        if obj.get("object") != obj_name or not str(obj.get("id", "")).startswith(prefix):
            raise integrity_error(f"expected a {obj_name}, got {obj.get('object')!r}")
        if obj.get("amount") != amount:
            raise integrity_error(f"amount {obj.get('amount')!r} instead of {amount}")
        if str(obj.get("currency", "")).upper() != money.currency:
            raise integrity_error(f"currency {obj.get('currency')!r} instead of "
                                  f"{money.currency}")
        metadata = obj.get("metadata")
        key = metadata.get("hub_key") if isinstance(metadata, dict) else None
        if key != outbound.idempotency_key:
            raise integrity_error("metadata.hub_key is not this instruction's key")
        wanted = dict(form).get("destination")
        if self.mode == "transfer" and obj.get("destination") != wanted:
            raise integrity_error(f"destination {obj.get('destination')!r} instead of {wanted}")

    def _outcome(self, obj: Mapping[str, Any]) -> tuple[Outcome, GatewayError | None]:
        """Where a freshly created (or replayed) object stands."""
        status = str(obj.get("status", ""))
        if self.mode == "transfer":
            # A transfer moves the funds into the connected account's balance when created.
            if obj.get("reversed"):
                return Outcome.REJECTED, GatewayError("transfer already reversed",
                                                      code="STRIPE.CANCELED", retryable=False)
            return Outcome.COMPLETED, None
        if status in ("paid", "succeeded"):
            return Outcome.COMPLETED, None
        if status in ("failed", "canceled"):
            code = "STRIPE.FAILED" if status == "failed" else "STRIPE.CANCELED"
            why = obj.get("failure_code") or obj.get("cancellation_reason") or status
            return Outcome.REJECTED, GatewayError(f"Stripe {obj.get('object')} {status}: {why}",
                                                  code=code, retryable=False)
        if status in ("requires_action", "requires_payment_method"):
            return Outcome.REJECTED, GatewayError(
                f"payment intent {status}: it needs the customer, off-session it cannot go on",
                code="STRIPE.AUTHENTICATION_REQUIRED", retryable=False)
        return Outcome.SENT, None  # pending, in_transit, processing, requires_capture

    # --- what comes back ---------------------------------------------------------------------

    def resume(self, key: str, reference: str, message: Message) -> None:
        """Follow an object sent before a restart or by another hub process: the hub hands over
        what its journal holds as sent on this link and not final (`Journal.open_sends`)."""
        if key not in self._open:
            self._open[key] = _Open(key, self.mode, reference)

    async def poll(self) -> list[StatusUpdate]:
        """Ask Stripe about every object still open; final ones are reported and forgotten."""
        updates: list[StatusUpdate] = []
        path, obj_name, _ = OBJECTS[self.mode]
        for item in list(self._open.values()):
            try:
                reply = await self._channel.call("GET", f"{path}/{item.reference}",
                                                 call=f"get_{obj_name}", headers=self._auth)
            except GatewayError:
                continue  # asked again next round
            obj = reply.json()
            if reply.status != 200 or not isinstance(obj, dict):
                continue
            update = _update_from(obj_name, obj, key=item.key)
            if update is not None:
                updates.append(update)
                self._open.pop(item.key, None)
        return updates

    async def webhook(self, body: bytes, headers: Mapping[str, str]) -> list[StatusUpdate]:
        if self._webhook_secret is None:
            raise ConnectorError(f"{self.name}: no webhook_secret configured",
                                 code="LINK.SIGNATURE", retryable=False)
        try:
            verify_signature(body, header(headers, "Stripe-Signature"), self._webhook_secret,
                             now=self._clock(), tolerance=self._tolerance)
        except ConnectorError:
            self._metrics.webhooks.labels(self.name, "bad_signature").inc()
            raise
        try:
            event = orjson.loads(body)
            kind = str(event["type"])
            obj = event["data"]["object"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            self._metrics.webhooks.labels(self.name, "bad_body").inc()
            raise ConnectorError("signed webhook body is not a Stripe event",
                                 code="STRIPE.WEBHOOK_BODY", retryable=False) from None
        obj_name, _, action = kind.rpartition(".")
        update = None
        if isinstance(obj, dict) and obj_name in ("payout", "transfer", "payment_intent"):
            update = _update_from(obj_name, obj, event_action=action)
        self._metrics.webhooks.labels(self.name, "update" if update else "ignored").inc()
        if update is None:
            return []
        if update.key:
            self._open.pop(update.key, None)
        return [update]


# Events that end a message's life (docs.stripe.com/api/events/types), by object and status.
_FINAL_STATUS: dict[tuple[str, str], tuple[Outcome, str | None]] = {
    ("payout", "paid"): (Outcome.COMPLETED, None),
    ("payout", "failed"): (Outcome.REJECTED, "STRIPE.FAILED"),
    ("payout", "canceled"): (Outcome.REJECTED, "STRIPE.CANCELED"),
    ("payment_intent", "succeeded"): (Outcome.COMPLETED, None),
    ("payment_intent", "canceled"): (Outcome.REJECTED, "STRIPE.CANCELED"),
    ("payment_intent", "payment_failed"): (Outcome.REJECTED, "STRIPE.FAILED"),
    # what a failed confirmation leaves behind, seen by poll()
    ("payment_intent", "requires_payment_method"): (Outcome.REJECTED, "STRIPE.FAILED"),
    ("transfer", "created"): (Outcome.COMPLETED, None),
}


def _update_from(obj_name: str, obj: Mapping[str, Any], *, key: str | None = None,
                 event_action: str | None = None) -> StatusUpdate | None:
    """A StatusUpdate when the object (or the event about it) is final, else None.

    A webhook names what happened in its event type (`payout.paid`); a poll reads the status.
    """
    if obj_name == "transfer":
        if event_action not in (None, "created"):
            return None  # transfer.updated / .reversed: not a state this link reports
        status = "created"
    elif event_action is not None and event_action != "updated":
        status = event_action
    else:  # a poll, or payout.updated / payment_intent.updated: read the status it carries
        status = str(obj.get("status", ""))
    found = _FINAL_STATUS.get((obj_name, status))
    if found is None:
        return None
    outcome, code = found
    metadata = obj.get("metadata")
    if key is None and isinstance(metadata, dict):
        key = metadata.get("hub_key")
    reason = None
    error = obj.get("last_payment_error")
    if isinstance(error, dict):
        decline = error.get("decline_code") or error.get("code")
        if decline in DECLINES:
            code = f"STRIPE.DECLINE.{str(decline).upper()}"
        reason = str(error.get("message") or decline or "")
    elif obj.get("failure_code"):
        reason = f"{obj.get('failure_code')}: {obj.get('failure_message') or ''}".strip(": ")
    return StatusUpdate(key=key, reference=str(obj.get("id")), outcome=outcome,
                        reason_code=code, reason=reason,
                        detail={"object": obj_name, "status": status})


def _description(msg: Message) -> str:
    return (msg.remittance_info or msg.reference or "payment")[:350]


def build(name: str, settings: Mapping[str, Any], *, registry: CollectorRegistry | None = None,
          session: aiohttp.ClientSession | None = None,
          clock: Callable[[], float] = time.time, **_: Any) -> StripeConnector:
    """A Stripe connector from its settings table (documented in docs/gateways.md)."""
    where = f"connectors.{name}"
    check_keys(settings, SETTINGS, where)
    mode = str(settings.get("mode", "payout"))
    if mode not in MODES:
        raise ConfigError(f"{where}.mode: one of {', '.join(MODES)}", code="CONFIG.TYPE",
                          location=f"{where}.mode")
    api_key = secrets.read(settings, "api_key", where=where)
    assert api_key is not None
    webhook_secret = secrets.read(settings, "webhook_secret", where=where, required=False)
    metrics = GatewayMetrics.for_registry(registry)
    channel = HttpChannel(name=name, prefix="STRIPE",
                          base_url=str(settings.get("base_url", API)),
                          timeout=number(settings, "timeout", 30.0, where),
                          connect_timeout=number(settings, "connect_timeout", 5.0, where),
                          metrics=metrics, session=session)
    # Stripe's published standard pricing is per country and product; these are placeholders
    # an operator overrides with the account's own contract.
    spec = read_spec(settings, where, rails=("stripe",), currencies=(),
                     settlement_seconds={"payout": 2 * 86400, "transfer": 0,
                                         "payment_intent": 2 * 86400}[mode],
                     fixed_fee=Decimal("0.25") if mode == "payout" else Decimal(0),
                     bps_fee=Decimal(25) if mode == "payout" else Decimal(0))
    return StripeConnector(
        name, spec=spec, channel=channel, api_key=api_key.reveal(),
        webhook_secret=webhook_secret.reveal() if webhook_secret else None, mode=mode,
        api_version=settings.get("api_version"), account=settings.get("account"),
        webhook_tolerance=number(settings, "webhook_tolerance", 300.0, where),
        health_timeout=number(settings, "health_timeout", 5.0, where),
        metrics=metrics, clock=clock)
