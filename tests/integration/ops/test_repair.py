"""Repair queue and four-eyes through the running hub's API, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.app import Hub
from hub.config import load
from tests.integration.hubs import running_hub
from tests.support import OWN_VECTORS

TELEX = OWN_VECTORS / "telex"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    shutil.copy(TELEX / "testkey_table_OWN_FICTIONAL.json", tmp_path / "table.json")
    (tmp_path / "telex.toml").write_text(
        '[counterparties.TSTBGB20]\ntest_key_table_file = "table.json"\n')
    async with running_hub(tmp_path, request.param,
                           HUB__CODECS__TELEX_KEYS_FILE=str(tmp_path / "telex.toml"),
                           HUB__OPERATIONS__FOUR_EYES_AMOUNT="1000") as h:
        yield h


async def call(s: aiohttp.ClientSession, h: Hub, method: str, path: str, token: str,
               **kw: Any) -> tuple[int, Any]:
    async with s.request(method, f"http://127.0.0.1:{h.api_port}{path}",
                         headers={"Authorization": f"Bearer {token}"}, **kw) as r:
        return r.status, await r.json()


async def test_tested_telex_waits_for_a_second_person(hub: Hub, tmp_path: Path) -> None:
    assert hub.journal is not None and hub.bootstrap_token
    _, alice = await hub.journal.create_key("operator", "alice")
    _, bob = await hub.journal.create_key("operator", "bob")
    raw = (TELEX / "own_01_testkey_customer.txt").read_bytes()
    async with aiohttp.ClientSession() as s:
        status, body = await call(s, hub, "POST", "/v1/messages", alice, data=raw)
        assert status == 202 and body["state"] == "REPAIR", body
        message_id = body["id"]
        status, queue = await call(s, hub, "GET", "/v1/repair", bob)
        [item] = queue["items"]
        assert item["id"] == message_id and item["reason"]["code"] == "TELEX.RELEASE"

        status, proposal = await call(s, hub, "POST", f"/v1/repair/{message_id}/release", alice,
                                      json={"reason": "called back TSTB, confirmed"})
        assert status == 202 and proposal["state"] == "pending"
        # the proposer cannot approve their own proposal
        status, refused = await call(s, hub, "POST",
                                     f"/v1/approvals/{proposal['id']}/approve", alice)
        assert status == 403 and refused["code"] == "FOUREYES.SELF_APPROVAL"
        status, pending = await call(s, hub, "GET", "/v1/approvals", bob)
        assert [p["id"] for p in pending["items"]] == [proposal["id"]]

        status, done = await call(s, hub, "POST", f"/v1/approvals/{proposal['id']}/approve", bob)
        assert status == 200 and done["result"]["state"] == "QUEUED"
        status, message = await call(s, hub, "GET", f"/v1/messages/{message_id}", bob)
        types = [e["type"] for e in message["events"]]
        assert types[:4] == ["received", "validated", "held", "proposed"]
        assert "released" in types
        released = next(e for e in message["events"] if e["type"] == "released")
        assert released["actor"].endswith(":bob")
        assert released["data"]["proposed_by"].endswith(":alice")
        status, again = await call(s, hub, "POST", f"/v1/approvals/{proposal['id']}/approve",
                                   bob)
        assert status == 409 and again["code"] == "FOUREYES.NOT_PENDING"


async def test_the_submitter_of_a_telex_cannot_release_it(hub: Hub) -> None:
    assert hub.journal is not None
    _, alice = await hub.journal.create_key("operator", "alice")
    _, bob = await hub.journal.create_key("operator", "bob")
    raw = (TELEX / "own_01_testkey_customer.txt").read_bytes()
    async with aiohttp.ClientSession() as s:
        _, body = await call(s, hub, "POST", "/v1/messages", alice, data=raw)
        _, proposal = await call(s, hub, "POST", f"/v1/repair/{body['id']}/release", bob)
        status, refused = await call(s, hub, "POST",
                                     f"/v1/approvals/{proposal['id']}/approve", alice)
        assert status == 403 and refused["code"] == "FOUREYES.SUBMITTER"


async def test_correct_keeps_the_old_version_and_reject_is_final(hub: Hub) -> None:
    assert hub.journal is not None
    _, alice = await hub.journal.create_key("operator", "alice")
    _, bob = await hub.journal.create_key("operator", "bob")
    raw = (TELEX / "own_01_testkey_customer.txt").read_bytes()
    async with aiohttp.ClientSession() as s:
        _, body = await call(s, hub, "POST", "/v1/messages", alice, data=raw)
        _, record = await call(s, hub, "GET", f"/v1/messages/{body['id']}", alice)
        fixed = dict(record["message"])
        fixed["remittance_info"] = "ORDER 5531 DELIVERY 2 (CORRECTED)"
        bad = dict(fixed, amount={"value": "1.001", "currency": "EUR"})
        status, problem = await call(s, hub, "POST", f"/v1/repair/{body['id']}/correct", alice,
                                     json={"message": bad})
        assert status == 409 and problem["diagnostics"][0]["code"] == "MODEL.MINOR_UNITS"
        _, proposal = await call(s, hub, "POST", f"/v1/repair/{body['id']}/correct", alice,
                                 json={"message": fixed, "reason": "typo"})
        status, _ = await call(s, hub, "POST", f"/v1/approvals/{proposal['id']}/approve", bob)
        assert status == 200
        _, after = await call(s, hub, "GET", f"/v1/messages/{body['id']}", alice)
        assert after["version"] == 2
        assert after["message"]["remittance_info"].endswith("(CORRECTED)")
        corrected = next(e for e in after["events"] if e["type"] == "corrected")
        assert corrected["data"]["before"]["remittance_info"] == "ORDER 5531 DELIVERY 2"

        _, second = await call(s, hub, "POST", "/v1/messages", alice,
                               data=(TELEX / "own_02_hmac_customer.txt").read_bytes())
        if second.get("state") == "REPAIR":
            _, p2 = await call(s, hub, "POST", f"/v1/repair/{second['id']}/reject", alice,
                               json={"reason": "not ours"})
            status, _ = await call(s, hub, "POST", f"/v1/approvals/{p2['id']}/approve", bob)
            assert status == 200
            _, gone = await call(s, hub, "GET", f"/v1/messages/{second['id']}", alice)
            assert gone["state"] == "REJECTED"


async def test_screening_hit_is_held_and_released_by_a_second_person(tmp_path: Path) -> None:
    lists = OWN_VECTORS / "screening"
    h = Hub(load(None, env={
        "HUB__HUB__DATA_DIR": str(tmp_path), "HUB__API__PORT": "0",
        "HUB__API__ADMIN_PORT": "0", "HUB__DISPATCH__POLL_INTERVAL": "0.05",
        "HUB__SCREENING__LISTS": f"{lists / 'sdn.csv'},{lists / 'eu-consolidated.xml'}"}))
    await h.start()
    try:
        assert h.journal is not None
        _, alice = await h.journal.create_key("operator", "alice")
        _, bob = await h.journal.create_key("operator", "bob")
        from tests.integration.core.test_journal import payment
        async with aiohttp.ClientSession() as s:
            status, clean = await call(s, h, "POST", "/v1/messages", alice, data=payment())
            assert status == 202 and clean["state"] == "QUEUED"
            status, held = await call(s, h, "POST", "/v1/messages", alice, data=payment(
                creditor={"name": "Iwan Petrowitsch Sidorow", "account": "X1"}))
            assert status == 202 and held["state"] == "REPAIR"
            _, queue = await call(s, h, "GET", "/v1/repair", bob)
            [item] = queue["items"]
            assert item["reason"]["code"] == "SCREEN.HIT"
            assert item["reason"]["hits"][0]["path"].startswith("creditor")
            _, proposal = await call(s, h, "POST", f"/v1/repair/{held['id']}/release", alice,
                                     json={"reason": "false positive: different person"})
            status, _ = await call(s, h, "POST", f"/v1/approvals/{proposal['id']}/approve",
                                   alice)
            assert status == 403
            status, done = await call(s, h, "POST", f"/v1/approvals/{proposal['id']}/approve",
                                      bob)
            assert status == 200 and done["result"]["state"] == "QUEUED"
        async with aiohttp.ClientSession() as s, s.get(
                f"http://127.0.0.1:{h.admin_port}/metrics") as r:
            text = await r.text()
        assert "hub_screening_hits_total" in text
    finally:
        await h.stop()
