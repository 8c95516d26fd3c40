"""Canonical JSON: the hub's own format, one message object or an array of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from hub.codecs.base import Decoded, Options
from hub.errors import Diagnostic, has_errors
from hub.model import Message, from_data, to_data
from hub.model.rules import check


class JsonCodec:
    family = "json"
    formats = ("json",)
    priority = 0

    def detect(self, raw: bytes) -> str | None:
        head = raw.lstrip()[:3]
        if head.startswith(b"{") and head[1:2] in (b"1", b"2", b"3", b"4", b"5") and \
                head[2:3] == b":":
            return None  # a SWIFT FIN block ({1:F01...), not JSON
        return "json" if head[:1] in (b"{", b"[") else None

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return Decoded(format="json", diagnostics=[
                Diagnostic("JSON.SYNTAX", str(exc).split(":")[0], f"byte {exc.pos}")])
        items = data if isinstance(data, list) else [data]
        decoded = Decoded(format="json")
        for i, item in enumerate(items):
            message, found = from_data(item)
            prefix = f"[{i}]." if isinstance(data, list) else ""
            decoded.diagnostics.extend(
                Diagnostic(d.code, d.message, prefix + d.location, d.severity) for d in found)
            if message is not None:
                decoded.messages.append(message)
        if not decoded.messages and not has_errors(decoded.diagnostics):
            decoded.diagnostics.append(Diagnostic("CODEC.EMPTY", "no message in the array", "$"))
        return decoded

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        data = [to_data(m) for m in messages]
        payload = data[0] if len(data) == 1 else data
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        decoded = self.decode(raw, format, options)
        found = list(decoded.diagnostics)
        for i, message in enumerate(decoded.messages):
            found.extend(check(message, f"[{i}]" if len(decoded.messages) > 1 else ""))
        return found


CODEC = JsonCodec()
