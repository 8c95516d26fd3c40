"""The XRPL connector driving xrpl-py's client against the stand-in rippled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from prometheus_client import CollectorRegistry
from xrpl.constants import CryptoAlgorithm
from xrpl.core.addresscodec import classic_address_to_xaddress
from xrpl.models.transactions import Payment
from xrpl.transaction import sign
from xrpl.wallet import Wallet

from hub.connectors import xrpl as xc
from hub.connectors.base import Connector, Outbound, Outcome
from hub.connectors.nonces import JournalPendingTxStore, MemoryPendingTxStore, PendingTxStore
from hub.errors import ConfigError, ConnectorError, catalogue
from hub.journal import Journal
from hub.model import Agent, Kind, Message, Money, Party
from tests.standins.xrpl import XrplStandIn

XRP = 1_000_000


@pytest.fixture
async def node() -> AsyncIterator[XrplStandIn]:
    standin = XrplStandIn(close_interval=0.01)
    await standin.start()
    yield standin
    await standin.stop()


@pytest.fixture
def hub_wallet(node: XrplStandIn) -> Wallet:
    wallet = Wallet.create(algorithm=CryptoAlgorithm.ED25519)
    node.fund(wallet.classic_address, 1_000 * XRP)
    return wallet


def connector(node: XrplStandIn, wallet: Wallet, store: PendingTxStore | None = None,
              **over: Any) -> xc.XrplConnector:
    settings = {"url": node.url, "seed": wallet.seed, "poll_interval": 0.005,
                "wait_timeout": 5, **over}
    return xc.build("xrpl", settings, store=store or MemoryPendingTxStore(),
                    registry=CollectorRegistry())


def outbound(account: str | None, amount: str = "25", currency: str = "XRP",
             extra: dict[str, str] | None = None, bic: str | None = None) -> Outbound:
    uetr = uuid4()
    message = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=uetr,
                      amount=Money(value=Decimal(amount), currency=currency),
                      creditor=Party(account=account), extra=extra or {},
                      creditor_agent=Agent(bic=bic) if bic else None)
    return Outbound(message_id=f"m-{uetr}", idempotency_key=str(uetr), format="json",
                    payload=b"{}", message=message)


@pytest.mark.parametrize("algorithm", [CryptoAlgorithm.ED25519, CryptoAlgorithm.SECP256K1])
async def test_xrp_payment_validates(node: XrplStandIn, algorithm: CryptoAlgorithm) -> None:
    wallet = Wallet.create(algorithm=algorithm)
    node.fund(wallet.classic_address, 100 * XRP)
    payee = Wallet.create().classic_address
    conn = connector(node, wallet, algorithm=algorithm.value, fee_drops=12)
    assert isinstance(conn, Connector)
    await conn.start()
    delivery = await conn.send(outbound(payee, "25.5"))
    assert delivery.outcome is Outcome.COMPLETED
    assert delivery.detail["result"] == "tesSUCCESS"
    assert node.balance(payee) == 25_500_000
    assert node.balance(wallet.classic_address) == 100 * XRP - 25_500_000 - 12
    applied = node.ledger.txs[str(delivery.reference)]
    assert applied.validated and applied.tx_json["Account"] == wallet.classic_address
    assert bytes.fromhex(applied.tx_json["Memos"][0]["Memo"]["MemoData"]).decode() == \
        str(delivery.detail and conn.store and (await _only_key(conn.store)))
    health = await conn.health()
    assert health.up and "full" in health.detail


async def _only_key(store: PendingTxStore) -> str:
    assert isinstance(store, MemoryPendingTxStore)
    (key,) = store._records
    return key


@pytest.mark.parametrize("how", ["xaddress", "extra", "map"])
async def test_destination_tags(node: XrplStandIn, hub_wallet: Wallet, how: str) -> None:
    payee = Wallet.create().classic_address
    node.fund(payee, 20 * XRP)
    node.require_dest(payee)
    conn = connector(node, hub_wallet, destinations={
        "CUST-1": {"address": payee, "tag": 4711}, "BANKGB2L": payee})
    ob = {"xaddress": outbound(classic_address_to_xaddress(payee, 4711, False)),
          "extra": outbound(payee, extra={"xrpl.destination_tag": "4711"}),
          "map": outbound("CUST-1")}[how]
    delivery = await conn.send(ob)
    assert node.ledger.txs[str(delivery.reference)].tx_json["DestinationTag"] == 4711
    assert node.balance(payee) == 45 * XRP


async def test_missing_tag_is_a_final_tec(node: XrplStandIn, hub_wallet: Wallet) -> None:
    payee = Wallet.create().classic_address
    node.fund(payee, 20 * XRP)
    node.require_dest(payee)
    conn = connector(node, hub_wallet, fee_drops=12)
    ob = outbound(payee)
    with pytest.raises(ConnectorError) as caught:
        await conn.send(ob)
    assert caught.value.code == "XRPL.tecDST_TAG_NEEDED" and not caught.value.retryable
    assert node.balance(hub_wallet.classic_address) == 1_000 * XRP - 12  # the fee is claimed
    submits = node.submits
    with pytest.raises(ConnectorError) as again:
        await conn.send(ob)
    assert again.value.code == "XRPL.tecDST_TAG_NEEDED" and node.submits == submits


async def test_issued_currency(node: XrplStandIn, hub_wallet: Wallet) -> None:
    issuer = Wallet.create().classic_address
    payee = Wallet.create().classic_address
    node.fund(issuer, 100 * XRP)
    node.fund(payee, 20 * XRP)
    node.trust(hub_wallet.classic_address, issuer, "USD", "1000000")
    node.issue(issuer, hub_wallet.classic_address, "USD", "500")
    node.trust(payee, issuer, "USD", "1000")
    conn = connector(node, hub_wallet, issuers={"USD": issuer})
    assert conn.spec.currencies == ("XRP", "USD")
    delivery = await conn.send(outbound(payee, "123.45", "USD"))
    assert delivery.detail["delivered_amount"]["value"] == "123.45"
    assert node.line(payee, issuer, "USD") == Decimal("123.45")
    assert node.line(hub_wallet.classic_address, issuer, "USD") == Decimal("376.55")
    stranger = Wallet.create().classic_address
    node.fund(stranger, 20 * XRP)
    with pytest.raises(ConnectorError) as caught:  # no trust line
        await conn.send(outbound(stranger, "1", "USD"))
    assert caught.value.code == "XRPL.tecPATH_DRY" and not caught.value.retryable
    with pytest.raises(ConnectorError) as caught:  # more than the hub holds
        await conn.send(outbound(payee, "400", "USD"))
    assert caught.value.code == "XRPL.tecPATH_PARTIAL"


async def test_send_is_idempotent(node: XrplStandIn, hub_wallet: Wallet) -> None:
    payee = Wallet.create().classic_address
    conn = connector(node, hub_wallet)
    ob = outbound(payee, "30")
    first = await conn.send(ob)
    second = await conn.send(ob)
    assert first.reference == second.reference and node.submits == 1
    assert node.balance(payee) == 30 * XRP


def journalled(journal: Journal) -> JournalPendingTxStore:
    """The journal's store, as a fresh hub process would open it."""
    return JournalPendingTxStore(journal, "xrpl")


