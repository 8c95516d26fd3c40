"""Network validated rules: each one a named predicate with SWIFT's error code, written once.

Source: SWIFT Standards MT SR2025 Message Reference Guides, "Network Validated Rules" of each
message type (rule numbers Cn below are the guide's own); error codes from "FIN Error Codes".
MT 760 C1-C9 and their codes were checked against SWIFT's SR2021 Category 7 release guide
(www.swift.com/swift-resource/202476/download, "MT 760 Network Validated Rules").
Where SWIFT's code for a rule could not be read from a published copy (MT 760 C10, C11) the
rule reports the hub's own code (codes.RULE_CODES).
A rule receives a View of the message (fields in order, the sequence each belongs to, parsed
components) and yields (message, location) for each breach.

A rule may name the fields it reads (`when`, tags or tag numbers): when none of them is in the
message the rule cannot be broken and is not run; likewise a `gate` names the code words of one
field without which it cannot be broken. A property test holds each rule to both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from hub.codecs.swift_mt import rejects
from hub.errors import Diagnostic

Breach = tuple[str, str]
Index = dict[str, tuple[int, ...]]
_NONE: tuple[int, ...] = ()


@lru_cache(maxsize=2048)
def tag_index(tags: tuple[str, ...]) -> Index:
    """Full tag ("56A") and tag number ("56", any option) -> field positions, per tag order.
    Shared between messages of one layout: read it, never change it."""
    index: dict[str, list[int]] = {}
    for i, tag in enumerate(tags):
        index.setdefault(tag, []).append(i)
        if len(tag) == 3:
            index.setdefault(tag[:2], []).append(i)
    return {k: tuple(v) for k, v in index.items()}


class View:
    """What the rules read: fields in order, each one's sequence and parsed components."""

    __slots__ = ("index", "parts", "prefix", "receiver", "sender", "seqs", "tags", "values")

    def __init__(self, tags: Sequence[str], values: Sequence[str], seqs: Sequence[str],
                 parts: list[dict[str, str | None] | None], sender: str | None,
                 receiver: str | None, prefix: str = "", index: Index | None = None) -> None:
        self.tags = tags
        self.values = values
        self.seqs = seqs
        self.parts = parts
        self.sender = sender
        self.receiver = receiver
        self.prefix = prefix
        self.index = tag_index(tuple(tags)) if index is None else index

    def find(self, base: str, seq: str | None = None) -> tuple[int, ...]:
        """Indexes of fields whose tag is `base` ("32A") or starts with it ("56" = 56a)."""
        found = self.index.get(base, _NONE)
        if seq is None or not found:
            return found
        return tuple(i for i in found if self.seqs[i] == seq)

    def first(self, base: str, seq: str | None = None) -> int | None:
        found = self.index.get(base)
        if not found:
            return None
        if seq is None:
            return found[0]
        seqs = self.seqs
        for i in found:
            if seqs[i] == seq:
                return i
        return None

    def part(self, i: int | None, name: str) -> str | None:
        if i is None:
            return None
        parts = self.parts[i]
        return parts.get(name) if parts else None

    def code(self, base: str, seq: str | None = None) -> str | None:
        i = self.first(base, seq)
        parts = self.parts[i] if i is not None else None
        return parts.get("code") if parts else None

    def at(self, i: int | None, fallback: str = "") -> str:
        if i is None:
            return f"{self.prefix}field {fallback}".strip()
        return f"{self.prefix}field {self.tags[i]} line 1".strip()


@dataclass(frozen=True, slots=True)
class Rule:
    name: str  # "MT103.C1"
    code: str  # SWIFT error code, e.g. "D75"
    formats: frozenset[str]
    text: str
    check: Callable[[View], Iterator[Breach]]
    when: frozenset[str] = frozenset()  # fields the rule reads; empty = always run
    gate: tuple[str, frozenset[str]] | None = None  # (tag, codes): breakable only with these


RULES: list[Rule] = []


