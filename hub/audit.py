"""Audit export: a period's events with their hash chain, verifiable offline."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import orjson

from hub.journal import EventRecord
from hub.journal.store import verify_events
from hub.model import State


def export_events(events: Sequence[EventRecord]) -> bytes:
    """JSON lines: a header, one line per event, and a trailer with a digest over the lines.

    Per message, an export that starts mid-chain carries the hash it starts from, so the chain
    is checked from there.
    """
    lines = [orjson.dumps({
        "message_id": e.message_id, "n": e.n, "at_us": e.at_us, "type": e.type,
        "state": e.state.value, "actor": e.actor, "data": e.data, "prev_hash": e.prev_hash,
        "hash": e.hash}) for e in events]
    digest = hashlib.sha256(b"\n".join(lines)).hexdigest()
    header = orjson.dumps({"nvc_hub_audit_export": 1, "events": len(lines)})
    trailer = orjson.dumps({"sha256": digest})
    return b"\n".join([header, *lines, trailer]) + b"\n"


def verify_export(data: bytes) -> list[str]:
    rows = [r for r in data.splitlines() if r.strip()]
    if len(rows) < 2:
        return ["not an audit export"]
    header, body, trailer = orjson.loads(rows[0]), rows[1:-1], orjson.loads(rows[-1])
    problems: list[str] = []
    if header.get("events") != len(body):
        problems.append(f"header says {header.get('events')} events, found {len(body)}")
    if hashlib.sha256(b"\n".join(body)).hexdigest() != trailer.get("sha256"):
        problems.append("trailer digest does not match the events")
    events = []
    resume: dict[str, tuple[int, str]] = {}
    for row in body:
        e = orjson.loads(row)
        events.append(EventRecord(seq=0, message_id=e["message_id"], n=e["n"],
                                  at_us=e["at_us"], type=e["type"], state=State(e["state"]),
                                  actor=e["actor"], data=e["data"], prev_hash=e["prev_hash"],
                                  hash=e["hash"]))
        # a period's export may begin mid-chain: the journal holds the earlier events
        resume.setdefault(e["message_id"], (e["n"] - 1, e["prev_hash"]))
    problems.extend(verify_events(events, resume))
    return problems
