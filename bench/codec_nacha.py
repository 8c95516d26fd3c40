"""NACHA read throughput: entries per second for a generated file beside a slicing baseline.

    python bench/codec_nacha.py [entries]

Prints, for one file of N entries (default 20,000; a third debits, a fifth with a remittance
addenda) on one core:
  baseline        a plain loop that only slices each 94-character record into its fields
  read            the record layer as decode uses it: every record matched against its layout,
                  transaction codes, check digits, addenda, entry hash, totals, counts, block
                  count (a batch body at a time)
  record by record  the same read one record at a time (the reference the bulk path is tested
                  against)
  decode          read plus one canonical Message per entry (the hub.codecs decode path)
and each one's ratio to the baseline, measured in the same run (best of several runs; the
machine is shared, so run it a few times).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.codecs.base import Options
from hub.codecs.nacha import CODEC, read
from hub.codecs.nacha.reader import Reader
from tests.unit.nacha.generated import ach_file


def generate(count: int) -> bytes:
    return ach_file(count, companies=4, remittance_every=5)


# the entry layout's field slices, written out as a fixed baseline
SLICES = [slice(0, 1), slice(1, 3), slice(3, 11), slice(11, 12), slice(12, 29),
          slice(29, 39), slice(39, 54), slice(54, 76), slice(76, 78), slice(78, 79),
          slice(79, 94)]


def baseline(raw: bytes) -> int:
    count = 0
    for line in raw.decode("latin-1").split("\n"):
        fields = [line[s] for s in SLICES]
        if fields[0] == "6":
            count += 1
    return count


def best(fn: Callable[[], object], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


TARGET = 200_000  # NACHA read, entries per second on one core (issue 4)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    raw = generate(count)
    file, diagnostics = read(raw)
    entries = sum(len(b.entries) for b in file.batches)
    assert entries == count and not [d for d in diagnostics if d.is_error], diagnostics[:3]
    assert len(CODEC.decode(raw, "nacha", Options()).messages) == count
    text = raw.decode("latin-1")
    base = best(lambda: baseline(raw))
    reader = best(lambda: read(raw))
    single = best(lambda: Reader(bulk=False).read(text), repeat=5)
    full = best(lambda: CODEC.decode(raw, "nacha", Options()), repeat=5)
    print(f"file: {count} entries, {len(raw.splitlines())} records, {len(raw)} bytes")
    for name, seconds in (("baseline (slice only)", base), ("read (records + controls)", reader),
                          ("read, record by record", single),
                          ("decode (read + canonical)", full)):
        print(f"{name:28s} {count / seconds:12,.0f} entries/s   ratio {base / seconds:5.2f}")
    verdict = "meets" if count / reader >= TARGET else "MISSES"
    print(f"read {verdict} the target of {TARGET:,} entries/s")


if __name__ == "__main__":
    main()
