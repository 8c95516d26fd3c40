"""The Ethereum connector against an in-process chain: settle, exactly once, faults."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import AsyncHTTPProvider, AsyncWeb3

from hub.connectors import ethereum
from hub.connectors.base import Connector, Outcome
from hub.connectors.nonces import JournalPendingTxStore, MemoryPendingTxStore
from hub.errors import ConfigError, ConnectorError, catalogue
from hub.journal import Journal
from tests.unit.chain.chainkit import Chain, artifact
from tests.unit.chain.ethkit import CHAIN_ID, Rig, make_rig, outbound


@pytest.fixture
async def rig(chain: Chain, tmp_path: Path, tx_journal: Journal) -> Rig:
    return await make_rig(chain, tmp_path, tx_journal)


async def test_transfer_completes_and_records_the_hash(rig: Rig) -> None:
    payee = Account.create().address
    conn = rig.connector()
    assert isinstance(conn, Connector)
    await conn.start()
    ob = outbound(payee, "12.345678")
    delivery = await conn.send(ob)
    assert delivery.outcome is Outcome.COMPLETED
    assert delivery.reference is not None and delivery.reference.startswith("0x")
    assert await rig.balance(payee) == 12_345_678
    receipt = await rig.chain.w3.eth.get_transaction_receipt(delivery.reference)
    assert receipt["from"] == rig.hub.address and receipt["status"] == 1
    record = await conn.store.get(ob.idempotency_key)
    assert record is not None and record.tx_hash == delivery.reference and record.is_final
    assert rig.registry.get_sample_value(
        "hub_eth_sends_total", {"connector": "eth", "result": "completed"}) == 1
    health = await conn.health()
    assert health.up and "0 pending" in health.detail


async def test_send_is_idempotent_on_the_key(rig: Rig) -> None:
    payee = Account.create().address
    conn = rig.connector()
    ob = outbound(payee, "1")
    first = await conn.send(ob)
    second = await conn.send(ob)
    assert first.reference == second.reference
    assert await rig.balance(payee) == 1_000_000
    # a fresh connector on the same store answers from the record, signs nothing new
    nonce = await rig.chain.w3.eth.get_transaction_count(rig.hub.address)
    third = await rig.connector().send(ob)
    assert third.reference == first.reference
    assert await rig.chain.w3.eth.get_transaction_count(rig.hub.address) == nonce


class CrashAfterPut(JournalPendingTxStore):
    """Dies right after the signed transaction is durable, before it is submitted."""

    async def put(self, *args: Any, **kwargs: Any) -> None:
        await super().put(*args, **kwargs)
        raise SystemExit("killed between signing and submission")


async def test_crash_between_signing_and_submission_settles_once(rig: Rig) -> None:
    payee = Account.create().address
    ob = outbound(payee, "5")
    doomed = rig.connector(store=CrashAfterPut(rig.journal, "eth"))
    with pytest.raises(SystemExit):
        await doomed.send(ob)
    del doomed
    assert await rig.balance(payee) == 0  # nothing left the process
    signed = await rig.journal.chain_tx("eth", ob.idempotency_key)
    assert signed is not None and signed["result"] is None
    fresh = rig.connector()
    assert await fresh.recover() == 1  # restart rebroadcasts the journalled bytes
    delivery = await fresh.send(ob)
    assert delivery.reference == signed["tx_hash"]
    assert await rig.balance(payee) == 5_000_000
    await fresh.send(ob)
    assert await rig.balance(payee) == 5_000_000


async def test_crash_between_submission_and_confirmation_settles_once(rig: Rig) -> None:
    payee = Account.create().address
    ob = outbound(payee, "7")
    tester = rig.chain.tester
    tester.disable_auto_mine_transactions()
    first = rig.connector(receipt_timeout=0.05)
    with pytest.raises(ConnectorError) as caught:
        await first.send(ob)
    assert caught.value.code == "ETH.TIMEOUT" and caught.value.retryable
    del first
    tester.enable_auto_mine_transactions()
    tester.mine_blocks(1)
    delivery = await rig.connector().send(ob)
    assert delivery.outcome is Outcome.COMPLETED
    assert await rig.balance(payee) == 7_000_000
    assert await rig.chain.w3.eth.get_transaction_count(rig.hub.address) == 1


async def test_revert_in_preflight_is_final_and_costs_no_nonce(rig: Rig) -> None:
    payee = Account.create().address
    conn = rig.connector()
    await conn.start()
    await rig.chain.transact(rig.token.functions.pause(), rig.chain.accounts[0])
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(payee, "1"))
    assert caught.value.code == "ETH.REVERTED" and not caught.value.retryable
    assert "NVCT: paused" in caught.value.message
    assert await rig.chain.w3.eth.get_transaction_count(rig.hub.address) == 0


async def test_mined_revert_is_final_and_replayed(rig: Rig) -> None:
    payee = Account.create().address
    conn = rig.connector(gas_limit=30_000)  # enough to be mined, not to run the transfer
    ob = outbound(payee, "1")
    with pytest.raises(ConnectorError) as caught:
        await conn.send(ob)
    assert caught.value.code == "ETH.REVERTED" and not caught.value.retryable
    record = await conn.store.get(ob.idempotency_key)
    assert record is not None and record.result is not None
    assert record.result["outcome"] == "failed"
    receipt = await rig.chain.w3.eth.get_transaction_receipt(record.tx_hash)
    assert receipt["status"] == 0
    with pytest.raises(ConnectorError) as again:  # final, not re-signed
        await conn.send(ob)
    assert again.value.code == "ETH.REVERTED"
    assert await rig.chain.w3.eth.get_transaction_count(rig.hub.address) == 1
    assert await rig.balance(payee) == 0


class StealNonce(MemoryPendingTxStore):
    """Another sender with the hub's key takes the nonce just after it is journalled."""

    def __init__(self, rig: Rig) -> None:
        super().__init__()
        self.rig, self.stolen = rig, False

    async def put(self, key: str, signed_blob: str, tx_hash: str, nonce: int, **kw: Any) -> None:
        await super().put(key, signed_blob, tx_hash, nonce, **kw)
        if not self.stolen:
            self.stolen = True
            w3 = self.rig.chain.w3
            block = await w3.eth.get_block("latest")
            tx = {"type": 2, "chainId": CHAIN_ID, "nonce": nonce, "to": self.rig.hub.address,
                  "value": 0, "gas": 21_000, "maxPriorityFeePerGas": 1,
                  "maxFeePerGas": 2 * block["baseFeePerGas"] + 1}
            await w3.eth.send_raw_transaction(self.rig.hub.sign_transaction(tx).raw_transaction)


