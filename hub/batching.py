"""Group commit: many concurrent callers share one journal transaction.

Callers hand in their items and await their results; one task takes everything queued at that
moment (up to `max_items`), runs it as one batch and hands each caller its slice. Under light
load a batch is one request, so latency stays low; under load batches grow, so commits per
message fall (ARCHITECTURE §8). With `parallel` above one, that many batches run at once: the
next batch forms and starts while an earlier one still waits on its disk or database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(self, run: Callable[[list[T]], Awaitable[list[R]]], *, max_items: int = 256,
                 name: str = "group-commit", parallel: int = 1) -> None:
        self._run = run
        self._max = max_items
        self._name = name
        self._parallel = max(1, parallel)
        self._queue: asyncio.Queue[tuple[list[T], asyncio.Future[list[R]]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._loop(), name=self._name)
                           for _ in range(self._parallel)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            if not future.done():
                future.set_exception(RuntimeError("the hub is stopping"))

    async def submit(self, items: list[T]) -> list[R]:
        if not self._tasks:
            return await self._run(items)
        future: asyncio.Future[list[R]] = asyncio.get_running_loop().create_future()
        await self._queue.put((items, future))
        return await future

    async def _loop(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            count = len(first[0])
            while count < self._max and not self._queue.empty():
                entry = self._queue.get_nowait()
                batch.append(entry)
                count += len(entry[0])
            items = [item for entry_items, _ in batch for item in entry_items]
            try:
                results = await self._run(items)
            except asyncio.CancelledError:  # stopped mid-batch: its callers must not wait on
                _fail(batch, RuntimeError("the hub is stopping"))
                raise
            except Exception as exc:
                _fail(batch, exc)
                continue
            offset = 0
            for entry_items, future in batch:
                part = results[offset:offset + len(entry_items)]
                offset += len(entry_items)
                if not future.done():
                    future.set_result(part)


def _fail(batch: list[tuple[list[T], asyncio.Future[list[R]]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
