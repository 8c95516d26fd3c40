"""Deploying and calling the hub's contracts on an in-process chain (eth-tester, py-evm)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_account import Account
from web3 import AsyncWeb3
from web3.providers.eth_tester import AsyncEthereumTesterProvider

from tests.support import ROOT

BUILD = ROOT / "contracts" / "build"
SOURCES = ROOT / "contracts" / "src"
CONTRACTS = ("NVCToken", "SettlementContract", "MultiSigWallet")
MINTER_ROLE = AsyncWeb3.keccak(text="MINTER_ROLE")
PAUSER_ROLE = AsyncWeb3.keccak(text="PAUSER_ROLE")
ADMIN_ROLE = b"\x00" * 32
ONE_ETH = 10**18


@cache
def artifact(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BUILD / f"{name}.json").read_text("utf-8"))
    return data


@dataclass
class Chain:
    w3: AsyncWeb3
    provider: AsyncEthereumTesterProvider
    accounts: list[str]

    @property
    def tester(self) -> Any:
        return self.provider.ethereum_tester

    async def deploy(self, name: str, *args: Any, sender: str | None = None) -> Any:
        art = artifact(name)
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        tx_hash = await factory.constructor(*args).transact({"from": sender or self.accounts[0]})
        receipt = await self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, f"{name} deployment failed"
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=art["abi"])

    async def transact(self, call: Any, sender: str) -> Any:
        tx_hash = await call.transact({"from": sender})
        return await self.w3.eth.wait_for_transaction_receipt(tx_hash)

    async def fund(self, address: str, wei: int = ONE_ETH) -> None:
        tx_hash = await self.w3.eth.send_transaction(
            {"from": self.accounts[0], "to": address, "value": wei})
        await self.w3.eth.wait_for_transaction_receipt(tx_hash)


def new_chain() -> Chain:
    provider = AsyncEthereumTesterProvider()
    w3 = AsyncWeb3(provider)
    accounts = list(provider.ethereum_tester.get_accounts())
    return Chain(w3=w3, provider=provider, accounts=accounts)


async def token_with_minter(chain: Chain) -> Any:
    """An NVCToken whose admin, minter and pauser is accounts[0]."""
    admin = chain.accounts[0]
    token = await chain.deploy("NVCToken", admin)
    await chain.transact(token.functions.grantRole(MINTER_ROLE, admin), admin)
    await chain.transact(token.functions.grantRole(PAUSER_ROLE, admin), admin)
    return token


def hub_account() -> Any:
    return Account.create()


async def reverts(call: Any, sender: str) -> str:
    """The revert reason of a call that must revert (run as eth_call from `sender`)."""
    try:
        if hasattr(call, "call"):
            await call.call({"from": sender})
        else:  # a constructor: estimating its deployment runs it
            await call.estimate_gas({"from": sender})
    except Exception as exc:  # the in-process backend raises its own TransactionFailed
        text = str(exc)
        assert "execution reverted" in text, text
        return text.split("execution reverted:", 1)[-1].strip()
    raise AssertionError("the call did not revert")
