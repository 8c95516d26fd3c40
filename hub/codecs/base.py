"""What every codec is: detect, decode, encode, validate (ARCHITECTURE §3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from hub.errors import Diagnostic, has_errors
from hub.model import Message

MAX_INPUT_BYTES = 16 * 1024 * 1024
"""No format the hub reads is larger than this; codecs may set tighter limits of their own."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Options:
    """How strictly to read, and where reference material lives.

    `lenient` names each relaxation (e.g. "isa_padding", "block4_terminator"); a relaxation turns
    an error into a warning, never into silence. `profile` selects a rail's rule set (cbpr, t2,
    chaps, fedwire). `schema_dir` is the folder of ISO 20022 XSDs.
    """

    lenient: frozenset[str] = frozenset()
    profile: str | None = None
    schema_dir: Path | None = None


@dataclass(slots=True)
class Decoded:
    """What decoding produced: the lossless envelope, canonical messages, and every finding."""

    format: str
    envelope: Any = None
    messages: list[Message] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sender: str | None = None  # BIC, routing number, EDI id ... of who sent it
    receiver: str | None = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


@runtime_checkable
class Codec(Protocol):
    family: str
    formats: tuple[str, ...]
    priority: int  # lower detects first; specific formats before loose ones

    def detect(self, raw: bytes) -> str | None:
        """The format name if these bytes are this family's, else None. Must be cheap."""
        ...

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        """Never raises on bad input: what cannot be read is a diagnostic."""
        ...

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        """Raises CodecError (code CODEC.CANNOT_ENCODE or the family's) when it cannot."""
        ...

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        ...


def checked(decoded: Decoded) -> list[Diagnostic]:
    """What `validate` reports for a file of many messages: the decode's own findings, then
    the canonical rules for each message, located by its index."""
    from hub.model.rules import check  # reference data (schwifty) loads on first use

    found = list(decoded.diagnostics)
    for i, message in enumerate(decoded.messages):
        found.extend(check(message, f"[{i}]"))
    return found
