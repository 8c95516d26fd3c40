"""Secrets: read from a file or the environment, never printed.

A setting `key` may be given as `key_file = "/run/secrets/x"` (the file's content, stripped) or
`key_env = "VAR"` (an environment variable). Inline secrets are refused outside tests unless the
caller allows them. A Secret's repr and str are masked so it cannot leak into logs or errors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hub.errors import ConfigError


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def read(settings: Mapping[str, Any], name: str, *, where: str = "",
         required: bool = True, allow_inline: bool = True) -> Secret | None:
    """The secret called `name` in a settings table (`name`, `name_file` or `name_env`)."""
    path = f"{where}.{name}" if where else name
    if (file := settings.get(f"{name}_file")) is not None:
        try:
            return Secret(Path(str(file)).read_text("utf-8").strip())
        except OSError as exc:
            raise ConfigError(f"{path}_file: cannot read ({exc.strerror})",
                              location=f"{path}_file") from None
    if (var := settings.get(f"{name}_env")) is not None:
        value = os.environ.get(str(var))
        if value is None:
            raise ConfigError(f"{path}_env: environment variable {var} is not set",
                              location=f"{path}_env")
        return Secret(value)
    if (inline := settings.get(name)) is not None:
        if isinstance(inline, Secret):
            return inline
        if not allow_inline:
            raise ConfigError(f"{path}: give secrets as {name}_file or {name}_env",
                              location=path)
        return Secret(str(inline))
    if required:
        raise ConfigError(f"{path}: secret required ({name}_file or {name}_env)", location=path)
    return None
