"""The file drop's writes: every file whole or absent, written once, and durable before it is
reported sent (its own fsync and a folder fsync that began after its rename)."""

from __future__ import annotations

import asyncio
import errno
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hub.connectors import filedrop
from hub.connectors.base import Delivery, Outbound
from hub.connectors.filedrop import FileDrop, FolderSync, write_atomically
from hub.errors import ConfigError, ConnectorError
from hub.model import Kind, Message


def test_each_rename_is_covered_by_a_later_fsync(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    clock = threading.Lock()
    tick = [0]
    syncs: list[tuple[int, int]] = []  # (started at, finished at) in ticks

    def now() -> int:
        with clock:
            tick[0] += 1
            return tick[0]

    def slow_fsync(path: Path) -> None:
        began = now()
        time.sleep(0.005)
        syncs.append((began, now()))

    monkeypatch.setattr(filedrop, "fsync_folder", slow_fsync)
    shared = FolderSync(tmp_path)
    renames: dict[int, int] = {}  # file number -> tick of its rename
    returns: dict[int, int] = {}  # file number -> tick when its writer returned

    def write(i: int) -> None:
        write_atomically(tmp_path, f"f{i}.json", b"{}", shared)
        returns[i] = now()

    original = filedrop.os.replace

    def replace(src: object, dst: object) -> None:
        original(src, dst)  # type: ignore[arg-type]
        renames[int(Path(str(dst)).stem[1:])] = now()

    monkeypatch.setattr(filedrop.os, "replace", replace)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(write, range(200)))
    assert len(list(tmp_path.glob("f*.json"))) == 200
    for i, renamed in renames.items():
        # some fsync started after this rename and finished before the writer returned
        assert any(renamed < began and ended < returns[i] for began, ended in syncs), i
    assert len(syncs) < 200  # shared, not one per file


def test_a_failed_fsync_is_not_counted_as_done(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls = [0]

    def flaky(path: Path) -> None:
        calls[0] += 1
        if calls[0] == 1:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(filedrop, "fsync_folder", flaky)
    shared = FolderSync(tmp_path)
    with pytest.raises(OSError):
        shared.sync()
    shared.sync()  # the next caller syncs again instead of trusting the failed one
    assert calls[0] == 2


async def test_file_drop_writes_every_file_once(tmp_path: Path) -> None:
    drop = FileDrop("out", outbound=tmp_path / "out", inbox=None)
    await drop.start()
    message = Message(kind=Kind.FREE_FORMAT, narrative="x")
    deliveries = await asyncio.gather(*(drop.send(Outbound(
        message_id=f"m{i}", idempotency_key=f"k{i}", format="json", payload=b"{}",
        message=message)) for i in range(100)))
    await drop.close()
    assert len({d.reference for d in deliveries}) == 100
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"k{i}.json" for i in range(100))


def _outbound(key: str, payload: bytes) -> Outbound:
    return Outbound(message_id=key, idempotency_key=key, format="json", payload=payload,
                    message=Message(kind=Kind.FREE_FORMAT, narrative="x"))


async def test_one_batch_fsyncs_each_file_and_the_folder_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    folders: list[Path] = []
    real_fsync = filedrop.os.fsync
    def counted(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)
    monkeypatch.setattr(filedrop.os, "fsync", counted)
    monkeypatch.setattr(filedrop, "fsync_folder", folders.append)
    drop = FileDrop("out", outbound=tmp_path, inbox=None, sync="files")
    results = drop._write_files([(f"k{i}.json", b"{}") for i in range(20)])
    assert [r.reference for r in results] == [f"k{i}.json" for i in range(20)]  # type: ignore[union-attr]
    assert len(synced) == 20 and folders == [tmp_path]
    assert not list(tmp_path.glob(".*.tmp"))


