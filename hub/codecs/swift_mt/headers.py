"""Header faults with SWIFT's own error codes: basic header (block 1) and application header
(block 2) H-codes, user header (block 3) U-codes, and the trailer (block 5).

Source: SWIFT "FIN Error Codes", chapter 3, "H Codes - Basic Header and Application Header
Validation" and "U Codes - User Header Validation"; field formats from the FIN Service
Description ("Message Structure"). The U-codes U00-U03, U08 and U09 were read in the 23 July
2010 edition (section 3.16), the H-codes H01-H50 in IBM Sterling's "Header Validation Error
Codes" table; U13 (field 121), H80 and H81 were not found in a published copy (see
docs/formats/swift-mt.md). A fault the guide gives no code of its own keeps the hub's code
(MT.BLOCK3 for a malformed 103, 111, 115, 165, 423, 424, 433 or 434; MT.BLOCK5 for the
trailer).
"""

from __future__ import annotations

import re

from hub.codecs.swift_mt.specs import BY_TYPE
from hub.errors import Diagnostic

Pairs = list[tuple[str, str]]
Fault = tuple[str, str]  # (code, sentence)

_LT = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}[A-Z0-9][A-Z0-9]{3}")
_DIGITS = re.compile(r"[0-9]+")


def _digits(text: str, n: int) -> bool:
    return len(text) == n and _DIGITS.fullmatch(text) is not None


def block1_fault(value: str) -> Fault:
    """Why a basic header value is not F01/F21 + LT address + session + ISN (25 characters)."""
    if len(value) != 25:
        return "MT.H01", (f"basic header {value!r} has {len(value)} characters, not 25 "
                          "(application, service, LT address, session, sequence)")
    if value[0] not in "FAL":
        return "MT.H02", f"application identifier {value[0]!r} is not F, A or L"
    if value[1:3] not in ("01", "03", "21"):
        return "MT.H03", f"service identifier {value[1:3]!r} is not 01, 03 or 21"
    if _LT.fullmatch(value[3:15]) is None:
        return "MT.H10", f"{value[3:15]!r} is not an LT address (BIC8 + terminal + branch)"
    if not _digits(value[15:19], 4):
        return "MT.H15", f"session number {value[15:19]!r} is not four digits"
    return "MT.H20", f"input sequence number {value[19:]!r} is not six digits"


def block2_fault(value: str) -> Fault:
    """Why an application header value is neither the input nor the output form."""
    if not value or value[0] not in "IO":
        return "MT.H26", f"application header {value[:1]!r} is neither I (input) nor O (output)"
    if not _digits(value[1:4], 3):
        return "MT.H30", f"message type {value[1:4]!r} is not three digits"
    if value[0] == "O":
        if len(value) not in (46, 47):
            return "MT.H25", (f"output application header has {len(value)} characters, not "
                              "46 or 47")
        if len(value) == 47 and value[46] not in "SNU":
            return "MT.H40", f"priority {value[46]!r} is not S, N or U"
        return "MT.H25", "output application header: input time, MIR or output date/time " \
                         "malformed"
    if len(value) < 16:
        return "MT.H25", (f"input application header {value!r} is too short for type and "
                          "receiver address")
    if _LT.fullmatch(value[4:16]) is None:
        return "MT.H50", f"{value[4:16]!r} is not a destination LT address"
    rest = value[16:]
    if rest[:1] and not rest[0].isdigit():
        if rest[0] not in "SNU":
            return "MT.H40", f"priority {rest[0]!r} is not S, N or U"
        rest = rest[1:]
    if rest[:1] and rest[0] not in "123" and len(rest) != 3:
        return "MT.H80", f"delivery monitoring {rest[0]!r} is not 1, 2 or 3"
    if len(rest) in (1, 4):
        rest = rest[1:]
    if len(rest) > 3 or (rest and not _digits(rest, 3)):
        return "MT.H81", f"obsolescence period {rest!r} is not three digits"
    return "MT.H25", f"application header {value!r} is not in the input form"


