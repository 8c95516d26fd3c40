"""Reconciliation: which statement entries settled which messages, and what is still open.

Statement entries (MT940/950, camt.053/054) arrive like any answer and are matched to the
message they settle by UETR, references, amount and currency (Pipeline.apply_answer); this
module reports, for a value date, the entries that matched nothing and the messages sent with
that value date or earlier that no entry has confirmed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from hub.journal import Journal, MessageRecord
from hub.model import TRANSFER_KINDS, State

STATEMENT_FORMATS = frozenset({"mt940", "mt950", "camt.053", "camt.054"})
OPEN_STATES = (State.DISPATCHED, State.DELIVERED)


async def _all(journal: Journal, state: State) -> AsyncIterator[MessageRecord]:
    after = 0
    while True:
        page = await journal.list_messages(state=state, after_seq=after, limit=500)
        for record in page:
            yield record
        if len(page) < 500:
            return
        after = page[-1].seq


def _value_date(record: MessageRecord) -> date | None:
    text = record.canonical.get("settlement_date")
    return date.fromisoformat(text) if text else None


async def report(journal: Journal, day: date) -> dict[str, Any]:
    matched = 0
    unmatched: list[dict[str, Any]] = []
    async for record in _all(journal, State.COMPLETED):
        if record.format not in STATEMENT_FORMATS or _value_date(record) != day:
            continue
        events = await journal.events(record.id)
        last = next((e for e in reversed(events) if e.type in ("matched", "unmatched")), None)
        if last is not None and last.type == "matched":
            matched += 1
            continue
        extra = record.canonical.get("extra", {})
        unmatched.append({
            "entry": record.id, "amount": record.amount, "currency": record.currency,
            "reference": record.canonical.get("related_reference"),
            "uetr": record.canonical.get("original_uetr"),
            "account": extra.get("statement.account"),
            "direction": extra.get("statement.direction"),
            "why": last.data.get("mismatch") if last is not None else None})
    unconfirmed: list[dict[str, Any]] = []
    transfer_kinds = {k.value for k in TRANSFER_KINDS}
    for state in OPEN_STATES:
        async for record in _all(journal, state):
            value = _value_date(record)
            if record.kind in transfer_kinds and value is not None and value <= day:
                unconfirmed.append({
                    "id": record.id, "state": record.state.value, "uetr": record.uetr,
                    "reference": record.reference, "amount": record.amount,
                    "currency": record.currency, "value_date": value.isoformat(),
                    "connector": record.connector})
    return {"date": day.isoformat(), "matched_entries": matched,
            "unmatched_entries": unmatched, "unconfirmed_messages": unconfirmed}


def render(data: dict[str, Any]) -> str:
    lines = [f"reconciliation for {data['date']}: {data['matched_entries']} entries matched, "
             f"{len(data['unmatched_entries'])} unmatched, "
             f"{len(data['unconfirmed_messages'])} messages unconfirmed"]
    for e in data["unmatched_entries"]:
        lines.append(f"  unmatched entry {e['entry']}: {e['currency']} {e['amount']} "
                     f"ref {e['reference']} uetr {e['uetr']} {e['why'] or ''}".rstrip())
    for m in data["unconfirmed_messages"]:
        lines.append(f"  unconfirmed {m['id']}: {m['state']} {m['currency']} {m['amount']} "
                     f"value {m['value_date']} via {m['connector']}")
    return "\n".join(lines)
