"""RFC 9457 problem details: every error the API returns, in one shape."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from aiohttp import web

from hub.errors import Diagnostic, title

CONTENT_TYPE = "application/problem+json"


def problem(status: int, code: str, detail: str, *, diagnostics: Iterable[Diagnostic] = (),
            instance: str | None = None, **extra: Any) -> web.Response:
    body: dict[str, Any] = {
        "type": f"urn:nvc-hub:problem:{code}",
        "title": title(code),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body["diagnostics"] = [d.to_json() for d in diagnostics]
    body.update(extra)
    return web.Response(status=status, body=orjson.dumps(body), content_type=CONTENT_TYPE)
