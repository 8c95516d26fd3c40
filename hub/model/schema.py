"""The canonical model's JSON Schema, derived from the dataclasses themselves.

`docs/canonical.schema.json` is this output; a test keeps the two equal, so the published
schema cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from hub.model.jsonio import _hints, _unwrap_optional
from hub.model.message import Message
from hub.model.money import Money

SCHEMA_ID = "urn:nvc-hub:canonical-message:1"


def _type(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    tp = _unwrap_optional(tp)
    origin = typing.get_origin(tp)
    if tp is Money:
        return {"$ref": "#/$defs/Money"}
    if dataclasses.is_dataclass(tp):
        name = typing.cast(type, tp).__name__
        if name not in defs:
            defs[name] = {}
            defs[name] = _object(typing.cast(type, tp), defs)
        return {"$ref": f"#/$defs/{name}"}
    if origin is tuple:
        return {"type": "array", "items": _type(typing.get_args(tp)[0], defs)}
    if origin in (Mapping, dict):
        return {"type": "object", "additionalProperties": {"type": "string"}}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"type": "string", "enum": [m.value for m in tp]}
    if tp is UUID:
        return {"type": "string", "format": "uuid",
                "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"}
    if tp is datetime:
        return {"type": "string", "format": "date-time"}
    if tp is date:
        return {"type": "string", "format": "date"}
    if tp is str:
        return {"type": "string"}
    raise TypeError(f"no schema for {tp!r}")


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    props = {f.name: _type(hints[f.name], defs) for f in dataclasses.fields(cls)}
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    return out


def canonical_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {
        "Money": {
            "type": "object",
            "description": "An amount as a decimal string with the currency's ISO 4217 minor "
                           "units at most, never a JSON number.",
            "properties": {
                "value": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3,4}$"},
            },
            "required": ["value", "currency"],
            "additionalProperties": False,
        }
    }
    root = _object(Message, defs)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "NVC Hub canonical message", **root, "$defs": dict(sorted(defs.items()))}


if __name__ == "__main__":
    import orjson
    print(orjson.dumps(canonical_schema(), option=orjson.OPT_INDENT_2).decode())
