from __future__ import annotations

import pytest

from hub.codecs.base import Options
from tests.support import VECTORS


@pytest.fixture(scope="session")
def options():  # type: ignore[no-untyped-def]
    path = VECTORS / "iso20022" / "xsd"
    if not path.exists():
        pytest.skip(f"shared vectors not present at {path}")
    return Options(schema_dir=path)
