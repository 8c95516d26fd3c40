"""The screener: lists, configured countries and an optional external service, and the hold
check the pipeline runs before routing."""

from __future__ import annotations

import logging
from pathlib import Path

from hub.config import ScreeningSettings
from hub.errors import ConfigError
from hub.metrics import Metrics
from hub.model import Message
from hub.pipeline import Hold, HoldCheck, Submission
from hub.screening.countries import Countries
from hub.screening.hits import COUNTRY_LIST, Hit, ScreeningUnavailable
from hub.screening.index import WatchList
from hub.screening.lists import load_list
from hub.screening.parties import Target, targets
from hub.screening.service import HttpScreeningService

log = logging.getLogger(__name__)


class Screener:
    def __init__(self, watch_list: WatchList | None = None, *, threshold: float = 88.0,
                 countries: Countries | None = None,
                 service: HttpScreeningService | None = None) -> None:
        if not 0 < threshold <= 100:
            raise ConfigError(f"screening.threshold {threshold} is not in (0, 100]",
                              code="SCREEN.CONFIG", location="screening.threshold")
        self.watch_list = watch_list or WatchList(())
        self.threshold = threshold
        self.countries = countries or Countries(())
        self.service = service

    def screen_local(self, message: Message) -> list[Hit]:
        """Hits from the lists and the configured countries (pure CPU, no I/O)."""
        return self._local(targets(message))

    def _local(self, found: list[Target]) -> list[Hit]:
        hits: list[Hit] = []
        seen: set[tuple[str, str, str]] = set()
        for target in found:
            for hit in self._target(target):
                key = (hit.path, hit.list_name, hit.entry_id)
                if key not in seen:
                    seen.add(key)
                    hits.append(hit)
        return hits

    def _target(self, target: Target) -> list[Hit]:
        if target.kind == "name":
            return [Hit(target.path, m.entry.list_name, m.entry.entry_id, m.score, m.name)
                    for m in self.watch_list.match_name(target.value, self.threshold)]
        if target.kind == "bic":
            return [Hit(target.path, entry.list_name, entry.entry_id, 100.0, listed, "bic")
                    for entry, listed in self.watch_list.match_bic(target.value)]
        if target.kind == "country":
            code = self.countries.code(target.value)
            return [Hit(target.path, COUNTRY_LIST, code, 100.0, code, "country")] if code else []
        if target.kind == "address" and self.countries:
            named = self.countries.named_in(target.value)
            if named is not None:
                return [Hit(target.path, COUNTRY_LIST, named[0], 100.0, named[1], "country")]
        return []

    async def screen(self, message: Message) -> list[Hit]:
        """Every hit; raises ScreeningUnavailable (carrying the list hits) when the external
        service cannot answer."""
        found = targets(message)
        hits = self._local(found)
        if self.service is not None and found:
            try:
                hits.extend(await self.service.screen(message, found))
            except ScreeningUnavailable as exc:
                exc.hits = hits
                raise
        return hits

    async def close(self) -> None:
        if self.service is not None:
            await self.service.close()


def _summary(hits: list[Hit]) -> str:
    best = max(hits, key=lambda h: h.score)
    more = f" and {len(hits) - 1} more" if len(hits) > 1 else ""
    return (f"possible match: {best.path} ~ {best.list_name} {best.entry_id} "
            f"(score {best.score:.1f}){more}")


def hold_check(screener: Screener, metrics: Metrics | None = None) -> HoldCheck:
    """The pipeline's check: hits hold the message in REPAIR (SCREEN.HIT); a screening that
    cannot decide holds it too (SCREEN.UNAVAILABLE), never passes it."""

    async def check(message: Message, submission: Submission) -> Hold | None:
        unavailable: str | None = None
        try:
            hits = await screener.screen(message)
        except ScreeningUnavailable as exc:
            hits, unavailable = exc.hits, str(exc)
            reason = exc.reason
        except Exception as exc:  # a screening bug must hold, never pass
            log.exception("screening failed", extra={"action": "screening.crash",
                                                     "uetr": str(message.uetr or "")})
            hits, unavailable, reason = [], f"screening failed: {type(exc).__name__}", "error"
        if unavailable is not None:
            if metrics is not None:
                metrics.screening_errors.labels(reason).inc()
            log.warning("screening unavailable", extra={
                "action": "screening.unavailable", "reason": reason,
                "uetr": str(message.uetr or "")})
        if hits:
            if metrics is not None:
                for list_name in sorted({h.list_name for h in hits}):
                    metrics.screening_hits.labels(list_name).inc()
            data: dict[str, object] = {"hits": [h.to_json() for h in hits]}
            if unavailable is not None:
                data["service"] = unavailable
            return Hold("SCREEN.HIT", _summary(hits), data)
        if unavailable is not None:
            return Hold("SCREEN.UNAVAILABLE", f"screening could not decide: {unavailable}",
                        {"reason": reason})
        return None

    return check


def build_screener(settings: ScreeningSettings) -> Screener | None:
    """The screener the settings describe; None when there is nothing to screen against
    (no lists, no service and no countries)."""
    if not settings.lists and not settings.service_url and not settings.countries:
        return None
    entries = [entry for path in settings.lists for entry in load_list(Path(path))]
    service = (HttpScreeningService(settings.service_url, settings.service_timeout)
               if settings.service_url else None)
    return Screener(WatchList(entries), threshold=settings.threshold,
                    countries=Countries(settings.countries), service=service)
