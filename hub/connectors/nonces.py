"""Signed transactions remembered before they leave, so a payment is never sent twice.

A chain connector signs a transaction, records it here (key, signed blob, hash, nonce or
sequence) and only then submits it. After a crash or a retry, `send` finds the record for the
outbound's idempotency key and looks the hash up on the chain instead of signing a new one.

`PendingTxStore` is the protocol. In the hub the records live in the journal
(`JournalPendingTxStore`, table `chain_pending`), so every hub process on one PostgreSQL and every
restart sees the same records; `MemoryPendingTxStore` is the in-process double with the same
rules. A record whose result is `VOID` is one the chain can provably never include (its nonce
was used by another transaction, or its LastLedgerSequence passed): the connector may sign the
payment anew.

Two rules hold in both stores, per connector:
- one live (pending or final, not void) record per key: a second `put` raises `KeyTaken`, and
  the caller follows the recorded transaction instead (another process signed it first);
- one pending record per nonce: a `put` of a nonce another pending record holds raises
  `NonceTaken`, and the caller signs with the next one (`record_signed`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from hub.errors import ConfigError

VOID = "void"
"""`result["outcome"]` of a record that will never be included and may be replaced."""

MAX_NONCE_TRIES = 64  # pending records of other processes skipped before giving up for now


class KeyTaken(ValueError):
    """A live transaction is already recorded for this key."""


class NonceTaken(ValueError):
    """Another pending transaction of this connector holds the nonce."""


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

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> PendingTx:
        return cls(key=str(row["key"]), signed_blob=str(row["signed_blob"]),
                   tx_hash=str(row["tx_hash"]), nonce=int(row["nonce"]),
                   meta=dict(row.get("meta") or {}),
                   result=None if row.get("result") is None else dict(row["result"]))


@runtime_checkable
class PendingTxStore(Protocol):
    async def put(self, key: str, signed_blob: str, tx_hash: str, nonce: int, *,
                  meta: Mapping[str, Any] | None = None) -> None:
        """Durably record a signed transaction before it is submitted; replaces a void one.
        Raises KeyTaken or NonceTaken (see the module docstring)."""
        ...

    async def get(self, key: str) -> PendingTx | None: ...

    async def mark_final(self, key: str, result: Mapping[str, Any]) -> None:
        """Record the final result (`outcome` completed, failed or void, code, reason...).
        The first final result of a pending record stands; later ones are ignored."""
        ...

    async def pending(self) -> list[PendingTx]:
        """Records without a result, oldest nonce first: what a restart must look up."""
        ...


class MemoryPendingTxStore:
    """In-process store: the same rules as the journal store, without durability."""

    def __init__(self) -> None:
        self._records: dict[str, PendingTx] = {}

    async def put(self, key: str, signed_blob: str, tx_hash: str, nonce: int, *,
                  meta: Mapping[str, Any] | None = None) -> None:
        old = self._records.get(key)
        if old is not None and not old.is_void:
            raise KeyTaken(f"a transaction for {key!r} is already recorded ({old.tx_hash})")
        if any(r.is_pending and r.nonce == nonce for r in self._records.values()):
            raise NonceTaken(f"nonce {nonce} is held by another pending transaction")
        self._records[key] = PendingTx(key=key, signed_blob=signed_blob, tx_hash=tx_hash,
                                       nonce=nonce, meta=dict(meta or {}))

    async def get(self, key: str) -> PendingTx | None:
        return self._records.get(key)

    async def mark_final(self, key: str, result: Mapping[str, Any]) -> None:
        record = self._records[key]
        if record.is_pending:
            self._records[key] = PendingTx(key=key, signed_blob=record.signed_blob,
                                           tx_hash=record.tx_hash, nonce=record.nonce,
                                           meta=record.meta, result=dict(result))

    async def pending(self) -> list[PendingTx]:
        return sorted((r for r in self._records.values() if r.is_pending), key=lambda r: r.nonce)


class ChainTxJournal(Protocol):
    """What the journal offers chain connectors (hub.journal.Journal implements it)."""

    async def record_chain_tx(self, connector: str, key: str, *, nonce: int, tx_hash: str,
                              signed_blob: str, meta: Mapping[str, Any]) -> str: ...

    async def chain_tx(self, connector: str, key: str) -> dict[str, Any] | None: ...

    async def finish_chain_tx(self, connector: str, key: str,
                              result: Mapping[str, Any]) -> bool: ...

    async def pending_chain_txs(self, connector: str) -> list[dict[str, Any]]: ...


class JournalPendingTxStore:
    """The records of one connector in the journal: shared by every hub process and restart.

    The journal commits each `put` and `mark_final` before it returns, so a record `put`
    acknowledged is one a restarted (or another) process will find.
    """

    def __init__(self, journal: ChainTxJournal, connector: str) -> None:
        self.journal = journal
        self.connector = connector

    async def put(self, key: str, signed_blob: str, tx_hash: str, nonce: int, *,
                  meta: Mapping[str, Any] | None = None) -> None:
        outcome = await self.journal.record_chain_tx(
            self.connector, key, nonce=nonce, tx_hash=tx_hash, signed_blob=signed_blob,
            meta=dict(meta or {}))
        if outcome == "key_taken":
            raise KeyTaken(f"a transaction for {key!r} is already recorded")
        if outcome == "nonce_taken":
            raise NonceTaken(f"nonce {nonce} is held by another pending transaction")

    async def get(self, key: str) -> PendingTx | None:
        row = await self.journal.chain_tx(self.connector, key)
        return None if row is None else PendingTx.from_row(row)

    async def mark_final(self, key: str, result: Mapping[str, Any]) -> None:
        await self.journal.finish_chain_tx(self.connector, key, result)

    async def pending(self) -> list[PendingTx]:
        return [PendingTx.from_row(r) for r in await self.journal.pending_chain_txs(
            self.connector)]


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


Signer = Callable[[int], tuple[str, str, Mapping[str, Any]]]
"""Signs the payment with a nonce: (signed blob, hash, meta to record)."""


async def record_signed(store: PendingTxStore, nonces: NonceAllocator, key: str,
                        chain_next: int, sign: Signer) -> tuple[PendingTx, bool]:
    """Under `nonces.lock`: sign with the next free nonce and record it before submission.

    Returns the record to follow and whether it is ours (`True`: signed just now, never
    submitted) or one another process recorded for the key first (`False`: follow it, never
    sign a second payment). A nonce held by another process's pending record is skipped. Raises
    NonceTaken when MAX_NONCE_TRIES nonces in a row are held.
    """
    for _ in range(MAX_NONCE_TRIES):
        nonce = nonces.take(chain_next)
        blob, tx_hash, meta = sign(nonce)
        try:
            await store.put(key, blob, tx_hash, nonce, meta=meta)
        except NonceTaken:
            continue  # take() has moved past it
        except KeyTaken:
            nonces.reset()  # ours was never used
            record = await store.get(key)
            if record is None or record.is_void:
                raise  # voided meanwhile: the next attempt signs again
            return record, False
        except BaseException:
            nonces.reset()  # the nonce was never used: let the next send take it
            raise
        return PendingTx(key=key, signed_blob=blob, tx_hash=tx_hash, nonce=nonce,
                         meta=dict(meta)), True
    nonces.reset()
    raise NonceTaken(f"{MAX_NONCE_TRIES} nonces from {chain_next} on are held by pending "
                     "transactions")


def journal_store(name: str, journal: ChainTxJournal | None) -> PendingTxStore:
    """The pending-transaction store of chain link `name`: its rows in the hub's journal."""
    if journal is None:
        raise ConfigError(f"connectors.{name}: signed transactions are journalled before "
                          "submission; the connector needs the hub's journal (or a store)",
                          location=f"connectors.{name}")
    return JournalPendingTxStore(journal, name)
