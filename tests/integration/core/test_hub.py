"""The running hub in-process: HTTP API, file drop in and out, auth, problem+json, metrics."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from hub.api.app import ROUTES, route_table
from hub.app import Hub
from hub.config import load
from tests.integration.core.test_journal import payment


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    settings = load(None, env={
        "HUB__HUB__DATA_DIR": str(tmp_path), "HUB__API__PORT": "0",
        "HUB__API__ADMIN_PORT": "0", "HUB__API__MAX_BODY_BYTES": "65536",
        "HUB__DISPATCH__POLL_INTERVAL": "0.05", "HUB__LOG__LEVEL": "WARNING"})
    h = Hub(settings)
    await h.start()
    yield h
    await h.stop()


def base(h: Hub) -> str:
    return f"http://127.0.0.1:{h.api_port}"


def auth(h: Hub) -> dict[str, str]:
    assert h.bootstrap_token
    return {"Authorization": f"Bearer {h.bootstrap_token}"}


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_submit_then_follow_to_the_outbox(hub: Hub, tmp_path: Path) -> None:
    raw = payment()
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{base(hub)}/v1/messages", data=raw, headers={
                **auth(hub), "Content-Type": "application/json"}) as r:
            assert r.status == 202
            body = await r.json()
        assert body["state"] == "QUEUED" and body["uetr"] == orjson.loads(raw)["uetr"]
        message_id = body["id"]

        async def landed() -> bool:
            return any((tmp_path / "outbox").glob("*.json"))
        await wait_for(landed)
        [written] = list((tmp_path / "outbox").glob("*.json"))
        assert orjson.loads(written.read_bytes())["uetr"] == body["uetr"]

        async def dispatched() -> bool:
            async with s.get(f"{base(hub)}/v1/messages/{message_id}", headers=auth(hub)) as r:
                return (await r.json())["state"] == "DISPATCHED"
        await wait_for(dispatched)
        async with s.get(f"{base(hub)}/v1/messages/{message_id}/events",
                         headers=auth(hub)) as r:
            events = (await r.json())["events"]
        assert [e["type"] for e in events] == ["received", "validated", "routed", "queued",
                                               "dispatched"]
        async with s.post(f"{base(hub)}/v1/messages", data=raw, headers=auth(hub)) as r:
            assert r.status == 200
            again = await r.json()
        assert again["id"] == message_id and again["duplicate"] is True
        async with s.get(f"{base(hub)}/v1/messages?state=DISPATCHED&limit=5",
                         headers=auth(hub)) as r:
            page = await r.json()
        assert [i["id"] for i in page["items"]] == [message_id]
        async with s.get(f"http://127.0.0.1:{hub.admin_port}/metrics") as r:
            text = await r.text()
        assert 'hub_messages_accepted_total{channel="api",format="json",state="QUEUED"} 1.0' \
            in text
        assert "hub_outbox_depth 0.0" in text


async def test_file_drop_inbound_is_journalled_once_and_moved(hub: Hub, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "pay1.json").write_bytes(payment())
    (inbox / "junk.json").write_bytes(b"{not json")

    async def moved() -> bool:
        return (inbox / "processed" / "pay1.json").exists() and \
            (inbox / "rejected" / "junk.json").exists()
    await wait_for(moved)
    errors = orjson.loads((inbox / "rejected" / "junk.json.errors.json").read_bytes())
    assert errors["diagnostics"][0]["code"] == "JSON.SYNTAX"
    assert hub.journal is not None
    records = await hub.journal.list_messages()
    assert len(records) == 1 and records[0].channel == "outbox"


@pytest.mark.parametrize(("body", "headers", "status", "code"), [
    (b"{not json", {}, 422, "JSON.SYNTAX"),
    (b"\x00\x01\x02garbage", {}, 422, "CODEC.UNKNOWN_FORMAT"),
    (payment(amount={"value": "1.001", "currency": "EUR"}), {}, 422, "MODEL.MINOR_UNITS"),
    (payment(amount={"value": "1", "currency": "XYZ"}), {}, 422, "MODEL.CURRENCY"),
    (payment(creditor_agent={"bic": "BNPAXXPP"}), {}, 422, "MODEL.BIC"),
    (payment(debtor={"account": "DE89370400440532013001"}), {}, 422, "MODEL.IBAN"),
    (b"{" + b" " * 70000 + b"}", {}, 413, "API.TOO_LARGE"),
])
async def test_bad_input_gets_problem_json_and_changes_nothing(
        hub: Hub, body: bytes, headers: dict[str, str], status: int, code: str) -> None:
    async with aiohttp.ClientSession() as s, s.post(
            f"{base(hub)}/v1/messages", data=body, headers={**auth(hub), **headers}) as r:
        assert r.status == status
        assert r.content_type == "application/problem+json"
        problem = await r.json()
    assert problem["code"] == code
    if status == 422:
        assert problem["diagnostics"][0]["code"] == code
        assert "location" in problem["diagnostics"][0]
    assert hub.journal is not None and await hub.journal.list_messages() == []


async def test_auth_and_roles_on_every_route(hub: Hub) -> None:
    assert hub.journal is not None
    _, auditor = await hub.journal.create_key("auditor", "audit")
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{base(hub)}/v1/messages", data=payment()) as r:
            assert r.status == 401
        async with s.get(f"{base(hub)}/v1/messages",
                         headers={"Authorization": "Bearer nvc_nope"}) as r:
            assert r.status == 401
        async with s.post(f"{base(hub)}/v1/messages", data=payment(),
                          headers={"Authorization": f"Bearer {auditor}"}) as r:
            assert r.status == 403
            assert (await r.json())["code"] == "AUTH.FORBIDDEN"
        async with s.get(f"{base(hub)}/v1/messages",
                         headers={"Authorization": f"Bearer {auditor}"}) as r:
            assert r.status == 200
        async with s.get(f"{base(hub)}/v1/messages/{uuid.uuid4()}", headers=auth(hub)) as r:
            assert r.status == 404
        async with s.get(f"http://127.0.0.1:{hub.admin_port}/healthz") as r:
            assert r.status == 200
        async with s.get(f"http://127.0.0.1:{hub.admin_port}/readyz") as r:
            assert r.status == 200


async def test_openapi_document_lists_exactly_the_served_routes(hub: Hub) -> None:
    async with aiohttp.ClientSession() as s, s.get(f"{base(hub)}/v1/openapi.json",
                                                    headers=auth(hub)) as r:
        spec = await r.json()
    documented = {(method.upper(), path) for path, ops in spec["paths"].items()
                  for method in ops}
    assert hub.api_app is not None
    served = route_table(hub.api_app)
    assert documented == served
    assert {(m, p) for m, p, _, _ in ROUTES} <= served
