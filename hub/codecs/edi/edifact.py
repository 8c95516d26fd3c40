"""The EDIFACT codec: PAYMUL, PAYEXT and PAYORD in and out, CONTRL built and read.

    decode   envelope checks (edifact_syntax) -> per message: PAYMUL/PAYEXT/PAYORD -> credit
             transfers, CONTRL -> status reports. An interchange that fails its envelope
             checks yields no payment at all (rejected whole).
    encode   canonical credit transfers -> one interchange (one PAYMUL, or one PAYEXT/PAYORD
             per payment); the control reference comes in as an envelope keyword argument.
    acknowledge(decoded, control_number=...) -> the CONTRL answering an inbound interchange.

Strict by default; `Options.lenient` may name "charset" to accept characters outside the
UNOA repertoire (lower case letters are common in the wild) as warnings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.codecs.base import Decoded, Options, checked
from hub.codecs.edi import edifact_contrl, records
from hub.codecs.edi.edifact_payment import DIRECTORY, decode_payments, encode_payments
from hub.codecs.edi.edifact_syntax import Interchange, ServiceChars, parse, write_interchange
from hub.codecs.edi.findings import INTERCHANGE, TRANSACTION, Finding
from hub.errors import CodecError, Diagnostic, Severity
from hub.model import Message

FORMATS = ("edifact.paymul", "edifact.payext", "edifact.payord", "edifact.contrl")
PAYMENT_TYPES = ("PAYMUL", "PAYEXT", "PAYORD")


@dataclass(slots=True)
class EdifactEnvelope:
    interchange: Interchange | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def control_number(self) -> str | None:
        return self.interchange.reference if self.interchange else None

    @property
    def message_references(self) -> list[tuple[str | None, str, str]]:
        """(group reference, message type, UNH reference) of every message."""
        if self.interchange is None:
            return []
        return [(m.group, m.type, m.reference) for m in self.interchange.all_messages()]


def _detect(raw: bytes) -> str | None:
    head = raw[:4096]
    if not (head.startswith(b"UNA") or head.startswith(b"UNB")):
        return None
    sep = head[4:5] if head.startswith(b"UNA") and len(head) > 4 else b"+"
    found = re.search(b"UNH" + re.escape(sep) + b"[^" + re.escape(sep) + b"]*" + re.escape(sep)
                      + b"([A-Z]{6})", head)
    kind = found.group(1).decode() if found else ""
    if kind in (*PAYMENT_TYPES, "CONTRL"):
        return f"edifact.{kind.lower()}"
    return "edifact.paymul"


class EdifactCodec:
    family = "edifact"
    formats = FORMATS
    priority = 20

    def detect(self, raw: bytes) -> str | None:
        return _detect(raw)

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        parsed = parse(raw, options.lenient)
        if not isinstance(parsed, Interchange):
            return Decoded(format=format or "edifact.paymul",
                           envelope=EdifactEnvelope(None, parsed),
                           diagnostics=[f.diagnostic() for f in parsed])
        ic = parsed
        findings = list(ic.findings)
        messages: list[Message] = []
        whole = ic.envelope_ok
        first = 2 if ic.una else 1
        found_format: str | None = None
        broken = {(f.group, f.transaction) for f in findings
                  if f.is_error and f.level == TRANSACTION}
        shared = records.Shared()
        for msg in ic.all_messages():
            base = msg.start + first
            payment = msg.type in PAYMENT_TYPES and (msg.version, msg.release,
                                                     msg.agency) == DIRECTORY
            if not payment and msg.type != "CONTRL":
                findings.append(Finding(
                    "EDIFACT.MESSAGE_UNSUPPORTED", f"{':'.join(msg.identifier)} is not a "
                    "supported message (PAYMUL/PAYEXT/PAYORD D:96A:UN, CONTRL)", base, "UNH", 2,
                    level=TRANSACTION, group=msg.group, transaction=msg.reference,
                    local_position=1, ack="17"))
                continue
            found_format = found_format or f"edifact.{msg.type.lower()}"
            if msg.end is None or (msg.group, msg.reference) in broken:
                continue  # the frame itself is broken: reading the content would mislead
            body = ic.segments[msg.start + 1:msg.end]
            if payment:
                payments, found = decode_payments(msg.type, body, base, msg.reference, msg.group,
                                                  ic.chars, shared)
                findings.extend(found)
                if whole:
                    messages.extend(payments)
            else:
                reports, problems = edifact_contrl.read(body)
                findings.extend(Finding("EDIFACT.ACK_UNKNOWN", p, base, "UNH", level=TRANSACTION,
                                        group=msg.group, transaction=msg.reference,
                                        local_position=1, ack="13") for p in problems)
                if whole:
                    messages.extend(reports)
        sender = ic.sender[0] if ic.sender else None
        receiver = ic.recipient[0] if ic.recipient else None
        return Decoded(format=found_format or format or "edifact.paymul",
                       envelope=EdifactEnvelope(ic, findings), messages=messages,
                       diagnostics=[f.diagnostic() for f in findings], sender=sender,
                       receiver=receiver)

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        """Envelope: sender, receiver (id or [id, qualifier]), control_number (UNB 0020),
        optional syntax ("UNOC"), version ("3"/"4"), chars (ServiceChars), when,
        ack_requested, test, first_message (UNH numbering)."""
        kind = format.removeprefix("edifact.").upper()
        if kind not in PAYMENT_TYPES:
            raise CodecError(f"{format} is written with acknowledge(), not encode()",
                             code="EDIFACT.CANNOT_ENCODE")
        if not messages:
            raise CodecError("nothing to encode", code="EDIFACT.CANNOT_ENCODE")
        try:
            sender, receiver = envelope["sender"], envelope["receiver"]
            control = envelope["control_number"]
        except KeyError as exc:
            raise CodecError(f"envelope needs {exc.args[0]}", code="EDIFACT.CANNOT_ENCODE",
                             location=str(exc.args[0])) from None
        chars = envelope.get("chars") or ServiceChars()
        bodies = encode_payments(kind, messages, chars)
        identifier = [kind, *DIRECTORY]
        when = envelope.get("when") or datetime.now(UTC)
        return write_interchange(
            [(identifier, body) for body in bodies], sender=_party_id(sender),
            recipient=_party_id(receiver), reference=str(control), when=when,
            syntax=str(envelope.get("syntax", "UNOC")), version=str(envelope.get("version", "3")),
            chars=chars, una=bool(envelope.get("una", True)),
            ack_requested=bool(envelope.get("ack_requested", False)),
            test=bool(envelope.get("test", False)),
            first_message=int(envelope.get("first_message", 1)))

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        return checked(self.decode(raw, format, options))


def _party_id(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise CodecError("sender/receiver must be an id or [id, qualifier]",
                     code="EDIFACT.CANNOT_ENCODE", location="sender")


def acknowledge(decoded: Decoded, *, control_number: int, accepted_by: str | None = None,
                when: datetime | None = None, receipt_only: bool = False) -> bytes:
    """The CONTRL answering an inbound interchange: UCI, UCF/UCM per group and message, UCS/UCD
    per located error. `accepted_by` is the id the answer comes from (default: the recipient
    id the interchange was addressed to)."""
    env = decoded.envelope
    if not isinstance(env, EdifactEnvelope) or env.interchange is None:
        raise CodecError("the interchange has no readable UNB to answer",
                         code="EDIFACT.ACK_UNKNOWN")
    return edifact_contrl.build(env.interchange, env.findings, control_number=control_number,
                                sender=accepted_by, when=when, receipt_only=receipt_only)


def mark_duplicate(decoded: Decoded) -> None:
    """Flag a decoded interchange as a duplicate (seen before from this partner): its messages
    are dropped and the CONTRL rejects it with error 26."""
    env = decoded.envelope
    if not isinstance(env, EdifactEnvelope) or env.interchange is None:
        return
    code = "EDIFACT.DUPLICATE_INTERCHANGE"
    position = 2 if env.interchange.una else 1
    finding = Finding(code, f"interchange {env.interchange.reference} was already received",
                      position, "UNB", 5, severity=Severity.ERROR, level=INTERCHANGE, ack="26")
    env.findings.insert(0, finding)
    decoded.diagnostics.insert(0, finding.diagnostic())
    decoded.messages.clear()


CODEC = EdifactCodec()
__all__ = ["CODEC", "EdifactEnvelope", "acknowledge", "mark_duplicate"]
