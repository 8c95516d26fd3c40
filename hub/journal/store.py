"""The journal's verbs, written once over both databases (ARCHITECTURE §3, STYLE §9).

accept   one transaction per batch: inputs, messages, first events, dedup keys, outbox rows
claim    outbox rows for a dispatcher (SKIP LOCKED on PostgreSQL), with a lease
settle   the dispatcher's verdicts for a batch, in one transaction
append   any later state change (status in, repair, operator action) as a chained event
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson

from hub.errors import JournalError, register
from hub.journal.db import (
    Conn,
    Database,
    PostgresDatabase,
    Row,
    SqliteDatabase,
    load_migrations,
)
from hub.journal.records import (
    GENESIS,
    AcceptOutcome,
    ApiKey,
    EventRecord,
    MessageRecord,
    NewEvent,
    NewMessage,
    OutboxItem,
    OutboxRow,
    Settlement,
    event_hash,
    now_us,
    us_to_iso,
)
from hub.model import State, can_move

log = logging.getLogger(__name__)

register({
    "JOURNAL.CHAIN_BROKEN": "an event's hash does not seal the one before it",
})


def _dumps(value: Any) -> str:
    """Canonical JSON (sorted keys): what is hashed must read back the same from jsonb."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _loads(value: Any) -> Any:
    if value is None or isinstance(value, (dict, list)):
        return value
    return orjson.loads(value)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _message(row: dict[str, Any]) -> MessageRecord:
    return MessageRecord(
        id=row["id"], seq=row["seq"], state=State(row["state"]), format=row["format"],
        kind=row["kind"], uetr=row["uetr"], reference=row["reference"], amount=row["amount"],
        currency=row["currency"], channel=row["channel"], sender=row["sender"],
        submitted_by=row["submitted_by"], canonical=_loads(row["canonical"]),
        diagnostics=_loads(row["diagnostics"]), route=_loads(row["route"]),
        connector=row["connector"], external_ref=row["external_ref"], version=row["version"],
        created_us=row["created_us"], updated_us=row["updated_us"], input_id=row["input_id"])


def _event(row: dict[str, Any]) -> EventRecord:
    return EventRecord(
        seq=row["seq"], message_id=row["message_id"], n=row["n"], at_us=row["at_us"],
        type=row["type"], state=State(row["state"]), actor=row["actor"],
        data=_loads(row["data"]), prev_hash=row["prev_hash"], hash=row["hash"])


def _approval(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "action": row["action"], "target": row["target"],
            "payload": _loads(row["payload"]), "reason": row["reason"],
            "proposed_by": row["proposed_by"], "proposed_at": us_to_iso(row["proposed_us"]),
            "state": row["state"], "decided_by": row["decided_by"],
            "decided_at": us_to_iso(row["decided_us"]), "result": _loads(row["result"])}


class _Chain:
    """Builds event rows for one message, sealing each with the hash of the one before."""

    def __init__(self, message_id: str, count: int, last_hash: str) -> None:
        self.message_id = message_id
        self.count = count
        self.last_hash = last_hash
        self.rows: list[tuple[Any, ...]] = []

    def add(self, event: NewEvent, at_us: int) -> None:
        self.count += 1
        data_json = _dumps(event.data)
        digest = event_hash(self.last_hash, self.message_id, self.count, at_us, event.type,
                            event.state.value, event.actor, data_json)
        self.rows.append((self.message_id, self.count, at_us, event.type, event.state.value,
                          event.actor, data_json, self.last_hash, digest))
        self.last_hash = digest


def verify_events(events: Iterable[EventRecord],
                  resume: Mapping[str, tuple[int, str]] | None = None) -> list[str]:
    """Problems in a message's (or several messages') event chains; empty when intact.

    `resume` gives, per message, the event number and hash a partial chain continues from.
    """
    problems: list[str] = []
    last: dict[str, tuple[int, str]] = dict(resume or {})
    for e in events:
        n_before, hash_before = last.get(e.message_id, (0, GENESIS))
        if e.n != n_before + 1:
            problems.append(f"{e.message_id} event {e.n}: expected event {n_before + 1}")
        if e.prev_hash != hash_before:
            problems.append(f"{e.message_id} event {e.n}: prev_hash does not match")
        expected = event_hash(e.prev_hash, e.message_id, e.n, e.at_us, e.type, e.state.value,
                              e.actor, _dumps(e.data))
        if expected != e.hash:
            problems.append(f"{e.message_id} event {e.n}: hash does not match its content")
        last[e.message_id] = (e.n, e.hash)
    return problems


