"""Canonical JSON in and out, driven by the dataclasses' own type hints.

Amounts are strings ("1234.50") so no reader ever turns them into floats; dates are ISO 8601;
fields that are None or empty are left out. Reading collects every problem with its JSON path
instead of stopping at the first.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
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


@cache
def _unwrapped(tp: Any) -> Any:
    return _unwrap_optional(tp)


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


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
    plan = [(f.name, _writer(hints[f.name])) for f in dataclasses.fields(cls)]

    def write(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, convert in plan:
            value = getattr(obj, name)
            if value is None or (not value and isinstance(value, (tuple, Mapping))):
                continue
            out[name] = convert(value)
        return out
    return write


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


class _Reader:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def fail(self, code: str, message: str, path: str) -> None:
        self.diagnostics.append(Diagnostic(code, message, path))

    def read(self, tp: Any, value: Any, path: str) -> Any:
        tp = _unwrapped(tp)
        if value is None:
            return None
        origin = typing.get_origin(tp)
        if tp is Money:
            return self.money(value, path)
        if dataclasses.is_dataclass(tp):
            return self.struct(typing.cast(type, tp), value, path)
        if origin is tuple:
            (item_tp, *_rest) = typing.get_args(tp)
            if not isinstance(value, list):
                self.fail("MODEL.TYPE", "expected an array", path)
                return ()
            items = [self.read(item_tp, v, f"{path}[{i}]") for i, v in enumerate(value)]
            return tuple(i for i in items if i is not None)
        if origin in (Mapping, dict) or tp is Mapping:
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                self.fail("MODEL.TYPE", "expected an object of strings", path)
                return {}
            return dict(value)
        if isinstance(tp, type) and issubclass(tp, Enum):
            try:
                return tp(value)
            except ValueError:
                allowed = ", ".join(str(m.value) for m in tp)
                self.fail("MODEL.ENUM", f"{value!r} is not one of {allowed}", path)
                return None
        if tp is UUID:
            try:
                uuid = UUID(str(value))
            except ValueError:
                self.fail("MODEL.UETR", f"{value!r} is not a UUID", path)
                return None
            if uuid.version != 4 or str(uuid) != str(value).lower():
                self.fail("MODEL.UETR", f"{value!r} is not a UUID version 4 in canonical form",
                          path)
                return None
            return uuid
        if tp is datetime:
            try:
                parsed = datetime.fromisoformat(str(value))
            except ValueError:
                self.fail("MODEL.DATE", f"{value!r} is not an ISO 8601 date-time", path)
                return None
            if parsed.tzinfo is None:
                self.fail("MODEL.DATETIME_NAIVE", f"{value!r} has no time zone", path)
                return None
            return parsed
        if tp is date:
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                self.fail("MODEL.DATE", f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)", path)
                return None
        if tp is str:
            if not isinstance(value, str):
                self.fail("MODEL.TYPE", "expected a string", path)
                return None
            return value
        self.fail("MODEL.TYPE", f"cannot read {tp!r}", path)
        return None

    def money(self, value: Any, path: str) -> Money | None:
        if not isinstance(value, dict):
            self.fail("MODEL.TYPE", "expected {value, currency}", path)
            return None
        raw, currency = value.get("value"), value.get("currency")
        if not isinstance(raw, str):
            self.fail("MODEL.AMOUNT", "amount value must be a decimal string such as \"100.25\"",
                      f"{path}.value")
            return None
        if not isinstance(currency, str):
            self.fail("MODEL.CURRENCY", "currency must be an ISO 4217 code", f"{path}.currency")
            return None
        try:
            return Money(value=Decimal(raw), currency=currency)
        except InvalidOperation:
            self.fail("MODEL.AMOUNT", f"{raw!r} is not a decimal number", f"{path}.value")
        except ModelError as exc:
            where = f"{path}.currency" if exc.code == "MODEL.CURRENCY" else f"{path}.value"
            self.fail(exc.code, exc.message, where)
        return None

    def struct(self, cls: type, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self.fail("MODEL.TYPE", "expected an object", path or "$")
            return None
        hints = _hints(cls)
        names = _field_names(cls)
        kwargs: dict[str, Any] = {}
        before = len(self.diagnostics)
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key not in names:
                self.fail("MODEL.UNKNOWN_FIELD", f"unknown element {key!r}", where)
                continue
            result = self.read(hints[key], item, where)
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
    message = reader.read(Message, data, "")
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
