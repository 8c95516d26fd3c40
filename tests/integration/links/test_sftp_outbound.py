"""SFTP outbound against a real OpenSSH sshd: atomic upload, idempotent retry, host key pins,
batching, signing, and a server killed in the middle of an upload."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import cms, framing, sftp
from hub.connectors.base import Outcome
from hub.errors import ConfigError, ConnectorError
from tests.integration.links.helpers import certificate, fin, outbound
from tests.sshd.server import Mailbox, SshServer


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


async def test_send_uploads_once_under_its_final_name(mailbox: Mailbox) -> None:
    registry = CollectorRegistry()
    link = sftp.build("bank", mailbox.server.settings(mailbox), registry=registry)
    item = outbound("uetr-1", fin("REF1"))
    try:
        first = await link.send(item)
        again = await link.send(item)  # the dispatcher's retry after a lost answer
    finally:
        await link.close()
    assert first.outcome is Outcome.SENT and first.reference == "uetr-1.mt103"
    assert first.detail["already_there"] is False and again.detail["already_there"] is True
    assert mailbox.files("outbound") == {"uetr-1.mt103": fin("REF1")}
    assert _value(registry, "hub_sftp_files_total", link="bank", direction="out") == 1
    assert _value(registry, "hub_sftp_bytes_total", link="bank",
                  direction="out") == len(fin("REF1"))
    assert _value(registry, "hub_sftp_last_success_timestamp_seconds", link="bank",
                  operation="send") > 0


async def test_retry_after_crash_replaces_the_partial_temp_file(mailbox: Mailbox) -> None:
    # A crash mid-upload leaves only the hidden temporary file; the bank sees nothing.
    mailbox.drop(".uetr-2.mt103.part", b"{1:F01BANK", folder="outbound")
    link = sftp.build("bank", mailbox.server.settings(mailbox))
    try:
        delivery = await link.send(outbound("uetr-2", fin("REF2")))
    finally:
        await link.close()
    assert delivery.detail["already_there"] is False
    assert mailbox.files("outbound") == {"uetr-2.mt103": fin("REF2")}


async def test_same_name_with_other_content_is_a_conflict(mailbox: Mailbox) -> None:
    mailbox.drop("uetr-3.mt103", b"something else", folder="outbound")
    link = sftp.build("bank", mailbox.server.settings(mailbox))
    try:
        with pytest.raises(ConnectorError) as caught:
            await link.send(outbound("uetr-3", fin("REF3")))
    finally:
        await link.close()
    assert caught.value.code == "LINK.NAME_TAKEN" and not caught.value.retryable
    assert mailbox.files("outbound") == {"uetr-3.mt103": b"something else"}


async def test_changed_host_key_is_refused(mailbox: Mailbox, tmp_path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")],
                   check=True)
    other = (tmp_path / "k.pub").read_text().split()
    registry = CollectorRegistry()
    link = sftp.build("bank", mailbox.server.settings(
        mailbox, host_key=f"{other[0]} {other[1]}"), registry=registry)
    try:
        with pytest.raises(ConnectorError) as caught:
            await link.send(outbound("uetr-4", fin("REF4")))
        health = await link.health()
    finally:
        await link.close()
    assert caught.value.code == "LINK.HOST_KEY" and caught.value.retryable is False
    assert "not the pinned host key" in caught.value.message
    assert not health.up
    assert _value(registry, "hub_sftp_host_key_failures_total", link="bank") >= 1
    assert mailbox.files("outbound") == {}


def test_a_missing_host_key_pin_is_a_configuration_error(mailbox: Mailbox) -> None:
    settings = mailbox.server.settings(mailbox)
    del settings["host_key"]
    with pytest.raises(ConfigError) as caught:
        sftp.build("bank", settings)
    assert caught.value.location == "connectors.bank.host_key"


@pytest.mark.parametrize("pin", ["rsa-line", "ed25519-fingerprint", "known-hosts-line"])
async def test_pins_and_rsa_client_key(mailbox: Mailbox, pin: str) -> None:
    server = mailbox.server
    if pin == "rsa-line":
        host_key = server.host_key_line("rsa")
    elif pin == "ed25519-fingerprint":
        blob = server.host_key_line("ed25519").split()[1]
        import base64
        host_key = sftp.HostKeyPin.fingerprint(base64.b64decode(blob))
    else:
        host_key = f"[127.0.0.1]:{server.port} {server.host_key_line('ed25519')}"
    link = sftp.build("bank", server.settings(mailbox, key="rsa", host_key=host_key))
    try:
        assert (await link.health()).up
        await link.send(outbound(f"k-{pin}", b"x"))
    finally:
        await link.close()
    assert f"k-{pin}.mt103" in mailbox.files("outbound")


async def test_batch_puts_fin_messages_in_one_rje_file_within_limits(mailbox: Mailbox) -> None:
    link = sftp.build("bank", mailbox.server.settings(mailbox, batch_max_count=3))
    items = [outbound(f"b{i}", fin(f"REF{i}")) for i in range(5)]
    items.append(outbound("xml-1", b"<Document/>", format="pacs.008"))
    try:
        deliveries = await link.send_batch(items)
        again = await link.send_batch(items)
    finally:
        await link.close()
    files = mailbox.files("outbound")
    assert len(files) == 3  # 3 + 2 FIN messages, and the XML alone
    first = deliveries[0].reference
    assert [d.reference for d in deliveries[:3]] == [first] * 3
    assert deliveries[3].reference == deliveries[4].reference != first
    assert framing.split(files[first], "mt103") == [fin(f"REF{i}") for i in range(3)]
    assert files[first].count(b"$") == 2
    assert files[deliveries[5].reference or ""] == b"<Document/>"
    assert all(d.detail["already_there"] for d in again)


async def test_sequence_numbers_stay_idempotent(mailbox: Mailbox) -> None:
    link = sftp.build("bank", mailbox.server.settings(
        mailbox, name_pattern="PAY_{date}_{seq}_{key}.fin"))
    try:
        a = await link.send(outbound("s1", b"one"))
        b = await link.send(outbound("s2", b"two"))
        a2 = await link.send(outbound("s1", b"one"))
    finally:
        await link.close()
    assert a.reference and a.reference.endswith("_000001_s1.fin")
    assert b.reference and b.reference.endswith("_000002_s2.fin")
    assert a2.reference == a.reference and a2.detail["already_there"]
    assert len(mailbox.files("outbound")) == 2


async def test_outbound_files_are_signed_when_configured(mailbox: Mailbox,
                                                         tmp_path: Path) -> None:
    cert, _key, cert_path, key_path = certificate(tmp_path, "hub")
    link = sftp.build("bank", mailbox.server.settings(
        mailbox, sign_outbound=True, sign_cert_file=str(cert_path),
        sign_key_file=str(key_path)))
    try:
        await link.send(outbound("signed-1", fin("SIG1")))
    finally:
        await link.close()
    files = mailbox.files("outbound")
    assert set(files) == {"signed-1.mt103", "signed-1.mt103.p7s"}
    cms.verify(files["signed-1.mt103"], files["signed-1.mt103.p7s"], cert)
    with pytest.raises(cms.SignatureError):
        cms.verify(files["signed-1.mt103"] + b" ", files["signed-1.mt103.p7s"], cert)


async def test_sshd_killed_during_upload_leaves_no_partial_file(sshd: SshServer,
                                                               mailbox: Mailbox) -> None:
    payload = os.urandom(48 * 1024 * 1024)
    link = sftp.build("bank", sshd.settings(mailbox, timeout=3.0, backoff_initial=0.01,
                                            backoff_max=0.05))
    temp = mailbox.local / "outbound" / ".big-1.bin.part"
    killed = threading.Event()

    def kill_when_half_there() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if temp.exists() and temp.stat().st_size > 4 * 1024 * 1024:
                sshd.kill()
                killed.set()
                return
            time.sleep(0.002)

    watcher = threading.Thread(target=kill_when_half_there)
    watcher.start()
    try:
        with pytest.raises(ConnectorError) as caught:
            await link.send(outbound("big-1", payload, format="bin"))
        watcher.join()
        assert killed.is_set(), "the upload finished before the server could be killed"
        assert caught.value.retryable
        assert "big-1.bin" not in mailbox.files("outbound")  # never half a file under its name
        sshd.start()
        await asyncio.sleep(0.06)  # past the reconnect backoff
        delivery = await link.send(outbound("big-1", payload, format="bin"))
    finally:
        watcher.join()
        if sshd.proc is None:
            sshd.start()
        await link.close()
    assert delivery.detail["already_there"] is False
    names = sorted(p.name for p in (mailbox.local / "outbound").iterdir())
    assert names == ["big-1.bin"]
    data = (mailbox.local / "outbound" / "big-1.bin").read_bytes()
    assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()


async def test_a_failed_write_is_never_renamed_into_place(mailbox: Mailbox) -> None:
    # The temporary name is a full disk (the /dev/full device): the server opens it, then
    # answers every WRITE with "no space". Those answers must stop the rename.
    temp = mailbox.local / "outbound" / ".uetr-full.mt103.part"
    os.mknod(temp, stat.S_IFCHR, os.makedev(1, 7))
    temp.chmod(0o666)  # writable by the SFTP user (mknod applies the umask)
    link = sftp.build("bank", mailbox.server.settings(mailbox))
    try:
        with pytest.raises(ConnectorError) as caught:
            await link.send(outbound("uetr-full", fin("REFFULL")))
        again = await link.send(outbound("uetr-ok", fin("REFOK")))  # the session still works
    finally:
        await link.close()
    assert caught.value.code == "LINK.ERROR" and caught.value.retryable
    assert again.detail["already_there"] is False
    names = sorted(p.name for p in (mailbox.local / "outbound").iterdir())
    assert names == [".uetr-full.mt103.part", "uetr-ok.mt103"]  # (never read the device)
    assert (mailbox.local / "outbound" / "uetr-ok.mt103").read_bytes() == fin("REFOK")
