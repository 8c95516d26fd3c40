"""The committed ABI+bytecode artifacts belong to the committed sources and pinned compiler."""

from __future__ import annotations

import hashlib

import pytest

from tests.unit.chain.chainkit import CONTRACTS, SOURCES, artifact


@pytest.mark.parametrize("name", CONTRACTS)
def test_artifact_matches_its_source(name: str) -> None:
    art = artifact(name)
    source = (SOURCES / f"{name}.sol").read_bytes()
    assert art["sourceSha256"] == hashlib.sha256(source).hexdigest(), \
        "stale artifact: run `cd contracts && node build.js`"
    assert art["compiler"]["version"].startswith("0.8.28+")
    assert art["compiler"]["evmVersion"] == "cancun"
    assert art["bytecode"].startswith("0x") and len(art["bytecode"]) > 1000
