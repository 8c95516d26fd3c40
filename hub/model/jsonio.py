"""Canonical JSON in and out, driven by the dataclasses' own type hints.

Amounts are strings ("1234.50") so no reader ever turns them into floats; dates are ISO 8601;
fields that are None or empty are left out. Reading collects every problem with its JSON path
instead of stopping at the first.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

import orjson

from hub.errors import Diagnostic, ModelError
from hub.model.message import Message
from hub.model.money import Money


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _writer(tp: Any) -> Any:
    """A function turning a value of type `tp` into JSON-ready data, built once per type."""
    tp = _unwrap_optional(tp)
    if tp is Money:
        return lambda m: {"value": m.text(), "currency": m.currency}
    if dataclasses.is_dataclass(tp):
        return lambda v: _struct_writer(type(v))(v)
    if typing.get_origin(tp) is tuple:
        item = _writer(typing.get_args(tp)[0])
        return lambda v: [item(i) for i in v]
    if isinstance(tp, type) and issubclass(tp, Enum):
        return lambda v: v.value
    if tp in (datetime, date):
        return lambda v: v.isoformat()
    if tp in (UUID, Decimal):
        return str
    if typing.get_origin(tp) in (Mapping, dict) or tp is Mapping:
        return dict
    return lambda v: v


_WRITERS: dict[type, Any] = {}


def _struct_writer(cls: type) -> Any:
    found = _WRITERS.get(cls)
    if found is None:
        found = _WRITERS[cls] = _compile_writer(cls)
    return found


def _compile_writer(cls: type) -> Any:
    hints = _hints(cls)
    plan = [(f.name, _writer(hints[f.name]), _is_collection(hints[f.name]))
            for f in dataclasses.fields(cls)]

    def write(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, convert, collection in plan:
            value = getattr(obj, name)
            if value is None or (collection and not value):  # empty tuples and maps are left out
                continue
            out[name] = convert(value)
        return out
    return write


def _is_collection(tp: Any) -> bool:
    tp = _unwrap_optional(tp)
    return typing.get_origin(tp) in (tuple, Mapping, dict) or tp is Mapping


def to_data(obj: Any) -> Any:
    """A canonical object as plain JSON-ready data."""
    if isinstance(obj, Money):
        return {"value": obj.text(), "currency": obj.currency}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _struct_writer(type(obj))(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, (UUID, Decimal)):
        return str(obj)
    if isinstance(obj, tuple | list):
        return [to_data(v) for v in obj]
    if isinstance(obj, Mapping):
        return {str(k): to_data(v) for k, v in obj.items()}
    return obj


def dumps(obj: Any) -> bytes:
    return orjson.dumps(to_data(obj), option=orjson.OPT_SORT_KEYS)


Read = Callable[["_Reader", Any, str], Any]
"""A compiled reader for one type: (reader, JSON value, path) -> value, or None after a fail()."""


def _read_str(reader: _Reader, value: Any, path: str) -> Any:
    if type(value) is str:
        return value
    reader.fail("MODEL.TYPE", "expected a string", path)
    return None


def _read_uuid(reader: _Reader, value: Any, path: str) -> Any:
    try:
        uuid = UUID(str(value))
    except ValueError:
        reader.fail("MODEL.UETR", f"{value!r} is not a UUID", path)
        return None
    if uuid.version != 4 or str(uuid) != str(value).lower():
        reader.fail("MODEL.UETR", f"{value!r} is not a UUID version 4 in canonical form", path)
        return None
    return uuid


def _read_datetime(reader: _Reader, value: Any, path: str) -> Any:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        reader.fail("MODEL.DATE", f"{value!r} is not an ISO 8601 date-time", path)
        return None
    if parsed.tzinfo is None:
        reader.fail("MODEL.DATETIME_NAIVE", f"{value!r} has no time zone", path)
        return None
    return parsed


def _read_date(reader: _Reader, value: Any, path: str) -> Any:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        reader.fail("MODEL.DATE", f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)", path)
        return None


def _read_strings(reader: _Reader, value: Any, path: str) -> Any:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        reader.fail("MODEL.TYPE", "expected an object of strings", path)
        return {}
    return dict(value)


def _read_money(reader: _Reader, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        reader.fail("MODEL.TYPE", "expected {value, currency}", path)
        return None
    raw, currency = value.get("value"), value.get("currency")
    if not isinstance(raw, str):
        reader.fail("MODEL.AMOUNT", "amount value must be a decimal string such as \"100.25\"",
                    f"{path}.value")
        return None
    if not isinstance(currency, str):
        reader.fail("MODEL.CURRENCY", "currency must be an ISO 4217 code", f"{path}.currency")
        return None
    try:
        return Money(value=Decimal(raw), currency=currency)
    except InvalidOperation:
        reader.fail("MODEL.AMOUNT", f"{raw!r} is not a decimal number", f"{path}.value")
    except ModelError as exc:
        where = f"{path}.currency" if exc.code == "MODEL.CURRENCY" else f"{path}.value"
        reader.fail(exc.code, exc.message, where)
    return None


def _enum_reader(tp: type[Enum]) -> Read:
    members = {m.value: m for m in tp}
    allowed = ", ".join(str(v) for v in members)

    def read(reader: _Reader, value: Any, path: str) -> Any:
        found = members.get(value) if isinstance(value, str) else None
        if found is None:
            reader.fail("MODEL.ENUM", f"{value!r} is not one of {allowed}", path)
        return found
    return read


def _tuple_reader(item: Read) -> Read:
    def read(reader: _Reader, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            reader.fail("MODEL.TYPE", "expected an array", path)
            return ()
        items = [None if v is None else item(reader, v, f"{path}[{i}]")
                 for i, v in enumerate(value)]
        return tuple(i for i in items if i is not None)
    return read


@cache
def _reader_for(tp: Any) -> Read:
    tp = _unwrap_optional(tp)
    origin = typing.get_origin(tp)
    if tp is str:
        return _read_str
    if tp is Money:
        return _read_money
    if dataclasses.is_dataclass(tp):
        cls = typing.cast(type, tp)
        return lambda reader, value, path: reader.struct(cls, value, path)
    if origin is tuple:
        return _tuple_reader(_reader_for(typing.get_args(tp)[0]))
    if origin in (Mapping, dict) or tp is Mapping:
        return _read_strings
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum_reader(tp)
    if tp is UUID:
        return _read_uuid
    if tp is datetime:
        return _read_datetime
    if tp is date:
        return _read_date
    raise TypeError(f"no JSON reader for {tp!r}")


@cache
def _struct_plan(cls: type) -> dict[str, Read]:
    hints = _hints(cls)
    return {f.name: _reader_for(hints[f.name]) for f in dataclasses.fields(cls)}


class _Reader:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def fail(self, code: str, message: str, path: str) -> None:
        self.diagnostics.append(Diagnostic(code, message, path))

    def struct(self, cls: type, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self.fail("MODEL.TYPE", "expected an object", path or "$")
            return None
        plan = _struct_plan(cls)
        kwargs: dict[str, Any] = {}
        before = len(self.diagnostics)
        prefix = f"{path}." if path else ""
        for key, item in value.items():
            read = plan.get(key)
            if read is None:
                self.fail("MODEL.UNKNOWN_FIELD", f"unknown element {key!r}", prefix + key)
                continue
            if item is None:
                continue
            result = read(self, item, prefix + key)
            if result is not None:
                kwargs[key] = result
        if len(self.diagnostics) > before:
            return None
        try:
            return cls(**kwargs)
        except ModelError as exc:
            where = f"{path}.{exc.location}" if path and exc.location else exc.location or path
            self.fail(exc.code, exc.message, where)
        except TypeError as exc:
            self.fail("MODEL.REQUIRED", str(exc), path or "$")
        return None


def from_data(data: Any) -> tuple[Message | None, list[Diagnostic]]:
    """A Message from plain data, with every problem found (JSON path as location)."""
    reader = _Reader()
    if isinstance(data, dict) and "kind" not in data:
        reader.fail("MODEL.REQUIRED", "kind is required", "kind")
        return None, reader.diagnostics
    message = reader.struct(Message, data, "")
    return (message if not reader.diagnostics else None), reader.diagnostics


def loads(raw: bytes | str) -> Message:
    """A Message from JSON text; raises ModelError carrying every diagnostic."""
    data = orjson.loads(raw)
    message, diagnostics = from_data(data)
    if message is None:
        first = diagnostics[0]
        raise ModelError(first.message, code=first.code, location=first.location,
                         diagnostics=diagnostics)
    return message
