"""ACH origination: stage entries one by one, send one NACHA file per window to the ODFI.

The dispatcher hands over one message at a time. `send` turns it into an ACH entry for this
connector's ODFI, gives it a trace number (the ODFI's 8-digit routing number and a 7-digit
sequence, stable for the idempotency key), writes it durably under `<staging>/entries/` and
answers SENT with the trace as reference: the journal keeps it as the message's external
reference, which is how the bank's returns and NOCs (addenda 99/98, decoded by the NACHA codec
into Kind.RETURN / STATUS_REPORT with the original trace as related_reference) find it again.

At each submission window (local times of the ODFI on its banking days) a flush task builds one
file per effective entry date with the NACHA codec, the codec batching the entries per SEC
code and company. Crash safety rests on the order of durable steps:

    1. state.json      file id modifiers and trace sequence reserved
    2. outgoing/<name>.ach, outgoing/<name>.json   the file's bytes and what it holds
    3. link.send()     the delivery link (SFTP) uploads under the deterministic name
    4. sent/<name>.json   delivered; then the staged entries and outgoing files are removed

A restart after step 2 delivers the very same bytes under the same name, so the link finds them
already there and uploads nothing new; keys already filed stay known (sent/, kept `keep_days`)
so a late retry of a send is answered with its trace instead of being paid twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import string
import unicodedata
from collections.abc import Awaitable, Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from hub.codecs.base import Options
from hub.codecs.nacha import CODEC as NACHA
from hub.codecs.nacha.layouts import SEC_ADDENDA, TRANSACTION_CODES
from hub.codecs.nacha.reader import is_debit, routing_check_digit
from hub.connectors.base import (
    Connector,
    ConnectorSpec,
    Delivery,
    Health,
    Outbound,
    Outcome,
)
from hub.connectors.filedrop import fsync_folder, write_atomically
from hub.errors import CodecError, ConfigError, ConnectorError, HubError, register
from hub.model import Agent, Kind, Message, Party, dumps, from_data, to_data
from hub.routes.calendars import calendar_factory

log = logging.getLogger(__name__)

register({
    "ACH.INELIGIBLE": "the message cannot be originated as an ACH entry",
    "ACH.KEY_REUSED": "an idempotency key came back with another instruction",
    "ACH.STAGING": "the staging folder cannot be read or written",
    "ACH.FILE_IDS": "no file id modifier left for the day",
    "ACH.NOT_STARTED": "the ACH connector is not started",
    "ACH.FORMAT": "the route asks the ACH link for a format it does not originate",
})

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # file id modifier, one file each per day
MAX_SEQUENCE = 9_999_999  # the 7 digits of a trace number after the ODFI's 8
ENTRY_AMOUNT_MAX = Decimal("99999999.99")  # the entry amount field's 10 digits
SEC_CODES = ("PPD", "CCD", "WEB", "TEL", "CTX")
# Route formats this link takes: "nacha" (rendered by the pipeline as the canonical message,
# which this link files itself) and "json", the canonical message under its own name.
ROUTE_FORMATS = ("nacha", "json")
NAME_PLACEHOLDERS = ("odfi", "effective", "window", "modifier", "created")
NAME_LENGTH = {"CTX": 16}  # receiver name length where it is not the usual 22
FILE_NAME = "ACH_{odfi}_{window}_{effective}_{modifier}"
_SAFE_NAME = frozenset(string.ascii_letters + string.digits + "-_.")


# ------------------------------------------------------------------------------ schedule --

@dataclass(frozen=True, slots=True)
class Schedule:
    """The ODFI's submission windows and banking days, in the ODFI's time zone."""

    zone: ZoneInfo
    windows: tuple[time, ...]  # ascending
    holidays: Callable[[int], Container[date]]
    effective_days: int = 1  # banking days from the window's day to the effective date

    def is_banking_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays(day.year)

    def on_or_after(self, day: date) -> date:
        while not self.is_banking_day(day):
            day += timedelta(days=1)
        return day

    def add_banking_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.on_or_after(day + timedelta(days=1))
        return day

    def next_window(self, after: datetime) -> datetime:
        """The first window strictly after `after`, on a banking day."""
        local = after.astimezone(self.zone)
        day = local.date()
        for _ in range(366):
            if self.is_banking_day(day):
                for at in self.windows:
                    moment = datetime.combine(day, at, self.zone)
                    if moment > local:
                        return moment
            day += timedelta(days=1)
        raise ValueError("no banking day within a year")

    def last_window(self, at: datetime) -> datetime | None:
        """The latest window at or before `at` (looking back two weeks), if any."""
        local = at.astimezone(self.zone)
        day = local.date()
        for _ in range(15):
            if self.is_banking_day(day):
                for when in reversed(self.windows):
                    moment = datetime.combine(day, when, self.zone)
                    if moment <= local:
                        return moment
            day -= timedelta(days=1)
        return None

    def effective_date(self, window: datetime, requested: date | None) -> date:
        """The entry's effective date when filed at `window`: `effective_days` banking days on
        (0: the window's own banking day, same-day ACH), or the requested day if later, rolled
        forward to a banking day."""
        day = window.astimezone(self.zone).date()
        earliest = (self.add_banking_days(day, self.effective_days) if self.effective_days
                    else self.on_or_after(day))
        if requested is not None and requested > earliest:
            return self.on_or_after(requested)
        return earliest


# ------------------------------------------------------------------------------ settings --

@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    odfi: str  # 9-digit ABA routing number
    immediate_destination: str
    immediate_origin: str
    immediate_destination_name: str = ""
    immediate_origin_name: str = ""
    reference_code: str = ""
    company_name: str
    company_id: str
    sec: str = "PPD"
    entry_description: str = "PAYMENT"
    schedule: Schedule
    staging: Path
    deliver_via: str | Mapping[str, Any] | None = None
    file_name: str = FILE_NAME
    keep_days: int = 90
    retry_interval: float = 30.0
    stale_after: float = 900.0
    spec: ConnectorSpec = field(default_factory=ConnectorSpec)


_KNOWN = {"odfi", "immediate_destination", "immediate_origin", "immediate_destination_name",
          "immediate_origin_name", "reference_code", "company_name", "company_id", "sec",
          "entry_description", "windows", "timezone", "calendar", "effective_days", "staging",
          "deliver_via", "file_name", "keep_days", "retry_interval", "stale_after",
          "max_amount", "fixed_fee", "bps_fee", "settlement_seconds"}


def _bad(where: str, problem: str, code: str = "CONFIG.INVALID") -> ConfigError:
    return ConfigError(f"{where}: {problem}", code=code, location=where)


def _text(settings: Mapping[str, Any], key: str, where: str, *, default: str | None = None,
          most: int = 0, digits: int = 0) -> str:
    value = settings.get(key, default)
    path = f"{where}.{key}"
    if value is None:
        raise _bad(path, "required")
    if not isinstance(value, str):
        raise _bad(path, "must be a string", "CONFIG.TYPE")
    if not value.isascii() or not value.isprintable():
        raise _bad(path, "must be printable ASCII")
    if most and len(value) > most:
        raise _bad(path, f"at most {most} characters")
    if digits and not (len(value) == digits and value.isdigit()):
        raise _bad(path, f"must be {digits} digits")
    return value


def _number(settings: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _bad(f"{where}.{key}", "must be a number, 0 or more", "CONFIG.TYPE")
    return float(value)


def _schedule(settings: Mapping[str, Any], where: str) -> Schedule:
    zone_name = settings.get("timezone", "America/New_York")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad(f"{where}.timezone", f"unknown time zone {zone_name!r}") from None
    raw = settings.get("windows", ["10:30", "14:30", "17:00"])
    if isinstance(raw, str) or not isinstance(raw, list) or not raw:
        raise _bad(f"{where}.windows", 'a list of local times such as ["10:30", "14:30"]',
                   "CONFIG.TYPE")
    try:
        windows = tuple(sorted({w if isinstance(w, time) else time.fromisoformat(str(w))
                                for w in raw}))
    except ValueError:
        raise _bad(f"{where}.windows", 'times are written "HH:MM"') from None
    calendar = str(settings.get("calendar", "FED"))
    factory = calendar_factory(calendar)
    if factory is None:
        raise _bad(f"{where}.calendar", f"unknown holiday calendar {calendar!r}")
    days = settings.get("effective_days", 1)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 5:
        raise _bad(f"{where}.effective_days", "an integer from 0 to 5", "CONFIG.TYPE")
    return Schedule(zone, windows, cache(factory), days)


def _check_routing(value: str, where: str) -> str:
    if routing_check_digit(value[:8]) != value[8]:
        raise _bad(where, f"{value} fails the ABA check digit")
    return value


def _check_file_name(pattern: str, where: str) -> str:
    fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    unknown = fields - set(NAME_PLACEHOLDERS)
    if unknown:
        raise _bad(where, f"unknown placeholder {{{sorted(unknown)[0]}}}; use "
                          + ", ".join("{" + p + "}" for p in NAME_PLACEHOLDERS))
    if not {"window", "modifier"} <= fields:
        raise _bad(where, "the name must contain {window} and {modifier} so that each file "
                          "has its own name and a retry finds it")
    literal = "".join(text for text, _, _, _ in string.Formatter().parse(pattern))
    if not set(literal) <= _SAFE_NAME:
        raise _bad(where, "use letters, digits, '-', '_' and '.' only")
    return pattern


def _spec(settings: Mapping[str, Any], schedule: Schedule, where: str) -> ConnectorSpec:
    try:
        max_amount = Decimal(str(settings.get("max_amount", ENTRY_AMOUNT_MAX)))
        fixed_fee = Decimal(str(settings.get("fixed_fee", 0)))
        bps_fee = Decimal(str(settings.get("bps_fee", 0)))
    except InvalidOperation:
        raise _bad(where, "max_amount, fixed_fee and bps_fee must be decimals",
                   "CONFIG.TYPE") from None
    if not 0 < max_amount <= ENTRY_AMOUNT_MAX:
        raise _bad(f"{where}.max_amount", f"between 0 and {ENTRY_AMOUNT_MAX}")
    settle = settings.get("settlement_seconds", 86_400 * max(schedule.effective_days, 0))
    if isinstance(settle, bool) or not isinstance(settle, int):
        raise _bad(f"{where}.settlement_seconds", "an integer", "CONFIG.TYPE")
    return ConnectorSpec(rails=("ach",), formats=("nacha",), currencies=("USD",),
                         max_amount=max_amount, cutoff=schedule.windows[-1],
                         timezone=schedule.zone.key, settlement_seconds=settle,
                         fixed_fee=fixed_fee, bps_fee=bps_fee)


def parse_settings(name: str, settings: Mapping[str, Any]) -> Settings:
    """Settings of [connectors.<name>] (docs/ach.md), every bad key named by its path."""
    where = f"connectors.{name}"
    unknown = sorted(set(settings) - _KNOWN)
    if unknown:
        raise _bad(f"{where}.{unknown[0]}", "unknown key", "CONFIG.UNKNOWN_KEY")
    odfi = _check_routing(_text(settings, "odfi", where, digits=9), f"{where}.odfi")
    sec = _text(settings, "sec", where, default="PPD")
    if sec not in SEC_CODES:
        raise _bad(f"{where}.sec", f"one of {', '.join(SEC_CODES)}")
    staging = _text(settings, "staging", where)
    deliver_via = settings.get("deliver_via")
    if deliver_via is not None and not isinstance(deliver_via, (str, Mapping)):
        raise _bad(f"{where}.deliver_via", "a connector name or a connector table",
                   "CONFIG.TYPE")
    if isinstance(deliver_via, Mapping) and "type" not in deliver_via:
        raise _bad(f"{where}.deliver_via.type", "required")
    schedule = _schedule(settings, where)
    keep = settings.get("keep_days", 90)
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise _bad(f"{where}.keep_days", "a whole number of days, 1 or more", "CONFIG.TYPE")
    return Settings(
        odfi=odfi,
        immediate_destination=_text(settings, "immediate_destination", where, default=odfi,
                                    most=10),
        immediate_origin=_text(settings, "immediate_origin", where, most=10),
        immediate_destination_name=_text(settings, "immediate_destination_name", where,
                                         default="", most=23),
        immediate_origin_name=_text(settings, "immediate_origin_name", where, default="",
                                    most=23),
        reference_code=_text(settings, "reference_code", where, default="", most=8),
        company_name=_text(settings, "company_name", where, most=16),
        company_id=_text(settings, "company_id", where, most=10),
        sec=sec,
        entry_description=_text(settings, "entry_description", where, default="PAYMENT",
                                most=10),
        schedule=schedule, staging=Path(staging), deliver_via=deliver_via,
        file_name=_check_file_name(_text(settings, "file_name", where,
                                         default=FILE_NAME), f"{where}.file_name"),
        keep_days=keep,
        retry_interval=_number(settings, "retry_interval", where, 30.0),
        stale_after=_number(settings, "stale_after", where, 900.0),
        spec=_spec(settings, schedule, where))


# --------------------------------------------------------------------------- durable state --

@dataclass(frozen=True, slots=True)
class Staged:
    """One accepted entry waiting for its window."""

    key: str
    message_id: str
    trace: str
    digest: str  # SHA-256 of the canonical message as sent, to notice a reused key
    staged_at: datetime
    message: Message  # ready for the file but for its effective date

    def to_json(self) -> bytes:
        return orjson.dumps({"key": self.key, "message_id": self.message_id,
                             "trace": self.trace, "sha256": self.digest,
                             "staged_at": self.staged_at.isoformat(),
                             "message": to_data(self.message)})

    @classmethod
    def from_json(cls, raw: bytes) -> Staged:
        data = orjson.loads(raw)
        message, problems = from_data(data["message"])
        if message is None:
            raise ValueError("; ".join(p.message for p in problems) or "no message")
        return cls(data["key"], data["message_id"], data["trace"], data["sha256"],
                   datetime.fromisoformat(data["staged_at"]), message)


@dataclass(frozen=True, slots=True)
class FileManifest:
    """What one built file holds; in outgoing/ until delivered, then in sent/."""

    name: str
    effective: date
    window: datetime
    created: datetime
    modifier: str
    sha256: str
    entries: Mapping[str, Mapping[str, str]]  # idempotency key -> {"trace", "sha256"}
    delivered: Mapping[str, Any] | None = None

    def to_json(self) -> bytes:
        return orjson.dumps({"name": self.name, "effective": self.effective.isoformat(),
                             "window": self.window.isoformat(),
                             "created": self.created.isoformat(), "modifier": self.modifier,
                             "sha256": self.sha256, "entries": dict(self.entries),
                             "delivered": dict(self.delivered) if self.delivered else None},
                            option=orjson.OPT_INDENT_2)

    @classmethod
    def from_json(cls, raw: bytes) -> FileManifest:
        d = orjson.loads(raw)
        return cls(d["name"], date.fromisoformat(d["effective"]),
                   datetime.fromisoformat(d["window"]), datetime.fromisoformat(d["created"]),
                   d["modifier"], d["sha256"], d["entries"], d.get("delivered"))


def _entry_file(key: str) -> str:
    """Keys may hold any character: the file is named after their digest."""
    return hashlib.sha256(key.encode()).hexdigest()[:40] + ".json"


def _ascii(text: str, most: int) -> str:
    """Printable ASCII for a NACHA alphanumeric field: accents folded, the rest dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isprintable())[:most].rstrip()


