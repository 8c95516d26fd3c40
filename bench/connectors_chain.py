"""Sends per second through the chain connectors, beside the raw client rate in the same run.

    python bench/connectors_chain.py [--n 200] [--anvil PATH] [--journal URL]

Ethereum: the connector (estimate, sign, journal the signed transaction, submit, receipt,
confirmations=1) against eth-tester in process and, when anvil is installed, against anvil on
127.0.0.1; the baseline is web3's raw send_raw_transaction + receipt of pre-signed transfers on
the same chain. XRPL: the connector against the stand-in rippled (ledger closes every 10 ms);
the baseline is xrpl-py's client submitting pre-signed blobs to the same server. Signed
transactions are journalled as in the hub: by default in a fresh SQLite journal (WAL), or in
the journal at --journal (e.g. postgresql://postgres@127.0.0.1:5432/test, in a fresh schema).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eth_account import Account  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402
from web3 import AsyncHTTPProvider, AsyncWeb3  # noqa: E402
from xrpl.asyncio.clients import AsyncJsonRpcClient  # noqa: E402
from xrpl.models.requests import SubmitOnly  # noqa: E402
from xrpl.models.transactions import Payment  # noqa: E402
from xrpl.transaction import sign  # noqa: E402
from xrpl.wallet import Wallet  # noqa: E402

from hub.connectors import ethereum, xrpl  # noqa: E402
from hub.connectors.base import Outbound  # noqa: E402
from hub.connectors.nonces import JournalPendingTxStore  # noqa: E402
from hub.journal import Journal  # noqa: E402
from hub.model import Kind, Message, Money, Party  # noqa: E402
from tests.standins.xrpl import XrplStandIn  # noqa: E402
from tests.unit.chain.chainkit import MINTER_ROLE, artifact, new_chain  # noqa: E402

CONCURRENCY = 8


def outbound(payee: str, amount: str, currency: str) -> Outbound:
    uetr = uuid4()
    message = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=uetr,
                      amount=Money(value=Decimal(amount), currency=currency),
                      creditor=Party(account=payee))
    return Outbound(message_id=str(uetr), idempotency_key=str(uetr), format="json",
                    payload=b"", message=message)


async def gather_limited(jobs: list[Any], limit: int = CONCURRENCY) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(job: Any) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(j) for j in jobs))


async def setup_token(w3: AsyncWeb3, admin: str, hub: Any) -> Any:
    art = artifact("NVCToken")
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    receipt = await w3.eth.wait_for_transaction_receipt(
        await factory.constructor(admin).transact({"from": admin}))
    token = w3.eth.contract(address=receipt["contractAddress"], abi=art["abi"])
    for call in (token.functions.grantRole(MINTER_ROLE, admin),
                 token.functions.mint(hub.address, 10**15)):
        await w3.eth.wait_for_transaction_receipt(await call.transact({"from": admin}))
    await w3.eth.wait_for_transaction_receipt(await w3.eth.send_transaction(
        {"from": admin, "to": hub.address, "value": 10**20}))
    return token


async def eth_rates(w3: AsyncWeb3, chain_id: int, n: int, tmp: Path,
                    journal: Journal) -> tuple[float, float]:
    admin = (await w3.eth.accounts)[0]
    hub, raw_sender = Account.create(), Account.create()
    token = await setup_token(w3, admin, hub)
    await w3.eth.wait_for_transaction_receipt(
        await token.functions.mint(raw_sender.address, 10**15).transact({"from": admin}))
    await w3.eth.wait_for_transaction_receipt(await w3.eth.send_transaction(
        {"from": admin, "to": raw_sender.address, "value": 10**20}))
    payee = Account.create().address
    # baseline: pre-signed transfers, send_raw_transaction + receipt
    block = await w3.eth.get_block("latest")
    data = token.encode_abi("transfer", args=[payee, 1])
    blobs = [raw_sender.sign_transaction({
        "type": 2, "chainId": chain_id, "nonce": i, "to": token.address, "value": 0,
        "data": data, "gas": 80_000, "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 2 * int(block["baseFeePerGas"]) + 10**9}).raw_transaction
        for i in range(n)]
    began = time.perf_counter()
    for blob in blobs:  # nonces must arrive in order
        await w3.eth.wait_for_transaction_receipt(await w3.eth.send_raw_transaction(blob),
                                                  poll_latency=0.001)
    raw = n / (time.perf_counter() - began)
    key = tmp / f"hub-{chain_id}.key"
    key.write_text("0x" + bytes(hub.key).hex())
    conn = ethereum.build("bench", {
        "chain_id": chain_id, "token_address": token.address, "private_key_file": str(key),
        "poll_interval": 0.001}, w3=w3, store=JournalPendingTxStore(journal, f"eth-{chain_id}"),
        registry=CollectorRegistry())
    await conn.start()
    obs = [outbound(payee, "0.01", "NVCT") for _ in range(n)]
    began = time.perf_counter()
    await gather_limited([lambda ob=ob: conn.send(ob) for ob in obs])
    rate = n / (time.perf_counter() - began)
    assert await token.functions.balanceOf(payee).call() == n + n * 10_000
    return rate, raw


async def xrpl_rates(n: int, journal: Journal) -> tuple[float, float]:
    node = XrplStandIn(close_interval=0.01)
    url = await node.start()
    hub, raw_sender = Wallet.create(), Wallet.create()
    node.fund(hub.classic_address, 10**12)
    node.fund(raw_sender.classic_address, 10**12)
    payee = Wallet.create().classic_address
    node.fund(payee, 20_000_000)
    client = AsyncJsonRpcClient(url)
    blobs = [sign(Payment(account=raw_sender.classic_address, destination=payee, amount="1",
                          sequence=i + 1, fee="12"), raw_sender).blob() for i in range(n)]
    began = time.perf_counter()
    for blob in blobs:
        response = await client.request(SubmitOnly(tx_blob=blob))
        assert response.result["engine_result"] == "tesSUCCESS"
    raw = n / (time.perf_counter() - began)
    conn = xrpl.build("bench", {"url": url, "seed": hub.seed, "poll_interval": 0.005,
                                "fee_drops": 12},
                      store=JournalPendingTxStore(journal, "xrpl"),
                      registry=CollectorRegistry())
    obs = [outbound(payee, "0.000001", "XRP") for _ in range(n)]
    began = time.perf_counter()
    await gather_limited([lambda ob=ob: conn.send(ob) for ob in obs])
    rate = n / (time.perf_counter() - began)
    await node.stop()
    return rate, raw


def anvil_path(given: str | None) -> str | None:
    if given:
        return given
    found = sorted((ROOT / "contracts/node_modules/@foundry-rs").glob("anvil-*/bin/anvil"))
    return str(found[0]) if found else shutil.which("anvil")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--anvil")
    parser.add_argument("--journal", help="journal URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        schema = f"bench_{secrets.token_hex(4)}" if args.journal else None
        journal = await Journal.open(args.journal or f"sqlite:///{tmp / 'hub.db'}",
                                     schema=schema, pool_size=CONCURRENCY)
        await journal.migrate()
        try:
            rows = await measure(args, tmp, journal)
        finally:
            if schema is not None:
                async with journal.db.transaction() as c:
                    await c.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await journal.close()
    where = "postgresql" if args.journal else "sqlite"
    print(f"{'peer':<24}{'connector/s':>14}{'raw client/s':>14}{'ratio':>8}   (n={args.n}, "
          f"{CONCURRENCY} concurrent sends, journal={where}, cpu={os.cpu_count()})")
    for name, rate, raw in rows:
        print(f"{name:<24}{rate:>14.1f}{raw:>14.1f}{rate / raw:>8.2f}")


async def measure(args: argparse.Namespace, tmp: Path,
                  journal: Journal) -> list[tuple[str, float, float]]:
    rows: list[tuple[str, float, float]] = []
    chain = new_chain()
    rows.append(("ethereum / eth-tester", *await eth_rates(chain.w3, 131277322940537,
                                                           args.n, tmp, journal)))
    binary = anvil_path(args.anvil)
    if binary:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(port),
                                 "--silent"], stdout=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    await asyncio.sleep(0.05)
            w3 = AsyncWeb3(AsyncHTTPProvider(f"http://127.0.0.1:{port}"))
            rows.append(("ethereum / anvil", *await eth_rates(w3, 31337, args.n, tmp,
                                                              journal)))
            await w3.provider.disconnect()
        finally:
            proc.terminate()
            proc.wait()
    else:
        print("anvil not found: run `npm ci --prefix contracts`", file=sys.stderr)
    rows.append(("xrpl / stand-in", *await xrpl_rates(args.n, journal)))
    return rows


if __name__ == "__main__":
    asyncio.run(main())
