"""Account statements for reconciliation: MT940, MT950, camt.053 and camt.054.

Each booked entry decodes to a canonical status report (status "BOOK") that the pipeline applies
to the payment it concerns, found by UETR, instruction id / MsgId or the account owner's
reference; the entries that match nothing are the reconciliation report's unmatched ones.
`summary(decoded)` gives the statements' accounts and balances for that report.
"""

from __future__ import annotations

from typing import Any

from hub.codecs.base import Decoded
from hub.codecs.statements.codec import FORMATS, StatementsCodec
from hub.codecs.statements.envelope import Balance, Entry, Statement, Transaction
from hub.codecs.statements.envelope import summary as _summary

CODEC = StatementsCodec()


def summary(decoded: Decoded) -> dict[str, Any]:
    """Account, currency, opening and closing balances and entry counts of a decoded statement
    file; `statements` lists each statement when the file holds several."""
    statements = decoded.envelope if isinstance(decoded.envelope, list) else []
    each = _summary([s for s in statements if isinstance(s, Statement)])
    first: dict[str, Any] = dict(each[0]) if each else {
        "format": decoded.format, "account": None, "currency": None, "opening_balance": None,
        "closing_balance": None, "entries": 0}
    first["statements"] = each
    first["entries_total"] = sum(int(str(s["entries"])) for s in each)
    first["messages"] = len(decoded.messages)
    return first


__all__ = ["CODEC", "FORMATS", "Balance", "Entry", "Statement", "StatementsCodec",
           "Transaction", "summary"]