class CrashAfterPut(JournalPendingTxStore):
    async def put(self, *args: Any, **kwargs: Any) -> None:
        await super().put(*args, **kwargs)
        raise SystemExit("killed between signing and submission")


async def test_crash_before_submission_submits_the_journalled_blob_once(
        node: XrplStandIn, hub_wallet: Wallet, tx_journal: Journal) -> None:
    payee = Wallet.create().classic_address
    ob = outbound(payee, "40")
    with pytest.raises(SystemExit):
        await connector(node, hub_wallet, store=CrashAfterPut(tx_journal, "xrpl")).send(ob)
    assert node.submits == 0
    signed = await tx_journal.chain_tx("xrpl", ob.idempotency_key)
    assert signed is not None and signed["result"] is None
    fresh = connector(node, hub_wallet, store=journalled(tx_journal))
    assert await fresh.recover() == 1
    delivery = await fresh.send(ob)
    assert delivery.reference == signed["tx_hash"] and node.submits == 1
    assert node.balance(payee) == 40 * XRP


async def test_crash_before_validation_is_looked_up_not_resubmitted(
        node: XrplStandIn, hub_wallet: Wallet, tx_journal: Journal) -> None:
    node.close_interval = None
    await node.stop()
    await node.start()  # no automatic ledger closes now
    payee = Wallet.create().classic_address
    ob = outbound(payee, "50")
    with pytest.raises(ConnectorError) as caught:
        await connector(node, hub_wallet, store=journalled(tx_journal),
                        wait_timeout=0.05).send(ob)
    assert caught.value.code == "XRPL.TIMEOUT" and caught.value.retryable
    node.close_ledger()
    delivery = await connector(node, hub_wallet, store=journalled(tx_journal)).send(ob)
    assert delivery.outcome is Outcome.COMPLETED and node.submits == 1
    assert node.balance(payee) == 50 * XRP


