"""Fixtures of the screening tests: the authored fictional lists, loaded once."""

from __future__ import annotations

import pytest

from hub.screening import Countries, Screener, WatchList, load_list
from tests.support import OWN_VECTORS

LISTS = OWN_VECTORS / "screening"


@pytest.fixture(scope="session")
def watch_list() -> WatchList:
    return WatchList([*load_list(LISTS / "sdn.csv"), *load_list(LISTS / "eu-consolidated.xml")])


@pytest.fixture
def screener(watch_list: WatchList) -> Screener:
    return Screener(watch_list, threshold=88.0, countries=Countries(("IR", "KP")))
