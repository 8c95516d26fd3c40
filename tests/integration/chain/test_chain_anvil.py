"""The Ethereum connector end to end against anvil, including a SIGKILL between signing and
confirmation."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from prometheus_client import CollectorRegistry
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.exceptions import TransactionNotFound

from hub.connectors import ethereum
from hub.connectors.base import Outcome
from hub.journal import Journal
from tests.support import ROOT
from tests.unit.chain.chainkit import MINTER_ROLE, artifact
from tests.unit.chain.ethkit import outbound

pytestmark = pytest.mark.slow


@dataclass
class Node:
    url: str
    w3: AsyncWeb3
    admin: str
    token: Any
    hub: Any
    key_file: Path
    journal: Journal
    db: Path

    def settings(self, **over: Any) -> dict[str, Any]:
        return {"rpc_url": self.url, "chain_id": 31337, "mode": "token",
                "token_address": self.token.address, "private_key_file": str(self.key_file),
                "poll_interval": 0.01, "receipt_timeout": 10, **over}

    def connector(self, **over: Any) -> ethereum.EthereumConnector:
        """The connector as a hub process builds it: signed transactions go to the journal."""
        return ethereum.build("eth", self.settings(**over), registry=CollectorRegistry(),
                              tx_journal=self.journal)


@pytest.fixture
async def node(anvil: str, tmp_path: Path) -> AsyncIterator[Node]:
    w3 = AsyncWeb3(AsyncHTTPProvider(anvil))
    admin = (await w3.eth.accounts)[0]
    art = artifact("NVCToken")
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    receipt = await w3.eth.wait_for_transaction_receipt(
        await factory.constructor(admin).transact({"from": admin}))
    token = w3.eth.contract(address=receipt["contractAddress"], abi=art["abi"])
    await w3.eth.wait_for_transaction_receipt(
        await token.functions.grantRole(MINTER_ROLE, admin).transact({"from": admin}))
    hub = Account.create()
    await w3.eth.wait_for_transaction_receipt(
        await token.functions.mint(hub.address, 10**12).transact({"from": admin}))
    await w3.eth.wait_for_transaction_receipt(await w3.eth.send_transaction(
        {"from": admin, "to": hub.address, "value": 10**18}))
    key_file = tmp_path / "eth.key"
    key_file.write_text("0x" + bytes(hub.key).hex())
    db = tmp_path / "hub.db"
    journal = await Journal.open(f"sqlite:///{db}")
    await journal.migrate()
    yield Node(url=anvil, w3=w3, admin=admin, token=token, hub=hub, key_file=key_file,
               journal=journal, db=db)
    await journal.close()
    await w3.provider.disconnect()


async def test_sends_confirm_on_a_real_node(node: Node) -> None:
    conn = node.connector(confirmations=2)
    await conn.start()
    payees = [Account.create().address for _ in range(3)]

    async def mine() -> None:
        while True:
            await asyncio.sleep(0.05)
            await node.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    miner = asyncio.create_task(mine())
    try:
        deliveries = await asyncio.gather(*(conn.send(outbound(p, "1.5")) for p in payees))
    finally:
        miner.cancel()
    assert all(d.outcome is Outcome.COMPLETED for d in deliveries)
    for p in payees:
        assert await node.token.functions.balanceOf(p).call() == 1_500_000
    assert (await conn.health()).up
    await conn.close()


async def test_revert_on_a_real_node_is_final(node: Node) -> None:
    conn = node.connector()
    with pytest.raises(ethereum.ConnectorError) as caught:
        await conn.send(outbound(Account.create().address, "2000000"))  # more than it holds
    assert caught.value.code == "ETH.REVERTED" and "insufficient balance" in caught.value.message
    await conn.close()


CHILD = textwrap.dedent("""
    import asyncio, json, sys
    from decimal import Decimal
    from uuid import UUID
    from prometheus_client import CollectorRegistry
    from hub.connectors import ethereum
    from hub.connectors.base import Outbound
    from hub.journal import Journal
    from hub.model import Kind, Message, Money, Party

    settings, key, payee, db = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    message = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=UUID(key),
                      amount=Money(value=Decimal("3"), currency="NVCT"),
                      creditor=Party(account=payee))
    ob = Outbound(message_id="m-1", idempotency_key=key, format="json", payload=b"{}",
                  message=message)

    async def main():
        journal = await Journal.open(f"sqlite:///{db}")
        conn = ethereum.build("eth", settings, registry=CollectorRegistry(), tx_journal=journal)
        await conn.send(ob)  # waits for a block that only comes after the kill

    asyncio.run(main())
""")


async def test_sigkill_between_signing_and_confirmation_settles_once(node: Node) -> None:
    payee = Account.create().address
    ob = outbound(payee, "3")
    await node.w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    settings = node.settings(receipt_timeout=60)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(settings),
                              ob.idempotency_key, payee, str(node.db)], env=env, cwd=ROOT)
    try:
        tx_hash = None
        for _ in range(400):  # journalled and in the node's pool
            await asyncio.sleep(0.025)
            record = await node.journal.chain_tx("eth", ob.idempotency_key)
            if record is not None:
                tx_hash = record["tx_hash"]
                with contextlib.suppress(TransactionNotFound):  # journalled, not yet broadcast
                    if await node.w3.eth.get_transaction(tx_hash):
                        break
        assert tx_hash is not None and child.poll() is None
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    await node.w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    await node.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    fresh = node.connector(receipt_timeout=60)
    assert await fresh.recover() == 1
    delivery = await fresh.send(ob)
    assert delivery.reference == tx_hash
    other = node.connector(receipt_timeout=60)
    again = await other.send(ob)
    await other.close()
    assert again.reference == tx_hash
    assert await node.token.functions.balanceOf(payee).call() == 3_000_000
    assert await node.w3.eth.get_transaction_count(node.hub.address) == 1
    await fresh.close()


def test_build_script_reproduces_the_committed_artifacts(contracts_dir: Path) -> None:
    node_bin = shutil_which("node")
    if node_bin is None or not (contracts_dir / "node_modules" / "solc").exists():
        pytest.skip("node or contracts/node_modules/solc absent: run `npm ci --prefix contracts`")
    done = subprocess.run([node_bin, "build.js", "--check"], cwd=contracts_dir,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)
