"""ISO 20022 codec throughput beside the raw lxml ceiling, measured in the same run.

    python bench/codec_iso.py [--seconds 2]

Prints messages per second on one core for:
  raw      lxml parse + XSD validation of the Document (the ceiling)
  decode   hub full decode: safe parse + XSD (AppHdr and Document) + profile + mapping
  xlate    MT103 -> pacs.008 translation (MT decode, CBPR+ rules, encode, re-decode, report)
and the ratios decode/raw (target >= 0.35) and the translation rate (target >= 10,000/s).
Needs the public vectors at ../shared/vectors (XSDs and samples).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.codecs.base import Options  # noqa: E402
from hub.codecs.iso20022 import CODEC  # noqa: E402
from hub.codecs.translate import translate  # noqa: E402

VECTORS = ROOT.parent / "shared" / "vectors" / "iso20022"
PACS008 = ROOT / "tests" / "vectors" / "iso20022" / "base-cbpr-pacs.008.xml"
FEDWIRE = VECTORS / "samples" / "fedwire" / "CustomerCreditTransfer_Scenario1_Step1_pacs.008.xml"
MT103 = VECTORS / "samples" / "cbpr-mt-mx" / "p_2_1_2__mt103_pacs_008_A_B.fin"


def rate(work: Callable[[], object], seconds: float) -> float:
    work()
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            work()
        count += 100
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    if not VECTORS.exists():
        print(f"shared vectors not present at {VECTORS}")
        return 1
    xsd = VECTORS / "xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd / "iso" / "pacs.008.001.08.xsd")))
    lxml_parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    plain = Options(schema_dir=xsd)
    cbpr = Options(schema_dir=xsd, profile="cbpr")
    fedwire = FEDWIRE.read_bytes()
    ours = PACS008.read_bytes()
    mt103 = MT103.read_bytes()
    assert CODEC.decode(ours, None, cbpr).ok and CODEC.decode(fedwire, None, plain).ok
    assert translate(mt103, "pacs.008", from_format="mt103", options=plain).ok

    def raw() -> bool:
        return bool(schema.validate(etree.fromstring(fedwire, lxml_parser)))

    print(f"pacs.008 {len(fedwire)} bytes (Fedwire sample, Document only); "
          f"{len(ours)} bytes (CBPR+ AppHdr + Document)")
    results = {
        "raw lxml parse+validate": rate(raw, args.seconds),
        "decode (no profile)": rate(lambda: CODEC.decode(fedwire, None, plain), args.seconds),
        "decode CBPR+ (AppHdr+Document, profile)": rate(
            lambda: CODEC.decode(ours, None, cbpr), args.seconds),
        "MT103 -> pacs.008 translation": rate(
            lambda: translate(mt103, "pacs.008", from_format="mt103", options=plain),
            args.seconds),
    }
    for name, value in results.items():
        print(f"{name:42} {value:10,.0f} msg/s")
    ceiling = results["raw lxml parse+validate"]
    print(f"{'ratio decode / raw':42} {results['decode (no profile)'] / ceiling:10.2f}"
          "   (target >= 0.35)")
    print(f"{'ratio decode CBPR+ / raw':42} "
          f"{results['decode CBPR+ (AppHdr+Document, profile)'] / ceiling:10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
