"""SWIFT MT codec throughput on one core, with the fastest PyPI parser as baseline.

    python bench/codec_mt.py [seconds-per-figure] [runs]      (defaults: 3 s, 10 runs)

Message: the 414-byte CBPR+ MT 103 from ../shared/vectors/mt (mt103_out_50F_59F_cbpr.fin).
Figures, in messages per second of CPU time (time.process_time: the machine is shared, so wall
time says more about the neighbours than about the code), best of `runs` interleaved runs:

    decode + validate (no mapping)   CODEC.check_only: envelope, field grammar, message
                                     structure, network rules; every diagnostic, no canonical
                                     Message built
    decode + validate + mapping      CODEC.decode: the same plus the canonical Message
    decode to envelope only          envelope.scan
    encode from canonical            CODEC.encode

Each decode figure is given twice: the same message over and over, and a pool of 1,000
different valid variants of it (references, amounts, dates, UETRs, names, accounts, and BICs
drawn from 200 banks), so that what is kept between messages (field layouts, date checks,
option A agents) helps only as much as it would with real traffic.
Baselines: `swiftlib` (parse only) and `mt103` (parse only), run in this process when installed.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.codecs.base import Options  # noqa: E402
from hub.codecs.swift_mt import CODEC  # noqa: E402
from hub.codecs.swift_mt.envelope import scan  # noqa: E402

VECTOR = ROOT.parent / "shared" / "vectors" / "mt" / "mt103_out_50F_59F_cbpr.fin"
T = TypeVar("T")


def timed(fn: Callable[[T], object], inputs: Sequence[T], seconds: float) -> float:
    """Calls per CPU second over about `seconds`."""
    n, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        for item in inputs:
            fn(item)
        n += len(inputs)
    return n / elapsed


def best_rates(cases: dict[str, tuple[Callable[[Any], object], Sequence[Any]]], seconds: float,
               runs: int) -> dict[str, float]:
    """Best of `runs` rates per case; runs are interleaved, so that every case gets its share
    of the quieter moments of a shared machine."""
    best = dict.fromkeys(cases, 0.0)
    for _ in range(runs):
        for name, (fn, inputs) in cases.items():
            best[name] = max(best[name], timed(fn, inputs, seconds / runs))
    return best


def variants(raw: bytes, count: int, seed: int = 2025) -> list[bytes]:
    """`count` different valid MT 103s of the same layout as `raw`."""
    rng = random.Random(seed)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    banks = [f"{''.join(rng.choices(letters, k=4))}{rng.choice(['DE', 'FR', 'SG', 'AU', 'US'])}"
             f"{''.join(rng.choices(letters + '23456789', k=2))}" for _ in range(200)]
    text = raw.decode("latin-1")
    out: list[bytes] = []
    for i in range(count):
        words = " ".join(rng.choice(["North", "Bay", "Trading", "Ltd", "Marine", "Group"])
                         for _ in range(3))
        changed = (text
                   .replace("174c245f-2682-4291-ad67-2a41e530cd27",
                            str(UUID(int=rng.getrandbits(128), version=4)))
                   .replace("pacs8bizmsgidr01", f"REF{i:013d}")
                   .replace("200805SGD500000,", f"{rng.randint(20, 29)}{rng.randint(1, 12):02d}"
                            f"{rng.randint(1, 28):02d}SGD{rng.randint(1, 10**9)},"
                            f"{rng.randint(0, 99):02d}")
                   .replace("458756241", str(rng.randint(10**8, 10**12)))
                   .replace("985412687", str(rng.randint(10**8, 10**12)))
                   .replace("Australian Submarine", words)
                   .replace("Agoda Company", words[::-1].strip().title())
                   .replace("E2E04044506271305", f"E2E{rng.randint(10**9, 10**12)}")
                   .replace(":52A:WPACAU2S", f":52A:{rng.choice(banks)}")
                   .replace(":56A:DBSSSGSG", f":56A:{rng.choice(banks)}")
                   .replace(":57A:UOVBSGSG", f":57A:{rng.choice(banks)}"))
        out.append(changed.encode("latin-1"))
    return out


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    if not VECTOR.exists():
        print(f"vector not found at {VECTOR}")
        return
    raw = VECTOR.read_bytes()
    text = raw.decode("latin-1")
    options = Options()
    decoded = CODEC.decode(raw, None, options)
    assert decoded.ok and decoded.messages, decoded.diagnostics
    pool = variants(raw, 1000)
    pool_decoded = [CODEC.decode(r, None, options) for r in pool]
    for d in pool_decoded:
        assert d.diagnostics == [] and d.messages, d.diagnostics
    assert len(set(pool)) == len(pool)
    print(f"message: {VECTOR.name}, {len(raw)} bytes; msgs per CPU second, best of {runs} runs")

    def check_only(r: bytes) -> object:
        return CODEC.check_only(r, None, options)

    def decode(r: bytes) -> object:
        return CODEC.decode(r, None, options)

    def encode(m: object) -> object:
        return CODEC.encode([m], "mt103", options)  # type: ignore[list-item]

    rows = [
        ("decode + validate (no mapping)", check_only, [raw], pool, 50_000),
        ("decode + validate + mapping", decode, [raw], pool, None),
        ("decode to envelope only", scan, [text], [r.decode("latin-1") for r in pool], 100_000),
        ("encode from canonical", encode, [decoded.messages[0]],
         [d.messages[0] for d in pool_decoded], 50_000),
    ]
    cases: dict[str, tuple[Callable[[Any], object], Sequence[Any]]] = {}
    for name, fn, same, varied, _target in rows:
        cases[f"{name}|same"] = (fn, same * 200)
        cases[f"{name}|varied"] = (fn, varied)
    try:
        from swiftlib.mt import parse as swiftlib_parse

        cases["swiftlib parse-only"] = (swiftlib_parse, [text] * 200)
    except ImportError:
        print("note: swiftlib not installed, baseline skipped")
    try:
        from mt103 import MT103

        cases["mt103 parse-only"] = (MT103, [text] * 200)
    except ImportError:
        print("note: mt103 not installed, baseline skipped")
    gc.collect()
    gc.freeze()  # the pools above are the bench's own data: no collector passes over them
    best = best_rates(cases, seconds, runs)
    print(f"{'':32}{'same message':>14}{'1,000 varied':>14}{'target':>10}")
    for name, _fn, _same, _varied, target in rows:
        print(f"{name:<32}{best[name + '|same']:>14,.0f}{best[name + '|varied']:>14,.0f}"
              f"{f'{target:,}' if target else '-':>10}")
    baselines = {k: v for k, v in best.items() if "|" not in k}
    for name, value in baselines.items():
        print(f"baseline {name:<23}{value:>14,.0f}")
    if baselines:
        base, fastest = max(baselines.items(), key=lambda kv: kv[1])
        for name, *_ in rows:
            print(f"ratio {name} (varied) / {base}: {best[name + '|varied'] / fastest:.2f}")

if __name__ == "__main__":
    main()