async def test_replayed_blob_is_refused(node: XrplStandIn, hub_wallet: Wallet) -> None:
    conn = connector(node, hub_wallet)
    ob = outbound(Wallet.create().classic_address, "20")
    await conn.send(ob)
    record = await conn.store.get(ob.idempotency_key)
    assert record is not None
    result = await conn._raw(xc.SubmitOnly(tx_blob=record.signed_blob))
    assert result["engine_result"] in {"tefALREADY", "tefPAST_SEQ"}


async def test_expired_blob_is_voided_and_signed_anew(node: XrplStandIn, hub_wallet: Wallet,
                                                      tx_journal: Journal) -> None:
    node.close_interval = None
    await node.stop()
    await node.start()
    payee = Wallet.create().classic_address
    ob = outbound(payee, "20")
    with pytest.raises(SystemExit):
        await connector(node, hub_wallet, store=CrashAfterPut(tx_journal, "xrpl"),
                        ledger_offset=2).send(ob)
    for _ in range(4):
        node.close_ledger()
    fresh = connector(node, hub_wallet, store=journalled(tx_journal), ledger_offset=2)
    with pytest.raises(ConnectorError) as caught:
        await fresh.send(ob)
    assert caught.value.code == "XRPL.EXPIRED" and caught.value.retryable
    old = await fresh.store.get(ob.idempotency_key)
    assert old is not None and old.is_void and node.submits == 0
    task = asyncio.create_task(fresh.send(ob))
    while node.submits == 0:
        await asyncio.sleep(0.005)
    node.close_ledger()
    delivery = await task
    assert delivery.reference != old.tx_hash
    assert node.balance(payee) == 20 * XRP


async def test_stale_last_ledger_on_submit_is_tef_max_ledger(node: XrplStandIn,
                                                            hub_wallet: Wallet) -> None:
    conn = connector(node, hub_wallet, ledger_offset=-1)
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(Wallet.create().classic_address, "20"))
    assert caught.value.code == "XRPL.tefMAX_LEDGER" and caught.value.retryable


async def test_malformed_is_final_and_keeps_the_sequence(node: XrplStandIn,
                                                        hub_wallet: Wallet) -> None:
    conn = connector(node, hub_wallet)
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(hub_wallet.classic_address, "20"))  # to itself
    assert caught.value.code == "XRPL.temMALFORMED" and not caught.value.retryable
    payee = Wallet.create().classic_address
    delivery = await conn.send(outbound(payee, "20"))
    assert delivery.detail["sequence"] == 1  # the refused one did not use it


