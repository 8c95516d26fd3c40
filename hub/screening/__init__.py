"""Sanctions screening before routing (ARCHITECTURE §1): parties' names, BICs and countries
against watch lists loaded from the OFAC SDN and EU consolidated list layouts, the operator's
countries, and optionally an external screening service. A hit, or a screening that cannot
decide, holds the message in REPAIR for a person."""

from hub.screening.countries import Countries
from hub.screening.hits import COUNTRY_LIST, Hit, ScreeningUnavailable
from hub.screening.index import WatchList, score
from hub.screening.lists import EU, OFAC, Entry, load_eu, load_list, load_ofac
from hub.screening.parties import Target, targets
from hub.screening.screener import Screener, build_screener, hold_check
from hub.screening.service import HttpScreeningService

__all__ = [
           "COUNTRY_LIST",
           "EU",
           "OFAC",
           "Countries",
           "Entry",
           "Hit",
           "HttpScreeningService",
           "Screener",
           "ScreeningUnavailable",
           "Target",
           "WatchList",
           "build_screener",
           "hold_check",
           "load_eu",
           "load_list",
           "load_ofac",
           "score",
           "targets",
]
