"""The PayPal connector driven through the PayPal stand-in (tests/standins/paypal.py) on loopback.

No PayPal sandbox runs offline; the stand-in follows PayPal's documented shapes and errors.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import paypal
from hub.connectors.base import Outcome
from hub.connectors.http import GatewayError
from hub.errors import ConnectorError
from tests.standins import serve
from tests.standins.paypal import (
    CLIENT_ID,
    CLIENT_SECRET,
    WEBHOOK_ID,
    Fault,
    PayPalStandIn,
    _certificates,
)
from tests.unit.gateways.support import message, outbound

PAYOUTS = "/v1/payments/payouts"


@pytest.fixture
async def standin() -> AsyncIterator[PayPalStandIn]:
    peer = PayPalStandIn()
    async with serve(peer.app()) as url:
        peer.base_url = url
        yield peer


def build(peer: PayPalStandIn, registry: CollectorRegistry | None = None,
          **extra: Any) -> paypal.PayPalConnector:
    table = {"base_url": peer.base_url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
             "webhook_id": WEBHOOK_ID, "cert_hosts": ["127.0.0.1"], "timeout": 2, **extra}
    return paypal.build("paypal_eu", table, registry=registry or CollectorRegistry())


@pytest.fixture
async def connector(standin: PayPalStandIn) -> AsyncIterator[paypal.PayPalConnector]:
    c = build(standin)
    yield c
    await c.close()


def payment(key: str | None = None, amount: str = "25.00", currency: str = "EUR") -> Any:
    key = key or str(uuid.uuid4())
    return outbound(message(amount, currency, email="ana@example.com", uetr=key), key=key)


async def test_batch_sent_then_completed_by_poll(standin: PayPalStandIn) -> None:
    registry = CollectorRegistry()
    c = build(standin, registry)
    try:
        out = payment()
        delivery = await c.send(out)
        assert delivery.outcome is Outcome.SENT and delivery.reference in standin.batches
        batch = standin.batches[delivery.reference]
        item = batch["items"][0]["payout_item"]
        assert item["amount"] == {"value": "25.00", "currency": "EUR"}
        assert (item["receiver"], item["recipient_type"]) == ("ana@example.com", "EMAIL")
        assert batch["batch_header"]["sender_batch_header"]["sender_batch_id"] == \
            out.idempotency_key
        assert await c.poll() == []  # PENDING
        standin.settle(delivery.reference)
        [update] = await c.poll()
        assert (update.key, update.reference) == (out.idempotency_key, delivery.reference)
        assert update.outcome is Outcome.COMPLETED
        assert await c.poll() == []
        assert (await c.health()).up
    finally:
        await c.close()
    assert registry.get_sample_value("hub_gateway_calls_total", {
        "connector": "paypal_eu", "call": "create_payout", "result": "201"}) == 1


async def test_token_is_reused_and_refreshed_once_on_401(
        standin: PayPalStandIn, connector: paypal.PayPalConnector) -> None:
    await connector.send(payment())
    await connector.send(payment())
    assert standin.token_requests == 1
    standin.expire_tokens()
    delivery = await connector.send(payment())
    assert delivery.outcome is Outcome.SENT
    assert standin.token_requests == 2 and len(standin.batches) == 3


async def test_token_refreshed_before_expiry(standin: PayPalStandIn) -> None:
    now = [time.time()]
    c = paypal.build("p", {"base_url": standin.base_url, "client_id": CLIENT_ID,
                           "client_secret": CLIENT_SECRET}, registry=CollectorRegistry(),
                     clock=lambda: now[0])
    try:
        await c.send(payment())
        now[0] += standin.token_ttl - 60  # inside the margin: fetch anew before using it
        await c.send(payment())
    finally:
        await c.close()
    assert standin.token_requests == 2


async def test_same_key_twice_is_one_batch(standin: PayPalStandIn,
                                           connector: paypal.PayPalConnector) -> None:
    out = payment()
    first = await connector.send(out)
    again = await connector.send(out)
    assert first.reference == again.reference and len(standin.batches) == 1


async def test_duplicate_sender_batch_id_finds_the_original(
        standin: PayPalStandIn, connector: paypal.PayPalConnector) -> None:
    out = payment()
    first = await connector.send(out)
    standin.by_request_id.clear()  # PayPal forgot the request id; the batch id still guards
    again = await connector.send(out)
    assert again.reference == first.reference and len(standin.batches) == 1
    assert standin.payout_posts == 2


async def test_rate_limit_with_retry_after(standin: PayPalStandIn,
                                           connector: paypal.PayPalConnector) -> None:
    standin.fail_next(PAYOUTS, Fault(429, {"name": "RATE_LIMIT_REACHED", "message":
                                           "Too many requests. Blocked due to rate limiting."},
                                     {"Retry-After": "3"}))
    out = payment()
    with pytest.raises(GatewayError) as err:
        await connector.send(out)
    assert err.value.code == "PAYPAL.RATE_LIMIT" and err.value.retryable
    assert err.value.retry_after == 3.0
    await connector.send(out)
    assert len(standin.batches) == 1


async def test_server_error_then_retry_is_one_batch(standin: PayPalStandIn,
                                                    connector: paypal.PayPalConnector) -> None:
    standin.fail_next(PAYOUTS, Fault(500, {"name": "INTERNAL_SERVER_ERROR", "message":
                                           "An internal server error has occurred."}))
    standin.fail_next(PAYOUTS, Fault(503, {}))
    out = payment()
    for _ in range(2):
        with pytest.raises(GatewayError) as err:
            await connector.send(out)
        assert err.value.code == "PAYPAL.SERVER_ERROR" and err.value.retryable
    first = await connector.send(out)
    again = await connector.send(out)
    assert first.reference == again.reference and len(standin.batches) == 1


async def test_timeout_is_retryable(standin: PayPalStandIn) -> None:
    standin.fail_next(PAYOUTS, Fault(201, {}, delay=1.0))
    c = build(standin, timeout=0.3)
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(payment())
    finally:
        await c.close()
    assert err.value.code == "PAYPAL.TIMEOUT" and err.value.retryable


async def test_bad_credentials(standin: PayPalStandIn) -> None:
    c = build(standin, client_secret="wrong")
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(payment())
        health = await c.health()
    finally:
        await c.close()
    assert err.value.code == "PAYPAL.AUTHENTICATION" and err.value.retryable
    assert not health.up and health.detail == "PAYPAL.AUTHENTICATION"
    assert standin.batches == {}


async def test_validation_error_is_final(standin: PayPalStandIn) -> None:
    c = build(standin, currencies=["KES"])  # the link was told it can; PayPal says no
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(payment(currency="KES"))
    finally:
        await c.close()
    assert err.value.code == "PAYPAL.VALIDATION" and not err.value.retryable
    assert "items[0].amount.currency" in err.value.message


async def test_insufficient_funds_is_retried(standin: PayPalStandIn,
                                             connector: paypal.PayPalConnector) -> None:
    standin.balance = {"EUR": Decimal("10.00")}
    with pytest.raises(GatewayError) as err:
        await connector.send(payment())
    assert err.value.code == "PAYPAL.INSUFFICIENT_FUNDS" and err.value.retryable


async def test_item_failure_and_batch_denial_are_final(
        standin: PayPalStandIn, connector: paypal.PayPalConnector) -> None:
    failed = await connector.send(payment())
    denied = await connector.send(payment())
    assert failed.reference and denied.reference
    standin.settle(failed.reference, "FAILED", ("RECEIVER_UNREGISTERED",
                                                "Receiver is unregistered"))
    standin.batches[denied.reference]["batch_header"]["batch_status"] = "DENIED"
    updates = {u.reference: u for u in await connector.poll()}
    assert updates[failed.reference].outcome is Outcome.REJECTED
    assert updates[failed.reference].reason_code == "PAYPAL.ITEM_FAILED"
    assert "RECEIVER_UNREGISTERED" in (updates[failed.reference].reason or "")
    assert updates[denied.reference].outcome is Outcome.REJECTED
    assert updates[denied.reference].reason_code == "PAYPAL.DENIED"


async def test_answer_not_matching_fails_closed(standin: PayPalStandIn,
                                                connector: paypal.PayPalConnector) -> None:
    standin.fail_next(PAYOUTS, Fault(201, {"batch_header": {
        "payout_batch_id": "OTHERBATCH", "batch_status": "PENDING",
        "sender_batch_header": {"sender_batch_id": "someone-else"}}}))
    with pytest.raises(GatewayError) as err:
        await connector.send(payment())
    assert err.value.code == "LINK.INTEGRITY" and not err.value.retryable
    # a batch whose item pays another amount is never reported as completed
    sent = await connector.send(payment())
    assert sent.reference
    standin.batches[sent.reference]["items"][0]["payout_item"]["amount"]["value"] = "2500.00"
    standin.settle(sent.reference)
    assert await connector.poll() == []
    assert await connector.poll() == []  # and no longer followed


# --- webhooks ---------------------------------------------------------------------------------

def item_resource(standin: PayPalStandIn, batch_id: str) -> dict[str, Any]:
    return dict(standin.batches[batch_id]["items"][0])


async def test_webhook_verified_from_certificate(standin: PayPalStandIn,
                                                 connector: paypal.PayPalConnector) -> None:
    out = payment()
    sent = await connector.send(out)
    assert sent.reference
    body, headers = standin.signed_event("PAYMENT.PAYOUTS-ITEM.SUCCEEDED",
                                         item_resource(standin, sent.reference))
    [update] = await connector.webhook(body, headers)
    assert (update.key, update.reference) == (out.idempotency_key, sent.reference)
    assert update.outcome is Outcome.COMPLETED
    assert await connector.poll() == []  # no longer open

    unclaimed = standin.signed_event("PAYMENT.PAYOUTS-ITEM.UNCLAIMED",
                                     item_resource(standin, sent.reference))
    assert await connector.webhook(*unclaimed) == []


async def test_webhook_refusals(standin: PayPalStandIn,
                                connector: paypal.PayPalConnector) -> None:
    sent = await connector.send(payment())
    assert sent.reference
    resource = item_resource(standin, sent.reference)
    body, headers = standin.signed_event("PAYMENT.PAYOUTS-ITEM.FAILED", resource)
    assert b"PENDING" in body
    cases: list[tuple[bytes, dict[str, str]]] = [
        (body.replace(b"PENDING", b"SUCCESS"), headers),  # tampered body
        (body, {**headers, "PAYPAL-CERT-URL": "https://evil.example/cert.pem"}),
        (body, {**headers, "PAYPAL-CERT-URL": headers["PAYPAL-CERT-URL"].replace(
            "http://", "ftp://")}),
        (body, {**headers, "PAYPAL-AUTH-ALGO": "SHA1withRSA"}),
        (body, {k: v for k, v in headers.items() if k != "PAYPAL-TRANSMISSION-SIG"}),
        (body, {**headers, "PAYPAL-TRANSMISSION-SIG": "not base64!"}),
        standin.signed_event("PAYMENT.PAYOUTS-ITEM.FAILED", resource, webhook_id="OTHER"),
        standin.signed_event("PAYMENT.PAYOUTS-ITEM.FAILED", resource,
                             at=datetime.now(UTC) - timedelta(minutes=6)),
    ]
    for bad_body, bad_headers in cases:
        with pytest.raises(ConnectorError) as err:
            await connector.webhook(bad_body, bad_headers)
        assert err.value.code == "LINK.SIGNATURE" and not err.value.retryable
    # the good one still works afterwards
    [update] = await connector.webhook(body, headers)
    assert update.outcome is Outcome.REJECTED


async def test_webhook_certificate_chain(standin: PayPalStandIn, tmp_path: Path) -> None:
    (tmp_path / "standin-ca.pem").write_bytes(standin.ca_pem)
    (tmp_path / "other-ca.pem").write_bytes(_certificates()[2])
    body, headers = standin.signed_event("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", {
        "payout_batch_id": "B1", "sender_batch_id": "K1", "transaction_status": "SUCCESS"})
    trusted = build(standin, webhook_ca_file=str(tmp_path / "standin-ca.pem"))
    other = build(standin, webhook_ca_file=str(tmp_path / "other-ca.pem"))
    try:
        [update] = await trusted.webhook(body, headers)
        assert (update.key, update.reference) == ("K1", "B1")
        with pytest.raises(ConnectorError) as err:
            await other.webhook(body, headers)
        assert err.value.code == "PAYPAL.CERT"
    finally:
        await trusted.close()
        await other.close()


async def test_webhook_verified_by_api(standin: PayPalStandIn) -> None:
    c = build(standin, verify="api")
    try:
        body, headers = standin.signed_event("PAYMENT.PAYOUTSBATCH.DENIED", {
            "batch_header": {"payout_batch_id": "B2", "batch_status": "DENIED",
                             "sender_batch_header": {"sender_batch_id": "K2"}}})
        [update] = await c.webhook(body, headers)
        assert (update.key, update.outcome) == ("K2", Outcome.REJECTED)
        with pytest.raises(ConnectorError) as err:
            await c.webhook(body.replace(b"DENIED", b"SUCCESS"), headers)
        assert err.value.code == "LINK.SIGNATURE"
    finally:
        await c.close()
