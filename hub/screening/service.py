"""An external screening service over HTTP, with a hold-never-pass timeout policy.

    POST <url>  {"reference": ..., "uetr": ..., "parties": [{"path", "type", "value"}, ...]}
    200         {"hits": [{"path", "list", "entry", "score", "name"?}, ...]}   ("hits": [] = clean)

No answer within the timeout, a connection failure, a status other than 2xx or an answer that is
not that shape raises ScreeningUnavailable; the hold check turns it into a hold.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import orjson

from hub.model import Message
from hub.screening.hits import Hit, ScreeningUnavailable
from hub.screening.parties import Target

log = logging.getLogger(__name__)


class HttpScreeningService:
    def __init__(self, url: str, timeout: float, *, name: str = "service") -> None:
        if timeout <= 0:
            raise ValueError("the screening service timeout must be above zero")
        self.url = url
        self.timeout = timeout
        self.name = name  # the list name hits from this service carry when they give none
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                json_serialize=lambda data: orjson.dumps(data).decode())
        return self._session

    async def screen(self, message: Message, targets: Sequence[Target]) -> list[Hit]:
        body = {"reference": message.reference,
                "uetr": str(message.uetr) if message.uetr else None,
                "parties": [t.to_json() for t in targets]}
        try:
            async with asyncio.timeout(self.timeout):
                async with self._client().post(self.url, json=body) as response:
                    if response.status >= 300:
                        raise ScreeningUnavailable(f"status {response.status}",
                                                   "status_5xx" if response.status >= 500
                                                   else "status")
                    raw = await response.read()
        except TimeoutError:
            raise ScreeningUnavailable(f"no answer within {self.timeout:g} s",
                                       "timeout") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ScreeningUnavailable(f"connection failed: {type(exc).__name__}",
                                       "connection") from None
        return self._hits(raw)

    def _hits(self, raw: bytes) -> list[Hit]:
        try:
            data: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ScreeningUnavailable("the answer is not JSON", "answer") from None
        items = data.get("hits") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ScreeningUnavailable('the answer has no "hits" array', "answer")
        hits: list[Hit] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                raise ScreeningUnavailable("a hit without a path", "answer")
            score = item.get("score", 100)
            if not isinstance(score, int | float) or isinstance(score, bool):
                raise ScreeningUnavailable("a hit with a non-numeric score", "answer")
            hits.append(Hit(path=item["path"], list_name=str(item.get("list") or self.name),
                            entry_id=str(item.get("entry") or ""), score=float(score),
                            matched=str(item.get("name") or ""), kind="service"))
        return hits
