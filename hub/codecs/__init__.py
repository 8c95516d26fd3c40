"""The codec registry and the public Python API (ARCHITECTURE §3).

    decode(raw, format=None) -> Decoded       detect, then decode with every diagnostic
    encode(message, format, **envelope) -> bytes
    validate(raw, format=None, profile=None) -> list[Diagnostic]
    formats() -> list[str]

Each family lives in its own module exposing `CODEC`; the registry imports the families listed
in FAMILIES that are installed.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hub.codecs.base import MAX_INPUT_BYTES, Codec, Decoded, Options
from hub.errors import CodecError, Diagnostic, register
from hub.model import Message

__all__ = ["Codec", "Decoded", "Options", "codec_for", "configure", "decode", "detect", "encode",
           "formats", "validate"]

log = logging.getLogger(__name__)

FAMILIES = (
    "hub.codecs.json_codec",
    "hub.codecs.swift_mt",
    "hub.codecs.iso20022",
    "hub.codecs.fedwire",
    "hub.codecs.nacha",
    "hub.codecs.edi.x12",
    "hub.codecs.edi.edifact",
    "hub.codecs.telex",
    "hub.codecs.statements",
)

_codecs: list[Codec] = []
_by_format: dict[str, Codec] = {}
_defaults = Options()


def _load() -> None:
    if _codecs:
        return
    found: list[Codec] = []
    for module_name in FAMILIES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # family not part of this installation
            raise
        found.append(module.CODEC)
    found.sort(key=lambda c: c.priority)
    for codec in found:
        for name in codec.formats:
            if name in _by_format:
                raise RuntimeError(f"format {name!r} claimed by {codec.family} and "
                                   f"{_by_format[name].family}")
            _by_format[name] = codec
    _codecs.extend(found)


def configure(*, schema_dir: Path | None = None, lenient: frozenset[str] | None = None) -> None:
    """Set process-wide default options (the daemon calls this from its config)."""
    global _defaults
    changes: dict[str, Any] = {}
    if schema_dir is not None:
        changes["schema_dir"] = schema_dir
    if lenient is not None:
        changes["lenient"] = lenient
    _defaults = replace(_defaults, **changes)


def default_options() -> Options:
    return _defaults


def formats() -> list[str]:
    _load()
    return sorted(_by_format)


def codec_for(format: str) -> Codec:
    _load()
    try:
        return _by_format[format]
    except KeyError:
        raise CodecError(f"unknown format {format!r}; known: {', '.join(formats())}",
                         code="CODEC.UNKNOWN_FORMAT") from None


def detect(raw: bytes) -> str | None:
    _load()
    for codec in _codecs:
        name = codec.detect(raw)
        if name is not None:
            return name
    return None


def _options(profile: str | None, options: Options | None) -> Options:
    base = options or _defaults
    return replace(base, profile=profile) if profile is not None else base


def _refuse(raw: bytes) -> Diagnostic | None:
    if not raw.strip():
        return Diagnostic("CODEC.EMPTY", "the input is empty", "byte 0")
    if len(raw) > MAX_INPUT_BYTES:
        return Diagnostic("CODEC.TOO_LARGE",
                          f"{len(raw)} bytes is over the {MAX_INPUT_BYTES}-byte limit", "byte 0")
    return None


def decode(raw: bytes, format: str | None = None, *, profile: str | None = None,
           options: Options | None = None) -> Decoded:
    """Decode bytes of any registered format; problems come back as diagnostics."""
    refused = _refuse(raw)
    if refused is not None:
        return Decoded(format=format or "unknown", diagnostics=[refused])
    if format is None:
        format = detect(raw)
        if format is None:
            return Decoded(format="unknown", diagnostics=[Diagnostic(
                "CODEC.UNKNOWN_FORMAT", "the input is not in any format this hub reads",
                "byte 0")])
    try:
        codec = codec_for(format)
    except CodecError as exc:
        return Decoded(format=format, diagnostics=[exc.diagnostic()])
    try:
        return codec.decode(raw, format, _options(profile, options))
    except Exception as exc:  # a codec bug must never take the daemon down
        log.exception("codec crashed", extra={"action": "codec.crash", "format": format})
        return Decoded(format=format, diagnostics=[Diagnostic(
            "CODEC.CRASH", f"the {format} decoder failed: {type(exc).__name__}", "byte 0")])


def encode(message: Message | Sequence[Message], format: str, *, options: Options | None = None,
           **envelope: Any) -> bytes:
    messages = [message] if isinstance(message, Message) else list(message)
    return codec_for(format).encode(messages, format, options or _defaults, **envelope)


def validate(raw: bytes, format: str | None = None, profile: str | None = None, *,
             options: Options | None = None) -> list[Diagnostic]:
    refused = _refuse(raw)
    if refused is not None:
        return [refused]
    if format is None:
        format = detect(raw)
        if format is None:
            return [Diagnostic("CODEC.UNKNOWN_FORMAT",
                               "the input is not in any format this hub reads", "byte 0")]
    return codec_for(format).validate(raw, format, _options(profile, options))


register({})
