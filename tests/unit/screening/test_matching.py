"""Normalisation, scoring thresholds, BIC and country hits, and the pipeline hold check."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from hub.config import ScreeningSettings
from hub.errors import ConfigError
from hub.metrics import Metrics
from hub.model import Agent, Kind, Message, Money, Party, PostalAddress
from hub.pipeline import Submission
from hub.screening import Entry, Screener, WatchList, build_screener, hold_check
from hub.screening.index import name_form, score
from hub.screening.normalise import block_key, fold, tokens
from tests.unit.screening.conftest import LISTS

SUBMISSION = Submission(raw=b"", channel="test")


def payment(**parties: object) -> Message:
    return Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=Money.parse("100.00", "EUR"),
                   **parties)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "expected"), [
    ("SIDOROV, Ivan Petrovich", ("sidorov", "ivan", "petrovich")),
    ("Jelena Kovačević", ("jelena", "kovacevic")),
    ("Елена Ковачевич", ("elena", "kovachevich")),
    ("Straße & Søn GmbH", ("strasse", "son")),
    ("NORTHWIND TRADING COMPANY LTD.", ("northwind", "trading")),
    ("OOO Romashka", ("romashka",)),
    ("Banco de Zembla S.A.", ("banco", "de", "zembla")),
    ("O'Brien-Smith, Mr", ("obrien", "smith")),
    ("AL-RASHID, Mohammed", ("rashid", "mohammed")),
    ("Ltd", ("ltd",)),  # a name is never emptied
])
def test_tokens(name: str, expected: tuple[str, ...]) -> None:
    assert tokens(name) == expected


def test_folding_and_keys_absorb_transliteration() -> None:
    assert fold("mohammed") == fold("muhammad")
    assert block_key("iwan") == block_key("ivan")
    assert block_key("mohammed") == block_key("muhammad")
    assert block_key("sidorov") != block_key("petrov")


def test_word_order_does_not_count() -> None:
    a, b = name_form("Ivan Petrovich Sidorov"), name_form("SIDOROV, Ivan Petrovich")
    assert a is not None and b is not None
    assert score(a, b) == 100.0


def names(screener: Screener, name: str) -> list[tuple[str, float]]:
    return [(h.entry_id, h.score) for h in screener.screen_local(payment(creditor=Party(
        name=name)))]


@pytest.mark.parametrize(("name", "entry"), [
    ("Ivan Petrovich Sidorov", "1001"),  # reordered
    ("Iwan Petrowitsch Sidorow", "1001"),  # German transliteration
    ("Ivan Sidorov", "1001"),  # middle name left out
    ("Muhammad Al Rasheed", "1003"),  # alias spelling
    ("Mohammed El-Rasheed", "1003"),  # another transliteration of the article and name
    ("Elena Kovacevich", "EU.9001.01"),  # romanised from the Cyrillic alias
    ("JELENA KOVACEVIC", "EU.9001.01"),  # diacritics and case
    ("Northwind Trading Co.", "1002"),  # legal form differs
    ("Tatyana Orlova", "1006"),
])
def test_close_names_hold(screener: Screener, name: str, entry: str) -> None:
    found = names(screener, name)
    assert found and found[0][0] == entry and found[0][1] >= 88.0


@pytest.mark.parametrize("name", [
    "Ivan Sidorenko",  # a different surname sharing the first name
    "Northwind Traders",  # near miss, scores about 85
    "Bank of Zembla",  # about 76
    "Boris Sidorov",
    "Petr Sidorenko",
    "Alice Martin",
])
def test_near_misses_pass(screener: Screener, name: str) -> None:
    assert names(screener, name) == []


def test_threshold_is_the_setting(watch_list: WatchList) -> None:
    form_a, form_b = name_form("Northwind Traders"), name_form("NORTHWIND TRADING COMPANY LTD.")
    assert form_a is not None and form_b is not None
    between = score(form_a, form_b)
    assert 80 < between < 88
    loose = Screener(watch_list, threshold=between - 1)
    strict = Screener(watch_list, threshold=between + 1)
    message = payment(creditor=Party(name="Northwind Traders"))
    assert [h.entry_id for h in loose.screen_local(message)] == ["1002"]
    assert strict.screen_local(message) == []


def test_bic_hits(screener: Screener) -> None:
    # a listed BIC8 covers every branch; the head office written as BIC11 too
    for bic in ("ZZNWRUMM", "ZZNWRUMMXXX", "ZZNWRUMM123"):
        hits = screener.screen_local(payment(creditor_agent=Agent(bic=bic)))
        assert [(h.path, h.entry_id, h.kind, h.score) for h in hits] == [
            ("creditor_agent.bic", "1002", "bic", 100.0)]
    hits = screener.screen_local(payment(intermediary_agents=(Agent(bic="ZZCHCZPPXXX"),)))
    assert [(h.path, h.list_name) for h in hits] == [("intermediary_agents[0].bic", "EU-FSF")]
    assert screener.screen_local(payment(creditor_agent=Agent(bic="ZZNWRUMN"))) == []


def test_country_hits(screener: Screener) -> None:
    cases = {
        "creditor.address.country": payment(creditor=Party(
            name="A Person", address=PostalAddress(country="IR", town_name="X"))),
        "creditor.country_of_residence": payment(creditor=Party(country_of_residence="KP")),
        "creditor_agent.bic": payment(creditor_agent=Agent(bic="ZZZZIRTH")),
        "creditor.account": payment(creditor=Party(account="IR062960000000100324200001")),
        "debtor.address.lines[1]": payment(debtor=Party(address=PostalAddress(
            lines=("1 SOME STREET", "TEHRAN, IRAN")))),
        "creditor.address.lines[2]": payment(creditor=Party(address=PostalAddress(
            lines=("1/A PERSON", "2/1 STREET", "3/KP/PYONGYANG")))),
        "ultimate_creditor.address.lines[0]": payment(ultimate_creditor=Party(
            address=PostalAddress(lines=("PYONGYANG NORTH KOREA",)))),
    }
    for path, message in cases.items():
        hits = screener.screen_local(message)
        assert [h.path for h in hits] == [path], path
        assert hits[0].list_name == "COUNTRIES" and hits[0].kind == "country"
    clean = payment(creditor=Party(name="A Person", address=PostalAddress(
        country="FR", lines=("IRANIAN STREET 4",))), creditor_agent=Agent(bic="BNPAFRPP"))
    assert screener.screen_local(clean) == []


def test_cover_underlying_is_screened(screener: Screener) -> None:
    cover = Message(kind=Kind.COVER, amount=Money.parse("1.00", "USD"),
                    creditor_agent=Agent(bic="BNPAFRPP"),
                    underlying=payment(creditor=Party(name="Tatiana Orlova")))
    assert [h.path for h in screener.screen_local(cover)] == ["underlying.creditor.name"]


async def test_hold_check_holds_hits_and_counts_them(screener: Screener) -> None:
    metrics = Metrics(CollectorRegistry())
    check = hold_check(screener, metrics)
    message = payment(debtor=Party(name="Alice Martin"),
                      creditor=Party(name="Sidorov Ivan"),
                      creditor_agent=Agent(bic="ZZNWRUMMXXX"))
    hold = await check(message, SUBMISSION)
    assert hold is not None and hold.code == "SCREEN.HIT"
    assert [(h["path"], h["list"], h["entry"]) for h in hold.data["hits"]] == [
        ("creditor.name", "OFAC-SDN", "1001"), ("creditor_agent.bic", "OFAC-SDN", "1002")]
    assert "creditor.name" in hold.reason
    assert all(isinstance(h["score"], float) for h in hold.data["hits"])
    assert metrics.screening_hits.labels("OFAC-SDN")._value.get() == 1
    assert await check(payment(creditor=Party(name="Alice Martin")), SUBMISSION) is None


async def test_a_failing_screener_holds(watch_list: WatchList) -> None:
    class Broken(Screener):
        async def screen(self, message: Message) -> list:  # type: ignore[type-arg]
            raise RuntimeError("bug")

    metrics = Metrics(CollectorRegistry())
    hold = await hold_check(Broken(watch_list), metrics)(payment(), SUBMISSION)
    assert hold is not None and hold.code == "SCREEN.UNAVAILABLE"
    assert metrics.screening_errors.labels("error")._value.get() == 1


def test_build_screener() -> None:
    assert build_screener(ScreeningSettings()) is None
    screener = build_screener(ScreeningSettings(
        lists=(str(LISTS / "sdn.csv"), str(LISTS / "alt.csv"),
               str(LISTS / "eu-consolidated.xml")), threshold=90.0, countries=("ir",)))
    assert screener is not None
    assert len(screener.watch_list) == 9 and screener.threshold == 90.0
    assert screener.countries.codes == {"IR"} and screener.service is None
    only_countries = build_screener(ScreeningSettings(countries=("SY",)))
    assert only_countries is not None and len(only_countries.watch_list) == 0


@pytest.mark.parametrize("settings", [
    ScreeningSettings(countries=("IRN",)),
    ScreeningSettings(countries=("IR",), threshold=0),
    ScreeningSettings(countries=("IR",), threshold=101),
])
def test_bad_settings(settings: ScreeningSettings) -> None:
    with pytest.raises(ConfigError) as raised:
        build_screener(settings)
    assert raised.value.code == "SCREEN.CONFIG"


def test_entries_without_names_are_not_indexed() -> None:
    watch_list = WatchList([Entry(list_name="X", entry_id="1", names=("...",))])
    assert watch_list.names == 0
