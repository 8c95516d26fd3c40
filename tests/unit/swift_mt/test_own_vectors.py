"""The hand-made cases in tests/vectors/swift_mt: each finds exactly its expected errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.codecs.base import Options
from hub.codecs.swift_mt import CODEC, write_envelope
from tests.support import OWN_VECTORS

CASES = sorted((OWN_VECTORS / "swift_mt").glob("*.fin"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    raw = path.read_bytes()
    expected = json.loads(path.with_suffix(".expected.json").read_text())["expected"]
    decoded = CODEC.decode(raw, None, Options())
    found = [{"code": d.code, "location": d.location} for d in decoded.diagnostics
             if d.is_error]
    assert sorted(found, key=str) == sorted(expected, key=str)
    if not expected:
        assert write_envelope(decoded.envelope) == raw
        assert decoded.messages


def test_every_rule_has_a_failing_case() -> None:
    from hub.codecs.swift_mt.rules import RULES

    codes = {e["code"] for p in CASES
             for e in json.loads(p.with_suffix(".expected.json").read_text())["expected"]}
    assert {f"MT.{r.code}" for r in RULES} <= codes
