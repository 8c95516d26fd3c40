"""Typed settings: defaults < one TOML file < HUB__SECTION__KEY environment variables.

Unknown keys are errors naming their path. Connector tables are free-form here and checked by
the connector that reads them. Secrets are never held inline in the file in production: use
`*_file` or `*_env` (hub.secrets), and `check-config` masks anything that looks secret.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class HubSettings:
    bic: str = "NVCHGB2LXXX"  # the hub's own institution, sender of what it renders
    data_dir: str = "var"
    node_id: str = ""  # defaults to host name + pid


@dataclass(frozen=True, kw_only=True)
class JournalSettings:
    url: str = ""  # empty: sqlite:///<data_dir>/hub.db
    schema: str = ""
    pool_size: int = 10
    auto_migrate: bool = True
    batch_max: int = 256


@dataclass(frozen=True, kw_only=True)
class ApiSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    admin_host: str = "127.0.0.1"
    admin_port: int = 9090
    max_body_bytes: int = 2 * 1024 * 1024
    bootstrap_key_file: str = ""  # where the first admin key is written once (0600)


@dataclass(frozen=True, kw_only=True)
class RoutingSettings:
    table: str = ""  # empty: everything goes to the default file-drop connector as JSON
    watch: bool = True
    watch_interval: float = 2.0


@dataclass(frozen=True, kw_only=True)
class DispatchSettings:
    batch_size: int = 64
    concurrency: int = 32
    loops: int = 1  # claim loops side by side: more overlap one batch's I/O waits with the next
    lease_seconds: float = 60.0
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 300.0
    poll_interval: float = 0.5
    send_timeout: float = 30.0
    breaker_failures: int = 5
    breaker_reset: float = 30.0
    poll_gateways: float = 30.0  # how often gateways are asked about payments not yet final


@dataclass(frozen=True, kw_only=True)
class CodecSettings:
    schema_dir: str = ""
    lenient: tuple[str, ...] = ()
    telex_keys_file: str = ""


@dataclass(frozen=True, kw_only=True)
class ScreeningSettings:
    lists: tuple[str, ...] = ()  # OFAC SDN CSV and EU consolidated XML files
    threshold: float = 88.0  # fuzzy name score (0-100) at or above which a party is a hit
    service_url: str = ""  # an external screening service (HTTP); empty: lists only
    service_timeout: float = 2.0  # no answer in time: the message is held, never passed
    countries: tuple[str, ...] = ()  # ISO 3166 codes whose parties are always held


@dataclass(frozen=True, kw_only=True)
class OperationsSettings:
    four_eyes_amount: str = "0"  # manual retries above this amount need a second person


@dataclass(frozen=True, kw_only=True)
class CallbackSettings:
    secret_file: str = ""  # HMAC key signing callbacks (NVC-Signature); or secret_env
    secret_env: str = ""
    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 600.0
    interval: float = 1.0
    timeout: float = 10.0


@dataclass(frozen=True, kw_only=True)
class LogSettings:
    level: str = "INFO"
    format: str = "json"  # json | text


@dataclass(frozen=True, kw_only=True)
class Settings:
    hub: HubSettings = field(default_factory=HubSettings)
    journal: JournalSettings = field(default_factory=JournalSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    dispatch: DispatchSettings = field(default_factory=DispatchSettings)
    codecs: CodecSettings = field(default_factory=CodecSettings)
    screening: ScreeningSettings = field(default_factory=ScreeningSettings)
    operations: OperationsSettings = field(default_factory=OperationsSettings)
    callbacks: CallbackSettings = field(default_factory=CallbackSettings)
    log: LogSettings = field(default_factory=LogSettings)
    connectors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    limits: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str = "defaults"

    @property
    def data_dir(self) -> Path:
        return Path(self.hub.data_dir)

    @property
    def journal_url(self) -> str:
        return self.journal.url or f"sqlite:///{self.data_dir / 'hub.db'}"

    def connector_tables(self) -> dict[str, dict[str, Any]]:
        """The configured connectors; with none configured, one file-drop link called outbox."""
        if self.connectors:
            return {k: dict(v) for k, v in self.connectors.items()}
        return {"outbox": {"type": "filedrop", "outbound": str(self.data_dir / "outbox"),
                           "inbox": str(self.data_dir / "inbox")}}


SECTIONS: dict[str, type] = {
    name: tp for name, tp in typing.get_type_hints(Settings).items()
    if name not in ("connectors", "limits", "source")}


def _coerce(value: Any, tp: Any, path: str) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false",
                                                          "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif tp is str:
        if isinstance(value, str):
            return value
    elif typing.get_origin(tp) is tuple:
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
    raise ConfigError(f"{path}: expected {getattr(tp, '__name__', tp)}, got {value!r}",
                      code="CONFIG.TYPE", location=path)


def _section(cls: type, data: Mapping[str, Any], path: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(f"{path}.{key}: unknown setting", code="CONFIG.UNKNOWN_KEY",
                              location=f"{path}.{key}")
        kwargs[key] = _coerce(value, hints[key], f"{path}.{key}")
    return cls(**kwargs)


def _env_overrides(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """HUB__SECTION__KEY=value, and HUB__CONNECTORS__NAME__KEY=value for connector tables."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in env.items():
        if not name.startswith("HUB__"):
            continue
        parts = name[5:].lower().split("__")
        if parts[0] in ("connectors", "limits") and len(parts) == 3:
            out.setdefault(parts[0], {}).setdefault(parts[1], {})[parts[2]] = value
        elif len(parts) == 2:
            out.setdefault(parts[0], {})[parts[1]] = value
        else:
            raise ConfigError(f"{name}: expected HUB__SECTION__KEY", code="CONFIG.UNKNOWN_KEY",
                              location=name)
    return out


