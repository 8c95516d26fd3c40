"""SFTP inbound against a real OpenSSH sshd: stability, ack/reject moves, signatures, dedup
across restarts, and a burst of 1,000 files taken exactly once by two pollers."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import orjson
import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import cms, sftp
from hub.connectors.base import Inbound, InboundConnector
from hub.errors import ConnectorError, Diagnostic
from tests.integration.links.helpers import LockLease, certificate, fin, wait_for
from tests.sshd.server import Mailbox


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


async def test_a_file_is_taken_once_stable_and_moved_after_ack(mailbox: Mailbox) -> None:
    registry = CollectorRegistry()
    link = sftp.build("bank", mailbox.server.settings(mailbox, sender="BANKBEBB"),
                      registry=registry)
    assert isinstance(link, InboundConnector)
    path = mailbox.drop("stmt-1.fin", fin("IN1"))
    try:
        assert await link.poll_once() == []  # seen once: not yet known to be stable
        with path.open("ab") as f:  # the bank is still writing
            f.write(b"$")
        os.utime(path, (1, 1))
        assert await link.poll_once() == []  # changed since the last poll
        taken = await link.poll_once()
        assert [i.name for i in taken] == ["stmt-1.fin"]
        assert taken[0].payload == fin("IN1") + b"$" and taken[0].sender == "BANKBEBB"
        assert await link.poll_once() == []  # in flight: not taken twice
        assert _value(registry, "hub_sftp_unacked", link="bank") == 1
        await link.ack(taken[0])
    finally:
        await link.close()
    assert mailbox.files("inbound") == {}
    assert mailbox.files("processed") == {"stmt-1.fin": fin("IN1") + b"$"}
    assert _value(registry, "hub_sftp_unacked", link="bank") == 0
    assert _value(registry, "hub_sftp_files_total", link="bank", direction="in") == 1
    assert _value(registry, "hub_sftp_ack_latency_seconds_count", link="bank",
                  direction="in") == 1


async def test_reject_moves_to_failed_with_an_error_file(mailbox: Mailbox) -> None:
    link = sftp.build("bank", mailbox.server.settings(mailbox))
    mailbox.drop("bad.fin", b"garbage")
    try:
        await link.poll_once()
        (item,) = await link.poll_once()
        await link.reject(item, [Diagnostic("MT.H01", "no basic header", "byte 0")])
    finally:
        await link.close()
    failed = mailbox.files("failed")
    assert failed["bad.fin"] == b"garbage"
    report = orjson.loads(failed["bad.fin.errors.json"])
    assert report["diagnostics"][0]["code"] == "MT.H01"
    assert report["sha256"] == hashlib.sha256(b"garbage").hexdigest()
    assert mailbox.files("inbound") == {}


async def test_done_markers_make_a_file_ready(mailbox: Mailbox) -> None:
    link = sftp.build("bank", mailbox.server.settings(mailbox, done_suffix=".done"))
    mailbox.drop("a.xml", b"<a/>")
    mailbox.drop("b.xml", b"<b/>")
    mailbox.drop("b.xml.done", b"")
    try:
        (item,) = await link.poll_once()  # no second poll needed: the marker says it is whole
        assert item.name == "b.xml"
        await link.ack(item)
    finally:
        await link.close()
    assert set(mailbox.files("processed")) == {"b.xml", "b.xml.done"}
    assert set(mailbox.files("inbound")) == {"a.xml"}


async def test_files_already_journalled_are_moved_not_yielded(mailbox: Mailbox) -> None:
    journal: set[str] = set()

    async def seen(channel: str, key: str) -> bool:
        return f"{channel}/{key}" in journal

    data = fin("DUP")
    journal.add(f"bank/dup.fin:{len(data)}:{hashlib.sha256(data).hexdigest()}")
    mailbox.drop("dup.fin", data)  # journalled, but the process died before moving it
    mailbox.drop("new.fin", fin("NEW"))
    link = sftp.build("bank", mailbox.server.settings(mailbox), seen=seen)
    try:
        await link.poll_once()
        taken = await link.poll_once()
    finally:
        await link.close()
    assert [i.name for i in taken] == ["new.fin"]
    assert set(mailbox.files("processed")) == {"dup.fin"}


async def test_signed_files_are_verified(mailbox: Mailbox, tmp_path: Path) -> None:
    cert, key, cert_path, _ = certificate(tmp_path, "bank")
    _, other_key, _, _ = certificate(tmp_path, "impostor")
    alerts: list[tuple[str, Diagnostic]] = []

    async def alert(channel: str, diagnostic: Diagnostic) -> None:
        alerts.append((channel, diagnostic))

    good, bad, unsigned = fin("GOOD"), fin("BAD"), fin("NONE")
    mailbox.drop("good.fin", good)
    mailbox.drop("good.fin.p7s", cms.sign(good, cert, key))
    mailbox.drop("bad.fin", bad)
    mailbox.drop("bad.fin.p7s", cms.sign(bad + b"tampered", cert, key))
    mailbox.drop("forged.fin", bad)
    mailbox.drop("forged.fin.p7s", cms.sign(bad, cert, other_key))
    mailbox.drop("unsigned.fin", unsigned)
    registry = CollectorRegistry()
    link = sftp.build("bank", mailbox.server.settings(mailbox, verify_cert_file=str(cert_path)),
                      registry=registry, alert=alert)
    try:
        await link.poll_once()
        taken = await link.poll_once()
        for item in taken:
            await link.ack(item)
    finally:
        await link.close()
    assert [i.name for i in taken] == ["good.fin"]
    assert set(mailbox.files("processed")) == {"good.fin", "good.fin.p7s"}
    failed = mailbox.files("failed")
    assert {"bad.fin", "forged.fin", "unsigned.fin", "bad.fin.errors.json",
            "forged.fin.errors.json", "unsigned.fin.errors.json"} <= set(failed)
    codes = {orjson.loads(failed[f"{n}.errors.json"])["diagnostics"][0]["code"]
             for n in ("bad.fin", "forged.fin", "unsigned.fin")}
    assert codes == {"LINK.SIGNATURE"}
    assert sorted(d.location.split(".")[0] for _, d in alerts) == ["bad", "forged", "unsigned"]
    assert _value(registry, "hub_sftp_signature_failures_total", link="bank") == 3
    assert mailbox.files("inbound") == {}


async def test_burst_of_1000_files_each_taken_once_by_two_pollers(mailbox: Mailbox) -> None:
    count = 1000
    for i in range(count):
        mailbox.drop(f"f{i:04d}.txt", f"payload {i}".encode())
    lease = LockLease()
    journal: dict[tuple[str, str], int] = {}

    async def consume(link: sftp.SftpConnector) -> None:
        async for item in link.receive():
            key = (item.name, hashlib.sha256(item.payload).hexdigest())
            journal[key] = journal.get(key, 0) + 1
            await link.ack(item)

    settings = mailbox.server.settings(mailbox, poll_interval=0.05, lease_seconds=0.3)
    links = [sftp.build("bank", settings, lease=lease) for _ in range(2)]
    tasks = [asyncio.create_task(consume(link)) for link in links]
    try:
        await wait_for(lambda: len(mailbox.files("processed")) == count, timeout=60)
    finally:
        for link in links:
            await link.close()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
    assert len(journal) == count and set(journal.values()) == {1}
    assert mailbox.files("inbound") == {}
    assert lease.grants >= 1


async def test_receive_survives_a_server_restart(mailbox: Mailbox) -> None:
    server = mailbox.server
    link = sftp.build("bank", server.settings(mailbox, poll_interval=0.05))
    got: list[Inbound] = []

    async def consume() -> None:
        async for item in link.receive():
            got.append(item)
            await link.ack(item)

    task = asyncio.create_task(consume())
    try:
        mailbox.drop("one.txt", b"1")
        await wait_for(lambda: len(got) == 1)
        server.kill()
        mailbox.drop("two.txt", b"2")
        await asyncio.sleep(0.3)  # polls fail and back off meanwhile
        server.start()
        await wait_for(lambda: len(got) == 2, timeout=15)
    finally:
        if server.proc is None:
            server.start()
        await link.close()
        await asyncio.wait_for(task, 10)
    assert [i.name for i in got] == ["one.txt", "two.txt"]
    assert set(mailbox.files("processed")) == {"one.txt", "two.txt"}


async def test_files_of_every_size_are_read_whole_in_one_poll(mailbox: Mailbox) -> None:
    # Around the 32 KB request size, empty, and large: each is read exactly as dropped.
    sizes = {"empty": 0, "one": 1, "below": 32767, "chunk": 32768, "above": 32769,
             "large": 3 * 1024 * 1024 + 7}
    dropped = {f"{name}.bin": os.urandom(size) for name, size in sizes.items()}
    for name, data in dropped.items():
        mailbox.drop(name, data)
    link = sftp.build("bank", mailbox.server.settings(mailbox))
    try:
        assert await link.poll_once() == []  # the first sighting
        taken = await link.poll_once()
        for item in taken:
            await link.ack(item)
    finally:
        await link.close()
    assert {item.name: item.payload for item in taken} == dropped
    assert mailbox.files("processed") == dropped


async def test_a_file_gone_from_a_batch_fails_it_and_leaves_the_session_usable(
        mailbox: Mailbox) -> None:
    mailbox.drop("a.txt", b"alpha")
    mailbox.drop("b.txt", b"bravo" * 10_000)
    folder = mailbox.server.settings(mailbox)["inbound_dir"]
    link = sftp.build("bank", mailbox.server.settings(mailbox))
    try:
        with pytest.raises(ConnectorError) as caught:
            await link._in.run(lambda s: list(sftp._read_each(s, [
                (f"{folder}/a.txt", 5), (f"{folder}/gone.txt", 3), (f"{folder}/b.txt", 50_000)])))
        # A file shorter than the listing said (it shrank after the listing): what is there.
        again = await link._in.run(lambda s: list(sftp._read_each(s, [
            (f"{folder}/b.txt", 50_000), (f"{folder}/a.txt", 9)])))
    finally:
        await link.close()
    assert caught.value.code == "LINK.ERROR"
    assert again == [b"bravo" * 10_000, b"alpha"]
