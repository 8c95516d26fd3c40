"""Field formats as data, in SWIFT notation, with the name of every component.

Source: SWIFT Standards MT, Standards Release 2025 (Category 1, 2, 7 and 9 Message Reference
Guides and "Standards MT General Information"). SR2026 changes known at the time of writing
are noted in SR2026_NOTES; they do not change any format below.

A component's name says which semantic check applies on top of the notation:
    date (YYMMDD), time (HHMM), offset (HHMM), currency (ISO 4217), amount (comma decimal with
    the currency's minor units), bic (ISO 9362), reference (no leading/trailing "/" nor "//"),
    code (a code word, checked against the message spec's code list).
"""

from __future__ import annotations

from hub.codecs.swift_mt.notation import Notation, compile_notation

STANDARDS_RELEASE = "SR2025"
SR2026_NOTES = (
    "SR2026: from November 2026 unstructured postal addresses (50K/59 name and address without "
    "town and country) are no longer accepted in CBPR+ MX; the MT formats are unchanged.",
    "SR2026: MT field formats of categories 1, 2, 7 and 9 used here are unchanged.",
)

_PARTY_ID = "[/1!a][/34x]CrLf"
_BIC = "(4!a2!a2!c[3!c])"

# tag (with option letter) -> (notation, component names)
FORMATS: dict[str, tuple[str, str]] = {
    "11R": ("3!nCrLf6!n[CrLf4!n6!n]", "mt date session isn"),
    "11S": ("3!nCrLf6!n[CrLf4!n6!n]", "mt date session isn"),
    "13C": ("/8c/4!n1!x4!n", "code time sign offset"),
    "13D": ("6!n4!n1!x4!n", "date time sign offset"),
    "15A": ("", ""),
    "15B": ("", ""),
    "15C": ("", ""),
    "20": ("16x", "reference"),
    "21": ("16x", "reference"),
    "22A": ("4!c", "code"),
    "22D": ("4!c", "code"),
    "22K": ("4!c[/35x]", "code text"),
    "22Y": ("4!c", "code"),
    "23": ("4!c[/35x]", "code text"),
    "23B": ("4!c", "code"),
    "23E": ("4!c[/35x]", "code text"),
    "23F": ("4!c[/35x]", "code text"),
    "23X": ("4!c/65z", "code text"),
    "24E": ("4!c[/35x]", "code text"),
    "24G": ("4!c[CrLf6*35x]", "code text"),
    "25": ("35x", "account"),
    "25P": ("35xCrLf" + _BIC, "account bic"),
    "26E": ("3n", "number"),
    "26T": ("3!c", "code"),
    "27": ("1!n/1!n", "number total"),
    "30": ("6!n", "date"),
    "31C": ("6!n", "date"),
    "31E": ("6!n", "date"),
    "31S": ("6!n", "date"),
    "32A": ("6!n3!a15d", "date currency amount"),
    "32B": ("3!a15d", "currency amount"),
    "33B": ("3!a15d", "currency amount"),
    "35G": ("12*65x", "text"),
    "36": ("12d", "rate"),
    "39E": ("12*65z", "text"),
    "39F": ("12*65z", "text"),
    "40C": ("4!a[/35x]", "code text"),
    "40D": ("2!a", "language"),  # MT 760 sequence C: standard wording requested language
    "41F": (_BIC, "bic"),
    "41G": ("4*35x", "name_address"),
    "44H": ("2!a[/65x]", "country text"),
    "44J": ("2!a[/65x]", "country text"),
    "45C": ("100*65z", "text"),
    "45L": ("50*65z", "text"),
    "48B": ("4!c[/35x]", "code text"),
    "48D": ("4!c[/35x]", "code text"),
    "49": ("7!x", "code"),
    "50": ("4*35x", "name_address"),
    "50A": ("[/34x]CrLf" + _BIC, "account bic"),
    "50F": ("35xCrLf4*35x", "party_identifier name_address"),
    "50K": ("[/34x]CrLf4*35x", "account name_address"),
    "51": ("4*35x", "name_address"),
    "51A": (_PARTY_ID + _BIC, "party_code account bic"),
    "52A": (_PARTY_ID + _BIC, "party_code account bic"),
    "52D": (_PARTY_ID + "4*35x", "party_code account name_address"),
    "53A": (_PARTY_ID + _BIC, "party_code account bic"),
    "53B": ("[/1!a][/34x][CrLf35x]", "party_code account location"),
    "53D": (_PARTY_ID + "4*35x", "party_code account name_address"),
    "54A": (_PARTY_ID + _BIC, "party_code account bic"),
    "54B": ("[/1!a][/34x][CrLf35x]", "party_code account location"),
    "54D": (_PARTY_ID + "4*35x", "party_code account name_address"),
    "55A": (_PARTY_ID + _BIC, "party_code account bic"),
    "55B": ("[/1!a][/34x][CrLf35x]", "party_code account location"),
    "55D": (_PARTY_ID + "4*35x", "party_code account name_address"),
    "56A": (_PARTY_ID + _BIC, "party_code account bic"),
    "56C": ("/34x", "account"),
    "56D": (_PARTY_ID + "4*35x", "party_code account name_address"),
    "57A": (_PARTY_ID + _BIC, "party_code account bic"),
    "57B": ("[/1!a][/34x][CrLf35x]", "party_code account location"),
    "57C": ("/34x", "account"),
    "57D": (_PARTY_ID + "4*35x", "party_code account name_address"),
    "58A": (_PARTY_ID + _BIC, "party_code account bic"),
    "58D": (_PARTY_ID + "4*35x", "party_code account name_address"),
    "59": ("[/34x]CrLf4*35x", "account name_address"),
    "59A": ("[/34x]CrLf" + _BIC, "account bic"),
    "59F": ("[/34x]CrLf4*35x", "account name_address"),
    "70": ("4*35x", "text"),
    "71A": ("3!a", "code"),
    "71D": ("6*35z", "text"),
    "71F": ("3!a15d", "currency amount"),
    "71G": ("3!a15d", "currency amount"),
    "72": ("6*35x", "text"),
    "72Z": ("6*35z", "text"),
    "76": ("6*35x", "text"),
    "77A": ("20*35x", "text"),
    "77B": ("3*35x", "text"),
    "77L": ("150*65z", "text"),
    "77T": ("9000z", "text"),
    "77U": ("150*65z", "text"),
    "78": ("150*65x", "text"),
    "79": ("35*50x", "text"),
}

# The BIC part of option A fields, used to find the BIC component quickly.
BIC_FIELDS = frozenset(tag for tag, (_, names) in FORMATS.items() if "bic" in names.split())

_COMPILED: dict[str, Notation] = {tag: compile_notation(text, names)
                                  for tag, (text, names) in FORMATS.items()}


def notation(tag: str) -> Notation | None:
    """The compiled notation of a field tag with option letter ("32A", "59", "59F")."""
    return _COMPILED.get(tag)


def field_letter(tag: str) -> tuple[str, str]:
    """Split "52A" into ("52", "A"); "59" into ("59", "")."""
    return (tag[:2], tag[2:]) if len(tag) > 2 else (tag, "")