def rule(name: str, code: str, formats: str, text: str, when: str = "", gate: str = ""
         ) -> Callable[[Callable[[View], Iterator[Breach]]], Callable[[View], Iterator[Breach]]]:
    """Register a rule. `when`: the fields it reads (it is skipped when none is present);
    `gate`: "TAG CODE ..." when it can only be broken while that field holds one of the codes."""
    tag, *codes = gate.split() or [""]

    def add(check: Callable[[View], Iterator[Breach]]) -> Callable[[View], Iterator[Breach]]:
        RULES.append(Rule(name, code, frozenset(formats.split()), text, check,
                          frozenset(when.split()), (tag, frozenset(codes)) if tag else None))
        return check
    return add


MT103_ALL = "mt103 mt103stp mt103remit"
_EEA_LIST = ("AD AT BE BG BV CH CY CZ DE DK EE ES FI FR GB GF GI GP GR HU IE IS IT LI LT LU LV "
             "MC MQ MT NL NO PL PM PT RE RO SE SI SJ SK SM TF VA")
EU_EEA = frozenset(_EEA_LIST.split())  # MT 103 rule C2 country list (SR2025)
_PRIORITY = ("SPRI", "SSTD", "SPAY")


def _codes_23e(v: View) -> list[tuple[int, str]]:
    return [(i, v.part(i, "code") or "") for i in v.find("23E")]


@rule("MT103.C1", "D75", MT103_ALL, "33B with another currency than 32A needs 36; else no 36",
      when="33B 36")
def currency_exchange(v: View) -> Iterator[Breach]:
    i33, i32, i36 = v.first("33B"), v.first("32A"), v.first("36")
    differs = (i33 is not None and i32 is not None
               and v.part(i33, "currency") != v.part(i32, "currency"))
    if differs and i36 is None:
        yield "field 36 is mandatory when 33B and 32A currencies differ", v.at(i33)
    if not differs and i36 is not None:
        yield "field 36 is allowed only when 33B and 32A currencies differ", v.at(i36)


@rule("MT103.C2", "D49", MT103_ALL, "sender and receiver in the EU/EEA list need 33B")
def eea_instructed_amount(v: View) -> Iterator[Breach]:
    if (v.sender and v.receiver and v.sender[4:6] in EU_EEA and v.receiver[4:6] in EU_EEA
            and v.first("33B") is None):
        yield "field 33B is mandatory between EU/EEA countries", v.at(None, "33B")


@rule("MT103.C3a", "E01", MT103_ALL, "23B SPRI allows only 23E SDVA, TELB, PHOB, INTC",
      when="23E", gate="23B SPRI")
def spri_instructions(v: View) -> Iterator[Breach]:
    if v.code("23B") == "SPRI":
        for i, code in _codes_23e(v):
            if code not in ("SDVA", "TELB", "PHOB", "INTC"):
                yield f"23E {code} is not allowed with 23B SPRI", v.at(i)


@rule("MT103.C3b", "E02", MT103_ALL, "23B SSTD or SPAY allows no 23E",
      when="23E", gate="23B SSTD SPAY")
def sstd_no_instructions(v: View) -> Iterator[Breach]:
    if v.code("23B") in ("SSTD", "SPAY"):
        for i in v.find("23E"):
            yield "23E is not allowed with 23B SSTD or SPAY", v.at(i)


@rule("MT103.C4", "E03", "mt103 mt103remit", "23B SPRI/SSTD/SPAY: 53a not option D",
      when="53D", gate="23B SPRI SSTD SPAY")
def no_53d(v: View) -> Iterator[Breach]:
    if v.code("23B") in _PRIORITY:
        for i in v.find("53D"):
            yield "53a must not use option D with 23B SPRI, SSTD or SPAY", v.at(i)


@rule("MT103.C5", "E04", MT103_ALL, "23B SPRI/SSTD/SPAY with 53B needs a party identifier",
      when="53B", gate="23B SPRI SSTD SPAY")
