"""Message structures as data: sequences, fields, options, status and repetition (SR2025).

Each line of a spec reads like the standard's format specification table:
    "A 20 M"           sequence A, field 20, mandatory
    "A 13C O*"         optional, repeatable
    "A 50[AFK] M"      field 50 with option A, F or K
    "B 59[-AF] M"      field 59 without letter, or option A or F
    "A * O*"           any field (copies of the original message's fields in n92/n96)
Code lists give the code words a field may hold in that message type (error T08 otherwise).
Sources: SWIFT Standards MT SR2025 Message Reference Guides, Category 1 (MT 103, 103 STP,
103 REMIT, 192, 196, 199), Category 2 (MT 202, 202 COV, 205, 205 COV, 292, 296, 299),
Category 7 (MT 760, SR2021 structure unchanged through SR2025) and Category 9 (MT 900, 910).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hub.codecs.swift_mt.fields import STANDARDS_RELEASE

_LINE = re.compile(r"([A-Z]) (\*|[0-9]{2}[A-Z]?)(?:\[([-A-Z]+)\])? ([MO])(\*?)")


@dataclass(frozen=True, slots=True)
class Entry:
    sequence: str
    label: str  # "50a", "20", "*"
    tags: frozenset[str]  # allowed tags with option letter; empty = any tag
    mandatory: bool
    repeatable: bool


@dataclass(frozen=True, slots=True)
class Spec:
    name: str  # format name, e.g. "mt202cov"
    message_type: str  # "202"
    entries: tuple[Entry, ...]
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
    optional_sequences: frozenset[str] = frozenset()
    release: str = STANDARDS_RELEASE

    def allows(self, tag: str) -> bool:
        return any(not e.tags or tag in e.tags for e in self.entries)


def _entries(text: str) -> tuple[Entry, ...]:
    out: list[Entry] = []
    for line in filter(None, text.strip().splitlines()):
        m = _LINE.fullmatch(line.strip())
        if m is None:
            raise ValueError(f"bad spec line {line!r}")
        seq, tag, options, status, star = m.groups()
        if tag == "*":
            tags: frozenset[str] = frozenset()
            label = "*"
        elif options:
            tags = frozenset(tag + ("" if o == "-" else o) for o in options)
            label = tag + "a"
        else:
            tags = frozenset({tag})
            label = tag
        out.append(Entry(seq, label, tags, status == "M", bool(star)))
    return tuple(out)


def _codes(**lists: str) -> dict[str, frozenset[str]]:
    return {tag.lstrip("_"): frozenset(words.split()) for tag, words in lists.items()}


_MT103 = """
A 20 M
A 13C O*
A 23B M
A 23E O*
A 26T O
A 32A M
A 33B O
A 36 O
A 50[AFK] M
A 51A O
A 52[AD] O
A 53[ABD] O
A 54[ABD] O
A 55[ABD] O
A 56[ACD] O
A 57[ABCD] O
A 59[-AF] M
A 70 O
A 71A M
A 71F O*
A 71G O
A 72 O
A 77B O
A 77T O
"""
_MT103_STP = """
A 20 M
A 13C O*
A 23B M
A 23E O*
A 26T O
A 32A M
A 33B O
A 36 O
A 50[AFK] M
A 52A O
A 53[AB] O
A 54A O
A 55A O
A 56A O
A 57A O
A 59[-AF] M
A 70 O
A 71A M
A 71F O*
A 71G O
A 72 O
A 77B O
"""
_MT103_REMIT = _MT103.replace("A 70 O\n", "").replace("A 77T O", "A 77T M")
_CODES_103 = _codes(
    _13C="SNDTIME RNCTIME CLSTIME TILTIME FROTIME REJTIME",
    _23B="CRED CRTS SPAY SPRI SSTD",
    _23E="CHQB CORT HOLD INTC PHOB PHOI PHON REPA SDVA TELB TELE TELI",
    _71A="BEN OUR SHA",
)
_CODES_103_STP = {**_CODES_103, "23E": frozenset(["CORT", "INTC", "SDVA", "REPA"])}

_MT202 = """
A 20 M
A 21 M
A 13C O*
A 32A M
A 52[AD] O
A 53[ABD] O
A 54[ABD] O
A 56[AD] O
A 57[ABD] O
A 58[AD] M
A 72 O
"""
_MT205 = """
A 20 M
A 21 M
A 13C O*
A 32A M
A 52[AD] M
A 53[ABD] O
A 56[AD] O
A 57[ABD] O
A 58[AD] M
A 72 O
"""
_SEQ_B_COV = """
B 50[AFK] M
B 52[AD] O
B 56[ACD] O
B 57[ABCD] O
B 59[-AF] M
B 70 O
B 72 O
B 33B O
"""
_CODES_2 = _codes(_13C="SNDTIME RNCTIME CLSTIME TILTIME FROTIME REJTIME")

_MT760 = """
A 15A M
A 27 M
A 22A M
A 72Z O
A 23X O
B 15B M
B 20 M
B 30 M
B 22D M
B 40C M
B 23B M
B 31E O
B 35G O
B 50 O
B 51 O
B 52[AD] M
B 59[-A] M
B 56[AD] O
B 23 O
B 57[AD] O
B 32B M
B 39F O
B 41[FG] O
B 71D O
B 45C O
B 77U M
B 49 O
B 58[AD] O
B 44J O
B 23F O
B 78 O
B 26E O
B 31S O
B 48B O
B 48D O
B 39E O
B 45L O
B 24E O
B 24G O
C 15C M
C 31C O
C 22D M
C 40C M
C 22K O
C 23B M
C 31E O
C 35G O
C 50 M
C 51 O
C 52[AD] O
C 59[-A] M
C 32B M
C 39F O
C 41[FG] O
C 71D O
C 45C O
C 77L M
C 22Y O
C 40D O
C 44J O
C 23F O
C 78 O
C 26E O
C 31S O
C 48B O
C 48D O
C 39E O
C 45L O
C 44H O
C 24E O
C 24G O
"""
_CODES_760 = _codes(
    _22A="ISSU ICCO ISCO",
    _22D="DGAR STBY DEPU",
    _22Y="STND",
    _23B="FIXD COND OPEN",
    _40C="ISPR NONE OTHR UCPR URDG",
    _22K="APAY BILL CUST DPAY INSU JUDI LEAS OTHR PAYM PERF RETN SHIP TEND WARR",
    _23F="EXTD RLAS",
    _24E="COUR MAIL MESS OTHR REGM",
    _24G="BENE OTHR",
)

_FREE = """
A 20 M
A 21 O
A 79 M
"""
_CANCEL = """
A 20 M
A 21 M
A 11S M
A 79 O
A * O*
"""
_ANSWER = """
A 20 M
A 21 M
A 76 M
A 77A O
A 11[RS] O
A 79 O
A * O*
"""
_MT900 = """
A 20 M
A 21 M
A 25[-P] M
A 13D O
A 32A M
A 52[AD] O
A 72 O
"""
_MT910 = """
A 20 M
A 21 M
A 25[-P] M
A 13D O
A 32A M
A 50[AFK] O
A 52[AD] O
A 56[AD] O
A 72 O
"""

SPECS: dict[str, Spec] = {
    "mt103": Spec("mt103", "103", _entries(_MT103), _CODES_103),
    "mt103stp": Spec("mt103stp", "103", _entries(_MT103_STP), _CODES_103_STP),
    "mt103remit": Spec("mt103remit", "103", _entries(_MT103_REMIT), _CODES_103),
    "mt202": Spec("mt202", "202", _entries(_MT202), _CODES_2),
    "mt202cov": Spec("mt202cov", "202", _entries(_MT202 + _SEQ_B_COV), _CODES_2),
    "mt205": Spec("mt205", "205", _entries(_MT205), _CODES_2),
    "mt205cov": Spec("mt205cov", "205", _entries(_MT205 + _SEQ_B_COV), _CODES_2),
    "mt760": Spec("mt760", "760", _entries(_MT760), _CODES_760, frozenset({"C"})),
    "mt199": Spec("mt199", "199", _entries(_FREE)),
    "mt299": Spec("mt299", "299", _entries(_FREE)),
    "mt192": Spec("mt192", "192", _entries(_CANCEL)),
    "mt292": Spec("mt292", "292", _entries(_CANCEL)),
    "mt196": Spec("mt196", "196", _entries(_ANSWER)),
    "mt296": Spec("mt296", "296", _entries(_ANSWER)),
    "mt900": Spec("mt900", "900", _entries(_MT900)),
    "mt910": Spec("mt910", "910", _entries(_MT910)),
}

FORMATS = ("mt103", "mt202", "mt202cov", "mt205", "mt205cov", "mt760", "mt199", "mt299",
           "mt192", "mt292", "mt196", "mt296", "mt900", "mt910")
BY_TYPE = {"103": "mt103", "202": "mt202", "205": "mt205", "760": "mt760", "199": "mt199",
           "299": "mt299", "192": "mt192", "292": "mt292", "196": "mt196", "296": "mt296",
           "900": "mt900", "910": "mt910"}


def format_name(message_type: str | None, validation_flag: str | None) -> str | None:
    """The public format name of a message: block 2 type plus block 3 field 119."""
    name = BY_TYPE.get(message_type or "")
    if name in ("mt202", "mt205") and validation_flag == "COV":
        return name + "cov"
    return name


def spec_for(format: str, validation_flag: str | None) -> Spec | None:
    """The structure to check: MT 103 STP and REMIT variants chosen by block 3 field 119."""
    if format == "mt103" and validation_flag in ("STP", "REMIT"):
        return SPECS["mt103" + validation_flag.lower()]
    return SPECS.get(format)
