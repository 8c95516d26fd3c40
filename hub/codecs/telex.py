"""Tested telex payment instructions: read, authenticate, map; and never trusted on their own.

A tested telex is framed text (ITA2 characters, lines of at most 69):

    ZCZC EXB0042                       start of message and channel reference
    999002 EXMPF D                     answerback of the called station (the receiver)
    999001 EXBKL G                     answerback of the calling station (the sender)
    14.03.24 0915                      date and time
    TO    : EXEMPLAR BANK AG, FRANKFURT AM MAIN (EXMPDEF0)
    FROM  : EXAMPLE BANK PLC, LONDON (EXBKGB20)
    OUR REF : TT24/00042
    TEST 02267 ON USD 250,000.00 DATED 14 MAR OUR SEQ 0042
    ... field-labelled payment details ("LABEL : value") ...
    MAC <64 hex digits>                optional HMAC-SHA256 authentication
    +                                  end of text, then the answerbacks again, then NNNN

Authentication is either the classic bilateral test key (sum of the counterparty's secret table
values for fixed number, month, day, currency, each digit of the whole amount by position and the
sequence's last digit, plus the sequence, modulo the table's modulus) or HMAC-SHA256 over the
text with a per-counterparty key. A wrong or missing key is an error. Tested telex is a favourite
of fraudsters: `requires_release` is True for every telex unless the counterparty's policy allows
straight-through processing and HMAC authentication succeeded; `check_approval` enforces four
eyes (the approver is not the submitter). Key tables and HMAC keys are secrets: the codec reads no
files itself (`configure(keys)`), and no diagnostic or extra field shows a table value or the
expected test number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from hub.codecs.base import Decoded, Options
from hub.errors import CodecError, ConfigError, Diagnostic, Severity, register
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress
from hub.secrets import Secret

FORMAT = "telex"
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTH_NAMES = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST",
               "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER")
MAX_LINE = 69
ITA2 = re.compile(r"[A-Z0-9 \-?:().,'=/+]*")
ANSWERBACK = re.compile(r"\d{4,8} [A-Z0-9]{2,10}(?: [A-Z]{1,2})?")
DATE_LINE = re.compile(r"(\d{2})\.(\d{2})\.(\d{2}) (\d{2})(\d{2})")
TEST_LINE = re.compile(r"TEST (\d{5}) ON ([A-Z]{3}) ([\d,]+(?:\.\d{1,3})?) DATED (\d{1,2}) "
                       r"([A-Z]{3}) OUR SEQ (\d{4})")
MAC_LINE = re.compile(r"MAC ([0-9A-F]{64})")  # HMAC-SHA256; 68 characters fit a line
FIELD = re.compile(r"([A-Z][A-Z /]*?[A-Z])\s*:\s(.*)")
SPLIT_FIELDS = re.compile(r"\s{2,}(?=[A-Z][A-Z ]*[A-Z]\s*:\s)")
AMOUNT = re.compile(r"([A-Z]{3}) ([\d,]+(?:\.\d{1,3})?)")
VALUE_DATE = re.compile(r"VALUE (\d{1,2}) ([A-Z]+) (\d{4})")
BIC_IN_PARENS = re.compile(r"\s*\(([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\)\s*$")
ACCOUNT_IN_TEXT = re.compile(r",?\s*(?:A/C|ACCOUNT NO)\s+([A-Z0-9/-]+)")
CHARGES = (("(SHA)", ChargeBearer.SHAR), ("(OUR)", ChargeBearer.DEBT),
           ("(BEN)", ChargeBearer.CRED))
CHARGE_WORDS = {ChargeBearer.SHAR: "SHA", ChargeBearer.DEBT: "OUR", ChargeBearer.CRED: "BEN"}

register({
    "TELEX.FORMAT": "not a telex payment instruction",
    "TELEX.HEADER": "telex header (answerbacks, date) missing or malformed",
    "TELEX.DATE": "invalid date in the telex",
    "TELEX.FIELD": "mandatory telex field missing",
    "TELEX.AMOUNT": "amount missing or malformed",
    "TELEX.CHARACTER": "character or line length outside telex (ITA2) conventions",
    "TELEX.END": "end of text or closing answerback missing",
    "TELEX.TEST_KEY_MISSING": "no test key (TEST line) or MAC in the telex",
    "TELEX.TEST_KEY_MISMATCH": "test key does not match the bilateral key table",
    "TELEX.TEST_LINE": "TEST line malformed",
    "TELEX.TEST_LINE_MISMATCH": "TEST line data differ from the payment details",
    "TELEX.KEY_TABLE_MISSING": "no test-key table or HMAC key agreed with this counterparty",
    "TELEX.HMAC_MISMATCH": "HMAC-SHA256 authentication failed",
    "TELEX.FOUR_EYES": "the approver must be a different person from the submitter",
    "TELEX.CANNOT_ENCODE": "message cannot be written as a telex",
})


# -- keys ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TestKeyTable:
    """A bilateral test-key table. Its repr shows nothing: the values are secrets."""

    fixed: int = field(repr=False)
    month: Mapping[str, int] = field(repr=False)
    day: Mapping[int, int] = field(repr=False)
    currency: Mapping[str, int] = field(repr=False)
    position_digit: tuple[tuple[int, ...], ...] = field(repr=False)  # [position][digit]
    sequence_digit: tuple[int, ...] = field(repr=False)  # [sequence % 10]
    modulus: int = field(default=100000, repr=False)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], where: str = "test key table") -> TestKeyTable:
        try:
            positions = data["amount_position_digit"]
            table = cls(
                fixed=int(data["fixed_number"]),
                month={str(k).upper(): int(v) for k, v in data["month"].items()},
                day={int(k): int(v) for k, v in data["day"].items()},
                currency={str(k).upper(): int(v) for k, v in data["currency"].items()},
                position_digit=tuple(tuple(int(v) for v in positions[str(p)])
                                     for p in range(len(positions))),
                sequence_digit=tuple(int(v) for v in data["sequence_last_digit"]),
                modulus=int(data.get("modulus", 100000)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{where}: not a test-key table ({type(exc).__name__}: {exc})",
                              location=where) from None
        if set(table.month) != set(MONTHS) or set(table.day) != set(range(1, 32)) or \
                len(table.sequence_digit) != 10 or \
                any(len(row) != 10 for row in table.position_digit) or table.modulus <= 0:
            raise ConfigError(f"{where}: incomplete table (12 months, days 1-31, 10 digits per "
                              "position and for the sequence)", location=where)
        return table

    @classmethod
    def load(cls, path: Path) -> TestKeyTable:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the test-key table ({type(exc).__name__})",
                              location=str(path)) from None
        return cls.from_data(data, str(path))

    def __repr__(self) -> str:
        return "TestKeyTable(***)"


class TestKeyError(ValueError):
    """The table cannot test these values (unknown currency, amount too long ...)."""


def compute_test(table: TestKeyTable, *, currency: str, amount: Decimal, day: int, month: str,
                 sequence: int) -> str:
    """The five-digit test number for the values; the fractional amount is not tested."""
    try:
        total = table.fixed + table.month[month] + table.day[day] + table.currency[currency]
    except KeyError as exc:
        raise TestKeyError(f"the table has no entry for {exc.args[0]!r}") from None
    units = str(int(amount))
    if len(units) > len(table.position_digit):
        raise TestKeyError(f"the table tests amounts of up to {len(table.position_digit)} "
                           "digits")
    for position, digit in enumerate(reversed(units)):
        total += table.position_digit[position][int(digit)]
    total += table.sequence_digit[sequence % 10] + sequence
    return f"{total % table.modulus:05d}"


@dataclass(frozen=True, slots=True)
class TestKeyStore:
    """Per counterparty (BIC, answerback or answerback number): key table and HMAC key."""

    tables: Mapping[str, TestKeyTable] = field(default_factory=dict)
    hmac_keys: Mapping[str, Secret] = field(default_factory=dict)

    @classmethod
    def from_config(cls, counterparties: Mapping[str, Mapping[str, Any]]) -> TestKeyStore:
        """From config: {counterparty: {"test_key_table_file": path, "hmac_key": Secret}}."""
        tables: dict[str, TestKeyTable] = {}
        keys: dict[str, Secret] = {}
        for name, settings in counterparties.items():
            if (path := settings.get("test_key_table_file")) is not None:
                tables[name] = TestKeyTable.load(Path(str(path)))
            secret = settings.get("hmac_key")
            if isinstance(secret, Secret):
                keys[name] = secret
        return cls(tables=tables, hmac_keys=keys)

    def lookup(self, ids: Sequence[str]) -> tuple[str | None, TestKeyTable | None,
                                                   Secret | None]:
        for ident in ids:
            if ident and (ident in self.tables or ident in self.hmac_keys):
                return ident, self.tables.get(ident), self.hmac_keys.get(ident)
        return None, None, None


def mac(lines: Sequence[str], key: Secret) -> str:
    """HMAC-SHA256 (upper-case hex) over the text lines it covers."""
    text = "\n".join(line.rstrip() for line in lines).encode("ascii", "replace")
    return hmac.new(key.reveal().encode(), text, hashlib.sha256).hexdigest().upper()


# -- release policy ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TelexPolicy:
    """A counterparty's telex policy from config; straight-through only with HMAC."""

    straight_through: bool = False


