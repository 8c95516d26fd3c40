"""Write an ACH file: batches of messages in, 94-character records out, every control computed.

Batching follows the rules: one batch per distinct batch header (SEC code, company, entry
description, effective date, ODFI ...), in the order the messages arrive. Check digits, addenda
indicators and sequence numbers, entry/addenda counts, entry hashes, debit and credit totals,
batch and block counts are computed here, never taken from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from math import ceil
from typing import Any

from hub.codecs.nacha import layouts as L
from hub.codecs.nacha.mapping import batch_fields, entry_records, header_value, iat_order
from hub.codecs.nacha.reader import (
    ADDENDA,
    BATCH_CONTROL,
    BATCH_HEADER,
    FILE_CONTROL,
    FILE_HEADER,
    IAT_BATCH_HEADER,
    entry_layout,
    is_debit,
    routing_check_digit,
)
from hub.errors import CodecError
from hub.model import Message

EntryPlan = tuple[dict[str, str], list[tuple[str, dict[str, str]]]]


class _Batch:
    def __init__(self, header: dict[str, str], service: str | None, number: str | None) -> None:
        self.header = header
        self.service = service
        self.number = number
        self.entries: list[EntryPlan] = []


def _destination(value: str) -> str:
    """Immediate destination/origin: a 9-digit routing number is written with a leading blank."""
    return f" {value}" if len(value) == 9 else value


def encode_file(messages: Sequence[Message], envelope: Mapping[str, Any]) -> bytes:
    if not messages:
        raise CodecError("an ACH file needs at least one entry", code="CODEC.CANNOT_ENCODE")
    created = envelope.get("creation") or envelope.get("created_at")
    if created is None:
        created = messages[0].created_at
    if not isinstance(created, datetime) or created.tzinfo is None:
        raise CodecError("creation must be a timezone-aware datetime",
                         code="CODEC.CANNOT_ENCODE", location="creation")
    sec_default = header_value(envelope, "sec", "PPD")
    description = header_value(envelope, "entry_description", "PAYMENT")

    batches: dict[tuple[object, ...], _Batch] = {}
    for i, message in enumerate(messages):
        try:
            header = batch_fields(message, sec_default, description)
            plan = entry_records(message, header["sec_code"])
        except CodecError as exc:
            exc.location = f"[{i}].{exc.location}" if exc.location else f"[{i}]"
            raise
        service = message.extra.get("ach.service_class")
        number = message.extra.get("ach.batch_number")
        key = (*sorted(header.items()), service, number)
        batch = batches.get(key)
        if batch is None:
            batch = batches[key] = _Batch(header, service, number)
        batch.entries.append(plan)

    lines: list[str] = []
    header = {
        "priority_code": header_value(envelope, "priority_code", "01"),
        "immediate_destination": _destination(header_value(envelope, "immediate_destination")),
        "immediate_origin": _destination(header_value(envelope, "immediate_origin")),
        "file_creation_date": created.strftime("%y%m%d"),
        "file_creation_time": created.strftime("%H%M"),
        "file_id_modifier": header_value(envelope, "file_id_modifier", "A"),
        "immediate_destination_name": header_value(envelope, "immediate_destination_name"),
        "immediate_origin_name": header_value(envelope, "immediate_origin_name"),
        "reference_code": header_value(envelope, "reference_code"),
    }
    if not header["immediate_destination"].strip() or not header["immediate_origin"].strip():
        raise CodecError("immediate_destination and immediate_origin are required",
                         code="CODEC.CANNOT_ENCODE", location="immediate_destination")
    lines.append(FILE_HEADER.write(header))

    totals = {"count": 0, "hash": 0, "debit": 0, "credit": 0}
    used = {int(b.number) for b in batches.values()
            if b.number and b.number.isascii() and b.number.isdecimal()}
    next_number = 1
    next_trace = 1
    for batch in batches.values():
        if batch.number and batch.number.isdecimal() and batch.number.isascii():
            number = batch.number
        else:
            while next_number in used:
                next_number += 1
            used.add(next_number)
            number = str(next_number)
        h = batch.header
        sec = h["sec_code"]
        codes = [e["transaction_code"] for e, _a in batch.entries]
        debits = [is_debit(c) for c in codes]
        service = batch.service or ("200" if any(debits) and not all(debits)
                                    else "225" if all(debits) else "220")
        h = {**h, "service_class_code": service, "batch_number": number}
        lines.append((IAT_BATCH_HEADER if sec == "IAT" else BATCH_HEADER).write(h))
        layout = entry_layout(sec)
        count = entry_hash = debit = credit = 0
        for entry, addenda in batch.entries:
            if sec == "IAT":
                addenda = iat_order(addenda)
            trace = entry["trace_number"]
            if not (trace.isascii() and trace.isdigit() and len(trace) == 15):
                trace = f"{h['odfi']}{next_trace:07d}"
                next_trace += 1
            rdfi = entry["rdfi"]
            values = {**entry, "trace_number": trace, "check_digit": routing_check_digit(rdfi),
                      "addenda_indicator": "1" if addenda else "0",
                      "addenda_count": str(len(addenda))}
            lines.append(layout.write(values))
            count += 1 + len(addenda)
            entry_hash += int(rdfi)
            amount = int(entry["amount"])
            if is_debit(entry["transaction_code"]):
                debit += amount
            else:
                credit += amount
            seen: dict[str, int] = {}
            for kind, fields in addenda:
                seen[kind] = seen.get(kind, 0) + 1
                lines.append(ADDENDA[kind].write({
                    **fields, "addenda_sequence": str(seen[kind]), "entry_sequence": trace[-7:],
                    "trace_number": fields.get("trace_number") or trace}))
        lines.append(BATCH_CONTROL.write({
            "service_class_code": service, "entry_addenda_count": str(count),
            "entry_hash": str(entry_hash % 10**10), "total_debit": str(debit),
            "total_credit": str(credit), "company_id": h["company_id"],
            "message_authentication_code": h.get("message_authentication_code", ""),
            "odfi": h["odfi"], "batch_number": number}))
        totals["count"] += count
        totals["hash"] += entry_hash
        totals["debit"] += debit
        totals["credit"] += credit

    records = len(lines) + 1
    lines.append(FILE_CONTROL.write({
        "batch_count": str(len(batches)), "block_count": str(ceil(records / L.BLOCKING_FACTOR)),
        "entry_addenda_count": str(totals["count"]), "entry_hash": str(totals["hash"] % 10**10),
        "total_debit": str(totals["debit"]), "total_credit": str(totals["credit"])}))
    lines.extend([L.FILLER] * (-records % L.BLOCKING_FACTOR))
    return ("\n".join(lines) + "\n").encode("ascii")
