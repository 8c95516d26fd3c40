"""Control numbers per trading partner: the protocol and its in-memory double."""

from __future__ import annotations

import asyncio

from hub.codecs.edi.control import ControlNumbers, MemoryControlNumbers


async def test_outgoing_numbers_increase_per_partner_and_kind() -> None:
    store = MemoryControlNumbers()
    assert isinstance(store, ControlNumbers)
    assert [await store.next_outgoing("ACME", "isa") for _ in range(3)] == [1, 2, 3]
    assert await store.next_outgoing("ACME", "gs") == 1
    assert await store.next_outgoing("OTHER", "isa") == 1
    assert await store.next_outgoing("ACME", "isa") == 4


async def test_concurrent_callers_never_share_a_number() -> None:
    store = MemoryControlNumbers()
    numbers = await asyncio.gather(*(store.next_outgoing("P", "unb") for _ in range(50)))
    assert sorted(numbers) == list(range(1, 51))


async def test_repeated_incoming_number_is_reported_as_seen() -> None:
    store = MemoryControlNumbers()
    assert await store.seen_incoming("ACME", "isa", "000000101") is False
    assert await store.seen_incoming("ACME", "isa", "000000101") is True
    assert await store.seen_incoming("ACME", "isa", "101") is True  # same number, other padding
    assert await store.seen_incoming("ACME", "gs", "101") is False
    assert await store.seen_incoming("OTHER", "isa", "000000101") is False
