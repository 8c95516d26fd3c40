"""Payments reject/return text in field 79 of an MT 199/299 (and n95/n96-style narratives).

Source: SWIFT Standards MT Usage Guidelines, "Payments Reject/Return Guidelines", field 72 or
field 79 layout (the field 79 widths are used here). When the first six characters of field 79
are /REJT/ or /RETN/ the guideline must be followed (error code T80):

    line 1   /REJT/ or /RETN/ + 2!n[1!a][/2c]   M  reject or return, and the field that caused it
    line 2   /2!c2!n/[44x]                      M  reason code, optional text
    line 3   /MREF/16x                          M  field 20 of the original message
    line 4   /TREF/16x                          O  field 21 of the transaction (MT 102, 104 ...)
    line 5   /CHGS/3!a15d                       O  charges taken for the reject or return
    line 6   /TEXT/44x                          O  further narrative

The hub also reads further /TEXT/ lines after line 6 as more narrative (field 79 has room for
them and senders use it, e.g. /TEXT//UETR/<uetr> then a sentence).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

MARKERS = ("/REJT/", "/RETN/")

_FIELD = re.compile(r"/(REJT|RETN)/([0-9]{2}[A-Z]?(?:/[A-Z0-9]{1,2})?)")
REASON_CODE = re.compile(r"[A-Z0-9]{2}[0-9]{2}")  # 2!c2!n: AC01, AM04, XT99 ...
_REASON = re.compile(r"/([A-Z0-9]{2}[0-9]{2})/([^\n]{0,44})")
_REFERENCE = re.compile(r"[^\n]{1,16}")
_CHARGES = re.compile(r"([A-Z]{3})([0-9]+,[0-9]*)")
_TEXT_WIDTH = 44
_OPTIONAL = ("TREF", "CHGS", "TEXT")  # in this order, after /MREF/


@dataclass(frozen=True, slots=True)
class RejectReturn:
    """A field 79 that follows the guideline."""

    kind: str  # REJT or RETN
    field: str  # the field that caused it: "59", "32A", "59/B1"
    reason_code: str  # AC01, AM04, XT99 ...
    reason_text: str  # the text after the reason code and every /TEXT/ line, joined
    mref: str  # the original message's field 20
    tref: str | None = None
    charges: tuple[str, str] | None = None  # (currency, amount with decimal comma)
    uetr: str | None = None  # /TEXT//UETR/<uetr>, the original payment's UETR


def is_reject_return(text: str) -> bool:
    """Field 79 announces a reject or return: the guideline then applies."""
    return text.startswith(MARKERS)


def read(text: str) -> tuple[RejectReturn | None, list[tuple[int, str]]]:
    """The reject/return a guideline field 79 carries, or None with each breach as (line number,
    sentence). Only call it when `is_reject_return(text)`."""
    lines = text.split("\n")
    breaches: list[tuple[int, str]] = []
    head = _FIELD.fullmatch(lines[0])
    if head is None:
        breaches.append((1, "line 1 must be /REJT/ or /RETN/ followed by the field tag that "
                            "caused it (2!n[1!a][/2c])"))
    reason = _REASON.fullmatch(lines[1]) if len(lines) > 1 else None
    if reason is None:
        breaches.append((2, "line 2 must be the reason code /2!c2!n/ with up to 44 "
                            "characters of text"))
    mref = lines[2][6:] if len(lines) > 2 and lines[2].startswith("/MREF/") else None
    if mref is None or _REFERENCE.fullmatch(mref) is None:
        breaches.append((3, "line 3 must be /MREF/ and the original message's reference "
                            "(16x)"))
    found: dict[str, str] = {}
    texts: list[str] = []
    step = 0  # position reached in _OPTIONAL
    for n, line in enumerate(lines[3:], start=4):
        code = line[1:5] if line.startswith("/") and line[5:6] == "/" else ""
        if code not in _OPTIONAL or _OPTIONAL.index(code) < step or (
                code in found and code != "TEXT"):
            breaches.append((n, f"line {n} must be /TREF/, /CHGS/ or /TEXT/, once each and in "
                                "that order"))
            continue
        step = _OPTIONAL.index(code)
        value = line[6:]
        if code == "TREF" and _REFERENCE.fullmatch(value) is None:
            breaches.append((n, "/TREF/ must hold a reference (16x)"))
        elif code == "CHGS" and (_CHARGES.fullmatch(value) is None or len(value) > 18):
            breaches.append((n, "/CHGS/ must hold a currency and an amount (3!a15d)"))
        elif code == "TEXT" and len(value) > _TEXT_WIDTH:
            breaches.append((n, f"/TEXT/ holds at most {_TEXT_WIDTH} characters"))
        if code == "TEXT":
            texts.append(value)
        found[code] = value
    if breaches or head is None or reason is None or mref is None:
        return None, breaches
    uetr = next((t[6:] for t in texts if t.startswith("/UETR/")), None)
    narrative = [reason.group(2)] if reason.group(2) else []
    narrative += [t for t in texts if not t.startswith("/UETR/")]
    charges = _CHARGES.fullmatch(found["CHGS"]) if "CHGS" in found else None
    return RejectReturn(
        kind=head.group(1), field=head.group(2), reason_code=reason.group(1),
        reason_text=" ".join(narrative), mref=mref, tref=found.get("TREF"),
        charges=(charges.group(1), charges.group(2)) if charges else None, uetr=uetr), []


def write(kind: str, reason_code: str, mref: str, *, field: str = "99",
          reason_text: str | None = None, tref: str | None = None,
          charges: tuple[str, str] | None = None, uetr: str | None = None) -> str:
    """Field 79 in the guideline layout ("99": no single field caused it)."""
    lines = [f"/{kind}/{field}", f"/{reason_code}/"]
    lines.append(f"/MREF/{mref}")
    if tref:
        lines.append(f"/TREF/{tref}")
    if charges:
        lines.append(f"/CHGS/{charges[0]}{charges[1]}")
    if uetr:
        lines.append(f"/TEXT//UETR/{uetr}")
    # cut between words, so that reading the lines back (joined by spaces) gives the text
    text = " ".join((reason_text or "").split())
    lines += [f"/TEXT/{part}" for part in textwrap.wrap(text, _TEXT_WIDTH,
                                                         break_on_hyphens=False)]
    return "\n".join(lines)
