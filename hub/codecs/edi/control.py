"""Control numbers per trading partner: outgoing ones increase, incoming ones are remembered.

The journal implements `ControlNumbers` durably; `MemoryControlNumbers` is the in-memory double
for tests and single-process tools. `kind` names the counter: "isa", "gs", "st" for X12,
"unb", "ung", "unh" for EDIFACT. The codecs never call this: the hub asks it for numbers and
passes them to `encode(..., control_number=...)`, and asks it whether an interchange was seen.
"""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

#: the largest number each counter may carry (ISA13/GS06 are 9 digits, UNB 0020 is 14 chars)
LIMITS = {"isa": 999_999_999, "gs": 999_999_999, "st": 999_999_999,
          "unb": 99_999_999_999_999, "ung": 99_999_999_999_999, "unh": 99_999_999_999_999}


@runtime_checkable
class ControlNumbers(Protocol):
    async def next_outgoing(self, partner: str, kind: str) -> int:
        """The next control number to send to `partner` (1, 2, 3 ... wrapping at the limit)."""
        ...

    async def seen_incoming(self, partner: str, kind: str, number: str) -> bool:
        """True if `number` was received from `partner` before; otherwise record it."""
        ...


class MemoryControlNumbers:
    """In-memory `ControlNumbers`; safe for concurrent tasks of one event loop."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, str], int] = {}
        self._seen: set[tuple[str, str, str]] = set()
        self._lock = asyncio.Lock()

    async def next_outgoing(self, partner: str, kind: str) -> int:
        async with self._lock:
            current = self._next.get((partner, kind), 0) + 1
            if current > LIMITS.get(kind, 999_999_999):
                current = 1
            self._next[(partner, kind)] = current
            return current

    async def seen_incoming(self, partner: str, kind: str, number: str) -> bool:
        key = (partner, kind, number.strip().lstrip("0") or "0")
        async with self._lock:
            if key in self._seen:
                return True
            self._seen.add(key)
            return False
