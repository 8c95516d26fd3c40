"""Bank links: SFTP uploads and polls, AMQP confirmed publishes and consumes per second, each
beside the raw library (paramiko / aio-pika) doing the same work in the same run.

    python bench/links.py [--files N] [--big N] [--messages N] [--skip-sftp] [--skip-amqp]

SFTP needs root and openssh-server (a private sshd on 127.0.0.1 is started and stopped here);
AMQP needs the RabbitMQ on 127.0.0.1:5672 (HUB_TEST_AMQP_URL to change). The target: the
connector keeps at least 80% of the raw rate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aio_pika  # noqa: E402
import paramiko  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402

from hub.connectors import amqp, sftp  # noqa: E402
from hub.connectors.base import Outbound  # noqa: E402
from hub.model import Kind, Message  # noqa: E402
from tests.sshd.server import Mailbox, SshServer, available  # noqa: E402

AMQP_URL = os.environ.get("HUB_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
MESSAGE = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER)
rows: list[tuple[str, float, float]] = []


def _outbound(key: str, payload: bytes) -> Outbound:
    return Outbound(message_id=key, idempotency_key=key, format="bin", payload=payload,
                    message=MESSAGE)


async def _rate(count: int, work: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await work()
    return count / (time.perf_counter() - started)


async def _pair(count: int, raw: Callable[[], Awaitable[None]],
                ours: Callable[[], Awaitable[None]], rounds: int) -> tuple[float, float]:
    """Median rates over rounds that alternate raw and connector (the machine is shared and
    a broker's fsync timing drifts, so one run of each would mostly measure the drift)."""
    raw_rates, our_rates = [], []
    for _ in range(rounds):
        raw_rates.append(await _rate(count, raw))
        our_rates.append(await _rate(count, ours))
    return statistics.median(raw_rates), statistics.median(our_rates)


def _report(label: str, raw: float, ours: float) -> None:
    rows.append((label, raw, ours))
    print(f"{label:<34} raw {raw:>9.1f}/s   connector {ours:>9.1f}/s   ratio {ours / raw:5.2f}",
          flush=True)


# ------------------------------------------------------------------------------------- SFTP --

def _raw_client(server: SshServer) -> tuple[paramiko.Transport, paramiko.SFTPClient]:
    transport = paramiko.Transport((server.host, server.port))
    transport.connect(username=server.user,
                      pkey=paramiko.Ed25519Key.from_private_key_file(
                          str(server.client_keys["ed25519"])))
    client = paramiko.SFTPClient.from_transport(transport)
    assert client is not None
    return transport, client


async def bench_sftp(server: SshServer, files: int, big: int) -> None:
    transport, raw = _raw_client(server)
    try:
        for label, size, count in (("SFTP upload 1 KB files", 1024, files),
                                   ("SFTP upload 1 MB files", 1024 * 1024, big)):
            payload = os.urandom(size)
            raw_box, our_box = _box(server), _box(server)

            names = iter(range(10**9))

            def raw_upload(box: Mailbox = raw_box, n: int = count, data: bytes = payload,
                           names: Iterator[int] = names) -> None:
                for _ in range(n):
                    raw.putfo(io.BytesIO(data), f"{box.remote}/outbound/f{next(names)}.bin")

            link = sftp.build("bench", server.settings(our_box), registry=CollectorRegistry())

            async def ours(n: int = count, data: bytes = payload,
                           link: sftp.SftpConnector = link, names: Iterator[int] = names) -> None:
                for _ in range(n):
                    await link.send(_outbound(f"f{next(names)}", data))

            try:
                await link.start()
                raw_rate, our_rate = await _pair(
                    count, lambda f=raw_upload: asyncio.to_thread(f), ours, rounds=3)
            finally:
                await link.close()
            _report(label, raw_rate, our_rate)

        for label, size, count in (("SFTP poll+read+move 1 KB files", 1024, files),
                                   ("SFTP poll+read+move 1 MB files", 1024 * 1024, big)):
            payload = os.urandom(size)
            raw_rates, our_rates = [], []
            for _ in range(3):  # alternate, fresh mailboxes each round
                raw_box, our_box = _box(server), _box(server)
                link = sftp.build("bench", server.settings(our_box),
                                  registry=CollectorRegistry())
                # The raw side polls over a session opened beforehand: so does the connector
                # (its inbound session opens on the first poll, here of the empty folder).
                await link.poll_once()
                for box in (raw_box, our_box):
                    for i in range(count):
                        box.drop(f"in{i}.bin", payload)

                def raw_poll(box: Mailbox = raw_box) -> None:
                    folder = f"{box.remote}/inbound"
                    for entry in raw.listdir_attr(folder):
                        size = entry.st_size or 0
                        with raw.open(f"{folder}/{entry.filename}", "rb") as f:
                            if size > 32768:
                                f.prefetch(size)
                            f.read(size)  # the listed size, as the connector reads
                        raw.rename(f"{folder}/{entry.filename}",
                                   f"{box.remote}/processed/{entry.filename}")

                async def ours_poll(link: sftp.SftpConnector = link, n: int = count) -> None:
                    await link.poll_once()  # the first sighting; stable on the next
                    taken = await link.poll_once()
                    assert len(taken) == n, len(taken)
                    for item in taken:
                        await link.ack(item)  # one at a time, as a slow hub would

                try:
                    raw_rates.append(await _rate(count, lambda f=raw_poll: asyncio.to_thread(f)))
                    our_rates.append(await _rate(count, ours_poll))
                finally:
                    await link.close()
            _report(label, statistics.median(raw_rates), statistics.median(our_rates))
    finally:
        transport.close()


def _box(server: SshServer) -> Mailbox:
    return server.mailbox(f"bench-{secrets.token_hex(4)}")


# ------------------------------------------------------------------------------------- AMQP --

async def bench_amqp(messages: int) -> None:
    tag = secrets.token_hex(4)
    raw_queue, our_queue = f"hub.bench.{tag}.raw", f"hub.bench.{tag}.ours"
    body = os.urandom(1024)
    prefetch = 200
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.declare_queue(raw_queue, durable=True)
        consume_channel = await connection.channel()
        await consume_channel.set_qos(prefetch_count=prefetch)
        queue = await consume_channel.get_queue(raw_queue)

        os.environ["HUB_BENCH_AMQP_URL"] = AMQP_URL
        link = amqp.build("bench", {"url_env": "HUB_BENCH_AMQP_URL", "outbound_queue": our_queue,
                                    "queue": our_queue, "dlq": f"{our_queue}.dlq",
                                    "prefetch": prefetch}, registry=CollectorRegistry())
        rounds = 5
        per_round = messages // rounds
        messages = per_round * rounds
        sent = 0

        async def raw_publish() -> None:
            nonlocal sent
            for _ in range(per_round):
                await channel.default_exchange.publish(
                    aio_pika.Message(body, message_id=f"m{sent}",
                                     delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    raw_queue, mandatory=True)
                sent += 1

        async def ours_publish() -> None:
            nonlocal sent
            for _ in range(per_round):
                await link.send(_outbound(f"m{sent}", body))
                sent += 1

        # Both consumers are attached the whole time (the connector's starts with the link):
        # each side's broker delivers into its prefetch window while publishing, and each
        # consume round starts with that window full.
        await link.start()
        async with queue.iterator() as raw_messages:
            raw_rate, our_rate = await _pair(per_round, raw_publish, ours_publish, rounds)
            _report("AMQP confirmed publish (1 KB)", raw_rate, our_rate)
            await _prefetched(consume_channel, raw_queue, messages - prefetch)
            ours = link.receive()

            async def raw_consume() -> None:
                for _ in range(per_round):
                    message = await anext(raw_messages)
                    await message.ack()

            async def ours_consume() -> None:
                for _ in range(per_round):
                    await link.ack(await anext(ours))

            raw_rate, our_rate = await _pair(per_round, raw_consume, ours_consume, rounds)
            _report("AMQP consume + ack (1 KB)", raw_rate, our_rate)
        await link.close()
    finally:
        cleanup = await connection.channel()
        for name in (raw_queue, our_queue, f"{our_queue}.dlq"):
            with contextlib.suppress(Exception):
                await cleanup.queue_delete(name)
        await connection.close()


async def _prefetched(channel: aio_pika.abc.AbstractChannel, name: str, ready: int) -> None:
    """Wait until the broker has handed the consumer its prefetch window (at most `ready`
    messages left waiting in the queue)."""
    for _ in range(200):
        declared = await channel.declare_queue(name, passive=True)
        if (declared.declaration_result.message_count or 0) <= ready:
            return
        await asyncio.sleep(0.01)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--big", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10000)  # rounds long enough to be stable
    parser.add_argument("--skip-sftp", action="store_true")
    parser.add_argument("--skip-amqp", action="store_true")
    args = parser.parse_args()
    if not args.skip_sftp:
        reason = available()
        if reason is not None:
            print(f"SFTP skipped: {reason}")
        else:
            server = SshServer.create()
            server.start()
            try:
                await bench_sftp(server, args.files, args.big)
            finally:
                server.destroy()
    if not args.skip_amqp:
        await bench_amqp(args.messages)
    below = [label for label, raw, ours in rows if ours < 0.8 * raw]
    print(f"target (>= 0.80 of raw): {'met' if not below else 'missed for ' + ', '.join(below)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
