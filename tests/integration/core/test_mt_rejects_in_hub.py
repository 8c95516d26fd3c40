"""MT 199/299 reject and return notices through the running hub: an MT 103 goes out over the
FIN file drop, the bank answers with field 79 in the payments reject/return guideline layout,
and the original payment moves to REJECTED or RETURNED with the reason in its event; a notice
that names no message the hub sent is recorded as unmatched."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from hub import codecs
from hub.app import Hub
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party
from tests.integration.hubs import running_hub

TABLE = """
[[rules]]
id = "eur-by-fin"
currency = "EUR"
connector = "swift"
format = "mt103"

[default]
connector = "outbox"
format = "json"
"""
BANK = "{1:F01BNPAFRPPAXXX0000000000}"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    (tmp_path / "routes.toml").write_text(TABLE)
    async with running_hub(
            tmp_path, HUB__ROUTING__TABLE=str(tmp_path / "routes.toml"),
            HUB__CONNECTORS__SWIFT__TYPE="filedrop",
            HUB__CONNECTORS__SWIFT__OUTBOUND=str(tmp_path / "fin-out"),
            HUB__CONNECTORS__OUTBOX__TYPE="filedrop",
            HUB__CONNECTORS__OUTBOX__OUTBOUND=str(tmp_path / "outbox"),
            HUB__CONNECTORS__OUTBOX__INBOX=str(tmp_path / "inbox")) as h:
        yield h


def mt103(reference: str) -> bytes:
    message = Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=uuid.uuid4(), instruction_id=reference,
        amount=Money(value=Decimal("1250.00"), currency="EUR"),
        settlement_date=date(2026, 11, 26),
        debtor=Party(name="ALICE LTD", account="DE89370400440532013000"),
        debtor_agent=Agent(bic="DEUTDEFF"),
        creditor=Party(name="BOB SA", account="FR1420041010050500013M02606"),
        creditor_agent=Agent(bic="BNPAFRPP"), charge_bearer=ChargeBearer.SHAR)
    return codecs.encode(message, "mt103", sender="DEUTDEFFXXX", receiver="NVCHGB2LXXX")


async def submit(hub: Hub, raw: bytes) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {hub.bootstrap_token}"}
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{hub.api_port}/v1/messages", data=raw, headers=headers) as r:
        assert r.status in (200, 202), await r.text()
        body: dict[str, str] = await r.json()
    return body


async def dispatched(hub: Hub, tmp_path: Path, raw: bytes) -> tuple[str, Message]:
    """Submit an MT 103 and wait until the FIN file drop has written it; returns the journal id
    and the payment as the bank received it."""
    body = await submit(hub, raw)
    assert hub.journal is not None
    for _ in range(250):
        record = await hub.journal.get(body["id"])
        if record is not None and record.state.value == "DISPATCHED":
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the MT 103 was not dispatched")
    [out] = (tmp_path / "fin-out").glob(f"{body['uetr']}*.fin")
    [sent] = codecs.decode(out.read_bytes()).messages
    return body["id"], sent


def notice(message_type: str, sender_reference: str, related: str, text: str) -> bytes:
    """An MT n99 from the bank, field 79 as given (lines separated by CRLF on the wire)."""
    block4 = f"\n:20:{sender_reference}\n:21:{related}\n:79:{text}\n-}}"
    return (f"{BANK}{{2:I{message_type}NVCHGB2LXXXXN}}{{4:" + block4.replace("\n", "\r\n")
            ).encode("latin-1")


@pytest.mark.parametrize(("message_type", "marker", "state", "kind"), [
    ("199", "REJT", "REJECTED", "status_report"),
    ("299", "RETN", "RETURNED", "return"),
])
async def test_reject_or_return_moves_the_original(hub: Hub, tmp_path: Path, message_type: str,
                                                   marker: str, state: str, kind: str) -> None:
    message_id, sent = await dispatched(hub, tmp_path, mt103("PAY-2026-0042"))
    assert sent.instruction_id == "PAY-2026-0042"
    # no UETR in the notice: it is found by /MREF/ (its field 20) alone
    raw = notice(message_type, "BNPREJ0001", "PAY-2026-0042",
                 f"/{marker}/59\n/AC04/ACCOUNT CLOSED\n/MREF/PAY-2026-0042\n"
                 "/TEXT/BENEFICIARY LEFT THE BANK")
    decoded = codecs.decode(raw)
    assert decoded.ok, decoded.diagnostics
    answer = await submit(hub, raw)
    assert answer["format"] == f"mt{message_type}"
    assert hub.journal is not None
    record = await hub.journal.get(message_id)
    assert record is not None and record.state.value == state
    event = (await hub.journal.events(message_id))[-1]
    assert event.type == "answer" and event.data["answer"] == answer["id"]
    assert event.data["reason_code"] == "AC04"
    assert event.data["reason"] == "ACCOUNT CLOSED BENEFICIARY LEFT THE BANK"
    assert event.data["kind"] == kind and event.data["format"] == f"mt{message_type}"
    assert event.data["status"] == ("RJCT" if marker == "REJT" else None)
    notice_events = await hub.journal.events(answer["id"])
    assert notice_events[-1].type == "matched"
    assert notice_events[-1].data["message"] == message_id


async def test_reject_found_by_uetr(hub: Hub, tmp_path: Path) -> None:
    """A gpi-style notice: block 3 and /TEXT//UETR/ carry the payment's UETR, /MREF/ a
    reference the hub does not know."""
    message_id, sent = await dispatched(hub, tmp_path, mt103("PAY-2026-0043"))
    text = (f"/REJT/99\n/AM04/\n/MREF/OTHERREF\n/TEXT//UETR/{sent.uetr}").replace("\n", "\r\n")
    raw = (f"{BANK}{{2:I199NVCHGB2LXXXXN}}{{3:{{121:{sent.uetr}}}}}{{4:\r\n:20:BNPREJ0002\r\n"
           f":21:OTHERREF\r\n:79:{text}\r\n-}}").encode("latin-1")
    await submit(hub, raw)
    assert hub.journal is not None
    record = await hub.journal.get(message_id)
    assert record is not None and record.state.value == "REJECTED"
    assert (await hub.journal.events(message_id))[-1].data["reason_code"] == "AM04"


async def test_notice_for_no_known_message_is_unmatched(hub: Hub, tmp_path: Path) -> None:
    message_id, _ = await dispatched(hub, tmp_path, mt103("PAY-2026-0044"))
    report = Message(kind=Kind.STATUS_REPORT, status="RJCT", reason_code="AC01",
                     reason_text="NO SUCH ACCOUNT", instruction_id="BNPREJ0003",
                     original_message_id="NOT-OURS-0001", related_reference="NOT-OURS-0001")
    raw = codecs.encode(report, "mt199", sender="BNPAFRPPXXX", receiver="NVCHGB2LXXX")
    assert b"/REJT/99" in raw and b"/MREF/NOT-OURS-0001" in raw
    answer = await submit(hub, raw)
    assert hub.journal is not None
    events = await hub.journal.events(answer["id"])
    assert events[-1].type == "unmatched"
    assert "NOT-OURS-0001" in events[-1].data["keys"]
    record = await hub.journal.get(message_id)
    assert record is not None and record.state.value == "DISPATCHED"


async def test_free_text_n99_stays_free_format(hub: Hub, tmp_path: Path) -> None:
    message_id, _ = await dispatched(hub, tmp_path, mt103("PAY-2026-0045"))
    raw = notice("199", "BNPMSG0004", "PAY-2026-0045", "PLEASE CONFIRM THE BENEFICIARY NAME")
    answer = await submit(hub, raw)
    assert hub.journal is not None
    notice_record = await hub.journal.get(answer["id"])
    assert notice_record is not None and notice_record.kind == "free_format"
    record = await hub.journal.get(message_id)
    assert record is not None and record.state.value == "DISPATCHED"
