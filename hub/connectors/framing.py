"""Many rendered messages in one file, where the bank's format allows it.

    family   formats            one file is                                 separator
    fin      mt*                RJE: FIN messages one after another         "$" between messages
    x12      x12.*              X12 interchanges (ISA ... IEA) one after    none (each is whole)
                                another
    edifact  edifact.*          EDIFACT interchanges (UNA/UNB ... UNZ)      none (each is whole)
    nacha    nacha              one NACHA file                              the NACHA codec
                                                                            re-renders the entries

Any other format (ISO 20022 XML, JSON, Fedwire ...) travels one message per file. The RJE "$"
cannot occur inside a FIN message: it is not in the SWIFT X character set, so a payload holding
one is refused rather than silently split later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub import codecs
from hub.connectors.base import Outbound
from hub.errors import HubError, register

RJE_SEPARATOR = b"$"


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    prefixes: tuple[str, ...]  # format names that belong to it (prefix match)
    starts: tuple[bytes, ...]  # what each message of the family begins with (after whitespace)
    separator: bytes


FAMILIES = (
    Family("fin", ("mt",), (b"{1:",), RJE_SEPARATOR),
    Family("x12", ("x12.",), (b"ISA",), b""),
    Family("edifact", ("edifact.",), (b"UNA", b"UNB"), b""),
    Family("nacha", ("nacha",), (b"1",), b""),
)


class FramingError(HubError):
    code = "LINK.FRAMING"


def family(format: str) -> Family | None:
    """The batch family of a format, or None when the format travels one message per file."""
    for fam in FAMILIES:
        if any(format.startswith(p) for p in fam.prefixes):
            return fam
    return None


def chunks(outbounds: Sequence[Outbound], *, max_count: int, max_bytes: int) -> list[
        list[Outbound]]:
    """Group outbounds into files: same family together, each file within the bank's count and
    (estimated) size limits, order kept within a family. Unbatchable ones go alone."""
    groups: dict[str, list[list[Outbound]]] = {}
    order: list[list[Outbound]] = []
    sizes: dict[int, int] = {}
    for item in outbounds:
        fam = family(item.format)
        if fam is None:
            order.append([item])
            continue
        open_groups = groups.setdefault(fam.name, [])
        current = open_groups[-1] if open_groups else None
        extra = len(item.payload) + len(fam.separator)
        if current is None or len(current) >= max_count or (
                sizes[id(current)] + extra > max_bytes):
            current = []
            open_groups.append(current)
            order.append(current)
            sizes[id(current)] = 0
        current.append(item)
        sizes[id(current)] += extra
    return order


def frame(outbounds: Sequence[Outbound]) -> bytes:
    """The bytes of one file holding all `outbounds` (one family, see `chunks`)."""
    if not outbounds:
        raise FramingError("nothing to frame")
    if len(outbounds) == 1:
        return outbounds[0].payload
    families = {f.name if (f := family(o.format)) else o.format for o in outbounds}
    fam = family(outbounds[0].format)
    if fam is None or len(families) != 1:
        raise FramingError(f"formats {sorted(families)} cannot share one file")
    if fam.name == "nacha":
        return _nacha(outbounds)
    for i, item in enumerate(outbounds):
        head = item.payload.lstrip()[:3]
        if not any(head.startswith(s) for s in fam.starts):
            raise FramingError(f"message {item.message_id} is not a whole {fam.name} message",
                               location=f"message {i + 1}")
        if fam.separator and fam.separator in item.payload:
            raise FramingError(f"message {item.message_id} contains the RJE separator "
                               f"{fam.separator.decode()}", location=f"message {i + 1}")
    return fam.separator.join(o.payload for o in outbounds)


def split(data: bytes, format: str) -> list[bytes]:
    """The messages of a batched file (the inverse of `frame` for fin, x12 and edifact)."""
    fam = family(format)
    if fam is None or fam.name == "nacha":
        return [data]
    if fam.separator:
        return [part for part in data.split(fam.separator) if part.strip()]
    return _split_interchanges(data, fam)


def _split_interchanges(data: bytes, fam: Family) -> list[bytes]:
    # An interchange ends with its trailer segment (IEA / UNZ) and the segment terminator.
    trailer = b"IEA" if fam.name == "x12" else b"UNZ"
    parts: list[bytes] = []
    start = 0
    while start < len(data):
        at = data.find(trailer, start)
        if at < 0:
            parts.append(data[start:])
            break
        terminator = _terminator(data, start, fam)
        end = data.find(terminator, at)
        end = len(data) if end < 0 else end + len(terminator)
        while end < len(data) and data[end:end + 1] in (b"\r", b"\n"):
            end += 1
        parts.append(data[start:end])
        start = end
    return [p for p in parts if p.strip()]


def _terminator(data: bytes, start: int, fam: Family) -> bytes:
    if fam.name == "x12":
        return data[start + 105:start + 106] or b"~"  # ISA is fixed width: char 106 ends it
    if data[start:start + 3] == b"UNA":
        return data[start + 8:start + 9] or b"'"
    return b"'"


def _nacha(outbounds: Sequence[Outbound]) -> bytes:
    """One NACHA file from several: the NACHA codec re-renders every entry under the first
    file's header (same creation time, so a retry renders the same bytes) with new controls."""
    from hub.codecs import nacha  # the codec family owns the record layouts

    messages = []
    first: dict[str, Any] = {}
    for i, item in enumerate(outbounds):
        decoded = codecs.decode(item.payload, "nacha")
        if not decoded.ok or not decoded.messages:
            raise FramingError(f"message {item.message_id} is not a readable NACHA file",
                               location=f"message {i + 1}")
        if not first:
            first = _nacha_header(nacha, decoded.envelope)
        messages.extend(decoded.messages)
    try:
        return codecs.encode(messages, "nacha", **first)
    except HubError as exc:
        raise FramingError(f"the NACHA codec cannot merge these entries: {exc.message}",
                           location=exc.location) from None


def _nacha_header(nacha: Any, file: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = dict(nacha.envelope_of(file))
    fields = file.header.fields
    stamp = fields["file_creation_date"] + (fields["file_creation_time"].strip() or "0000")
    envelope["creation"] = datetime.strptime(stamp, "%y%m%d%H%M").replace(tzinfo=UTC)
    return envelope


register({"LINK.FRAMING": "messages cannot be batched into one file"})
