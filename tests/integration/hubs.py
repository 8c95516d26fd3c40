"""A hub running inside the test's process: the composition root of `nvc-hub run`, on SQLite or
on a PostgreSQL schema of its own, with ephemeral ports and a fast dispatcher poll."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from hub.app import Hub
from hub.config import load
from tests.conftest import PG_DSN, _drop_schema, _new_schema


def filedrop_links(tmp_path: Path, *names: str, inbox: bool = True) -> dict[str, str]:
    """Settings for file-drop links `names`, each with its own out (and in) folder."""
    env: dict[str, str] = {}
    for name in names:
        prefix = f"HUB__CONNECTORS__{name.upper()}__"
        env[prefix + "TYPE"] = "filedrop"
        env[prefix + "OUTBOUND"] = str(tmp_path / name / "out")
        if inbox:
            env[prefix + "INBOX"] = str(tmp_path / name / "in")
    return env


@asynccontextmanager
async def running_hub(tmp_path: Path, backend: str = "sqlite",
                      **settings: str) -> AsyncIterator[Hub]:
    """`settings` are HUB__… environment entries on top of the test defaults."""
    env = {"HUB__HUB__DATA_DIR": str(tmp_path), "HUB__API__PORT": "0",
           "HUB__API__ADMIN_PORT": "0", "HUB__DISPATCH__POLL_INTERVAL": "0.05",
           "HUB__LOG__LEVEL": "WARNING", **settings}
    schema = None
    if backend == "postgres":
        schema = await _new_schema()
        env.update({"HUB__JOURNAL__URL": PG_DSN, "HUB__JOURNAL__SCHEMA": schema})
    hub = Hub(load(None, env=env))
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()
        if schema is not None:
            await _drop_schema(schema)
