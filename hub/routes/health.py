"""Connector health: the circuit breaker the dispatcher owns and the snapshot the planner reads.

    closed ──(N failures in a row, or error rate over the window)──► open
    open ──(open_seconds elapsed)──► half_open ──success──► closed
                                               └─failure──► open

The breaker is pure bookkeeping over an injected clock (seconds, monotonic): no I/O, no threads,
no asyncio, so the dispatcher decides when to call it and tests drive time by hand.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, kw_only=True, slots=True)
class ConnectorHealth:
    """What the planner knows of a connector: open circuits are skipped, the success rate
    weighs on the score."""

    state: State = State.CLOSED
    success_rate: float = 1.0
    consecutive_failures: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.state, State):
            object.__setattr__(self, "state", State(self.state))
        if not 0.0 <= self.success_rate <= 1.0:
            raise ValueError(f"success_rate {self.success_rate} is outside 0..1")

    def to_data(self) -> dict[str, object]:
        return {"state": self.state.value, "success_rate": self.success_rate,
                "consecutive_failures": self.consecutive_failures}


class CircuitBreaker:
    """Opens on `failure_threshold` consecutive failures, or when at least `min_calls` calls in
    the last `window_seconds` failed at `error_rate` or more; half-opens `open_seconds` later and
    lets `half_open_calls` trial calls through."""

    def __init__(self, *, clock: Callable[[], float], failure_threshold: int = 5,
                 error_rate: float = 0.5, window_seconds: float = 60.0, min_calls: int = 10,
                 open_seconds: float = 30.0, half_open_calls: int = 1) -> None:
        if failure_threshold < 1 or min_calls < 1 or half_open_calls < 1:
            raise ValueError("thresholds are at least 1")
        if not 0.0 < error_rate <= 1.0:
            raise ValueError("error_rate is in (0, 1]")
        self._clock = clock
        self.failure_threshold = failure_threshold
        self.error_rate = error_rate
        self.window_seconds = window_seconds
        self.min_calls = min_calls
        self.open_seconds = open_seconds
        self.half_open_calls = half_open_calls
        self._state = State.CLOSED
        self._opened_at = 0.0
        self._consecutive = 0
        self._trials = 0
        self._calls: deque[tuple[float, bool]] = deque()

    @property
    def state(self) -> State:
        if self._state is State.OPEN and self._clock() - self._opened_at >= self.open_seconds:
            self._state = State.HALF_OPEN
            self._trials = 0
        return self._state

    def allow(self) -> bool:
        """May a call go through now? In half-open, only the trial calls may."""
        state = self.state
        if state is State.CLOSED:
            return True
        if state is State.HALF_OPEN and self._trials < self.half_open_calls:
            self._trials += 1
            return True
        return False

    def record_success(self) -> None:
        now = self._clock()
        self._note(now, True)
        self._consecutive = 0
        if self.state is State.HALF_OPEN:
            self._state = State.CLOSED
            self._calls.clear()

    def record_failure(self) -> None:
        now = self._clock()
        self._note(now, False)
        self._consecutive += 1
        state = self.state
        tripped = self._consecutive >= self.failure_threshold or self._rate_tripped()
        if state is State.HALF_OPEN or (state is State.CLOSED and tripped):
            self._open(now)

    def snapshot(self) -> ConnectorHealth:
        self._prune(self._clock())
        return ConnectorHealth(state=self.state, success_rate=self.success_rate(),
                               consecutive_failures=self._consecutive)

    def success_rate(self) -> float:
        """Share of successful calls in the window; 1.0 with no calls."""
        self._prune(self._clock())
        if not self._calls:
            return 1.0
        return sum(1 for _, ok in self._calls if ok) / len(self._calls)

    def _open(self, now: float) -> None:
        self._state = State.OPEN
        self._opened_at = now
        self._trials = 0

    def _note(self, now: float, ok: bool) -> None:
        self._calls.append((now, ok))
        self._prune(now)

    def _prune(self, now: float) -> None:
        horizon = now - self.window_seconds
        while self._calls and self._calls[0][0] <= horizon:
            self._calls.popleft()

    def _rate_tripped(self) -> bool:
        n = len(self._calls)
        if n < self.min_calls:
            return False
        failures = sum(1 for _, ok in self._calls if not ok)
        return failures / n >= self.error_rate
