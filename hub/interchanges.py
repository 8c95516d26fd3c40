"""EDI interchanges in the running hub: control numbers kept in the journal, duplicates flagged,
and every inbound payment interchange answered the way its sender expects (997/999/TA1 for X12,
CONTRL for EDIFACT), accepted or rejected."""

from __future__ import annotations

from hub.codecs import Decoded
from hub.codecs.edi import edifact, x12
from hub.codecs.edi.control import LIMITS
from hub.journal import Journal

ANSWERED = {"x12.820": ("isa", "x12"), "edifact.paymul": ("unb", "edifact"),
            "edifact.payext": ("unb", "edifact"), "edifact.payord": ("unb", "edifact")}
ACK_FORMAT = {"x12": "x12.997", "edifact": "edifact.contrl"}


class JournalControlNumbers:
    """The codecs' ControlNumbers, kept durably in the journal (shared by every hub process)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def next_outgoing(self, partner: str, kind: str) -> int:
        value = await self.journal.next_counter(f"control:{partner}:{kind}")
        return (value - 1) % LIMITS.get(kind, 999_999_999) + 1

    async def seen_incoming(self, partner: str, kind: str, number: str) -> bool:
        normal = number.strip().lstrip("0") or "0"
        return not await self.journal.record_control_number(partner, kind, "in", normal)


class Interchanges:
    def __init__(self, journal: Journal) -> None:
        self.numbers = JournalControlNumbers(journal)

    async def flag_duplicate(self, decoded: Decoded) -> None:
        """A control number this partner already used: the interchange is refused whole."""
        answered = ANSWERED.get(decoded.format)
        number = getattr(decoded.envelope, "control_number", None)
        if answered is None or number is None or not decoded.sender:
            return
        kind, family = answered
        if await self.numbers.seen_incoming(decoded.sender, kind, number):
            (x12 if family == "x12" else edifact).mark_duplicate(decoded)

    async def acknowledgement(self, decoded: Decoded) -> tuple[str, bytes] | None:
        """(format, bytes) of the answer to an inbound payment interchange, or None."""
        answered = ANSWERED.get(decoded.format)
        if answered is None or getattr(decoded.envelope, "interchange", None) is None:
            return None
        kind, family = answered
        number = await self.numbers.next_outgoing(decoded.sender or "unknown", kind)
        if family == "x12":
            return ACK_FORMAT[family], x12.acknowledge(decoded, control_number=number)
        return ACK_FORMAT[family], edifact.acknowledge(decoded, control_number=number)
