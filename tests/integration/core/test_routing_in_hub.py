"""The hub with a routing table: MT in and out through the file drop, explain, reload."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from hub import codecs
from hub.app import Hub
from hub.cli import main
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party
from tests.integration.hubs import running_hub

TABLE = """
[[rules]]
id = "eur-by-fin"
currency = "EUR"
connector = "swift"
format = "mt103"

[default]
connector = "outbox"
format = "json"
"""


def mt103(amount: str = "1250.00", currency: str = "EUR") -> bytes:
    message = Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=uuid.uuid4(), instruction_id="REF-77",
        amount=Money(value=Decimal(amount), currency=currency),
        settlement_date=date(2026, 11, 26),
        debtor=Party(name="ALICE LTD", account="DE89370400440532013000"),
        debtor_agent=Agent(bic="DEUTDEFF"), creditor=Party(name="BOB SA",
                                                            account="FR1420041010050500013M02606"),
        creditor_agent=Agent(bic="BNPAFRPP"), charge_bearer=ChargeBearer.SHAR)
    return codecs.encode(message, "mt103", sender="DEUTDEFFXXX", receiver="NVCHGB2LXXX")


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    (tmp_path / "routes.toml").write_text(TABLE)
    async with running_hub(
            tmp_path, HUB__ROUTING__TABLE=str(tmp_path / "routes.toml"),
            HUB__ROUTING__WATCH_INTERVAL="0.1",
            HUB__CONNECTORS__SWIFT__TYPE="filedrop",
            HUB__CONNECTORS__SWIFT__OUTBOUND=str(tmp_path / "fin-out"),
            HUB__CONNECTORS__OUTBOX__TYPE="filedrop",
            HUB__CONNECTORS__OUTBOX__OUTBOUND=str(tmp_path / "outbox"),
            HUB__CONNECTORS__OUTBOX__INBOX=str(tmp_path / "inbox")) as h:
        yield h


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def test_mt103_in_by_http_and_file_out_again_as_fin(hub: Hub, tmp_path: Path) -> None:
    raw = mt103()
    headers = {"Authorization": f"Bearer {hub.bootstrap_token}"}
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{hub.api_port}/v1/messages", data=raw, headers=headers) as r:
        body = await r.json()
    assert r.status == 202 and body["format"] == "mt103" and body["uetr"], body
    await until(lambda: any((tmp_path / "fin-out").glob("*.fin")))
    [out] = (tmp_path / "fin-out").glob("*.fin")
    again = codecs.decode(out.read_bytes())
    assert again.ok and again.format == "mt103"
    [m] = again.messages
    assert str(m.uetr) == body["uetr"] and m.amount == Money.parse("1250.00", "EUR")
    assert m.creditor_agent is not None and m.creditor_agent.bic == "BNPAFRPP"
    assert hub.journal is not None
    record = await hub.journal.get(body["id"])
    assert record is not None and record.route is not None and record.route["rule"] == "eur-by-fin"


async def test_mt103_dropped_as_a_file_is_routed_by_currency(hub: Hub, tmp_path: Path) -> None:
    (tmp_path / "inbox" / "usd.fin").write_bytes(mt103(currency="USD"))
    await until(lambda: any((tmp_path / "outbox").glob("*.json")))
    [out] = (tmp_path / "outbox").glob("*.json")
    assert json.loads(out.read_bytes())["amount"] == {"value": "1250.00", "currency": "USD"}


async def test_explain_over_http(hub: Hub) -> None:
    headers = {"Authorization": f"Bearer {hub.bootstrap_token}"}
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{hub.api_port}/v1/routes/explain", data=mt103(),
            headers=headers) as r:
        data = await r.json()
    assert data["chosen"]["connector"] == "swift" and data["chosen"]["rule"] == "eur-by-fin"
    assert isinstance(data["rejected"], list)


async def test_bad_table_is_refused_and_the_old_one_stays(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "routes.toml"
    path.write_text(TABLE.replace('connector = "swift"', 'connector = 7'))
    await until(lambda: hub.metrics.routing_reloads.labels("refused")._value.get() == 1)
    assert hub.planner is not None
    choice = hub.planner.choose(codecs.decode(mt103()).messages[0],
                                at=datetime.now(UTC))
    assert getattr(choice, "connector", None) == "swift"
    path.write_text(TABLE.replace('currency = "EUR"', 'currency = "CHF"'))
    await until(lambda: hub.metrics.routing_reloads.labels("ok")._value.get() == 1)
    choice = hub.planner.choose(codecs.decode(mt103()).messages[0],
                                at=datetime.now(UTC))
    assert getattr(choice, "connector", None) == "outbox"


def test_route_explain_cli_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = Path(__file__).resolve().parents[3] / "config" / "routes.example.toml"
    (tmp_path / "m.fin").write_bytes(mt103())
    code = main(["route", "explain", str(tmp_path / "m.fin"), "--table", str(table),
                 "--at", "2026-11-25T10:00:00+00:00", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"connector", "format", "rule"} <= set(data["chosen"])
    assert all("reason" in r for r in data["rejected"])


def test_route_simulate_cli_compares_two_tables(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    config = Path(__file__).resolve().parents[3] / "config"
    folder = tmp_path / "batch"
    folder.mkdir()
    for i, (amount, currency) in enumerate([("1250.00", "EUR"), ("250000.00", "EUR"),
                                            ("980.00", "USD")]):
        (folder / f"m{i}.fin").write_bytes(mt103(amount, currency))
    code = main(["route", "simulate", "--table", str(config / "routes.example.toml"),
                 "--messages", str(folder), "--against", str(config / "routes.simple.toml"),
                 "--at", "2026-11-25T10:00:00+00:00", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert sum(data["by_rail"].values()) == 3
    assert "against" in data and "changes" in data and data["skipped"] == []


async def dispatched_fin(hub: Hub, tmp_path: Path, raw: bytes) -> tuple[str, bytes]:
    headers = {"Authorization": f"Bearer {hub.bootstrap_token}"}
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{hub.api_port}/v1/messages", data=raw, headers=headers) as r:
        body = await r.json()
    assert hub.journal is not None
    journal = hub.journal
    for _ in range(200):
        record = await journal.get(body["id"])
        if record is not None and record.state.value == "DISPATCHED":
            break
        await asyncio.sleep(0.02)
    [out] = (tmp_path / "fin-out").glob(f"{body['uetr']}*.fin")
    return body["id"], out.read_bytes()


async def answer(hub: Hub, raw: bytes) -> None:
    headers = {"Authorization": f"Bearer {hub.bootstrap_token}"}
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{hub.api_port}/v1/messages", data=raw, headers=headers) as r:
        assert r.status in (200, 202), await r.text()


@pytest.mark.parametrize(("code", "state"), [(b"{451:0}", "DELIVERED"),
                                             (b"{451:1}{405:T27}", "REJECTED")])
async def test_swift_ack_and_nak_close_the_loop(hub: Hub, tmp_path: Path, code: bytes,
                                                state: str) -> None:
    message_id, sent = await dispatched_fin(hub, tmp_path, mt103())
    await answer(hub, b"{1:F21NVCHGB2LAXXX0000000000}{4:{177:2611251200}" + code + b"}" + sent)
    assert hub.journal is not None
    record = await hub.journal.get(message_id)
    assert record is not None and record.state.value == state
    events = await hub.journal.events(message_id)
    assert events[-1].type == "answer" and events[-1].data["status"] in ("ACK", "NAK")


async def test_pacs002_settled_completes_the_payment(hub: Hub, tmp_path: Path) -> None:
    message_id, sent = await dispatched_fin(hub, tmp_path, mt103())
    [original] = codecs.decode(sent).messages
    report = Message(kind=Kind.STATUS_REPORT, status="ACSC", original_uetr=original.uetr,
                     original_message_id=original.instruction_id,
                     related_reference=original.instruction_id)
    raw = codecs.encode(report, "pacs.002", sender="BNPAFRPPXXX", receiver="NVCHGB2LXXX")
    await answer(hub, raw)
    assert hub.journal is not None
    record = await hub.journal.get(message_id)
    assert record is not None and record.state.value == "COMPLETED"


async def test_routing_table_change_needs_a_second_person(hub: Hub, tmp_path: Path) -> None:
    assert hub.journal is not None
    _, alice = await hub.journal.create_key("operator", "alice")
    _, bob = await hub.journal.create_key("operator", "bob")
    base = f"http://127.0.0.1:{hub.api_port}"
    new = TABLE.replace('currency = "EUR"', 'currency = "CHF"')
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{base}/v1/routing/table", data="[[rules]]\nid = 1\n",
                          headers={"Authorization": f"Bearer {alice}"}) as r:
            assert r.status == 422 and (await r.json())["diagnostics"]
        async with s.post(f"{base}/v1/routing/table", data=new,
                          headers={"Authorization": f"Bearer {alice}"}) as r:
            proposal = await r.json()
        assert (tmp_path / "routes.toml").read_text() == TABLE
        async with s.post(f"{base}/v1/approvals/{proposal['id']}/approve",
                          headers={"Authorization": f"Bearer {alice}"}) as r:
            assert r.status == 403
        async with s.post(f"{base}/v1/approvals/{proposal['id']}/approve",
                          headers={"Authorization": f"Bearer {bob}"}) as r:
            assert r.status == 200, await r.text()
    assert (tmp_path / "routes.toml").read_text() == new
    assert hub.planner is not None
    choice = hub.planner.choose(codecs.decode(mt103()).messages[0], at=datetime.now(UTC))
    assert getattr(choice, "connector", None) == "outbox"
