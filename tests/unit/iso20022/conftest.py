"""Shared fixtures: options pointing at the public XSDs (read in place, never copied)."""

from __future__ import annotations

import pytest

from hub.codecs.base import Options
from tests.support import VECTORS


@pytest.fixture(scope="session")
def xsd_dir():  # type: ignore[no-untyped-def]
    path = VECTORS / "iso20022" / "xsd"
    if not path.exists():
        pytest.skip(f"shared vectors not present at {path}")
    return path


@pytest.fixture(scope="session")
def options(xsd_dir):  # type: ignore[no-untyped-def]
    return Options(schema_dir=xsd_dir)