class StealSequence(MemoryPendingTxStore):
    """Another transaction with the hub's wallet uses the sequence just journalled."""

    def __init__(self, node: XrplStandIn, wallet: Wallet) -> None:
        super().__init__()
        self.node, self.wallet, self.done = node, wallet, False

    async def put(self, key: str, signed_blob: str, tx_hash: str, nonce: int, **kw: Any) -> None:
        await super().put(key, signed_blob, tx_hash, nonce, **kw)
        if not self.done:
            self.done = True
            other = sign(Payment(account=self.wallet.classic_address, amount=str(20 * XRP),
                                 destination=Wallet.create().classic_address, sequence=nonce,
                                 fee="10"), self.wallet)
            assert self.node._rpc_submit({"tx_blob": other.blob()})["engine_result"] == \
                "tesSUCCESS"


async def test_sequence_taken_is_retried_with_a_new_one(node: XrplStandIn,
                                                        hub_wallet: Wallet) -> None:
    payee = Wallet.create().classic_address
    conn = connector(node, hub_wallet, store=StealSequence(node, hub_wallet))
    ob = outbound(payee, "20")
    with pytest.raises(ConnectorError) as caught:
        await conn.send(ob)
    assert caught.value.code == "XRPL.tefPAST_SEQ" and caught.value.retryable
    delivery = await conn.send(ob)
    assert delivery.detail["sequence"] == 2 and node.balance(payee) == 20 * XRP


async def test_sequence_gap_is_a_retry_then_both_settle_once(node: XrplStandIn,
                                                            hub_wallet: Wallet,
                                                            tx_journal: Journal) -> None:
    a, b = Wallet.create().classic_address, Wallet.create().classic_address
    first, second = outbound(a, "20"), outbound(b, "21")
    with pytest.raises(SystemExit):  # first is journalled with sequence 1, never submitted
        await connector(node, hub_wallet, store=CrashAfterPut(tx_journal, "xrpl")).send(first)
    conn = connector(node, hub_wallet, store=journalled(tx_journal))
    await conn.start()
    with pytest.raises(ConnectorError) as caught:
        await conn.send(second)  # sequence 2 while 1 is missing
    assert caught.value.code == "XRPL.terPRE_SEQ" and caught.value.retryable
    await conn.send(first)
    await conn.send(second)
    assert (node.balance(a), node.balance(b)) == (20 * XRP, 21 * XRP)


async def test_concurrent_sends(node: XrplStandIn, hub_wallet: Wallet) -> None:
    payees = [Wallet.create().classic_address for _ in range(8)]
    conn = connector(node, hub_wallet)
    deliveries = await asyncio.gather(*(conn.send(outbound(p, "20")) for p in payees))
    assert sorted(d.detail["sequence"] for d in deliveries) == list(range(1, 9))
    assert all(node.balance(p) == 20 * XRP for p in payees)


async def test_node_away_is_retryable(node: XrplStandIn, hub_wallet: Wallet) -> None:
    conn = connector(node, hub_wallet)
    node.refuse = {"submit", "account_info", "fee", "server_info", "tx"}
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(Wallet.create().classic_address, "20"))
    assert caught.value.code == "XRPL.UNAVAILABLE" and caught.value.retryable
    assert not (await conn.health()).up
    await node.stop()
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(Wallet.create().classic_address, "20"))
    assert caught.value.code == "XRPL.UNAVAILABLE"


async def test_node_away_after_journal_then_back(node: XrplStandIn, hub_wallet: Wallet) -> None:
    conn = connector(node, hub_wallet)
    payee = Wallet.create().classic_address
    ob = outbound(payee, "20")
    node.refuse = {"submit"}
    with pytest.raises(ConnectorError) as caught:
        await conn.send(ob)
    assert caught.value.code == "XRPL.UNAVAILABLE"
    node.refuse = set()
    await conn.send(ob)
    await conn.send(ob)
    assert node.balance(payee) == 20 * XRP and node.submits == 1


