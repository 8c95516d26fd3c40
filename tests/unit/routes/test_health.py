"""The circuit breaker the dispatcher owns, driven by a hand-held clock."""

from __future__ import annotations

import pytest

from hub.routes import CircuitBreaker, ConnectorHealth, State


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, **kw: float) -> CircuitBreaker:
    settings = {"failure_threshold": 3, "error_rate": 0.5, "window_seconds": 60.0,
                "min_calls": 6, "open_seconds": 30.0}
    settings.update(kw)
    return CircuitBreaker(clock=clock, **settings)  # type: ignore[arg-type]


def test_opens_on_consecutive_failures() -> None:
    clock = Clock()
    cb = breaker(clock)
    cb.record_failure()
    cb.record_failure()
    assert cb.state is State.CLOSED and cb.allow()
    cb.record_success()  # a success resets the run
    cb.record_failure()
    cb.record_failure()
    assert cb.state is State.CLOSED
    cb.record_failure()
    assert cb.state is State.OPEN
    assert not cb.allow()
    snap = cb.snapshot()
    assert snap.state is State.OPEN and snap.consecutive_failures == 3


def test_opens_on_error_rate_over_the_window() -> None:
    clock = Clock()
    cb = breaker(clock, failure_threshold=100)
    for ok in (True, False, True, False, True):
        cb.record_success() if ok else cb.record_failure()
    assert cb.state is State.CLOSED  # 5 calls: fewer than min_calls
    cb.record_failure()  # 3 of 6 failed = 0.5
    assert cb.state is State.OPEN


def test_old_calls_leave_the_window() -> None:
    clock = Clock()
    cb = breaker(clock, failure_threshold=100)
    for _ in range(5):
        cb.record_failure()
    clock.now += 61
    assert cb.success_rate() == 1.0  # nothing left in the window
    for _ in range(5):
        cb.record_success()
    cb.record_failure()
    assert cb.state is State.CLOSED
    assert cb.snapshot().success_rate == pytest.approx(5 / 6)


def test_half_open_after_the_delay_then_closes_on_success() -> None:
    clock = Clock()
    cb = breaker(clock)
    for _ in range(3):
        cb.record_failure()
    clock.now += 29.9
    assert cb.state is State.OPEN
    clock.now += 0.1
    assert cb.state is State.HALF_OPEN
    assert cb.allow()  # one trial call
    assert not cb.allow()
    cb.record_success()
    assert cb.state is State.CLOSED
    assert cb.allow()


def test_half_open_failure_opens_again() -> None:
    clock = Clock()
    cb = breaker(clock)
    for _ in range(3):
        cb.record_failure()
    clock.now += 30
    assert cb.snapshot().state is State.HALF_OPEN
    cb.record_failure()
    assert cb.state is State.OPEN
    clock.now += 29
    assert cb.state is State.OPEN  # the delay starts again
    clock.now += 1
    assert cb.state is State.HALF_OPEN


def test_settings_and_health_are_checked() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(clock=Clock(), error_rate=0)
    with pytest.raises(ValueError):
        CircuitBreaker(clock=Clock(), failure_threshold=0)
    with pytest.raises(ValueError):
        ConnectorHealth(success_rate=1.5)
    assert ConnectorHealth(state="open").state is State.OPEN  # type: ignore[arg-type]
    assert ConnectorHealth().to_data() == {"state": "closed", "success_rate": 1.0,
                                           "consecutive_failures": 0}
