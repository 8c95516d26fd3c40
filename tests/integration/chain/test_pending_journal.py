"""The chain connectors' pending-transaction store in the journal, on SQLite and PostgreSQL.

Two stores on two journal connections to the same database stand for two hub processes (or a
process and its restart): what one records, the other finds; one live record per key; one
pending record per nonce; the first final result stands.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.connectors.nonces import (
    VOID,
    JournalPendingTxStore,
    KeyTaken,
    MemoryPendingTxStore,
    NonceAllocator,
    NonceTaken,
    PendingTxStore,
    record_signed,
)
from hub.journal import Journal
from hub.journal.db import PostgresDatabase, load_queries
from tests.conftest import PG_DSN


@pytest.fixture
async def other(journal: Journal, tmp_path: Path) -> AsyncIterator[Journal]:
    """A second connection pool to the journal's database: another hub process."""
    if isinstance(journal.db, PostgresDatabase):
        second = await Journal.open(PG_DSN, schema=journal.db.schema, pool_size=2)
    else:
        second = await Journal.open(f"sqlite:///{tmp_path / 'hub.db'}")
    yield second
    await second.close()


def blob(n: int) -> tuple[str, str]:
    return f"{n:04x}" * 8, f"HASH{n:04d}"


async def test_a_record_survives_into_another_process(journal: Journal, other: Journal) -> None:
    store = JournalPendingTxStore(journal, "xrpl")
    await store.put("k1", "DEADBEEF", "HASH1", 7, meta={"min_ledger": 3,
                                                        "amount": {"value": "1.5"}})
    found = await JournalPendingTxStore(other, "xrpl").get("k1")
    assert found is not None and found.is_pending
    assert (found.signed_blob, found.tx_hash, found.nonce) == ("DEADBEEF", "HASH1", 7)
    assert found.meta == {"min_ledger": 3, "amount": {"value": "1.5"}}
    assert [r.key for r in await JournalPendingTxStore(other, "xrpl").pending()] == ["k1"]
    assert await JournalPendingTxStore(other, "eth").get("k1") is None  # per connector

    await JournalPendingTxStore(other, "xrpl").mark_final(
        "k1", {"outcome": "completed", "detail": {"ledger_index": 9}})
    done = await store.get("k1")
    assert done is not None and done.is_final and done.result == {
        "outcome": "completed", "detail": {"ledger_index": 9}}
    assert await store.pending() == []


async def test_one_live_record_per_key_a_void_one_is_replaced(journal: Journal,
                                                              other: Journal) -> None:
    mine, theirs = JournalPendingTxStore(journal, "eth"), JournalPendingTxStore(other, "eth")
    await mine.put("k1", *blob(1), 0)
    with pytest.raises(KeyTaken):
        await theirs.put("k1", *blob(2), 1)
    await theirs.mark_final("k1", {"outcome": VOID, "reason": "nonce used elsewhere"})
    await theirs.put("k1", *blob(3), 1)  # signed anew
    record = await mine.get("k1")
    assert record is not None and record.is_pending and record.tx_hash == blob(3)[1]
    await mine.mark_final("k1", {"outcome": "failed", "code": "ETH.REVERTED"})
    with pytest.raises(KeyTaken):  # a final record is never replaced
        await theirs.put("k1", *blob(4), 2)


async def test_one_pending_record_per_nonce(journal: Journal, other: Journal) -> None:
    mine, theirs = JournalPendingTxStore(journal, "eth"), JournalPendingTxStore(other, "eth")
    await mine.put("k1", *blob(1), 5)
    with pytest.raises(NonceTaken):
        await theirs.put("k2", *blob(2), 5)
    assert await theirs.get("k2") is None  # nothing was written
    await JournalPendingTxStore(other, "another").put("k2", *blob(2), 5)  # its own account
    await mine.mark_final("k1", {"outcome": VOID, "reason": "expired"})
    await theirs.put("k2", *blob(3), 5)  # a void record holds nothing
    assert [(r.key, r.nonce) for r in await mine.pending()] == [("k2", 5)]


