"""SIGKILL of a real `nvc-hub run` while an XRPL payment is in flight: paid exactly once.

The stand-in rippled (tests/standins/xrpl.py) runs on its own event loop in a thread of the test
process, so it outlives the hub. Its ledgers close only when the test says so, which holds a
payment at a chosen point:

* submitted, applied to the open ledger, not validated: the hub is killed while it waits for
  validation; after the restart it finds the journalled hash, looks it up and completes without
  submitting again;
* signed and journalled, never submitted (the server refuses `submit` for a while): after the
  restart the hub submits the very bytes it journalled, once.

Either way the payee's balance moves once, the hub's account uses one Sequence, the ledger holds
one transaction with the journalled hash, and the message ends COMPLETED with that hash.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from xrpl.constants import CryptoAlgorithm
from xrpl.wallet import Wallet

from tests.e2e.daemon import Daemon
from tests.standins.xrpl import XrplStandIn

pytestmark = pytest.mark.slow

XRP = 1_000_000
T = TypeVar("T")


class StandInThread:
    """The stand-in rippled on an event loop of its own; its state is touched on that loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="xrpl-standin",
                                       daemon=True)
        self.node = XrplStandIn(close_interval=None)

    def start(self) -> str:
        self.thread.start()
        return self.call_async(self.node.start())

    def call(self, fn: Callable[[], T]) -> T:
        async def run() -> T:
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def call_async(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(10)

    def stop(self) -> None:
        self.call_async(self.node.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def standin() -> Iterator[StandInThread]:
    server = StandInThread()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def configure(root: Path, url: str, seed: str) -> dict[str, str]:
    """The hub's config file, routing table and seed; the environment that points at them."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "xrpl.seed").write_text(seed + "\n")
    (root / "routes.toml").write_text('[default]\nconnector = "xrpl"\nformat = "json"\n')
    (root / "hub.toml").write_text(f"""
[routing]
table = "{root / 'routes.toml'}"

[dispatch]
lease_seconds = 2.0
base_delay = 0.1
max_delay = 0.5
max_attempts = 50
send_timeout = 60

[connectors.xrpl]
type = "xrpl"
url = "{url}"
seed_file = "{root / 'xrpl.seed'}"
poll_interval = 0.05
wait_timeout = 60
""")
    return {"HUB_CONFIG": str(root / "hub.toml"), "HUB__LOG__LEVEL": "INFO"}


def call(d: Daemon, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        f"{d.url}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {d.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def payment(payee: str) -> dict[str, Any]:
    return {"kind": "customer_credit_transfer", "uetr": str(uuid.uuid4()),
            "instruction_id": "XRPL-CRASH-1", "amount": {"value": "25", "currency": "XRP"},
            "settlement_date": "2026-11-25",
            "debtor": {"name": "Alice Ltd", "account": "DE89370400440532013000"},
            "debtor_agent": {"bic": "DEUTDEFF"},
            "creditor": {"name": "Bob", "account": payee},
            "creditor_agent": {"bic": "BNPAFRPP"}}


def journalled(root: Path) -> list[tuple[str, str | None]]:
    """(tx_hash, outcome) of the signed transactions in the hub's journal, read beside it."""
    db = root / "hub.db"
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return list(conn.execute("SELECT tx_hash, outcome FROM chain_pending"))
        except sqlite3.OperationalError:  # not migrated yet
            return []


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0,
             between: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        if between is not None:
            between()
        time.sleep(0.05)


@pytest.mark.parametrize("moment", ["submitted", "journalled"])
def test_sigkill_between_signing_and_validation_pays_once(
        tmp_path: Path, standin: StandInThread, moment: str) -> None:
    node = standin.node
    wallet = Wallet.create(algorithm=CryptoAlgorithm.ED25519)
    payee = Wallet.create().classic_address
    standin.call(lambda: node.fund(wallet.classic_address, 1_000 * XRP))
    start_sequence = standin.call(lambda: node.ledger.accounts[wallet.classic_address].sequence)
    root = tmp_path / "hub"
    assert wallet.seed is not None
    d = Daemon(root, env=configure(root, node.url, wallet.seed))
    if moment == "journalled":
        standin.call(lambda: node.refuse.add("submit"))  # the server goes away for submits
    d.start()
    try:
        accepted = call(d, "POST", "/v1/messages", payment(payee))
        message_id = accepted["id"]
        wait_for("the signed payment is journalled", lambda: len(journalled(root)) == 1)
        [(tx_hash, outcome)] = journalled(root)
        assert outcome is None
        if moment == "submitted":
            wait_for("the server holds it in the open ledger",
                     lambda: standin.call(lambda: tx_hash in node.ledger.txs))
            assert not standin.call(lambda: node.ledger.txs[tx_hash].validated)
        else:
            assert standin.call(lambda: node.submits) == 0
        assert call(d, "GET", f"/v1/messages/{message_id}")["state"] not in ("COMPLETED",)
        d.kill()

        # A ledger closes while the hub is down: a payment signed anew would carry another
        # LastLedgerSequence, so another hash, and a second one would move the balance twice.
        standin.call(node.close_ledger)
        standin.call(lambda: node.refuse.discard("submit"))
        d.start()

        def validate_once_submitted() -> None:
            # Ledgers close only once it is in, so its LastLedgerSequence never passes first.
            if tx_hash in node.ledger.txs:
                node.close_ledger()

        wait_for("the message is COMPLETED",
                 lambda: call(d, "GET", f"/v1/messages/{message_id}")["state"] == "COMPLETED",
                 timeout=60, between=lambda: standin.call(validate_once_submitted))
        record = call(d, "GET", f"/v1/messages/{message_id}")
    finally:
        code = d.terminate()
    assert code == 0
    assert standin.call(lambda: node.balance(payee)) == 25 * XRP  # moved once
    ours = standin.call(lambda: [h for h, a in node.ledger.txs.items()
                                 if a.tx_json["Account"] == wallet.classic_address])
    assert ours == [tx_hash]  # one transaction, the journalled one
    assert standin.call(lambda: node.ledger.txs[tx_hash].validated)
    assert standin.call(lambda: node.submits) == 1  # never submitted a second time
    assert standin.call(
        lambda: node.ledger.accounts[wallet.classic_address].sequence) == start_sequence + 1
    assert journalled(root) == [(tx_hash, "completed")]
    assert record["external_ref"] == tx_hash
