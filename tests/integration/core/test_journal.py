"""The journal suite: the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest

from hub.errors import JournalError
from hub.journal import Journal, NewEvent, Settlement, verify_events
from hub.metrics import Metrics
from hub.model import State
from hub.pipeline import Pipeline, Rejected, Submission
from hub.router import StaticPlanner


def payment(**over: Any) -> bytes:
    data: dict[str, Any] = {
        "kind": "customer_credit_transfer", "uetr": str(uuid.uuid4()), "instruction_id": "R1",
        "amount": {"value": "100.00", "currency": "EUR"}, "settlement_date": "2026-11-25",
        "debtor": {"name": "Alice", "account": "DE89370400440532013000"},
        "debtor_agent": {"bic": "DEUTDEFF"}, "creditor": {"name": "Bob"},
        "creditor_agent": {"bic": "BNPAFRPP"}}
    data.update(over)
    return orjson.dumps(data)


def pipeline(journal: Journal) -> Pipeline:
    return Pipeline(journal, StaticPlanner("outbox"), metrics=Metrics(), our_bic="NVCHGB2LXXX")


async def test_accept_journals_message_events_and_outbox(journal: Journal) -> None:
    result = await pipeline(journal).submit(Submission(raw=payment(), channel="api"))
    [outcome] = result.outcomes
    assert outcome.status == "accepted" and outcome.state is State.QUEUED
    record = await journal.get(outcome.message_id)
    assert record is not None and record.state is State.QUEUED
    assert record.amount == "100.00" and record.currency == "EUR"
    assert record.route == {"connector": "outbox", "format": "json", "rule": "default"}
    events = await journal.events(outcome.message_id)
    assert [e.type for e in events] == ["received", "validated", "routed", "queued"]
    assert verify_events(events) == []
    depth, oldest = await journal.outbox_stats()
    assert depth == 1 and oldest is not None


async def test_duplicates_return_the_original_and_conflicts_are_flagged(journal: Journal) -> None:
    p = pipeline(journal)
    raw = payment()
    first = (await p.submit(Submission(raw=raw, channel="api"))).outcomes[0]
    again = (await p.submit(Submission(raw=raw, channel="api"))).outcomes[0]
    assert again.status == "duplicate" and again.message_id == first.message_id
    uetr = orjson.loads(raw)["uetr"]
    clash = (await p.submit(Submission(raw=payment(uetr=uetr, instruction_id="OTHER"),
                                       channel="api"))).outcomes[0]
    assert clash.status == "conflict" and clash.message_id == first.message_id
    assert (await journal.outbox_stats())[0] == 1


async def test_idempotency_key_scopes_dedup(journal: Journal) -> None:
    p = pipeline(journal)
    a = await p.submit(Submission(raw=payment(), channel="api", idempotency_key="k1",
                                  submitted_by="key:1"))
    b = await p.submit(Submission(raw=payment(), channel="api", idempotency_key="k1",
                                  submitted_by="key:1"))
    assert b.outcomes[0].status == "conflict"
    assert b.outcomes[0].message_id == a.outcomes[0].message_id


async def test_invalid_input_is_refused_and_changes_nothing(journal: Journal) -> None:
    p = pipeline(journal)
    with pytest.raises(Rejected) as caught:
        await p.submit(Submission(raw=payment(amount={"value": "1.001", "currency": "EUR"}),
                                  channel="api"))
    assert caught.value.diagnostics[0].code == "MODEL.MINOR_UNITS"
    assert await journal.list_messages() == []


async def test_concurrent_submissions_share_transactions(journal: Journal) -> None:
    p = pipeline(journal)
    p.start()
    try:
        results = await asyncio.gather(*(p.submit(Submission(raw=payment(), channel="api"))
                                         for _ in range(50)))
    finally:
        await p.stop()
    ids = {r.outcomes[0].message_id for r in results}
    assert len(ids) == 50
    assert len(await journal.list_messages(limit=1000)) == 50
    assert p.metrics.journal_batch_size._sum.get() == 50  # type: ignore[attr-defined]


async def test_claim_settle_and_chain(journal: Journal) -> None:
    p = pipeline(journal)
    outcome = (await p.submit(Submission(raw=payment(), channel="api"))).outcomes[0]
    items = await journal.claim("w1", 10, 60_000_000)
    assert [i.message_id for i in items] == [outcome.message_id]
    assert await journal.claim("w2", 10, 60_000_000) == []  # claimed rows are not offered again
    from hub.journal import Settlement
    await journal.settle([Settlement(outbox_id=items[0].id, message_id=outcome.message_id,
                                     outcome="sent", state=State.DISPATCHED,
                                     event=NewEvent("dispatched", State.DISPATCHED, "w1",
                                                    {"reference": "f.json"}),
                                     external_ref="f.json")])
    record = await journal.get(outcome.message_id)
    assert record is not None and record.state is State.DISPATCHED
    assert record.external_ref == "f.json"
    assert await journal.find(external_ref="f.json") == [outcome.message_id]
    assert verify_events(await journal.events(outcome.message_id)) == []
    assert (await journal.outbox_stats())[0] == 0


@pytest.mark.postgres
@pytest.mark.parametrize("journal", ["postgres"], indirect=True)  # SQLite locks the database
async def test_settle_never_overwrites_an_event_appended_meanwhile(journal: Journal) -> None:
    """Between the dispatcher's read of a message and its write, an answer may append an event.
    The optimistic write then moves nothing; settle() writes the verdict on the fresh head."""
    p = pipeline(journal)
    outcome = (await p.submit(Submission(raw=payment(), channel="api"))).outcomes[0]
    items = await journal.claim("w1", 10, 60_000_000)
    verdict = Settlement(outbox_id=items[0].id, message_id=outcome.message_id, outcome="sent",
                         state=State.DISPATCHED,
                         event=NewEvent("dispatched", State.DISPATCHED, "w1", {}))
    stale = await journal._read_heads([verdict])
    await journal.append(outcome.message_id, NewEvent("note", State.QUEUED, "bank", {}))
    assert await journal._write_settled([verdict], stale) == set()  # nothing written
    assert [e.type for e in await journal.events(outcome.message_id)][-1] == "note"
    await journal.settle([verdict])
    events = await journal.events(outcome.message_id)
    assert [e.type for e in events][-2:] == ["note", "dispatched"]
    assert verify_events(events) == []
    record = await journal.get(outcome.message_id)
    assert record is not None and record.state is State.DISPATCHED
    assert (await journal.outbox_stats())[0] == 0


async def test_expired_claims_are_offered_again(journal: Journal) -> None:
    p = pipeline(journal)
    await p.submit(Submission(raw=payment(), channel="api"))
    first = await journal.claim("dead-worker", 10, -1)  # lease already over
    again = await journal.claim("w2", 10, 60_000_000)
    assert [i.id for i in again] == [i.id for i in first]
    assert again[0].attempts == 2


async def test_append_checks_transitions(journal: Journal) -> None:
    p = pipeline(journal)
    outcome = (await p.submit(Submission(raw=payment(), channel="api"))).outcomes[0]
    with pytest.raises(JournalError) as caught:
        await journal.append(outcome.message_id, NewEvent("x", State.RECEIVED, "t"))
    assert caught.value.code == "JOURNAL.TRANSITION"
    with pytest.raises(JournalError):
        await journal.append(outcome.message_id, NewEvent("x", State.REPAIR, "t"),
                             expect={State.DEAD})
    state = await journal.append(outcome.message_id, NewEvent("held", State.REPAIR, "op"))
    assert state is State.REPAIR


async def test_tampering_breaks_the_chain(journal: Journal) -> None:
    p = pipeline(journal)
    outcome = (await p.submit(Submission(raw=payment(), channel="api"))).outcomes[0]
    events = await journal.events(outcome.message_id)
    from dataclasses import replace
    forged = [events[0], replace(events[1], data={"warnings": ["forged"]}), *events[2:]]
    assert verify_events(forged)
    assert verify_events([events[0], *events[2:]])


async def test_api_keys_are_stored_hashed(journal: Journal) -> None:
    key, token = await journal.create_key("operator", "ops")
    assert (await journal.key_for(token)).role == "operator"  # type: ignore[union-attr]
    assert await journal.key_for(token + "x") is None
    await journal.revoke_key(key.id)
    assert await journal.key_for(token) is None
    async with journal.db.connection() as c:
        rows = await c.fetch("SELECT hash FROM api_keys")
    assert token not in str(rows)


async def test_control_numbers_and_counters(journal: Journal) -> None:
    assert [await journal.next_counter("x12:ACME") for _ in range(3)] == [1, 2, 3]
    assert await journal.record_control_number("ACME", "ISA", "in", "000000001")
    assert not await journal.record_control_number("ACME", "ISA", "in", "000000001")


async def test_migrate_is_idempotent(journal: Journal) -> None:
    assert await journal.migrate() == []
    await journal.check_schema()


async def test_list_pages_with_a_cursor(journal: Journal) -> None:
    p = pipeline(journal)
    for _ in range(5):
        await p.submit(Submission(raw=payment(), channel="api"))
    first = await journal.list_messages(limit=3)
    rest = await journal.list_messages(after_seq=first[-1].seq, limit=3)
    assert len(first) == 3 and len(rest) == 2
    assert not {r.id for r in first} & {r.id for r in rest}
    assert len(await journal.list_messages(state=State.QUEUED, limit=10)) == 5
    assert await journal.list_messages(state=State.DEAD) == []