def _sort_out(items: list[NewMessage], known: Mapping[str, Row],
              ) -> tuple[list[AcceptOutcome], list[NewMessage]]:
    """Answer duplicates and conflicts (with the journal and within the batch); the rest is
    fresh and will be stored."""
    outcomes: list[AcceptOutcome] = []
    fresh: list[NewMessage] = []
    claimed: dict[str, NewMessage] = {}
    for item in items:
        hit = known.get(item.dedup_key)
        if hit is not None:
            status = "duplicate" if hit["content_hash"] == item.content_hash else "conflict"
            outcomes.append(AcceptOutcome(status, hit["message_id"], State(hit["state"])))
        elif (first := claimed.get(item.dedup_key)) is not None:
            status = "duplicate" if first.content_hash == item.content_hash else "conflict"
            outcomes.append(AcceptOutcome(status, first.id, first.state))
        else:
            claimed[item.dedup_key] = item
            fresh.append(item)
            outcomes.append(AcceptOutcome("accepted", item.id, item.state))
    return outcomes, fresh


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as column lists (for unnest); `width` columns even when there are no rows."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


class _NewRows:
    """The rows a batch of accepted messages adds, table by table. Events carry `at` (it is
    sealed into their hashes); message and outbox rows leave their timestamps to the caller."""

    def __init__(self, items: list[NewMessage], at: int) -> None:
        unique_inputs = {i.input.id: i.input for i in items}.values()
        self.inputs = [(i.id, i.channel, i.name, i.sha256, i.size, i.format, i.raw, at)
                       for i in unique_inputs]
        self.messages: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.dedup: list[tuple[Any, ...]] = []
        self.outbox: list[tuple[Any, ...]] = []
        for item in items:
            chain = _Chain(item.id, 0, GENESIS)
            for event in item.events:
                chain.add(event, at)
            self.messages.append((
                item.id, item.input.id, item.input_index, item.state.value, item.format,
                item.kind, item.uetr, item.reference, item.amount, item.currency, item.channel,
                item.sender, item.submitted_by, item.dedup_key, item.canonical_json,
                item.diagnostics_json, item.route_json, item.connector, chain.count,
                chain.last_hash, item.callback_url))
            self.events.extend(chain.rows)
            self.dedup.append((item.dedup_key, item.id, item.content_hash))
            if item.outbox is not None:
                o = item.outbox
                self.outbox.append((item.id, o.connector, o.format, o.payload,
                                    o.idempotency_key, max(o.not_before_us, 0)))


OUTBOX_STATES = {"sent": "sent", "retry": "queued", "dead": "dead", "reroute": "rerouted",
                 "wait": "waiting"}


class _SettlePlan:
    """The rows a batch of dispatcher verdicts writes, given the heads of their messages."""

    def __init__(self, verdicts: list[Settlement], heads: Mapping[str, Row], at: int) -> None:
        self.chains: dict[str, _Chain] = {}
        self.read_counts: dict[str, int] = {}
        self.states: dict[str, State] = {}
        self.extras: dict[str, tuple[str | None, str | None, str | None]] = {}
        # (outbox id, message id, state, error, next_us, 1 when the claim was no attempt)
        self.outbox_rows: list[tuple[int, str, str, str | None, int, int]] = []
        self.new_outbox: list[tuple[str, str, str, bytes, str, int]] = []
        for v in verdicts:
            head = heads[v.message_id]
            chain = self.chains.get(v.message_id)
            if chain is None:
                chain = self.chains[v.message_id] = _Chain(
                    v.message_id, head["event_count"], head["last_hash"])
                self.read_counts[v.message_id] = head["event_count"]
            current = self.states.get(v.message_id, State(head["state"]))
            target = v.state
            if target != current and not can_move(current, target):
                log.warning("state change refused", extra={
                    "action": "journal.transition_refused", "message_id": v.message_id,
                    "from": current.value, "to": target.value})
                target = current
            self.states[v.message_id] = target
            chain.add(NewEvent(v.event.type, target, v.event.actor, v.event.data), at)
            connector = v.reroute.connector if v.reroute else None
            self.extras[v.message_id] = (v.external_ref, v.route_json, connector)
            self.outbox_rows.append((v.outbox_id, v.message_id, OUTBOX_STATES[v.outcome], v.error,
                                     v.next_us, int(v.outcome == "wait")))
            if v.reroute is not None:
                o = v.reroute
                self.new_outbox.append((v.message_id, o.connector, o.format, o.payload,
                                        o.idempotency_key, max(o.not_before_us, 0)))

    def event_rows(self) -> list[tuple[Any, ...]]:
        return [row for chain in self.chains.values() for row in chain.rows]

    def head_rows(self) -> list[tuple[Any, ...]]:
        """(id, state, event count, last hash, external ref, route, connector, count read)"""
        return [(mid, self.states[mid].value, chain.count, chain.last_hash, *self.extras[mid],
                 self.read_counts[mid]) for mid, chain in self.chains.items()]


