"""Watch lists from the public sanctions-list layouts.

- OFAC SDN delimited release: SDN.CSV (ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
  Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks; no header row, "-0-" for null) with
  ALT.CSV (ent_num, alt_num, alt_type, alt_name, alt_remarks) and ADD.CSV (ent_num, add_num,
  address, city/state/postal code, country, add_remarks) read from the same folder when present.
  BICs are taken from the remarks ("SWIFT/BIC BANKIRTH").
- EU consolidated financial sanctions list XML (namespace http://eu.europa.ec/fpi/fsd/export):
  export/sanctionEntity with nameAlias@wholeName, citizenship@countryIso2Code,
  address@countryIso2Code and identification (number with identificationTypeCode; SWIFT BIC
  identifications give BICs).

A list that cannot be read stops the hub from starting (ConfigError): screening against half a
list would pass what it should hold.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from hub.codecs.iso20022 import safexml
from hub.errors import ConfigError
from hub.model.message import BIC_SHAPE

OFAC = "OFAC-SDN"
EU = "EU-FSF"
EU_NS = "http://eu.europa.ec/fpi/fsd/export"
NULL = "-0-"
SDN_COLUMNS = ("ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type",
               "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks")
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS = ("ent_num", "add_num", "address", "city", "country", "add_remarks")
_REMARK_BIC = re.compile(r"SWIFT(?:/BIC)?\s*:?\s*([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")
_COMPANION = re.compile(r"(?:^|[^a-z])(?:alt|add|sdn_comments)\.csv$")
_EU_BIC_TYPES = frozenset({"swiftbic", "bic", "swift"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed person, organisation, vessel or aircraft."""

    list_name: str
    entry_id: str
    names: tuple[str, ...]  # the primary name first, then aliases
    kind: str = ""  # individual, entity, vessel, aircraft (the list's own word, lower case)
    bics: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO 3166 codes where the list gives them
    programs: tuple[str, ...] = ()


def _value(text: str | None) -> str:
    text = (text or "").strip()
    return "" if text == NULL else text


def _rows(path: Path, width: int) -> Iterator[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise ConfigError(f"screening list {path}: {exc.strerror or exc}",
                          code="SCREEN.LIST", location=str(path)) from None
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not c.strip() for c in row) or row[0].strip() == "\x1a":
            continue
        if len(row) < 2 or not row[0].strip().isdigit():
            if number == 1 and row[0].strip().lower() == "ent_num":
                continue  # a header row some republished copies add
            raise ConfigError(f"screening list {path}: line {number} is not an OFAC record",
                              code="SCREEN.LIST", location=f"{path} line {number}")
        yield [_value(c) for c in (row + [""] * width)[:width]]


def _sibling(sdn: Path, part: str) -> Path | None:
    """ALT.CSV or ADD.CSV beside SDN.CSV: the same name with "sdn" replaced, any case."""
    wanted = re.sub("sdn", part, sdn.name.lower())
    if wanted == sdn.name.lower():
        return None
    for candidate in sdn.parent.iterdir():
        if candidate.name.lower() == wanted and candidate.is_file():
            return candidate
    return None


def load_ofac(sdn: Path, alt: Path | None = None, add: Path | None = None) -> list[Entry]:
    """SDN.CSV with its ALT.CSV and ADD.CSV (found beside it when not given)."""
    alt = alt or _sibling(sdn, "alt")
    add = add or _sibling(sdn, "add")
    aliases: dict[str, list[str]] = {}
    if alt is not None:
        for ent, _num, _type, name, _remarks in _rows(alt, len(ALT_COLUMNS)):
            if name:
                aliases.setdefault(ent, []).append(name)
    countries: dict[str, list[str]] = {}
    if add is not None:
        for ent, _num, _address, _city, country, _remarks in _rows(add, len(ADD_COLUMNS)):
            if country:
                countries.setdefault(ent, []).append(country)
    entries: list[Entry] = []
    for row in _rows(sdn, len(SDN_COLUMNS)):
        record = dict(zip(SDN_COLUMNS, row, strict=True))
        ent = record["ent_num"]
        names = [n for n in (record["SDN_Name"], *aliases.get(ent, ())) if n]
        if not names:
            continue
        entries.append(Entry(
            list_name=OFAC, entry_id=ent, names=tuple(dict.fromkeys(names)),
            kind=(record["SDN_Type"] or "entity").lower(),
            bics=tuple(dict.fromkeys(_REMARK_BIC.findall(record["Remarks"].upper()))),
            countries=tuple(dict.fromkeys(countries.get(ent, ()))),
            programs=tuple(p.strip("[] ") for p in record["Program"].split("] [") if p)))
    return entries


def _local(el: etree._Element) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def load_eu(path: Path) -> list[Entry]:
    """The EU consolidated list XML (FSF export layout)."""
    try:
        tree = etree.parse(str(path), safexml.parser())
    except (OSError, etree.XMLSyntaxError) as exc:
        raise ConfigError(f"screening list {path}: {exc}", code="SCREEN.LIST",
                          location=str(path)) from None
    if tree.docinfo.doctype:
        raise ConfigError(f"screening list {path}: a DOCTYPE is refused", code="SCREEN.LIST",
                          location=str(path))
    root = tree.getroot()
    if _local(root) != "export":
        raise ConfigError(f"screening list {path}: root element is {_local(root)!r}, not the EU "
                          "list's 'export'", code="SCREEN.LIST", location=str(path))
    entries: list[Entry] = []
    for entity in root:
        if _local(entity) != "sanctionEntity":
            continue
        names: list[str] = []
        bics: list[str] = []
        countries: list[str] = []
        programs: list[str] = []
        kind = ""
        for child in entity:
            name = _local(child)
            if name == "nameAlias":
                whole = (child.get("wholeName") or "").strip() or " ".join(
                    p for p in (child.get(k, "").strip() for k in
                                ("firstName", "middleName", "lastName")) if p)
                if whole:
                    names.append(whole)
            elif name in ("citizenship", "address"):
                code = (child.get("countryIso2Code") or "").strip().upper()
                if len(code) == 2 and code.isalpha():
                    countries.append(code)
            elif name == "identification":
                number = re.sub(r"\s", "", child.get("number") or "").upper()
                if ((child.get("identificationTypeCode") or "").lower() in _EU_BIC_TYPES
                        and BIC_SHAPE.fullmatch(number)):
                    bics.append(number)
            elif name == "subjectType":
                kind = {"P": "individual", "E": "entity"}.get(
                    child.get("classificationCode") or "", child.get("code") or "")
            elif name == "regulation" and child.get("programme"):
                programs.append(child.get("programme") or "")
        entry_id = entity.get("euReferenceNumber") or entity.get("logicalId") or ""
        if names:
            entries.append(Entry(list_name=EU, entry_id=entry_id,
                                 names=tuple(dict.fromkeys(names)), kind=kind.lower(),
                                 bics=tuple(dict.fromkeys(bics)),
                                 countries=tuple(dict.fromkeys(countries)),
                                 programs=tuple(dict.fromkeys(programs))))
    return entries


def load_list(path: Path) -> list[Entry]:
    """A list file in either layout, told apart by its first bytes (XML or CSV)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise ConfigError(f"screening list {path}: {exc.strerror or exc}", code="SCREEN.LIST",
                          location=str(path)) from None
    if head.startswith(b"<"):
        return load_eu(path)
    if _COMPANION.search(path.name.lower()):
        return []  # ALT.CSV, ADD.CSV, SDN_COMMENTS.CSV are read together with their SDN.CSV
    return load_ofac(path)
