"""SWIFT MT codec throughput on one core, with the fastest PyPI parser as baseline.

    python bench/codec_mt.py [seconds-per-figure]

Message: the 414-byte CBPR+ MT 103 from ../shared/vectors/mt (mt103_out_50F_59F_cbpr.fin).
Figures: decode + full validation (envelope, field grammar, message spec, network rules, and
the canonical mapping), decode to the envelope alone, encode from canonical. Baselines:
`swiftlib` (parse only) and `mt103` (parse only), run in this process when installed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.codecs.base import Options  # noqa: E402
from hub.codecs.swift_mt import CODEC  # noqa: E402
from hub.codecs.swift_mt.envelope import scan  # noqa: E402

VECTOR = ROOT.parent / "shared" / "vectors" / "mt" / "mt103_out_50F_59F_cbpr.fin"


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second, best of three runs of about `seconds` / 3 each."""
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            for _ in range(200):
                fn()
            n += 200
        best = max(best, n / elapsed)
    return best


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    if not VECTOR.exists():
        print(f"vector not found at {VECTOR}")
        return
    raw = VECTOR.read_bytes()
    text = raw.decode("latin-1")
    options = Options()
    decoded = CODEC.decode(raw, None, options)
    assert decoded.ok and decoded.messages, decoded.diagnostics
    message = decoded.messages[0]
    print(f"message: {VECTOR.name}, {len(raw)} bytes")
    full = rate(lambda: CODEC.decode(raw, None, options), seconds)
    envelope = rate(lambda: scan(text), seconds)
    encode = rate(lambda: CODEC.encode([message], "mt103", options), seconds)
    print(f"decode + full validation : {full:>10,.0f} msgs/s  (target 50,000)")
    print(f"decode to envelope only  : {envelope:>10,.0f} msgs/s  (target 100,000)")
    print(f"encode from canonical    : {encode:>10,.0f} msgs/s  (target 50,000)")
    baselines: dict[str, float] = {}
    try:
        from swiftlib.mt import parse as swiftlib_parse

        baselines["swiftlib parse-only"] = rate(lambda: swiftlib_parse(text), seconds)
    except ImportError:
        print("note: swiftlib not installed, baseline skipped")
    try:
        from mt103 import MT103

        baselines["mt103 parse-only"] = rate(lambda: MT103(text), seconds)
    except ImportError:
        print("note: mt103 not installed, baseline skipped")
    for name, value in baselines.items():
        print(f"baseline {name:<17}: {value:>10,.0f} msgs/s")
    if baselines:
        name, fastest = max(baselines.items(), key=lambda kv: kv[1])
        print(f"ratio full validation / {name}: {full / fastest:.2f}")
        print(f"ratio envelope only     / {name}: {envelope / fastest:.2f}")


if __name__ == "__main__":
    main()
