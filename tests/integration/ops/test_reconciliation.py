"""A statement that settles nine of ten sent payments: nine COMPLETED, the tenth reported."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from lxml import etree

from hub import recon
from hub.app import Hub
from hub.model import State
from tests.integration.core.test_journal import payment
from tests.integration.hubs import running_hub
from tests.support import OWN_VECTORS

TEMPLATE = OWN_VECTORS / "statements" / "camt053-ten-entries.xml"
VALUE_DATE = "2026-11-24"


def statement(entries: list[tuple[str, str]]) -> bytes:
    """A camt.053 debiting our account once per (uetr, amount), balances adjusted to match."""
    tree = etree.parse(str(TEMPLATE))
    ns = {"c": tree.getroot().nsmap[None]}
    ntries = tree.findall(".//c:Ntry", ns)
    model = copy.deepcopy(ntries[1])  # a booked debit with full references
    parent = ntries[0].getparent()
    for old in ntries:
        parent.remove(old)
    balances = tree.findall(".//c:Bal", ns)
    opening = Decimal(balances[0].find("c:Amt", ns).text)
    anchor = balances[-1]
    for i, (uetr, amount) in enumerate(entries, 1):
        entry = copy.deepcopy(model)
        entry.find("c:NtryRef", ns).text = str(i)
        for amt in entry.iter(f"{{{ns['c']}}}Amt"):
            amt.text = amount
        for d in entry.iter(f"{{{ns['c']}}}Dt"):
            d.text = VALUE_DATE
        entry.find("c:AcctSvcrRef", ns).text = f"SVC-{i:04d}"
        refs = entry.find(".//c:Refs", ns)
        refs.find("c:InstrId", ns).text = f"R{i}"
        refs.find("c:EndToEndId", ns).text = f"E2E-{i}"
        refs.find("c:UETR", ns).text = uetr
        anchor.addnext(entry)
        anchor = entry
    closing = opening - sum(Decimal(a) for _, a in entries)
    for bal in balances[1:]:
        bal.find("c:Amt", ns).text = f"{closing:.2f}"
        bal.find(".//c:Dt", ns).text = VALUE_DATE
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path, request.param) as h:
        yield h


async def test_statement_settles_nine_and_reports_the_tenth(hub: Hub) -> None:
    assert hub.journal is not None
    journal = hub.journal
    headers = {"Authorization": f"Bearer {hub.bootstrap_token}"}
    sent: list[tuple[str, str, str]] = []
    async with aiohttp.ClientSession() as s:
        for i in range(10):
            uetr, amount = str(uuid.uuid4()), f"{100 + i}.50"
            async with s.post(f"http://127.0.0.1:{hub.api_port}/v1/messages", headers=headers,
                              data=payment(uetr=uetr, instruction_id=f"P{i}",
                                           settlement_date=VALUE_DATE,
                                           amount={"value": amount, "currency": "EUR"})) as r:
                sent.append(((await r.json())["id"], uetr, amount))
        for _ in range(200):
            states = {(await journal.get(i)).state for i, _, _ in sent}  # type: ignore[union-attr]
            if states == {State.DISPATCHED}:
                break
            await asyncio.sleep(0.05)
        raw = statement([(u, a) for _, u, a in sent[:9]])
        async with s.post(f"http://127.0.0.1:{hub.api_port}/v1/messages", headers=headers,
                          data=raw) as r:
            assert r.status == 202, await r.text()
        async with s.get(f"http://127.0.0.1:{hub.api_port}/v1/recon?date={VALUE_DATE}",
                         headers=headers) as r:
            report = await r.json()
    for message_id, _, _ in sent[:9]:
        record = await journal.get(message_id)
        assert record is not None and record.state is State.COMPLETED
    assert [m["id"] for m in report["unconfirmed_messages"]] == [sent[9][0]]
    assert report["matched_entries"] == 9 and report["unmatched_entries"] == []
    # an entry for an amount we never sent is reported as unmatched
    odd = statement([(sent[9][1], "999.99")])
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{hub.api_port}/v1/messages", headers=headers, data=odd) as r:
        assert r.status == 202
    again = await recon.report(journal, date.fromisoformat(VALUE_DATE))
    [entry] = again["unmatched_entries"]
    assert entry["amount"] == "999.99" and "the answer says" in entry["why"]
    assert [m["id"] for m in again["unconfirmed_messages"]] == [sent[9][0]]
