"""Connectors by type: each module exposes `build(name, settings, **deps) -> Connector`."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from hub.connectors.base import (
    Connector,
    ConnectorSpec,
    Delivery,
    Health,
    Inbound,
    InboundConnector,
    Outbound,
    Outcome,
    StatusUpdate,
)
from hub.errors import ConfigError

TYPES: dict[str, str] = {
    "filedrop": "hub.connectors.filedrop",
    "sftp": "hub.connectors.sftp",
    "amqp": "hub.connectors.amqp",
    "stripe": "hub.connectors.stripe",
    "paypal": "hub.connectors.paypal",
    "ach": "hub.connectors.ach",
    "ethereum": "hub.connectors.ethereum",
    "xrpl": "hub.connectors.xrpl",
}


def build(name: str, settings: Mapping[str, Any], **deps: Any) -> Connector:
    kind = settings.get("type")
    module_name = TYPES.get(str(kind))
    if module_name is None:
        raise ConfigError(f"connectors.{name}.type: unknown connector type {kind!r}; known: "
                          f"{', '.join(sorted(TYPES))}", location=f"connectors.{name}.type")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"connectors.{name}: the {kind} connector needs a package that is not "
                          f"installed ({exc.name})", location=f"connectors.{name}") from None
    settings = {k: v for k, v in settings.items() if k != "type"}
    connector: Connector = module.build(name, settings, **deps)
    return connector


__all__ = ["TYPES", "Connector", "ConnectorSpec", "Delivery", "Health", "Inbound",
           "InboundConnector", "Outbound", "Outcome", "StatusUpdate", "build"]
