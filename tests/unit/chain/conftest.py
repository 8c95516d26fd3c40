"""Fixtures for the chain tests: a fresh in-process chain per test, and the journal where the
chain connectors record signed transactions before submitting them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.journal import Journal
from tests.unit.chain.chainkit import Chain, new_chain


@pytest.fixture
def chain() -> Chain:
    return new_chain()


@pytest.fixture
async def tx_journal(tmp_path: Path) -> AsyncIterator[Journal]:
    """A migrated SQLite journal (tests/conftest.py's `journal` runs the store on both)."""
    journal = await Journal.open(f"sqlite:///{tmp_path / 'hub.db'}")
    await journal.migrate()
    yield journal
    await journal.close()
