"""API keys (stored hashed) and roles, checked on every route but health."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from hub.journal import ApiKey, Journal


class Role(StrEnum):
    SUBMITTER = "submitter"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    ADMIN = "admin"


READ = frozenset(Role)
SUBMIT = frozenset({Role.SUBMITTER, Role.OPERATOR, Role.ADMIN})
OPERATE = frozenset({Role.OPERATOR, Role.ADMIN})
AUDIT = frozenset({Role.AUDITOR, Role.OPERATOR, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: str
    role: Role
    name: str

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}:{self.name}"


class KeyCache:
    """Verifying a key costs a journal read; remember answers briefly (revocation within ttl)."""

    def __init__(self, journal: Journal, ttl: float = 5.0) -> None:
        self.journal = journal
        self.ttl = ttl
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    async def lookup(self, token: str) -> Caller | None:
        now = time.monotonic()
        hit = self._cache.get(token)
        if hit is None or hit[0] < now:
            key = await self.journal.key_for(token)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = (now + self.ttl, key)
        else:
            key = hit[1]
        if key is None:
            return None
        return Caller(key.id, Role(key.role), key.name)
