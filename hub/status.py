"""What answers from the outside mean for the message they answer.

One table maps every status word the hub reads (SWIFT ACK/NAK, ISO 20022 TxSts, EDI
acknowledgement codes, gateway and chain outcomes) to a lifecycle state.
"""

from __future__ import annotations

from dataclasses import replace

from hub.connectors.base import Outcome
from hub.model import Kind, Message, State

STATUS_STATES: dict[str, State | None] = {
    # SWIFT service 21
    "ACK": State.DELIVERED,
    "NAK": State.REJECTED,
    # ISO 20022 ExternalPaymentTransactionStatus1Code
    "RCVD": State.DELIVERED,
    "ACTC": State.DELIVERED,
    "ACCP": State.DELIVERED,
    "ACSP": State.DELIVERED,
    "ACWC": State.DELIVERED,
    "ACSC": State.COMPLETED,
    "ACCC": State.COMPLETED,
    "RJCT": State.REJECTED,
    "CANC": State.REJECTED,
    "PDNG": None,  # still pending: recorded, no state change
    "PART": None,
    # X12 997/999 AK9/IK5 and EDIFACT CONTRL UCI action codes
    "A": State.DELIVERED,
    "E": State.DELIVERED,
    "P": State.DELIVERED,
    "R": State.REJECTED,
    "M": State.REJECTED,
    "W": State.REJECTED,
    "X": State.REJECTED,
    "7": State.DELIVERED,
    "4": State.REJECTED,
    "8": State.DELIVERED,
    # confirmations (MT900/910, camt.054, statement matches)
    "BOOK": State.COMPLETED,
    "CONFIRMED": State.COMPLETED,
}

OUTCOME_STATES: dict[Outcome, State | None] = {
    Outcome.SENT: None,
    Outcome.DELIVERED: State.DELIVERED,
    Outcome.COMPLETED: State.COMPLETED,
    Outcome.REJECTED: State.REJECTED,
}

ANSWER_KINDS = frozenset({Kind.STATUS_REPORT, Kind.RETURN})
SERVICE_ACKS = frozenset({"ACK", "NAK"})


def fold_acknowledged_copies(messages: list[Message]) -> list[Message]:
    """SWIFT returns a service-21 ACK/NAK followed by a copy of the message it acknowledges.

    The copy is not a new payment: it tells which message the ACK answers. It is folded into
    the ACK (its UETR and field 20 become the ACK's references) and dropped from the batch.
    """
    out: list[Message] = []
    i = 0
    while i < len(messages):
        m = messages[i]
        nxt = messages[i + 1] if i + 1 < len(messages) else None
        if m.kind is Kind.STATUS_REPORT and (m.status or "").upper() in SERVICE_ACKS and \
                nxt is not None and nxt.kind not in ANSWER_KINDS:
            out.append(replace(m, original_uetr=m.original_uetr or nxt.uetr,
                               related_reference=m.related_reference or nxt.instruction_id))
            i += 2
            continue
        out.append(m)
        i += 1
    return out


def state_for(message: Message) -> State | None:
    """The state an answer moves the original message to (None: record only)."""
    if message.kind is Kind.RETURN:
        return State.RETURNED
    if message.status is None:
        return None
    return STATUS_STATES.get(message.status.upper())


def original_keys(message: Message) -> list[tuple[str, str]]:
    """How to find the message an answer is about, most precise first."""
    keys: list[tuple[str, str]] = []
    if message.original_uetr is not None:
        keys.append(("uetr", str(message.original_uetr)))
    if message.uetr is not None and message.kind in ANSWER_KINDS:
        keys.append(("uetr", str(message.uetr)))
    for ref in (message.original_message_id, message.related_reference):
        if ref:
            keys.append(("external_ref", ref))
            keys.append(("reference", ref))
    return keys
