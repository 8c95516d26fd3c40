"""Staging, idempotency, files per window and effective date, and crash recovery, against a
real file-drop delivery link and an injected clock."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from hub.codecs.nacha import read
from hub.codecs.nacha.mapping import to_messages
from hub.connectors import ach
from hub.connectors.base import Delivery, Health, Outbound, Outcome
from hub.connectors.filedrop import FileDrop
from hub.errors import ConnectorError
from hub.model import Agent, Kind, Message, Money, Party
from tests.unit.ach.helpers import (
    ODFI,
    RDFI,
    Clock,
    SteppingClock,
    at,
    connector,
    files,
    outbound,
    payment,
    settings,
)

MONDAY = date(2026, 3, 2)


@pytest.fixture
async def drop(tmp_path: Path) -> AsyncIterator[FileDrop]:
    link = FileDrop("bank", outbound=tmp_path / "bank", inbox=None)
    await link.start()
    yield link
    await link.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, "09:00"))


class Flaky:
    """Wraps a real link: refuses while `down`, or loses the answer after the link acted."""

    def __init__(self, inner: FileDrop) -> None:
        self.inner, self.name, self.spec = inner, "flaky", inner.spec
        self.down = False
        self.lose_answer = False
        self.calls = 0

    async def start(self) -> None: ...

    async def send(self, outbound: Outbound) -> Delivery:
        self.calls += 1
        if self.down:
            raise ConnectorError("connection refused")
        delivery = await self.inner.send(outbound)
        if self.lose_answer:
            raise ConnectorError("connection lost before the answer")
        return delivery

    async def health(self) -> Health:
        return Health(up=not self.down, detail="down" if self.down else "")

    async def close(self) -> None: ...


def decoded(data: bytes) -> list[tuple[str, str, date | None]]:
    file, diagnostics = read(data)
    assert [d for d in diagnostics if d.is_error] == []
    messages, problems = to_messages(file)
    assert problems == []
    return [(m.extra["ach.trace"], m.amount.text() if m.amount else "",
             m.requested_execution_date) for m in messages]


async def test_send_stages_durably_and_answers_with_a_trace(tmp_path: Path, drop: FileDrop,
                                                           clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        first = await link.send(outbound("k1", payment(1)))
        second = await link.send(outbound("k2", payment(2)))
        again = await link.send(outbound("k1", payment(1)))  # the dispatcher's retry
    finally:
        await link.close()
    assert first.outcome is Outcome.SENT and first.reference == "076401250000001"
    assert second.reference == "076401250000002"
    assert again.reference == first.reference and again.detail["already"] is True
    assert len(list((tmp_path / "stage" / "entries").glob("*.json"))) == 2
    assert files(tmp_path / "bank") == {}  # nothing leaves before a window


async def test_the_same_key_is_staged_once_even_when_sent_concurrently(
        tmp_path: Path, drop: FileDrop, clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        answers = await asyncio.gather(*(link.send(outbound("k1", payment(1)))
                                         for _ in range(5)))
    finally:
        await link.close()
    assert {a.reference for a in answers} == {"076401250000001"}
    assert len(list((tmp_path / "stage" / "entries").glob("*.json"))) == 1


async def test_a_reused_key_with_another_instruction_is_refused(tmp_path: Path, drop: FileDrop,
                                                               clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        await link.send(outbound("k1", payment(1)))
        with pytest.raises(ConnectorError) as caught:
            await link.send(outbound("k1", payment(1, amount="999.00")))
    finally:
        await link.close()
    assert caught.value.code == "ACH.KEY_REUSED" and not caught.value.retryable


async def test_a_restart_remembers_keys_and_continues_the_sequence(
        tmp_path: Path, drop: FileDrop, clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    await link.send(outbound("k1", payment(1)))
    await link.close()
    again = connector(tmp_path / "stage", drop, clock)
    await again.start()
    try:
        repeat = await again.send(outbound("k1", payment(1)))
        fresh = await again.send(outbound("k2", payment(2)))
    finally:
        await again.close()
    assert repeat.reference == "076401250000001" and repeat.detail["already"] is True
    assert fresh.reference == "076401250000002"


@pytest.mark.parametrize(("message", "location"), [
    (payment(1, currency="EUR"), "amount.currency"),
    (payment(1, amount="100000000.00"), "amount.value"),
    (payment(1, creditor_agent=Agent(bic="BNPAFRPP")), "creditor_agent"),
    (payment(1, remittance_info="X" * 81), "remittance_info"),
])
async def test_what_nacha_cannot_carry_is_refused_at_send(
        tmp_path: Path, drop: FileDrop, clock: Clock, message: Message, location: str) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        with pytest.raises(ConnectorError) as caught:
            await link.send(outbound("bad", message))
    finally:
        await link.close()
    assert caught.value.code == "ACH.INELIGIBLE" and not caught.value.retryable
    assert location in caught.value.location
    assert list((tmp_path / "stage" / "entries").glob("*.json")) == []


async def test_flush_builds_one_file_per_effective_date(tmp_path: Path, drop: FileDrop,
                                                        clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        await link.send(outbound("k1", payment(1, amount="10.00")))
        await link.send(outbound("k2", payment(2, amount="20.00", requested=date(2026, 3, 5))))
        await link.send(outbound("k3", payment(3, amount="30.00")))
        clock.set(at(MONDAY, "10:30"))
        built = await link.flush(at(MONDAY, "10:30"))
        later = await link.send(outbound("k1", payment(1, amount="10.00")))
        health = await link.health()
    finally:
        await link.close()
    assert built == ["ACH_076401251_202603021030_20260303_A",
                     "ACH_076401251_202603021030_20260305_B"]
    sent = files(tmp_path / "bank")
    assert sorted(sent) == [f"{name}.ach" for name in built]
    assert decoded(sent[f"{built[0]}.ach"]) == [
        ("076401250000001", "10.00", date(2026, 3, 3)),
        ("076401250000003", "30.00", date(2026, 3, 3))]
    assert decoded(sent[f"{built[1]}.ach"]) == [("076401250000002", "20.00", date(2026, 3, 5))]
    header = sent[f"{built[1]}.ach"][:94].decode()
    assert header[13:23] == "1234567890" and header[23:33] == "2603021030" and header[33] == "B"
    # staged entries are gone once delivered; the key stays known with its file
    stage = tmp_path / "stage"
    assert list((stage / "entries").iterdir()) == [] and list((stage / "outgoing").iterdir()) == []
    assert sorted(p.stem for p in (stage / "sent").iterdir()) == built
    assert later.reference == "076401250000001" and later.detail["file"] == built[0]
    assert health.up and health.detail.startswith("0 staged, 0 file(s)")


async def test_file_id_modifiers_continue_through_the_day_and_restart_next_day(
        tmp_path: Path, drop: FileDrop, clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        await link.send(outbound("k1", payment(1)))
        clock.set(at(MONDAY, "10:30"))
        first = await link.flush(at(MONDAY, "10:30"))
        await link.send(outbound("k2", payment(2)))
        clock.set(at(MONDAY, "14:30"))
        second = await link.flush(at(MONDAY, "14:30"))
        nothing = await link.flush(at(MONDAY, "17:00"))
        await link.send(outbound("k3", payment(3)))
        clock.set(at(date(2026, 3, 3), "10:30"))
        third = await link.flush(at(date(2026, 3, 3), "10:30"))
    finally:
        await link.close()
    assert [n[-1] for n in first + second + third] == ["A", "B", "A"]
    assert nothing == []
    assert len(files(tmp_path / "bank")) == 3


async def test_an_undelivered_file_is_sent_unchanged_after_a_restart(
        tmp_path: Path, drop: FileDrop, clock: Clock) -> None:
    flaky = Flaky(drop)
    flaky.down = True
    link = connector(tmp_path / "stage", flaky, clock)
    await link.start()
    await link.send(outbound("k1", payment(1)))
    clock.set(at(MONDAY, "10:30"))
    [name] = await link.flush(at(MONDAY, "10:30"))
    built = (tmp_path / "stage" / "outgoing" / f"{name}.ach").read_bytes()
    assert files(tmp_path / "bank") == {}
    clock.set(at(MONDAY, "10:50"))
    health = await link.health()
    assert not health.up and "undelivered" in health.detail
    await link.close()  # the process goes down with the file built but not delivered

    flaky.down = False
    clock.set(at(MONDAY, "11:00"))
    again = connector(tmp_path / "stage", flaky, clock)
    await again.start()  # delivers what was built, as it was built
    try:
        assert files(tmp_path / "bank") == {f"{name}.ach": built}
        assert await again.flush(at(MONDAY, "14:30")) == []  # nothing rebuilt
        assert (await again.send(outbound("k1", payment(1)))).detail["file"] == name
    finally:
        await again.close()


async def test_a_crash_after_delivery_before_cleanup_sends_nothing_new(
        tmp_path: Path, drop: FileDrop, clock: Clock) -> None:
    flaky = Flaky(drop)
    flaky.lose_answer = True  # the link wrote the file, then the answer was lost
    link = connector(tmp_path / "stage", flaky, clock)
    await link.start()
    await link.send(outbound("k1", payment(1)))
    await link.send(outbound("k2", payment(2)))
    clock.set(at(MONDAY, "10:30"))
    [name] = await link.flush(at(MONDAY, "10:30"))
    first = files(tmp_path / "bank")
    snapshot = tmp_path / "snapshot"
    shutil.copytree(tmp_path / "stage", snapshot)  # the disk as the crash left it
    await link.close()

    flaky.lose_answer = False
    shutil.rmtree(tmp_path / "stage")
    shutil.copytree(snapshot, tmp_path / "stage")
    again = connector(tmp_path / "stage", flaky, clock)
    await again.start()
    try:
        assert files(tmp_path / "bank") == first == {f"{name}.ach": first[f"{name}.ach"]}
        sent = ach.FileManifest.from_json(
            (tmp_path / "stage" / "sent" / f"{name}.json").read_bytes())
        assert sent.delivered is not None and sent.delivered["already_there"] is True
        assert list((tmp_path / "stage" / "entries").iterdir()) == []
    finally:
        await again.close()


async def test_a_refused_file_blocks_only_itself_and_shows_in_health(
        tmp_path: Path, drop: FileDrop, clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        await link.send(outbound("k1", payment(1)))
        clock.set(at(MONDAY, "10:30"))
        (tmp_path / "bank" / "ACH_076401251_202603021030_20260303_A.ach").write_bytes(b"other")
        [name] = await link.flush(at(MONDAY, "10:30"))
        health = await link.health()
    finally:
        await link.close()
    assert not health.up and f"{name} refused by the link (LINK.REJECTED)" in health.detail
    assert (tmp_path / "stage" / "outgoing" / f"{name}.ach").exists()


async def test_the_flush_task_files_at_each_window(tmp_path: Path, drop: FileDrop) -> None:
    clock = SteppingClock(at(MONDAY, "09:00"))
    link = ach.build("ach", settings(tmp_path / "stage"), deliver=drop, clock=clock,
                     sleep=clock.sleep)
    await link.start()
    try:
        await link.send(outbound("k1", payment(1)))
        await asyncio.wait_for(clock.step(), 5)  # to 10:30
        at_1030 = files(tmp_path / "bank")
        await link.send(outbound("k2", payment(2)))
        await asyncio.wait_for(clock.step(), 5)  # to 14:30
    finally:
        await link.close()
    assert clock.asked[:2] == [90 * 60, 4 * 3600]
    assert list(at_1030) == ["ACH_076401251_202603021030_20260303_A.ach"]
    assert list(files(tmp_path / "bank")) == ["ACH_076401251_202603021030_20260303_A.ach",
                                              "ACH_076401251_202603021430_20260303_B.ach"]


async def test_a_window_missed_while_down_is_caught_up_at_start(
        tmp_path: Path, drop: FileDrop, clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    await link.send(outbound("k1", payment(1)))
    await link.close()
    clock.set(at(MONDAY, "11:15"))  # back after the 10:30 window
    again = connector(tmp_path / "stage", drop, clock)
    await again.start()
    try:
        for _ in range(100):
            if files(tmp_path / "bank"):
                break
            await asyncio.sleep(0.01)
    finally:
        await again.close()
    assert list(files(tmp_path / "bank")) == ["ACH_076401251_202603021030_20260303_A.ach"]


async def test_one_process_per_staging_folder(tmp_path: Path, drop: FileDrop,
                                              clock: Clock) -> None:
    first = connector(tmp_path / "stage", drop, clock)
    await first.start()
    second = connector(tmp_path / "stage", drop, clock)
    try:
        with pytest.raises(ConnectorError) as caught:
            await second.start()
    finally:
        await first.close()
    assert caught.value.code == "ACH.STAGING"


async def test_a_damaged_entry_is_set_aside_not_lost(tmp_path: Path, drop: FileDrop,
                                                    clock: Clock) -> None:
    entries = tmp_path / "stage" / "entries"
    entries.mkdir(parents=True)
    (entries / "broken.json").write_bytes(b"{not json")
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        health = await link.health()
    finally:
        await link.close()
    assert (tmp_path / "stage" / "damaged" / "broken.json").read_bytes() == b"{not json"
    assert not health.up and "damaged" in health.detail


@pytest.mark.parametrize(("route_format", "code"), [("nacha", None), ("json", None),
                                                   ("mt103", "ACH.FORMAT")])
async def test_route_formats_the_link_takes(tmp_path: Path, drop: FileDrop, clock: Clock,
                                            route_format: str, code: str | None) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        ob = outbound("k1", payment(1))
        sent = Outbound(message_id=ob.message_id, idempotency_key=ob.idempotency_key,
                        format=route_format, payload=b"{}", message=ob.message)
        if code is None:
            assert (await link.send(sent)).reference == "076401250000001"
        else:
            with pytest.raises(ConnectorError) as caught:
                await link.send(sent)
            assert caught.value.code == code and not caught.value.retryable
            assert caught.value.location == "format"
            assert list((tmp_path / "stage" / "entries").glob("*.json")) == []
    finally:
        await link.close()


async def test_send_before_start_is_retryable(tmp_path: Path, drop: FileDrop,
                                              clock: Clock) -> None:
    link = connector(tmp_path / "stage", drop, clock)
    with pytest.raises(ConnectorError) as caught:
        await link.send(outbound("k1", payment(1)))
    assert caught.value.code == "ACH.NOT_STARTED" and caught.value.retryable


async def test_debits_and_the_messages_own_company_reach_the_file(
        tmp_path: Path, drop: FileDrop, clock: Clock) -> None:
    debit = Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=Money.parse("42.00", "USD"),
        debtor=Party(name="Zoë Müller", account="55501"),
        debtor_agent=Agent(clearing_system="USABA", member_id=RDFI),
        creditor=Party(name="Gym"), extra={"ach.transaction_code": "27", "ach.sec": "WEB",
                                           "ach.company_id": "9876543210",
                                           "ach.company_name": "GYM MEMBERSHIPS"})
    link = connector(tmp_path / "stage", drop, clock)
    await link.start()
    try:
        await link.send(outbound("d1", debit))
        clock.set(at(MONDAY, "10:30"))
        [name] = await link.flush(at(MONDAY, "10:30"))
    finally:
        await link.close()
    file, _ = read(files(tmp_path / "bank")[f"{name}.ach"])
    [batch] = file.batches
    header = batch.header.fields
    assert (header["service_class_code"], header["sec_code"], header["company_id"],
            header["company_name"].rstrip(), header["odfi"]) == (
        "225", "WEB", "9876543210", "GYM MEMBERSHIPS", ODFI[:8])
    entry = batch.entries[0].record.fields
    assert (entry["transaction_code"], entry["dfi_account"].rstrip(),
            entry["receiver_name"].rstrip()) == ("27", "55501", "Zoe Muller")