async def test_the_first_final_result_stands(journal: Journal, other: Journal) -> None:
    mine, theirs = JournalPendingTxStore(journal, "xrpl"), JournalPendingTxStore(other, "xrpl")
    await mine.put("k1", *blob(1), 1)
    await mine.mark_final("k1", {"outcome": "completed"})
    await theirs.mark_final("k1", {"outcome": VOID, "reason": "late"})
    record = await theirs.get("k1")
    assert record is not None and record.is_final and record.result == {"outcome": "completed"}


async def test_pending_is_ordered_by_nonce(journal: Journal) -> None:
    store = JournalPendingTxStore(journal, "xrpl")
    for key, nonce in (("c", 12), ("a", 10), ("b", 11)):
        await store.put(key, *blob(nonce), nonce)
    await store.mark_final("b", {"outcome": "completed"})
    assert [(r.key, r.nonce) for r in await store.pending()] == [("a", 10), ("c", 12)]


async def _sign_concurrently(stores: list[PendingTxStore], keys: list[str],
                             chain_next: int) -> list[tuple[str, int, bool]]:
    async def one(store: PendingTxStore, key: str) -> tuple[str, int, bool]:
        nonces = NonceAllocator()  # each process has its own view of the nonces
        async with nonces.lock:
            record, ours = await record_signed(store, nonces, key, chain_next,
                                               lambda n: (*blob(n), {"by": id(store)}))
        return record.tx_hash, record.nonce, ours

    return await asyncio.gather(*(one(s, k) for s, k in zip(stores, keys, strict=True)))


async def test_two_processes_signing_the_same_payment_follow_one_record(
        journal: Journal, other: Journal) -> None:
    stores: list[PendingTxStore] = [JournalPendingTxStore(journal, "xrpl"),
                                    JournalPendingTxStore(other, "xrpl")]
    results = await _sign_concurrently(stores * 3, ["k1"] * 6, chain_next=4)
    assert len({(h, n) for h, n, _ in results}) == 1  # everyone follows the same transaction
    assert sum(ours for _, _, ours in results) == 1  # exactly one signed it
    assert len(await stores[0].pending()) == 1


async def test_two_processes_signing_different_payments_get_distinct_nonces(
        journal: Journal, other: Journal) -> None:
    stores: list[PendingTxStore] = [JournalPendingTxStore(journal, "eth"),
                                    JournalPendingTxStore(other, "eth")]
    results = await _sign_concurrently(stores * 4, [f"k{i}" for i in range(8)], chain_next=0)
    assert sorted(n for _, n, _ in results) == list(range(8))
    assert all(ours for _, _, ours in results)


async def test_the_memory_double_keeps_the_same_rules() -> None:
    store = MemoryPendingTxStore()
    await store.put("k1", *blob(1), 1)
    with pytest.raises(KeyTaken):
        await store.put("k1", *blob(2), 2)
    with pytest.raises(NonceTaken):
        await store.put("k2", *blob(3), 1)
    await store.mark_final("k1", {"outcome": "completed"})
    await store.mark_final("k1", {"outcome": VOID})
    record = await store.get("k1")
    assert record is not None and record.is_final


def test_both_dialects_define_the_store_queries() -> None:
    names = {"chain_tx_nonce_held", "chain_tx_record", "chain_tx_get", "chain_tx_finish",
             "chain_tx_pending", "gateway_open_sends"}
    assert names <= set(load_queries("sqlite")) and names <= set(load_queries("postgres"))


async def test_migrations_apply_again_after_a_gap(journal: Journal) -> None:
    """The runner applies what is missing in version order and checks the list, not a count:
    a database that lacks this migration (or one numbered below it) catches up."""
    async with journal.db.transaction() as c:
        await c.execute("DROP TABLE chain_pending")
        await c.execute("DELETE FROM schema_migrations WHERE version = 4")
    assert await journal.migrate() == [4]
    await journal.check_schema()
    await JournalPendingTxStore(journal, "xrpl").put("k1", *blob(1), 1)
