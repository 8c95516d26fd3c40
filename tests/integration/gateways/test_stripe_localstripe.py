"""The Stripe connector against localstripe on loopback, webhooks signed by localstripe itself.

Paths localstripe cannot play (transfers, idempotent replay, 429, 5xx, card_error decline
codes) are covered in tests/unit/gateways/test_stripe.py against recorded exchanges.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import stripe
from hub.connectors.base import Outcome
from hub.connectors.http import GatewayError
from hub.errors import ConnectorError
from tests.integration.gateways.conftest import Delivered, Sink
from tests.unit.gateways.support import message, outbound

SECRET = "whsec_localstripe_hub_0123456789"
AUTH = {"Authorization": "Bearer sk_test_hub"}


async def peer(url: str, method: str, path: str, **kwargs: Any) -> Any:
    """A call to localstripe as the test harness (not through the connector)."""
    async with aiohttp.ClientSession() as session, session.request(
            method, url + path, headers=AUTH, **kwargs) as resp:
        assert resp.status < 300, await resp.text()
        return await resp.json() if resp.content_type == "application/json" else None


@pytest.fixture
async def hooked(localstripe: str, sink: Sink) -> AsyncIterator[Sink]:
    await peer(localstripe, "POST", "/_config/webhooks/hub",
               json={"url": sink.url, "secret": SECRET})
    yield sink


def build(url: str, mode: str, **extra: Any) -> stripe.StripeConnector:
    return stripe.build("stripe_eu", {"base_url": url, "api_key": "sk_test_hub",
                                      "webhook_secret": SECRET, "mode": mode, **extra},
                        registry=CollectorRegistry())


async def card(url: str, number: str) -> str:
    pm = await peer(url, "POST", "/v1/payment_methods", data={
        "type": "card", "card[number]": number, "card[exp_month]": "12",
        "card[exp_year]": "2034", "card[cvc]": "123"})
    return str(pm["id"])


def of(kind: str, key: str) -> Any:
    def match(item: Delivered) -> bool:
        event = orjson.loads(item.body)
        return bool(event["type"] == kind and
                    event["data"]["object"].get("metadata", {}).get("hub_key") == key)
    return match


async def test_health(localstripe: str) -> None:
    c = build(localstripe, "payout")
    bad = build(localstripe, "payout", api_key="pk_not_a_secret_key")
    try:
        assert (await c.health()).up
        health = await bad.health()
        assert not health.up and health.detail == "STRIPE.AUTHENTICATION"
    finally:
        await c.close()
        await bad.close()


async def test_payout_sent_then_paid_by_poll_and_webhook(localstripe: str,
                                                          hooked: Sink) -> None:
    key = str(uuid.uuid4())
    c = build(localstripe, "payout")
    try:
        delivery = await c.send(outbound(message("250.00", uetr=key), key=key))
        assert delivery.outcome is Outcome.SENT and delivery.reference
        assert delivery.reference.startswith("po_")
        payout = await peer(localstripe, "GET", f"/v1/payouts/{delivery.reference}")
        assert (payout["amount"], payout["currency"]) == (25000, "eur")
        assert payout["metadata"]["hub_key"] == key
        assert await c.poll() == []  # still pending
        # localstripe's lever for what Stripe does when the bank pays: set the status
        await peer(localstripe, "POST", f"/v1/payouts/{delivery.reference}",
                   data={"status": "paid"})
        [polled] = await c.poll()
        assert (polled.key, polled.outcome) == (key, Outcome.COMPLETED)
        assert await c.poll() == []  # forgotten once final

        created = await hooked.wait_for(of("payout.created", key))
        assert await c.webhook(created.body, created.headers) == []
        updated = await hooked.wait_for(of("payout.updated", key))
        [update] = await c.webhook(updated.body, updated.headers)
        assert (update.key, update.reference) == (key, delivery.reference)
        assert update.outcome is Outcome.COMPLETED
    finally:
        await c.close()


async def test_payment_intent_succeeds(localstripe: str, hooked: Sink) -> None:
    key = str(uuid.uuid4())
    pm = await card(localstripe, "4242424242424242")
    c = build(localstripe, "payment_intent")
    try:
        delivery = await c.send(outbound(message("19.99", debtor=pm, uetr=key), key=key))
        assert delivery.outcome is Outcome.COMPLETED and delivery.reference
        assert delivery.reference.startswith("pi_")
        succeeded = await hooked.wait_for(of("payment_intent.succeeded", key))
        [update] = await c.webhook(succeeded.body, succeeded.headers)
        assert (update.key, update.outcome) == (key, Outcome.COMPLETED)
    finally:
        await c.close()


async def test_declined_card_is_final_and_webhook_agrees(localstripe: str,
                                                         hooked: Sink) -> None:
    key = str(uuid.uuid4())
    pm = await card(localstripe, "4000000000000341")  # attaches, then declines on charge
    c = build(localstripe, "payment_intent")
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(outbound(message("19.99", debtor=pm, uetr=key), key=key))
        assert err.value.code == "STRIPE.CARD_DECLINED" and not err.value.retryable
        assert err.value.status == 402
        failed = await hooked.wait_for(of("payment_intent.payment_failed", key))
        [update] = await c.webhook(failed.body, failed.headers)
        assert (update.key, update.outcome) == (key, Outcome.REJECTED)
        assert update.reason_code == "STRIPE.FAILED"
    finally:
        await c.close()


async def test_webhook_tampered_or_stale_is_refused(localstripe: str, hooked: Sink) -> None:
    key = str(uuid.uuid4())
    c = build(localstripe, "payout")
    try:
        await c.send(outbound(message("10.00", uetr=key), key=key))
        created = await hooked.wait_for(of("payout.created", key))
        tampered = created.body.replace(b'"amount": 1000', b'"amount": 9000')
        assert tampered != created.body
        with pytest.raises(ConnectorError) as err:
            await c.webhook(tampered, created.headers)
        assert err.value.code == "LINK.SIGNATURE"
        late = stripe.build("stripe_eu", {"api_key": "sk_test_hub", "webhook_secret": SECRET},
                            registry=CollectorRegistry(),
                            clock=lambda: orjson.loads(created.body)["created"] + 301)
        with pytest.raises(ConnectorError) as err:
            await late.webhook(created.body, created.headers)
        assert err.value.code == "LINK.SIGNATURE" and "tolerance" in err.value.message
    finally:
        await c.close()


async def test_currency_localstripe_refuses_is_final(localstripe: str) -> None:
    c = build(localstripe, "payout")
    try:
        with pytest.raises(GatewayError) as err:
            await c.send(outbound(message("10.00", "USD")))
    finally:
        await c.close()
    assert err.value.code == "STRIPE.INVALID_REQUEST" and not err.value.retryable
