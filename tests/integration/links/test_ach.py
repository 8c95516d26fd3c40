"""ACH origination over a real OpenSSH sshd: files land once under their final names, a retry
after a crash uploads nothing new, and the bank's returns and NOCs find the original messages
through a real journal."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import orjson
import pytest

from hub import codecs
from hub.codecs.nacha import read
from hub.codecs.nacha.mapping import to_messages
from hub.connectors import ach, sftp
from hub.connectors.base import Connector, Delivery, Health, Outbound
from hub.dispatch import Dispatcher, Policy
from hub.errors import ConnectorError
from hub.journal import Journal
from hub.metrics import Metrics
from hub.model import Agent, Kind, Message, Money, Party, State, dumps
from hub.pipeline import Pipeline, Submission
from hub.router_table import TablePlanner
from tests.sshd.server import Mailbox
from tests.unit.ach.helpers import ODFI, RDFI, Clock, at, outbound, payment, settings

MONDAY = date(2026, 3, 2)


def ach_link(staging: Path, link: Connector, clock: Clock) -> ach.AchConnector:
    async def never(seconds: float) -> None:  # windows are driven by hand here
        import asyncio
        await asyncio.Event().wait()

    return ach.build("ach", settings(staging), deliver=link, clock=clock, sleep=never)


@pytest.fixture
async def bank(mailbox: Mailbox) -> AsyncIterator[sftp.SftpConnector]:
    link = sftp.build("bank", mailbox.server.settings(mailbox, name_pattern="{key}.ach"))
    await link.start()
    yield link
    await link.close()


class Switch:
    """The real SFTP link behind a switch, to cut the delivery at a chosen moment."""

    def __init__(self, inner: sftp.SftpConnector) -> None:
        self.inner, self.name, self.spec = inner, "switch", inner.spec
        self.off = False

    async def start(self) -> None: ...

    async def send(self, outbound: Outbound) -> Delivery:
        if self.off:
            raise ConnectorError("link cut")
        return await self.inner.send(outbound)

    async def health(self) -> Health:
        return await self.inner.health()

    async def close(self) -> None: ...


def entries(data: bytes) -> list[tuple[str, date | None]]:
    file, diagnostics = read(data)
    assert [d for d in diagnostics if d.is_error] == []
    return [(m.extra["ach.trace"], m.requested_execution_date) for m in to_messages(file)[0]]


async def test_files_appear_once_under_their_final_names(
        tmp_path: Path, mailbox: Mailbox, bank: sftp.SftpConnector) -> None:
    clock = Clock(at(MONDAY, "09:00"))
    link = ach_link(tmp_path / "stage", bank, clock)
    await link.start()
    try:
        one = await link.send(outbound("k1", payment(1)))
        two = await link.send(outbound("k2", payment(2, requested=date(2026, 3, 4))))
        clock.set(at(MONDAY, "10:30"))
        built = await link.flush(at(MONDAY, "10:30"))
        assert await link.flush(at(MONDAY, "14:30")) == []
    finally:
        await link.close()
    uploaded = mailbox.files("outbound")
    assert sorted(uploaded) == ["ACH_076401251_202603021030_20260303_A.ach",
                                "ACH_076401251_202603021030_20260304_B.ach"]
    assert [f"{n}.ach" for n in built] == sorted(uploaded)
    assert entries(uploaded["ACH_076401251_202603021030_20260303_A.ach"]) == [
        (one.reference, date(2026, 3, 3))]
    assert entries(uploaded["ACH_076401251_202603021030_20260304_B.ach"]) == [
        (two.reference, date(2026, 3, 4))]


async def test_a_retry_after_a_crash_uploads_nothing_new(
        tmp_path: Path, mailbox: Mailbox, bank: sftp.SftpConnector) -> None:
    clock = Clock(at(MONDAY, "09:00"))
    switch = Switch(bank)
    switch.off = True
    link = ach_link(tmp_path / "stage", switch, clock)
    await link.start()
    await link.send(outbound("k1", payment(1)))
    await link.send(outbound("k2", payment(2)))
    clock.set(at(MONDAY, "10:30"))
    [name] = await link.flush(at(MONDAY, "10:30"))  # built; the link is cut
    # Nothing is written to the staging folder between building and delivering, so this copy
    # is also the disk as a crash right after the upload, before the cleanup, leaves it.
    shutil.copytree(tmp_path / "stage", tmp_path / "crashed")
    switch.off = False
    await link.flush(at(MONDAY, "14:30"))  # delivers and cleans up
    await link.close()
    uploaded = mailbox.files("outbound")
    assert list(uploaded) == [f"{name}.ach"]
    stamp = (mailbox.local / "outbound" / f"{name}.ach").stat().st_mtime_ns

    shutil.rmtree(tmp_path / "stage")
    shutil.copytree(tmp_path / "crashed", tmp_path / "stage")
    clock.set(at(MONDAY, "10:45"))
    again = ach_link(tmp_path / "stage", bank, clock)
    await again.start()  # redelivers the file it finds built: the server has it already
    try:
        repeat = await again.send(outbound("k1", payment(1)))
    finally:
        await again.close()
    assert mailbox.files("outbound") == uploaded  # no second file, no temp file left
    assert (mailbox.local / "outbound" / f"{name}.ach").stat().st_mtime_ns == stamp
    sent = ach.FileManifest.from_json((tmp_path / "stage" / "sent" / f"{name}.json").read_bytes())
    assert sent.delivered is not None and sent.delivered["already_there"] is True
    assert repeat.detail["file"] == name


def answer_file(*answers: Message) -> bytes:
    """The ODFI's file back to us, as its NACHA software would write it."""
    return codecs.encode(list(answers), "nacha", immediate_destination="1234567890",
                         immediate_origin=ODFI, creation=at(date(2026, 3, 4), "08:00"))