def requires_release(message: Message, policy: TelexPolicy | Mapping[str, Any] | None) -> bool:
    """True when a person must approve this telex before it may be dispatched."""
    if isinstance(policy, Mapping):
        allowed = bool(policy.get("straight_through", False))
    else:
        allowed = bool(policy and policy.straight_through)
    return not (allowed and message.extra.get("telex.auth") == "hmac")


def check_approval(submitted_by: str | None, approved_by: str | None) -> Diagnostic | None:
    """Four eyes: a diagnostic when the approval may not count."""
    if not approved_by or not submitted_by or \
            approved_by.strip().casefold() == submitted_by.strip().casefold():
        return Diagnostic("TELEX.FOUR_EYES", "a tested telex needs approval by a second person "
                          "who did not submit it", "approval")
    return None


# -- reading -------------------------------------------------------------------------------


@dataclass(slots=True)
class TelexEnvelope:
    channel_ref: str | None = None
    answerbacks: list[str] = field(default_factory=list)  # as exchanged: receiver, sender
    closing_answerbacks: list[str] = field(default_factory=list)
    sent_at: datetime | None = None
    test_line: int | None = None  # line number of TEST
    mac_line: int | None = None
    sequence: str | None = None
    fields: list[tuple[int, str, str]] = field(default_factory=list)  # (line, label, value)
    free: list[tuple[int, str]] = field(default_factory=list)  # unlabelled lines
    counterparty: str | None = None
    auth: str | None = None


