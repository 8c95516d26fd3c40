"""EDI interchanges in the running hub: control numbers kept in the journal, duplicates flagged,
every inbound payment interchange answered the way its sender expects (997/999/TA1 for X12,
CONTRL for EDIFACT), and the acknowledgements partners send back for what the hub rendered
matched to the messages they answer.

Numbering. Everything the hub sends (payment interchanges and acknowledgements) takes its
ISA13/GS06 or UNB 0020 from one journal sequence per family, so a partner never sees a number
twice. Rendering is pure and synchronous (pipeline.render), so numbers are reserved ahead from
the journal (`OutgoingNumbers.ensure`, awaited before a submission is routed and rendered) and
taken without waiting. Within a process they increase; several processes each hold their own
reservation, so interchanges from two processes may reach a partner out of order (never with
the same number). A reservation unused when a process stops is a gap, as with any cached
database sequence.

Correlation. Each rendered interchange records (partner, family, interchange, group,
transaction) -> message id in the journal (`edi_outbound`). A 997/999 answers by AK1 group and
AK2 transaction, a TA1 by ISA13, a CONTRL by UCI interchange and UCM message reference; a group
or interchange level answer covers the members its own detail lines did not answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence

from hub import codecs
from hub.codecs import Decoded
from hub.codecs.edi import edifact, x12
from hub.codecs.edi.control import LIMITS
from hub.errors import CodecError, register
from hub.journal import Journal
from hub.model import Kind, Message, State

log = logging.getLogger(__name__)

register({
    "EDI.NO_CONTROL_NUMBER": "no interchange control number was reserved for this render",
})

ANSWERED = {"x12.820": ("isa", "x12"), "edifact.paymul": ("unb", "edifact"),
            "edifact.payext": ("unb", "edifact"), "edifact.payord": ("unb", "edifact")}
ACK_FORMAT = {"x12": "x12.997", "edifact": "edifact.contrl"}
ACK_FORMATS = frozenset({"x12.997", "x12.999", "x12.ta1", "edifact.contrl"})
# what an answer's status means for the members it covers without naming them one by one
COVERING = {"ACCP": State.DELIVERED, "RCVD": State.DELIVERED, "PART": State.DELIVERED,
            "RJCT": State.REJECTED}
RESERVE_AT_MOST = 10_000  # one submission never reserves more numbers than this per family

Row = tuple[str, str, str, str, str, str]  # partner, family, interchange, group, txn, message


def normal(number: str) -> str:
    """ISA13 000000042, GS06 42 and UNB 0020 '42' name the same number."""
    return number.strip().lstrip("0") or "0"


class OutgoingNumbers:
    """Control numbers reserved from the journal, handed out without waiting."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._free: dict[str, deque[int]] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def ensure(self, kind: str, count: int) -> None:
        """Hold at least `count` numbers of counter `kind`, reserving the shortfall at once."""
        async with self._lock:
            free = self._free.setdefault(kind, deque())
            short = count - len(free)
            if short <= 0:
                return
            last = await self.journal.reserve_counter(f"control:*:{kind}", short)
            limit = LIMITS.get(kind, 999_999_999)
            free.extend((n - 1) % limit + 1 for n in range(last - short + 1, last + 1))

    def take(self, kind: str) -> int | None:
        """The next reserved number, or None when none is held; a spare is reserved behind."""
        free = self._free.get(kind)
        number = free.popleft() if free else None
        if not free:
            self._refill(kind)
        return number

    async def next(self, kind: str) -> int:
        await self.ensure(kind, 1)
        number = self.take(kind)
        assert number is not None
        return number

    def _refill(self, kind: str) -> None:
        """Keep one number ready for renders that no submission announced (repair, fallback)."""
        try:
            task = asyncio.get_running_loop().create_task(self.ensure(kind, 1))
        except RuntimeError:
            return  # no event loop: the next ensure() reserves
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class JournalControlNumbers:
    """The codecs' ControlNumbers, kept durably in the journal (shared by every hub process).

    Outgoing numbers come from one sequence per kind for all partners (see the module notes):
    each partner sees them increase and never repeat."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.outgoing = OutgoingNumbers(journal)

    async def next_outgoing(self, partner: str, kind: str) -> int:
        return await self.outgoing.next(kind)

    async def seen_incoming(self, partner: str, kind: str, number: str) -> bool:
        return not await self.journal.record_control_number(partner, kind, "in", normal(number))


class Interchanges:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.numbers = JournalControlNumbers(journal)
        self._pending: list[Row] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # -- inbound interchanges -------------------------------------------------------------

    async def flag_duplicate(self, decoded: Decoded) -> None:
        """Before a submission is routed and rendered: reserve the control numbers its payments
        may need if they leave as EDI, and refuse an interchange whose control number this
        partner already used (it is rejected whole)."""
        payments = sum(1 for m in decoded.messages if m.kind is Kind.CUSTOMER_CREDIT_TRANSFER)
        if payments:
            for kind in ("isa", "unb"):
                await self.numbers.outgoing.ensure(kind, min(payments, RESERVE_AT_MOST))
        answered = ANSWERED.get(decoded.format)
        number = getattr(decoded.envelope, "control_number", None)
        if answered is None or number is None or not decoded.sender:
            return
        kind, family = answered
        if await self.numbers.seen_incoming(decoded.sender, kind, number):
            (x12 if family == "x12" else edifact).mark_duplicate(decoded)

    async def acknowledgement(self, decoded: Decoded) -> tuple[str, bytes] | None:
        """(format, bytes) of the answer to an inbound payment interchange, or None."""
        await self.flush()  # the submission is journalled: make what it rendered findable too
        answered = ANSWERED.get(decoded.format)
        if answered is None or getattr(decoded.envelope, "interchange", None) is None:
            return None
        kind, family = answered
        number = await self.numbers.next_outgoing(decoded.sender or "unknown", kind)
        if family == "x12":
            return ACK_FORMAT[family], x12.acknowledge(decoded, control_number=number)
        return ACK_FORMAT[family], edifact.acknowledge(decoded, control_number=number)

    # -- outbound interchanges ------------------------------------------------------------

    @staticmethod
    def numbered(format: str) -> bool:
        """Is `format` an interchange the hub numbers and expects an acknowledgement for?"""
        return format in ANSWERED

    def render(self, message: Message, format: str, *, sender: str, receiver: str | None,
               message_id: str) -> bytes:
        """One interchange for `message` under the next control number, remembered against
        `message_id` so that the partner's acknowledgement finds it."""
        kind, family = ANSWERED[format]
        if not receiver:
            raise CodecError(f"{format} needs the receiving partner's id",
                             code=f"{family.upper()}.CANNOT_ENCODE", location="receiver")
        number = self.numbers.outgoing.take(kind)
        if number is None:
            raise CodecError(f"no {kind.upper()} control number is reserved yet; try again",
                             code="EDI.NO_CONTROL_NUMBER", location="control_number")
        if family == "x12":
            payload = codecs.encode(message, format, sender=sender, receiver=receiver,
                                    control_number=number)
            row: Row = (receiver, family, str(number), str(number), "1", message_id)
        else:
            payload = codecs.encode(message, format, sender=sender, receiver=receiver,
                                    control_number=str(number))
            row = (receiver, family, str(number), "", "1", message_id)
        self._remember([row])
        return payload

    def _remember(self, rows: Sequence[Row]) -> None:
        self._pending.extend(rows)
        try:
            task = asyncio.get_running_loop().create_task(self.flush())
        except RuntimeError:
            return  # written by the next flush()
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Write the remembered interchanges to the journal."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        try:
            await self.journal.record_edi_outbound(rows)
        except Exception:
            self._pending[:0] = rows  # kept for the next flush
            log.exception("EDI control numbers not recorded", extra={
                "action": "edi.outbound_unrecorded", "count": len(rows)})
            raise

    # -- acknowledgements coming back -----------------------------------------------------

    @staticmethod
    def acknowledges_sent(answer: Message) -> bool:
        """Is `answer` a 997/999/TA1/CONTRL line about an interchange someone received?"""
        return answer.kind is Kind.STATUS_REPORT and answer.format in ACK_FORMATS

    async def answered(self, answer: Message, partner: str | None
                       ) -> tuple[list[tuple[str, State | None]], list[str], bool]:
        """The messages an acknowledgement line answers, each with the state it moves to;
        the keys looked up; and whether the interchange named is one the hub sent (a group or
        interchange line whose members were all answered in detail moves nothing itself)."""
        await self.flush()
        extra = answer.extra
        status = (answer.status or "").upper()
        if answer.format.startswith("x12"):
            family, level = "x12", extra.get("x12.ack.level", "")
            interchange = extra.get("x12.ack.interchange")
            group = extra.get("x12.ack.group", "")
            detail = extra.get("x12.ack.transaction")
            covered = extra.get("x12.ack.transactions", "")
        else:
            family, level = "edifact", extra.get("edifact.ack.level", "")
            interchange = extra.get("edifact.ack.interchange", "")
            group = ""
            detail = extra.get("edifact.ack.reference") if level == "transaction" else None
            covered = extra.get("edifact.ack.messages", "")
            if level == "group":  # the hub sends no UNG groups: nothing of ours is named
                reference = extra.get("edifact.ack.reference", "")
                return [], [f"{family}:{partner}:group {interchange}/{reference}"], False
        if not partner:
            return [], [], False
        if level == "interchange" and interchange is not None:
            rows = await self.journal.edi_outbound(partner, family,
                                                   interchange=normal(interchange))
            key = f"{family}:{partner}:interchange {interchange}"
        elif family == "edifact":
            rows = await self.journal.edi_outbound(partner, family,
                                                   interchange=normal(interchange or ""))
            key = f"{family}:{partner}:interchange {interchange}"
        else:
            rows = await self.journal.edi_outbound(partner, family, group=normal(group))
            key = f"{family}:{partner}:group {group}"
        if detail is not None:
            wanted = normal(detail)
            rows = [r for r in rows if normal(r[1]) == wanted]
            return [(r[2], None) for r in rows], [f"{key} transaction {detail}"], bool(rows)
        known = bool(rows)
        skip = {normal(c) for c in covered.split(",") if c}
        state = COVERING.get(status)
        return [(r[2], state) for r in rows if normal(r[1]) not in skip], [key], known
