"""EDI through the running hub: payments journalled, the sender answered with a 997 or CONTRL,
a reused interchange control number refused as a duplicate and answered as rejected; 820s and
PAYMULs the hub sends moved to DELIVERED or REJECTED by the partner's 997 or CONTRL, found by
their control numbers, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub import codecs
from hub.app import Hub
from hub.codecs.edi import edifact, x12
from hub.codecs.edi.edifact_syntax import write_interchange as write_edifact
from hub.codecs.edi.x12_syntax import write_interchange
from hub.model import State
from hub.pipeline import Submission
from tests.integration.hubs import filedrop_links, running_hub
from tests.support import OWN_VECTORS

X12 = OWN_VECTORS / "edi" / "x12" / "820_004010_two_payments.x12"
PAYMUL = OWN_VECTORS / "edi" / "edifact" / "paymul_01_two_b_levels_decimal_comma.edi"
WHEN = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path) as h:
        yield h


async def acks(folder: Path, fmt: str, count: int) -> list[codecs.Decoded]:
    for _ in range(200):
        found = [codecs.decode(p.read_bytes()) for p in folder.glob("ack-*")]
        found = [d for d in found if d.format.split(".")[0] == fmt.split(".")[0]]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.03)
    raise AssertionError(f"expected {count} {fmt} acknowledgements")


@pytest.mark.parametrize(("vector", "ack_format"), [(X12, "x12.997"),
                                                     (PAYMUL, "edifact.contrl")])
async def test_interchange_answered_and_duplicate_refused(hub: Hub, tmp_path: Path,
                                                          vector: Path, ack_format: str) -> None:
    inbox = tmp_path / "inbox"
    expected = len(codecs.decode(vector.read_bytes()).messages)
    (inbox / "first.edi").write_bytes(vector.read_bytes())
    [ack] = await acks(tmp_path / "outbox", ack_format, 1)
    assert ack.ok and {m.status for m in ack.messages} == {"ACCP"}
    assert hub.journal is not None
    payments = [r for r in await hub.journal.list_messages(limit=100)
                if r.kind == "customer_credit_transfer"]
    assert len(payments) == expected >= 2
    # the same interchange again under another name: a duplicate, refused and answered so
    (inbox / "again.edi").write_bytes(vector.read_bytes())
    for _ in range(200):
        if (inbox / "rejected" / "again.edi").exists():
            break
        await asyncio.sleep(0.03)
    errors = (inbox / "rejected" / "again.edi.errors.json").read_text()
    assert "DUPLICATE_INTERCHANGE" in errors
    answers = await acks(tmp_path / "outbox", ack_format, 2)
    statuses = sorted({m.status for d in answers for m in d.messages if m.status})
    assert "RJCT" in statuses, statuses
    assert len([r for r in await hub.journal.list_messages(limit=100)
                if r.kind == "customer_credit_transfer"]) == expected


# -- acknowledgements of what the hub sends -------------------------------------------------

ROUTES = """
[[rules]]
id = "usd-as-820"
currency = "USD"
connector = "corp_x12"
format = "x12.820"

[[rules]]
id = "eur-as-paymul"
currency = "EUR"
connector = "bank_edifact"
format = "edifact.paymul"

