"""Full validation of one FIN message: headers, field grammar, message structure, network rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from hub.codecs.swift_mt import rules
from hub.codecs.swift_mt.envelope import FinMessage, Pairs
from hub.codecs.swift_mt.headers import check_header_pairs
from hub.codecs.swift_mt.specs import SPECS, Spec, format_name, spec_for
from hub.codecs.swift_mt.syntax import Extra, check_field, field_plan
from hub.errors import Diagnostic

MAX_TEXT = 10_000  # characters in block 4 (FIN message size limit)


def check_headers(msg: FinMessage, prefix: str, found: list[Diagnostic]) -> None:
    check_header_pairs(msg.user, msg.trailer, prefix, found, msg.message_type)


def check_text(msg: FinMessage, format: str | None, prefix: str,
               found: list[Diagnostic]) -> tuple[Spec | None, rules.View | None]:
    """Field grammar, message structure and network rules of block 4."""
    flag = msg.user_value("119")
    name = format or format_name(msg.message_type, flag)
    spec = spec_for(name, flag) if name else None
    if msg.text is None:
        return None, None
    tags, values = split_fields(msg.text)
    return spec, check_block4(tags, values, spec, prefix, found, msg.sender, msg.receiver)


def split_fields(fields: Pairs) -> tuple[tuple[str, ...], Sequence[str]]:
    """Block 4 (tag, value) pairs as their tags and their values."""
    if not fields:
        return (), ()
    tags, values = zip(*fields, strict=True)
    return tags, values


def check_block4(tags: tuple[str, ...], values: Sequence[str], spec: Spec | None, prefix: str,
                 found: list[Diagnostic], sender: str | None, receiver: str | None,
                 size: int | None = None) -> rules.View | None:
    """`check_text` once the spec, sender and receiver are known (the decoder knows them).
    `size`: block 4's characters when the reader counted them already."""
    if size is None:
        size = sum(map(len, tags)) + sum(map(len, values)) + 3 * len(tags)
    if size > MAX_TEXT:
        found.append(Diagnostic("MT.SIZE", f"block 4 has {size} characters, at most "
                                f"{MAX_TEXT} allowed", f"{prefix}block 4"))
        return None
    shape = layout(spec.name if spec is not None else None, tags, prefix)
    if shape.findings:
        found.extend(shape.findings)
    parts: list[dict[str, str | None] | None] = []
    for tag, value, fullmatch, extra, codes in zip(tags, values, shape.matchers, shape.extras,
                                                   shape.codes, strict=True):
        if fullmatch is None:
            parts.append(None)
            continue
        # syntax.clean_field inline (the hot loop): it says "clean" or nothing, and
        # check_field says what is wrong
        match = fullmatch(value)
        if match is not None:
            clean = match.groupdict()
            if extra is None or extra(clean, codes):
                parts.append(clean)
                continue
        parts.append(check_field(tag, value, f"{prefix}field {tag}", codes, found))
    view = rules.View(tags, values, shape.seqs, parts, sender, receiver, prefix,
                      shape.positions)
    if spec is not None:
        rules.run(spec.name, view, found, shape.rules)
    return view


class Layout(NamedTuple):
    """What depends only on the message type and the order of its tags."""

    seqs: tuple[str, ...]  # each field's sequence, "?" when unexpected
    findings: tuple[Diagnostic, ...]  # structure findings (T13)
    # per field, FieldPlan.regex.fullmatch and FieldPlan.extra; None: no grammar check
    # (an unexpected or unknown tag)
    matchers: tuple[Callable[[str], re.Match[str] | None] | None, ...]
    extras: tuple[Extra | None, ...]
    codes: tuple[frozenset[str] | None, ...]  # code words allowed per field
    positions: rules.Index  # View.index
    rules: tuple[rules.Rule, ...]  # the network rules these fields can break


@lru_cache(maxsize=2048)
def layout(spec_name: str | None, tags: tuple[str, ...], prefix: str) -> Layout:
    """The layout of a tag order. Traffic repeats few field layouts, so the answer is kept:
    every part is immutable (Diagnostic is frozen) or read-only by contract (the index)."""
    found: list[Diagnostic] = []
    if spec_name is None:
        seqs: tuple[str, ...] = ("A",) * len(tags)
        codes: dict[str, frozenset[str]] = {}
    else:
        spec = SPECS[spec_name]
        seqs = tuple(_structure(spec, tags, prefix, found))
        codes = spec.codes
    plans = [field_plan(t) if seq != "?" else None for t, seq in zip(tags, seqs, strict=True)]
    index = rules.tag_index(tags)
    return Layout(seqs, tuple(found), tuple(p.regex.fullmatch if p else None for p in plans),
                  tuple(p.extra if p else None for p in plans), tuple(codes.get(t) for t in tags),
                  index,
                  rules.active(spec_name, index) if spec_name is not None else ())


def _structure(spec: Spec, tags: Sequence[str], prefix: str,
               found: list[Diagnostic]) -> list[str]:
    """Match fields to the spec in order; returns each field's sequence ("?" when unexpected)."""
    entries = spec.entries
    counts = [0] * len(entries)
    seqs: list[str] = []
    i = 0
    missing: list[tuple[int, str]] = []  # (entry index, field before which it was missed)
    for tag in tags:
        start = i if i < len(entries) and (counts[i] == 0 or entries[i].repeatable) else i + 1
        j = start
        while j < len(entries) and not (tag in entries[j].tags or not entries[j].tags):
            j += 1
        if j >= len(entries):
            where = f"{prefix}field {tag}"
            if spec.allows(tag):
                text = f"field {tag} is out of order or repeated in MT {spec.message_type}"
            else:
                text = f"field {tag} is not allowed in {spec.name.upper()}"
            found.append(Diagnostic("MT.T13", text, where))
            seqs.append("?")
            continue
        for k in range(i, j):
            if entries[k].mandatory and counts[k] == 0:
                missing.append((k, tag))
        counts[j] += 1
        seqs.append(entries[j].sequence)
        i = j
    for k in range(i, len(entries)):
        if entries[k].mandatory and counts[k] == 0:
            missing.append((k, "-}"))
    present = set(seqs)
    for k, before in missing:
        entry = entries[k]
        if entry.sequence in spec.optional_sequences and entry.sequence not in present:
            continue
        found.append(Diagnostic("MT.T13", f"mandatory field {entry.label} (sequence "
                                f"{entry.sequence}) is missing before {before}",
                                f"{prefix}field {entry.label}"))
    return seqs
