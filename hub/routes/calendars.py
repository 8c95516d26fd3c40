"""Operating windows of a rail: business days, opening time and cut-off in the rail's own zone.

A rail's days are its weekdays minus the holidays of its calendar (the `holidays` package: the
ECB's TARGET calendar, the Federal Reserve's, England's bank holidays ...). Each business day has
one window [open, cut-off); a rail whose opening time is later than its cut-off opens the evening
before (Fedwire opens at 21:00 ET on the preceding calendar day). Windows are computed once per
rail and year, as POSIX timestamps, so the planner finds the next one with a bisection.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

NO_CALENDAR = "none"


@cache
def _financial_markets() -> frozenset[str]:
    return frozenset(holidays.list_supported_financial())


def calendar_factory(name: str) -> Callable[[int], Container[date]] | None:
    """A function year -> holiday dates for a calendar name, or None if the name is unknown.

    Names: a financial market of the `holidays` package ("ECB", "FED", "NYSE", "SIX", "JPX" ...),
    a country ("US", "JP") or a country with subdivision ("GB-ENG"), or "none".
    """
    if name == NO_CALENDAR:
        return lambda year: frozenset()
    if name in _financial_markets():
        return lambda year: frozenset(holidays.financial_holidays(name, years=year))
    country, _, subdiv = name.partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdiv or None, years=2000)
    except (NotImplementedError, KeyError, ValueError):
        return None
    return lambda year: frozenset(
        holidays.country_holidays(country, subdiv=subdiv or None, years=year))


@dataclass(frozen=True, slots=True)
class Window:
    day: date  # the business day in the rail's zone
    opens: float  # POSIX seconds
    cutoff: float


@dataclass(eq=False, slots=True)
class Schedule:
    """When a rail takes instructions. `opens is None` means around the clock."""

    zone: ZoneInfo
    opens: time | None
    cutoff: time | None
    weekdays: frozenset[int]  # 0 = Monday
    calendar: str
    _holidays: Callable[[int], Container[date]] = field(repr=False)
    # windows of the years [_first, _last], in order, and their cut-offs for bisection
    _cutoffs: list[float] = field(default_factory=list, repr=False)
    _windows: list[Window] = field(default_factory=list, repr=False)
    _first: int = 0
    _last: int = -1
    _covers: tuple[float, float] = (0.0, 0.0)  # [start of _first, end of _last) as timestamps

    @property
    def always_open(self) -> bool:
        return self.opens is None

    def _cover(self, start: float, end: float) -> None:
        """Make sure the windows of every year between `start` and `end` are built."""
        first = datetime.fromtimestamp(start, self.zone).year
        last = datetime.fromtimestamp(end, self.zone).year + 1
        if self._last >= self._first:
            first = min(first, self._first)
            last = max(last, self._last)
        windows: list[Window] = []
        for year in range(first, last + 1):
            windows.extend(self._build(year))
        self._windows = windows
        self._cutoffs = [w.cutoff for w in windows]
        self._first, self._last = first, last
        self._covers = (datetime(first, 1, 1, tzinfo=self.zone).timestamp(),
                        datetime(last + 1, 1, 1, tzinfo=self.zone).timestamp())

    def _build(self, year: int) -> list[Window]:
        assert self.opens is not None and self.cutoff is not None
        off = self._holidays(year)
        evening_before = self.opens > self.cutoff
        windows: list[Window] = []
        day = date(year, 1, 1)
        while day.year == year:
            if day.weekday() in self.weekdays and day not in off:
                open_day = day - timedelta(days=1) if evening_before else day
                opens = datetime.combine(open_day, self.opens, self.zone).timestamp()
                cutoff = datetime.combine(day, self.cutoff, self.zone).timestamp()
                windows.append(Window(day, opens, cutoff))
            day += timedelta(days=1)
        return windows

    def next_window(self, ts: float, horizon: float) -> Window | None:
        """The first window whose cut-off is after `ts`, if it opens before `ts + horizon`."""
        start, end = self._covers
        if ts < start or ts + horizon >= end:
            self._cover(ts, ts + horizon)
        i = bisect.bisect_right(self._cutoffs, ts)
        if i < len(self._windows):
            window = self._windows[i]
            if window.opens <= ts + horizon:
                return window
        return None

    def business_days_later(self, window: Window, days: int, horizon: float) -> Window | None:
        for _ in range(days):
            nxt = self.next_window(window.cutoff, horizon)
            if nxt is None:
                return None
            window = nxt
        return window

    def wait_reason(self, ts: float, window: Window) -> str:
        """Why an instruction arriving at `ts` waits for `window` (empty when it does not)."""
        if window.opens <= ts:
            return ""
        local = datetime.fromtimestamp(ts, self.zone)
        today = local.date()
        if window.day == today or (self.opens is not None and self.opens > (self.cutoff or time())
                                   and window.day == today + timedelta(days=1)
                                   and local.time() < self.opens):
            return "before_open"
        if today in self._holidays(today.year):
            return "holiday"
        if today.weekday() not in self.weekdays:
            return "closed"
        return "cutoff_passed"


def make_schedule(zone: ZoneInfo, opens: time | None, cutoff: time | None,
                  weekdays: frozenset[int], calendar: str) -> Schedule:
    factory = calendar_factory(calendar)
    if factory is None:
        raise ValueError(f"unknown holiday calendar {calendar!r}")
    return Schedule(zone, opens, cutoff, weekdays, calendar, cache(factory))
