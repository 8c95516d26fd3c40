"""A message's life as an enum with an explicit transition table (ARCHITECTURE §4)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    RECEIVED = "RECEIVED"
    VALIDATED = "VALIDATED"
    REJECTED = "REJECTED"
    REPAIR = "REPAIR"
    ROUTED = "ROUTED"
    QUEUED = "QUEUED"
    DISPATCHED = "DISPATCHED"
    RETRYING = "RETRYING"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    RETURNED = "RETURNED"
    CANCELLED = "CANCELLED"
    DEAD = "DEAD"

    @property
    def is_final(self) -> bool:
        return self in FINAL


FINAL = frozenset({State.REJECTED, State.COMPLETED, State.RETURNED, State.CANCELLED})

TRANSITIONS: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.VALIDATED, State.REJECTED, State.REPAIR}),
    # a status report or confirmation needs no route: it completes once applied
    State.VALIDATED: frozenset({State.ROUTED, State.REPAIR, State.REJECTED, State.COMPLETED}),
    State.REPAIR: frozenset({State.VALIDATED, State.ROUTED, State.REJECTED, State.CANCELLED,
                             State.QUEUED}),
    State.ROUTED: frozenset({State.QUEUED, State.REPAIR}),
    State.QUEUED: frozenset({State.QUEUED, State.DISPATCHED, State.DELIVERED, State.COMPLETED,
                             State.REJECTED, State.RETRYING, State.DEAD, State.REPAIR}),
    State.DISPATCHED: frozenset({State.DELIVERED, State.COMPLETED, State.REJECTED,
                                 State.RETURNED, State.RETRYING, State.REPAIR}),
    State.RETRYING: frozenset({State.RETRYING, State.QUEUED, State.DISPATCHED, State.DELIVERED,
                               State.COMPLETED, State.REJECTED, State.DEAD, State.REPAIR}),
    State.DELIVERED: frozenset({State.COMPLETED, State.REJECTED, State.RETURNED, State.REPAIR}),
    State.DEAD: frozenset({State.QUEUED, State.REPAIR, State.CANCELLED}),
    State.COMPLETED: frozenset({State.RETURNED}),
    State.REJECTED: frozenset(),
    State.RETURNED: frozenset(),
    State.CANCELLED: frozenset(),
}


def can_move(current: State, target: State) -> bool:
    return target in TRANSITIONS[current]