async def test_one_batch_is_one_filesystem_sync_before_any_rename(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []  # the folder's visible names at each filesystem sync

    def syncfs(fd: int) -> None:
        seen.append(sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")))
    monkeypatch.setattr(filedrop, "SYNCFS", syncfs)
    monkeypatch.setattr(filedrop.os, "fsync", lambda fd: pytest.fail("no fsync per file"))
    monkeypatch.setattr(filedrop, "fsync_folder", lambda path: None)
    drop = FileDrop("out", outbound=tmp_path, inbox=None)
    results = drop._write_files([(f"k{i}.json", b"{}") for i in range(20)])
    assert all(isinstance(r, Delivery) for r in results)
    assert seen == [[]]  # once, and before any file appeared under its final name
    assert len(list(tmp_path.glob("k*.json"))) == 20


async def test_a_failed_filesystem_sync_fails_the_batch_and_shows_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def syncfs(fd: int) -> None:
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(filedrop, "SYNCFS", syncfs)
    drop = FileDrop("out", outbound=tmp_path, inbox=None)
    results = drop._write_files([("a.json", b"1"), ("b.json", b"2")])
    assert all(isinstance(r, ConnectorError) and r.retryable for r in results)
    assert list(tmp_path.iterdir()) == []  # no final name, no temporary file left


async def test_without_syncfs_in_a_sandbox_it_falls_back_to_fsync_per_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def forbidden(fd: int) -> None:  # what a seccomp filter answers
        calls.append(fd)
        raise OSError(errno.EPERM, "Operation not permitted")
    synced: list[int] = []
    real_fsync = filedrop.os.fsync
    monkeypatch.setattr(filedrop, "SYNCFS", forbidden)
    def counted(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)
    monkeypatch.setattr(filedrop.os, "fsync", counted)
    drop = FileDrop("out", outbound=tmp_path, inbox=None)
    first = drop._write_files([("a.json", b"1"), ("b.json", b"2")])
    second = drop._write_files([("c.json", b"3")])
    assert all(isinstance(r, Delivery) for r in first + second)
    assert len(calls) == 1  # tried once, then fsync per file for good
    assert len(synced) == 3 + 2  # each file, plus the folder after each batch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json", "c.json"]


@pytest.mark.parametrize(("release", "offered"), [("5.4.0-150-generic", False),
                                                  ("5.8.0", True), ("6.18.44-fc", True)])
def test_syncfs_only_where_it_reports_write_errors(monkeypatch: pytest.MonkeyPatch,
                                                   release: str, offered: bool) -> None:
    if sys.platform != "linux":
        pytest.skip("syncfs is Linux only")
    real = os.uname()
    kernel = os.uname_result((real.sysname, real.nodename, release, real.version, real.machine))
    monkeypatch.setattr(filedrop.os, "uname", lambda: kernel)
    assert (filedrop._linux_syncfs() is not None) is offered


def test_the_sync_setting_is_checked() -> None:
    with pytest.raises(ConfigError) as bad:
        filedrop.build("out", {"outbound": "/tmp/x", "sync": "never"})
    assert bad.value.location == "connectors.out.sync"
    assert filedrop.build("out", {"outbound": "/tmp/x", "sync": "files"})._syncfs is None


async def test_a_name_twice_in_one_batch_is_written_once(tmp_path: Path) -> None:
    drop = FileDrop("out", outbound=tmp_path, inbox=None)
    await drop.start()
    same, other = await asyncio.gather(drop.send(_outbound("k", b"{}")),
                                       drop.send(_outbound("k", b"{}")))
    assert {same.detail.get("already_there"), other.detail.get("already_there")} == {None, True}
    with pytest.raises(ConnectorError) as refused:  # same name, other content
        await drop.send(_outbound("k", b"[]"))
    assert refused.value.code == "LINK.REJECTED" and not refused.value.retryable
    results = drop._write_files([("n.json", b"1"), ("n.json", b"2")])
    assert isinstance(results[0], Delivery) and isinstance(results[1], ConnectorError)
    assert (tmp_path / "n.json").read_bytes() == b"1"
    await drop.close()


async def test_a_file_that_fails_fails_alone(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = filedrop.os.replace

    def replace(src: Path, dst: Path) -> None:
        if Path(dst).name == "bad.json":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(filedrop.os, "replace", replace)
    drop = FileDrop("out", outbound=tmp_path, inbox=None)
    good, bad, late = drop._write_files([("good.json", b"1"), ("bad.json", b"2"),
                                         ("late.json", b"3")])
    assert isinstance(good, Delivery) and isinstance(late, Delivery)
    assert isinstance(bad, ConnectorError) and bad.retryable and "No space" in str(bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.json", "late.json"]


async def test_a_failed_folder_fsync_fails_the_whole_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(filedrop, "fsync_folder", broken)
    drop = FileDrop("out", outbound=tmp_path, inbox=None)
    results = drop._write_files([("a.json", b"1"), ("b.json", b"2")])
    assert all(isinstance(r, ConnectorError) and r.retryable for r in results)