@pytest.mark.parametrize(("account", "amount", "currency", "code"), [
    (None, "20", "XRP", "XRPL.DESTINATION"),
    ("not-an-address", "20", "XRP", "XRPL.DESTINATION"),
    ("payee", "20", "EUR", "XRPL.CURRENCY"),
    ("payee", "0", "XRP", "XRPL.AMOUNT"),
    ("payee", "5000", "XRP", "XRPL.AMOUNT"),
])
async def test_instructions_it_cannot_carry(node: XrplStandIn, hub_wallet: Wallet,
                                           account: str | None, amount: str, currency: str,
                                           code: str) -> None:
    conn = connector(node, hub_wallet, max_amount="1000")
    target = Wallet.create().classic_address if account == "payee" else account
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(target, amount, currency))
    assert caught.value.code == code and not caught.value.retryable
    assert node.submits == 0


async def test_bad_tag_in_extra(node: XrplStandIn, hub_wallet: Wallet) -> None:
    conn = connector(node, hub_wallet)
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(Wallet.create().classic_address,
                                 extra={"xrpl.destination_tag": "-1"}))
    assert caught.value.code == "XRPL.DESTINATION"


@pytest.mark.parametrize(("over", "where"), [
    ({"colour": 1}, "connectors.xrpl.colour"),
    ({"algorithm": "rsa"}, "connectors.xrpl.algorithm"),
    ({"issuers": {"USD": "nope"}}, "connectors.xrpl.issuers.USD"),
    ({"destinations": {"x": {"address": "nope"}}}, "connectors.xrpl.destinations.x"),
    ({"fixed_fee": 0.1}, "connectors.xrpl.fixed_fee"),
    ({"seed": "sNotASeedButSecretStuff"}, "connectors.xrpl.seed"),
])
def test_bad_settings(node: XrplStandIn, hub_wallet: Wallet, over: dict[str, Any],
                      where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        connector(node, hub_wallet, **over)
    assert caught.value.location == where
    assert "SecretStuff" not in str(caught.value)


def test_every_result_code_is_registered() -> None:
    codes = catalogue()
    for code in ("XRPL.tesSUCCESS", "XRPL.tecPATH_DRY", "XRPL.tefPAST_SEQ", "XRPL.temBAD_AMOUNT",
                 "XRPL.terQUEUED", "XRPL.telINSUF_FEE_P", "XRPL.EXPIRED"):
        assert code in codes
    assert len([c for c in codes if c.startswith("XRPL.te")]) > 150


async def test_two_hub_processes_on_one_journal_pay_once(
        node: XrplStandIn, hub_wallet: Wallet, tx_journal: Journal, tmp_path: Path) -> None:
    """Two connectors with the same wallet, each on its own connection to the journal: the
    same payment sent by both is signed once; different payments get distinct sequences."""
    second = await Journal.open(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        a = connector(node, hub_wallet, store=journalled(tx_journal))
        b = connector(node, hub_wallet, store=journalled(second))
        payees = [Wallet.create().classic_address for _ in range(5)]
        same = outbound(payees[0], "20")

        async def until_done(conn: xc.XrplConnector, ob: Outbound) -> str:
            for _ in range(50):  # the dispatcher's retries, without the backoff
                try:
                    return str((await conn.send(ob)).reference)
                except ConnectorError as exc:
                    assert exc.retryable, exc.code
            raise AssertionError("never completed")

        sends = [until_done(a, same), until_done(b, same)]
        sends += [until_done((a, b)[i % 2], outbound(p, "21")) for i, p in enumerate(payees[1:])]
        hashes = await asyncio.gather(*sends)
    finally:
        await second.close()
    assert hashes[0] == hashes[1]
    assert node.balance(payees[0]) == 20 * XRP
    assert all(node.balance(p) == 21 * XRP for p in payees[1:])
    ours = [t for t in node.ledger.txs.values()
            if t.tx_json["Account"] == hub_wallet.classic_address and t.result == "tesSUCCESS"]
    assert len(ours) == 5 and len({t.tx_json["Sequence"] for t in ours}) == 5
