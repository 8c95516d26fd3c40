"""Fixtures shared by the whole suite: journals on both backends."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings

from hub.journal import Journal

PG_DSN = os.environ.get("HUB_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


async def _pg_available() -> bool:
    try:
        conn = await asyncpg.connect(PG_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def _new_schema() -> str:
    if not await _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_DSN}")
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN}")
    return f"t_{os.getpid()}_{secrets.token_hex(4)}"


async def _drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = await _new_schema()
    yield schema
    await _drop_schema(schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def journal(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Journal]:
    """A migrated journal on each backend: the same tests run against both."""
    schema = None
    if request.param == "sqlite":
        j = await Journal.open(f"sqlite:///{tmp_path / 'hub.db'}")
    else:
        schema = await _new_schema()
        j = await Journal.open(PG_DSN, schema=schema, pool_size=4)
    await j.migrate()
    yield j
    await j.close()
    if schema is not None:
        await _drop_schema(schema)


# Property tests explore at random on a developer's machine; in CI they replay a fixed set of
# examples so a run's verdict does not depend on luck (and never on a slow, loaded machine).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
