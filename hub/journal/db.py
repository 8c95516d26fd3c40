"""Two database drivers behind one small interface, so the journal's verbs are written once.

Queries are named and live in sql/<dialect>/queries.sql (STYLE §9). PostgreSQL uses $n
placeholders and an asyncpg pool; SQLite uses ? placeholders and one aiosqlite connection in WAL
mode, transactions serialised by a lock (SQLite has one writer anyway).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg

from hub.errors import JournalError

Row = dict[str, Any]

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def load_queries(dialect: str) -> dict[str, str]:
    text = resources.files("hub.journal").joinpath(f"sql/{dialect}/queries.sql").read_text()
    parts = _NAME.split(text)
    return {parts[i]: _without_trailing_comments(parts[i + 1]) for i in range(1, len(parts), 2)}


def _without_trailing_comments(sql: str) -> str:
    """A query's text up to its last statement line: a section heading comment that follows
    it in the file belongs to the next query, not to this one."""
    lines = sql.strip().splitlines()
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("--")):
        lines.pop()
    return "\n".join(lines).strip().rstrip(";")


def load_migrations(dialect: str) -> list[tuple[int, str, str]]:
    folder = resources.files("hub.journal").joinpath(f"sql/{dialect}/migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append((int(number), name, entry.read_text()))
    return sorted(found)


class Conn(Protocol):
    async def fetch(self, query: str, *args: Any) -> list[Row]: ...
    async def fetchrow(self, query: str, *args: Any) -> Row | None: ...
    async def execute(self, query: str, *args: Any) -> None: ...
    async def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None: ...


class Database(Protocol):
    dialect: str
    queries: dict[str, str]

    def transaction(self) -> Any: ...
    def connection(self) -> Any: ...
    async def close(self) -> None: ...
    async def run_script(self, script: str) -> None: ...


class _PgConn:
    __slots__ = ("_c",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._c = conn

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        return [dict(r) for r in await self._c.fetch(query, *args)]

    async def fetchrow(self, query: str, *args: Any) -> Row | None:
        row = await self._c.fetchrow(query, *args)
        return dict(row) if row is not None else None

    async def execute(self, query: str, *args: Any) -> None:
        await self._c.execute(query, *args)

    async def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            await self._c.executemany(query, rows)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """A connection goes back to the pool as it is, without asyncpg's reset round trip
    (RESET ALL, UNLISTEN *, CLOSE ALL, pg_advisory_unlock_all) on every release: the hub sets
    no session state on pooled connections (search_path is a connect-time setting), opens no
    cursors, and its advisory lease and LISTEN undo themselves (Journal.lease, listen_outbox).
    The pool still rolls back a transaction left open and drops listener callbacks."""


class PostgresDatabase:
    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool, schema: str | None) -> None:
        self.pool = pool
        self.schema = schema
        self.queries = load_queries("postgres")

    @classmethod
    async def open(cls, dsn: str, *, schema: str | None = None, min_size: int = 2,
                   max_size: int = 10) -> PostgresDatabase:
        settings = {"search_path": schema} if schema else None
        try:
            if schema:
                conn = await asyncpg.connect(dsn)
                try:
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                finally:
                    await conn.close()
            pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size,
                                             server_settings=settings, reset=_keep_session)
        except (OSError, asyncpg.PostgresError) as exc:
            raise JournalError(f"cannot reach PostgreSQL: {type(exc).__name__}") from None
        return cls(pool, schema)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_PgConn]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield _PgConn(conn)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[_PgConn]:
        async with self.pool.acquire() as conn:
            yield _PgConn(conn)

    async def run_script(self, script: str) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(script)

    async def close(self) -> None:
        await self.pool.close()


class _SqliteConn:
    __slots__ = ("_c",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._c = conn

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        async with self._c.execute(query, args) as cursor:
            rows = await cursor.fetchall()
            names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in rows]

    async def fetchrow(self, query: str, *args: Any) -> Row | None:
        rows = await self.fetch(query, *args)
        return rows[0] if rows else None

    async def execute(self, query: str, *args: Any) -> None:
        await self._c.execute(query, args)

    async def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            await self._c.executemany(query, rows)


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.queries = load_queries("sqlite")

    @classmethod
    async def open(cls, path: str | Path) -> SqliteDatabase:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open SQLite journal {path}: {exc}") from None
        return cls(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_SqliteConn]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteConn(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[_SqliteConn]:
        async with self._lock:
            yield _SqliteConn(self._conn)

    async def run_script(self, script: str) -> None:
        async with self._lock:
            await self._conn.executescript(script)

    async def close(self) -> None:
        await self._conn.close()
