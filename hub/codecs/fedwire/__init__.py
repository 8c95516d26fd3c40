"""Legacy Fedwire Funds Service tag-value messages (FAIM 3rd edition, format version 30):
format name `fedwire`.

    tags.py     every tag and its elements as a table
    rules.py    business function code, local instrument and tag dependency rules as tables
    reader.py   tag-value text -> messages of ordered tags (lossless) + diagnostics
    mapping.py  tags <-> canonical messages
    cover.py    the cover tags {7033}-{7072} <-> the underlying customer transfer of a cover

The Fedwire Funds Service moved to ISO 20022 on 14 July 2025; FAIM is read for imports and
archives and written for migration tooling. A file may hold several messages, one tag per line
or all on one line, with `*`-delimited or fixed-width elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import InvalidOperation
from typing import Any

from hub.codecs.base import Decoded, Options, checked
from hub.codecs.fedwire.cover import read_cover
from hub.codecs.fedwire.mapping import from_message, to_message
from hub.codecs.fedwire.reader import FedwireMessage, Reader, Tag
from hub.errors import Diagnostic, ModelError, Severity
from hub.model import Kind, Message

__all__ = ["CODEC", "FedwireCodec", "FedwireMessage", "Tag", "read"]


def read(raw: bytes) -> tuple[list[FedwireMessage], list[Diagnostic]]:
    reader = Reader()
    messages = reader.read(raw.decode("latin-1"))
    return messages, reader.diagnostics


class FedwireCodec:
    family = "fedwire"
    formats = ("fedwire",)
    priority = -1  # "{1500}" is specific; before the JSON codec, which takes any "{"

    def detect(self, raw: bytes) -> str | None:
        # a {nnnn} tag: "{1500}" first, or a Fed-appended "{1100}", or a tag the reader will
        # report; never JSON, whose objects open with a quoted key
        head = raw.lstrip()[:6]
        return "fedwire" if head[:1] == b"{" and head[1:5].isdigit() and head[5:6] == b"}" \
            else None

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        envelope, diagnostics = read(raw)
        decoded = Decoded(format="fedwire", envelope=envelope, diagnostics=diagnostics)
        if not envelope:
            diagnostics.append(Diagnostic("FED.SYNTAX", "no {nnnn} tag found", "line 1 col 1"))
        for i, m in enumerate(envelope, 1):
            unreadable = {d.location for d in diagnostics
                          if d.code in ("FED.FORMAT", "FED.BUSINESS_FUNCTION")}
            if any(not m.has(tag) for tag in ("1520", "2000", "3600")) or any(
                    t.where in unreadable for t in m.tags if t.tag in ("1520", "2000", "3600")):
                continue  # the essentials are already reported as missing or unreadable
            try:
                message = to_message(m)
            except (ModelError, ValueError, InvalidOperation) as exc:
                where = m.tags[0].where if m.tags else f"message {i}"
                diagnostics.append(Diagnostic("FED.MAPPING", str(exc) or type(exc).__name__,
                                              where))
                continue
            decoded.messages.append(message)
            if message.kind is Kind.COVER:
                diagnostics.extend(
                    Diagnostic("FED.COVER_FIELD", f"{{{t.tag}}} {why}; kept whole in extra",
                               t.where, Severity.WARNING) for t, why in read_cover(m)[2])
        if envelope and envelope[0].get("3100") is not None:
            decoded.sender = envelope[0].value("3100", "aba") or None
            decoded.receiver = envelope[0].value("3400", "aba") or None
        return decoded

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        """FAIM text: one tag per line, messages one after another."""
        blocks = []
        for message in messages:
            blocks.append("\n".join(f"{{{tag}}}{text}"
                                    for tag, text in from_message(message, envelope)))
        return ("\n".join(blocks) + "\n").encode("ascii")

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        return checked(self.decode(raw, format, options))


CODEC = FedwireCodec()