def party_53b(v: View) -> Iterator[Breach]:
    if v.code("23B") in _PRIORITY:
        for i in v.find("53B"):
            if not v.part(i, "account"):
                yield "53B needs a party identifier with 23B SPRI, SSTD or SPAY", v.at(i)


@rule("MT103.C6", "E05", "mt103 mt103remit", "23B SPRI/SSTD/SPAY: 54a option A only",
      when="54", gate="23B SPRI SSTD SPAY")
def only_54a(v: View) -> Iterator[Breach]:
    if v.code("23B") in _PRIORITY:
        for i in v.find("54"):
            if v.tags[i] != "54A":
                yield "54a must use option A with 23B SPRI, SSTD or SPAY", v.at(i)


@rule("MT103.C7", "E06", MT103_ALL, "55a needs both 53a and 54a",
      when="55")
def third_reimbursement(v: View) -> Iterator[Breach]:
    i55 = v.first("55")
    if i55 is not None and (v.first("53") is None or v.first("54") is None):
        yield "field 55a needs both 53a and 54a", v.at(i55)


@rule("MT103.C8", "E07", "mt103 mt103remit", "23B SPRI/SSTD/SPAY: 55a option A only",
      when="55", gate="23B SPRI SSTD SPAY")
def only_55a(v: View) -> Iterator[Breach]:
    if v.code("23B") in _PRIORITY:
        for i in v.find("55"):
            if v.tags[i] != "55A":
                yield "55a must use option A with 23B SPRI, SSTD or SPAY", v.at(i)


@rule("MT103.C9", "C81", MT103_ALL + " mt202 mt205 mt202cov mt205cov", "56a needs 57a",
      when="56")
def intermediary_needs_account_with(v: View) -> Iterator[Breach]:
    i56 = v.first("56", "A")
    if i56 is not None and v.first("57", "A") is None:
        yield "field 56a needs field 57a", v.at(i56)


@rule("MT103.C10", "E16", MT103_ALL, "23B SPRI: no 56a",
      when="56", gate="23B SPRI")
def spri_no_intermediary(v: View) -> Iterator[Breach]:
    if v.code("23B") == "SPRI":
        for i in v.find("56"):
            yield "field 56a is not allowed with 23B SPRI", v.at(i)


@rule("MT103.C11", "E17", "mt103 mt103remit", "23B SSTD/SPAY: 56a option A or C only",
      when="56", gate="23B SSTD SPAY")
def sstd_56_options(v: View) -> Iterator[Breach]:
    if v.code("23B") in ("SSTD", "SPAY"):
        for i in v.find("56"):
            if v.tags[i] not in ("56A", "56C"):
                yield "56a must use option A or C with 23B SSTD or SPAY", v.at(i)


@rule("MT103.C12", "E09", "mt103 mt103remit", "23B SPRI/SSTD/SPAY: 57a A, C or D with party id",
      when="57", gate="23B SPRI SSTD SPAY")
def priority_57_options(v: View) -> Iterator[Breach]:
    if v.code("23B") in _PRIORITY:
        for i in v.find("57"):
            if v.tags[i] == "57B":
                yield "57a must use option A, C or D with 23B SPRI, SSTD or SPAY", v.at(i)
            elif v.tags[i] == "57D" and not v.part(i, "account"):
                yield "57D needs a party identifier with 23B SPRI, SSTD or SPAY", v.at(i)


@rule("MT103.C13", "E10", MT103_ALL, "23B SPRI/SSTD/SPAY: 59a account mandatory",
      when="59", gate="23B SPRI SSTD SPAY")
def priority_beneficiary_account(v: View) -> Iterator[Breach]:
    if v.code("23B") in _PRIORITY:
        for i in v.find("59"):
            if not v.part(i, "account"):
                yield "59a needs an account with 23B SPRI, SSTD or SPAY", v.at(i)


@rule("MT103.C14", "E18", MT103_ALL, "23E CHQB: no account in 59a",
      when="23E")
