"""Bank operations on the journal: the repair queue and four-eyes approval (issue: operations).

Every repair action — release, correct, reroute, reject — and every manual retry above the
configured amount is proposed by one person and carried out only when another approves it; the
proposer can never approve their own proposal, and a tested telex can never be released by the
person who submitted it. Each step is an event on the message with the actor, the time and the
before/after.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from hub.errors import Diagnostic, Forbidden, HubError, JournalError, has_errors, register
from hub.journal import Journal, MessageRecord, NewEvent, OutboxRow
from hub.model import Message, State, dumps, from_data
from hub.model.rules import check
from hub.router import NoRoute, Planner, RouteChoice

log = logging.getLogger(__name__)

register({
    "REPAIR.NOT_IN_REPAIR": "the message is not waiting for repair",
    "REPAIR.UNKNOWN_ACTION": "no such repair action",
    "REPAIR.INVALID": "the corrected message is not valid",
    "REPAIR.NO_ROUTE": "no route for the message",
    "FOUREYES.SELF_APPROVAL": "the proposer cannot approve their own proposal",
    "FOUREYES.SUBMITTER": "the submitter of a tested telex cannot release it",
    "FOUREYES.NOT_PENDING": "the proposal was already decided",
    "FOUREYES.NOT_FOUND": "no such proposal",
})

ACTIONS = ("release", "correct", "reroute", "reject", "retry")
CHANGES = ("routing_change", "limit_change")  # configuration changed at run time
FROM_STATES = {"release": {State.REPAIR}, "correct": {State.REPAIR}, "reroute": {State.REPAIR,
               State.DEAD}, "reject": {State.REPAIR, State.DEAD}, "retry": {State.DEAD}}

DONE = {"release": "released", "correct": "corrected", "reroute": "rerouted"}

Render = Callable[[Message, RouteChoice, str], OutboxRow | Diagnostic]


class OperationError(HubError):
    code = "REPAIR.INVALID"
    http_status = 409


class InvalidChange(OperationError):
    """A proposed table or limit that would not load: refused before anyone approves it."""

    http_status = 422


def _checked(check: Callable[..., object], *args: Any) -> None:
    try:
        check(*args)
    except HubError as exc:
        raise InvalidChange(exc.message, code=exc.code,
                            diagnostics=exc.diagnostics or [exc.diagnostic()]) from None


@dataclass
class Operations:
    journal: Journal
    planner: Callable[[], Planner]
    render: Render
    four_eyes_amount: Decimal = Decimal(0)
    wake: Callable[[], None] = lambda: None
    after: Callable[[str], Awaitable[None]] | None = None
    change_routing: Callable[[str], Awaitable[None]] | None = None
    check_routing: Callable[[str], None] | None = None
    change_limit: Callable[[str, dict[str, Any]], None] | None = None
    check_limit: Callable[[str, dict[str, Any]], object] | None = None
    current: Callable[[str, str], Any] | None = None  # (action, target) -> the value now

    # -- configuration changes ----------------------------------------------------------------

    async def propose_change(self, action: str, target: str, payload: dict[str, Any],
                             actor: str, reason: str = "") -> dict[str, Any]:
        """A routing-table or limit change: checked now, carried out when a second person
        approves it."""
        if action == "routing_change":
            if self.check_routing is None:
                raise OperationError("this hub runs without a routing table file",
                                     code="REPAIR.UNKNOWN_ACTION")
            _checked(self.check_routing, str(payload.get("table", "")))
        elif action == "limit_change":
            if self.check_limit is None:
                raise OperationError("no limits are configured", code="REPAIR.UNKNOWN_ACTION")
            _checked(self.check_limit, target, payload)
        else:
            raise OperationError(f"unknown change {action!r}", code="REPAIR.UNKNOWN_ACTION")
        if self.current is not None:  # kept with the proposal: what it changes, before/after
            payload = {**payload, "before": self.current(action, target)}
        approval_id = await self.journal.propose(action, target, payload, reason, actor)
        return {"id": approval_id, "state": "pending", "action": action, "target": target}

    async def _apply_change(self, approval: dict[str, Any], actor: str) -> dict[str, Any]:
        if approval["action"] == "routing_change":
            assert self.change_routing is not None
            await self.change_routing(str(approval["payload"]["table"]))
        else:
            assert self.change_limit is not None
            self.change_limit(approval["target"], approval["payload"])
        return {"state": "applied", "target": approval["target"]}

    # -- the queue ----------------------------------------------------------------------------

    async def queue(self) -> list[dict[str, Any]]:
        """Messages waiting for a person (REPAIR) or re-drive (DEAD), with why."""
        items = []
        for state in (State.REPAIR, State.DEAD):
            for record in await self.journal.list_messages(state=state, limit=1000):
                events = await self.journal.events(record.id)
                reason = next((e for e in reversed(events) if e.state is record.state), None)
                items.append({
                    "id": record.id, "state": record.state.value, "kind": record.kind,
                    "format": record.format, "reference": record.reference,
                    "amount": record.amount, "currency": record.currency,
                    "uetr": record.uetr, "since": reason.to_json()["at"] if reason else None,
                    "reason": reason.data if reason else None, "reason_type": reason.type
                    if reason else None, "diagnostics": record.diagnostics,
                    "pending": await self.journal.pending_for(record.id)})
        return items

    # -- proposing ----------------------------------------------------------------------------

    async def propose(self, message_id: str, action: str, actor: str, *, reason: str = "",
                      payload: dict[str, Any] | None = None) -> dict[str, Any]:
        if action not in ACTIONS:
            raise OperationError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}",
                                 code="REPAIR.UNKNOWN_ACTION")
        record = await self._record(message_id)
        if record.state not in FROM_STATES[action]:
            raise OperationError(f"message is {record.state.value}; {action} needs "
                                 f"{'/'.join(s.value for s in FROM_STATES[action])}",
                                 code="REPAIR.NOT_IN_REPAIR")
        payload = dict(payload or {})
        if action == "correct":
            corrected, found = from_data(payload.get("message"))
            found = found + (check(corrected) if corrected else [])
            if corrected is None or has_errors(found):
                raise OperationError("the corrected message is not valid",
                                     code="REPAIR.INVALID", diagnostics=found)
        if action == "retry" and not self._needs_second_person(record):
            result = await self._execute(action, record, payload, actor, approved_by=None)
            return {"id": None, "state": "executed", "result": result}
        approval_id = await self.journal.propose(action, message_id, payload, reason, actor)
        await self.journal.append(message_id, NewEvent("proposed", record.state, actor, {
            "approval": approval_id, "action": action, "reason": reason,
            "payload": payload}))
        return {"id": approval_id, "state": "pending", "action": action, "target": message_id}

    def _needs_second_person(self, record: MessageRecord) -> bool:
        amount = Decimal(record.amount) if record.amount else Decimal(0)
        return amount > self.four_eyes_amount

    # -- deciding -----------------------------------------------------------------------------

    async def approve(self, approval_id: str, actor: str) -> dict[str, Any]:
        approval = await self._approval(approval_id)
        if _same(approval["proposed_by"], actor):
            raise Forbidden("the proposer cannot approve their own proposal",
                            code="FOUREYES.SELF_APPROVAL")
        if approval["action"] in CHANGES:
            if not await self.journal.decide(approval_id, "approved", actor, {}):
                raise OperationError("the proposal was already decided",
                                     code="FOUREYES.NOT_PENDING")
            return {"id": approval_id, "state": "approved",
                    "result": await self._apply_change(approval, actor)}
        record = await self._record(approval["target"])
        if record.format == "telex" and approval["action"] in ("release", "correct") and \
                _same(record.submitted_by, actor):
            raise Forbidden("the submitter of a tested telex cannot release it",
                            code="FOUREYES.SUBMITTER")
        if not await self.journal.decide(approval_id, "approved", actor, {}):
            raise OperationError("the proposal was already decided",
                                 code="FOUREYES.NOT_PENDING")
        result = await self._execute(approval["action"], record, approval["payload"],
                                     approval["proposed_by"], approved_by=actor,
                                     approval_id=approval_id)
        return {"id": approval_id, "state": "approved", "result": result}

    async def refuse(self, approval_id: str, actor: str, reason: str = "") -> dict[str, Any]:
        approval = await self._approval(approval_id)
        if not await self.journal.decide(approval_id, "refused", actor, {"reason": reason}):
            raise OperationError("the proposal was already decided",
                                 code="FOUREYES.NOT_PENDING")
        if approval["action"] in CHANGES:
            return {"id": approval_id, "state": "refused"}
        record = await self._record(approval["target"])
        await self.journal.append(record.id, NewEvent("refused", record.state, actor, {
            "approval": approval_id, "reason": reason}))
        return {"id": approval_id, "state": "refused"}

    # -- carrying out -------------------------------------------------------------------------

    async def _execute(self, action: str, record: MessageRecord, payload: dict[str, Any],
                       proposed_by: str, *, approved_by: str | None,
                       approval_id: str | None = None) -> dict[str, Any]:
        actors = {"proposed_by": proposed_by, "approved_by": approved_by,
                  "approval": approval_id}
        expect = FROM_STATES[action]
        if action == "reject":
            await self.journal.append(record.id, NewEvent("rejected", State.REJECTED,
                                                          approved_by or proposed_by, {
                **actors, "reason": payload.get("reason")}), expect=expect)
            return {"state": State.REJECTED.value}
        if action == "retry":
            await self.journal.append(record.id, NewEvent("retry", State.QUEUED,
                                                          approved_by or proposed_by, actors),
                                      expect=expect, requeue_dead=True)
            self.wake()
            return {"state": State.QUEUED.value}
        message, _ = from_data(record.canonical)
        before = record.canonical
        canonical = None
        if action == "correct":
            message, _ = from_data(payload["message"])
            assert message is not None
            amount = message.amount
            canonical = (dumps(message).decode(), "[]", amount.text() if amount else None,
                         amount.currency if amount else None, message.reference)
        if message is None:
            raise OperationError("the stored message no longer reads", code="REPAIR.INVALID")
        exclude = frozenset({record.connector}) if action == "reroute" and record.connector \
            else frozenset()
        choice: RouteChoice | NoRoute
        if action == "reroute" and payload.get("connector"):
            choice = RouteChoice(str(payload["connector"]), str(payload.get("format", "json")),
                                 rule="operator", data={"connector": payload["connector"],
                                                        "format": payload.get("format", "json"),
                                                        "rule": "operator"})
        else:
            choice = self.planner().choose(message, at=datetime.now(UTC), exclude=exclude)
        if isinstance(choice, NoRoute):
            raise OperationError(f"no route: {choice.reason}", code="REPAIR.NO_ROUTE")
        if approved_by is not None:  # released by two people: limits no longer hold it back
            choice = RouteChoice(choice.connector, choice.format, rule=choice.rule,
                                 receiver=choice.receiver,
                                 data={**dict(choice.data), "limit_override": True})
        rendered = self.render(message, choice, record.id)
        if isinstance(rendered, Diagnostic):
            raise OperationError(rendered.message, code=rendered.code, diagnostics=[rendered])
        data = {**actors, "action": action, "route": dict(choice.data),
                "before": before if action == "correct" else None,
                "after": orjson.loads(canonical[0]) if canonical else None}
        await self.journal.append(record.id, NewEvent(DONE[action], State.QUEUED,
                                                      approved_by or proposed_by, data),
                                  expect=expect, canonical=canonical,
                                  route_json=orjson.dumps(dict(choice.data)).decode(),
                                  connector=choice.connector, outbox=rendered,
                                  requeue_dead=False)
        self.wake()
        return {"state": State.QUEUED.value, "connector": choice.connector}

    async def _record(self, message_id: str) -> MessageRecord:
        record = await self.journal.get(message_id)
        if record is None:
            raise JournalError(f"no message {message_id}", code="JOURNAL.NOT_FOUND")
        return record

    async def _approval(self, approval_id: str) -> dict[str, Any]:
        approval = await self.journal.approval(approval_id)
        if approval is None:
            raise JournalError(f"no proposal {approval_id}", code="JOURNAL.NOT_FOUND")
        if approval["state"] != "pending":
            raise OperationError(f"proposal is {approval['state']}",
                                 code="FOUREYES.NOT_PENDING")
        return approval


def _same(a: str | None, b: str | None) -> bool:
    """Two actors are the same person when their identities match (API key or user name)."""
    if not a or not b:
        return False
    return _who(a) == _who(b)


def _who(actor: str) -> str:
    # "key:<id>:<name>" → the key id; a CLI user name as given
    parts = actor.split(":")
    return parts[1] if parts[0] == "key" and len(parts) >= 2 else actor.strip().casefold()