# ------------------------------------------------------------------------------ connector --

@dataclass(slots=True)
class _Known:
    trace: str
    digest: str
    file: str | None = None  # the file it went into, once built


class AchConnector:
    """Implements Connector; see the module docstring for the flow and docs/ach.md."""

    def __init__(self, name: str, cfg: Settings, *, link: Connector | None = None,
                 links: Mapping[str, Connector] | None = None, owns_link: bool = False,
                 clock: Clock | None = None, sleep: Sleep | None = None) -> None:
        self.name = name
        self.cfg = cfg
        self.spec = cfg.spec
        self.link = link
        self._links = links
        self._owns_link = owns_link
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep_fn = sleep
        root = cfg.staging
        self.entries_dir, self.outgoing_dir = root / "entries", root / "outgoing"
        self.sent_dir, self.damaged_dir = root / "sent", root / "damaged"
        self._keys: dict[str, _Known] = {}
        self._staged: dict[str, Staged] = {}
        self._pending: dict[str, FileManifest] = {}
        self._inflight: dict[str, asyncio.Task[Delivery]] = {}
        self._sequence = 0
        self._modifiers: dict[str, int] = {}  # creation day YYMMDD -> files built that day
        self._blocked: dict[str, str] = {}  # file -> code, refused for good by the link
        self._last_error = ""
        self._damaged = 0
        self._lock_fd: int | None = None
        self._flush_lock = asyncio.Lock()
        self._closed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._started = False

    # -- life ----------------------------------------------------------------------------

    async def start(self) -> None:
        if self.link is None:
            via = self.cfg.deliver_via
            if isinstance(via, str) and self._links is not None and via in self._links:
                self.link = self._links[via]
            else:
                raise ConfigError(f"connectors.{self.name}.deliver_via: no delivery link "
                                  f"{via!r} in this hub", location=f"connectors.{self.name}"
                                  f".deliver_via")
        if self._owns_link:
            await self.link.start()
        await asyncio.to_thread(self._open_staging)
        self._started = True
        await self._deliver_safely()  # files built before a restart go first, unchanged
        self._task = asyncio.create_task(self._run(), name=f"ach-flush:{self.name}")

    async def close(self) -> None:
        self._closed.set()
        if self._inflight:  # entries being written finish; their senders get their answer
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        if self._task is not None:
            try:  # a flush or delivery under way finishes first; a pause is cut short
                async with asyncio.timeout(30), self._flush_lock:
                    self._task.cancel()
            except TimeoutError:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._owns_link and self.link is not None:
            await self.link.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None
        self._started = False

    async def health(self) -> Health:
        if not self._started:
            return Health(up=False, detail="not started")
        problems = [f"{name} refused by the link ({code})"
                    for name, code in sorted(self._blocked.items())]
        now = self._clock()
        stale = [m.name for m in self._pending.values()
                 if (now - m.created).total_seconds() > self.cfg.stale_after]
        if stale:
            problems.append(f"{len(stale)} file(s) undelivered for over "
                            f"{self.cfg.stale_after:.0f}s: {self._last_error}")
        if self._damaged:
            problems.append(f"{self._damaged} staged item(s) moved to damaged/")
        if self.link is not None:
            link = await self.link.health()
            if not link.up:
                problems.append(f"delivery link down: {link.detail}")
        detail = f"{len(self._staged)} staged, {len(self._pending)} file(s) to deliver"
        return Health(up=not problems, detail="; ".join([detail, *problems]))

    # -- send: stage one entry --------------------------------------------------------------

    async def send(self, outbound: Outbound) -> Delivery:
        if not self._started:
            raise ConnectorError(f"{self.name} is not started", code="ACH.NOT_STARTED")
        if outbound.format not in ROUTE_FORMATS:
            raise ConnectorError(f"{self.name} originates NACHA entries; the route asks for "
                                 f"{outbound.format!r} (use format \"nacha\")",
                                 code="ACH.FORMAT", retryable=False, location="format")
        key = outbound.idempotency_key
        digest = hashlib.sha256(dumps(outbound.message)).hexdigest()
        known = self._keys.get(key)
        if known is not None:
            return self._again(key, known, digest)
        if self._closed.is_set():
            raise ConnectorError(f"{self.name} is closing", code="ACH.NOT_STARTED")
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._stage(outbound, digest))
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
            return await asyncio.shield(task)  # a cancelled caller never half-stages
        await asyncio.shield(task)  # the same key already on its way: answer as it was
        return self._again(key, self._keys[key], digest)

    def _again(self, key: str, known: _Known, digest: str) -> Delivery:
        if known.digest != digest:
            raise ConnectorError(f"{self.name}: idempotency key {key!r} was staged with another "
                                 f"instruction (trace {known.trace})", code="ACH.KEY_REUSED",
                                 retryable=False)
        detail: dict[str, Any] = {"trace": known.trace, "staged": True, "already": True}
        if known.file is not None:
            detail["file"] = known.file
        return Delivery(outcome=Outcome.SENT, reference=known.trace, detail=detail)

    async def _stage(self, outbound: Outbound, digest: str) -> Delivery:
        trace = self._next_trace()
        message = self.prepare(outbound.message, trace)
        self._trial(message)
        entry = Staged(outbound.idempotency_key, outbound.message_id, trace, digest,
                       self._clock(), message)
        try:
            await asyncio.to_thread(write_atomically, self.entries_dir,
                                    _entry_file(entry.key), entry.to_json())
        except OSError as exc:
            raise ConnectorError(f"{self.name}: cannot stage the entry: {exc.strerror}",
                                 code="ACH.STAGING") from None
        self._keys[entry.key] = _Known(trace, digest)
        self._staged[entry.key] = entry
        log.debug("ach entry staged", extra={"action": "ach.staged", "link": self.name,
                                            "message_id": outbound.message_id, "trace": trace})
        return Delivery(outcome=Outcome.SENT, reference=trace,
                        detail={"trace": trace, "staged": True})

    def _next_trace(self) -> str:
        self._sequence = self._sequence % MAX_SEQUENCE + 1
        return f"{self.cfg.odfi[:8]}{self._sequence:07d}"

    def prepare(self, message: Message, trace: str) -> Message:
        """The message as an entry of this ODFI: trace, ODFI agent, company, ASCII names."""
        if message.kind is not Kind.CUSTOMER_CREDIT_TRANSFER:
            raise _ineligible(f"only customer credit transfers (and ACH debits) are originated, "
                              f"not {message.kind.value}", "kind")
        if message.amount is None or message.amount.currency != "USD":
            raise _ineligible("ACH entries carry US dollars only", "amount.currency")
        most = self.spec.max_amount or ENTRY_AMOUNT_MAX
        if not Decimal(0) < message.amount.value <= most:
            raise _ineligible(f"amount must be above 0 and at most {most}",
                              "amount.value")
        x = dict(message.extra)
        code = x.get("ach.transaction_code", "22")
        sec = x.get("ach.sec") or (message.local_instrument
                                   if message.local_instrument in SEC_CODES else self.cfg.sec)
        if code not in TRANSACTION_CODES or sec not in SEC_ADDENDA or sec not in SEC_CODES:
            raise _ineligible(f"transaction code {code} / SEC {sec} cannot be originated here",
                              "extra.ach.transaction_code")
        debit = is_debit(code)
        receiver = (message.debtor if debit else message.creditor) or Party()
        if not receiver.account:
            raise _ineligible("the receiver needs an account number",
                              "debtor.account" if debit else "creditor.account")
        originator = (message.creditor if debit else message.debtor) or Party()
        company_id = x.get("ach.company_id") or self.cfg.company_id
        company_name = x.get("ach.company_name") or self.cfg.company_name
        originator = replace(originator, identifier=company_id, name=company_name)
        receiver = replace(receiver, name=_ascii(receiver.name or "", NAME_LENGTH.get(sec, 22))
                           or None, identifier=_ascii(receiver.identifier or "", 15) or None)
        odfi = Agent(clearing_system="USABA", member_id=self.cfg.odfi)
        x.update({"ach.trace": trace, "ach.sec": sec, "ach.transaction_code": code,
                  "ach.company_id": company_id, "ach.company_name": company_name})
        for computed in ("ach.batch_number", "ach.service_class", "ach.odfi"):
            x.pop(computed, None)  # decided by the file being built, not by the source
        roles: dict[str, Any] = (
            {"debtor": receiver, "creditor": originator, "creditor_agent": odfi} if debit
            else {"debtor": originator, "creditor": receiver, "debtor_agent": odfi})
        info = _ascii(message.remittance_info or "", 80 * 9999) or None
        return replace(message, format="nacha", extra=x, local_instrument=sec,
                       settlement_date=None, remittance_info=info,
                       requested_execution_date=message.requested_execution_date
                       or message.settlement_date, **roles)

    def _trial(self, message: Message) -> None:
        """Refuse now what the file could not carry, rather than failing a whole file later."""
        try:
            self._encode([replace(message, requested_execution_date=date(2000, 1, 3))],
                         self._clock(), "A")
        except CodecError as exc:
            raise _ineligible(exc.message, exc.location) from None

    def _encode(self, messages: Sequence[Message], created: datetime, modifier: str) -> bytes:
        c = self.cfg
        return NACHA.encode(
            messages, "nacha", Options(), immediate_destination=c.immediate_destination,
            immediate_origin=c.immediate_origin,
            immediate_destination_name=c.immediate_destination_name,
            immediate_origin_name=c.immediate_origin_name, reference_code=c.reference_code,
            file_id_modifier=modifier, creation=created, sec=c.sec,
            entry_description=c.entry_description)

    # -- flush: build and deliver files ------------------------------------------------------

    async def flush(self, window: datetime | None = None) -> list[str]:
        """Build one file per effective date from every staged entry, then deliver every file
        not yet delivered. Returns the names of the files built."""
        async with self._flush_lock:
            now = self._clock()
            if window is None:
                window = self.cfg.schedule.last_window(now) or now
            window = window.astimezone(self.cfg.schedule.zone)
            built: list[FileManifest] = []
            if self._staged:
                groups: dict[date, list[Staged]] = {}
                for entry in sorted(self._staged.values(), key=lambda e: e.trace):
                    day = self.cfg.schedule.effective_date(
                        window, entry.message.requested_execution_date)
                    groups.setdefault(day, []).append(entry)
                built = await asyncio.to_thread(self._build, window, now, groups)
                for manifest in built:
                    self._pending[manifest.name] = manifest
                    for key in manifest.entries:
                        self._staged.pop(key, None)
                        self._keys[key].file = manifest.name
            await self._deliver()
            return [m.name for m in built]

    def _build(self, window: datetime, now: datetime,
               groups: dict[date, list[Staged]]) -> list[FileManifest]:
        """In a thread: reserve modifiers, then write each file and its manifest."""
        zone = self.cfg.schedule.zone
        created = now.astimezone(zone).replace(second=0, microsecond=0)
        day = created.strftime("%y%m%d")
        used = self._modifiers.get(day, 0)
        if used + len(groups) > len(MODIFIERS):
            raise ConnectorError(f"{self.name}: more than {len(MODIFIERS)} files on {day}",
                                 code="ACH.FILE_IDS", retryable=False)
        self._modifiers = {day: used + len(groups)}  # reserved before any file exists
        self._save_state()
        manifests: list[FileManifest] = []
        for i, (effective, entries) in enumerate(sorted(groups.items())):
            modifier = MODIFIERS[used + i]
            messages = [replace(e.message, requested_execution_date=effective) for e in entries]
            payload = self._encode(messages, created, modifier)
            name = self.cfg.file_name.format(
                odfi=self.cfg.odfi, effective=effective.strftime("%Y%m%d"),
                window=window.strftime("%Y%m%d%H%M"), modifier=modifier,
                created=created.strftime("%Y%m%d%H%M"))
            manifest = FileManifest(name, effective, window, created, modifier,
                                    hashlib.sha256(payload).hexdigest(),
                                    {e.key: {"trace": e.trace, "sha256": e.digest}
                                     for e in entries})
            write_atomically(self.outgoing_dir, f"{name}.ach", payload)
            write_atomically(self.outgoing_dir, f"{name}.json", manifest.to_json())
            manifests.append(manifest)
            log.info("ach file built", extra={"action": "ach.file_built", "link": self.name,
                                              "file": name, "entries": len(entries)})
        return manifests

    async def _deliver(self) -> None:
        for name in sorted(self._pending):
            if name in self._blocked:
                continue
            manifest = self._pending[name]
            payload = await asyncio.to_thread((self.outgoing_dir / f"{name}.ach").read_bytes)
            assert self.link is not None
            try:
                delivery = await self.link.send(Outbound(
                    message_id=name, idempotency_key=name, format="nacha", payload=payload,
                    message=Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="nacha",
                                    message_id=name, created_at=manifest.window,
                                    requested_execution_date=manifest.effective)))
            except ConnectorError as exc:
                self._last_error = f"{exc.code}: {exc.message}"
                log.warning("ach file not delivered", extra={
                    "action": "ach.deliver_failed", "link": self.name, "file": name,
                    "code": exc.code, "retryable": exc.retryable})
                if not exc.retryable:
                    self._blocked[name] = exc.code
                    continue
                return  # the link is down: keep the order, retry later
            done = replace(manifest, delivered={
                "at": self._clock().isoformat(), "reference": delivery.reference,
                "already_there": bool(delivery.detail.get("already_there", False))})
            await asyncio.to_thread(self._finish, done)
            del self._pending[name]
            self._last_error = ""
            log.info("ach file delivered", extra={"action": "ach.file_delivered",
                                                  "link": self.name, "file": name,
                                                  "reference": delivery.reference})

    def _finish(self, manifest: FileManifest) -> None:
        """In a thread: delivered is recorded first, then the staged items are removed."""
        write_atomically(self.sent_dir, f"{manifest.name}.json", manifest.to_json())
        for key in manifest.entries:
            (self.entries_dir / _entry_file(key)).unlink(missing_ok=True)
        (self.outgoing_dir / f"{manifest.name}.json").unlink(missing_ok=True)
        (self.outgoing_dir / f"{manifest.name}.ach").unlink(missing_ok=True)
        fsync_folder(self.entries_dir)
        fsync_folder(self.outgoing_dir)

    async def _deliver_safely(self) -> None:
        try:
            async with self._flush_lock:
                await self._deliver()
        except (HubError, OSError) as exc:
            self._last_error = str(exc)
            log.error("ach delivery failed", extra={"action": "ach.error", "link": self.name,
                                                    "error": str(exc)})

    async def _flush_safely(self, window: datetime) -> None:
        try:
            await self.flush(window)
        except (HubError, OSError) as exc:
            self._last_error = str(exc)
            log.error("ach flush failed", extra={"action": "ach.error", "link": self.name,
                                                 "error": str(exc)})

    async def _run(self) -> None:
        """Flush at each window; between windows retry undelivered files."""
        schedule = self.cfg.schedule
        last = schedule.last_window(self._clock())
        if last is not None and any(e.staged_at < last for e in self._staged.values()):
            await self._flush_safely(last)  # a window passed while the hub was down
        while not self._closed.is_set():
            now = self._clock()
            due = schedule.next_window(now)
            wait = (due - now).total_seconds()
            if self._pending and len(self._pending) > len(self._blocked):
                wait = min(wait, self.cfg.retry_interval)
            await self._pause(max(wait, 0.0))
            if self._closed.is_set():
                return
            if self._clock() >= due:
                await self._flush_safely(due)
            elif self._pending:
                await self._deliver_safely()

    async def _pause(self, seconds: float) -> None:
        if self._sleep_fn is not None:
            await self._sleep_fn(seconds)
            return
        with contextlib.suppress(TimeoutError):  # re-check the clock at least each minute
            await asyncio.wait_for(self._closed.wait(), min(seconds, 60.0))

    # -- staging folder ------------------------------------------------------------------------

    def _open_staging(self) -> None:
        """In a thread: lock the folder, then read entries, files and state back."""
        for folder in (self.cfg.staging, self.entries_dir, self.outgoing_dir, self.sent_dir,
                       self.damaged_dir):
            folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.cfg.staging / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConnectorError(f"{self.name}: {self.cfg.staging} is used by another process",
                                 code="ACH.STAGING", retryable=False) from None
        self._lock_fd = fd
        for folder in (self.entries_dir, self.outgoing_dir, self.sent_dir):
            for stale in folder.glob(".*.tmp"):  # a write cut short by a crash
                stale.unlink(missing_ok=True)
        state = self._read_state()
        self._sequence = int(state.get("sequence", 0))
        self._modifiers = {str(k): int(v) for k, v in state.get("modifiers", {}).items()}
        horizon = self._clock() - timedelta(days=self.cfg.keep_days)
        for path in sorted(self.sent_dir.glob("*.json")):
            sent = self._manifest(path)
            if sent is None:
                continue
            if sent.created < horizon:
                path.unlink(missing_ok=True)
                continue
            self._remember(sent, delivered=True)
        for path in sorted(self.outgoing_dir.glob("*.json")):
            manifest = self._manifest(path)
            if manifest is None:
                continue
            if (self.sent_dir / path.name).exists():  # delivered, cleanup cut short
                self._finish(FileManifest.from_json((self.sent_dir / path.name).read_bytes()))
                continue
            if not (self.outgoing_dir / f"{manifest.name}.ach").exists():
                self._quarantine(path, "its file is missing")
                continue
            self._pending[manifest.name] = manifest
            self._remember(manifest, delivered=False)
        for path in self.outgoing_dir.glob("*.ach"):  # built, never described: not delivered
            if not path.with_suffix(".json").exists():
                path.unlink(missing_ok=True)
        for path in sorted(self.entries_dir.glob("*.json")):
            try:
                entry = Staged.from_json(path.read_bytes())
            except (ValueError, KeyError, TypeError, HubError) as exc:
                self._quarantine(path, str(exc))
                continue
            known = self._keys.get(entry.key)
            if known is not None and known.file is not None:
                if known.file not in self._pending:  # filed and delivered: cleanup cut short
                    path.unlink(missing_ok=True)
                continue
            self._keys[entry.key] = _Known(entry.trace, entry.digest)
            self._staged[entry.key] = entry
            self._see_trace(entry.trace)

    def _remember(self, manifest: FileManifest, *, delivered: bool) -> None:
        day = manifest.created.strftime("%y%m%d")
        self._modifiers[day] = max(self._modifiers.get(day, 0),
                                   MODIFIERS.index(manifest.modifier) + 1
                                   if manifest.modifier in MODIFIERS else 0)
        for key, item in manifest.entries.items():
            self._keys[key] = _Known(item["trace"], item["sha256"], manifest.name)
            if not delivered:
                self._see_trace(item["trace"])

    def _see_trace(self, trace: str) -> None:
        if trace.startswith(self.cfg.odfi[:8]) and trace[8:].isdigit():
            self._sequence = max(self._sequence, int(trace[8:]))

    def _manifest(self, path: Path) -> FileManifest | None:
        try:
            return FileManifest.from_json(path.read_bytes())
        except (ValueError, KeyError, TypeError) as exc:
            self._quarantine(path, str(exc))
            return None

    def _quarantine(self, path: Path, why: str) -> None:
        self._damaged += 1
        log.error("ach staging item damaged", extra={"action": "ach.damaged", "link": self.name,
                                                     "file": path.name, "error": why})
        os.replace(path, self.damaged_dir / path.name)

    def _read_state(self) -> dict[str, Any]:
        path = self.cfg.staging / "state.json"
        if not path.exists():
            return {}
        try:
            data = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            raise ConnectorError(f"{self.name}: {path} is not JSON", code="ACH.STAGING",
                                 retryable=False) from None
        return data if isinstance(data, dict) else {}

    def _save_state(self) -> None:
        write_atomically(self.cfg.staging, "state.json", orjson.dumps(
            {"sequence": self._sequence, "modifiers": self._modifiers}))


def _ineligible(problem: str, where: str) -> ConnectorError:
    return ConnectorError(f"not an ACH entry: {problem}", code="ACH.INELIGIBLE",
                          retryable=False, location=where)


def build(name: str, settings: Mapping[str, Any], *, deliver: Connector | None = None,
          links: Mapping[str, Connector] | None = None, clock: Clock | None = None,
          sleep: Sleep | None = None, **deps: Any) -> AchConnector:
    """The connector for [connectors.<name>]. The delivery link is `deliver` when given, else
    `deliver_via`: a connector table (built and owned here) or the name of another connector
    looked up in `links` at start()."""
    cfg = parse_settings(name, settings)
    owns = False
    if deliver is None and isinstance(cfg.deliver_via, Mapping):
        from hub.connectors import build as build_connector

        deliver = build_connector(f"{name}.deliver_via", dict(cfg.deliver_via), **deps)
        owns = True
    if deliver is None and not isinstance(cfg.deliver_via, str):
        raise _bad(f"connectors.{name}.deliver_via", "required: the link that carries the files")
    return AchConnector(name, cfg, link=deliver, links=links, owns_link=owns, clock=clock,
                        sleep=sleep)
