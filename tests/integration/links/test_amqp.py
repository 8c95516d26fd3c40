"""The AMQP connector against the real RabbitMQ on 127.0.0.1:5672: confirms, mandatory routing,
manual acks after the journal, dead letters, and a connection closed by the broker mid-stream."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import AsyncIterator

import aio_pika
import orjson
import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import amqp
from hub.connectors.base import Inbound, InboundConnector, Outcome
from hub.errors import ConnectorError, Diagnostic
from tests.integration.links.helpers import outbound, wait_for


@pytest.fixture
async def names(amqp_url: str) -> AsyncIterator[dict[str, str]]:
    """Unique exchange and queue names for one test, deleted afterwards."""
    tag = secrets.token_hex(4)
    found = {"exchange": f"hub.test.{tag}", "queue": f"hub.test.{tag}.in",
             "dlq": f"hub.test.{tag}.dlq", "url": amqp_url}
    yield found
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in (found["queue"], found["dlq"]):
            await channel.queue_delete(queue)
        await channel.exchange_delete(found["exchange"])


def _settings(names: dict[str, str], **more: object) -> dict[str, object]:
    table: dict[str, object] = {
        "url_env": "HUB_TEST_AMQP_URL_FOR_LINKS", "exchange": names["exchange"],
        "routing_key": "bank", "outbound_queue": names["queue"], "queue": names["queue"],
        "dlq": names["dlq"], "prefetch": 50, "reconnect_interval": 0.2, "confirm_timeout": 5.0}
    table.update(more)
    return table


@pytest.fixture(autouse=True)
def _url_env(monkeypatch: pytest.MonkeyPatch, amqp_url: str) -> None:
    monkeypatch.setenv("HUB_TEST_AMQP_URL_FOR_LINKS", amqp_url)


async def _raw_get(url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    got = []
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        q = await channel.get_queue(queue, ensure=True)
        while (message := await q.get(fail=False, no_ack=True)) is not None:
            got.append(message)
    return got


async def test_publish_is_confirmed_persistent_and_keyed(names: dict[str, str]) -> None:
    registry = CollectorRegistry()
    link = amqp.build("bank", _settings(names, queue="", dlq=""), registry=registry)
    try:
        delivery = await link.send(outbound("uetr-a1", b"{1:F01...}"))
    finally:
        await link.close()
    assert delivery.outcome is Outcome.SENT and delivery.reference == "uetr-a1"
    (message,) = await _raw_get(names["url"], names["queue"])
    assert message.body == b"{1:F01...}" and message.message_id == "uetr-a1"
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.type == "mt103" and (message.headers or {})["hub-message-id"] == "id-uetr-a1"
    assert registry.get_sample_value("hub_amqp_ack_latency_seconds_count",
                                     {"link": "bank", "direction": "out"}) == 1


async def test_an_unroutable_message_is_a_failure(names: dict[str, str]) -> None:
    link = amqp.build("bank", _settings(names, routing_key="nobody", outbound_queue="",
                                                 queue="", dlq=""))
    try:
        with pytest.raises(ConnectorError) as caught:
            await link.send(outbound("uetr-a2", b"lost?"))
    finally:
        await link.close()
    assert caught.value.code == "LINK.UNROUTABLE" and not caught.value.retryable


async def test_ack_only_when_the_hub_says_so(names: dict[str, str]) -> None:
    link = amqp.build("bank", _settings(names))
    assert isinstance(link, InboundConnector)
    await link.send(outbound("uetr-a3", b"first"))
    stream = link.receive()
    item = await asyncio.wait_for(anext(stream), 5)
    assert item.name == "uetr-a3" and item.payload == b"first"
    await link.close()  # crashed before the journal committed: no ack was sent
    await stream.aclose()
    again = amqp.build("bank", _settings(names))
    stream = again.receive()
    try:
        redelivered = await asyncio.wait_for(anext(stream), 5)
        assert redelivered.name == "uetr-a3"
        await again.ack(redelivered)
    finally:
        await again.close()
        await stream.aclose()
    assert await _raw_get(names["url"], names["queue"]) == []


async def test_reject_parks_the_message_in_the_dlq_with_why(names: dict[str, str]) -> None:
    registry = CollectorRegistry()
    link = amqp.build("bank", _settings(names), registry=registry)
    await link.send(outbound("uetr-a4", b"poison"))
    stream = link.receive()
    before = time.time()
    try:
        item = await asyncio.wait_for(anext(stream), 5)
        received = registry.get_sample_value("hub_amqp_last_success_timestamp_seconds",
                                             {"link": "bank", "operation": "receive"})
        assert received is not None and received >= before
        await link.reject(item, [Diagnostic("CODEC.UNKNOWN_FORMAT", "not a format", "byte 0")])
    finally:
        await link.close()
        await stream.aclose()
    assert await _raw_get(names["url"], names["queue"]) == []
    (parked,) = await _raw_get(names["url"], names["dlq"])
    assert parked.body == b"poison" and parked.message_id == "uetr-a4"
    why = orjson.loads(str((parked.headers or {})["hub-diagnostics"]))
    assert why[0]["code"] == "CODEC.UNKNOWN_FORMAT"
    assert registry.get_sample_value("hub_amqp_dead_lettered_total", {"link": "bank"}) == 1


async def test_a_republished_key_reaches_the_hub_once(names: dict[str, str]) -> None:
    registry = CollectorRegistry()
    link = amqp.build("bank", _settings(names), registry=registry)
    await link.send(outbound("uetr-a5", b"same"))
    await link.send(outbound("uetr-a5", b"same"))  # the dispatcher retried a lost confirm
    await link.send(outbound("uetr-a6", b"other"))
    got: list[str] = []
    stream = link.receive()
    try:
        for _ in range(2):
            item = await asyncio.wait_for(anext(stream), 5)
            got.append(item.name)
            await link.ack(item)
        await wait_for(lambda: registry.get_sample_value(
            "hub_amqp_duplicates_total", {"link": "bank"}) == 1)
    finally:
        await link.close()
        await stream.aclose()
    assert got == ["uetr-a5", "uetr-a6"]
    assert await _raw_get(names["url"], names["queue"]) == []


def _close_connections(*prefixes: str) -> int:
    """Close, from the broker's side, every connection whose name starts with a prefix."""
    listing = subprocess.run(["rabbitmqctl", "-q", "list_connections", "pid", "client_properties"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
    closed = 0
    for line in listing.splitlines():
        match = re.match(r"(<[^>]+>)\s+(.*)", line)
        if match and any(f'"{prefix}' in match.group(2) for prefix in prefixes):
            subprocess.run(["rabbitmqctl", "-q", "close_connection", match.group(1), "test"],
                           capture_output=True, check=True, timeout=60)
            closed += 1
    return closed


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="rabbitmqctl not installed")
async def test_connection_closed_mid_stream_loses_and_duplicates_nothing(
        names: dict[str, str]) -> None:
    total = 300
    tag = secrets.token_hex(3)
    registry = CollectorRegistry()
    publisher = amqp.build(f"snd{tag}", _settings(names, outbound_queue="", queue="", dlq=""),
                           registry=registry)
    consumer = amqp.build(f"rcv{tag}", _settings(names, prefetch=20, outbound_queue="",
                                                 binding_key="bank"), registry=registry)
    journal: dict[tuple[str, str], int] = {}

    async def consume() -> None:
        async for item in consumer.receive():
            key = (item.name, hashlib.sha256(item.payload).hexdigest())
            journal[key] = journal.get(key, 0) + 1
            await asyncio.sleep(0.002)  # the journal's commit
            await consumer.ack(item)

    async def publish() -> None:
        for i in range(total):
            while True:  # the dispatcher's retry loop
                try:
                    await publisher.send(outbound(f"m{i:04d}", f"body {i}".encode()))
                    break
                except ConnectorError as exc:
                    assert exc.retryable
                    await asyncio.sleep(0.1)

    await consumer.start()
    reader = asyncio.create_task(consume())
    writer = asyncio.create_task(publish())
    try:
        await wait_for(lambda: len(journal) >= 60, timeout=20)
        closed = await asyncio.to_thread(_close_connections, f"nvc-hub snd{tag}",
                                         f"nvc-hub rcv{tag}")
        assert closed == 2
        await asyncio.wait_for(writer, 60)
        await wait_for(lambda: len(journal) == total, timeout=60)
        await asyncio.sleep(0.5)  # time for any stray redelivery to show up
    finally:
        writer.cancel()
        await publisher.close()
        await consumer.close()
        await asyncio.wait_for(asyncio.gather(reader, return_exceptions=True), 10)
    assert len(journal) == total
    assert set(journal.values()) == {1}, "a message reached the journal twice"
    assert await _raw_get(names["url"], names["queue"]) == []
    for link in (f"snd{tag}", f"rcv{tag}"):
        assert (registry.get_sample_value("hub_amqp_reconnects_total", {"link": link}) or 0) >= 1


async def test_receive_requires_a_queue(names: dict[str, str]) -> None:
    link = amqp.build("bank", _settings(names, queue="", dlq=""))
    inbound: list[Inbound] = []
    with pytest.raises(Exception, match="nothing to receive"):
        async for item in link.receive():
            inbound.append(item)
    await link.close()
