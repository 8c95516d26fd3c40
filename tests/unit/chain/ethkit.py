"""An Ethereum connector wired to an in-process chain with a funded hub account, recording its
signed transactions in a SQLite journal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

from eth_account import Account
from prometheus_client import CollectorRegistry

from hub.connectors import ethereum
from hub.connectors.base import Outbound
from hub.connectors.nonces import JournalPendingTxStore, PendingTxStore
from hub.journal import Journal
from hub.model import Kind, Message, Money, Party
from tests.unit.chain.chainkit import Chain, token_with_minter

CHAIN_ID = 131277322940537  # eth-tester's default


@dataclass
class Rig:
    chain: Chain
    token: Any
    hub: Any  # eth_account LocalAccount
    key_file: Path
    journal: Journal
    registry: CollectorRegistry

    def settings(self, **over: Any) -> dict[str, Any]:
        base: dict[str, Any] = {"chain_id": CHAIN_ID, "mode": "token",
                                "token_address": self.token.address,
                                "private_key_file": str(self.key_file), "poll_interval": 0.005,
                                "receipt_timeout": 5}
        return {**base, **over}

    def connector(self, store: PendingTxStore | None = None,
                  **over: Any) -> ethereum.EthereumConnector:
        return ethereum.build("eth", self.settings(**over), w3=self.chain.w3,
                              store=store or self.store(),
                              registry=self.registry)

    def store(self) -> JournalPendingTxStore:
        """The journal's store, as a fresh hub process would open it."""
        return JournalPendingTxStore(self.journal, "eth")

    async def balance(self, address: str) -> int:
        return int(await self.token.functions.balanceOf(address).call())


async def make_rig(chain: Chain, tmp: Path, journal: Journal, *,
                   nvct: int = 1_000_000_000) -> Rig:
    token = await token_with_minter(chain)
    hub = Account.create()
    key_file = tmp / "eth.key"
    key_file.write_text("0x" + bytes(hub.key).hex() + "\n")
    await chain.fund(hub.address)
    await chain.transact(token.functions.mint(hub.address, nvct), chain.accounts[0])
    return Rig(chain=chain, token=token, hub=hub, key_file=key_file, journal=journal,
               registry=CollectorRegistry())


def outbound(payee: str | None, amount: str = "12.345678", currency: str = "NVCT",
             key: str | None = None) -> Outbound:
    uetr = uuid4()
    message = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=uetr,
                      amount=Money(value=Decimal(amount), currency=currency),
                      creditor=Party(name="Payee", account=payee))
    return Outbound(message_id=f"m-{uetr}", idempotency_key=key or str(uetr), format="json",
                    payload=b"{}", message=message)
