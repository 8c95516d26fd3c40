"""PayPal connector pieces that need no peer: error mapping, receivers, signing, settings."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import paypal
from hub.connectors.base import Connector, Outcome
from hub.connectors.http import GatewayError, Reply
from hub.errors import ConfigError, catalogue
from hub.model import Kind, Message, Money, Party

SETTINGS = {"client_id": "id", "client_secret": "secret", "webhook_id": "WH"}


@pytest.mark.parametrize(("status", "body", "code", "retryable"), [
    (400, {"name": "VALIDATION_ERROR", "details": [{"field": "items[0].receiver",
                                                     "issue": "Receiver is invalid"}]},
     "PAYPAL.VALIDATION", False),
    (422, {"name": "INSUFFICIENT_FUNDS"}, "PAYPAL.INSUFFICIENT_FUNDS", True),
    (429, {"name": "RATE_LIMIT_REACHED"}, "PAYPAL.RATE_LIMIT", True),
    (500, {"name": "INTERNAL_SERVER_ERROR"}, "PAYPAL.SERVER_ERROR", True),
    (502, None, "PAYPAL.SERVER_ERROR", True),
    (401, {"error": "invalid_client"}, "PAYPAL.AUTHENTICATION", True),
    (401, {"name": "AUTHENTICATION_FAILURE"}, "PAYPAL.AUTHENTICATION", True),
    (403, {"name": "AUTHORIZATION_ERROR"}, "PAYPAL.PERMISSION", True),
    (404, {"name": "RESOURCE_NOT_FOUND"}, "PAYPAL.NOT_FOUND", False),
    (418, {}, "PAYPAL.UNEXPECTED", False),
])
def test_error_mapping(status: int, body: dict[str, Any] | None, code: str,
                       retryable: bool) -> None:
    raw = orjson.dumps(body) if body is not None else b"<html>"
    err = paypal.error_from(Reply(status=status, headers={"Retry-After": "4"}, body=raw))
    assert (err.code, err.retryable) == (code, retryable) and err.code in catalogue()
    assert err.retry_after == 4.0
    if body and body.get("details"):
        assert "items[0].receiver" in err.message


def test_signed_message_is_documented_form() -> None:
    body = b'{"id":"WH-1"}'
    assert paypal.signed_message("tid", "2024-05-01T10:00:00Z", "WH", body) == \
        f"tid|2024-05-01T10:00:00Z|WH|{zlib.crc32(body)}".encode()


@pytest.mark.parametrize(("creditor", "expected"), [
    (Party(account="ana@example.com"), ("ana@example.com", "EMAIL")),
    (Party(identifier="+14085551234"), ("+14085551234", "PHONE")),
    (Party(identifier="Y7P2QPPVC4Q4U", identifier_scheme="PAYPAL_ID"),
     ("Y7P2QPPVC4Q4U", "PAYPAL_ID")),
    (Party(account="Y7P2QPPVC4Q4U"), ("Y7P2QPPVC4Q4U", "PAYPAL_ID")),
])
def test_receiver(creditor: Party, expected: tuple[str, str]) -> None:
    msg = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=Money.parse("1", "EUR"),
                  creditor=creditor)
    assert paypal._receiver(msg) == expected


def test_receiver_missing_is_final() -> None:
    msg = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=Money.parse("1", "EUR"),
                  creditor=Party(name="nobody"))
    with pytest.raises(GatewayError) as err:
        paypal._receiver(msg)
    assert err.value.code == "PAYPAL.CREDITOR" and not err.value.retryable


@pytest.mark.parametrize(("kind", "outcome"), [
    ("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", Outcome.COMPLETED),
    ("PAYMENT.PAYOUTS-ITEM.RETURNED", Outcome.REJECTED),
    ("PAYMENT.PAYOUTS-ITEM.BLOCKED", Outcome.REJECTED),
    ("PAYMENT.PAYOUTS-ITEM.UNCLAIMED", None),
    ("PAYMENT.PAYOUTSBATCH.SUCCESS", None),  # items decide, not the batch
    ("CHECKOUT.ORDER.APPROVED", None),
])
def test_event_mapping(kind: str, outcome: Outcome | None) -> None:
    update = paypal._event_update(kind, {"payout_batch_id": "B", "sender_batch_id": "K"})
    assert (update.outcome if update else None) == outcome
    if update:
        assert (update.key, update.reference) == ("K", "B")


def test_build_spec_and_settings() -> None:
    c = paypal.build("pp", {**SETTINGS, "currencies": ["USD"], "max_amount": "20000"},
                     registry=CollectorRegistry())
    assert isinstance(c, Connector)
    assert c.spec.currencies == ("USD",) and str(c.spec.max_amount) == "20000"
    assert c.spec.rails == ("paypal",) and c.webhook_path == "/v1/webhooks/pp"
    default = paypal.build("pp2", SETTINGS, registry=CollectorRegistry())
    assert "EUR" in default.spec.currencies and default.spec.bps_fee == 200


@pytest.mark.parametrize(("extra", "code"), [
    ({"verify": "maybe"}, "CONFIG.TYPE"),
    ({"webhook_secret": "x"}, "CONFIG.UNKNOWN_KEY"),
    ({"webhook_ca_file": "/nonexistent/ca.pem"}, "CONFIG.INVALID"),
    ({"cert_hosts": "api.paypal.com"}, "CONFIG.TYPE"),
])
def test_build_refuses_bad_settings(extra: dict[str, Any], code: str) -> None:
    with pytest.raises(ConfigError) as err:
        paypal.build("pp", {**SETTINGS, **extra}, registry=CollectorRegistry())
    assert err.value.code == code


def test_two_connectors_share_one_registry() -> None:
    registry = CollectorRegistry()
    paypal.build("a", SETTINGS, registry=registry)
    paypal.build("b", SETTINGS, registry=registry)  # metrics declared once per registry


async def test_resume_follows_a_batch_once_and_only_what_could_have_been_sent() -> None:
    c = paypal.build("paypal_eu", SETTINGS, registry=CollectorRegistry())
    sent = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=Money.parse("25.00", "EUR"),
                   creditor=Party(account="ana@example.com"))
    c.resume("k1", "BATCH1", sent)
    c.resume("k1", "OTHER", sent)  # already followed: the first batch stays
    c.resume("k2", "BATCH2", Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER,
                                     amount=Money.parse("25.00", "EUR"), creditor=Party()))
    assert {k: (o.batch_id, o.money, o.receiver) for k, o in c._open.items()} == {
        "k1": ("BATCH1", Money.parse("25.00", "EUR"), "ana@example.com")}
    await c.close()