def cheque_no_account(v: View) -> Iterator[Breach]:
    if any(code == "CHQB" for _, code in _codes_23e(v)):
        for i in v.find("59"):
            if v.part(i, "account"):
                yield "59a must not have an account when 23E is CHQB", v.at(i)


@rule("MT103.C15a", "E13", MT103_ALL, "71A OUR: no 71F",
      when="71F", gate="71A OUR")
def our_charges(v: View) -> Iterator[Breach]:
    if v.code("71A") == "OUR":
        for i in v.find("71F"):
            yield "field 71F is not allowed with 71A OUR", v.at(i)


@rule("MT103.C15b", "D50", MT103_ALL, "71A SHA: no 71G",
      when="71G", gate="71A SHA")
def sha_charges(v: View) -> Iterator[Breach]:
    if v.code("71A") == "SHA":
        for i in v.find("71G"):
            yield "field 71G is not allowed with 71A SHA", v.at(i)


@rule("MT103.C15c", "E15", MT103_ALL, "71A BEN: 71F mandatory, no 71G",
      when="71A", gate="71A BEN")
def ben_charges(v: View) -> Iterator[Breach]:
    if v.code("71A") == "BEN":
        if v.first("71F") is None:
            yield "field 71F is mandatory with 71A BEN", v.at(v.first("71A"))
        for i in v.find("71G"):
            yield "field 71G is not allowed with 71A BEN", v.at(i)


@rule("MT103.C16", "D51", MT103_ALL, "71F or 71G needs 33B",
      when="71F 71G")
def charges_need_instructed_amount(v: View) -> Iterator[Breach]:
    charges = v.find("71F") + v.find("71G")
    if charges and v.first("33B") is None:
        yield "field 33B is mandatory when 71F or 71G is present", v.at(charges[0])


@rule("MT103.C17", "C02", MT103_ALL, "71G currency equals 32A currency",
      when="71G")
def receiver_charges_currency(v: View) -> Iterator[Breach]:
    i71, i32 = v.first("71G"), v.first("32A")
    if i71 is not None and i32 is not None and (
            v.part(i71, "currency") != v.part(i32, "currency")):
        yield "the currency of 71G must be the currency of 32A", v.at(i71)


@rule("MT103.C18", "E44", MT103_ALL, "no 56a: 23E not TELI nor PHOI",
      when="23E")
def no_intermediary_codes(v: View) -> Iterator[Breach]:
    if v.first("56") is None:
        for i, code in _codes_23e(v):
            if code in ("TELI", "PHOI"):
                yield f"23E {code} needs field 56a", v.at(i)


@rule("MT103.C19", "E45", MT103_ALL, "no 57a: 23E not TELE nor PHON",
      when="23E")
def no_account_with_codes(v: View) -> Iterator[Breach]:
    if v.first("57") is None:
        for i, code in _codes_23e(v):
            if code in ("TELE", "PHON"):
                yield f"23E {code} needs field 57a", v.at(i)


@rule("MT103.23E", "E46", MT103_ALL, "a 23E code appears once",
      when="23E")
def unique_instruction_codes(v: View) -> Iterator[Breach]:
    seen: set[str] = set()
    for i, code in _codes_23e(v):
        if code in seen:
            yield f"23E {code} is repeated", v.at(i)
        seen.add(code)


@rule("MT202COV.C2", "C68", "mt202cov mt205cov", "sequence B: 56a needs 57a",
      when="56")
def cover_intermediary(v: View) -> Iterator[Breach]:
    i56 = v.first("56", "B")
    if i56 is not None and v.first("57", "B") is None:
        yield "in sequence B, field 56a needs field 57a", v.at(i56)


@rule("MT760.C1", "E01", "mt760", "23B FIXD needs 31E; COND allows it; OPEN forbids it",
      when="23B")
def expiry_date(v: View) -> Iterator[Breach]:
    for seq in ("B", "C"):
        kind, i31 = v.code("23B", seq), v.first("31E", seq)
        if kind == "FIXD" and i31 is None:
            yield f"sequence {seq}: 23B FIXD needs field 31E", v.at(v.first("23B", seq))
        elif kind not in ("FIXD", "COND", None) and i31 is not None:
            yield f"sequence {seq}: field 31E is allowed only with 23B FIXD or COND", v.at(i31)


