"""Ingest benchmark: HTTP submissions through a real daemon, on SQLite and on PostgreSQL.

Prints, per backend: accepted/s at full concurrency, p50/p99 accept latency, p99 at a fixed
offered rate (default 500/s), end-to-end throughput (202 → file in the outbox folder), the
daemon's CPU per message (user and system) while accepting and draining, and in the same run two
ceilings: the raw asyncpg insert rate (one-row commits and 100-row batches) and the raw rate of
durable file writes in the folder the hub writes to (temporary name, fsync, rename, folder fsync,
in batches as the file drop does), so the hub's figures read as ratios of what the database and
the disk themselves do on this machine.

Every folder of one invocation is kept until it ends: on an ext4 without a journal the kernel
skips inodes freed in the last minutes one by one when it creates a file, so a run measured
right after deleting thousands of files writes files several times slower (the raw file figure
shows it when that happens, e.g. when invocations follow each other closely).

    python bench/ingest.py [--messages 5000] [--concurrency 64] [--rate 500] [--backend both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import asyncpg
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.connectors.filedrop import SYNCFS
from tests.e2e.daemon import Daemon

PG_DSN = os.environ.get("HUB_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def payment() -> bytes:
    return orjson.dumps({
        "kind": "customer_credit_transfer", "uetr": str(uuid.uuid4()), "instruction_id": "B1",
        "amount": {"value": "1250.00", "currency": "EUR"}, "settlement_date": "2026-11-25",
        "debtor": {"name": "Alice", "account": "DE89370400440532013000"},
        "debtor_agent": {"bic": "DEUTDEFF"}, "creditor": {"name": "Bob"},
        "creditor_agent": {"bic": "BNPAFRPP"}})


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


async def flood(url: str, token: str, n: int, concurrency: int) -> tuple[float, list[float]]:
    bodies = [payment() for _ in range(n)]
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as s:
        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                t = time.perf_counter()
                async with s.post(f"{url}/v1/messages", data=body, headers=headers) as r:
                    await r.read()
                    assert r.status == 202, r.status
                latencies.append(time.perf_counter() - t)
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start, latencies


async def paced(url: str, token: str, rate: int, seconds: float) -> list[float]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as s:
        async def one(body: bytes) -> None:
            t = time.perf_counter()
            async with s.post(f"{url}/v1/messages", data=body, headers=headers) as r:
                await r.read()
            latencies.append(time.perf_counter() - t)
        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(payment())))
        await asyncio.gather(*tasks)
    return latencies


async def raw_postgres() -> tuple[float, float]:
    conn = await asyncpg.connect(PG_DSN)
    table = f"bench_{secrets.token_hex(4)}"
    await conn.execute(f"CREATE TABLE {table} (id text primary key, body bytea)")
    try:
        n = 3000
        start = time.perf_counter()
        for i in range(n):
            await conn.execute(f"INSERT INTO {table} VALUES ($1, $2)", f"a{i}", b"x" * 400)
        single = n / (time.perf_counter() - start)
        n = 30000
        start = time.perf_counter()
        for i in range(0, n, 100):
            async with conn.transaction():
                await conn.executemany(f"INSERT INTO {table} VALUES ($1, $2)",
                                       [(f"b{j}", b"x" * 400) for j in range(i, i + 100)])
        batched = n / (time.perf_counter() - start)
    finally:
        await conn.execute(f"DROP TABLE {table}")
        await conn.close()
    return single, batched


def raw_files(folder: Path, n: int = 2000, batch: int = 32) -> float:
    """Durable file writes per second in `folder`, the way the file drop writes a batch."""
    folder.mkdir(parents=True)
    body = payment()
    syncers = ThreadPoolExecutor(4)
    start = time.perf_counter()
    for first in range(0, n, batch):
        fds = []
        for i in range(first, first + batch):
            fd = os.open(folder / f".{i}.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, body)
            fds.append((i, fd))
        if SYNCFS is not None:  # as the file drop's default: one filesystem sync per batch
            SYNCFS(fds[0][1])
        else:
            for _, fd in fds:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            list(syncers.map(os.fsync, [fd for _, fd in fds]))
        for i, fd in fds:
            os.close(fd)
            os.replace(folder / f".{i}.tmp", folder / f"{i}.json")
        dir_fd = os.open(folder, os.O_RDONLY)
        os.fsync(dir_fd)
        os.close(dir_fd)
    elapsed = time.perf_counter() - start
    syncers.shutdown()
    return n / elapsed


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def run_backend(name: str, env: dict[str, str], args: argparse.Namespace, work: Path) -> None:
    files = raw_files(work / "raw-files")
    d = Daemon(work / "hub", env={"HUB__LOG__LEVEL": "WARNING", **env})
    d.start()
    assert d.token and d.proc is not None
    try:
        outbox = work / "hub" / "outbox"
        user, system = cpu_seconds(d.proc.pid)
        elapsed, lat = asyncio.run(flood(d.url, d.token, args.messages, args.concurrency))
        accepted = args.messages / elapsed
        start = time.perf_counter() - elapsed
        while len(list(outbox.iterdir())) < args.messages:
            time.sleep(0.05)
        e2e = args.messages / (time.perf_counter() - start)
        user_after, system_after = cpu_seconds(d.proc.pid)
        paced_lat = asyncio.run(paced(d.url, d.token, args.rate, args.seconds))
    finally:
        d.terminate()
    per = 1e6 / args.messages
    print(f"{name:10} accepted {accepted:8.0f}/s  p50 {pct(lat, .5):6.1f} ms  "
          f"p99 {pct(lat, .99):6.1f} ms (concurrency {args.concurrency})")
    print(f"{'':10} end-to-end {e2e:6.0f}/s (202 → file in outbox, {args.messages} messages); "
          f"raw durable file writes in the same folder {files:6.0f}/s")
    print(f"{'':10} daemon CPU per message: user {(user_after - user) * per:4.0f} µs, "
          f"system {(system_after - system) * per:4.0f} µs")
    print(f"{'':10} at {args.rate}/s offered: p50 {pct(paced_lat, .5):6.1f} ms  "
          f"p99 {pct(paced_lat, .99):6.1f} ms  max {max(paced_lat) * 1000:6.1f} ms")
    globals().setdefault("_results", {})[name] = accepted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:  # removed only once everything is measured
        run(args, Path(tmp))


def run(args: argparse.Namespace, work: Path) -> None:
    if args.backend in ("sqlite", "both"):
        run_backend("sqlite", {}, args, work / "sqlite")
    if args.backend in ("postgres", "both"):
        schema = f"bench_{secrets.token_hex(4)}"
        run_backend("postgres", {"HUB__JOURNAL__URL": PG_DSN, "HUB__JOURNAL__SCHEMA": schema},
                    args, work / "postgres")

        async def drop() -> None:
            conn = await asyncpg.connect(PG_DSN)
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()
        asyncio.run(drop())
        single, batched = asyncio.run(raw_postgres())
        hub = globals()["_results"]["postgres"]
        print(f"baseline   raw asyncpg: {single:8.0f} one-row commits/s, {batched:8.0f} rows/s "
              f"in 100-row batches")
        print(f"ratio      hub accepted / raw one-row commits = {hub / single:.2f}")


if __name__ == "__main__":
    main()
