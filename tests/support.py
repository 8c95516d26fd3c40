"""Helpers shared by the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT.parent / "shared" / "vectors"
OWN_VECTORS = ROOT / "tests" / "vectors"


def shared_vectors(*parts: str) -> Path:
    """A folder of the public sample vectors, or skip the test with the reason."""
    path = VECTORS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared vectors not present at {path}")
    return path


def vector_files(*parts: str, pattern: str = "*") -> list[Path]:
    """Vector files for parametrisation; an empty list when the folder is absent."""
    path = VECTORS.joinpath(*parts)
    return sorted(p for p in path.glob(pattern) if p.is_file()) if path.exists() else []