@rule("MT760.C2", "E02", "mt760", "23B COND needs 35G; otherwise no 35G",
      when="23B")
def expiry_condition(v: View) -> Iterator[Breach]:
    for seq in ("B", "C"):
        kind, i35 = v.code("23B", seq), v.first("35G", seq)
        if kind == "COND" and i35 is None:
            yield f"sequence {seq}: 23B COND needs field 35G", v.at(v.first("23B", seq))
        elif kind is not None and kind != "COND" and i35 is not None:
            yield f"sequence {seq}: field 35G is allowed only with 23B COND", v.at(i35)


@rule("MT760.C3", "E03", "mt760", "23B OPEN: no 23F",
      when="23B")
def open_no_extension(v: View) -> Iterator[Breach]:
    for seq in ("B", "C"):
        if v.code("23B", seq) == "OPEN":
            for i in v.find("23F", seq):
                yield f"sequence {seq}: field 23F is not allowed with 23B OPEN", v.at(i)


@rule("MT760.C4", "C17", "mt760", "22A ISSU needs 50 in sequence B",
      when="22A")
def issue_needs_applicant(v: View) -> Iterator[Breach]:
    if v.code("22A", "A") == "ISSU" and v.first("50", "B") is None:
        yield "22A ISSU needs field 50 in sequence B", v.at(v.first("22A", "A"))


@rule("MT760.C5", "C18", "mt760", "STBY issued needs 49; DGAR forbids 49",
      when="22A 22D")
def confirmation(v: View) -> Iterator[Breach]:
    kind, i49 = v.code("22D", "B"), v.first("49", "B")
    if v.code("22A", "A") == "ISSU" and kind == "STBY" and i49 is None:
        yield "22D STBY with 22A ISSU needs field 49", v.at(v.first("22D", "B"))
    if kind == "DGAR" and i49 is not None:
        yield "field 49 is not allowed with 22D DGAR", v.at(i49)


@rule("MT760.C6", "C19", "mt760", "22A ISCO/ICCO: no 48D/24E/24G in B; sequence C present")
def counter_undertaking(v: View) -> Iterator[Breach]:
    counter = v.code("22A", "A") in ("ISCO", "ICCO")
    has_c = "C" in v.seqs
    if counter:
        for base in ("48D", "24E", "24G"):
            for i in v.find(base, "B"):
                yield f"field {base} is not allowed in sequence B with 22A ISCO/ICCO", v.at(i)
    if counter != has_c:
        yield ("sequence C is mandatory with 22A ISCO or ICCO and not allowed otherwise",
               v.at(v.first("22A", "A")))


@rule("MT760.C7", "C81", "mt760", "sequence B: 57a needs 56a",
      when="57")
def advising_through(v: View) -> Iterator[Breach]:
    i57 = v.first("57", "B")
    if i57 is not None and v.first("56", "B") is None:
        yield "in sequence B, field 57a needs field 56a", v.at(i57)


@rule("MT760.C8", "C16", "mt760", "no 23F: no 78, 26E, 31S",
      when="78 26E 31S")
def extension_details(v: View) -> Iterator[Breach]:
    for seq in ("B", "C"):
        if v.first("23F", seq) is None:
            for base in ("78", "26E", "31S"):
                for i in v.find(base, seq):
                    yield f"sequence {seq}: field {base} needs field 23F", v.at(i)


@rule("MT760.C9", "C20", "mt760", "49 CONFIRM or MAY ADD needs 58a; else no 58a",
      when="49 58")
