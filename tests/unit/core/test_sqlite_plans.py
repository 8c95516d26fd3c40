"""The SQLite queries of the hot paths find their rows through an index: a plan that scans
the messages table makes every claim cost as much as the journal is long."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hub.journal import Journal
from hub.journal.db import load_queries

HOT = ("claim", "claimed_messages", "heads_for_update", "dedup_lookup", "get_message",
       "update_head", "outbox_stats")


@pytest.mark.parametrize("name", HOT)
async def test_hot_queries_use_an_index(tmp_path: Path, name: str) -> None:
    journal = await Journal.open(f"sqlite:///{tmp_path}/j.db")
    await journal.migrate()
    await journal.close()
    query = load_queries("sqlite")[name]
    with sqlite3.connect(tmp_path / "j.db") as db:
        plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {query}",
                                             [None] * query.count("?"))]
    scans = [step for step in plan if step.startswith("SCAN") and "USING" not in step
             and not any(ok in step for ok in ("json_each", "CONSTANT ROW", "subquery"))]
    assert not scans, plan
