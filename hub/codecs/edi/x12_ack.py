"""X12 acknowledgements: 997 (004010), 999 (005010) and TA1, built and read.

Building answers an inbound interchange with what its checks found: TA1 for the interchange
envelope (when ISA14 asked for it or the envelope itself is broken), one 997/999 transaction set
per functional group with AK2/IK5 per transaction set, AK3/IK3 per bad segment and AK4/IK4 per
bad element. Reading turns a 997/999/TA1 back into canonical status reports whose
`original_message_id` names what they acknowledge, so the hub can correlate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from hub.codecs.edi.findings import GROUP, INTERCHANGE, TRANSACTION, Finding
from hub.codecs.edi.x12_syntax import (
    ENVELOPE_CODES,
    Delimiters,
    Group,
    Interchange,
    write_interchange,
)
from hub.errors import CodecError
from hub.model import Kind, Message

FORMATS = {"997": "x12.997", "999": "x12.999"}
# X12 element 717 (AK5/IK5) and 715 (AK9) -> canonical status
TS_STATUS = {"A": "ACCP", "E": "ACCP", "R": "RJCT", "M": "RJCT", "W": "RJCT", "X": "RJCT"}
GROUP_STATUS = {"A": "ACCP", "E": "ACCP", "P": "PART", "R": "RJCT", "M": "RJCT", "W": "RJCT",
                "X": "RJCT"}
TA1_STATUS = {"A": "ACCP", "E": "ACCP", "R": "RJCT"}
IMPLEMENTATION_999 = "005010X231"


def _group_findings(group: Group, findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error and f.level == GROUP and f.group == group.control]


def _ts_findings(group: Group, control: str, findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error and f.level == TRANSACTION
            and f.group == group.control and f.transaction == control]


def _ack_body(ic: Interchange, group: Group, findings: Sequence[Finding], whole_rejected: bool,
              is_999: bool) -> list[list[str]]:
    ak1 = ["AK1", group.functional_id, group.control] + ([group.version] if is_999 else [])
    body = [ak1]
    accepted = 0
    for ts in group.transactions:
        ak2 = ["AK2", ts.code, ts.control] + ([ts.reference] if is_999 and ts.reference else [])
        body.append(ak2)
        errors = _ts_findings(group, ts.control, findings)
        for f in errors:
            if f.code in ENVELOPE_CODES or f.local_position is None:
                continue
            seg_code = f.ack if f.element is None else "8"
            body.append(["IK3" if is_999 else "AK3", f.tag, str(f.local_position), "",
                         seg_code or "8"])
            if f.element is not None:
                position = str(f.element) + (f":{f.component}" if f.component else "")
                body.append(["IK4" if is_999 else "AK4", position, "", f.ack or "7",
                             f.value])
        codes = sorted({f.ack for f in errors if f.code in ENVELOPE_CODES and f.ack}
                       | ({"5"} if any(f.code not in ENVELOPE_CODES for f in errors) else set()))
        rejected = bool(errors) or whole_rejected
        accepted += not rejected
        body.append(["IK5" if is_999 else "AK5", "R" if rejected else "A", *codes[:5]])
    total = len(group.transactions)
    group_codes = sorted({f.ack for f in _group_findings(group, findings) if f.ack})
    status = "A" if accepted == total and not whole_rejected else "R" if accepted == 0 else "P"
    body.append(["AK9", status, str(total), str(total), str(accepted), *group_codes[:5]])
    return [_trim(seg) for seg in body]


def _clean(value: str, delimiters: Delimiters) -> str:
    """An echoed value made writable: no delimiter and nothing but printable ASCII."""
    reserved = {delimiters.element, delimiters.component, delimiters.segment,
                delimiters.repetition or delimiters.element}
    return "".join(c if " " <= c <= "~" and c not in reserved else "?" for c in value)


def _safe_delimiters(ic: Interchange) -> Delimiters:
    d = ic.delimiters
    chars = [d.element, d.component, d.segment] + ([d.repetition] if d.repetition else [])
    if all(c.isascii() for c in chars) and len(set(chars)) == len(chars):
        return d
    return Delimiters()


def _trim(seg: list[str]) -> list[str]:
    end = len(seg)
    while end > 1 and not seg[end - 1]:
        end -= 1
    return seg[:end]


def build(ic: Interchange, findings: Sequence[Finding], *, control_number: int,
          sender: str | None = None, when: datetime | None = None) -> bytes:
    """The acknowledgement interchange for `ic`: TA1 if needed, then 997 or 999 per group."""
    when = when or datetime.now(UTC)
    interchange_errors = [f for f in findings if f.is_error and f.level == INTERCHANGE]
    whole_rejected = any(f.is_error and f.code in ENVELOPE_CODES for f in findings)
    ta1: list[list[str]] = []
    if ic.ack_requested or interchange_errors:
        note = interchange_errors[0].ack if interchange_errors else "000"
        status = "R" if interchange_errors else "A"
        isa = ic.isa + [""] * (17 - len(ic.isa))
        ta1.append(["TA1", isa[13], isa[9], isa[10], status, note or "022"])
    delimiters = _safe_delimiters(ic)
    ta1 = [[_clean(v, delimiters) for v in seg] for seg in ta1]
    version = ic.version or "005010"
    is_999 = version == "005010"
    sets = [("999" if is_999 else "997", IMPLEMENTATION_999 if is_999 else "",
             [[_clean(v, delimiters) for v in seg]
              for seg in _ack_body(ic, g, findings, whole_rejected, is_999)])
            for g in ic.groups if g.functional_id]
    groups = [("FA", IMPLEMENTATION_999 if is_999 else "004010", sets)] if sets else []
    if not groups and not ta1:
        raise CodecError("nothing to acknowledge: the interchange has no functional group",
                         code="X12.ACK_UNKNOWN")
    def ident(value: str, default: str) -> str:
        return _clean(value, delimiters)[:15] or default

    return write_interchange(
        groups, sender=sender or ident(ic.receiver, "UNKNOWN"),
        receiver=ident(ic.sender, "UNKNOWN"),
        sender_qualifier=ident(ic.receiver_qualifier, "ZZ")[:2],
        receiver_qualifier=ident(ic.sender_qualifier, "ZZ")[:2],
        control_number=control_number, when=when, delimiters=delimiters,
        interchange_segments=ta1, version=version)


# -- reading -------------------------------------------------------------------------------


def read_ta1(seg: Sequence[str], fmt: str = "x12.ta1") -> Message:
    seg = [*seg, *[""] * (6 - len(seg))]
    return Message(kind=Kind.STATUS_REPORT, format=fmt, original_message_id=seg[1],
                   status=TA1_STATUS.get(seg[4], "RJCT"), reason_code=seg[5] or None,
                   extra={"x12.ack.level": INTERCHANGE, "x12.ack.interchange": seg[1]})


def read_ack(body: Sequence[Sequence[str]], fmt: str) -> tuple[list[Message], list[str]]:
    """Status reports from one 997/999 body; second item lists problems (empty if clean)."""
    problems: list[str] = []
    messages: list[Message] = []
    group_id = ""
    pending: tuple[str, str] | None = None
    reasons: list[str] = []
    answered: list[str] = []  # ST02 of the AK2 lines: the group line covers the others
    for seg in body:
        tag = seg[0]
        padded = [*seg, *[""] * 6]
        if tag == "AK1":
            group_id = padded[2]
        elif tag == "AK2":
            pending = (padded[1], padded[2])
            answered.append(padded[2])
            reasons = []
        elif tag in ("AK3", "IK3"):
            reasons.append(f"segment {padded[2]} ({padded[1]}) error {padded[4]}")
        elif tag in ("AK4", "IK4"):
            reasons.append(f"element {padded[1]} error {padded[3]}")
        elif tag in ("AK5", "IK5") and pending is not None:
            codes = [c for c in padded[2:7] if c]
            messages.append(Message(
                kind=Kind.STATUS_REPORT, format=fmt,
                original_message_id=f"{group_id}/{pending[1]}",
                status=TS_STATUS.get(padded[1], "RJCT"), reason_code=",".join(codes) or None,
                reason_text="; ".join(reasons) or None,
                extra={"x12.ack.level": TRANSACTION, "x12.ack.group": group_id,
                       "x12.ack.transaction": pending[1], "x12.ack.transaction_set": pending[0]}))
            pending = None
        elif tag == "AK9":
            codes = [c for c in padded[5:10] if c]
            messages.append(Message(
                kind=Kind.STATUS_REPORT, format=fmt, original_message_id=group_id,
                status=GROUP_STATUS.get(padded[1], "RJCT"), reason_code=",".join(codes) or None,
                extra={"x12.ack.level": GROUP, "x12.ack.group": group_id,
                       "x12.ack.received": padded[3], "x12.ack.accepted": padded[4],
                       **({"x12.ack.transactions": ",".join(answered)} if answered else {})}))
        elif tag == "CTX":
            continue
    if not group_id:
        problems.append("AK1 missing: the acknowledgement names no functional group")
    if not any(m.extra.get("x12.ack.level") == GROUP for m in messages):
        problems.append("AK9 missing: no functional group response")
    return messages, problems