def confirmation_party(v: View) -> Iterator[Breach]:
    i49, i58 = v.first("49", "B"), v.first("58", "B")
    wants = i49 is not None and v.values[i49] in ("CONFIRM", "MAY ADD")
    if wants and i58 is None:
        yield "field 58a is mandatory when 49 is CONFIRM or MAY ADD", v.at(i49)
    if not wants and i58 is not None:
        yield "field 58a is allowed only when 49 is CONFIRM or MAY ADD", v.at(i58)


@rule("MT760.C10", "760C10", "mt760", "sequence C: 22Y needs 22K",
      when="22Y")
def standard_wording_type(v: View) -> Iterator[Breach]:
    i22y = v.first("22Y", "C")
    if i22y is not None and v.first("22K", "C") is None:
        yield "in sequence C, field 22Y needs field 22K (type of undertaking)", v.at(i22y)


@rule("MT760.C11", "760C11", "mt760", "41a only with 22D STBY",
      when="41")
def available_with(v: View) -> Iterator[Breach]:
    for seq in ("B", "C"):
        form = v.code("22D", seq)
        if form is not None and form != "STBY":
            for i in v.find("41", seq):
                yield (f"sequence {seq}: field 41a is allowed only with 22D STBY, not {form}",
                       v.at(i))


@rule("MTn99.REJT", "T80", "mt199 mt299", "79 /REJT/ or /RETN/ follows the guideline",
      when="79")
def reject_return_layout(v: View) -> Iterator[Breach]:
    for i in v.find("79"):
        text = v.values[i]
        if rejects.is_reject_return(text):
            for line, sentence in rejects.read(text)[1]:
                yield sentence, f"{v.prefix}field 79 line {line}"


@rule("MTn92.C1", "C25", "mt192 mt292", "79 or copied fields, or both")
def cancellation_content(v: View) -> Iterator[Breach]:
    copies = [i for i, t in enumerate(v.tags) if t not in ("20", "21", "11S", "79")]
    if v.first("79") is None and not copies:
        yield "field 79 or a copy of the original message's fields must be present", v.at(
            None, "79")


@rule("MTn96.C1", "C31", "mt196 mt296", "79 or copied fields, not both",
      when="79")
def answer_content(v: View) -> Iterator[Breach]:
    copies = [i for i, t in enumerate(v.tags)
              if t not in ("20", "21", "76", "77A", "11R", "11S", "79")]
    if v.first("79") is not None and copies:
        yield "field 79 and copied fields must not both be present", v.at(copies[0])


@rule("MT910.C1", "C06", "mt910", "50a or 52a, not both")
def credit_origin(v: View) -> Iterator[Breach]:
    i50, i52 = v.first("50"), v.first("52")
    if (i50 is None) == (i52 is None):
        yield "either field 50a or field 52a must be present, not both", v.at(i50 or i52, "50a")


_BY_FORMAT: dict[str, tuple[Rule, ...]] = {}


def rules_for(spec_name: str) -> tuple[Rule, ...]:
    found = _BY_FORMAT.get(spec_name)
    if found is None:
        found = _BY_FORMAT[spec_name] = tuple(r for r in RULES if spec_name in r.formats)
    return found


def active(spec_name: str, present: Iterable[str]) -> tuple[Rule, ...]:
    """The rules of a format that can be broken by a message holding the fields `present`
    (tags and tag numbers, as in View.index), in catalogue order."""
    have = frozenset(present)
    return tuple(r for r in rules_for(spec_name) if not r.when or not have.isdisjoint(r.when))


def run(spec_name: str, view: View, out: list[Diagnostic],
        selected: tuple[Rule, ...] | None = None) -> None:
    """Append a diagnostic for each breach; `selected` is `active(...)` when already known."""
    gates: dict[str, str | None] = {}  # gate tag -> its code, read once
    for r in active(spec_name, view.index) if selected is None else selected:
        gate = r.gate
        if gate is not None:
            tag, codes = gate
            if tag in gates:
                code = gates[tag]
            else:
                code = gates[tag] = view.code(tag)
            if code not in codes:
                continue
        for text, where in r.check(view):
            out.append(Diagnostic(f"MT.{r.code}", f"{r.name}: {text}", where))
