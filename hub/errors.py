"""The error catalogue: one root, unique codes, diagnostics.

    HubError
     ├── ConfigError        CONFIG.*   settings that cannot be used
     ├── ModelError         MODEL.*    a canonical value that breaks a rule
     ├── CodecError         <family>.* bytes a codec cannot read or write
     ├── JournalError       JOURNAL.*  the store refused or lost its connection
     ├── RouteError         ROUTE.*    the routing table or a plan failed
     ├── ConnectorError     LINK.*     a link to the outside failed
     └── AuthError          AUTH.*     who is asking may not do this
          └── Forbidden              a known caller a rule refuses

Every code used anywhere in the hub is registered once in a family table with a short title;
`register()` refuses a code registered twice. Diagnostics are data (code, severity, message,
location) and never raise: decoding reports everything it finds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

_CATALOGUE: dict[str, str] = {}


def register(codes: Mapping[str, str]) -> None:
    """Add codes (code -> short title) to the catalogue; a code may be registered only once."""
    for code, title in codes.items():
        if code in _CATALOGUE:
            raise ValueError(f"error code {code!r} registered twice")
        _CATALOGUE[code] = title


def catalogue() -> dict[str, str]:
    return dict(_CATALOGUE)


def title(code: str) -> str:
    return _CATALOGUE.get(code, code)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about an input: a stable code, a sentence for a person, and where it is.

    `location` is the place in the input's own terms: "line 4 col 7", "field 32A line 1",
    an XPath, "segment 5 element 2", or a canonical JSON path such as "amount.currency".
    """

    code: str
    message: str
    location: str = ""
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Diagnostic:
        return cls(
            code=str(data["code"]),
            message=str(data.get("message", "")),
            location=str(data.get("location", "")),
            severity=Severity(data.get("severity", "error")),
        )


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


class HubError(Exception):
    """Root of every error the hub raises on purpose."""

    code = "HUB.ERROR"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None, location: str = "",
                 diagnostics: Iterable[Diagnostic] = ()) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.location = location
        self.diagnostics = list(diagnostics)

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.code, self.message, self.location)


class ConfigError(HubError):
    code = "CONFIG.INVALID"


class ModelError(HubError):
    code = "MODEL.INVALID"
    http_status = 422


class CodecError(HubError):
    code = "CODEC.INVALID"
    http_status = 422


class JournalError(HubError):
    code = "JOURNAL.ERROR"
    http_status = 503


class RouteError(HubError):
    code = "ROUTE.ERROR"
    http_status = 422


class ConnectorError(HubError):
    """A send or receive failed. `retryable` says whether the dispatcher may try again."""

    code = "LINK.ERROR"
    http_status = 502

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = True,
                 location: str = "") -> None:
        super().__init__(message, code=code, location=location)
        self.retryable = retryable


class AuthError(HubError):
    code = "AUTH.UNAUTHORIZED"
    http_status = 401


class Forbidden(AuthError):
    """Known caller, not allowed: a role or four-eyes rule says no."""

    code = "AUTH.FORBIDDEN"
    http_status = 403


register({
    "HUB.ERROR": "internal error",
    "CONFIG.INVALID": "invalid configuration",
    "CONFIG.UNKNOWN_KEY": "unknown configuration key",
    "CONFIG.TYPE": "configuration value of the wrong type",
    "MODEL.INVALID": "invalid canonical message",
    "MODEL.REQUIRED": "required element missing",
    "MODEL.CURRENCY": "unknown or non-tradeable ISO 4217 currency",
    "MODEL.AMOUNT": "amount not allowed",
    "MODEL.MINOR_UNITS": "more decimals than the currency's minor units",
    "MODEL.BIC": "invalid BIC",
    "MODEL.IBAN": "invalid IBAN",
    "MODEL.UETR": "UETR is not a UUID version 4",
    "MODEL.DATE": "invalid date",
    "MODEL.DATETIME_NAIVE": "date-time without a time zone",
    "MODEL.COUNTRY": "invalid ISO 3166 country code",
    "MODEL.ENUM": "value not in the allowed list",
    "MODEL.TYPE": "value of the wrong type",
    "MODEL.UNKNOWN_FIELD": "unknown element",
    "CODEC.INVALID": "input cannot be decoded",
    "CODEC.UNKNOWN_FORMAT": "format not recognised",
    "CODEC.TOO_LARGE": "input larger than the format allows",
    "CODEC.EMPTY": "empty input",
    "CODEC.ENCODING": "bytes are not in the format's character encoding",
    "CODEC.CANNOT_ENCODE": "the message cannot be written in that format",
    "CODEC.CRASH": "the decoder failed on this input",
    "JSON.SYNTAX": "malformed JSON",
    "JOURNAL.ERROR": "journal unavailable",
    "JOURNAL.CONFLICT": "same idempotency key with different content",
    "JOURNAL.NOT_FOUND": "no such message",
    "JOURNAL.TRANSITION": "state change not allowed",
    "JOURNAL.SCHEMA": "journal schema is not at the expected migration",
    "ROUTE.ERROR": "routing failed",
    "LINK.ERROR": "link failure",
    "LINK.TIMEOUT": "link did not answer in time",
    "LINK.REJECTED": "the other side refused the message",
    "LINK.UNKNOWN": "no such connector",
    "LINK.INTEGRITY": "the answer does not match the instruction",
    "LINK.SIGNATURE": "signature missing, stale or wrong",
    "LINK.HOST_KEY": "unknown or changed host key",
    "AUTH.UNAUTHORIZED": "missing or invalid credentials",
    "AUTH.FORBIDDEN": "role not allowed for this operation",
    "API.BAD_REQUEST": "request cannot be used",
    "API.TOO_LARGE": "request body too large",
    "API.NOT_FOUND": "no such resource",
    "API.CONFLICT": "conflicting request",
    "API.UNSUPPORTED_MEDIA": "unsupported content type",
})