def answer(kind: Kind, n: int, original: str, reason: str, amount: str, **extra: str) -> Message:
    """A return (addenda 99) or NOC (addenda 98) of entry `original`, from the RDFI."""
    return Message(
        kind=kind, amount=Money.parse(amount, "USD"), related_reference=original,
        reason_code=reason, reason_text="NO ACCOUNT" if kind is Kind.RETURN else None,
        debtor=Party(name="ACME CORP", identifier="1234567890"),
        debtor_agent=Agent(clearing_system="USABA", member_id=ODFI),
        creditor=Party(name=f"RECEIVER {n}", account=f"9876{n:04d}"),
        creditor_agent=Agent(clearing_system="USABA", member_id=RDFI),
        requested_execution_date=date(2026, 3, 4),
        extra={"ach.transaction_code": "21", "ach.original_rdfi": RDFI[:8],
               "ach.trace": f"{RDFI[:8]}{n:07d}", **extra})


ROUTES = """
[[rules]]
id = "usd-ach"
currency = "USD"
kind = "customer_credit_transfer"
connector = "ach"
format = "{format}"

[default]
connector = "ach"
format = "{format}"
"""


class Hub:
    """The parts of a running hub this path crosses: a SQLite journal, the pipeline, the
    dispatcher with the ACH connector delivering over SFTP, and the bank's inbox on the same
    mailbox."""

    def __init__(self, tmp_path: Path, mailbox: Mailbox, bank: sftp.SftpConnector,
                 route_format: str = "nacha") -> None:
        self.tmp_path, self.mailbox, self.bank = tmp_path, mailbox, bank
        self.route_format = route_format
        self.clock = Clock(at(MONDAY, "09:00"))

    async def __aenter__(self) -> Hub:
        self.journal = await Journal.open(f"sqlite:///{self.tmp_path / 'hub.db'}")
        await self.journal.migrate()
        self.link = ach_link(self.tmp_path / "stage", self.bank, self.clock)
        await self.link.start()
        self.inbox = sftp.build("bank-in", self.mailbox.server.settings(self.mailbox))
        await self.inbox.start()
        # The routing table sends US dollar credit transfers to the ACH link as "nacha".
        table = self.tmp_path / "routes.toml"
        table.write_text(ROUTES.format(format=self.route_format))
        self.pipeline = Pipeline(self.journal, TablePlanner.load(table), metrics=Metrics(),
                                 our_bic="NVCHUS33XXX")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inbox.close()
        await self.link.close()
        await self.journal.close()

    async def originate(self, count: int) -> tuple[list[str], list[str]]:
        """Payments in over the API, out through the ACH connector, filed at 10:30."""
        ids = []
        for n in range(1, count + 1):
            raw = dumps(payment(n, uetr=uuid.uuid4()))
            result = await self.pipeline.submit(Submission(raw=raw, channel="api",
                                                           format="json"))
            ids.append(result.outcomes[0].message_id)
        dispatcher = Dispatcher(self.journal, {"ach": self.link}, metrics=Metrics(),
                                worker="w", policy=Policy(max_attempts=1))
        await dispatcher.dispatch(await self.journal.claim("w", 10, 60_000_000))
        records = [await self.journal.get(i) for i in ids]
        assert [r.state for r in records if r is not None] == [State.DISPATCHED] * count
        traces = [r.external_ref or "" for r in records if r is not None]
        self.clock.set(at(MONDAY, "10:30"))
        [name] = await self.link.flush(at(MONDAY, "10:30"))
        filed = entries(self.mailbox.files("outbound")[f"{name}.ach"])
        assert [t for t, _ in filed] == traces
        return ids, traces

    async def receive(self, raw: bytes) -> None:
        """The bank's file lands in the inbox and goes through the pipeline like any other."""
        self.mailbox.drop("RETURNS_20260304.ach", raw)
        taken = await self.inbox.poll_once() or await self.inbox.poll_once()  # stable twice
        assert [t.name for t in taken] == ["RETURNS_20260304.ach"]
        await self.pipeline.submit(Submission(raw=taken[0].payload, channel="bank-in",
                                              name=taken[0].name))
        await self.inbox.ack(taken[0])

    async def last_event(self, message_id: str) -> tuple[str, object]:
        event = (await self.journal.events(message_id))[-1]
        return event.type, event.data.get("reason_code")


