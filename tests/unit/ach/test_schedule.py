"""Submission windows and effective entry dates on the Federal Reserve's banking days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from hub.connectors import ach
from tests.unit.ach.helpers import NY, at, settings


def schedule(tmp_path: Path, **more: object) -> ach.Schedule:
    return ach.parse_settings("ach", settings(tmp_path, **more)).schedule


@pytest.mark.parametrize(("now", "expected"), [
    (at(date(2026, 3, 2), "09:00"), at(date(2026, 3, 2), "10:30")),  # Monday morning
    (at(date(2026, 3, 2), "10:30"), at(date(2026, 3, 2), "14:30")),  # strictly after
    (at(date(2026, 3, 2), "17:00"), at(date(2026, 3, 3), "10:30")),  # last window passed
    (at(date(2026, 3, 6), "17:30"), at(date(2026, 3, 9), "10:30")),  # Friday evening
    (at(date(2026, 3, 7), "12:00"), at(date(2026, 3, 9), "10:30")),  # Saturday
    (at(date(2026, 5, 22), "18:00"), at(date(2026, 5, 26), "10:30")),  # Memorial Day Monday
])
def test_next_window_skips_weekends_and_holidays(tmp_path: Path, now: datetime,
                                                 expected: datetime) -> None:
    assert schedule(tmp_path).next_window(now) == expected


def test_windows_are_local_times_across_daylight_saving(tmp_path: Path) -> None:
    s = schedule(tmp_path)
    before = s.next_window(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))  # EST, UTC-5
    after = s.next_window(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))  # EDT since 8 March
    assert before.astimezone(UTC).time() == time(15, 30)
    assert after.astimezone(UTC).time() == time(14, 30)


def test_last_window_looks_back_over_closed_days(tmp_path: Path) -> None:
    s = schedule(tmp_path)
    assert s.last_window(at(date(2026, 3, 2), "12:00")) == at(date(2026, 3, 2), "10:30")
    assert s.last_window(at(date(2026, 3, 8), "12:00")) == at(date(2026, 3, 6), "17:00")
    assert s.last_window(at(date(2026, 3, 2), "10:29")) == at(date(2026, 2, 27), "17:00")


@pytest.mark.parametrize(("window", "requested", "expected"), [
    (at(date(2026, 3, 2), "10:30"), None, date(2026, 3, 3)),  # next banking day
    (at(date(2026, 3, 6), "17:00"), None, date(2026, 3, 9)),  # Friday -> Monday
    (at(date(2026, 5, 22), "10:30"), None, date(2026, 5, 26)),  # over Memorial Day
    (at(date(2026, 3, 2), "10:30"), date(2026, 3, 2), date(2026, 3, 3)),  # too early: earliest
    (at(date(2026, 3, 2), "10:30"), date(2026, 3, 5), date(2026, 3, 5)),  # later: as asked
    (at(date(2026, 3, 2), "10:30"), date(2026, 3, 7), date(2026, 3, 9)),  # Saturday rolls on
    (at(date(2026, 11, 10), "17:00"), None, date(2026, 11, 12)),  # Veterans Day: Fed closed
])
def test_effective_date(tmp_path: Path, window: datetime, requested: date | None,
                        expected: date) -> None:
    assert schedule(tmp_path).effective_date(window, requested) == expected


def test_fed_calendar_opens_the_friday_before_a_saturday_holiday(tmp_path: Path) -> None:
    # 4 July 2026 is a Saturday: the Federal Reserve is open on Friday 3 July, NYSE is not.
    window = at(date(2026, 7, 2), "14:30")
    assert schedule(tmp_path).effective_date(window, None) == date(2026, 7, 3)
    assert schedule(tmp_path, calendar="NYSE").effective_date(window, None) == date(2026, 7, 6)


def test_same_day_when_effective_days_is_zero(tmp_path: Path) -> None:
    s = schedule(tmp_path, effective_days=0)
    assert s.effective_date(at(date(2026, 3, 2), "10:30"), None) == date(2026, 3, 2)
    assert s.effective_date(at(date(2026, 3, 7), "10:30"), None) == date(2026, 3, 9)


def test_windows_are_sorted_and_zone_is_the_odfis(tmp_path: Path) -> None:
    s = schedule(tmp_path, windows=["17:00", "09:15"], timezone="America/Chicago")
    assert s.windows == (time(9, 15), time(17, 0))
    assert s.next_window(datetime(2026, 3, 2, 14, 0, tzinfo=UTC)).tzinfo == s.zone
    assert s.next_window(datetime(2026, 3, 2, 14, 0, tzinfo=UTC)).hour == 9
    assert s.zone != NY