class Journal:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.q = db.queries
        self._listen_conn: Any = None

    @property
    def dialect(self) -> str:
        return self.db.dialect

    @classmethod
    async def open(cls, url: str, *, schema: str | None = None, pool_size: int = 10) -> Journal:
        """`sqlite:///path/to/hub.db` (or a bare path) or `postgresql://...`."""
        if url.startswith(("postgres://", "postgresql://")):
            db: Database = await PostgresDatabase.open(url, schema=schema, max_size=pool_size)
        else:
            path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
            db = await SqliteDatabase.open(path)
        return cls(db)

    async def close(self) -> None:
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await self._listen_conn.close()
        await self.db.close()

    # -- schema -------------------------------------------------------------------------------

    async def migrate(self) -> list[int]:
        applied_now: list[int] = []
        async with self.db.transaction() as c:
            await c.execute(self.q["migrations_table"])
            await c.fetch(self.q["migration_lock"])
            done = {r["version"] for r in await c.fetch(self.q["applied_migrations"])}
        for version, name, script in load_migrations(self.dialect):
            if version in done:
                continue
            await self.db.run_script(script)
            async with self.db.transaction() as c:
                await c.execute(self.q["record_migration"], version, name, now_us())
            applied_now.append(version)
        return applied_now

    async def check_schema(self) -> None:
        expected = [v for v, _, _ in load_migrations(self.dialect)]
        try:
            async with self.db.connection() as c:
                rows = await c.fetch(self.q["applied_migrations"])
        except (asyncpg.PostgresError, Exception) as exc:
            raise JournalError(f"journal is not migrated ({type(exc).__name__}); run "
                               "`nvc-hub migrate`", code="JOURNAL.SCHEMA") from None
        if [r["version"] for r in rows] != expected:
            raise JournalError("journal schema is not at the expected migration; run "
                               "`nvc-hub migrate`", code="JOURNAL.SCHEMA")

    # -- accept -------------------------------------------------------------------------------

    async def input_known(self, channel: str, name: str, sha256: str) -> list[tuple[str, State]]:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["input_lookup"], channel, name, sha256)
            if row is None:
                return []
            rows = await c.fetch(self.q["input_messages"], row["id"])
        return [(r["id"], State(r["state"])) for r in rows]

    async def input_seen(self, channel: str, key: str) -> bool:
        """Has this channel's item been journalled? `key` is "name:size:sha256" for files,
        or the item's own id (an AMQP message id)."""
        name, size, sha = key.rsplit(":", 2) if key.count(":") >= 2 else (key, "", "")
        if len(sha) == 64 and size.isdigit():
            return bool(await self.input_known(channel, name, sha))
        async with self.db.connection() as c:
            return await c.fetchrow(self.q["input_by_name"], channel, key) is not None

    async def accept(self, items: list[NewMessage]) -> list[AcceptOutcome]:
        """Journal a batch in one transaction; duplicates and conflicts are answered, not stored.

        A unique-key race with another process fails the transaction; it is retried once, and
        the retry sees the other process's rows as duplicates.
        """
        for attempt in (1, 2):
            try:
                return await self._accept(items)
            except asyncpg.UniqueViolationError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _accept(self, items: list[NewMessage]) -> list[AcceptOutcome]:
        at = now_us()
        if self.dialect == "postgres":
            # Two round trips: the dedup lookup, then every row in one statement. A message
            # that another process stored in between fails the statement on the dedup key,
            # and accept() runs the batch again.
            async with self.db.connection() as c:
                known = await self._known(c, items)
                outcomes, fresh = _sort_out(items, known)
                if fresh:
                    await c.execute(self.q["accept_batch"], *self._batch_columns(fresh, at))
            return outcomes
        async with self.db.transaction() as c:
            outcomes, fresh = _sort_out(items, await self._known(c, items))
            if fresh:
                await self._insert(c, fresh, at)
        return outcomes

    async def _known(self, c: Conn, items: list[NewMessage]) -> dict[str, Row]:
        keys = list({i.dedup_key for i in items})
        return {r["key"]: r for r in await c.fetch(self.q["dedup_lookup"], self._array(keys))}

    def _batch_columns(self, items: list[NewMessage], at: int) -> list[Any]:
        """The parameters of accept_batch: each table's rows turned into column arrays (the
        statement stamps every row with `at` itself)."""
        rows = _NewRows(items, at)
        events = [(m, n, kind, state, actor, data, prev, digest)
                  for m, n, _, kind, state, actor, data, prev, digest in rows.events]
        return [*_columns(rows.inputs, 8), *_columns(rows.messages, 21), *_columns(events, 8),
                at, bool(rows.outbox), *_columns(rows.dedup, 3), *_columns(rows.outbox, 6)]

    async def _insert(self, c: Conn, items: list[NewMessage], at: int) -> None:
        rows = _NewRows(items, at)
        await c.executemany(self.q["insert_input"], rows.inputs)
        await c.executemany(self.q["insert_message"], [(*m[:20], at, m[20])
                                                       for m in rows.messages])
        await c.executemany(self.q["insert_event"], rows.events)
        await c.executemany(self.q["insert_dedup"], rows.dedup)
        if rows.outbox:
            await c.executemany(self.q["insert_outbox"], [(*o, at) for o in rows.outbox])
            await self._notify(c)

    async def _notify(self, c: Conn) -> None:
        """Wake idle dispatchers of other processes (PostgreSQL; SQLite is one process)."""
        if self.dialect == "postgres":
            await c.fetch(self.q["notify_outbox"])

    def _array(self, values: list[str]) -> Any:
        return values if self.dialect == "postgres" else _dumps(values)

    # -- reading ------------------------------------------------------------------------------

    async def get(self, message_id: str) -> MessageRecord | None:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["get_message"], message_id)
        return _message(row) if row else None

    async def list_messages(self, *, state: State | None = None, since_us: int = 0,
                            after_seq: int = 0, limit: int = 100) -> list[MessageRecord]:
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["list_messages"], state.value if state else None,
                                 since_us, after_seq, limit)
        return [_message(r) for r in rows]

    async def events(self, message_id: str) -> list[EventRecord]:
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["events_of"], message_id)
        return [_event(r) for r in rows]

    async def events_between(self, start_us: int | None = None,
                             end_us: int | None = None) -> list[EventRecord]:
        async with self.db.connection() as c:
            if start_us is None and end_us is None:
                rows = await c.fetch(self.q["all_events"])
            else:
                rows = await c.fetch(self.q["events_between"], start_us or 0,
                                     end_us or 2**62)
        return [_event(r) for r in rows]

    async def find(self, *, uetr: str | None = None, reference: str | None = None,
                   external_ref: str | None = None, outbox_key: str | None = None) -> list[str]:
        async with self.db.connection() as c:
            if outbox_key:
                rows = await c.fetch(self.q["find_by_outbox_key"], outbox_key)
            elif uetr:
                rows = await c.fetch(self.q["find_by_uetr"], uetr)
            elif external_ref:
                rows = await c.fetch(self.q["find_by_external_ref"], external_ref)
            elif reference:
                rows = await c.fetch(self.q["find_by_reference"], reference)
            else:
                return []
        return [r["id"] for r in rows]

    async def outbox_stats(self) -> tuple[int, int | None]:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["outbox_stats"])
        assert row is not None
        return int(row["depth"]), row["oldest_us"]

    async def state_counts(self) -> dict[str, int]:
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["state_counts"])
        return {r["state"]: int(r["n"]) for r in rows}

    # -- dispatch -----------------------------------------------------------------------------

    async def claim(self, worker: str, limit: int, lease_us: int) -> list[OutboxItem]:
        at = now_us()
        if self.dialect == "postgres":  # one statement, expired leases included
            async with self.db.connection() as c:
                rows = await c.fetch(self.q["claim"], worker, at + lease_us, at, limit)
        else:
            async with self.db.transaction() as c:
                await c.execute(self.q["reclaim_expired"], at)
                rows = await c.fetch(self.q["claim"], worker, at + lease_us, at, limit)
                if rows:
                    ids = sorted({r["message_id"] for r in rows})
                    found = {m.pop("id"): m for m in await c.fetch(self.q["claimed_messages"],
                                                                     self._array(ids))}
                    for r in rows:  # canonical, route and state of the row's message
                        r.update(found[r["message_id"]])
        rows.sort(key=lambda r: (r["next_us"], r["id"]))  # RETURNING keeps no order
        return [OutboxItem(
            id=r["id"], message_id=r["message_id"], connector=r["connector"], format=r["format"],
            payload=bytes(r["payload"]), idempotency_key=r["idempotency_key"],
            attempts=r["attempts"], canonical=_loads(r["canonical"]), route=_loads(r["route"]),
            state=State(r["state"])) for r in rows]

    async def settle(self, verdicts: list[Settlement]) -> None:
        if not verdicts:
            return
        if self.dialect == "postgres":
            verdicts = await self._settle_optimistic(verdicts)
            if not verdicts:
                return
        at = now_us()
        async with self.db.transaction() as c:
            ids = sorted({v.message_id for v in verdicts})
            heads = {r["id"]: r for r in await c.fetch(self.q["heads_for_update"],
                                                         self._array(ids))}
            plan = _SettlePlan(verdicts, heads, at)
            await c.executemany(self.q["outbox_done"], [
                (outbox_id, state, error, next_us)
                for outbox_id, _, state, error, next_us, _ in plan.outbox_rows])
            waiting = [(row[0],) for row in plan.outbox_rows if row[5]]
            if waiting:  # parked for liquidity: the claim was not an attempt
                await c.executemany(self.q["outbox_unclaim_attempt"], waiting)
            await c.executemany(self.q["insert_event"], plan.event_rows())
            await c.executemany(self.q["update_head"], [
                (mid, state, count, last_hash, at, external_ref, route, connector)
                for mid, state, count, last_hash, external_ref, route, connector, _
                in plan.head_rows()])
            if plan.new_outbox:
                await c.executemany(self.q["insert_outbox"], [
                    (*row, at) for row in plan.new_outbox])
                await self._notify(c)

    async def _settle_optimistic(self, verdicts: list[Settlement],
                                 attempts: int = 3) -> list[Settlement]:
        """PostgreSQL: read the heads, then write everything in one statement that moves only
        the messages nobody appended to since the read (two round trips, no locks held across
        them). Returns the verdicts still unsettled after `attempts` tries (a busy message);
        those go through the locking transaction."""
        for _ in range(attempts):
            done = await self._write_settled(verdicts, await self._read_heads(verdicts))
            verdicts = [v for v in verdicts if v.message_id not in done]
            if not verdicts:
                break
        return verdicts

    async def _read_heads(self, verdicts: list[Settlement]) -> dict[str, Row]:
        async with self.db.connection() as c:
            ids = sorted({v.message_id for v in verdicts})
            return {r["id"]: r for r in await c.fetch(self.q["heads_of"], ids)}

    async def _write_settled(self, verdicts: list[Settlement],
                             heads: Mapping[str, Row]) -> set[str]:
        """One statement; returns the ids of the messages it moved."""
        at = now_us()
        plan = _SettlePlan(verdicts, heads, at)
        event_rows = [(m, n, kind, state, actor, data, prev, digest)
                      for m, n, _, kind, state, actor, data, prev, digest in plan.event_rows()]
        async with self.db.connection() as c:
            settled = await c.fetch(self.q["settle_batch"], *_columns(plan.head_rows(), 8), at,
                                    *_columns(event_rows, 8), *_columns(plan.outbox_rows, 6),
                                    *_columns(plan.new_outbox, 6), bool(plan.new_outbox))
        return {r["id"] for r in settled}

    async def append(self, message_id: str, event: NewEvent, *,
                     expect: Iterable[State] | None = None,
                     canonical: tuple[str, str, str | None, str | None, str | None] | None = None,
                     route_json: str | None = None, connector: str | None = None,
                     outbox: OutboxRow | None = None, external_ref: str | None = None,
                     requeue_dead: bool = False) -> State:
        """Record one event (and its state change) on a message; returns the new state.

        `expect` lists the states the caller acted on: if the message has moved on meanwhile,
        nothing is written and JOURNAL.TRANSITION is raised.
        """
        at = now_us()
        async with self.db.transaction() as c:
            heads = await c.fetch(self.q["heads_for_update"], self._array([message_id]))
            if not heads:
                raise JournalError(f"no message {message_id}", code="JOURNAL.NOT_FOUND")
            head = heads[0]
            current = State(head["state"])
            allowed = set(expect) if expect is not None else None
            if allowed is not None and current not in allowed:
                raise JournalError(f"message is {current.value}, not "
                                   f"{'/'.join(sorted(s.value for s in allowed))}",
                                   code="JOURNAL.TRANSITION")
            if event.state != current and not can_move(current, event.state):
                raise JournalError(f"{current.value} -> {event.state.value} is not allowed",
                                   code="JOURNAL.TRANSITION")
            chain = _Chain(message_id, head["event_count"], head["last_hash"])
            chain.add(event, at)
            await c.executemany(self.q["insert_event"], chain.rows)
            await c.execute(self.q["update_head"], message_id, event.state.value, chain.count,
                            chain.last_hash, at, external_ref, route_json, connector)
            if canonical is not None:
                await c.execute(self.q["update_canonical"], message_id, *canonical)
            if requeue_dead:
                await c.execute(self.q["outbox_requeue_message"], message_id, at)
                await self._notify(c)
            if outbox is not None:
                await c.execute(self.q["insert_outbox"], message_id, outbox.connector,
                                outbox.format, outbox.payload, outbox.idempotency_key,
                                max(outbox.not_before_us, 0), at)
                await self._notify(c)
        return event.state

    # -- intraday limits ----------------------------------------------------------------------

    async def reserve(self, message_id: str, holds: list[tuple[str, str, str, int, int]]) -> bool:
        """Take `amount` of each (scope, currency, day, amount, limit) for a message, all or
        none; True when every limit had room (or the message already held it)."""
        async with self.db.transaction() as c:
            if await c.fetch(self.q["limit_holds_of"], message_id):
                return True
            for scope, currency, day, amount, limit in holds:
                row = await c.fetchrow(self.q["limit_used"], scope, currency, day)
                used = int(row["used"]) if row else 0
                if used + amount > limit:
                    return False
            for scope, currency, day, amount, _ in holds:
                await c.execute(self.q["limit_add"], scope, currency, day, amount)
                await c.execute(self.q["limit_hold"], message_id, scope, currency, day, amount)
        return True

    async def release(self, message_id: str) -> bool:
        """Give back what a message held (it failed, was rejected or returned) and offer the
        payments waiting for liquidity again; True when something was released."""
        async with self.db.transaction() as c:
            rows = await c.fetch(self.q["limit_holds_of"], message_id)
            for r in rows:
                await c.execute(self.q["limit_add"], r["scope"], r["currency"], r["day"],
                                -int(r["amount"]))
            await c.execute(self.q["limit_unhold"], message_id)
            if rows:
                await c.execute(self.q["outbox_release_waiting"], now_us())
                await self._notify(c)
        return bool(rows)

    async def credit(self, holds: list[tuple[str, str, str, int]]) -> None:
        """Funds received: each (scope, currency, day, amount) lowers that day's usage, and the
        payments waiting for liquidity are offered again."""
        async with self.db.transaction() as c:
            for scope, currency, day, amount in holds:
                await c.execute(self.q["limit_add"], scope, currency, day, -amount)
            await c.execute(self.q["outbox_release_waiting"], now_us())
            await self._notify(c)

    async def limit_used(self, scope: str, currency: str, day: str) -> int:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["limit_used"].replace(" FOR UPDATE", ""), scope,
                                   currency, day)
        return int(row["used"]) if row else 0

    async def waiting_count(self) -> int:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["outbox_waiting_count"])
        return int(row["n"]) if row else 0

    # -- callbacks ----------------------------------------------------------------------------

    async def queue_callbacks(self, body: Callable[[dict[str, Any]], bytes], *,
                              settle_us: int = 2_000_000, limit: int = 500) -> int:
        """Turn events of messages that asked for callbacks into callback rows, once each.

        Events are read in sequence order up to `settle_us` ago: on PostgreSQL a transaction
        that took a lower sequence number may commit after a higher one, and the lag lets it
        land before the cursor passes it.
        """
        horizon = now_us() - settle_us
        async with self.db.transaction() as c:
            row = await c.fetchrow(self.q["get_counter"], "callbacks.cursor")
            cursor = int(row["value"]) if row else 0
            events = await c.fetch(self.q["callback_events"], cursor, limit, horizon)
            if not events:
                top = await c.fetchrow(self.q["max_event_seq"], cursor, horizon)
                if top and int(top["seq"]) > cursor:  # skip events nobody listens to
                    await c.execute(self.q["set_counter"], "callbacks.cursor", int(top["seq"]))
                return 0
            at = now_us()
            await c.executemany(self.q["insert_callback"], [
                (e["message_id"], e["n"], e["callback_url"], body(e), at) for e in events])
            await c.execute(self.q["set_counter"], "callbacks.cursor", events[-1]["seq"])
        return len(events)

    async def due_callbacks(self, limit: int = 50) -> list[dict[str, Any]]:
        async with self.db.connection() as c:
            return await c.fetch(self.q["due_callbacks"], now_us(), limit)

    async def callback_result(self, callback_id: int, state: str, next_us: int,
                              error: str | None) -> None:
        async with self.db.transaction() as c:
            await c.execute(self.q["callback_result"], callback_id, state, next_us, error)

    async def dead_callbacks(self) -> list[dict[str, Any]]:
        async with self.db.connection() as c:
            return await c.fetch(self.q["dead_callbacks"])

    async def requeue_callbacks(self) -> None:
        async with self.db.transaction() as c:
            await c.execute(self.q["requeue_callbacks"], now_us())

    async def dispatched_summary(self) -> dict[str, tuple[int, int]]:
        """Per connector: how many messages are sent and unanswered, and since when."""
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["dispatched_summary"])
        return {r["connector"] or "": (int(r["n"]), int(r["oldest_us"])) for r in rows}

    async def dispatched_before(self, connector: str, before_us: int,
                                limit: int = 500) -> list[str]:
        """Messages sent by `connector` and unanswered since before `before_us`."""
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["dispatched_before"], connector, before_us, limit)
        return [r["id"] for r in rows]

    # -- four-eyes proposals ------------------------------------------------------------------

    async def propose(self, action: str, target: str, payload: dict[str, Any], reason: str,
                      actor: str) -> str:
        approval_id = secrets.token_hex(6)
        async with self.db.transaction() as c:
            await c.execute(self.q["insert_approval"], approval_id, action, target,
                            _dumps(payload), reason, actor, now_us())
        return approval_id

    async def approval(self, approval_id: str) -> dict[str, Any] | None:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["get_approval"], approval_id)
        return _approval(row) if row else None

    async def approvals(self, state: str = "", limit: int = 500) -> list[dict[str, Any]]:
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["list_approvals"], state, limit)
        return [_approval(r) for r in rows]

    async def pending_for(self, target: str) -> list[str]:
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["pending_for_target"], target)
        return [r["id"] for r in rows]

    async def decide(self, approval_id: str, state: str, actor: str,
                     result: dict[str, Any]) -> bool:
        """Close a pending proposal; False when someone else closed it first."""
        async with self.db.transaction() as c:
            row = await c.fetchrow(self.q["decide_approval"], approval_id, state, actor,
                                   now_us(), _dumps(result))
        return row is not None

    # -- API keys -----------------------------------------------------------------------------

    async def create_key(self, role: str, name: str) -> tuple[ApiKey, str]:
        key_id = secrets.token_hex(4)
        token = f"nvc_{key_id}_{secrets.token_urlsafe(24)}"
        at = now_us()
        async with self.db.transaction() as c:
            await c.execute(self.q["insert_key"], key_id, hash_token(token), role, name, at)
        return ApiKey(key_id, role, name, at), token

    async def key_for(self, token: str) -> ApiKey | None:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["key_by_hash"], hash_token(token))
        if row is None or row["revoked_us"] is not None:
            return None
        return ApiKey(row["id"], row["role"], row["name"], row["created_us"])

    async def keys(self) -> list[ApiKey]:
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["list_keys"])
        return [ApiKey(r["id"], r["role"], r["name"], r["created_us"], r["revoked_us"])
                for r in rows]

    async def revoke_key(self, key_id: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(self.q["revoke_key"], key_id, now_us())

    async def active_key_count(self) -> int:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["count_keys"])
        return int(row["n"]) if row else 0

    # -- control numbers and leases -----------------------------------------------------------

    async def next_counter(self, name: str) -> int:
        async with self.db.transaction() as c:
            row = await c.fetchrow(self.q["next_counter"], name)
        assert row is not None
        return int(row["value"])

    async def record_control_number(self, partner: str, kind: str, direction: str,
                                    number: str) -> bool:
        """True when this number is new for the partner; False when it was seen before."""
        async with self.db.transaction() as c:
            row = await c.fetchrow(self.q["record_control_number"], partner, kind, direction,
                                   number, now_us())
        return row is not None

    @asynccontextmanager
    async def lease(self, key: str) -> AsyncIterator[bool]:
        """Hold `key` exclusively across hub processes (PostgreSQL advisory lock) while inside.

        SQLite is one process by construction, so the lease is always held there.
        """
        if not isinstance(self.db, PostgresDatabase):
            yield True
            return
        async with self.db.pool.acquire() as conn:
            held = bool(await conn.fetchval(self.q["try_lease"], key))
            try:
                yield held
            finally:
                if held:
                    try:
                        await conn.fetchval(self.q["release_lease"], key)
                    except BaseException:
                        # Pooled connections are not reset on release: a session still
                        # holding the lock must not go back to the pool.
                        conn.terminate()
                        raise

    # -- wake-ups -----------------------------------------------------------------------------

    async def listen_outbox(self, callback: Callable[[], None]) -> bool:
        """Call `callback` whenever another process queues outbox rows (PostgreSQL only)."""
        if not isinstance(self.db, PostgresDatabase):
            return False
        conn = await self.db.pool.acquire()

        def listener(*_: Any) -> None:
            callback()
        await conn.add_listener("hub_outbox", listener)
        self._listen_conn = _Releaser(self.db.pool, conn, listener)
        return True

    # -- EDI interchanges sent ----------------------------------------------------------------

    async def reserve_counter(self, name: str, count: int) -> int:
        """Advance counter `name` by `count` at once; returns the last number of the block."""
        async with self.db.transaction() as c:
            row = await c.fetchrow(self.q["reserve_counter"], name, count)
        assert row is not None
        return int(row["value"])

    async def record_edi_outbound(self, rows: list[tuple[str, str, str, str, str, str]]) -> None:
        """Remember (partner, family, interchange, group, transaction, message id) of sent EDI."""
        at = now_us()
        async with self.db.transaction() as c:
            await c.executemany(self.q["edi_outbound_insert"], [(*r, at) for r in rows])

    async def edi_outbound(self, partner: str, family: str, *, interchange: str | None = None,
                           group: str | None = None) -> list[tuple[str, str, str]]:
        """(group, transaction, message id) sent to `partner` under an interchange or group."""
        async with self.db.connection() as c:
            if interchange is not None:
                rows = await c.fetch(self.q["edi_outbound_by_interchange"], partner, family,
                                     interchange)
            else:
                rows = await c.fetch(self.q["edi_outbound_by_group"], partner, family,
                                     group or "")
        return [(r["grp"], r["txn"], r["message_id"]) for r in rows]

    # -- chain pending transactions and open gateway sends -----------------------------------

    async def record_chain_tx(self, connector: str, key: str, *, nonce: int, tx_hash: str,
                              signed_blob: str, meta: Mapping[str, Any]) -> str:
        """Journal a signed chain transaction before it is submitted (hub/connectors/nonces.py).

        Returns "recorded"; "key_taken" when a live (pending or final) record holds the key;
        "nonce_taken" when another pending record of the connector holds the nonce. A void
        record of the key is replaced.
        """
        try:
            async with self.db.transaction() as c:
                if await c.fetchrow(self.q["chain_tx_nonce_held"], connector, nonce, key):
                    return "nonce_taken"
                row = await c.fetchrow(self.q["chain_tx_record"], connector, key, nonce,
                                       tx_hash, signed_blob, _dumps(dict(meta)), now_us())
        except asyncpg.UniqueViolationError:  # another process took the nonce meanwhile
            return "nonce_taken"
        return "recorded" if row is not None else "key_taken"

    async def chain_tx(self, connector: str, key: str) -> dict[str, Any] | None:
        async with self.db.connection() as c:
            row = await c.fetchrow(self.q["chain_tx_get"], connector, key)
        return None if row is None else self._chain_tx_row(row)

    async def finish_chain_tx(self, connector: str, key: str,
                              result: Mapping[str, Any]) -> bool:
        """Record the final result of a pending record; False when it was already final (the
        first result stands: every process following the hash reads the same chain)."""
        async with self.db.transaction() as c:
            row = await c.fetchrow(self.q["chain_tx_finish"], connector, key,
                                   str(result.get("outcome") or "failed"), _dumps(dict(result)),
                                   now_us())
        return row is not None

    async def pending_chain_txs(self, connector: str) -> list[dict[str, Any]]:
        """The connector's records without a result, lowest nonce first."""
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["chain_tx_pending"], connector)
        return [self._chain_tx_row(r) for r in rows]

    @staticmethod
    def _chain_tx_row(row: dict[str, Any]) -> dict[str, Any]:
        return {"key": row["key"], "nonce": int(row["nonce"]), "tx_hash": row["tx_hash"],
                "signed_blob": row["signed_blob"], "meta": _loads(row["meta"]),
                "result": _loads(row["result"])}

    async def open_sends(self, connector: str, limit: int = 10_000) -> list[dict[str, Any]]:
        """What `connector` sent that is not final yet (DISPATCHED or DELIVERED, with the link's
        reference): message id, idempotency key, reference and canonical message, oldest first.
        A gateway's poller follows these again after a restart."""
        async with self.db.connection() as c:
            rows = await c.fetch(self.q["gateway_open_sends"], connector, limit)
        return [{"message_id": r["id"], "key": r["idempotency_key"],
                 "reference": r["external_ref"], "canonical": _loads(r["canonical"])}
                for r in rows if r["idempotency_key"] is not None]


class _Releaser:
    def __init__(self, pool: asyncpg.Pool, conn: asyncpg.Connection,
                 listener: Callable[..., None]) -> None:
        self.pool, self.conn, self.listener = pool, conn, listener

    async def close(self) -> None:
        await self.conn.remove_listener("hub_outbox", self.listener)
        await self.pool.release(self.conn)


__all__ = ["Journal", "verify_events"]
