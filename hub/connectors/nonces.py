"""Signed transactions remembered before they leave, so a payment is never sent twice.

A chain connector signs a transaction, records it here (key, signed blob, hash, nonce or
sequence) and only then submits it. After a crash or a retry, `send` finds the record for the
outbound's idempotency key and looks the hash up on the chain instead of signing a new one.

`PendingTxStore` is the protocol; `FilePendingTxStore` keeps JSON lines with an fsync per
record for standalone use, `MemoryPendingTxStore` is the in-process double. A record whose
result is `VOID` is one the chain can provably never include (its nonce was used by another
transaction, or its LastLedgerSequence passed): the connector may sign the payment anew.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

VOID = "void"
"""`result["outcome"]` of a record that will never be included and may be replaced."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PendingTx:
    key: str
    signed_blob: str  # hex, as submitted
    tx_hash: str  # 0x-prefixed (Ethereum) or upper-case hex (XRPL)
    nonce: int  # account nonce (Ethereum) or Sequence (XRPL)
    meta: Mapping[str, Any] = field(default_factory=dict)  # e.g. last_ledger_sequence
    result: Mapping[str, Any] | None = None  # set once final

    @property
    def is_final(self) -> bool:
        return self.result is not None and self.result.get("outcome") != VOID

    @property
    def is_void(self) -> bool:
        return self.result is not None and self.result.get("outcome") == VOID

    @property
    def is_pending(self) -> bool:
        return self.result is None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "signed_blob": self.signed_blob, "tx_hash": self.tx_hash,
                "nonce": self.nonce, "meta": dict(self.meta),
                "result": None if self.result is None else dict(self.result)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingTx:
        return cls(key=str(data["key"]), signed_blob=str(data["signed_blob"]),
                   tx_hash=str(data["tx_hash"]), nonce=int(data["nonce"]),
                   meta=dict(data.get("meta") or {}), result=data.get("result"))


@runtime_checkable
class PendingTxStore(Protocol):
    async def put(self, key: str, signed_blob: str, tx_hash: str, nonce: int, *,
                  meta: Mapping[str, Any] | None = None) -> None:
        """Durably record a signed transaction before it is submitted; replaces a void one."""
        ...

    async def get(self, key: str) -> PendingTx | None: ...

    async def mark_final(self, key: str, result: Mapping[str, Any]) -> None:
        """Record the final result (`outcome` completed, failed or void, code, reason...)."""
        ...

    async def pending(self) -> list[PendingTx]:
        """Records without a result, oldest nonce first: what a restart must look up."""
        ...


class MemoryPendingTxStore:
    """In-process store: the same behaviour as the file store, without durability."""

    def __init__(self) -> None:
        self._records: dict[str, PendingTx] = {}

    async def put(self, key: str, signed_blob: str, tx_hash: str, nonce: int, *,
                  meta: Mapping[str, Any] | None = None) -> None:
        _check_replace(self._records.get(key))
        self._records[key] = PendingTx(key=key, signed_blob=signed_blob, tx_hash=tx_hash,
                                       nonce=nonce, meta=dict(meta or {}))

    async def get(self, key: str) -> PendingTx | None:
        return self._records.get(key)

    async def mark_final(self, key: str, result: Mapping[str, Any]) -> None:
        record = self._records[key]
        self._records[key] = PendingTx(key=key, signed_blob=record.signed_blob,
                                       tx_hash=record.tx_hash, nonce=record.nonce,
                                       meta=record.meta, result=dict(result))

    async def pending(self) -> list[PendingTx]:
        return sorted((r for r in self._records.values() if r.is_pending), key=lambda r: r.nonce)


class FilePendingTxStore(MemoryPendingTxStore):
    """JSON lines, one record per line, fsynced before `put`/`mark_final` return.

    The file is replayed on open (the last line for a key wins) and rewritten compactly when it
    holds more than `compact_after` superseded lines. A torn last line (crash mid-write) is
    ignored: its record was never acknowledged to the caller, so nothing was submitted.
    """

    def __init__(self, path: str | os.PathLike[str], *, compact_after: int = 10_000) -> None:
        super().__init__()
        self.path = Path(path)
        self._lock = asyncio.Lock()
        self._compact_after = compact_after
        self._lines = 0
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for raw in fh:
                try:
                    record = PendingTx.from_json(json.loads(raw))
                except (ValueError, KeyError, TypeError):
                    continue  # a torn or foreign line
                self._records[record.key] = record
                self._lines += 1

    async def put(self, key: str, signed_blob: str, tx_hash: str, nonce: int, *,
                  meta: Mapping[str, Any] | None = None) -> None:
        async with self._lock:
            await super().put(key, signed_blob, tx_hash, nonce, meta=meta)
            await self._append(self._records[key])

    async def mark_final(self, key: str, result: Mapping[str, Any]) -> None:
        async with self._lock:
            await super().mark_final(key, result)
            await self._append(self._records[key])

    async def _append(self, record: PendingTx) -> None:
        line = json.dumps(record.to_json(), separators=(",", ":"), sort_keys=True) + "\n"
        self._lines += 1
        if self._lines > self._compact_after and self._lines > 2 * len(self._records):
            await asyncio.to_thread(self._rewrite)
        else:
            await asyncio.to_thread(self._write, line)

    def _write(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def _rewrite(self) -> None:
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for record in self._records.values():
                fh.write(json.dumps(record.to_json(), separators=(",", ":"), sort_keys=True))
                fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self._lines = len(self._records)


def _check_replace(old: PendingTx | None) -> None:
    # Replacing a live record would orphan a transaction that may still be included.
    if old is not None and not old.is_void:
        raise ValueError(f"a transaction for {old.key!r} is already recorded ({old.tx_hash})")


class NonceAllocator:
    """Hands out account nonces (or XRPL sequences) one at a time across concurrent sends.

    The next value is the larger of what the chain says (pending count / account Sequence) and
    the one after the last handed out, so that transactions signed but not yet seen by the node
    keep their numbers. `reset()` forgets the local view after a gap was found.
    """

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self._next: int | None = None

    def take(self, chain_next: int) -> int:
        """Call under `lock`: the nonce to sign with, reserved."""
        nonce = chain_next if self._next is None else max(chain_next, self._next)
        self._next = nonce + 1
        return nonce

    def seed(self, after: int) -> None:
        """Nonces up to `after` are taken (recovered from the store on start)."""
        self._next = max(self._next or 0, after + 1)

    def reset(self) -> None:
        self._next = None
