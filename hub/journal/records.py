"""Plain records the journal takes and gives back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from hub.model import State

GENESIS = "0" * 64


def now_us() -> int:
    return int(datetime.now(UTC).timestamp() * 1_000_000)


def us_to_iso(value: int | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1_000_000, UTC).isoformat()


def event_hash(prev_hash: str, message_id: str, n: int, at_us: int, type: str, state: str,
               actor: str, data_json: str) -> str:
    """Each event seals the one before it: editing or removing any event breaks the chain."""
    body = orjson.dumps([prev_hash, message_id, n, at_us, type, state, actor, data_json])
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class InputRecord:
    id: str
    channel: str
    name: str | None
    sha256: str
    size: int
    format: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class NewEvent:
    type: str
    state: State
    actor: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    connector: str
    format: str
    payload: bytes
    idempotency_key: str
    not_before_us: int = 0


@dataclass(slots=True)
class NewMessage:
    """One canonical message ready to be journalled with the events of its first steps."""

    id: str
    input: InputRecord
    input_index: int
    state: State
    format: str
    kind: str
    uetr: str | None
    reference: str | None
    amount: str | None
    currency: str | None
    channel: str
    sender: str | None
    submitted_by: str | None
    dedup_key: str
    content_hash: str
    canonical_json: str
    diagnostics_json: str
    events: list[NewEvent]
    route_json: str | None = None
    connector: str | None = None
    outbox: OutboxRow | None = None
    callback_url: str | None = None


@dataclass(frozen=True, slots=True)
class AcceptOutcome:
    status: str  # "accepted" | "duplicate" | "conflict"
    message_id: str
    state: State


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: str
    seq: int
    state: State
    format: str
    kind: str
    uetr: str | None
    reference: str | None
    amount: str | None
    currency: str | None
    channel: str
    sender: str | None
    submitted_by: str | None
    canonical: dict[str, Any]
    diagnostics: list[dict[str, Any]]
    route: dict[str, Any] | None
    connector: str | None
    external_ref: str | None
    version: int
    created_us: int
    updated_us: int
    input_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state.value,
            "format": self.format,
            "kind": self.kind,
            "uetr": self.uetr,
            "reference": self.reference,
            "amount": self.amount,
            "currency": self.currency,
            "channel": self.channel,
            "sender": self.sender,
            "submitted_by": self.submitted_by,
            "connector": self.connector,
            "external_ref": self.external_ref,
            "version": self.version,
            "created_at": us_to_iso(self.created_us),
            "updated_at": us_to_iso(self.updated_us),
            "route": self.route,
            "diagnostics": self.diagnostics,
            "message": self.canonical,
        }


@dataclass(frozen=True, slots=True)
class EventRecord:
    seq: int
    message_id: str
    n: int
    at_us: int
    type: str
    state: State
    actor: str
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "at": us_to_iso(self.at_us),
            "type": self.type,
            "state": self.state.value,
            "actor": self.actor,
            "data": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    message_id: str
    connector: str
    format: str
    payload: bytes
    idempotency_key: str
    attempts: int
    canonical: dict[str, Any]
    route: dict[str, Any] | None
    state: State


@dataclass(frozen=True, slots=True)
class Settlement:
    """The dispatcher's verdict on one claimed outbox row."""

    outbox_id: int
    message_id: str
    outcome: str  # "sent" | "retry" | "dead" | "reroute"
    state: State
    event: NewEvent
    next_us: int = 0
    error: str | None = None
    external_ref: str | None = None
    reroute: OutboxRow | None = None
    route_json: str | None = None


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    role: str
    name: str
    created_us: int
    revoked_us: int | None = None
