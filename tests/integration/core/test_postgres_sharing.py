"""Several hub processes on one PostgreSQL share the outbox without double claims."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg
import pytest

from hub.connectors.base import ConnectorSpec, Delivery, Health, Outbound, Outcome
from hub.dispatch import Dispatcher, Policy
from hub.journal import Journal
from hub.metrics import Metrics
from hub.pipeline import Pipeline, Submission
from hub.router import StaticPlanner
from tests.conftest import PG_DSN
from tests.integration.core.test_journal import payment, pipeline

pytestmark = pytest.mark.postgres


async def test_concurrent_claimers_never_share_a_row(pg_schema: str) -> None:
    journals = [await Journal.open(PG_DSN, schema=pg_schema, pool_size=4) for _ in range(4)]
    try:
        await journals[0].migrate()
        p = pipeline(journals[0])
        p.start()
        await asyncio.gather(*(p.submit(Submission(raw=payment(), channel="api"))
                               for _ in range(200)))
        await p.stop()

        async def drain(j: Journal, name: str) -> list[int]:
            got: list[int] = []
            while batch := await j.claim(name, 7, 60_000_000):
                got.extend(i.id for i in batch)
            return got

        claimed = await asyncio.gather(*(drain(j, f"w{i}") for i, j in enumerate(journals)))
        flat = [i for part in claimed for i in part]
        assert len(flat) == 200 and len(set(flat)) == 200
        assert sum(1 for part in claimed if part) >= 2  # the work was actually shared
    finally:
        for j in journals:
            await j.close()


async def test_lease_is_held_by_one_process(pg_schema: str) -> None:
    a = await Journal.open(PG_DSN, schema=pg_schema, pool_size=2)
    b = await Journal.open(PG_DSN, schema=pg_schema, pool_size=2)
    try:
        async with a.lease("sftp:bank1") as held_a, b.lease("sftp:bank1") as held_b:
            assert held_a and not held_b
        async with b.lease("sftp:bank1") as held_b:
            assert held_b
    finally:
        await a.close()
        await b.close()


async def test_a_lease_that_cannot_be_released_does_not_go_back_to_the_pool(
        pg_schema: str) -> None:
    """Pooled connections are returned without a session reset, so a connection whose
    unlock failed must be closed rather than pooled still holding the lock."""
    a = await Journal.open(PG_DSN, schema=pg_schema, pool_size=2)
    b = await Journal.open(PG_DSN, schema=pg_schema, pool_size=2)
    try:
        release = a.q["release_lease"]
        a.q["release_lease"] = "SELECT no_such_function($1)"
        with pytest.raises(asyncpg.UndefinedFunctionError):
            async with a.lease("sftp:bank2") as held:
                assert held
        a.q["release_lease"] = release
        # The lock goes with the closed session once its server process has seen it close.
        for _ in range(100):
            async with b.lease("sftp:bank2") as held_b:
                if held_b:
                    break
            await asyncio.sleep(0.05)
        assert held_b
        async with a.lease("sftp:bank3") as held_a:  # and the pool opened a fresh connection
            assert held_a
    finally:
        await a.close()
        await b.close()


class Counting:
    """Counts every send per idempotency key (no dedup of its own)."""

    def __init__(self) -> None:
        self.name = "bank"
        self.spec = ConnectorSpec()
        self.counts: Counter[str] = Counter()

    async def start(self) -> None: ...

    async def send(self, outbound: Outbound) -> Delivery:
        self.counts[outbound.idempotency_key] += 1
        await asyncio.sleep(0.001)
        return Delivery(outcome=Outcome.SENT, reference=outbound.idempotency_key)

    async def health(self) -> Health:
        return Health(up=True)

    async def close(self) -> None: ...


async def test_two_dispatchers_send_each_message_exactly_once(pg_schema: str) -> None:
    a = await Journal.open(PG_DSN, schema=pg_schema, pool_size=4)
    b = await Journal.open(PG_DSN, schema=pg_schema, pool_size=4)
    bank = Counting()
    policy = Policy(batch_size=8, poll_interval=5.0)  # long poll: wake-ups must come by NOTIFY
    try:
        await a.migrate()
        dispatchers = [Dispatcher(j, {"bank": bank}, metrics=Metrics(), policy=policy,
                                  worker=f"node{i}") for i, j in enumerate((a, b))]
        for j, d in zip((a, b), dispatchers, strict=True):
            assert await j.listen_outbox(d.wake)
        tasks = [asyncio.create_task(d.run()) for d in dispatchers]
        await asyncio.sleep(0.2)  # both idle, waiting
        p = Pipeline(a, StaticPlanner("bank"), metrics=Metrics(), our_bic="NVCHGB2LXXX")
        p.start()
        await asyncio.gather(*(p.submit(Submission(raw=payment(), channel="api"))
                               for _ in range(150)))
        await p.stop()
        for _ in range(300):
            if len(bank.counts) == 150:
                break
            await asyncio.sleep(0.02)
        for d in dispatchers:
            d.stop()
        await asyncio.gather(*tasks)
        assert len(bank.counts) == 150
        assert set(bank.counts.values()) == {1}
        depth, _ = await a.outbox_stats()
        assert depth == 0
    finally:
        await a.close()
        await b.close()
