"""CONTRL (ISO 9735 syntax and service report): built for inbound interchanges, read back.

    UCI  interchange response: 0020 reference, sender, recipient, action 0083, error 0085
    UCF  functional group response (per UNG)
    UCM  message response (per UNH): 0062 reference, S009 identifier, action, error
    UCS  segment error: position in the message (UNH = 1), error
    UCD  data element error: error, element position : component position

Action codes (0083): 4 = this level and all lower levels rejected, 7 = this level acknowledged
(and lower levels unless explicitly rejected), 8 = interchange received (receipt only).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from hub.codecs.edi.edifact_syntax import (
    CHARSETS,
    ENVELOPE_CODES,
    Interchange,
    Segment,
    write_interchange,
)
from hub.codecs.edi.findings import GROUP, INTERCHANGE, TRANSACTION, Finding
from hub.errors import CodecError
from hub.model import Kind, Message

REJECTED, ACKNOWLEDGED, RECEIVED = "4", "7", "8"
STATUS = {REJECTED: "RJCT", ACKNOWLEDGED: "ACCP", RECEIVED: "RCVD"}
# CONTRL message identifier per syntax version
IDENTIFIER = {"3": ["CONTRL", "D", "3", "UN"], "4": ["CONTRL", "4", "1", "UN"]}


def _error_elements(f: Finding | None) -> list[list[str]]:
    """0085, 0013 and S011 for a UCI/UCF/UCM naming the first error at its level."""
    if f is None:
        return []
    out = [[f.ack or "18"]]
    if f.tag:
        out.append([f.tag])
        if f.element is not None:
            out.append([str(f.element)] + ([str(f.component)] if f.component else []))
    return out


def build(ic: Interchange, findings: Sequence[Finding], *, control_number: int,
          sender: str | None = None, when: datetime | None = None,
          receipt_only: bool = False) -> bytes:
    """The CONTRL interchange answering `ic` with every error found."""
    if not ic.reference or not ic.sender:
        raise CodecError("the interchange has no readable UNB to answer",
                         code="EDIFACT.ACK_UNKNOWN")
    errors = [f for f in findings if f.is_error]
    whole_rejected = any(f.code in ENVELOPE_CODES for f in errors)
    first_ic = next((f for f in errors if f.level == INTERCHANGE), None)
    body: list[Segment] = []
    action = RECEIVED if receipt_only and not errors else REJECTED if whole_rejected \
        else ACKNOWLEDGED
    body.append([["UCI"], [ic.reference], ic.sender, ic.recipient, [action],
                 *_error_elements(first_ic)])
    if not receipt_only:
        for group in ic.groups:
            found = next((f for f in errors if f.level == GROUP and f.group == group.reference),
                         None)
            bad = found is not None or whole_rejected
            body.append([["UCF"], [group.reference], group.sender, group.recipient,
                         [REJECTED if bad else ACKNOWLEDGED], *_error_elements(found)])
            body += _messages(group.messages, errors, whole_rejected)
        body += _messages(ic.messages, errors, whole_rejected)
    version = ic.syntax_version if ic.syntax_version in IDENTIFIER else "3"
    own = [sender] if sender else ic.recipient
    return write_interchange([(IDENTIFIER[version], body)], sender=own or ["UNKNOWN"],
                             recipient=ic.sender, reference=str(control_number),
                             when=when or datetime.now(UTC),
                             syntax=ic.syntax if ic.syntax in CHARSETS else "UNOC",
                             version=version, chars=ic.chars, una=ic.una)


def _messages(messages: Sequence[object], errors: list[Finding], whole_rejected: bool
              ) -> list[Segment]:
    out: list[Segment] = []
    for msg in messages:
        ref = getattr(msg, "reference", "")
        identifier = getattr(msg, "identifier", [])
        group = getattr(msg, "group", None)
        mine = [f for f in errors if f.level == TRANSACTION and f.transaction == ref
                and f.group == group]
        envelope = next((f for f in mine if f.code in ENVELOPE_CODES), None)
        action = REJECTED if mine or whole_rejected else ACKNOWLEDGED
        out.append([["UCM"], [ref], identifier, [action], *_error_elements(envelope)])
        for f in mine:
            if f.code in ENVELOPE_CODES or f.local_position is None:
                continue
            if f.element is None:
                out.append([["UCS"], [str(f.local_position)], [f.ack]])
            else:
                out.append([["UCS"], [str(f.local_position)]])
                out.append([["UCD"], [f.ack], [str(f.element)]
                            + ([str(f.component)] if f.component else [])])
    return out


def _v(seg: Segment, n: int, k: int = 0) -> str:
    if n < len(seg) and k < len(seg[n]):
        return seg[n][k]
    return ""


def read(body: list[Segment]) -> tuple[list[Message], list[str]]:
    """Status reports from one CONTRL message body, and problems that stop reading it."""
    messages: list[Message] = []
    problems: list[str] = []
    interchange = ""
    current: dict[str, str] | None = None
    details: list[str] = []
    rejected_below = False

    def flush() -> None:
        nonlocal current, details
        if current is not None:
            messages.append(Message(
                kind=Kind.STATUS_REPORT, format="edifact.contrl",
                original_message_id=current["id"], status=STATUS.get(current["action"], "RJCT"),
                reason_code=current["error"] or None, reason_text="; ".join(details) or None,
                extra={"edifact.ack.level": current["level"],
                       "edifact.ack.interchange": interchange,
                       "edifact.ack.reference": current["ref"]}))
        current, details = None, []

    uci: dict[str, str] | None = None
    answered: list[str] = []  # UCM references: the interchange line covers the others
    for seg in body:
        tag = seg[0][0]
        if tag == "UCI":
            interchange = _v(seg, 1)
            uci = {"id": interchange, "ref": interchange, "action": _v(seg, 4),
                   "error": _v(seg, 5), "level": INTERCHANGE}
        elif tag in ("UCF", "UCM"):
            flush()
            action = _v(seg, 4) if tag == "UCF" else _v(seg, 3)
            error = _v(seg, 5) if tag == "UCF" else _v(seg, 4)
            rejected_below |= action == REJECTED
            if tag == "UCM":
                answered.append(_v(seg, 1))
            current = {"id": f"{interchange}/{_v(seg, 1)}", "ref": _v(seg, 1), "action": action,
                       "error": error, "level": GROUP if tag == "UCF" else TRANSACTION}
        elif tag == "UCS":
            details.append(f"segment {_v(seg, 1)}" + (f" error {_v(seg, 2)}" if _v(seg, 2)
                                                       else ""))
        elif tag == "UCD":
            details.append(f"element {':'.join(seg[2]) if len(seg) > 2 else ''} error "
                           f"{_v(seg, 1)}")
    flush()
    if uci is None:
        problems.append("UCI missing: the CONTRL names no interchange")
        return [], problems
    status = STATUS.get(uci["action"], "RJCT")
    if status == "ACCP" and rejected_below:
        status = "PART"
    messages.insert(0, Message(
        kind=Kind.STATUS_REPORT, format="edifact.contrl", original_message_id=uci["id"],
        status=status, reason_code=uci["error"] or None,
        extra={"edifact.ack.level": INTERCHANGE, "edifact.ack.interchange": interchange,
               "edifact.ack.reference": interchange,
               **({"edifact.ack.messages": ",".join(answered)} if answered else {})}))
    return messages, problems
