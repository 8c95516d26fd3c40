"""EDI throughput: an 820 interchange with 1,000 payments and a PAYMUL with 1,000 C levels.

Prints payments/s decoded and mapped to canonical messages per CPU second of this process (one
core; CPU time rather than wall time, and the median of five rounds, so that other work on the
machine skews the figures less), and beside it the same bytes through the ansi-x12 and
pydifact parsers (tokenize + envelope only, no mapping) measured the same way in the same run,
with the ratio. Targets: >= 20,000 payments/s from an 820, >= 10,000/s from PAYMUL.

    python bench/codec_edi.py [--payments 1000] [--seconds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.codecs.base import Options
from hub.codecs.edi import edifact, remittance, x12
from hub.codecs.edi.remittance import RemittanceLine
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party

WHEN = datetime(2024, 3, 14, 9, 15, tzinfo=UTC)


def payments(count: int) -> list[Message]:
    out = []
    for n in range(count):
        lines = [RemittanceLine(doc_type="invoice", reference=f"INV-{n:06d}",
                                amount=Decimal(f"{100 + n % 900}.25"),
                                references=(("PO", f"PO-{n}"),))]
        info, extra = remittance.canonical_fields(lines, None)
        out.append(Message(
            kind=Kind.CUSTOMER_CREDIT_TRANSFER, instruction_id=f"TRACE-{n:08d}",
            amount=Money(value=Decimal(f"{100 + n % 900}.25"), currency="EUR"),
            settlement_date=date(2024, 3, 15), requested_execution_date=date(2024, 3, 15),
            debtor=Party(name="ORDERING CORPORATION", account="DE89370400440532013000"),
            debtor_agent=Agent(bic="COBADEFFXXX"),
            creditor=Party(name=f"SUPPLIER {n}", account="FR1420041010050500013M02606"),
            creditor_agent=Agent(bic="BNPAFRPPXXX"), charge_bearer=ChargeBearer.SHAR,
            remittance_info=info, extra=extra))
    return out


def rate(label: str, work: Callable[[], int], seconds: float, rounds: int = 5) -> float:
    """Payments per CPU second: the median of `rounds` rounds, so that a burst of load from
    elsewhere on the machine moves one round rather than the figure."""
    work()  # warm up
    rates = []
    for _ in range(rounds):
        done, start = 0, time.process_time()
        while (elapsed := time.process_time() - start) < seconds / rounds:
            done += work()
        rates.append(done / elapsed)
    per_second = statistics.median(rates)
    print(f"  {label:<52} {per_second:>10,.0f} payments/s  "
          f"(rounds {min(rates):,.0f}-{max(rates):,.0f})")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    messages = payments(args.payments)
    options = Options()
    x12_raw = x12.CODEC.encode(messages, "x12.820", options, sender="ORDERCO",
                               receiver="NVCBANK", control_number=1, when=WHEN)
    paymul_raw = edifact.CODEC.encode(messages, "edifact.paymul", options, sender="ORDERCO",
                                      receiver="NVCBANK", control_number="1", when=WHEN)
    assert len(x12.CODEC.decode(x12_raw, None, options).messages) == args.payments
    assert len(edifact.CODEC.decode(paymul_raw, None, options).messages) == args.payments
    print(f"820: {len(x12_raw):,} bytes, {args.payments} transaction sets; "
          f"PAYMUL: {len(paymul_raw):,} bytes, {args.payments} C levels")

    print("X12 820")
    ours = rate("hub x12: envelope checks + 820 -> canonical",
                lambda: len(x12.CODEC.decode(x12_raw, None, options).messages), args.seconds)
    try:
        from x12 import parse_x12_interchange, tokenize_x12
    except ImportError:
        print("  ansi-x12 not installed: baseline skipped (pip install ansi-x12)")
    else:
        def ansi() -> int:
            interchange = parse_x12_interchange(tokenize_x12(x12_raw))
            return sum(len(g.transactions) for g in interchange.groups)
        base = rate("ansi-x12: tokenize + envelope (no mapping)", ansi, args.seconds)
        print(f"  ratio hub / ansi-x12: {ours / base:.2f}")
    print(f"  target >= 20,000/s: {'met' if ours >= 20_000 else 'NOT met'}")

    print("EDIFACT PAYMUL")
    ours = rate("hub edifact: envelope checks + PAYMUL -> canonical",
                lambda: len(edifact.CODEC.decode(paymul_raw, None, options).messages),
                args.seconds)
    try:
        from pydifact.segmentcollection import Interchange
    except ImportError:
        print("  pydifact not installed: baseline skipped (pip install pydifact)")
    else:
        text = paymul_raw.decode("latin-1")
        warnings.simplefilter("ignore")  # pydifact warns that it has no D.24A segment tables

        def pyd() -> int:
            interchange = Interchange.from_str(text)
            segments = sum(1 for _ in interchange.segments)
            return segments and args.payments
        base = rate("pydifact: Interchange.from_str (no mapping)", pyd, args.seconds)
        print(f"  ratio hub / pydifact: {ours / base:.2f}")
    print(f"  target >= 10,000/s: {'met' if ours >= 10_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
