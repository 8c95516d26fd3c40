"""Stripe connector: amounts, signatures, error mapping, and sends against recorded exchanges."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import stripe
from hub.connectors.base import Connector, Outcome
from hub.connectors.http import GatewayError, Reply
from hub.errors import ConfigError, ConnectorError, catalogue
from hub.model import Money
from tests.standins import ReplayServer, load_recording, serve
from tests.unit.gateways.support import DESTINATION, KEY, message, outbound

SECRET = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"


def connector(base_url: str, registry: CollectorRegistry | None = None,
              **settings: Any) -> stripe.StripeConnector:
    table = {"base_url": base_url, "api_key": "sk_test_hub", "webhook_secret": SECRET,
             "mode": "transfer", "timeout": 2, **settings}
    return stripe.build("stripe_eu", table, registry=registry or CollectorRegistry())


@pytest.fixture
async def replay(request: pytest.FixtureRequest) -> AsyncIterator[tuple[ReplayServer, str]]:
    server = ReplayServer.recorded("stripe", request.param)
    async with serve(server.app()) as url:
        yield server, url
    assert server.mismatches == []
    assert server.remaining == 0


# --- amounts ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "currency", "mode", "expected"), [
    ("1250.00", "EUR", "payout", 125000),
    ("1250", "JPY", "payout", 1250),
    ("500", "ISK", "payment_intent", 50000),  # Stripe keeps ISK two-decimal
    ("12.340", "KWD", "transfer", 12340),
    ("1000.00", "HUF", "payout", 100000),
])
def test_stripe_amount(value: str, currency: str, mode: str, expected: int) -> None:
    assert stripe.stripe_amount(Money.parse(value, currency), mode) == expected


@pytest.mark.parametrize(("value", "currency", "mode"), [
    ("12.345", "KWD", "transfer"),  # last digit must be 0
    ("1000.50", "HUF", "payout"),  # HUF payouts in whole forints only
])
def test_stripe_amount_refused(value: str, currency: str, mode: str) -> None:
    with pytest.raises(GatewayError) as err:
        stripe.stripe_amount(Money.parse(value, currency), mode)
    assert err.value.code == "STRIPE.AMOUNT" and not err.value.retryable


# --- signatures -------------------------------------------------------------------------------

BODY = b'{"id":"evt_1","type":"payout.paid"}'


def test_signature_good() -> None:
    now = 1_700_000_000
    assert stripe.verify_signature(BODY, stripe.sign(BODY, SECRET, now), SECRET, now=now + 10,
                                   tolerance=300) == now


def test_signature_any_of_several_v1() -> None:
    now = 1_700_000_000
    good = stripe.sign(BODY, SECRET, now).split(",")[1]
    header = f"t={now},v1={'0' * 64},{good},v0=abc"
    assert stripe.verify_signature(BODY, header, SECRET, now=now, tolerance=300) == now


@pytest.mark.parametrize("header", [
    None, "", "v1=abc", "t=1700000000", "t=notanumber,v1=abc",
    "t=1700000000,v1=" + "0" * 64,
])
def test_signature_malformed_or_wrong(header: str | None) -> None:
    with pytest.raises(ConnectorError) as err:
        stripe.verify_signature(BODY, header, SECRET, now=1_700_000_000, tolerance=300)
    assert err.value.code == "LINK.SIGNATURE" and not err.value.retryable


def test_signature_of_other_body_or_secret() -> None:
    now = 1_700_000_000
    header = stripe.sign(BODY, SECRET, now)
    for body, secret in ((BODY + b" ", SECRET), (BODY, SECRET + "x")):
        with pytest.raises(ConnectorError):
            stripe.verify_signature(body, header, secret, now=now, tolerance=300)


@pytest.mark.parametrize("skew", [301, -301, 86400])
def test_signature_stale(skew: int) -> None:
    now = 1_700_000_000
    with pytest.raises(ConnectorError) as err:
        stripe.verify_signature(BODY, stripe.sign(BODY, SECRET, now), SECRET, now=now + skew,
                                tolerance=300)
    assert err.value.code == "LINK.SIGNATURE" and "tolerance" in err.value.message


# --- error mapping ----------------------------------------------------------------------------

def reply(status: int, error: dict[str, Any] | None, **headers: str) -> Reply:
    body = orjson.dumps({"error": error}) if error is not None else b"<html>bad gateway</html>"
    return Reply(status=status, headers=headers, body=body)


@pytest.mark.parametrize(("status", "error", "headers", "code", "retryable"), [
    (402, {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"},
     {}, "STRIPE.DECLINE.INSUFFICIENT_FUNDS", False),
    (402, {"type": "card_error", "code": "card_declined", "decline_code": "try_again_later"},
     {}, "STRIPE.DECLINE.TRY_AGAIN_LATER", True),
    (402, {"type": "card_error", "code": "card_declined", "decline_code": "brand_new_code"},
     {}, "STRIPE.CARD_DECLINED", False),
    (400, {"type": "idempotency_error"}, {}, "STRIPE.IDEMPOTENCY", False),
    (400, {"type": "invalid_request_error", "code": "parameter_missing"}, {},
     "STRIPE.INVALID_REQUEST", False),
    (400, {"type": "invalid_request_error", "code": "balance_insufficient"}, {},
     "STRIPE.BALANCE_INSUFFICIENT", True),
    (404, {"type": "invalid_request_error", "code": "resource_missing"}, {},
     "STRIPE.RESOURCE_MISSING", False),
    (409, {"type": "invalid_request_error", "code": "idempotency_key_in_use"}, {},
     "STRIPE.IDEMPOTENCY_IN_USE", True),
    (429, {"type": "invalid_request_error", "code": "rate_limit"}, {"Retry-After": "7"},
     "STRIPE.RATE_LIMIT", True),
    (401, {"type": "invalid_request_error"}, {}, "STRIPE.AUTHENTICATION", True),
    (500, {"type": "api_error"}, {}, "STRIPE.API_ERROR", True),
    (503, None, {}, "STRIPE.API_ERROR", True),
    (400, {"type": "invalid_request_error", "code": "parameter_unknown"},
     {"Stripe-Should-Retry": "true"}, "STRIPE.INVALID_REQUEST", True),
])
def test_error_mapping(status: int, error: dict[str, Any] | None, headers: dict[str, str],
                       code: str, retryable: bool) -> None:
    err = stripe.error_from(reply(status, error, **headers))
    assert (err.code, err.retryable, err.status) == (code, retryable, status)
    assert err.code in catalogue()
    if "Retry-After" in headers:
        assert err.retry_after == float(headers["Retry-After"])


# --- settings ---------------------------------------------------------------------------------

def test_build_is_a_connector_with_spec() -> None:
    c = connector("http://127.0.0.1:1", currencies=["EUR", "USD"], max_amount="10000.00",
                  settlement_seconds=3600, fixed_fee="0.10")
    assert isinstance(c, Connector)
    assert c.spec.currencies == ("EUR", "USD")
    assert str(c.spec.max_amount) == "10000.00" and str(c.spec.fixed_fee) == "0.10"
    assert c.spec.settlement_seconds == 3600 and c.webhook_path == "/v1/webhooks/stripe_eu"


@pytest.mark.parametrize(("extra", "code"), [
    ({"mode": "charge"}, "CONFIG.TYPE"),
    ({"api_kee": "x"}, "CONFIG.UNKNOWN_KEY"),
    ({"max_amount": 10.5}, "CONFIG.TYPE"),
    ({"currencies": ["EURO"]}, "CONFIG.TYPE"),
    ({"timeout": -1}, "CONFIG.TYPE"),
])
def test_build_refuses_bad_settings(extra: dict[str, Any], code: str) -> None:
    with pytest.raises(ConfigError) as err:
        connector("http://127.0.0.1:1", **extra)
    assert err.value.code == code


def test_api_key_from_env_and_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_STRIPE_KEY", "sk_test_from_env")
    c = stripe.build("s", {"api_key_env": "HUB_TEST_STRIPE_KEY"}, registry=CollectorRegistry())
    assert c._auth["Authorization"] == "Bearer sk_test_from_env"
    with pytest.raises(ConfigError):
        stripe.build("s", {}, registry=CollectorRegistry())


# --- sends against recorded exchanges ---------------------------------------------------------

@pytest.mark.parametrize("replay", ["transfer_created"], indirect=True)
async def test_transfer_completes(replay: tuple[ReplayServer, str]) -> None:
    registry = CollectorRegistry()
    c = connector(replay[1], registry)
    try:
        delivery = await c.send(outbound(message(creditor=DESTINATION)))
    finally:
        await c.close()
    assert delivery.outcome is Outcome.COMPLETED
    assert delivery.reference == "tr_1Nv0FHQ9RKHgCVdKh5uhXBhE"
    assert registry.get_sample_value("hub_gateway_calls_total", {
        "connector": "stripe_eu", "call": "create_transfer", "result": "200"}) == 1


@pytest.mark.parametrize("replay", ["transfer_idempotent_replay"], indirect=True)
async def test_same_key_twice_is_one_transfer(replay: tuple[ReplayServer, str]) -> None:
    c = connector(replay[1])
    try:
        first = await c.send(outbound(message(creditor=DESTINATION)))
        again = await c.send(outbound(message(creditor=DESTINATION)))
    finally:
        await c.close()
    assert first.reference == again.reference
    assert again.detail.get("replayed") is True and "replayed" not in first.detail
    keys = {s["headers"]["Idempotency-Key"] for s in replay[0].seen}
    assert keys == {KEY}


@pytest.mark.parametrize("replay", ["idempotency_conflict"], indirect=True)
async def test_key_reused_with_other_parameters_is_final(
        replay: tuple[ReplayServer, str]) -> None:
    c = connector(replay[1])
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(outbound(message(creditor=DESTINATION)))
    finally:
        await c.close()
    assert err.value.code == "STRIPE.IDEMPOTENCY" and not err.value.retryable


@pytest.mark.parametrize("replay", ["rate_limited_then_created"], indirect=True)
async def test_rate_limit_then_retry(replay: tuple[ReplayServer, str]) -> None:
    c = connector(replay[1])
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(outbound(message(creditor=DESTINATION)))
        assert err.value.code == "STRIPE.RATE_LIMIT" and err.value.retryable
        assert err.value.retry_after == 2.0
        delivery = await c.send(outbound(message(creditor=DESTINATION)))
    finally:
        await c.close()
    assert delivery.outcome is Outcome.COMPLETED


@pytest.mark.parametrize("replay", ["api_error_then_created"], indirect=True)
async def test_server_error_then_retry(replay: tuple[ReplayServer, str]) -> None:
    c = connector(replay[1])
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(outbound(message(creditor=DESTINATION)))
        assert err.value.code == "STRIPE.API_ERROR" and err.value.retryable
        delivery = await c.send(outbound(message(creditor=DESTINATION)))
    finally:
        await c.close()
    assert delivery.reference == "tr_1Nv0FHQ9RKHgCVdKh5uhXBhE"


@pytest.mark.parametrize("replay", ["card_declined_insufficient_funds"], indirect=True)
async def test_card_decline_is_final(replay: tuple[ReplayServer, str]) -> None:
    c = connector(replay[1], mode="payment_intent")
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(outbound(message(debtor="pm_1Nv0KqQ9RKHgCVdKx0HuS3Z1")))
    finally:
        await c.close()
    assert err.value.code == "STRIPE.DECLINE.INSUFFICIENT_FUNDS" and not err.value.retryable
    assert err.value.detail["decline_code"] == "insufficient_funds"


@pytest.mark.parametrize("replay", ["payout_balance_insufficient"], indirect=True)
async def test_payout_without_balance_is_retried(replay: tuple[ReplayServer, str]) -> None:
    c = connector(replay[1], mode="payout")
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(outbound(message()))
    finally:
        await c.close()
    assert err.value.code == "STRIPE.BALANCE_INSUFFICIENT" and err.value.retryable


def transfer_answer(**changes: Any) -> dict[str, Any]:
    body = load_recording("stripe", "transfer_created")["exchanges"][0]["response"]["body"]
    return {**body, **changes}


def exchange(status: int, body: Any, delay: float = 0) -> dict[str, Any]:
    return {"request": {"method": "POST", "path": "/v1/transfers"},
            "response": {"status": status, "body": body, "delay": delay}}


@pytest.mark.parametrize(("changes", "what"), [
    ({"amount": 125001}, "amount"),
    ({"currency": "usd"}, "currency"),
    ({"metadata": {"hub_key": "someone-else"}}, "hub_key"),
    ({"destination": "acct_other"}, "destination"),
    ({"object": "payout", "id": "po_123"}, "expected a transfer"),
])
async def test_answer_not_matching_fails_closed(changes: dict[str, Any], what: str) -> None:
    server = ReplayServer([exchange(200, transfer_answer(**changes))])
    async with serve(server.app()) as url:
        c = connector(url)
        try:
            with pytest.raises(GatewayError) as err:
                await c.send(outbound(message(creditor=DESTINATION)))
        finally:
            await c.close()
    assert err.value.code == "LINK.INTEGRITY" and not err.value.retryable
    assert what in err.value.message


async def test_timeout_is_retryable() -> None:
    server = ReplayServer([exchange(200, transfer_answer(), delay=1.5)])
    async with serve(server.app()) as url:
        c = connector(url, timeout=0.3)
        try:
            started = time.monotonic()
            with pytest.raises(GatewayError) as err:
                await c.send(outbound(message(creditor=DESTINATION)))
            waited = time.monotonic() - started
        finally:
            await c.close()
    assert err.value.code == "STRIPE.TIMEOUT" and err.value.retryable
    assert waited < 1.2


async def test_unreachable_is_retryable() -> None:
    c = connector("http://127.0.0.1:9")  # discard port: nothing listens
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(outbound(message(creditor=DESTINATION)))
        health = await c.health()
    finally:
        await c.close()
    assert err.value.code == "STRIPE.UNREACHABLE" and err.value.retryable
    assert not health.up and health.detail == "STRIPE.UNREACHABLE"


async def test_bad_gateway_html_is_retryable() -> None:
    server = ReplayServer([exchange(502, "<html>")])
    async with serve(server.app()) as url:
        c = connector(url)
        try:
            with pytest.raises(GatewayError) as err:
                await c.send(outbound(message(creditor=DESTINATION)))
        finally:
            await c.close()
    assert err.value.code == "STRIPE.API_ERROR" and err.value.retryable


async def test_limits_refused_before_any_call() -> None:
    c = connector("http://127.0.0.1:9", currencies=["EUR"], max_amount="1000.00")
    try:
        for msg in (message("1250.00"), message("10.00", "USD"),
                    message("10.00")):  # the last has no acct_ creditor for a transfer
            with pytest.raises(GatewayError) as err:
                await c.send(outbound(msg))
            assert not err.value.retryable
            assert err.value.code in ("STRIPE.UNSUPPORTED", "STRIPE.CREDITOR")
    finally:
        await c.close()


# --- webhooks ---------------------------------------------------------------------------------

def event(kind: str, obj: dict[str, Any]) -> bytes:
    return orjson.dumps({"id": "evt_1", "object": "event", "type": kind,
                         "data": {"object": obj}})


async def webhook(body: bytes, *, at: float | None = None, skew: float = 0,
                  secret: str = SECRET) -> list[Any]:
    now = int(at or time.time())
    c = stripe.build("stripe_eu", {"api_key": "sk_test_hub", "webhook_secret": SECRET},
                     registry=CollectorRegistry(), clock=lambda: now + skew)
    return await c.webhook(body, {"stripe-signature": stripe.sign(body, secret, now)})


async def test_webhook_payout_paid() -> None:
    [update] = await webhook(event("payout.paid", {
        "id": "po_1", "object": "payout", "status": "paid", "metadata": {"hub_key": KEY}}))
    assert (update.key, update.reference, update.outcome) == (KEY, "po_1", Outcome.COMPLETED)


async def test_webhook_payment_failed_carries_decline() -> None:
    [update] = await webhook(event("payment_intent.payment_failed", {
        "id": "pi_1", "object": "payment_intent", "status": "requires_payment_method",
        "metadata": {"hub_key": KEY},
        "last_payment_error": {"code": "card_declined", "decline_code": "stolen_card",
                               "message": "Your card was declined."}}))
    assert update.outcome is Outcome.REJECTED
    assert update.reason_code == "STRIPE.DECLINE.STOLEN_CARD"
    assert update.reason == "Your card was declined."


async def test_webhook_payout_failed_reason() -> None:
    [update] = await webhook(event("payout.failed", {
        "id": "po_2", "object": "payout", "status": "failed", "metadata": {"hub_key": KEY},
        "failure_code": "account_closed", "failure_message": "The bank account was closed."}))
    assert update.outcome is Outcome.REJECTED and update.reason_code == "STRIPE.FAILED"
    assert update.reason is not None and "account_closed" in update.reason


@pytest.mark.parametrize(("kind", "status"), [
    ("payout.created", "pending"), ("payout.updated", "in_transit"),
    ("charge.succeeded", "succeeded"), ("transfer.reversed", None),
])
async def test_webhook_not_final_is_ignored(kind: str, status: str | None) -> None:
    assert await webhook(event(kind, {"id": "x_1", "status": status})) == []


async def test_webhook_bad_signature_and_stale() -> None:
    body = event("payout.paid", {"id": "po_1", "status": "paid"})
    for kwargs in ({"secret": "whsec_other"}, {"skew": 301}):
        with pytest.raises(ConnectorError) as err:
            await webhook(body, **kwargs)
        assert err.value.code == "LINK.SIGNATURE"


async def test_webhook_signed_garbage_is_refused() -> None:
    with pytest.raises(ConnectorError) as err:
        await webhook(b"not json")
    assert err.value.code == "STRIPE.WEBHOOK_BODY" and not err.value.retryable