async def test_nonce_taken_by_another_transaction_is_retried_with_a_new_one(rig: Rig) -> None:
    payee = Account.create().address
    conn = rig.connector(store=StealNonce(rig))
    ob = outbound(payee, "2")
    with pytest.raises(ConnectorError) as caught:
        await conn.send(ob)
    assert caught.value.code == "ETH.NONCE" and caught.value.retryable
    record = await conn.store.get(ob.idempotency_key)
    assert record is not None and record.is_void
    delivery = await conn.send(ob)
    assert delivery.outcome is Outcome.COMPLETED and delivery.reference != record.tx_hash
    assert await rig.balance(payee) == 2_000_000


async def test_concurrent_sends_take_distinct_nonces(rig: Rig) -> None:
    payees = [Account.create().address for _ in range(8)]
    conn = rig.connector()
    deliveries = await asyncio.gather(*(conn.send(outbound(p, "3")) for p in payees))
    assert len({d.reference for d in deliveries}) == 8
    assert sorted(int(d.detail["nonce"]) for d in deliveries) == list(range(8))
    for p in payees:
        assert await rig.balance(p) == 3_000_000


async def test_waits_for_the_configured_confirmations(rig: Rig) -> None:
    payee = Account.create().address
    conn = rig.connector(confirmations=3)
    ob = outbound(payee, "4")
    task = asyncio.create_task(conn.send(ob))
    for _ in range(500):  # until it is mined (automine), never a fixed sleep
        await asyncio.sleep(0.01)
        record = await rig.journal.chain_tx("eth", ob.idempotency_key)
        if record is not None and await conn._receipt(record["tx_hash"]) is not None:
            break
    await asyncio.sleep(0.05)
    assert not task.done()  # mined once, not yet confirmed three times
    rig.chain.tester.mine_blocks(2)
    delivery = await asyncio.wait_for(task, 5)
    head = await rig.chain.w3.eth.block_number
    assert head - int(delivery.detail["block_number"]) + 1 >= 3


@pytest.mark.parametrize(("payee", "amount", "currency", "code"), [
    (None, "1", "NVCT", "ETH.DESTINATION"),
    ("not-an-address", "1", "NVCT", "ETH.DESTINATION"),
    ("payee", "1", "EUR", "ETH.CURRENCY"),
    ("payee", "0", "NVCT", "ETH.AMOUNT"),
    ("payee", "1000001", "NVCT", "ETH.AMOUNT"),
])
async def test_instructions_it_cannot_carry_are_final(rig: Rig, payee: str | None, amount: str,
                                                      currency: str, code: str) -> None:
    conn = rig.connector(max_amount="1000000")
    address = Account.create().address if payee == "payee" else payee
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(address, amount, currency))
    assert caught.value.code == code and not caught.value.retryable
    assert await rig.chain.w3.eth.get_transaction_count(rig.hub.address) == 0


async def test_destination_map_by_account_or_bic(rig: Rig) -> None:
    payee = Account.create().address
    conn = rig.connector(destinations={"GB29NWBK60161331926819": payee})
    await conn.send(outbound("GB29NWBK60161331926819", "1"))
    assert await rig.balance(payee) == 1_000_000


async def test_units_are_exact(rig: Rig) -> None:
    from decimal import Decimal

    conn = rig.connector()
    await conn.start()
    assert conn.units(Decimal("0.000001")) == 1
    assert conn.units(Decimal("123456.789012")) == 123_456_789_012
    with pytest.raises(ConnectorError) as caught:
        conn.units(Decimal("0.0000001"))
    assert caught.value.code == "ETH.AMOUNT"


