"""Countries the operator holds: ISO 3166 codes, and their names as they appear in address
lines ("TEHRAN, IRAN"), taken from pycountry's ISO 3166 table."""

from __future__ import annotations

from collections.abc import Iterable

import pycountry

from hub.errors import ConfigError
from hub.model.message import COUNTRY_SHAPE
from hub.screening.normalise import tokens

EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    # short names in common use that ISO 3166 does not give
    "KP": ("DPRK",),
    "RU": ("Russia",),
    "KR": ("South Korea",),
    "CD": ("DR Congo", "DRC"),
    "MM": ("Burma",),
}


def _names(code: str) -> set[tuple[str, ...]]:
    country = pycountry.countries.get(alpha_2=code)
    found: set[str] = set(EXTRA_NAMES.get(code, ()))
    if country is not None:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                found.add(value)
                if ", " in value:  # "Iran, Islamic Republic of" -> "Iran"
                    found.add(value.split(", ")[0])
    return {t for t in (tokens(n) for n in found) if t}


class Countries:
    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = frozenset(c.strip().upper() for c in codes)
        for code in self.codes:
            if not COUNTRY_SHAPE.fullmatch(code):
                raise ConfigError(f"screening.countries: {code!r} is not an ISO 3166 alpha-2 "
                                  "code", code="SCREEN.CONFIG", location="screening.countries")
        self._phrases = sorted(((p, c) for c in self.codes for p in _names(c)),
                               key=lambda pc: -len(pc[0]))

    def __bool__(self) -> bool:
        return bool(self.codes)

    def code(self, value: str) -> str | None:
        code = value.strip().upper()
        return code if code in self.codes else None

    def named_in(self, text: str) -> tuple[str, str] | None:
        """(code, name) of a held country whose name appears as whole words in the text."""
        words = tokens(text)
        for phrase, code in self._phrases:
            size = len(phrase)
            if any(words[i:i + size] == phrase for i in range(len(words) - size + 1)):
                return code, " ".join(phrase)
        return None