def _amount(text: str) -> tuple[str, Decimal] | None:
    found = AMOUNT.search(text)
    if found is None:
        return None
    try:
        return found.group(1), Decimal(found.group(2).replace(",", ""))
    except InvalidOperation:
        return None


def _agent(text: str) -> Agent:
    found = BIC_IN_PARENS.search(text)
    if found:
        return Agent(bic=found.group(1), name=text[:found.start()].strip() or None)
    return Agent(name=text.strip() or None)


def _party(text: str, account: str | None) -> Party:
    found = ACCOUNT_IN_TEXT.search(text)
    if found and account is None:
        account = found.group(1)
        text = text[:found.start()] + text[found.end():]
    parts = [p.strip() for p in text.split(",") if p.strip()]
    address = PostalAddress(lines=tuple(parts[1:])) if len(parts) > 1 else None
    return Party(name=parts[0] if parts else None, account=account, address=address)


class _Out:
    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, code: str, message: str, line: int | None,
            severity: Severity = Severity.ERROR) -> None:
        self.items.append(Diagnostic(code, message, f"line {line}" if line else "telex",
                                     severity))


def _split(raw: bytes, out: _Out) -> tuple[list[str], TelexEnvelope, int] | None:
    text = raw.decode("latin-1").replace("\r\r\n", "\n").replace("\r\n", "\n")
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    env = TelexEnvelope()
    i = 0
    if lines and lines[0].startswith("ZCZC"):
        env.channel_ref = lines[0][4:].strip() or None
        i = 1
    while i < len(lines) and ANSWERBACK.fullmatch(lines[i].strip()):
        env.answerbacks.append(lines[i].strip())
        i += 1
    if len(env.answerbacks) != 2:
        out.add("TELEX.HEADER", f"{len(env.answerbacks)} answerbacks before the text; a telex "
                "starts with the receiver's then the sender's answerback", i + 1)
    found = DATE_LINE.fullmatch(lines[i].strip()) if i < len(lines) else None
    if found is None:
        out.add("TELEX.HEADER", "date line DD.MM.YY HHMM expected", i + 1)
        if not env.answerbacks:
            return None
    else:
        day, month, year, hour, minute = (int(g) for g in found.groups())
        try:
            env.sent_at = datetime(2000 + year, month, day, hour, minute, tzinfo=UTC)
        except ValueError:
            out.add("TELEX.DATE", f"{lines[i].strip()!r} is not a valid date", i + 1)
        i += 1
    return lines, env, i