async def test_settlement_mode(rig: Rig) -> None:
    chain, admin, payer = rig.chain, rig.chain.accounts[0], rig.chain.accounts[1]
    payee = Account.create().address
    settlement = await chain.deploy("SettlementContract", rig.token.address, rig.hub.address)
    await chain.transact(rig.token.functions.mint(payer, 50_000_000), admin)
    await chain.transact(rig.token.functions.approve(settlement.address, 50_000_000), payer)
    conn = rig.connector(mode="settlement", token_address=None,
                         settlement_address=settlement.address)
    ob = outbound(payee, "20")
    ref = ethereum.settlement_ref(ob.idempotency_key)
    # no lock yet: the operator's settle reverts, final
    with pytest.raises(ConnectorError) as caught:
        await conn.send(ob)
    assert caught.value.code == "ETH.REVERTED" and "not locked" in caught.value.message
    # a lock for another amount: the contract refuses to settle it
    other = outbound(payee, "20")
    await chain.transact(settlement.functions.lock(
        ethereum.settlement_ref(other.idempotency_key), payee, 19_000_000), payer)
    with pytest.raises(ConnectorError) as caught:
        await conn.send(other)
    assert "does not match lock" in caught.value.message
    await chain.transact(settlement.functions.lock(ref, payee, 20_000_000), payer)
    delivery = await conn.send(ob)
    assert delivery.outcome is Outcome.COMPLETED
    assert await rig.balance(payee) == 20_000_000
    assert (await settlement.functions.payments(ref).call())[3] == 2  # Settled


async def test_node_away_is_retryable(rig: Rig, unused_tcp_port: int) -> None:
    w3 = AsyncWeb3(AsyncHTTPProvider(f"http://127.0.0.1:{unused_tcp_port}",
                                     exception_retry_configuration=None))
    conn = ethereum.build("eth", rig.settings(), w3=w3, store=MemoryPendingTxStore(),
                          registry=rig.registry)
    health = await conn.health()
    assert not health.up
    with pytest.raises(ConnectorError) as caught:
        await conn.send(outbound(Account.create().address, "1"))
    assert caught.value.code == "ETH.UNAVAILABLE" and caught.value.retryable
    await conn.close()


async def test_chain_id_mismatch(rig: Rig) -> None:
    conn = rig.connector(chain_id=1)
    with pytest.raises(ConnectorError) as caught:
        await conn.start()
    assert caught.value.code == "ETH.CHAIN_ID" and not caught.value.retryable
    assert not (await conn.health()).up


@pytest.mark.parametrize(("over", "where"), [
    ({"colour": "red"}, "connectors.eth.colour"),
    ({"mode": "bridge"}, "connectors.eth.mode"),
    ({"token_address": None}, "connectors.eth.token_address"),
    ({"token_address": "0x1234"}, "connectors.eth.token_address"),
    ({"confirmations": 0}, "connectors.eth.confirmations"),
    ({"fixed_fee": 0.5}, "connectors.eth.fixed_fee"),
    ({"destinations": {"x": "nope"}}, "connectors.eth.destinations.x"),
])
def test_bad_settings(rig: Rig, over: dict[str, Any], where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        rig.connector(**over)
    assert caught.value.location == where


def test_a_bad_key_never_shows_in_the_error(rig: Rig, tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("0xnot-a-key-but-secret-material")
    with pytest.raises(ConfigError) as caught:
        rig.connector(private_key_file=str(bad))
    assert "secret-material" not in str(caught.value)


def test_spec_is_data(rig: Rig) -> None:
    conn = rig.connector(currencies=["NVCT", "USD"], max_amount="250000", fixed_fee="0.01",
                         bps_fee="1.5", confirmations=2)
    assert conn.spec.rails == ("ethereum",)
    assert conn.spec.currencies == ("NVCT", "USD")
    assert str(conn.spec.max_amount) == "250000" and str(conn.spec.bps_fee) == "1.5"
    assert conn.spec.settlement_seconds == 24


def test_codes_registered() -> None:
    codes = catalogue()
    for code in ("ETH.REVERTED", "ETH.TIMEOUT", "ETH.UNAVAILABLE", "ETH.NONCE"):
        assert code in codes


def test_abi_fragments_match_the_artifacts() -> None:
    for fragments, name in ((ethereum.TOKEN_ABI, "NVCToken"),
                            (ethereum.SETTLEMENT_ABI, "SettlementContract")):
        compiled = {e["name"]: e for e in artifact(name)["abi"] if e.get("type") == "function"}
        for fragment in fragments:
            entry = compiled[fragment["name"]]
            assert [i["type"] for i in entry["inputs"]] == [i["type"] for i in fragment["inputs"]]
            assert [o["type"] for o in entry["outputs"]] == \
                [o["type"] for o in fragment["outputs"]]
            assert entry["stateMutability"] == fragment["stateMutability"]
