"""What screening finds: hits, and the refusal to decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.errors import register

register({
    "SCREEN.HIT": "possible sanctions match: held for a person",
    "SCREEN.UNAVAILABLE": "screening could not decide: held for a person",
    "SCREEN.LIST": "screening list cannot be read",
    "SCREEN.CONFIG": "screening settings cannot be used",
})

COUNTRY_LIST = "COUNTRIES"
"""The list name of hits on the operator's configured countries."""


@dataclass(frozen=True, slots=True)
class Hit:
    path: str  # canonical JSON path of the screened value, e.g. "creditor.name"
    list_name: str  # OFAC-SDN, EU-FSF, COUNTRIES, or the external service's list
    entry_id: str  # the list's own id (ent_num, EU reference number, country code)
    score: float  # 0-100; 100 for exact BIC and country hits
    matched: str = ""  # the listed name, BIC or country the value matched
    kind: str = "name"  # name | bic | country | service

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "list": self.list_name, "entry": self.entry_id,
                "score": round(self.score, 1), "matched": self.matched, "type": self.kind}


@dataclass(eq=False)
class ScreeningUnavailable(Exception):
    """The screening service did not answer usably; `hits` are what the lists found anyway."""

    message: str
    reason: str  # metric label: timeout | connection | status_5xx | status | answer | error
    hits: list[Hit] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message