def _read_body(lines: list[str], env: TelexEnvelope, start: int, out: _Out) -> int | None:
    """Fields and free lines up to '+'; returns the index of '+' (None when missing)."""
    end = None
    for n in range(start, len(lines)):
        line = lines[n].rstrip()
        number = n + 1
        if len(line) > MAX_LINE or not ITA2.fullmatch(line):
            out.add("TELEX.CHARACTER", "line longer than 69 characters or outside the ITA2 "
                    "character set", number, Severity.WARNING)
        if line.strip() == "+":
            end = n
            break
        if line.startswith("TEST "):
            env.test_line = number
            env.free.append((number, line))
            continue
        if line.startswith("MAC "):
            env.mac_line = number
            continue
        if line[:1] == " " and env.fields:
            ln, label, value = env.fields[-1]
            env.fields[-1] = (ln, label, f"{value} {line.strip()}")
            continue
        pieces = SPLIT_FIELDS.split(line)
        labelled = [FIELD.fullmatch(p.strip()) for p in pieces]
        if all(labelled):
            for match in labelled:
                assert match is not None
                label = match.group(1).strip()
                env.fields.append((number, re.sub(r"^AND ", "", label), match.group(2).strip()))
        else:
            env.free.append((number, line))
    if end is None:
        out.add("TELEX.END", "no end-of-text line '+'", len(lines))
        return None
    n = end + 1
    while n < len(lines) and ANSWERBACK.fullmatch(lines[n].strip()):
        env.closing_answerbacks.append(lines[n].strip())
        n += 1
    if env.closing_answerbacks != env.answerbacks:
        out.add("TELEX.END", "the closing answerbacks are missing or differ from the opening "
                "ones", end + 2, Severity.WARNING)
    if n >= len(lines) or lines[n].strip() != "NNNN":
        out.add("TELEX.END", "no end-of-message line NNNN", n + 1, Severity.WARNING)
    return end


def _authenticate(lines: list[str], env: TelexEnvelope, body_start: int, end: int,
                  money: tuple[str, Decimal] | None, keys: TestKeyStore, ids: list[str],
                  out: _Out) -> None:
    """`body_start` is the line number of the first line after the date line; the MAC covers
    the date line up to the end of text, without the MAC line itself."""
    counterparty, table, key = keys.lookup(ids)
    env.counterparty = counterparty
    if env.test_line is None and env.mac_line is None:
        out.add("TELEX.TEST_KEY_MISSING", "the telex carries neither a TEST line nor a MAC",
                body_start)
        return
    if counterparty is None:
        out.add("TELEX.KEY_TABLE_MISSING", "no test-key table or HMAC key is agreed with "
                f"{' / '.join(i for i in ids if i) or 'the sender'}", body_start)
        return
    auth = None
    if env.mac_line is not None:
        line = lines[env.mac_line - 1].strip()
        found = MAC_LINE.fullmatch(line)
        first = body_start - 2  # index of the date line
        covered = [x for k, x in enumerate(lines[first:end], first + 1) if k != env.mac_line]
        if key is None:
            out.add("TELEX.KEY_TABLE_MISSING", f"no HMAC key agreed with {counterparty}",
                    env.mac_line)
        elif found is None or not hmac.compare_digest(found.group(1), mac(covered, key)):
            out.add("TELEX.HMAC_MISMATCH", "the MAC does not authenticate this text",
                    env.mac_line)
        else:
            auth = "hmac"
    if env.test_line is not None:
        if _check_test(lines[env.test_line - 1].strip(), env, table, money, out):
            auth = auth or "testkey"
        else:
            auth = None
    env.auth = auth