def load(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    source = "defaults"
    if path is None and env.get("HUB_CONFIG"):
        path = env["HUB_CONFIG"]
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror})", location=str(path)) \
                from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}", location=str(path)) from None
        source = str(path)
    for section, values in _env_overrides(env).items():
        if section in ("connectors", "limits"):
            for name, table in values.items():
                data.setdefault(section, {}).setdefault(name, {}).update(table)
        else:
            data.setdefault(section, {}).update(values)
    kwargs: dict[str, Any] = {"source": source}
    for key, value in data.items():
        if key == "connectors":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError("connectors: expected tables [connectors.NAME]",
                                  location="connectors")
            for name, table in value.items():
                if "type" not in table:
                    raise ConfigError(f"connectors.{name}.type: required",
                                      location=f"connectors.{name}.type")
            kwargs["connectors"] = value
        elif key == "limits":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError("limits: expected tables [limits.NAME]", location="limits")
            kwargs["limits"] = value
        elif key in SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(f"{key}: expected a table", location=key)
            kwargs[key] = _section(SECTIONS[key], value, key)
        else:
            raise ConfigError(f"{key}: unknown section", code="CONFIG.UNKNOWN_KEY", location=key)
    return Settings(**kwargs)


SECRET_HINTS = ("secret", "password", "token", "key", "seed", "dsn", "url")


def _mask(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask(k, v) for k, v in value.items()}
    if not isinstance(value, str) or key.endswith(("_file", "_env")):
        return value
    lowered = key.lower()
    if any(h in lowered for h in SECRET_HINTS) and lowered not in ("schema_dir",):
        if "://" in value and "@" in value:  # keep the host of a DSN, hide its credentials
            scheme, rest = value.split("://", 1)
            return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
        if lowered.endswith(("url", "dsn")) and "@" not in value:
            return value
        return "***" if value else value
    return value


def resolved(settings: Settings) -> dict[str, Any]:
    """The settings as plain data with secrets masked, for `nvc-hub check-config`."""
    out: dict[str, Any] = {"source": settings.source}
    for name in SECTIONS:
        section = dataclasses.asdict(getattr(settings, name))
        out[name] = {k: _mask(k, list(v) if isinstance(v, tuple) else v)
                     for k, v in section.items()}
    out["journal"]["url"] = _mask("url", settings.journal_url)
    out["connectors"] = {n: _mask(n, t) for n, t in settings.connector_tables().items()}
    return out
