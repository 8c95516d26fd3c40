"""ISO 20022 codec throughput beside the raw lxml ceiling, measured in the same run.

    python bench/codec_iso.py [--seconds 3] [--rounds 5]

Prints messages per second of CPU time (process time: other work on a shared machine does not
count against us) on one core for:
  raw      lxml parse + XSD validation (the ceiling): of the Fedwire Document, and of the CBPR+
           AppHdr + Document (both parts validated, as decoding does)
  decode   hub full decode: safe parse + XSD + (profile) + mapping to the canonical model
  xlate    MT103 -> pacs.008 translation (MT decode, CBPR+ rules, encode, read-back, report),
           and the same with verify=True (the output re-parsed and XSD-validated)
and the ratios decode/raw on the same bytes (target >= 0.35) and the translation rate (target
>= 10,000/s). Each figure is the best of --rounds rounds. Needs the public vectors at
../shared/vectors (XSDs and samples).
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
from hub.codecs.iso20022 import CODEC, tree  # noqa: E402
from hub.codecs.translate import translate  # noqa: E402

VECTORS = ROOT.parent / "shared" / "vectors" / "iso20022"
PACS008 = ROOT / "tests" / "vectors" / "iso20022" / "base-cbpr-pacs.008.xml"
FEDWIRE = VECTORS / "samples" / "fedwire" / "CustomerCreditTransfer_Scenario1_Step1_pacs.008.xml"
MT103 = VECTORS / "samples" / "cbpr-mt-mx" / "p_2_1_2__mt103_pacs_008_A_B.fin"


def rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per CPU second of this process, after one warm-up call."""
    work()
    count, start = 0, time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(100):
            work()
        count += 100
        now = time.process_time()
        if now >= deadline:
            return count / (now - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not VECTORS.exists():
        print(f"shared vectors not present at {VECTORS}")
        return 1
    xsd = VECTORS / "xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd / "iso" / "pacs.008.001.08.xsd")))
    head = etree.XMLSchema(etree.parse(str(xsd / "iso" / "head.001.001.02.xsd")))
    lxml_parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    plain = Options(schema_dir=xsd)
    cbpr = Options(schema_dir=xsd, profile="cbpr")
    fedwire = FEDWIRE.read_bytes()
    ours = PACS008.read_bytes()
    mt103 = MT103.read_bytes()
    assert CODEC.decode(ours, None, cbpr).ok and CODEC.decode(fedwire, None, plain).ok
    assert translate(mt103, "pacs.008", from_format="mt103", options=plain).ok

    def raw_document() -> bool:
        return bool(schema.validate(etree.fromstring(fedwire, lxml_parser)))

    def raw_with_header() -> bool:
        root = etree.fromstring(ours, lxml_parser)
        return bool(head.validate(root[0])) and bool(schema.validate(root[1]))

    print(f"pacs.008 {len(fedwire)} bytes (Fedwire sample, Document only); "
          f"{len(ours)} bytes (CBPR+ AppHdr + Document); CPU time, best of {args.rounds}")
    print("data form read by the " + ("C reader (_dataform.c)" if tree.C_READER is not None
                                      else "Python reader (the C reader was not built)"))
    work: dict[str, Callable[[], object]] = {
        "raw lxml parse+validate (Fedwire)": raw_document,
        "decode (no profile, Fedwire)": lambda: CODEC.decode(fedwire, None, plain),
        "raw lxml parse+validate (CBPR+)": raw_with_header,
        "decode (no profile, CBPR+)": lambda: CODEC.decode(ours, None, plain),
        "decode CBPR+ profile (CBPR+)": lambda: CODEC.decode(ours, None, cbpr),
        "MT103 -> pacs.008 translation": lambda: translate(
            mt103, "pacs.008", from_format="mt103", options=plain),
        "MT103 -> pacs.008 translation, verify": lambda: translate(
            mt103, "pacs.008", from_format="mt103", options=plain, verify=True),
    }
    results = dict.fromkeys(work, 0.0)
    for _ in range(args.rounds):  # interleaved, so a busy moment hits every figure alike
        for name, call in work.items():
            results[name] = max(results[name], rate(call, args.seconds / args.rounds))
    for name, value in results.items():
        print(f"{name:42} {value:10,.0f} msg/s")
    fed_ceiling = results["raw lxml parse+validate (Fedwire)"]
    cbpr_ceiling = results["raw lxml parse+validate (CBPR+)"]
    print(f"{'ratio decode / raw (Fedwire)':42} "
          f"{results['decode (no profile, Fedwire)'] / fed_ceiling:10.2f}   (target >= 0.35)")
    print(f"{'ratio decode / raw (CBPR+)':42} "
          f"{results['decode (no profile, CBPR+)'] / cbpr_ceiling:10.2f}   (target >= 0.35)")
    print(f"{'ratio decode CBPR+ profile / raw (CBPR+)':42} "
          f"{results['decode CBPR+ profile (CBPR+)'] / cbpr_ceiling:10.2f}   (target >= 0.35)")
    print(f"{'translation':42} {results['MT103 -> pacs.008 translation']:10,.0f} msg/s"
          "   (target >= 10,000)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
