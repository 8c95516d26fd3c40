"""Several hub processes on one PostgreSQL share the outbox without double claims."""

from __future__ import annotations

import asyncio

import pytest

from hub.journal import Journal
from hub.pipeline import Submission
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
        async with a.lease("sftp:bank1") as held_a:
            async with b.lease("sftp:bank1") as held_b:
                assert held_a and not held_b
        async with b.lease("sftp:bank1") as held_b:
            assert held_b
    finally:
        await a.close()
        await b.close()
