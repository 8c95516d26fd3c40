"""Read an ACH file into its records and verify the structure and every control total.

The result is the lossless envelope (`AchFile`: file header, batches of entries with their
addenda, controls, each record's fields as written) plus every finding as a Diagnostic located
by line, column and field name. Nothing here raises on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from hub.codecs.nacha import layouts as L
from hub.codecs.nacha.codes import diag
from hub.codecs.nacha.records import Layout, check_digit
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


@dataclass(slots=True)
class Entry:
    record: Record
    addenda: list[tuple[str, Record]] = field(default_factory=list)  # (addenda type, record)

    @property
    def trace(self) -> str:
        return self.record.text[self.record.layout.slices["trace_number"]]


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
    return [line[:-1] if line.endswith("\r") else line for line in lines]


class Reader:
    def __init__(self, lenient: frozenset[str] = frozenset()) -> None:
        self.lenient = lenient
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
        problems = layout.problems(line)
        for f, reason in problems:
            code = ("ACH.VALUE" if f.rule.startswith("=") else
                    "ACH.DATE" if f.rule in ("date", "date?", "time?", "julian?")
                    and "numeric" not in reason else
                    "ACH.NUMERIC" if f.type == "N" else "ACH.CHARSET")
            self.fail(code, f"{f.title} {reason}", n, f.start, f"{layout.name} {f.title}")
        return Record(n, layout, line, ok=not problems)

    # -- the file ----------------------------------------------------------------------------

    def read(self, text: str) -> AchFile:
        lines = split_records(text)
        if len(lines) > MAX_RECORDS:
            self.fail("ACH.TOO_LARGE", f"{len(lines)} records is over the {MAX_RECORDS} limit", 1)
            return self.file
        for n, line in enumerate(lines, 1):
            size = len(line)
            if size != L.RECORD_LENGTH:
                if not line.strip():
                    self.fail("ACH.RECORD_LENGTH", "blank line skipped", n,
                              severity=Severity.WARNING)
                    continue
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
        self.finish(len(lines))
        return self.file

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
        # the hot path of every file: kept flat, one match per record
        self.records += 1
        batch = self.batch
        if batch is None:
            self.fail("ACH.SEQUENCE", "entry detail outside a batch", n, 1, "entry")
            return
        if self.entry is not None:
            self.close_entry()
        layout = batch.layout
        ok = layout.regex.fullmatch(line) is not None
        record = Record(n, layout, line) if ok else self.parse(layout, n, line)
        entry = Entry(record)
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
        entry.addenda.append((kind, record))
        if kind not in ("98", "99"):
            allowed, _most = L.SEC_ADDENDA.get(batch.sec, (frozenset({"05"}), 1))
            if kind not in allowed:
                self.fail("ACH.ADDENDA", f"addenda type {kind} is not allowed in a {batch.sec} "
                          "batch", n, 2, "addenda type code")
        if not record.ok:
            return
        f = record.fields
        if "entry_sequence" in f:
            if f["entry_sequence"] != entry.trace[-7:]:
                self.field_fail("ACH.ADDENDA", f"entry detail sequence number "
                                f"{f['entry_sequence']} does not match the entry's trace "
                                f"number {entry.trace}", n, layout, "entry_sequence")
        elif f["trace_number"] != entry.trace:
            self.field_fail("ACH.ADDENDA_TRACE", f"trace number {f['trace_number']} differs "
                            f"from the entry's {entry.trace}", n, layout, "trace_number",
                            Severity.WARNING)
        if "addenda_sequence" in f:
            expected = sum(1 for k, _r in entry.addenda if k == kind)
            if f["addenda_sequence"] != f"{expected:04d}":
                self.field_fail("ACH.ADDENDA", f"addenda sequence number "
                                f"{f['addenda_sequence']} should be {expected:04d}", n, layout,
                                "addenda_sequence")

    def close_entry(self) -> None:
        """Checks that need all of an entry's addenda: indicator, counts, IAT's mandatory set."""
        entry, batch = self.entry, self.batch
        self.entry = None
        if entry is None or batch is None or not entry.record.ok:
            return
        record = entry.record
        if not entry.addenda and batch.layout is ENTRY and \
                record.text[ENTRY.slices["addenda_indicator"]] == "0":
            return  # the common case: a plain entry without addenda
        f = record.fields
        n = entry.record.line
        layout = entry_layout(batch.sec)
        count = len(entry.addenda)
        if f["addenda_indicator"] != ("1" if count else "0"):
            self.field_fail("ACH.ADDENDA", f"addenda record indicator {f['addenda_indicator']} "
                            f"but {count} addenda follow", n, layout, "addenda_indicator")
        kinds = [k for k, _r in entry.addenda]
        if "addenda_count" in f and not any(k in ("98", "99") for k in kinds) \
                and int(f["addenda_count"]) != count:
            # Some IAT originators count only the mandatory addenda 10-16: a warning there.
            self.field_fail("ACH.ADDENDA", f"number of addenda records says "
                            f"{f['addenda_count']} but {count} follow", n, layout,
                            "addenda_count",
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