def _check_test(line: str, env: TelexEnvelope, table: TestKeyTable | None,
                money: tuple[str, Decimal] | None, out: _Out) -> bool:
    number = env.test_line
    found = TEST_LINE.fullmatch(line)
    if found is None:
        out.add("TELEX.TEST_LINE", "TEST line is not 'TEST nnnnn ON CCY amount DATED d MON "
                "OUR SEQ nnnn'", number)
        return False
    test, currency, amount_text, day, month, sequence = found.groups()
    env.sequence = sequence
    amount = Decimal(amount_text.replace(",", ""))
    mismatch = []
    if money is not None and (currency, amount) != money:
        mismatch.append("amount")
    if env.sent_at is not None and (int(day), month) != (env.sent_at.day,
                                                          MONTHS[env.sent_at.month - 1]):
        mismatch.append("date")
    if mismatch:
        out.add("TELEX.TEST_LINE_MISMATCH", f"the tested {' and '.join(mismatch)} differ from "
                "the payment details", number)
        return False
    if table is None:
        out.add("TELEX.KEY_TABLE_MISSING", "no test-key table agreed with this counterparty",
                number)
        return False
    try:
        expected = compute_test(table, currency=currency, amount=amount, day=int(day),
                                month=month, sequence=int(sequence))
    except TestKeyError as exc:
        out.add("TELEX.TEST_KEY_MISMATCH", f"the test cannot be verified: {exc}", number)
        return False
    if not hmac.compare_digest(test, expected):
        out.add("TELEX.TEST_KEY_MISMATCH", "the test number does not agree with the bilateral "
                "key table", number)
        return False
    return True


def _value_date(text: str) -> date | None:
    found = VALUE_DATE.search(text)
    if found is None:
        return None
    day, month, year = found.groups()
    names = MONTH_NAMES if len(month) > 3 else MONTHS
    if month not in names:
        return None
    try:
        return date(int(year), names.index(month) + 1, int(day))
    except ValueError:
        return None


def _map(env: TelexEnvelope, out: _Out, lines: list[str]) -> Message | None:
    fields: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for number, label, value in env.fields:
        fields.setdefault(label, value)
        first_line.setdefault(label, number)
    free_text = [t for _, t in env.free if not t.startswith("TEST ")]
    body = "\n".join(free_text)
    everything = body + "\n" + "\n".join(v for _, _, v in env.fields)
    reference = fields.get("OUR REF")
    if not reference:
        out.add("TELEX.FIELD", "OUR REF is mandatory", None)
    kind = (Kind.CANCELLATION if "CANCEL" in body else
            Kind.FI_CREDIT_TRANSFER if "BANK TO BANK" in body else Kind.CUSTOMER_CREDIT_TRANSFER)
    money_text = fields.get("AMOUNT")
    if money_text is None and kind is Kind.CANCELLATION:
        money_text = next((t for t in free_text if t.startswith("FOR ")), None)
    parsed = _amount(money_text) if money_text else None
    amount: Money | None = None
    if kind is not Kind.CANCELLATION and parsed is None:
        out.add("TELEX.AMOUNT", "AMOUNT : CCY 1,234.56 is mandatory", first_line.get("AMOUNT"))
    elif parsed is not None:
        try:
            amount = Money(value=parsed[1], currency=parsed[0])
        except Exception as exc:  # ModelError: unknown currency or too many decimals
            out.add("TELEX.AMOUNT", str(exc), first_line.get("AMOUNT"))
    bearer = next((b for mark, b in CHARGES if mark in everything), None)
    extra = {"telex.sequence": env.sequence or "", "telex.auth": env.auth or "none",
             "telex.channel_ref": env.channel_ref or ""}
    if len(env.answerbacks) == 2:
        extra["telex.answerback.receiver"], extra["telex.answerback.sender"] = env.answerbacks
    if "COVER" in fields:
        extra["telex.cover"] = fields["COVER"]
    pay_to = fields.get("PAY TO")
    account = fields.get("ACCOUNT NO")
    try:
        common: dict[str, Any] = dict(
            kind=kind, format=FORMAT, instruction_id=reference, amount=amount,
            created_at=env.sent_at, settlement_date=_value_date(everything),
            instructing_agent=_agent(fields["FROM"]) if "FROM" in fields else None,
            instructed_agent=_agent(fields["TO"]) if "TO" in fields else None,
            related_reference=fields.get("RELATED REF"), charge_bearer=bearer,
            narrative=body or None, extra={k: v for k, v in extra.items() if v})
        if kind is Kind.CANCELLATION:
            original = re.search(r"REF ([A-Z0-9/-]+)", body)
            reason = fields.get("REASON")
            return Message(**{**common, "charge_bearer": None},
                           original_message_id=original.group(1) if original else None,
                           reason_text=reason,
                           reason_code="DUPL" if reason and "DUPLICATE" in reason else None)
        if kind is Kind.FI_CREDIT_TRANSFER:
            favour = fields.get("IN FAVOUR OF")
            return Message(**common, creditor_agent=_agent(pay_to) if pay_to else None,
                           creditor=Party(name=favour) if favour else None,
                           remittance_info=fields.get("REFERENCE"))
        return Message(**common, creditor_agent=_agent(pay_to) if pay_to else None,
                       creditor=_party(fields["FOR ACCOUNT OF"], account)
                       if "FOR ACCOUNT OF" in fields else None,
                       debtor=_party(fields["BY ORDER OF"], None)
                       if "BY ORDER OF" in fields else None,
                       remittance_info=fields.get("DETAILS OF PAYMENT"))
    except Exception as exc:  # ModelError from a malformed BIC or date in the text
        out.add("TELEX.FIELD", f"cannot map the telex: {exc}", None)
        return None


