"""The EDI interpreter's compiled read side: bind functions against the full element check,
segment texts, `@extra`, and what the payments of one interchange share."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.codecs.base import Options
from hub.codecs.edi import edifact, x12
from hub.codecs.edi.grammar import F, Grammar, Loop, Reader, Seg, _Seg, dictionary
from hub.codecs.edi.pieces import segment_texts
from hub.codecs.edi.x12_820 import CODES as X12_CODES
from hub.codecs.edi.x12_820_table import GRAMMARS as X12_GRAMMARS
from hub.model import Agent, Kind, Message, Money, Party
from tests.support import OWN_VECTORS

WHEN = datetime(2024, 3, 14, 9, 15, tzinfo=UTC)
CODES = {kind: f"T.{kind}" for kind in X12_CODES}
ELEMENTS = dictionary("""
1 AN 2/5    text
2 ID 1/3    code
3 R 1/6     amount
4 N0 1/4    whole number
5 DT 8/8    date
6 TM 4/8    time
7 an..5     text
8 n..6      amount (a decimal field)
9 n..4      number
10 an..35   date (a date field)
""")
SAMPLES = ["", "A", "AB", "ABCDE", "ABCDEF", "1", "12", "1.5", "1,5", "-1.5", "1.2.3", "-", ".",
           "5.", ".5", "123456", "1234567", "12.3456", "0012", "١٢", "²", "1e5", "20240229",
           "20230229", "00000101", "2024031", "202403151200", "1234", "12345678", "X Y",
           "C", "D", "Z", "ZZZ"]


def _grammar(family: str, ref: str, codes: frozenset[str] | None) -> Grammar:
    component = 2 if family == "edifact" else 0
    fields = (F(1, ref, "O", "x", component=component, codes=codes),)
    return Grammar(family, Loop("T", "M", 1, (Seg("AAA", "M", 1, fields),)), ELEMENTS,
                   decimal_fields=("8",), date_fields=("10",))


def _findings() -> tuple[list[tuple[Any, ...]], Any]:
    found: list[tuple[Any, ...]] = []

    def report(*args: Any, **kwargs: Any) -> None:
        found.append((args, sorted(kwargs.items())))

    return found, report


@pytest.mark.parametrize(("family", "ref"), [("x12", ref) for ref in "123456"]
                         + [("edifact", ref) for ref in ("7", "8", "9", "10")])
@pytest.mark.parametrize("codes", [None, frozenset({"C", "D", "ZZZ", "1"})])
def test_bind_reads_every_value_as_the_full_check_does(family: str, ref: str,
                                                       codes: frozenset[str] | None) -> None:
    grammar = _grammar(family, ref, codes)
    rule = grammar.root.items[0]
    assert isinstance(rule, _Seg)
    for decimal in (".", ",") if family == "edifact" else (".",):
        for text in SAMPLES:
            found, report = _findings()
            seg: list[Any] = ["AAA", text] if family == "x12" else [["AAA"], ["", text]]
            record = Reader(grammar, report, decimal=decimal, codes=CODES).read([seg])
            expected, check_report = _findings()
            checker = Reader(grammar, check_report, decimal=decimal, codes=CODES)
            value = checker.check(rule, rule.fields[0], text, 0) if text else None
            assert found == expected, (text, decimal)
            assert record.get("x") == value and type(record.get("x")) is type(value), text
            assert ("@bad" in record) == bool(expected)


def test_segment_texts_are_the_pieces_stripped_of_line_breaks() -> None:
    rng = random.Random(9735)
    parts = ["A", "B1", "~", "'", "\n", "\r", "\r\n", "~\n", "'\n", "~\r\n", "  "]
    for _ in range(20_000):
        terminator = rng.choice("~'\n")
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 14)))
        pieces = text.split(terminator)
        tail = pieces.pop()
        got = segment_texts(text, terminator)
        assert got.pop().strip() == tail.strip(), repr(text)
        assert [p for p in got if p] == [p.strip("\r\n") for p in pieces if p.strip("\r\n")]


def test_extra_fields_are_listed_in_the_order_they_were_filled() -> None:
    body = [["BPR", "C", "10", "C", "ACH"], ["TRN", "1", "T-1"], ["REF", "ZZ", "first"],
            ["REF", "AB", "second"], ["REF", "ZZ", "again"], ["DTM", "007", "20240102"]]
    found, report = _findings()
    record = Reader(X12_GRAMMARS["004010"], report, codes=X12_CODES).read(body)
    assert record["@extra"] == ["extra.x12.ref.ZZ", "extra.x12.ref.AB", "extra.x12.dtm.007"]
    assert record["extra.x12.ref.ZZ"] == "first"  # a repeated qualifier: the first is used
    assert [args[0] for args, _ in found] == ["X12.SEGMENT_IGNORED"]


def _payments(count: int) -> list[Message]:
    return [Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, instruction_id=f"T-{n}",
                    amount=Money(value=Decimal("10.00"), currency="EUR"),
                    debtor=Party(name="ORDERING CO", account="DE89370400440532013000"),
                    debtor_agent=Agent(bic="COBADEFFXXX"),
                    creditor=Party(name=f"SUPPLIER {n}", account="FR1420041010050500013M02606"),
                    creditor_agent=Agent(bic="BNPAFRPPXXX")) for n in range(count)]


@pytest.mark.parametrize("fmt", ["x12.820", "edifact.paymul", "edifact.payext"])
def test_payments_of_one_interchange_share_their_frozen_parties_and_banks(fmt: str) -> None:
    codec = x12.CODEC if fmt.startswith("x12") else edifact.CODEC
    raw = codec.encode(_payments(3), fmt, Options(), sender="A", receiver="B",
                       control_number=1, when=WHEN)
    first, second, third = codec.decode(raw, None, Options()).messages
    assert first.debtor is second.debtor is third.debtor
    assert first.debtor_agent is second.debtor_agent
    assert first.creditor_agent is third.creditor_agent
    assert first.creditor != second.creditor
    assert [m.creditor.name for m in (first, second, third) if m.creditor] == \
        ["SUPPLIER 0", "SUPPLIER 1", "SUPPLIER 2"]


def test_payment_whose_amount_has_an_unmapped_qualifier_is_refused() -> None:
    raw = (OWN_VECTORS / "edi" / "edifact" / "paymul_01_two_b_levels_decimal_comma.edi"
           ).read_bytes()
    text = raw.decode("latin-1")
    seq = text.index("SEQ")
    moa = text.index("MOA+9:", seq)
    bad = (text[:moa] + "MOA+9CR:" + text[moa + len("MOA+9:"):]).encode("latin-1")
    decoded = edifact.CODEC.decode(bad, None, Options())
    assert decoded.messages == []
    codes = [d.code for d in decoded.diagnostics if d.is_error]
    assert codes == ["EDIFACT.SEGMENT_MISSING"]
    assert [d.code for d in decoded.diagnostics if not d.is_error] == ["EDIFACT.SEGMENT_IGNORED"]


def test_a_body_with_tags_read_before_is_replayed_with_the_same_findings() -> None:
    grammar = X12_GRAMMARS["005010"]
    body = [["BPR", "C", "10", "C", "ACH"], ["N1", "PR", "PAYER"], ["ZZZ", "1"],
            ["N3", "1 MAIN ST"], ["N1", "XX", "UNMAPPED"], ["N3", "NOT READ"],
            ["ENT", "1"], ["RMR", "IV", "INV-1", "", "10"], ["REF", "PO", "P-1"],
            ["RMR", "IV", "INV-2", "", "-2.5"], ["ADX", "1", "X"]]
    other = [list(seg) for seg in body]
    other[0][2] = "1O"  # same tags, other values: an element finding of its own
    grammar.plans.clear()
    runs = []
    for segments in (body, body, other):
        found, report = _findings()
        record = Reader(grammar, report, codes=X12_CODES).read(segments)
        runs.append((found, record))
    assert len(grammar.plans) == 1  # walked once, then replayed
    assert runs[1] == runs[0]
    codes = [args[0] for args, _ in runs[0][0]]
    assert codes == ["X12.SEGMENT_MISSING", "X12.SEGMENT_UNEXPECTED", "X12.SEGMENT_IGNORED",
                     "X12.ELEMENT_LENGTH"]
    assert [args[0] for args, _ in runs[2][0]] == ["X12.AMOUNT", *codes]
    assert runs[0][1]["debtor.address.lines"] == ["1 MAIN ST"]
    assert [line["amount"] for line in runs[0][1]["lines"]] == [Decimal("10"), Decimal("-2.5")]
