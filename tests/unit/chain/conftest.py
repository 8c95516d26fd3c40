"""Fixtures for the chain tests: a fresh in-process chain per test."""

from __future__ import annotations

import pytest

from tests.unit.chain.chainkit import Chain, new_chain


@pytest.fixture
def chain() -> Chain:
    return new_chain()