class TelexCodec:
    family = "telex"
    formats = (FORMAT,)
    priority = 60

    def __init__(self, keys: TestKeyStore | None = None) -> None:
        self.keys = keys or TestKeyStore()

    def detect(self, raw: bytes) -> str | None:
        head = raw[:200].lstrip()
        if head.startswith(b"ZCZC"):
            return FORMAT
        first = head.split(b"\n", 1)[0].strip().decode("latin-1")
        return FORMAT if ANSWERBACK.fullmatch(first) else None

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        return decode(raw, self.keys)

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        if len(messages) != 1:
            raise CodecError("a telex carries one payment", code="TELEX.CANNOT_ENCODE")
        return encode(messages[0], self.keys, **envelope)

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        return self.decode(raw, format, options).diagnostics


def decode(raw: bytes, keys: TestKeyStore) -> Decoded:
    """Read and authenticate a telex with these keys; never raises on bad input."""
    out = _Out()
    split = _split(raw, out)
    if split is None:
        out.items.insert(0, Diagnostic("TELEX.FORMAT", "not a telex: no answerback or date "
                                       "header", "line 1"))
        return Decoded(format=FORMAT, diagnostics=out.items)
    lines, env, body_start = split
    end = _read_body(lines, env, body_start, out)
    fields = {label: value for _, label, value in reversed(env.fields)}
    sender_bic = _agent(fields["FROM"]).bic if "FROM" in fields else None
    receiver_bic = _agent(fields["TO"]).bic if "TO" in fields else None
    sender_ab = env.answerbacks[1] if len(env.answerbacks) == 2 else None
    money_text = fields.get("AMOUNT") or next(
        (t for _, t in env.free if t.startswith("FOR ") and _amount(t)), "")
    money = _amount(money_text) if money_text else None
    if end is not None:
        ids = [i for i in (sender_bic, sender_ab, sender_ab.split(" ")[0] if sender_ab else None)
               if i]
        _authenticate(lines, env, body_start + 1, end, money, keys, ids, out)
    message = _map(env, out, lines)
    decoded = Decoded(format=FORMAT, envelope=env, diagnostics=out.items,
                      sender=sender_bic or sender_ab, receiver=receiver_bic or (
                          env.answerbacks[0] if env.answerbacks else None))
    if message is not None and decoded.ok:
        decoded.messages.append(message)
    return decoded


# -- writing -------------------------------------------------------------------------------


def _fmt_amount(money: Money) -> str:
    whole, _, cents = money.text().partition(".")
    return f"{int(whole):,}" + (f".{cents}" if cents else "")


def _agent_text(agent: Agent | None) -> str:
    if agent is None:
        return ""
    return " ".join(p for p in (agent.name, f"({agent.bic})" if agent.bic else None) if p)


def _party_text(party: Party | None) -> str:
    if party is None:
        return ""
    lines = party.address.lines if party.address else ()
    return ", ".join(p for p in (party.name, *lines) if p)


