"""Read an ACH file into its records and verify the structure and every control total.

The result is the lossless envelope (`AchFile`: file header, batches of entries with their
addenda, controls, each record's fields as written) plus every finding as a Diagnostic located
by line, column and field name. Nothing here raises on bad input.

Entry details are most of every file, so they are read a batch body at a time: the run of entry
and addenda records between a batch header and the next other record is checked with one pass
per control (pattern match of each entry, transaction codes, check digits, entry hash, debit and
credit totals, service class, trace order; addenda of one type the SEC code allows likewise)
instead of record by record. A run that is not clean (a record of the wrong length, an entry
that breaks its layout, mixed addenda) goes through the record-by-record path, which says
exactly which column is wrong. Both paths report the same findings and build the same envelope;
tests/unit/nacha/test_nacha_bulk.py holds them to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import accumulate, chain, repeat
from math import ceil
from operator import eq, lt

from hub.codecs.nacha import layouts as L
from hub.codecs.nacha.codes import diag
from hub.codecs.nacha.records import ABA_TRIPLES, Layout, check_digit
from hub.errors import Diagnostic, Severity

FILE_HEADER = Layout("file header", L.FILE_HEADER)
BATCH_HEADER = Layout("batch header", L.BATCH_HEADER)
IAT_BATCH_HEADER = Layout("batch header", L.IAT_BATCH_HEADER)
ENTRY = Layout("entry", L.ENTRY)
CTX_ENTRY = Layout("entry", L.CTX_ENTRY)
IAT_ENTRY = Layout("entry", L.IAT_ENTRY)
ADDENDA = {"05": Layout("addenda", L.ADDENDA_05), "98": Layout("addenda", L.ADDENDA_98),
           "99": Layout("addenda", L.ADDENDA_99),
           **{code: Layout("addenda", rows) for code, rows in L.IAT_ADDENDA.items()}}
BATCH_CONTROL = Layout("batch control", L.BATCH_CONTROL)
FILE_CONTROL = Layout("file control", L.FILE_CONTROL)
MAX_RECORDS = 2_000_000  # a file larger than this is refused rather than read

_CHECK_DIGITS: dict[str, str] = {}


def routing_check_digit(rdfi: str) -> str:
    digit = _CHECK_DIGITS.get(rdfi)
    if digit is None:
        digit = check_digit(rdfi)
        if len(_CHECK_DIGITS) < 65536:
            _CHECK_DIGITS[rdfi] = digit
    return digit


def entry_layout(sec: str) -> Layout:
    return CTX_ENTRY if sec == "CTX" else IAT_ENTRY if sec == "IAT" else ENTRY


_DEBIT_DIGITS = frozenset("56789")
_CREDIT_DIGITS = frozenset("01234")
_NOT_BODY = re.compile("[^67]")  # a record type that ends a batch body (entries, addenda)


def is_debit(transaction_code: str) -> bool:
    return transaction_code[1:2] in _DEBIT_DIGITS


class Record:
    """One record: its line number, its text, and its fields (cut from the text when asked)."""

    __slots__ = ("_fields", "layout", "line", "ok", "text")

    def __init__(self, line: int, layout: Layout, text: str, ok: bool = True) -> None:
        self.line = line
        self.layout = layout
        self.text = text
        self.ok = ok
        self._fields: dict[str, str] | None = None

    @property
    def fields(self) -> dict[str, str]:
        if self._fields is None:
            self._fields = self.layout.split(self.text)
        return self._fields

    def __repr__(self) -> str:
        return f"Record(line={self.line}, {self.layout.name}, ok={self.ok})"


class Entry(Record):
    """An entry detail record and the addenda records that follow it.

    Most entries carry no addenda, so they share one empty tuple until their first addenda
    record arrives (a list per entry would double the cost of reading one)."""

    __slots__ = ("addenda",)

    def __init__(self, line: int, layout: Layout, text: str, ok: bool = True) -> None:
        self.line = line
        self.layout = layout
        self.text = text
        self.ok = ok
        self._fields = None
        self.addenda: list[tuple[str, Record]] | tuple[()] = ()  # (addenda type, record)

    @property
    def record(self) -> Record:
        """The entry detail record (the entry itself)."""
        return self

    @property
    def trace(self) -> str:
        return self.text[self.layout.slices["trace_number"]]

    def add(self, kind: str, record: Record) -> None:
        if isinstance(self.addenda, list):
            self.addenda.append((kind, record))
        else:
            self.addenda = [(kind, record)]

    def __repr__(self) -> str:
        return f"Entry(line={self.line}, ok={self.ok}, {len(self.addenda)} addenda)"


@dataclass(slots=True)
class Batch:
    header: Record
    sec: str
    layout: Layout
    service: str
    entries: list[Entry] = field(default_factory=list)
    control: Record | None = None
    # running totals, kept while reading
    count: int = 0
    hash: int = 0
    debit: int = 0
    credit: int = 0


@dataclass(slots=True)
class AchFile:
    header: Record | None = None
    batches: list[Batch] = field(default_factory=list)
    control: Record | None = None
    filler: int = 0


def split_records(text: str) -> list[str]:
    """Physical records: one per line, or 94-character slices of a file without line breaks."""
    lines = text.split("\n")
    if len(lines) <= 2 and len(lines[0].rstrip("\r")) > L.RECORD_LENGTH:
        body = lines[0].rstrip("\r")
        if len(body) % L.RECORD_LENGTH == 0:
            return [body[i:i + L.RECORD_LENGTH] for i in range(0, len(body), L.RECORD_LENGTH)]
    while lines and not lines[-1].strip():
        lines.pop()
    if "\r" not in text:
        return lines
    return [line[:-1] if line.endswith("\r") else line for line in lines]


class Reader:
    def __init__(self, lenient: frozenset[str] = frozenset(), bulk: bool = True) -> None:
        self.lenient = lenient
        self.bulk = bulk  # False reads every record on its own (the reference the tests hold)
        self.diagnostics: list[Diagnostic] = []
        self.file = AchFile()
        self.batch: Batch | None = None
        self.entry: Entry | None = None
        self.records = 0  # physical records up to and including the file control
        self.last_trace = ""

    # -- reporting ---------------------------------------------------------------------------

    def fail(self, code: str, message: str, line: int, col: int | None = None,
             what: str = "", severity: Severity = Severity.ERROR) -> None:
        where = f"line {line}" + (f" col {col}" if col is not None else "")
        self.diagnostics.append(diag(code, message, f"{where} ({what})" if what else where,
                                     severity))

    def field_fail(self, code: str, message: str, line: int, layout: Layout, name: str,
                   severity: Severity = Severity.ERROR) -> None:
        f = layout.by_name[name]
        self.fail(code, message, line, f.start, f"{layout.name} {f.title}", severity)

    def parse(self, layout: Layout, n: int, line: str) -> Record:
        if layout.regex.fullmatch(line) is not None and not layout.checked:
            return Record(n, layout, line)
        return Record(n, layout, line, self.checked(layout, n, line))

    def checked(self, layout: Layout, n: int, line: str) -> bool:
        """Reports every field of the record that breaks its layout; True when none does."""
        problems = layout.problems(line)
        for f, reason in problems:
            code = ("ACH.VALUE" if f.rule.startswith("=") else
                    "ACH.DATE" if f.rule in ("date", "date?", "time?", "julian?")
                    and "numeric" not in reason else
                    "ACH.NUMERIC" if f.type == "N" else "ACH.CHARSET")
            self.fail(code, f"{f.title} {reason}", n, f.start, f"{layout.name} {f.title}")
        return not problems

    # -- the file ----------------------------------------------------------------------------

    def read(self, text: str) -> AchFile:
        lines = split_records(text)
        if len(lines) > MAX_RECORDS:
            self.fail("ACH.TOO_LARGE", f"{len(lines)} records is over the {MAX_RECORDS} limit", 1)
            return self.file
        total = len(lines)
        # each record's type code, one character per record, to find batch bodies in
        kinds = "".join([line[:1] or " " for line in lines]) if self.bulk else ""
        i = 0
        while i < total:
            line = lines[i]
            if line[:1] == "6" and self.bulk and self.batch is not None:
                found = _NOT_BODY.search(kinds, i)
                end = found.start() if found else total
                run = lines[i:end]
                if not self.read_run(i + 1, run, kinds[i:end]):
                    for k, record in enumerate(run, i + 1):
                        self.read_record(k, record)
                i = end
                continue
            self.read_record(i + 1, line)
            i += 1
        self.finish(total)
        return self.file

    def read_record(self, n: int, line: str) -> None:
        if len(line) != L.RECORD_LENGTH:
            if not line.strip():
                self.fail("ACH.RECORD_LENGTH", "blank line skipped", n, severity=Severity.WARNING)
                return
            line = self.resize(n, line)
        kind = line[0]
        if kind == "6":
            self.read_entry(n, line)
        elif kind == "7":
            self.read_addenda(n, line)
        elif kind == "5":
            self.read_batch_header(n, line)
        elif kind == "8":
            self.read_batch_control(n, line)
        elif kind == "9":
            self.read_nine(n, line)
        elif kind == "1":
            self.read_file_header(n, line)
        else:
            self.records += 1  # still a physical record of the block
            self.fail("ACH.RECORD_TYPE", f"unknown record type {kind!r}", n, 1,
                      "record type code")

    def read_run(self, first: int, run: list[str], kinds: str) -> bool:
        """A batch body (entries and their addenda, from line `first`; `kinds` their record
        type codes) read a control at a time.

        Returns False, having changed nothing, when the run is not clean enough for that (a
        record of the wrong length, an entry that breaks its layout): the caller then reads it
        record by record."""
        batch = self.batch
        assert batch is not None
        layout = batch.layout
        plain = "7" not in kinds
        entries = run if plain else [line for line, k in zip(run, kinds, strict=True)
                                     if k == "6"]
        # a full match of the layout also proves an entry is 94 characters long
        if layout.checked or not all(map(layout.regex.fullmatch, entries)) or \
                (not plain and {len(line) for line in run} != {L.RECORD_LENGTH}):
            return False
        numbers = range(first, first + len(run)) if plain else \
            [n for n, k in enumerate(kinds, first) if k == "6"]
        if self.entry is not None:
            self.close_entry()
        self.entry_controls(batch, entries, numbers)

        # the envelope: one Entry per entry detail, then its addenda records
        made = list(map(Entry, numbers, repeat(layout), entries))
        batch.entries.extend(made)
        places = [] if plain else [k for k, kind in enumerate(kinds) if kind != "6"]
        owners = [] if plain else list(accumulate(map(eq, kinds, repeat("6"))))
        kind = self.read_addenda_run(first, run, places, owners, made) if places else None
        if places and kind is None:
            for k in places:
                self.entry = made[owners[k] - 1]
                self.read_addenda(first + k, run[k])
        # What needs all of an entry's addenda (indicator, how many) for every entry but the
        # last, which stays open as on the record-by-record path.
        suspects: set[int] | range = range(len(made) - 1)
        if layout is ENTRY and (plain or kind is not None):
            at = layout.slices["addenda_indicator"].start
            flagged = {i for i, line in enumerate(entries) if line[at] != "0"}
            carrying = {owners[k] - 1 for k in places}
            most = 1 if kind in ("98", "99") else \
                L.SEC_ADDENDA.get(batch.sec, (frozenset(), 1))[1]
            clean = flagged == carrying and all(entries[i][at] == "1" for i in flagged) and \
                (len(places) == len(carrying) or
                 max(len(made[i].addenda) for i in carrying) <= most)
            suspects = set() if clean else flagged | carrying
        for i in sorted(suspects):
            if i < len(made) - 1:
                self.check_entry(made[i], batch)
        self.entry = made[-1]
        return True

    def entry_controls(self, batch: Batch, entries: list[str],
                       numbers: range | list[int]) -> None:
        """Transaction codes, check digits, entry hash, totals, service class and trace order
        of a run of well-formed entry details, each control in one pass over them all."""
        layout = batch.layout
        s = layout.slices
        code, rdfi, amount, trace = (s["transaction_code"], s["rdfi"], s["amount"],
                                     s["trace_number"])
        debit = code.start + 1  # the second digit of the transaction code
        found: list[tuple[int, int, str, str, str, Severity]] = []
        if not {line[code] for line in entries} <= L.TRANSACTION_CODES:
            found.extend((k, 0, "ACH.TRANSACTION_CODE", f"unknown transaction code "
                          f"{line[code]!r}", "transaction_code", Severity.ERROR)
                         for k, line in enumerate(entries)
                         if line[code] not in L.TRANSACTION_CODES)
        a, b, c, d = rdfi.start, rdfi.start + 3, rdfi.start + 6, s["check_digit"].stop
        for k in [k for k, line in enumerate(entries)
                  if (ABA_TRIPLES[line[a:b]] + ABA_TRIPLES[line[b:c]] + ABA_TRIPLES[line[c:d]])
                  % 10]:
            line = entries[k]
            found.append((k, 1, "ACH.CHECK_DIGIT", f"check digit {line[d - 1]} is wrong for "
                          f"routing number {line[rdfi]} (expected "
                          f"{routing_check_digit(line[rdfi])})", "check_digit", Severity.ERROR))
        batch.hash += sum(map(int, [line[rdfi] for line in entries]))
        debits = [line[amount] for line in entries if line[debit] in _DEBIT_DIGITS]
        batch.debit += sum(map(int, debits))
        credits = 0
        if len(debits) != len(entries):
            credit_amounts = [line[amount] for line in entries
                              if line[debit] not in _DEBIT_DIGITS]
            credits = len(credit_amounts)
            batch.credit += sum(map(int, credit_amounts))
        if (debits and batch.service == "220") or (credits and batch.service == "225"):
            wrong_way = _DEBIT_DIGITS if batch.service == "220" else _CREDIT_DIGITS
            message = ("debit entry in a credits-only batch (service class 220)"
                       if batch.service == "220" else
                       "credit entry in a debits-only batch (service class 225)")
            found.extend((k, 2, "ACH.SERVICE_CLASS", message, "transaction_code",
                          Severity.ERROR) for k, line in enumerate(entries)
                         if line[debit] in wrong_way)
        traces = [line[trace] for line in entries]
        if not all(map(lt, chain((self.last_trace,), traces), traces)):
            before = [self.last_trace, *traces[:-1]]
            found.extend((k, 3, "ACH.TRACE_ORDER", "trace numbers must ascend within a batch",
                          "trace_number", Severity.WARNING)
                         for k, (earlier, now) in enumerate(zip(before, traces, strict=True))
                         if now <= earlier)
        self.last_trace = traces[-1]
        # reported in the order the record-by-record path finds them
        for k, _order, code_, message, name, severity in sorted(found, key=lambda f: f[:2]):
            self.field_fail(code_, message, numbers[k], layout, name, severity)
        self.records += len(entries)
        batch.count += len(entries)

    def read_addenda_run(self, first: int, run: list[str], places: list[int], owners: list[int],
                         made: list[Entry]) -> str | None:
        """The addenda of a batch body at once when they are all of one type that the batch's
        SEC code allows (05 remittance, nearly always): returns that type. Returns None, having
        changed nothing, when they are not; read_addenda then takes them one by one."""
        batch = self.batch
        assert batch is not None
        kind = run[places[0]][1:3]
        layout = ADDENDA.get(kind)
        allowed, _most = L.SEC_ADDENDA.get(batch.sec, (frozenset({"05"}), 1))
        lines = [run[k] for k in places]
        if layout is None or layout.checked or kind not in allowed or \
                {line[1:3] for line in lines} != {kind} or \
                not all(map(layout.regex.fullmatch, lines)):
            return None
        cut = layout.slices
        trace = made[0].layout.slices["trace_number"]
        owned = [made[owners[k] - 1].text for k in places]  # the entry each addenda follows
        found: list[tuple[int, int, str, str, str, Severity]] = []
        if "entry_sequence" in cut:
            mine, theirs = cut["entry_sequence"], slice(trace.stop - 7, trace.stop)
            found.extend((i, 0, "ACH.ADDENDA", f"entry detail sequence number {line[mine]} does "
                          f"not match the entry's trace number {entry[trace]}", "entry_sequence",
                          Severity.ERROR)
                         for i, (line, entry) in enumerate(zip(lines, owned, strict=True))
                         if line[mine] != entry[theirs])
        else:
            mine = cut["trace_number"]
            found.extend((i, 0, "ACH.ADDENDA_TRACE", f"trace number {line[mine]} differs from "
                          f"the entry's {entry[trace]}", "trace_number", Severity.WARNING)
                         for i, (line, entry) in enumerate(zip(lines, owned, strict=True))
                         if line[mine] != entry[trace])
        if (sequence := cut.get("addenda_sequence")) is not None:
            # numbered from 0001 after each entry detail
            if all(run[k - 1][0] == "6" for k in places):
                expected = ["0001"] * len(places)
            else:
                counts = accumulate(places, lambda count, k: count + 1
                                    if run[k - 1][0] == "7" else 1, initial=0)
                expected = [f"{number:04d}" for number in list(counts)[1:]]
            found.extend((i, 1, "ACH.ADDENDA", f"addenda sequence number {line[sequence]} should "
                          f"be {number}", "addenda_sequence", Severity.ERROR)
                         for i, (line, number) in enumerate(zip(lines, expected, strict=True))
                         if line[sequence] != number)
        for i, _order, code, message, name, severity in sorted(found, key=lambda f: f[:2]):
            self.field_fail(code, message, first + places[i], layout, name, severity)
        for k, line in zip(places, lines, strict=True):
            made[owners[k] - 1].add(kind, Record(first + k, layout, line))
        self.records += len(lines)
        batch.count += len(lines)
        return kind

    def resize(self, n: int, line: str) -> str:
        if len(line) < L.RECORD_LENGTH:
            self.fail("ACH.RECORD_LENGTH",
                      f"record is {len(line)} characters, padded with blanks to 94", n,
                      len(line) + 1, "record length", Severity.WARNING)
            return line.ljust(L.RECORD_LENGTH)
        if not line[L.RECORD_LENGTH:].strip():
            self.fail("ACH.RECORD_LENGTH", f"record is {len(line)} characters; trailing blanks "
                      "ignored", n, L.RECORD_LENGTH + 1, "record length", Severity.WARNING)
        else:
            self.fail("ACH.RECORD_LENGTH", f"record is {len(line)} characters, not 94", n,
                      L.RECORD_LENGTH + 1, "record length")
        return line[:L.RECORD_LENGTH]

    def read_file_header(self, n: int, line: str) -> None:
        if self.file.header is not None or n != 1:
            self.fail("ACH.SEQUENCE", "file header is not the first record of the file", n, 1,
                      "file header")
            if self.file.header is not None:
                return
        self.records += 1
        self.file.header = self.parse(FILE_HEADER, n, line)

    def read_batch_header(self, n: int, line: str) -> None:
        self.records += 1
        self.close_entry()
        if self.batch is not None:
            self.fail("ACH.SEQUENCE", "batch header before the previous batch's control", n, 1,
                      "batch header")
            self.batch = None
        if self.file.header is None:
            self.fail("ACH.SEQUENCE", "batch header before the file header", n, 1,
                      "batch header")
        if self.file.control is not None:
            self.fail("ACH.SEQUENCE", "batch header after the file control", n, 1,
                      "batch header")
        sec = line[50:53]
        layout = IAT_BATCH_HEADER if sec == "IAT" else BATCH_HEADER
        header = self.parse(layout, n, line)
        f = header.fields
        if f["service_class_code"] not in L.SERVICE_CLASSES:
            self.field_fail("ACH.SERVICE_CLASS", f"unknown service class code "
                            f"{f['service_class_code']!r}", n, layout, "service_class_code")
        if sec not in L.SEC_ADDENDA:
            self.field_fail("ACH.SEC_CODE", f"SEC code {sec!r} is read with the PPD layout",
                            n, layout, "sec_code", Severity.WARNING)
        if not f["company_id"].strip():
            self.field_fail("ACH.REQUIRED", "company identification is blank", n, layout,
                            "company_id")
        self.batch = Batch(header=header, sec=sec, layout=entry_layout(sec),
                           service=f["service_class_code"])
        self.file.batches.append(self.batch)
        self.last_trace = ""

    def read_entry(self, n: int, line: str) -> None:
        self.records += 1
        batch = self.batch
        if batch is None:
            self.fail("ACH.SEQUENCE", "entry detail outside a batch", n, 1, "entry")
            return
        if self.entry is not None:
            self.close_entry()
        layout = batch.layout
        ok = layout.regex.fullmatch(line) is not None
        entry = Entry(n, layout, line, ok or self.checked(layout, n, line))
        batch.entries.append(entry)
        batch.count += 1
        self.entry = entry
        if not ok:
            return
        s = layout.slices
        code = line[s["transaction_code"]]
        rdfi = line[s["rdfi"]]
        written = line[s["check_digit"]]
        if code not in L.TRANSACTION_CODES:
            self.field_fail("ACH.TRANSACTION_CODE", f"unknown transaction code {code!r}", n,
                            layout, "transaction_code")
        digit = _CHECK_DIGITS.get(rdfi) or routing_check_digit(rdfi)
        if digit != written:
            self.field_fail("ACH.CHECK_DIGIT", f"check digit {written} is wrong for "
                            f"routing number {rdfi} (expected {digit})", n, layout,
                            "check_digit")
        batch.hash += int(rdfi)
        if code[1] in _DEBIT_DIGITS:
            batch.debit += int(line[s["amount"]])
            if batch.service == "220":
                self.field_fail("ACH.SERVICE_CLASS", "debit entry in a credits-only batch "
                                "(service class 220)", n, layout, "transaction_code")
        else:
            batch.credit += int(line[s["amount"]])
            if batch.service == "225":
                self.field_fail("ACH.SERVICE_CLASS", "credit entry in a debits-only batch "
                                "(service class 225)", n, layout, "transaction_code")
        trace = line[s["trace_number"]]
        if trace <= self.last_trace:
            self.field_fail("ACH.TRACE_ORDER", "trace numbers must ascend within a batch", n,
                            layout, "trace_number", Severity.WARNING)
        self.last_trace = trace

    def read_addenda(self, n: int, line: str) -> None:
        self.records += 1
        entry, batch = self.entry, self.batch
        kind = line[1:3]
        layout = ADDENDA.get(kind)
        if layout is None:
            self.fail("ACH.ADDENDA", f"unknown addenda type {kind!r}", n, 2,
                      "addenda type code")
            return
        record = self.parse(layout, n, line)
        if entry is None or batch is None:
            self.fail("ACH.SEQUENCE", "addenda record without an entry detail before it", n, 1,
                      "addenda")
            return
        batch.count += 1
        entry.add(kind, record)
        if kind not in ("98", "99"):
            allowed, _most = L.SEC_ADDENDA.get(batch.sec, (frozenset({"05"}), 1))
            if kind not in allowed:
                self.fail("ACH.ADDENDA", f"addenda type {kind} is not allowed in a {batch.sec} "
                          "batch", n, 2, "addenda type code")
        if not record.ok:
            return
        cut = layout.slices
        trace = entry.trace
        if "entry_sequence" in cut:
            sequence = line[cut["entry_sequence"]]
            if sequence != trace[-7:]:
                self.field_fail("ACH.ADDENDA", f"entry detail sequence number {sequence} does "
                                f"not match the entry's trace number {trace}", n, layout,
                                "entry_sequence")
        elif (own := line[cut["trace_number"]]) != trace:
            self.field_fail("ACH.ADDENDA_TRACE", f"trace number {own} differs from the "
                            f"entry's {trace}", n, layout, "trace_number", Severity.WARNING)
        if "addenda_sequence" in cut:
            written = line[cut["addenda_sequence"]]
            expected = sum(1 for k, _r in entry.addenda if k == kind)
            if written != f"{expected:04d}":
                self.field_fail("ACH.ADDENDA", f"addenda sequence number {written} should be "
                                f"{expected:04d}", n, layout, "addenda_sequence")

    def close_entry(self) -> None:
        entry, batch = self.entry, self.batch
        self.entry = None
        if entry is not None and batch is not None:
            self.check_entry(entry, batch)

    def check_entry(self, entry: Entry, batch: Batch) -> None:
        """Checks that need all of an entry's addenda: indicator, counts, IAT's mandatory set."""
        if not entry.ok:
            return
        record = entry
        if not entry.addenda and batch.layout is ENTRY and \
                record.text[ENTRY.slices["addenda_indicator"]] == "0":
            return  # the common case: a plain entry without addenda
        n = record.line
        layout = record.layout
        cut = layout.slices
        count = len(entry.addenda)
        indicator = record.text[cut["addenda_indicator"]]
        if indicator != ("1" if count else "0"):
            self.field_fail("ACH.ADDENDA", f"addenda record indicator {indicator} but {count} "
                            "addenda follow", n, layout, "addenda_indicator")
        kinds = [k for k, _r in entry.addenda]
        if "addenda_count" in cut and not any(k in ("98", "99") for k in kinds) \
                and int(written := record.text[cut["addenda_count"]]) != count:
            # Some IAT originators count only the mandatory addenda 10-16: a warning there.
            self.field_fail("ACH.ADDENDA", f"number of addenda records says {written} but "
                            f"{count} follow", n, layout, "addenda_count",
                            Severity.WARNING if batch.sec == "IAT" else Severity.ERROR)
        if batch.sec == "IAT" and not any(k in ("98", "99") for k in kinds):
            head = tuple(kinds[:len(L.IAT_MANDATORY)])
            if head != L.IAT_MANDATORY:
                self.fail("ACH.ADDENDA", "an IAT entry needs addenda 10 to 16 in order, found "
                          f"{', '.join(kinds) or 'none'}", n, 79, "entry addenda indicator")
            for kind, most in L.IAT_REPEATS.items():
                if kinds.count(kind) > most:
                    self.fail("ACH.ADDENDA", f"more than {most} addenda {kind}", n, 79,
                              "entry addenda indicator")
        else:
            _allowed, most = L.SEC_ADDENDA.get(batch.sec, (frozenset(), 1))
            plain = sum(1 for k in kinds if k not in ("98", "99"))
            if plain > most:
                self.fail("ACH.ADDENDA", f"{plain} addenda records; a {batch.sec} entry may "
                          f"carry {most}", n, 79, "entry addenda indicator")
        if kinds.count("98") + kinds.count("99") > 1:
            self.fail("ACH.ADDENDA", "more than one return or notification addenda", n, 79,
                      "entry addenda indicator")

    def read_batch_control(self, n: int, line: str) -> None:
        self.records += 1
        self.close_entry()
        record = self.parse(BATCH_CONTROL, n, line)
        batch = self.batch
        if batch is None:
            self.fail("ACH.SEQUENCE", "batch control without a batch header", n, 1,
                      "batch control")
            return
        batch.control = record
        self.batch = None
        if not record.ok:
            return
        f, h = record.fields, batch.header.fields
        self.compare(n, BATCH_CONTROL, "entry_addenda_count", batch.count, "ACH.ENTRY_COUNT", f)
        self.compare(n, BATCH_CONTROL, "entry_hash", batch.hash % 10**10, "ACH.ENTRY_HASH", f)
        self.compare(n, BATCH_CONTROL, "total_debit", batch.debit, "ACH.TOTAL_DEBIT", f)
        self.compare(n, BATCH_CONTROL, "total_credit", batch.credit, "ACH.TOTAL_CREDIT", f)
        for name in ("service_class_code", "company_id", "odfi", "batch_number"):
            if f[name].strip() != h[name].strip():
                # A blank company id in the control is common (IAT); it contradicts nothing.
                blank = not f[name].strip()
                self.field_fail("ACH.BATCH_MISMATCH", f"{name.replace('_', ' ')} {f[name]!r} "
                                f"differs from the batch header's {h[name]!r}", n,
                                BATCH_CONTROL, name,
                                Severity.WARNING if blank else Severity.ERROR)

    def compare(self, n: int, layout: Layout, name: str, computed: int, code: str,
                fields: dict[str, str]) -> None:
        written = fields[name]
        if int(written) != computed:
            width = layout.by_name[name].length
            self.field_fail(code, f"{name.replace('_', ' ')} is {written}, computed "
                            f"{computed:0{width}d}", n, layout, name)

    def read_nine(self, n: int, line: str) -> None:
        if line == L.FILLER:
            if self.file.control is None:
                self.fail("ACH.SEQUENCE", "block filler before the file control", n, 1,
                          "filler")
            self.file.filler += 1
            return
        self.records += 1
        self.close_entry()
        if self.batch is not None:
            self.fail("ACH.SEQUENCE", "file control before the batch control", n, 1,
                      "file control")
            self.batch = None
        if self.file.control is not None:
            self.fail("ACH.SEQUENCE", "second file control", n, 1, "file control")
            return
        record = self.parse(FILE_CONTROL, n, line)
        self.file.control = record
        if not record.ok:
            return
        batches = self.file.batches
        f = record.fields
        self.compare(n, FILE_CONTROL, "batch_count", len(batches), "ACH.BATCH_COUNT", f)
        self.compare(n, FILE_CONTROL, "block_count", ceil(self.records / L.BLOCKING_FACTOR),
                     "ACH.BLOCK_COUNT", f)
        self.compare(n, FILE_CONTROL, "entry_addenda_count", sum(b.count for b in batches),
                     "ACH.ENTRY_COUNT", f)
        self.compare(n, FILE_CONTROL, "entry_hash", sum(b.hash for b in batches) % 10**10,
                     "ACH.ENTRY_HASH", f)
        self.compare(n, FILE_CONTROL, "total_debit", sum(b.debit for b in batches),
                     "ACH.TOTAL_DEBIT", f)
        self.compare(n, FILE_CONTROL, "total_credit", sum(b.credit for b in batches),
                     "ACH.TOTAL_CREDIT", f)

    def finish(self, physical: int) -> None:
        self.close_entry()
        end = physical + 1
        if self.file.header is None:
            self.fail("ACH.SEQUENCE", "no file header (record type 1)", 1, 1, "file header")
        if self.batch is not None:
            self.fail("ACH.TRUNCATED", "the last batch has no batch control", end)
        if self.file.control is None:
            self.fail("ACH.TRUNCATED", "the file ends without a file control (record type 9)",
                      end)
        elif (self.records + self.file.filler) % L.BLOCKING_FACTOR:
            severity = Severity.WARNING if "unblocked" in self.lenient else Severity.ERROR
            self.fail("ACH.BLOCKING", f"{self.records + self.file.filler} records is not a "
                      f"multiple of the blocking factor {L.BLOCKING_FACTOR}", end,
                      severity=severity)
