"""The shared folder fsync: every writer returns only after an fsync that began after its rename."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hub.connectors import filedrop
from hub.connectors.base import Outbound
from hub.connectors.filedrop import FileDrop, FolderSync, write_atomically
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
