"""File drop: each outbound message a file in a folder; an inbox folder watched for new files.

Outbound writes under a temporary name, fsyncs, then renames, so a reader never sees half a file;
the file is named after the idempotency key, so a retry finds it there and writes nothing twice.
Inbound takes a file once its size and mtime held still across two polls, and moves it to
processed/ (or rejected/ with <name>.errors.json beside it) only when the hub says so, which it
does after the journal committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import threading
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson

from hub.connectors.base import ConnectorSpec, Delivery, Health, Inbound, Outbound, Outcome
from hub.errors import ConfigError, ConnectorError, Diagnostic

EXTENSIONS = {"json": "json", "nacha": "ach", "fedwire": "txt", "telex": "txt"}
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def extension(format: str) -> str:
    if format in EXTENSIONS:
        return EXTENSIONS[format]
    if format.startswith("mt"):
        return "fin"
    if format.startswith(("pacs", "camt", "pain")):
        return "xml"
    if format.startswith(("x12", "edifact")):
        return "edi"
    return "dat"


def fsync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FolderSync:
    """One folder fsync shared by the writers that renamed into it meanwhile.

    A rename is durable once an fsync of its folder that *started after it* has finished. A
    writer whose rename happened while another writer's fsync was already running waits for
    the next one, and every writer waiting then shares that next one: with sixteen writers in
    flight the folder is synced a few times per batch instead of once per file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cond = threading.Condition()
        self._started = 0  # fsyncs begun
        self._done = 0  # the newest fsync finished without error
        self._running = False

    def sync(self) -> None:
        with self._cond:
            needed = self._started + 1  # the first fsync to begin from now on
            while self._done < needed:
                if self._running:
                    self._cond.wait()
                    continue
                self._running = True
                self._started += 1
                number = self._started
                ok = False
                self._cond.release()
                try:
                    fsync_folder(self.folder)
                    ok = True
                finally:
                    self._cond.acquire()
                    self._running = False
                    if ok:
                        self._done = max(self._done, number)
                    self._cond.notify_all()


def write_atomically(folder: Path, name: str, payload: bytes,
                     folder_sync: FolderSync | None = None) -> Path:
    """Temp file, fsync, rename, fsync the folder: the file is whole or absent."""
    final = folder / name
    tmp = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, final)
    if folder_sync is not None:
        folder_sync.sync()
    else:
        fsync_folder(folder)
    return final


