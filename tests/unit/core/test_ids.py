"""hub.ids: identifiers drawn from the kernel's randomness, and UUIDs read from text exactly as
uuid.UUID reads them."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.ids import V4_BITS, V4_MASK, uuid4, uuid_from_text


def test_uuid4_is_version_4_and_unique() -> None:
    drawn = {uuid4() for _ in range(2_000)}
    assert len(drawn) == 2_000
    assert all(u.version == 4 and u.int & V4_MASK == V4_BITS for u in drawn)


def _as_uuid_reads(text: str) -> uuid.UUID | type[Exception]:
    try:
        return uuid.UUID(text)
    except ValueError:
        return ValueError


def _as_we_read(text: str) -> uuid.UUID | type[Exception]:
    try:
        return uuid_from_text(text)
    except ValueError:
        return ValueError


HEX = "0123456789abcdefABCDEF"
SHAPED = st.uuids().map(str) | st.uuids().map(lambda u: u.hex) | st.uuids().map(
    lambda u: "{" + str(u) + "}") | st.uuids().map(lambda u: u.urn)
NEAR = st.text(alphabet=HEX + "-{}:urnid x_+", min_size=28, max_size=40)


@given(SHAPED | NEAR)
def test_reads_what_uuid_reads(text: str) -> None:
    ours, theirs = _as_we_read(text), _as_uuid_reads(text)
    assert ours == theirs
    if isinstance(ours, uuid.UUID):
        assert isinstance(theirs, uuid.UUID)
        assert (ours.version, ours.variant, str(ours), ours.is_safe) == \
            (theirs.version, theirs.variant, str(theirs), theirs.is_safe)


@pytest.mark.parametrize("text", [
    "", "not a uuid", "12345678-1234-1234-1234-12345678901g", "{12345678123412341234123456789}",
    "0x345678-1234-1234-1234-123456789012",  # int() takes the prefix, so UUID does too
    " 2345678-1234-1234-1234-123456789012", "1_345678-1234-1234-1234-123456789012"])
def test_edge_cases_read_as_uuid_reads_them(text: str) -> None:
    assert _as_we_read(text) == _as_uuid_reads(text)