[default]
connector = "corp_x12"
format = "json"
"""
LINKS = ("corp_x12", "bank_edifact")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def routed_hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    (tmp_path / "routes.toml").write_text(ROUTES)
    async with running_hub(tmp_path, request.param,
                           HUB__ROUTING__TABLE=str(tmp_path / "routes.toml"),
                           **filedrop_links(tmp_path, *LINKS)) as h:
        yield h


def payment(reference: str, currency: str) -> bytes:
    return json.dumps({
        "kind": "customer_credit_transfer", "uetr": str(uuid.uuid4()),
        "instruction_id": reference, "amount": {"value": "1250.00", "currency": currency},
        "settlement_date": "2026-11-26",
        "debtor": {"name": "ALICE LTD", "account": "DE89370400440532013000"},
        "debtor_agent": {"bic": "DEUTDEFF"},
        "creditor": {"name": "BOB SA", "account": "FR1420041010050500013M02606"},
        "creditor_agent": {"bic": "BNPAFRPP"}}).encode()


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(300):
        if await check():
            return
        await asyncio.sleep(0.03)
    raise AssertionError(f"timed out waiting for {what}")


async def send_out(hub: Hub, tmp_path: Path, link: str, reference: str,
                   currency: str) -> tuple[str, codecs.Decoded]:
    """Submit a payment the table routes to `link`; wait until it is on disk and DISPATCHED."""
    assert hub.pipeline is not None and hub.journal is not None
    journal = hub.journal
    before = set((tmp_path / link / "out").glob("*"))
    result = await hub.pipeline.submit(Submission(raw=payment(reference, currency),
                                                  channel="api", submitted_by="test"))
    [outcome] = result.outcomes
    message_id = outcome.message_id

    async def sent() -> bool:
        record = await journal.get(message_id)
        return record is not None and record.state is State.DISPATCHED
    await until(sent, f"{reference} dispatched")
    [written] = set((tmp_path / link / "out").glob("*")) - before
    decoded = codecs.decode(written.read_bytes())
    assert decoded.ok, decoded.diagnostics
    [back] = decoded.messages
    assert back.instruction_id == reference
    return message_id, decoded


async def answer_with(hub: Hub, tmp_path: Path, link: str, name: str, raw: bytes) -> None:
    (tmp_path / link / "in" / name).write_bytes(raw)
    processed = tmp_path / link / "in" / "processed" / name

    async def taken() -> bool:
        return processed.exists()
    await until(taken, f"{name} journalled")


async def state_of(hub: Hub, message_id: str) -> State:
    assert hub.journal is not None
    record = await hub.journal.get(message_id)
    assert record is not None
    return record.state


async def answer_events(hub: Hub, message_id: str) -> list[dict]:
    assert hub.journal is not None
    return [e.data for e in await hub.journal.events(message_id) if e.type == "answer"]


async def unmatched_answers(hub: Hub, fmt: str) -> list[dict]:
    assert hub.journal is not None
    found = []
    for record in await hub.journal.list_messages(limit=500):
        if record.format == fmt:
            found += [e.data for e in await hub.journal.events(record.id)
                      if e.type == "unmatched"]
    return found


def x12_997(partner: str, us: str, group: str, body: list[list[str]], number: int) -> bytes:
    return write_interchange([("FA", "004010", [("997", "", [["AK1", "RA", group], *body])])],
                             sender=partner, receiver=us, control_number=number, when=WHEN)


async def test_820_sent_is_delivered_or_rejected_by_the_partners_997(routed_hub: Hub,
                                                                      tmp_path: Path) -> None:
    hub = routed_hub
    first, sent = await send_out(hub, tmp_path, "corp_x12", "PAY-X12-1", "USD")
    second, sent_too = await send_out(hub, tmp_path, "corp_x12", "PAY-X12-2", "USD")
    ic, ic_too = sent.envelope.interchange, sent_too.envelope.interchange
    assert int(ic_too.control) > int(ic.control)  # outgoing numbers increase per partner
    partner, us = ic.receiver, ic.sender

    # the partner accepts the first interchange with the 997 its own checks produce
    accept = x12.acknowledge(sent, control_number=900, when=WHEN)
    await answer_with(hub, tmp_path, "corp_x12", "accept.997", accept)
    assert await state_of(hub, first) is State.DELIVERED
    assert {e["status"] for e in await answer_events(hub, first)} >= {"ACCP"}

    # and rejects the second: AK3/AK4 point at BPR02, AK5 R 5, AK9 R
    group = ic_too.groups[0].control
    reject = x12_997(partner, us, group, [
        ["AK2", "820", "0001"], ["AK3", "BPR", "2", "", "8"], ["AK4", "2", "", "6", "15O0.00"],
        ["AK5", "R", "5"], ["AK9", "R", "1", "1", "0", "5"]], 901)
    await answer_with(hub, tmp_path, "corp_x12", "reject.997", reject)
    assert await state_of(hub, second) is State.REJECTED
    [rejected] = [e for e in await answer_events(hub, second) if e["status"] == "RJCT"]
    assert rejected["reason_code"] == "5" and "BPR" in rejected["reason"]
    assert await state_of(hub, first) is State.DELIVERED  # untouched by the other answer

    # an answer naming a group the hub never sent moves nothing and is kept as unmatched
    third, _ = await send_out(hub, tmp_path, "corp_x12", "PAY-X12-3", "USD")
    stray = x12_997(partner, us, "999999", [["AK2", "820", "0001"], ["AK5", "A"],
                                           ["AK9", "A", "1", "1", "1"]], 902)
    await answer_with(hub, tmp_path, "corp_x12", "stray.997", stray)
    assert await state_of(hub, third) is State.DISPATCHED
    unmatched = await unmatched_answers(hub, "x12.997")
    assert any("999999" in " ".join(u["keys"]) for u in unmatched), unmatched
    assert await answer_events(hub, third) == []


def contrl(partner: str, us: str, body: list[list[list[str]]], reference: str) -> bytes:
    return write_edifact([(["CONTRL", "D", "3", "UN"], body)], sender=[partner], recipient=[us],
                         reference=reference, when=WHEN)


async def test_paymul_sent_is_delivered_or_rejected_by_the_partners_contrl(
        routed_hub: Hub, tmp_path: Path) -> None:
    hub = routed_hub
    first, sent = await send_out(hub, tmp_path, "bank_edifact", "PAY-EDI-1", "EUR")
    second, sent_too = await send_out(hub, tmp_path, "bank_edifact", "PAY-EDI-2", "EUR")
    ic, ic_too = sent.envelope.interchange, sent_too.envelope.interchange
    assert int(ic_too.reference) > int(ic.reference)
    partner, us = ic.recipient[0], ic.sender[0]

    accept = edifact.acknowledge(sent, control_number=800, when=WHEN)
    await answer_with(hub, tmp_path, "bank_edifact", "accept.edi", accept)
    assert await state_of(hub, first) is State.DELIVERED
    assert {e["status"] for e in await answer_events(hub, first)} >= {"ACCP"}

    reject = contrl(partner, us, [
        [["UCI"], [ic_too.reference], [us], [partner], ["4"], ["12"], ["UNH"]],
        [["UCM"], ["1"], ["PAYMUL", "D", "96A", "UN"], ["4"], ["12"]],
        [["UCS"], ["5"], ["13"]]], "801")
    await answer_with(hub, tmp_path, "bank_edifact", "reject.edi", reject)
    assert await state_of(hub, second) is State.REJECTED
    [rejected] = [e for e in await answer_events(hub, second) if e["status"] == "RJCT"]
    assert rejected["reason_code"] == "12" and "segment 5" in rejected["reason"]
    assert await state_of(hub, first) is State.DELIVERED

    third, _ = await send_out(hub, tmp_path, "bank_edifact", "PAY-EDI-3", "EUR")
    stray = contrl(partner, us, [[["UCI"], ["424242"], [us], [partner], ["7"]],
                                 [["UCM"], ["1"], ["PAYMUL", "D", "96A", "UN"], ["7"]]], "802")
    await answer_with(hub, tmp_path, "bank_edifact", "stray.edi", stray)
    assert await state_of(hub, third) is State.DISPATCHED
    unmatched = await unmatched_answers(hub, "edifact.contrl")
    assert any("424242" in " ".join(u["keys"]) for u in unmatched), unmatched
    assert await answer_events(hub, third) == []
