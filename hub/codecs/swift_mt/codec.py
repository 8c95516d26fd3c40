"""The SWIFT MT codec: detect, decode (with full validation), encode, validate, and check_only
(the validation of decode without the canonical mapping)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hub.codecs.base import Decoded, Options
from hub.codecs.swift_mt import codes as _codes  # noqa: F401  (registers the MT.* codes)
from hub.codecs.swift_mt.check import check_block4, split_fields
from hub.codecs.swift_mt.envelope import (
    FinMessage,
    OneMessage,
    Scan,
    one_scan,
    read_one,
    scan_blocks,
    write,
)
from hub.codecs.swift_mt.from_canonical import build
from hub.codecs.swift_mt.headers import check_header_pairs
from hub.codecs.swift_mt.rules import View
from hub.codecs.swift_mt.specs import FORMATS, format_name, spec_for
from hub.codecs.swift_mt.to_canonical import ack_message, to_message
from hub.errors import Diagnostic, ModelError
from hub.model import Message
from hub.model.rules import check

_DEFAULTS = Options()
MAX_MESSAGE_BYTES = 12_000  # 10,000 text characters plus headers, trailers and framing
_TYPE = re.compile(rb"\{2:[IO]([0-9]{3})")
_FLAG = re.compile(rb"\{119:([A-Z0-9]{1,8})\}")
_ACK = re.compile(rb"\{1:F21")


def _block1_key(msg: FinMessage) -> str | None:
    text = msg.basic.text() if msg.basic is not None else msg.raw_blocks.get("1")
    return text[3:] if text else None


class SwiftMtCodec:
    family = "swift_mt"
    formats = (*FORMATS, "mt-ack")
    priority = -1  # "{1:" is specific; before the JSON codec, which takes any "{"

    def detect(self, raw: bytes) -> str | None:
        head = raw[:4096].lstrip(b" \r\n\x01")
        if not head.startswith(b"{1:"):
            return None
        m = _TYPE.search(head)
        if m is None:
            return "mt-ack" if _ACK.match(head) else None
        flag = _FLAG.search(head, 0, m.start() + 400)
        return format_name(m.group(1).decode(), flag.group(1).decode() if flag else None)

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        found, out, parties = self._read(raw, format, options, mapping=True)
        many = len(found.messages) > 1
        return Decoded(
            format=format or (out[0].format if out else "unknown"),
            envelope=found.messages if many else (found.messages[0] if found.messages else None),
            messages=out,
            diagnostics=found.diagnostics,
            sender=parties[0],
            receiver=parties[1],
        )

    def check_only(self, raw: bytes, format: str | None = None,
                   options: Options | None = None) -> list[Diagnostic]:
        """The full format validation of `decode` (envelope, field grammar, message structure,
        network rules) without building canonical messages: the same diagnostics, less any
        the canonical mapping itself would add (a value the model refuses)."""
        one = read_one(raw.decode("latin-1")) if len(raw) <= MAX_MESSAGE_BYTES else None
        if one is None:
            return self._read(raw, format, options or _DEFAULTS, mapping=False)[0].diagnostics
        found: list[Diagnostic] = []  # a clean envelope: nothing found yet
        _check(one, one, format, False, "", found, one.sender, one.receiver)
        return found

    def _read(self, raw: bytes, format: str | None, options: Options, mapping: bool
              ) -> tuple[Scan, list[Message], tuple[str | None, str | None]]:
        """Scan and check every message; with `mapping`, build the canonical messages too.
        Returns the scan (its diagnostics extended), the messages, and the first message's
        sender and receiver."""
        messages_in = max(1, raw.count(b"{1:")) if len(raw) > MAX_MESSAGE_BYTES else 1
        if len(raw) > messages_in * MAX_MESSAGE_BYTES:
            return Scan([], "fin", [Diagnostic(
                "MT.SIZE", f"{len(raw)} bytes for {messages_in} message(s) is over the FIN "
                f"limit of {MAX_MESSAGE_BYTES} bytes a message", "byte 0")]), [], (None, None)
        text = raw.decode("latin-1")
        one = read_one(text)  # scan's fast path, kept: its block 4 is split already
        found = one_scan(one) if one is not None else scan_blocks(text, options.lenient)
        diagnostics = found.diagnostics
        many = len(found.messages) > 1
        out: list[Message] = []
        keys: dict[str | None, FinMessage] | None = None  # block 1 key -> message, for ACKs
        parties: tuple[str | None, str | None] | None = None
        for n, msg in enumerate(found.messages, start=1):
            prefix = f"message {n} " if many else ""
            sender, receiver = msg.sender, msg.receiver
            if parties is None:
                parties = sender, receiver
            if msg.system_text is not None:
                check_header_pairs(msg.user, msg.trailer, prefix, diagnostics, None)
                if mapping:
                    if keys is None:
                        keys = {_block1_key(m): m for m in found.messages if not m.is_service}
                    out.append(ack_message(msg, keys.get(_block1_key(msg))))
                continue
            checked = _check(msg, one, format, many, prefix, diagnostics, sender, receiver)
            if checked is None or not mapping:
                continue
            try:
                out.append(to_message(checked[0], msg, checked[1]))
            except ModelError as exc:
                diagnostics.append(Diagnostic(exc.code, exc.message, f"{prefix}{exc.location}"))
        return found, out, parties or (None, None)

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        return "".join(build(m, format, **envelope) for m in messages).encode("latin-1")

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        decoded = self.decode(raw, format, options)
        found = list(decoded.diagnostics)
        many = len(decoded.messages) > 1
        for i, message in enumerate(decoded.messages):
            found.extend(check(message, f"[{i}]" if many else ""))
        return found


def _check(msg: FinMessage | OneMessage, block4: OneMessage | None, format: str | None,
           many: bool, prefix: str, found: list[Diagnostic], sender: str | None,
           receiver: str | None) -> tuple[str, View] | None:
    """Validate one user message (headers, block 4): its format name and rule view, or None
    when block 4 could not be checked. `block4`: the message as `read_one` read it, its fields
    split already."""
    user, trailer = msg.user, msg.trailer
    message_type = msg.message_type
    if user or trailer:
        check_header_pairs(user, trailer, prefix, found, message_type)
    flag = None
    for tag, value in user or ():
        if tag == "119":
            flag = value
            break
    name = format_name(message_type, flag)
    if name is None:
        if message_type is not None:
            found.append(Diagnostic("MT.UNSUPPORTED", f"MT {message_type} is not handled by "
                                    "this codec", f"{prefix}block 2"))
        return None
    if format not in (None, name, "mt-ack") and not many:
        found.append(Diagnostic("MT.FORMAT_MISMATCH", f"the message is {name}, not {format}",
                                f"{prefix}block 2"))
    spec = spec_for(name, flag)
    if block4 is not None:
        view = check_block4(block4.tags, block4.values, spec, prefix, found, sender, receiver,
                            block4.size)
    elif msg.text is not None:
        tags, values = split_fields(msg.text)
        view = check_block4(tags, values, spec, prefix, found, sender, receiver)
    else:
        return None
    return None if view is None else (name, view)


def write_envelope(envelope: FinMessage | list[FinMessage]) -> bytes:
    """The bytes of a decoded envelope (one message or a file of them)."""
    items = envelope if isinstance(envelope, list) else [envelope]
    return "".join(write(m) for m in items).encode("latin-1")


CODEC = SwiftMtCodec()
