"""Accept: decode, validate, hold, route, encode, journal in one transaction (ARCHITECTURE §1).

The journal write is the commit point: a channel is acknowledged only after it. Routing and
rendering are pure CPU and happen before the write, so a message is journalled with its route and
outbox row in the same transaction as its arrival; several submissions share one transaction
(group commit).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from hub import codecs
from hub.batching import GroupCommit
from hub.errors import CodecError, Diagnostic, HubError, Severity, has_errors, register
from hub.ids import new_id
from hub.interchanges import Interchanges
from hub.journal import (
    AcceptOutcome,
    InputRecord,
    Journal,
    NewEvent,
    NewMessage,
    OutboxRow,
)
from hub.metrics import Metrics
from hub.model import Message, State, can_move, dumps
from hub.model.rules import check
from hub.router import NoRoute, Planner, RouteChoice
from hub.status import ANSWER_KINDS, fold_acknowledged_copies, original_keys, state_for

log = logging.getLogger(__name__)

register({
    "PIPELINE.HELD": "held for a person",
    "PIPELINE.UNCORRELATED": "no message found for this answer",
})


@dataclass(frozen=True, slots=True)
class Submission:
    raw: bytes
    channel: str  # "api", or the inbound connector's name
    name: str | None = None  # file name or delivery id on that channel
    format: str | None = None  # None: detect
    profile: str | None = None
    submitted_by: str | None = None  # API key id or channel
    idempotency_key: str | None = None
    callback_url: str | None = None  # where the originator wants state changes POSTed


@dataclass(frozen=True, slots=True)
class Hold:
    code: str
    reason: str
    data: dict[str, Any] = field(default_factory=dict)


HoldCheck = Callable[[Message, Submission], Awaitable[Hold | None]]
"""A check that may hold a message for a person (telex release, sanctions screening). It may do
I/O (an external screening service) and must decide within its own timeout: hold, never pass,
when it cannot tell."""


class Rejected(HubError):
    """The input cannot be taken; nothing was stored (but an EDI sender is still answered)."""

    code = "PIPELINE.REJECTED"
    http_status = 422
    acknowledgement: tuple[str, bytes] | None = None


register({"PIPELINE.REJECTED": "input refused"})


@dataclass(frozen=True, slots=True)
class Result:
    format: str
    outcomes: list[AcceptOutcome]
    uetrs: list[str | None]
    warnings: list[Diagnostic]
    acknowledgement: tuple[str, bytes] | None = None  # EDI 997/CONTRL for the sender

    @property
    def conflict(self) -> bool:
        return any(o.status == "conflict" for o in self.outcomes)

    @property
    def duplicate(self) -> bool:
        return all(o.status == "duplicate" for o in self.outcomes)


def is_credit(message: Message) -> bool:
    """A confirmation that funds arrived on our account (MT910, a CRDT statement entry)."""
    return (message.status or "").upper() == "CRDT" or \
        message.extra.get("statement.direction") == "CRDT"


def content_hash(message: Message) -> str:
    return hashlib.sha256(dumps(message)).hexdigest()


def dedup_key(message: Message, submission: Submission, index: int, digest: str) -> str:
    """UETR where there is one; else the sender's reference with amount, currency and date;
    else the content itself. An Idempotency-Key header replaces all of these."""
    if submission.idempotency_key:
        return f"idem:{submission.submitted_by or ''}:{submission.idempotency_key}:{index}"
    if message.uetr is not None and message.kind not in ANSWER_KINDS:
        return f"uetr:{message.kind.value}:{message.uetr}"
    reference = message.reference
    if reference:
        amount = message.amount
        parts = [submission.channel, submission_sender(message) or "", reference,
                 amount.text() if amount else "", amount.currency if amount else "",
                 message.settlement_date.isoformat() if message.settlement_date else "",
                 message.kind.value]
        return "ref:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"content:{digest}"


def submission_sender(message: Message) -> str | None:
    agent = message.instructing_agent or message.debtor_agent
    return agent.bic if agent is not None else None


class Pipeline:
    def __init__(self, journal: Journal, planner: Planner, *, metrics: Metrics,
                 our_bic: str, holds: Sequence[HoldCheck] = (), batch_max: int = 256,
                 on_queued: Callable[[], None] | None = None,
                 interchanges: Interchanges | None = None,
                 on_final: Callable[[str], Awaitable[None]] | None = None,
                 on_credit: Callable[[Message], Awaitable[None]] | None = None) -> None:
        self.journal = journal
        self.on_final = on_final
        self.on_credit = on_credit
        self.interchanges = interchanges
        self.planner = planner
        self.metrics = metrics
        self.our_bic = our_bic
        self.holds = list(holds)
        self.on_queued = on_queued
        self.commits: GroupCommit[NewMessage, AcceptOutcome] = GroupCommit(
            self._commit, max_items=batch_max, name="journal-accept")

    def start(self) -> None:
        self.commits.start()

    async def stop(self) -> None:
        await self.commits.stop()

    async def _commit(self, items: list[NewMessage]) -> list[AcceptOutcome]:
        started = time.perf_counter()
        outcomes = await self.journal.accept(items)
        self.metrics.journal_commit_seconds.labels("accept").observe(
            time.perf_counter() - started)
        self.metrics.journal_batch_size.observe(len(items))
        return outcomes

    def decode(self, submission: Submission) -> codecs.Decoded:
        started = time.perf_counter()
        decoded = codecs.decode(submission.raw, submission.format, profile=submission.profile)
        if decoded.format.startswith("mt"):
            decoded.messages = fold_acknowledged_copies(decoded.messages)
        for i, message in enumerate(decoded.messages):
            prefix = f"[{i}]" if len(decoded.messages) > 1 else ""
            decoded.diagnostics.extend(check(message, prefix))
        self.metrics.stage_seconds.labels("decode").observe(time.perf_counter() - started)
        return decoded

    async def submit(self, submission: Submission) -> Result:
        """Journal what the bytes hold, or raise Rejected with every diagnostic."""
        decoded = self.decode(submission)
        if self.interchanges is not None:
            await self.interchanges.flag_duplicate(decoded)
        if has_errors(decoded.diagnostics) or not decoded.messages:
            first = next((d for d in decoded.diagnostics if d.is_error), None)
            code = first.code if first else "CODEC.EMPTY"
            self.metrics.rejected.labels(submission.channel, decoded.format, code).inc()
            refused = Rejected(first.message if first else "no message in the input", code=code,
                               location=first.location if first else "",
                               diagnostics=decoded.diagnostics)
            refused.acknowledgement = await self._acknowledge(decoded)
            raise refused
        warnings = [d for d in decoded.diagnostics if d.severity is not Severity.ERROR]
        raw_sha = hashlib.sha256(submission.raw).hexdigest()
        record = InputRecord(id=new_id(), channel=submission.channel,
                             name=submission.name, sha256=raw_sha, size=len(submission.raw),
                             format=decoded.format, raw=submission.raw)
        at = datetime.now(UTC)
        holds = [await self._hold(m, submission) if m.kind not in ANSWER_KINDS else None
                 for m in decoded.messages]
        items = [self._prepare(message, i, submission, record, decoded, warnings, at, hold)
                 for i, (message, hold) in enumerate(zip(decoded.messages, holds, strict=True))]
        outcomes = await self.commits.submit(items)
        queued = False
        for item, outcome in zip(items, outcomes, strict=True):
            if outcome.status == "accepted":
                self.metrics.accepted.labels(submission.channel, item.format,
                                             item.state.value).inc()
                queued = queued or item.outbox is not None
            else:
                self.metrics.duplicates.labels(submission.channel).inc()
        if queued and self.on_queued is not None:
            self.on_queued()
        for message, item, outcome in zip(decoded.messages, items, outcomes, strict=True):
            if outcome.status == "accepted" and message.kind in ANSWER_KINDS:
                await self.apply_answer(message, item.id, actor=submission.channel)
                if self.on_credit is not None and is_credit(message):
                    await self.on_credit(message)
        return Result(decoded.format, outcomes,
                      [str(m.uetr) if m.uetr else None for m in decoded.messages], warnings,
                      await self._acknowledge(decoded))

    async def _acknowledge(self, decoded: codecs.Decoded) -> tuple[str, bytes] | None:
        if self.interchanges is None:
            return None
        try:
            return await self.interchanges.acknowledgement(decoded)
        except CodecError as exc:
            log.warning("no acknowledgement", extra={"action": "edi.no_ack",
                                                     "code": exc.code, "error": exc.message})
            return None

    def _prepare(self, message: Message, index: int, submission: Submission,
                 record: InputRecord, decoded: codecs.Decoded, warnings: list[Diagnostic],
                 at: datetime, hold: Hold | None) -> NewMessage:
        message_id = new_id()
        canonical_json = dumps(message).decode()
        digest = hashlib.sha256(canonical_json.encode()).hexdigest()
        actor = submission.submitted_by or submission.channel
        events = [
            NewEvent("received", State.RECEIVED, actor, {
                "channel": submission.channel, "name": submission.name,
                "format": decoded.format, "sender": decoded.sender,
                "input_sha256": record.sha256, "index": index}),
            NewEvent("validated", State.VALIDATED, "hub",
                     {"warnings": [d.to_json() for d in warnings]}),
        ]
        state = State.VALIDATED
        route_json: str | None = None
        connector: str | None = None
        outbox: OutboxRow | None = None
        if message.kind in ANSWER_KINDS:
            state = State.COMPLETED
            events.append(NewEvent("recorded", state, "hub",
                                   {"note": "answer or notice; applied to the message it "
                                            "concerns"}))
        elif hold is not None:
            state = State.REPAIR
            events.append(NewEvent("held", state, "hub",
                                   {"code": hold.code, "reason": hold.reason, **hold.data}))
        else:
            started = time.perf_counter()
            choice = self.planner.choose(message, at=at)
            self.metrics.stage_seconds.labels("route").observe(time.perf_counter() - started)
            if isinstance(choice, NoRoute):
                state = State.REPAIR
                events.append(NewEvent("no_route", state, "router",
                                       {"code": choice.code, "reason": choice.reason,
                                        **choice.data}))
            else:
                route_json = orjson.dumps(dict(choice.data)).decode()
                connector = choice.connector
                events.append(NewEvent("routed", State.ROUTED, "router", dict(choice.data)))
                rendered = self.render(message, choice, message_id)
                if isinstance(rendered, Diagnostic):
                    state = State.REPAIR
                    events.append(NewEvent("render_failed", state, "hub", rendered.to_json()))
                else:
                    state = State.QUEUED
                    outbox = rendered
                    events.append(NewEvent("queued", state, "hub", {
                        "connector": choice.connector, "format": choice.format,
                        "size": len(rendered.payload),
                        "sha256": hashlib.sha256(rendered.payload).hexdigest()}))
        amount = message.amount
        return NewMessage(
            id=message_id, input=record, input_index=index, state=state,
            format=decoded.format, kind=message.kind.value,
            uetr=str(message.uetr) if message.uetr else None, reference=message.reference,
            amount=amount.text() if amount else None,
            currency=amount.currency if amount else None, channel=submission.channel,
            sender=decoded.sender, submitted_by=submission.submitted_by,
            dedup_key=dedup_key(message, submission, index, digest), content_hash=digest,
            canonical_json=canonical_json,
            diagnostics_json=orjson.dumps([d.to_json() for d in warnings]).decode(),
            events=events, route_json=route_json, connector=connector, outbox=outbox,
            callback_url=submission.callback_url)

    async def _hold(self, message: Message, submission: Submission) -> Hold | None:
        for check_hold in self.holds:
            hold = await check_hold(message, submission)
            if hold is not None:
                return hold
        return None

    def render(self, message: Message, choice: RouteChoice,
               message_id: str) -> OutboxRow | Diagnostic:
        started = time.perf_counter()
        receiver = choice.receiver or (message.creditor_agent.bic
                                       if message.creditor_agent else None)
        # A NACHA file is assembled by the ACH link from many entries under an envelope only the
        # link knows (ODFI, company, trace numbers, effective date, file id modifier): the
        # outbox row keeps the route's format and carries the canonical message (docs/ach.md).
        rendered_as = "json" if choice.format == "nacha" else choice.format
        try:
            if self.interchanges is not None and self.interchanges.numbered(choice.format):
                payload = self.interchanges.render(message, choice.format, sender=self.our_bic,
                                                   receiver=receiver, message_id=message_id)
            else:
                payload = codecs.encode(message, rendered_as, sender=self.our_bic,
                                        receiver=receiver, reference=message_id)
        except CodecError as exc:
            return exc.diagnostic()
        except Exception as exc:  # a codec that cannot render must not lose the message
            log.exception("render failed", extra={"action": "render.crash",
                                                  "message_id": message_id})
            return Diagnostic("CODEC.CANNOT_ENCODE", f"{choice.format}: {type(exc).__name__}",
                              choice.format)
        finally:
            self.metrics.stage_seconds.labels("encode").observe(time.perf_counter() - started)
        key = str(message.uetr) if message.uetr else message_id
        return OutboxRow(connector=choice.connector, format=choice.format, payload=payload,
                         idempotency_key=f"{key}-{choice.connector}")

    async def apply_answer(self, answer: Message, answer_id: str, *, actor: str) -> str | None:
        """Move the message an answer is about; returns its id, or None when none is found.

        An answer that carries an amount (a statement entry, a confirmation) matches only a
        message with the same amount and currency; a zero amount (a NACHA notification of
        change) carries none. An answer that matches nothing is marked
        "unmatched" so reconciliation can report it.
        """
        target_state = state_for(answer)
        if self.interchanges is not None and self.interchanges.acknowledges_sent(answer):
            return await self._apply_edi_answer(answer, answer_id, target_state, actor=actor)
        mismatch: str | None = None
        for field_name, value in original_keys(answer):
            ids = [i for i in await self.journal.find(**{field_name: value}) if i != answer_id]
            for original in reversed(ids):
                record = await self.journal.get(original)
                if record is None or record.kind in {k.value for k in ANSWER_KINDS}:
                    continue
                if answer.amount and answer.amount.value and record.amount is not None and (
                        record.currency != answer.amount.currency
                        or Decimal(record.amount) != answer.amount.value):
                    mismatch = (f"{original} is {record.currency} {record.amount}, the answer "
                                f"says {answer.amount}")
                    continue
                await self._move(original, record.state, answer, answer_id, target_state,
                                 actor=actor)
                return original
        await self._unmatched(answer_id, [v for _, v in original_keys(answer)], mismatch,
                              actor=actor)
        return None

    async def _move(self, original: str, current: State, answer: Message, answer_id: str,
                    target_state: State | None, *, actor: str) -> None:
        data = {"answer": answer_id, "status": answer.status,
                "reason_code": answer.reason_code, "reason": answer.reason_text,
                "kind": answer.kind.value, "format": answer.format}
        new_state = target_state or current
        if new_state != current and not can_move(current, new_state):
            new_state = current
        await self.journal.append(original, NewEvent("answer", new_state, actor, data))
        if self.on_final is not None and new_state in (State.REJECTED, State.RETURNED):
            await self.on_final(original)
        await self.journal.append(answer_id, NewEvent("matched", State.COMPLETED, actor,
                                                      {"message": original}))
        self.metrics.status_in.labels(actor, new_state.value).inc()

    async def _unmatched(self, answer_id: str, keys: list[str], mismatch: str | None, *,
                         actor: str) -> None:
        await self.journal.append(answer_id, NewEvent("unmatched", State.COMPLETED, actor, {
            "keys": keys, "mismatch": mismatch}))
        log.warning("answer without a message", extra={
            "action": "status.uncorrelated", "message_id": answer_id, "mismatch": mismatch,
            "keys": keys})

    async def _apply_edi_answer(self, answer: Message, answer_id: str,
                                target_state: State | None, *, actor: str) -> str | None:
        """A 997/999/TA1/CONTRL line: the messages the hub sent under the control numbers it
        names, found by partner and number (hub.interchanges), never by a loose reference."""
        assert self.interchanges is not None
        own = await self.journal.get(answer_id)
        found, keys, known = await self.interchanges.answered(answer, own.sender if own else None)
        first: str | None = None
        for original, state in found:
            record = await self.journal.get(original)
            if record is None:
                continue
            await self._move(original, record.state, answer, answer_id, state or target_state,
                             actor=actor)
            first = first or original
        if first is None:
            if known:  # its members were answered one by one by the lines before it
                await self.journal.append(answer_id, NewEvent(
                    "matched", State.COMPLETED, actor, {"message": None, "keys": keys}))
            else:
                await self._unmatched(answer_id, keys, None, actor=actor)
        return first
