"""The statement family: MT940/MT950 and camt.053/camt.054, read for reconciliation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hub.codecs.base import Decoded, Options
from hub.codecs.statements import camt, swift
from hub.codecs.statements import codes as _codes  # noqa: F401  (registers STMT.*)
from hub.codecs.statements.envelope import Statement, check_balances, to_messages
from hub.errors import CodecError, Diagnostic
from hub.model import Message

FORMATS = ("mt940", "mt950", "camt.053", "camt.054")
_FIN_TYPE = re.compile(rb"\{2:[IO]([0-9]{3})")
_ISO_NS = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:((?:pacs|camt|pain)\.\d{3})\.001\.\d{2}")
_LINE = rb"[^\r\n]*\r?\n"
_BARE = re.compile(rb":20:" + _LINE + rb"(?:" + _LINE + rb")*?:25P?:" + _LINE + rb"(?:" + _LINE
                   + rb")*?:28C:" + _LINE + rb"(?:" + _LINE + rb")*?:60[FM]:")


class StatementsCodec:
    family = "statements"
    formats = FORMATS
    priority = 15  # before the ISO 20022 family (20); after SWIFT MT (-1), which leaves 940/950

    def detect(self, raw: bytes) -> str | None:
        head = raw[:4096].lstrip(b" \t\r\n\x01\xef\xbb\xbf")
        if head.startswith(b"{1:"):
            # the SWIFT MT codec reads the same framing; the type in block 2 decides, read the
            # same way its detect() reads it (the first block 2 of the input)
            found = _FIN_TYPE.search(head)
            return swift.TYPES.get(found.group(1).decode()) if found else None
        if head.startswith(b"<"):
            # the ISO 20022 codec claims the first pacs/camt/pain namespace when it knows it;
            # 053 and 054 are ours, anything else is not
            ns = _ISO_NS.search(raw[:4096]) or _ISO_NS.search(raw)
            if ns is not None and ns.group(1) in (b"camt.053", b"camt.054"):
                return ns.group(1).decode()
            return None
        if head.startswith(b":20:") and _BARE.match(head):
            return "mt940"  # bare block 4 text; MT950 text has the same fields (say format=)
        return None

    def read(self, raw: bytes, format: str | None,
             options: Options) -> tuple[list[Statement], list[Diagnostic]]:
        out: list[Diagnostic] = []
        if format is None:
            format = self.detect(raw)
        if format in ("camt.053", "camt.054") or (format is None and raw.lstrip().startswith(
                b"<")):
            statements = camt.read(raw, format, out)
        else:
            statements = swift.read(raw, format, options, out)
        return statements, out

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        statements, out = self.read(raw, format, options)
        messages: list[Message] = []
        for statement in statements:
            check_balances(statement, out)
            messages.extend(to_messages(statement, out))
        name = statements[0].format if statements else (format or self.detect(raw) or "unknown")
        return Decoded(format=name, envelope=statements, messages=messages, diagnostics=out)

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        raise CodecError("statements are read for reconciliation; the hub does not write them",
                         code="CODEC.CANNOT_ENCODE")

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        return self.decode(raw, format, options).diagnostics