async def test_a_nacha_route_queues_the_canonical_message_for_the_link(
        tmp_path: Path, mailbox: Mailbox, bank: sftp.SftpConnector) -> None:
    async with Hub(tmp_path, mailbox, bank) as hub:
        raw = dumps(payment(1, uetr=uuid.uuid4()))
        result = await hub.pipeline.submit(Submission(raw=raw, channel="api", format="json"))
        message_id = result.outcomes[0].message_id
        record = await hub.journal.get(message_id)
        assert record is not None and record.state is State.QUEUED
        assert record.route is not None and record.route["format"] == "nacha"
        [item] = await hub.journal.claim("w", 10, 60_000_000)
        assert (item.connector, item.format) == ("ach", "nacha")
        assert orjson.loads(item.payload) == record.canonical  # the link files it itself
        dispatcher = Dispatcher(hub.journal, {"ach": hub.link}, metrics=Metrics(),
                                worker="w", policy=Policy(max_attempts=1))
        await dispatcher.dispatch([item])
        sent = await hub.journal.get(message_id)
        assert sent is not None and sent.state is State.DISPATCHED
        assert sent.external_ref == "076401250000001"


@pytest.mark.parametrize("route_format", ["nacha", "json"])
async def test_a_return_moves_the_original_to_returned(
        tmp_path: Path, mailbox: Mailbox, bank: sftp.SftpConnector, route_format: str) -> None:
    async with Hub(tmp_path, mailbox, bank, route_format) as hub:
        ids, traces = await hub.originate(2)
        assert traces == ["076401250000001", "076401250000002"]
        raw = answer_file(answer(Kind.RETURN, 1, traces[0], "R03", "125.00", **{
            "ach.sec": "PPD"}))
        decoded = codecs.decode(raw)
        assert [(m.kind, m.related_reference, m.reason_code) for m in decoded.messages] == [
            (Kind.RETURN, traces[0], "R03")]
        await hub.receive(raw)
        returned, other = [await hub.journal.get(i) for i in ids]
        assert returned is not None and returned.state is State.RETURNED
        assert other is not None and other.state is State.DISPATCHED
        assert await hub.last_event(ids[0]) == ("answer", "R03")


async def test_a_noc_is_recorded_on_the_original(
        tmp_path: Path, mailbox: Mailbox, bank: sftp.SftpConnector) -> None:
    async with Hub(tmp_path, mailbox, bank) as hub:
        ids, traces = await hub.originate(1)
        raw = answer_file(answer(Kind.STATUS_REPORT, 1, traces[0], "C01", "0.00", **{
            "ach.sec": "COR", "ach.corrected_data": "12345678"}))
        decoded = codecs.decode(raw)
        assert [(m.kind, m.related_reference, m.reason_code) for m in decoded.messages] == [
            (Kind.STATUS_REPORT, traces[0], "C01")]
        await hub.receive(raw)
        record = await hub.journal.get(ids[0])
        assert record is not None and record.state is State.DISPATCHED  # a NOC informs only
        assert await hub.last_event(ids[0]) == ("answer", "C01")
