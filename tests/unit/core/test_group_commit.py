"""Group commit: concurrent callers share batches; every caller gets its own results, and none
is left waiting when a batch fails or the hub stops."""

from __future__ import annotations

import asyncio

import pytest

from hub.batching import GroupCommit


async def test_callers_share_batches_and_get_their_own_results() -> None:
    batches: list[list[int]] = []

    async def run(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0.01)
        return [i * 10 for i in items]

    commits: GroupCommit[int, int] = GroupCommit(run, max_items=8, parallel=2)
    commits.start()
    results = await asyncio.gather(*(commits.submit([i]) for i in range(20)))
    await commits.stop()
    assert results == [[i * 10] for i in range(20)]
    assert sorted(i for batch in batches for i in batch) == list(range(20))
    assert len(batches) < 20 and max(len(b) for b in batches) <= 8


async def test_parallel_batches_overlap() -> None:
    running = 0
    most = 0

    async def run(items: list[int]) -> list[int]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        return items

    commits: GroupCommit[int, int] = GroupCommit(run, max_items=1, parallel=3)
    commits.start()
    await asyncio.gather(*(commits.submit([i]) for i in range(6)))
    await commits.stop()
    assert most == 3


async def test_a_failed_batch_fails_its_callers_only() -> None:
    async def run(items: list[int]) -> list[int]:
        if 13 in items:
            raise ValueError("unlucky")
        return items

    commits: GroupCommit[int, int] = GroupCommit(run, max_items=1)
    commits.start()
    good, bad = await asyncio.gather(commits.submit([1]), commits.submit([13]),
                                     return_exceptions=True)
    assert good == [1] and isinstance(bad, ValueError)
    assert await commits.submit([2]) == [2]
    await commits.stop()


async def test_stopping_mid_batch_leaves_no_caller_waiting() -> None:
    started = asyncio.Event()

    async def run(items: list[int]) -> list[int]:
        started.set()
        await asyncio.sleep(10)
        return items

    commits: GroupCommit[int, int] = GroupCommit(run)
    commits.start()
    in_flight = asyncio.create_task(commits.submit([1]))
    await started.wait()
    queued = asyncio.create_task(commits.submit([2]))
    await asyncio.sleep(0)
    await commits.stop()
    for caller in (in_flight, queued):
        with pytest.raises(RuntimeError, match="stopping"):
            await asyncio.wait_for(caller, 1)