_X_SET = "A-Za-z0-9/\\-?:().,'+ "
# block 3 tag -> (value pattern, SWIFT's code for a malformed value)
USER_TAGS: dict[str, tuple[re.Pattern[str], str]] = {
    "103": (re.compile(r"[A-Z]{3}"), "MT.BLOCK3"),
    "108": (re.compile(f"[{_X_SET}]{{1,16}}"), "MT.U02"),
    "111": (re.compile(r"[0-9]{3}"), "MT.BLOCK3"),
    "113": (re.compile(f"[{_X_SET}]{{4}}"), "MT.U01"),
    "115": (re.compile(f"[0-9]{{6}}[0-9]{{6}}[A-Z]{{2}}[{_X_SET}]{{1,16}}"), "MT.BLOCK3"),
    "119": (re.compile(r"[A-Z0-9]{1,8}"), "MT.U08"),
    "121": (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
            "MT.U13"),
    "165": (re.compile(f"/[A-Z0-9]{{3}}/(?:[{_X_SET}]{{1,34}})?"), "MT.BLOCK3"),
    "423": (re.compile(r"[0-9]{12}(?:[0-9]{2}(?:[0-9]{1,3})?)?"), "MT.BLOCK3"),
    "424": (re.compile(f"[{_X_SET}]{{1,16}}"), "MT.BLOCK3"),
    "433": (re.compile(f"/(?:AOK|FPO|NOK)(?:/[{_X_SET}]{{1,20}})?"), "MT.BLOCK3"),
    "434": (re.compile(f"/[A-Z0-9]{{3}}/(?:[{_X_SET}]{{1,20}})?"), "MT.BLOCK3"),
}
# message type -> the validation flags (field 119) that select its special validation
VALIDATION_FLAGS: dict[str, frozenset[str]] = {
    "103": frozenset({"STP", "REMIT"}),
    "202": frozenset({"COV"}),
    "205": frozenset({"COV"}),
}
TRAILER_TAGS = frozenset({"CHK", "MAC", "PDE", "PDM", "DLM", "MRF", "TNG", "SYS", "PAC"})
_CHK = re.compile(r"[0-9A-F]{12}")


def _check_flag(value: str, message_type: str | None, where: str,
                found: list[Diagnostic]) -> None:
    """Field 119 names a special validation of the message type (U09, U08 otherwise)."""
    flags = VALIDATION_FLAGS.get(message_type or "")
    if flags is None:
        found.append(Diagnostic("MT.U09", f"MT {message_type} has no special validation for "
                                f"{{119:{value}}}", where))
    elif value not in flags:
        found.append(Diagnostic("MT.U08", f"{value!r} is not a validation flag of MT "
                                f"{message_type} ({', '.join(sorted(flags))})", where))


def check_header_pairs(user: Pairs | None, trailer: Pairs | None, prefix: str,
                       found: list[Diagnostic], message_type: str | None = None) -> None:
    """Block 3 and block 5 fields: known tags, well-formed values, and a validation flag
    (119) only where the message type has a special validation it selects."""
    for tag, value in user or ():
        known = USER_TAGS.get(tag)
        if known is None:
            found.append(Diagnostic("MT.U00", f"block 3 field {tag!r} is not defined",
                                    f"{prefix}block 3 field {tag}"))
            continue
        pattern, code = known
        if pattern.fullmatch(value) is None:
            found.append(Diagnostic(code, f"block 3 field {tag} value {value!r} is malformed",
                                    f"{prefix}block 3 field {tag}"))
        elif tag == "119" and message_type in BY_TYPE:
            _check_flag(value, message_type, f"{prefix}block 3 field {tag}", found)
    for tag, value in trailer or ():
        if tag not in TRAILER_TAGS:
            found.append(Diagnostic("MT.BLOCK5", f"block 5 field {tag!r} is not defined",
                                    f"{prefix}block 5 field {tag}"))
        elif tag == "CHK" and _CHK.fullmatch(value) is None:
            found.append(Diagnostic("MT.BLOCK5", "CHK must be 12 hexadecimal characters",
                                    f"{prefix}block 5 field CHK"))