def encode(message: Message, keys: TestKeyStore, **envelope: Any) -> bytes:
    """A telex for a credit transfer. Envelope: sender_answerback, receiver_answerback,
    sequence (int), when (datetime), auth ("testkey" | "hmac"), counterparty (key id),
    channel_ref."""
    if message.kind not in (Kind.CUSTOMER_CREDIT_TRANSFER, Kind.FI_CREDIT_TRANSFER) or \
            message.amount is None or not message.instruction_id:
        raise CodecError("a telex is written for a credit transfer with amount and "
                         "instruction_id", code="TELEX.CANNOT_ENCODE")
    try:
        sequence = int(envelope["sequence"])
        answerbacks = [str(envelope["receiver_answerback"]), str(envelope["sender_answerback"])]
        counterparty = str(envelope["counterparty"])
    except KeyError as exc:
        raise CodecError(f"envelope needs {exc.args[0]}", code="TELEX.CANNOT_ENCODE",
                         location=str(exc.args[0])) from None
    when: datetime = envelope.get("when") or datetime.now(UTC)
    auth = envelope.get("auth", "testkey")
    money = message.amount
    body = []
    if (to := _agent_text(message.instructed_agent)):
        body.append(f"TO    : {to}")
    if (sender := _agent_text(message.instructing_agent)):
        body.append(f"FROM  : {sender}")
    body.append(f"OUR REF : {message.instruction_id}")
    if auth == "testkey":
        table = keys.tables.get(counterparty)
        if table is None:
            raise CodecError(f"no test-key table for {counterparty}", code="TELEX.CANNOT_ENCODE")
        month = MONTHS[when.month - 1]
        test = compute_test(table, currency=money.currency, amount=money.value, day=when.day,
                            month=month, sequence=sequence)
        body.append(f"TEST {test} ON {money.currency} {_fmt_amount(money)} DATED {when.day} "
                    f"{month} OUR SEQ {sequence:04d}")
    value = message.settlement_date or when.date()
    opening = ("BANK TO BANK TRANSFER" if message.kind is Kind.FI_CREDIT_TRANSFER
               else "KINDLY EFFECT THE FOLLOWING PAYMENT")
    body.append(f"{opening} VALUE {value.day} {MONTH_NAMES[value.month - 1]} {value.year}")
    body.append(f"AMOUNT : {money.currency} {_fmt_amount(money)}")
    if (pay_to := _agent_text(message.creditor_agent)):
        body.append(f"PAY TO : {pay_to}")
    creditor = message.creditor
    if message.kind is Kind.FI_CREDIT_TRANSFER:
        if creditor and creditor.name:
            body.append(f"IN FAVOUR OF : {creditor.name}")
        if message.remittance_info:
            body.append(f"REFERENCE : {message.remittance_info}")
    else:
        if creditor is not None:
            body.append(f"FOR ACCOUNT OF : {_party_text(creditor)}")
            if creditor.account:
                body.append(f"ACCOUNT NO : {creditor.account}")
        if message.debtor is not None:
            body.append(f"BY ORDER OF : {_party_text(message.debtor)}")
        if message.remittance_info:
            body.append(f"DETAILS OF PAYMENT : {message.remittance_info}")
    if message.charge_bearer in CHARGE_WORDS:
        assert message.charge_bearer is not None
        body.append(f"CHARGES : ({CHARGE_WORDS[message.charge_bearer]})")
    head = [when.strftime("%d.%m.%y %H%M")]
    if auth == "hmac":
        key = keys.hmac_keys.get(counterparty)
        if key is None:
            raise CodecError(f"no HMAC key for {counterparty}", code="TELEX.CANNOT_ENCODE")
        body.append(f"MAC {mac(head + body, key)}")
    text = [f"ZCZC {envelope.get('channel_ref', '')}".rstrip(), *answerbacks, *head, *body,
            "+", *answerbacks, "NNNN"]
    for line in text:
        if len(line) > MAX_LINE or not ITA2.fullmatch(line):
            raise CodecError(f"{line[:20]!r}... is not telex text (ITA2, 69 characters)",
                             code="TELEX.CANNOT_ENCODE")
    return ("\n".join(text) + "\n").encode("ascii")


CODEC = TelexCodec()


def configure(keys: TestKeyStore) -> None:
    """Give the registered telex codec its key tables and HMAC keys (from config)."""
    CODEC.keys = keys


__all__ = ["CODEC", "TelexCodec", "TelexPolicy", "TestKeyStore", "TestKeyTable",
           "check_approval", "compute_test", "configure", "decode", "encode", "mac",
           "requires_release"]
