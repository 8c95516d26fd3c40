"""Loading the OFAC SDN delimited release and the EU consolidated list XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.screening import EU, OFAC, load_eu, load_list, load_ofac
from tests.unit.screening.conftest import LISTS


def test_ofac_sdn_with_aliases_and_addresses() -> None:
    entries = {e.entry_id: e for e in load_ofac(LISTS / "sdn.csv")}
    assert sorted(entries) == ["1001", "1002", "1003", "1004", "1005", "1006"]
    ivan = entries["1001"]
    assert ivan.list_name == OFAC
    assert ivan.names == ("SIDOROV, Ivan Petrovich", "SIDOROFF, Iwan")  # ALT.CSV alias
    assert ivan.kind == "individual"
    northwind = entries["1002"]
    assert northwind.kind == "entity"  # SDN_Type "-0-" is an entity
    assert northwind.bics == ("ZZNWRUMM",)  # from "SWIFT/BIC ..." in the remarks
    assert northwind.programs == ("FICT-ONE", "FICT-TWO")
    assert northwind.countries == ("Ruritania",)  # ADD.CSV
    assert entries["1004"].kind == "vessel"


def test_eu_consolidated_xml() -> None:
    entries = {e.entry_id: e for e in load_eu(LISTS / "eu-consolidated.xml")}
    assert sorted(entries) == ["EU.9001.01", "EU.9002.02", "EU.9003.03"]
    jelena = entries["EU.9001.01"]
    assert jelena.list_name == EU
    assert jelena.names == ("Jelena Kovačević", "Елена Ковачевич")
    assert jelena.countries == ("RS",) and jelena.kind == "individual"
    assert jelena.bics == ()  # a passport number is not a BIC
    logistics = entries["EU.9002.02"]
    assert logistics.bics == ("ZZCHCZPP",) and logistics.countries == ("CZ",)
    assert logistics.kind == "entity"
    # no wholeName: the name parts are joined
    assert entries["EU.9003.03"].names == ("Grégoire Dubois-Lefèvre",)


def test_load_list_tells_the_layouts_apart() -> None:
    assert {e.list_name for e in load_list(LISTS / "sdn.csv")} == {OFAC}
    assert {e.list_name for e in load_list(LISTS / "eu-consolidated.xml")} == {EU}
    # the companions are read with their SDN.CSV, not as lists of their own
    assert load_list(LISTS / "alt.csv") == [] and load_list(LISTS / "add.csv") == []


def test_ofac_header_row_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "SDN.CSV"
    path.write_text("ent_num,SDN_Name,SDN_Type\r\n7,\"DOE, Jane\",individual\r\n", "utf-8")
    (entry,) = load_ofac(path)
    assert entry.entry_id == "7" and entry.names == ("DOE, Jane",)


@pytest.mark.parametrize(("name", "content"), [
    ("sdn.csv", "not,an,ofac,file\r\n"),
    ("eu.xml", "<export><sanctionEntity>"),
    ("eu.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><export/>'),
    ("eu.xml", "<sdnList/>"),
])
def test_unreadable_lists_stop_the_start(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_list(path)
    assert raised.value.code == "SCREEN.LIST"


def test_missing_list_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_list(tmp_path / "absent.csv")
    assert raised.value.code == "SCREEN.LIST"
