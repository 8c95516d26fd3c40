"""Limits and liquidity: above the single maximum a person decides; past the intraday ceiling a
payment waits, and goes when a rejection gives liquidity back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.app import Hub
from hub.connectors.base import Outcome, StatusUpdate
from hub.limits import Limits, parse_limits
from hub.model import State
from tests.integration.core.test_journal import payment
from tests.integration.hubs import running_hub


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path, request.param,
                           HUB__LIMITS__EUR_OUT__CONNECTOR="outbox",
                           HUB__LIMITS__EUR_OUT__CURRENCY="EUR",
                           HUB__LIMITS__EUR_OUT__MAX_SINGLE="5000",
                           HUB__LIMITS__EUR_OUT__INTRADAY="1000") as h:
        yield h


async def submit(h: Hub, value: str) -> str:
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{h.api_port}/v1/messages",
            headers={"Authorization": f"Bearer {h.bootstrap_token}"},
            data=payment(amount={"value": value, "currency": "EUR"})) as r:
        body: dict[str, Any] = await r.json()
        return str(body["id"])


async def state_of(h: Hub, message_id: str, want: State) -> list[str]:
    assert h.journal is not None
    for _ in range(200):
        record = await h.journal.get(message_id)
        if record is not None and record.state is want:
            return [e.type for e in await h.journal.events(message_id)]
        await asyncio.sleep(0.03)
    record = await h.journal.get(message_id)
    raise AssertionError(f"{message_id} is {record.state if record else None}, not {want}")


async def test_limit_breach_waits_then_goes_when_liquidity_returns(hub: Hub) -> None:
    first = await submit(hub, "600.00")
    await state_of(hub, first, State.DISPATCHED)
    second = await submit(hub, "600.00")  # 1200 > 1000 intraday: waits
    types = await state_of(hub, second, State.QUEUED)
    for _ in range(100):
        if "limit_wait" in types:
            break
        await asyncio.sleep(0.03)
        assert hub.journal is not None
        types = [e.type for e in await hub.journal.events(second)]
    assert "limit_wait" in types
    assert hub.metrics.limit_queued._value.get() == 1
    big = await submit(hub, "6000.00")  # above the single maximum: a person decides
    assert "limit_exceeded" in await state_of(hub, big, State.REPAIR)
    # the bank rejects the first payment: its 600 come back, the waiting one goes
    assert hub.journal is not None
    record = await hub.journal.get(first)
    assert record is not None and record.external_ref
    await hub.apply_updates("outbox", [StatusUpdate(reference=record.external_ref,
                                                    outcome=Outcome.REJECTED,
                                                    reason_code="AC04")])
    await state_of(hub, first, State.REJECTED)
    await state_of(hub, second, State.DISPATCHED)
    assert hub.metrics.limit_usage.labels("eur_out", "EUR")._value.get() == pytest.approx(0.6)


async def test_a_person_releases_a_payment_above_the_limit(hub: Hub) -> None:
    assert hub.journal is not None
    _, alice = await hub.journal.create_key("operator", "alice")
    _, bob = await hub.journal.create_key("operator", "bob")
    big = await submit(hub, "6000.00")
    await state_of(hub, big, State.REPAIR)
    base = f"http://127.0.0.1:{hub.api_port}"
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{base}/v1/repair/{big}/release",
                          headers={"Authorization": f"Bearer {alice}"}) as r:
            proposal = await r.json()
        async with s.post(f"{base}/v1/approvals/{proposal['id']}/approve",
                          headers={"Authorization": f"Bearer {bob}"}) as r:
            assert r.status == 200
    types = await state_of(hub, big, State.DISPATCHED)
    assert types.count("limit_exceeded") == 1


async def test_limit_changes_need_a_second_person_and_outlive_a_restart(
        hub: Hub, tmp_path: Path) -> None:
    assert hub.journal is not None and hub.limits is not None
    _, alice = await hub.journal.create_key("operator", "alice")
    _, bob = await hub.journal.create_key("operator", "bob")
    base = f"http://127.0.0.1:{hub.api_port}"
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{base}/v1/limits/eur_out", json={"intraday": "not money"},
                          headers={"Authorization": f"Bearer {alice}"}) as r:
            assert r.status == 422
        async with s.post(f"{base}/v1/limits/eur_out", json={"intraday": "2500"},
                          headers={"Authorization": f"Bearer {alice}"}) as r:
            proposal = await r.json()
        async with s.get(f"{base}/v1/approvals", headers={"Authorization": f"Bearer {bob}"}) as r:
            [pending] = (await r.json())["items"]
        assert pending["payload"] == {"intraday": "2500", "before": {
            "max_single": "5000", "intraday": "1000"}}
        assert pending["proposed_by"].endswith(":alice")
        assert hub.limits.limits[0].intraday == 1000  # nothing changes before approval
        async with s.post(f"{base}/v1/approvals/{proposal['id']}/approve",
                          headers={"Authorization": f"Bearer {alice}"}) as r:
            assert r.status == 403
        async with s.post(f"{base}/v1/approvals/{proposal['id']}/approve",
                          headers={"Authorization": f"Bearer {bob}"}) as r:
            assert r.status == 200
    assert hub.limits.limits[0].intraday == 2500
    restarted = Limits(parse_limits(hub.settings.limits), hub.journal, hub.metrics)
    assert restarted.limits[0].intraday == 1000
    await restarted.replay()  # what the hub does at start
    assert restarted.limits[0].intraday == 2500
    # a second payment of 600 now fits (1,200 <= 2,500)
    first, second = await submit(hub, "600.00"), await submit(hub, "600.00")
    await state_of(hub, first, State.DISPATCHED)
    await state_of(hub, second, State.DISPATCHED)


async def test_urgent_payments_get_liquidity_first(hub: Hub) -> None:
    first = await submit(hub, "600.00")
    await state_of(hub, first, State.DISPATCHED)
    normal = await submit(hub, "600.00")
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{hub.api_port}/v1/messages",
            headers={"Authorization": f"Bearer {hub.bootstrap_token}"},
            data=payment(amount={"value": "600.00", "currency": "EUR"}, priority="URGP")) as r:
        urgent = (await r.json())["id"]
    assert hub.journal is not None
    for _ in range(200):
        if await hub.journal.waiting_count() == 2:
            break
        await asyncio.sleep(0.03)
    record = await hub.journal.get(first)
    assert record is not None
    await hub.apply_updates("outbox", [StatusUpdate(reference=record.external_ref,
                                                    outcome=Outcome.REJECTED)])
    await state_of(hub, urgent, State.DISPATCHED)
    await asyncio.sleep(0.3)
    still = await hub.journal.get(normal)
    assert still is not None and still.state is State.QUEUED


async def test_a_credit_confirmation_frees_liquidity_for_the_waiting_payment(hub: Hub) -> None:
    from datetime import date
    from decimal import Decimal

    from hub import codecs
    from hub.model import Agent, Kind, Message, Money, Party
    first = await submit(hub, "600.00")
    await state_of(hub, first, State.DISPATCHED)
    waiting = await submit(hub, "600.00")
    assert hub.journal is not None
    for _ in range(200):
        if await hub.journal.waiting_count() == 1:
            break
        await asyncio.sleep(0.03)
    credit = Message(kind=Kind.STATUS_REPORT, format="mt910", status="CRDT",
                     instruction_id="CRED-1", related_reference="COVER-77",
                     amount=Money(value=Decimal("600.00"), currency="EUR"),
                     creditor=Party(account="NOSTRO-EUR-1"), debtor_agent=Agent(bic="COBADEFF"),
                     settlement_date=date(2026, 11, 25))
    raw = codecs.encode(credit, "mt910", sender="DEUTDEFFXXX", receiver="NVCHGB2LXXX")
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{hub.api_port}/v1/messages", data=raw,
            headers={"Authorization": f"Bearer {hub.bootstrap_token}"}) as r:
        assert r.status == 202, await r.text()
    await state_of(hub, waiting, State.DISPATCHED)
