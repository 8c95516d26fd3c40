"""The X12 codec: 820 payment orders in and out, 997/999/TA1 acknowledgements.

    decode   envelope checks (x12_syntax) -> per transaction set: 820 -> credit transfer,
             997/999 -> status reports; TA1 -> status report. An interchange that fails its
             envelope checks yields no payment at all (rejected whole).
    encode   canonical credit transfers -> one interchange, one 820 per payment; control
             numbers come in as envelope keyword arguments (the hub keeps them per partner).
    acknowledge(decoded, control_number=...) -> the 997 (004010) or 999 (005010), with TA1.

Strict by default; `Options.lenient` may name "isa_padding" for ISAs whose elements are not
padded to their fixed widths (as in some samples found in the wild).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.codecs.base import Decoded, Options, checked
from hub.codecs.edi import records, x12_ack
from hub.codecs.edi.findings import INTERCHANGE, Finding
from hub.codecs.edi.x12_820 import decode_820, encode_820
from hub.codecs.edi.x12_syntax import (
    ENVELOPE_CODES,
    TA1_NOTE,
    Delimiters,
    Interchange,
    parse,
    write_interchange,
)
from hub.errors import CodecError, Diagnostic, Severity
from hub.model import Kind, Message

FORMATS = ("x12.820", "x12.997", "x12.999", "x12.ta1")
SET_FORMATS = {"820": "x12.820", "997": "x12.997", "999": "x12.999"}


@dataclass(slots=True)
class X12Envelope:
    """What the hub persists and acknowledges: the parsed interchange and every finding."""

    interchange: Interchange | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def control_number(self) -> str | None:
        return self.interchange.control if self.interchange else None

    @property
    def group_controls(self) -> list[str]:
        return [g.control for g in self.interchange.groups] if self.interchange else []

    @property
    def transaction_controls(self) -> list[tuple[str, str, str]]:
        """(GS06, ST01, ST02) of every transaction set."""
        if self.interchange is None:
            return []
        return [(g.control, t.code, t.control) for g in self.interchange.groups
                for t in g.transactions]


def _detect_set(raw: bytes) -> str | None:
    head = raw[:8192].lstrip()
    if not head.startswith(b"ISA") or len(head) < 4 or head[3:4].isalnum():
        return None
    sep = re.escape(head[3:4])
    found = re.search(rb"(?:^|[^A-Za-z0-9])ST" + sep + rb"(\d{3})", head)
    if found is None:
        return "x12.ta1" if b"TA1" + head[3:4] in head else "x12.820"
    return SET_FORMATS.get(found.group(1).decode(), "x12.820")


class X12Codec:
    family = "x12"
    formats = FORMATS
    priority = 20

    def detect(self, raw: bytes) -> str | None:
        return _detect_set(raw)

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        parsed = parse(raw, options.lenient)
        if not isinstance(parsed, Interchange):
            return Decoded(format=format or "x12.820", envelope=X12Envelope(None, parsed),
                           diagnostics=[f.diagnostic() for f in parsed])
        ic = parsed
        findings = list(ic.findings)
        messages: list[Message] = []
        whole = ic.envelope_ok
        segments = ic.segments
        found_format: str | None = None
        for seg in ic.ta1:
            messages.append(x12_ack.read_ta1(seg))
            found_format = found_format or "x12.ta1"
        broken = {(f.group, f.transaction) for f in findings
                  if f.is_error and f.level == "transaction"}
        shared = records.Shared()
        for group in ic.groups:
            for ts in group.transactions:
                if ts.end is None or (broken and (group.control, ts.control) in broken):
                    continue  # the frame itself is broken: reading the content would mislead
                set_format = SET_FORMATS.get(ts.code)
                found_format = found_format or set_format
                body = ts.body(segments)
                if set_format == "x12.820":
                    message, found = decode_820(body, ts.start, group.control, ts.control,
                                                group.version, shared)
                    findings.extend(found)
                    if message is not None and whole:
                        messages.append(message)
                elif set_format in ("x12.997", "x12.999"):
                    acks, problems = x12_ack.read_ack(body, set_format)
                    findings.extend(Finding("X12.ACK_UNKNOWN", p, ts.start + 1, "ST",
                                            level="transaction", group=group.control,
                                            transaction=ts.control, ack="5")
                                    for p in problems)
                    if whole and not problems:
                        messages.extend(acks)
                else:
                    findings.append(Finding(
                        "X12.ST01", f"transaction set {ts.code!r} is not supported (820, 997, "
                        "999)", ts.start + 1, "ST", 1, level="transaction", group=group.control,
                        transaction=ts.control, ack="1"))
        decoded = Decoded(format=found_format or format or "x12.820",
                          envelope=X12Envelope(ic, findings), messages=messages,
                          diagnostics=[f.diagnostic() for f in findings],
                          sender=ic.sender or None, receiver=ic.receiver or None)
        return decoded

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        """820 interchange. Envelope: sender, receiver, control_number (ISA13), optional
        group_control (GS06, default = control_number), version ("004010"/"005010"), when,
        sender_qualifier, receiver_qualifier, ack_requested, usage, delimiters."""
        if format != "x12.820":
            raise CodecError(f"{format} is written with acknowledge(), not encode()",
                             code="X12.CANNOT_ENCODE")
        if not messages:
            raise CodecError("nothing to encode", code="X12.CANNOT_ENCODE")
        bodies = []
        version = str(envelope.get("version", "004010"))
        for i, message in enumerate(messages):
            if message.kind is not Kind.CUSTOMER_CREDIT_TRANSFER:
                raise CodecError(f"message {i} is a {message.kind.value}; an 820 carries "
                                 "credit transfers", code="X12.CANNOT_ENCODE", location=f"[{i}]")
            bodies.append(encode_820(message, version))
        try:
            sender, receiver = str(envelope["sender"]), str(envelope["receiver"])
            control = int(envelope["control_number"])
        except KeyError as exc:
            raise CodecError(f"envelope needs {exc.args[0]}", code="X12.CANNOT_ENCODE",
                             location=str(exc.args[0])) from None
        reference = "" if version.startswith("004") else "005010X218"
        return write_interchange(
            [("RA", version if version.startswith("004") else reference,
              [("820", reference, body) for body in bodies])],
            sender=sender, receiver=receiver, control_number=control,
            group_control=envelope.get("group_control"), when=_when(envelope),
            sender_qualifier=str(envelope.get("sender_qualifier", "ZZ")),
            receiver_qualifier=str(envelope.get("receiver_qualifier", "ZZ")),
            ack_requested=bool(envelope.get("ack_requested", False)),
            usage=str(envelope.get("usage", "P")),
            delimiters=envelope.get("delimiters") or Delimiters(), version=version)

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        return checked(self.decode(raw, format, options))


def _when(envelope: dict[str, Any]) -> datetime:
    when = envelope.get("when")
    if when is None:
        return datetime.now(UTC)
    if not isinstance(when, datetime):
        raise CodecError("when must be a datetime", code="X12.CANNOT_ENCODE", location="when")
    return when


def acknowledge(decoded: Decoded, *, control_number: int, accepted_by: str | None = None,
                when: datetime | None = None) -> bytes:
    """The 997 (004010) or 999 (005010) answering an inbound interchange, with TA1 when ISA14
    asked for one or the envelope is broken. `accepted_by` is the id the answer comes from
    (default: the receiver id the interchange was addressed to)."""
    env = decoded.envelope
    if not isinstance(env, X12Envelope) or env.interchange is None:
        raise CodecError("the interchange has no readable ISA to answer", code="X12.ACK_UNKNOWN")
    return x12_ack.build(env.interchange, env.findings, control_number=control_number,
                         sender=accepted_by, when=when)


def mark_duplicate(decoded: Decoded) -> None:
    """Flag a decoded interchange as a duplicate (the hub's ControlNumbers said it was seen):
    its messages are dropped and the acknowledgement rejects it with TA1 note 025."""
    env = decoded.envelope
    if not isinstance(env, X12Envelope) or env.interchange is None:
        return
    code = "X12.DUPLICATE_INTERCHANGE"
    finding = Finding(code, f"interchange {env.interchange.control} from "
                      f"{env.interchange.sender} was already received", 1, "ISA", 13,
                      severity=Severity.ERROR, level=INTERCHANGE, ack=TA1_NOTE[code])
    env.findings.insert(0, finding)
    decoded.diagnostics.insert(0, finding.diagnostic())
    decoded.messages.clear()


CODEC = X12Codec()
__all__ = ["CODEC", "ENVELOPE_CODES", "X12Envelope", "acknowledge", "mark_duplicate"]
