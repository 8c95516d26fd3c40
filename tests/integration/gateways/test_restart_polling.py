"""A gateway payment sent before the hub stopped is followed again after it starts.

The running hub (hub.app.Hub, SQLite journal) sends a payout through Stripe (localstripe) or
PayPal (the stand-in), is stopped while the payout is still pending, and a new hub on the same
journal starts. The gateway then finishes the payout; no webhook is configured, so only the new
hub's poller, fed from the journal's open sends, can move the message to its final state.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import orjson
import pytest
from prometheus_client import CollectorRegistry

from hub.app import Hub
from hub.config import load
from hub.model import State
from hub.pipeline import Submission
from tests.integration.gateways.test_stripe_localstripe import peer
from tests.standins import serve
from tests.standins.paypal import CLIENT_ID, CLIENT_SECRET, WEBHOOK_ID, PayPalStandIn


def configure(root: Path, name: str, table: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "routes.toml").write_text(f'[default]\nconnector = "{name}"\nformat = "json"\n')
    config = root / "hub.toml"
    config.write_text(f"""
[hub]
data_dir = "{root}"

[api]
port = 0
admin_port = 0

[routing]
table = "{root / 'routes.toml'}"

[dispatch]
poll_interval = 0.05
poll_gateways = 0.1

[log]
level = "WARNING"

[connectors.{name}]
{table}
""")
    return config


async def started(config: Path) -> Hub:
    hub = Hub(load(config, env={}), registry=CollectorRegistry())
    await hub.start()
    return hub


def payout(creditor: str | None) -> bytes:
    party = {"name": "Ana Example", **({"account": creditor} if creditor else {})}
    return orjson.dumps({
        "kind": "customer_credit_transfer", "uetr": str(uuid.uuid4()),
        "instruction_id": "PAYOUT-1", "amount": {"value": "250.00", "currency": "EUR"},
        "settlement_date": "2026-11-25",
        "debtor": {"name": "Hub Payer Ltd", "account": "DE89370400440532013000"},
        "debtor_agent": {"bic": "DEUTDEFF"},
        "creditor": party,
        "creditor_agent": {"bic": "BNPAFRPP"}, "remittance_info": "Invoice 4711"})


async def until(what: str, check: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


async def sent_then_restarted(config: Path, raw: bytes,
                              finish: Callable[[str], Awaitable[None]]) -> None:
    """Send through the first hub, stop it with the payout pending, start a second one, let
    the gateway finish the payout: the message must become COMPLETED by polling alone."""
    first = await started(config)
    try:
        assert first.pipeline is not None and first.journal is not None
        result = await first.pipeline.submit(Submission(raw=raw, channel="api"))
        message_id = result.outcomes[0].message_id
        journal = first.journal

        async def dispatched() -> bool:
            record = await journal.get(message_id)
            return record is not None and record.state is State.DISPATCHED

        await until("the payout is sent", dispatched)
        await asyncio.sleep(0.3)  # the first hub polls a few rounds: still pending
        record = await journal.get(message_id)
        assert record is not None and record.state is State.DISPATCHED
        reference = record.external_ref
        assert reference
    finally:
        await first.stop()

    second = await started(config)
    try:
        assert second.journal is not None
        [sent] = await second.journal.open_sends(record.connector or "")
        assert (sent["message_id"], sent["reference"]) == (message_id, reference)
        await finish(reference)
        journal = second.journal

        async def completed() -> bool:
            found = await journal.get(message_id)
            return found is not None and found.state is State.COMPLETED

        await until("the second hub's poller completes the message", completed)
        last = (await journal.events(message_id))[-1]
        assert (last.type, last.actor, last.data["reference"]) == (
            "status", f"link:{record.connector}", reference)
        assert await journal.open_sends(record.connector or "") == []
    finally:
        await second.stop()


async def test_stripe_payout_is_polled_after_a_restart(localstripe: str, tmp_path: Path) -> None:
    config = configure(tmp_path / "hub", "stripe_eu", f"""type = "stripe"
base_url = "{localstripe}"
api_key = "sk_test_hub"
mode = "payout"
""")

    async def paid(reference: str) -> None:  # localstripe's lever for the bank paying out
        await peer(localstripe, "POST", f"/v1/payouts/{reference}", data={"status": "paid"})

    await sent_then_restarted(config, payout(None), paid)


@pytest.fixture
async def paypal_standin() -> AsyncIterator[PayPalStandIn]:
    standin = PayPalStandIn()
    async with serve(standin.app()) as url:
        standin.base_url = url
        yield standin


async def test_paypal_batch_is_polled_after_a_restart(paypal_standin: PayPalStandIn,
                                                      tmp_path: Path) -> None:
    config = configure(tmp_path / "hub", "paypal_eu", f"""type = "paypal"
base_url = "{paypal_standin.base_url}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
webhook_id = "{WEBHOOK_ID}"
""")

    async def settled(reference: str) -> None:
        paypal_standin.settle(reference)

    await sent_then_restarted(config, payout("ana@example.com"), settled)
