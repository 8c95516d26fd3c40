"""The [connectors.<name>] table of an ACH link: every bad key named by its path."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.connectors import ach, build
from hub.connectors.filedrop import FileDrop
from hub.errors import ConfigError
from tests.unit.ach.helpers import settings


def test_capabilities_are_data(tmp_path: Path) -> None:
    spec = ach.parse_settings("ach", settings(tmp_path, max_amount="25000.00")).spec
    assert spec.rails == ("ach",) and spec.formats == ("nacha",)
    assert spec.currencies == ("USD",) and spec.max_amount == Decimal("25000.00")
    assert spec.cutoff == time(17, 0) and spec.timezone == "America/New_York"
    assert spec.settlement_seconds == 86_400


def test_defaults(tmp_path: Path) -> None:
    table = settings(tmp_path)
    del table["windows"], table["timezone"]
    cfg = ach.parse_settings("ach", table)
    assert cfg.immediate_destination == cfg.odfi == "076401251"
    assert cfg.sec == "PPD" and cfg.entry_description == "PAYMENT"
    assert cfg.schedule.windows == (time(10, 30), time(14, 30), time(17, 0))
    assert cfg.schedule.zone.key == "America/New_York"
    assert cfg.spec.max_amount == Decimal("99999999.99")


@pytest.mark.parametrize(("change", "location", "code"), [
    ({"odfi": "076401252"}, "connectors.ach.odfi", "CONFIG.INVALID"),  # check digit
    ({"odfi": "7640125"}, "connectors.ach.odfi", "CONFIG.INVALID"),
    ({"company_name": "A NAME LONGER THAN 16"}, "connectors.ach.company_name", "CONFIG.INVALID"),
    ({"company_id": None}, "connectors.ach.company_id", "CONFIG.INVALID"),
    ({"sec": "IAT"}, "connectors.ach.sec", "CONFIG.INVALID"),
    ({"windows": "10:30"}, "connectors.ach.windows", "CONFIG.TYPE"),
    ({"windows": ["25:00"]}, "connectors.ach.windows", "CONFIG.INVALID"),
    ({"timezone": "Mars/Olympus"}, "connectors.ach.timezone", "CONFIG.INVALID"),
    ({"calendar": "NOWHERE"}, "connectors.ach.calendar", "CONFIG.INVALID"),
    ({"file_name": "ACH_{odfi}_{effective}"}, "connectors.ach.file_name", "CONFIG.INVALID"),
    ({"file_name": "{window}{modifier}{uetr}"}, "connectors.ach.file_name", "CONFIG.INVALID"),
    ({"file_name": "../{window}{modifier}"}, "connectors.ach.file_name", "CONFIG.INVALID"),
    ({"max_amount": "100000000"}, "connectors.ach.max_amount", "CONFIG.INVALID"),
    ({"keep_days": 0}, "connectors.ach.keep_days", "CONFIG.TYPE"),
    ({"deliver_via": {"outbound": "/x"}}, "connectors.ach.deliver_via.type", "CONFIG.INVALID"),
    ({"colour": "blue"}, "connectors.ach.colour", "CONFIG.UNKNOWN_KEY"),
])
def test_bad_settings_name_their_key(tmp_path: Path, change: dict[str, Any], location: str,
                                     code: str) -> None:
    table = settings(tmp_path)
    for key, value in change.items():
        if value is None:
            table.pop(key)
        else:
            table[key] = value
    with pytest.raises(ConfigError) as caught:
        ach.parse_settings("ach", table)
    assert caught.value.location == location and caught.value.code == code


def test_registry_builds_it_with_an_owned_delivery_table(tmp_path: Path) -> None:
    table = {"type": "ach", **settings(tmp_path / "stage"),
             "deliver_via": {"type": "filedrop", "outbound": str(tmp_path / "out")}}
    link = build("ach", table)
    assert isinstance(link, ach.AchConnector) and isinstance(link.link, FileDrop)


def test_a_delivery_link_is_required(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        ach.build("ach", settings(tmp_path))
    assert caught.value.location == "connectors.ach.deliver_via"


async def test_a_named_delivery_link_is_looked_up_at_start(tmp_path: Path) -> None:
    links: dict[str, Any] = {}
    link = ach.build("ach", settings(tmp_path / "stage", deliver_via="bank"), links=links)
    links["bank"] = FileDrop("bank", outbound=tmp_path / "out", inbox=None)  # built later
    await link.start()
    try:
        assert link.link is links["bank"]
    finally:
        await link.close()
    missing = ach.build("ach", settings(tmp_path / "stage2", deliver_via="nope"), links={})
    with pytest.raises(ConfigError):
        await missing.start()
