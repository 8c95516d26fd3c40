"""NACHA ACH files (NACHA Operating Rules 2025): format name `nacha`.

    layouts.py  record layouts as tables (field, start, length, type, rule)
    records.py  the one interpreter that reads and writes a record from its table
    reader.py   file structure, blocking and control totals -> AchFile + diagnostics
    mapping.py  entries <-> canonical messages
    writer.py   messages -> a complete, blocked file with computed controls

One file decodes to one Message per entry detail; `encode(messages, "nacha", **envelope)` builds
one whole file. Envelope keywords: immediate_destination, immediate_origin,
immediate_destination_name, immediate_origin_name, file_id_modifier, creation (aware datetime),
reference_code, priority_code, and the defaults sec and entry_description for messages that do
not name them. Lenient option: "unblocked" (a record count that is not a multiple of ten is a
warning instead of an error).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.codecs.base import Decoded, Options, checked
from hub.codecs.nacha.codes import diag
from hub.codecs.nacha.mapping import to_messages
from hub.codecs.nacha.reader import AchFile, Reader
from hub.codecs.nacha.writer import encode_file
from hub.errors import Diagnostic
from hub.model import Message

__all__ = ["CODEC", "AchFile", "NachaCodec", "envelope_of", "read"]


def read(raw: bytes, lenient: frozenset[str] = frozenset()) -> tuple[AchFile, list[Diagnostic]]:
    """The record layer alone: the file's records with every structural finding."""
    reader = Reader(lenient)
    # NACHA is ASCII; latin-1 keeps one character per byte so columns stay true, and any
    # byte outside printable ASCII is reported by the field patterns.
    file = reader.read(raw.decode("latin-1"))
    return file, reader.diagnostics


def envelope_of(file: AchFile) -> dict[str, Any]:
    """The encode() keywords that rebuild this file's header."""
    if file.header is None:
        return {}
    h = file.header.fields
    return {"immediate_destination": h["immediate_destination"].strip(),
            "immediate_origin": h["immediate_origin"].strip(),
            "immediate_destination_name": h["immediate_destination_name"].rstrip(),
            "immediate_origin_name": h["immediate_origin_name"].rstrip(),
            "file_id_modifier": h["file_id_modifier"], "priority_code": h["priority_code"],
            "reference_code": h["reference_code"].rstrip()}


class NachaCodec:
    family = "nacha"
    formats = ("nacha",)
    priority = 40

    def detect(self, raw: bytes) -> str | None:
        return "nacha" if raw[:3] == b"101" and raw[34:37] == b"094" else None

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        file, diagnostics = read(raw, options.lenient)
        messages, problems = to_messages(file)
        diagnostics.extend(diag("ACH.MAPPING", problem, f"line {line}")
                           for line, problem in problems)
        decoded = Decoded(format="nacha", envelope=file, messages=messages,
                          diagnostics=diagnostics)
        if file.header is not None:
            decoded.sender = file.header.fields["immediate_origin"].strip() or None
            decoded.receiver = file.header.fields["immediate_destination"].strip() or None
        return decoded

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        return encode_file(messages, envelope)

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        return checked(self.decode(raw, format, options))


CODEC = NachaCodec()
