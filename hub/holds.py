"""Checks that hold a message for a person before it is routed (ARCHITECTURE §1).

Tested telex never leaves on its own: even with a correct test key it waits in REPAIR for a
second person, unless its counterparty's policy allows straight-through processing and the telex
carried a valid HMAC. Screening hits hold too (hub.screening).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hub import secrets
from hub.codecs import telex
from hub.errors import ConfigError
from hub.model import Message
from hub.pipeline import Hold, HoldCheck, Submission


def load_telex_config(path: Path) -> dict[str, dict[str, Any]]:
    """`[counterparties.<answerback or BIC>]` with test_key_table_file, hmac_key_file/_env and
    straight_through; key tables and HMAC keys are configured into the telex codec."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"codecs.telex_keys_file: {exc}", location="codecs.telex_keys_file") \
            from None
    parties: dict[str, dict[str, Any]] = {}
    for name, table in data.get("counterparties", {}).items():
        where = f"counterparties.{name}"
        entry: dict[str, Any] = {k: v for k, v in table.items()
                                 if k in ("test_key_table_file", "straight_through")}
        key = secrets.read(table, "hmac_key", where=where, required=False, allow_inline=False)
        if key is not None:
            entry["hmac_key"] = key
        if "test_key_table_file" in entry:
            entry["test_key_table_file"] = str(path.parent / str(entry["test_key_table_file"]))
        parties[name] = entry
    telex.configure(telex.TestKeyStore.from_config(parties))
    return parties


def telex_release(policies: Mapping[str, Mapping[str, Any]]) -> HoldCheck:
    async def check(message: Message, submission: Submission) -> Hold | None:
        if message.format != "telex":
            return None
        ids = {message.instructing_agent.bic if message.instructing_agent else None,
               message.extra.get("telex.answerback.sender")}
        policy = next((p for name, p in policies.items() if name in ids), None)
        if not telex.requires_release(message, policy):
            return None
        return Hold("TELEX.RELEASE", "tested telex waits for release by a second person",
                    {"auth": message.extra.get("telex.auth"), "submitted_by":
                     submission.submitted_by})
    return check