class FileDrop:
    def __init__(self, name: str, *, outbound: Path | None, inbox: Path | None,
                 poll_interval: float = 0.5, spec: ConnectorSpec | None = None) -> None:
        self.name = name
        self.outbound = outbound
        self.inbox = inbox
        self.poll_interval = poll_interval
        self.spec = spec or ConnectorSpec(rails=("file",), formats=())
        self._closed = asyncio.Event()
        # Writing is bound by fsync latency, not CPU: more writers in flight, more files/s.
        self._writers = ThreadPoolExecutor(max_workers=16, thread_name_prefix=f"filedrop-{name}")
        self._folder_sync = FolderSync(outbound) if outbound is not None else None
        self._sizes: dict[str, tuple[int, int]] = {}
        self._pending: set[str] = set()

    async def start(self) -> None:
        for folder in (self.outbound, self.inbox):
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
        if self.outbound is not None:  # half-written files of a process that died mid-write
            for stale in self.outbound.glob(".*.tmp"):
                stale.unlink(missing_ok=True)
        if self.inbox is not None:
            (self.inbox / "processed").mkdir(exist_ok=True)
            (self.inbox / "rejected").mkdir(exist_ok=True)

    async def send(self, outbound: Outbound) -> Delivery:
        if self.outbound is None:
            raise ConnectorError(f"{self.name} has no outbound folder", retryable=False)
        name = f"{SAFE_NAME.sub('_', outbound.idempotency_key)}.{extension(outbound.format)}"
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writers, self._write, name, outbound.payload)

    def _write(self, name: str, payload: bytes) -> Delivery:
        assert self.outbound is not None
        final = self.outbound / name
        digest = hashlib.sha256(payload).hexdigest()
        try:
            if final.exists():
                if hashlib.sha256(final.read_bytes()).hexdigest() == digest:
                    return Delivery(outcome=Outcome.SENT, reference=name,
                                    detail={"sha256": digest, "already_there": True})
                raise ConnectorError(f"{name} exists with other content", code="LINK.REJECTED",
                                     retryable=False)
            write_atomically(self.outbound, name, payload, self._folder_sync)
        except OSError as exc:
            raise ConnectorError(f"cannot write {name}: {exc.strerror}", retryable=True) from None
        return Delivery(outcome=Outcome.SENT, reference=name, detail={"sha256": digest})

    async def health(self) -> Health:
        for folder in (self.outbound, self.inbox):
            if folder is not None and not os.access(folder, os.W_OK):
                return Health(up=False, detail=f"{folder} is not writable")
        return Health(up=True)

    async def close(self) -> None:
        self._closed.set()
        self._writers.shutdown(wait=True)

    async def receive(self) -> AsyncIterator[Inbound]:
        if self.inbox is None:
            return
        while not self._closed.is_set():
            for inbound in await asyncio.to_thread(self._stable_files):
                yield inbound
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), self.poll_interval)

    def _stable_files(self) -> list[Inbound]:
        assert self.inbox is not None
        found: list[Inbound] = []
        seen_now: dict[str, tuple[int, int]] = {}
        for entry in sorted(os.scandir(self.inbox), key=lambda e: e.name):
            if not entry.is_file() or entry.name.startswith(".") or entry.name in self._pending:
                continue
            stat = entry.stat()
            shape = (stat.st_size, stat.st_mtime_ns)
            seen_now[entry.name] = shape
            if self._sizes.get(entry.name) != shape:
                continue  # new or still growing: look again next poll
            payload = Path(entry.path).read_bytes()
            self._pending.add(entry.name)
            found.append(Inbound(channel=self.name, name=entry.name, payload=payload,
                                 token=entry.path))
        self._sizes = seen_now
        return found

    def forget(self, inbound: Inbound) -> None:
        """Offer the file again on a later poll (the hub could not journal it yet)."""
        self._pending.discard(inbound.name)

    async def ack(self, inbound: Inbound) -> None:
        await asyncio.to_thread(self._move, inbound, "processed", None)

    async def reject(self, inbound: Inbound, diagnostics: list[Diagnostic]) -> None:
        await asyncio.to_thread(self._move, inbound, "rejected", diagnostics)

    def _move(self, inbound: Inbound, folder: str, diagnostics: list[Diagnostic] | None) -> None:
        assert self.inbox is not None
        target = self.inbox / folder
        if diagnostics is not None:
            body = orjson.dumps({"file": inbound.name,
                                 "diagnostics": [d.to_json() for d in diagnostics]},
                                option=orjson.OPT_INDENT_2)
            write_atomically(target, f"{inbound.name}.errors.json", body)
        os.replace(self.inbox / inbound.name, target / inbound.name)
        fsync_folder(self.inbox)
        self._pending.discard(inbound.name)


def build(name: str, settings: Mapping[str, Any], **deps: Any) -> FileDrop:
    known = {"outbound", "inbox", "poll_interval", "rails", "formats", "currencies"}
    for key in settings:
        if key not in known:
            raise ConfigError(f"connectors.{name}.{key}: unknown setting",
                              code="CONFIG.UNKNOWN_KEY", location=f"connectors.{name}.{key}")
    outbound = settings.get("outbound")
    inbox = settings.get("inbox")
    spec = ConnectorSpec(rails=tuple(settings.get("rails", ("file",))),
                         formats=tuple(settings.get("formats", ())),
                         currencies=tuple(settings.get("currencies", ())))
    return FileDrop(name, outbound=Path(outbound) if outbound else None,
                    inbox=Path(inbox) if inbox else None,
                    poll_interval=float(settings.get("poll_interval", 0.5)), spec=spec)
