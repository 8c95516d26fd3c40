"""Ethereum: settle a routed payment on chain, exactly once.

Two modes. `token`: an NVCToken (ERC-20) transfer from the hub's account to the creditor's
address. `settlement`: the hub, as operator of a SettlementContract, calls
`settle(ref, payee, amount)` on a lock that the payer made under `ref = keccak256(key)`, where
`key` is the outbound's idempotency key (its UETR); the contract refuses a lock that differs.

Transactions are EIP-1559, signed here with a key read from a secret (never an account held by
the node). Before a signed transaction is submitted it is written to the PendingTxStore; `send`
for a key already there follows that transaction (receipt lookup, rebroadcast of the same bytes)
instead of signing a new one, so a crash or a retry can never pay twice. Nonces come from a
local allocator (concurrent sends) seeded from the node and from the store (restarts).

Outcomes: confirmed with status 1 -> Delivery(COMPLETED, reference=tx hash); a revert (in the
pre-flight estimate or mined with status 0) -> ConnectorError ETH.REVERTED, final; node down,
not confirmed in time, nonce taken -> retryable errors. See docs/chain.md for every setting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from eth_account import Account
from eth_typing import ChecksumAddress, HexStr
from eth_utils import is_address, keccak, to_checksum_address
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.exceptions import ContractLogicError, TransactionNotFound

from hub import secrets
from hub.connectors.base import (
    ConnectorSpec,
    Delivery,
    Health,
    Outbound,
    Outcome,
    setting_decimal,
    setting_int,
)
from hub.connectors.nonces import (
    VOID,
    KeyTaken,
    NonceAllocator,
    NonceTaken,
    PendingTx,
    PendingTxStore,
    journal_store,
    record_signed,
)
from hub.errors import ConfigError, ConnectorError, register

log = logging.getLogger(__name__)

register({
    "ETH.REVERTED": "the transaction reverted",
    "ETH.TIMEOUT": "the transaction was not confirmed in time",
    "ETH.UNAVAILABLE": "the Ethereum node cannot be reached",
    "ETH.NONCE": "the transaction's nonce was used by another transaction",
    "ETH.REJECTED": "the Ethereum node refused the transaction",
    "ETH.CHAIN_ID": "the node serves another chain than configured",
    "ETH.DESTINATION": "no Ethereum address for the creditor",
    "ETH.CURRENCY": "currency not carried by this connector",
    "ETH.AMOUNT": "amount missing, zero, too large or finer than the token allows",
})

# The contract functions and events the connector uses (a subset of contracts/build/*.json;
# a test checks that they match the committed artifacts).
TOKEN_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": "transfer", "stateMutability": "nonpayable",
     "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
    {"type": "function", "name": "decimals", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "uint8"}]},
    {"type": "function", "name": "balanceOf", "stateMutability": "view",
     "inputs": [{"name": "", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]},
]
SETTLEMENT_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": "settle", "stateMutability": "nonpayable",
     "inputs": [{"name": "ref", "type": "bytes32"}, {"name": "payee", "type": "address"},
                {"name": "amount", "type": "uint256"}], "outputs": []},
    {"type": "function", "name": "token", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "address"}]},
]
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
SETTLED_TOPIC = "0x" + keccak(text="Settled(bytes32,address,uint256)").hex()

MODES = ("token", "settlement")
DEFAULTS: dict[str, Any] = {
    "mode": "token",
    "confirmations": 1,
    "poll_interval": 1.0,
    "receipt_timeout": 120.0,
    "rpc_timeout": 10.0,
    "gas_limit": None,
    "gas_multiplier": "1.2",
    "max_priority_fee_gwei": "1",
    "max_fee_gwei": None,
    "currencies": ["NVCT"],
    "max_amount": None,
    "settlement_seconds": None,
    "fixed_fee": "0",
    "bps_fee": "0",
    "destinations": {},
    "token_address": None,
    "settlement_address": None,
    "rpc_url": None,
}
KNOWN = {*DEFAULTS, "chain_id", "private_key", "private_key_file", "private_key_env", "type"}


@dataclass(frozen=True, kw_only=True, slots=True)
class EthSettings:
    rpc_url: str | None
    chain_id: int
    mode: str
    token_address: ChecksumAddress | None
    settlement_address: ChecksumAddress | None
    confirmations: int
    poll_interval: float
    receipt_timeout: float
    rpc_timeout: float
    gas_limit: int | None
    gas_multiplier: Decimal
    max_priority_fee_wei: int
    max_fee_wei: int | None
    destinations: Mapping[str, ChecksumAddress]
    spec: ConnectorSpec

    @classmethod
    def parse(cls, name: str, raw: Mapping[str, Any]) -> EthSettings:
        where = f"connectors.{name}"
        unknown = sorted(set(raw) - KNOWN)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting", code="CONFIG.UNKNOWN_KEY",
                              location=f"{where}.{unknown[0]}")
        s = {**DEFAULTS, **raw}
        if "chain_id" not in s:
            raise ConfigError(f"{where}.chain_id: required", location=f"{where}.chain_id")
        mode = str(s["mode"])
        if mode not in MODES:
            raise ConfigError(f"{where}.mode: one of {', '.join(MODES)}", location=f"{where}.mode")
        needed = "token_address" if mode == "token" else "settlement_address"
        if not s[needed]:
            raise ConfigError(f"{where}.{needed}: required in {mode} mode",
                              location=f"{where}.{needed}")
        confirmations = setting_int(s["confirmations"], f"{where}.confirmations")
        if confirmations < 1:
            raise ConfigError(f"{where}.confirmations: at least 1",
                              location=f"{where}.confirmations")
        destinations = {str(k): _address(v, f"{where}.destinations.{k}")
                        for k, v in dict(s["destinations"]).items()}
        max_fee = s["max_fee_gwei"]
        spec = ConnectorSpec(
            rails=("ethereum",),
            formats=("json",),
            currencies=tuple(str(c) for c in s["currencies"]),
            max_amount=None if s["max_amount"] is None else setting_decimal(s["max_amount"],
                                                                 f"{where}.max_amount"),
            settlement_seconds=(setting_int(s["settlement_seconds"], f"{where}.settlement_seconds")
                                if s["settlement_seconds"] is not None else 12 * confirmations),
            fixed_fee=setting_decimal(s["fixed_fee"], f"{where}.fixed_fee"),
            bps_fee=setting_decimal(s["bps_fee"], f"{where}.bps_fee"),
        )
        return cls(
            rpc_url=None if s["rpc_url"] is None else str(s["rpc_url"]),
            chain_id=setting_int(s["chain_id"], f"{where}.chain_id"),
            mode=mode,
            token_address=(None if not s["token_address"]
                           else _address(s["token_address"], f"{where}.token_address")),
            settlement_address=(None if not s["settlement_address"]
                                else _address(s["settlement_address"],
                                              f"{where}.settlement_address")),
            confirmations=confirmations,
            poll_interval=float(s["poll_interval"]),
            receipt_timeout=float(s["receipt_timeout"]),
            rpc_timeout=float(s["rpc_timeout"]),
            gas_limit=None if s["gas_limit"] is None else setting_int(s["gas_limit"],
                                                               f"{where}.gas_limit"),
            gas_multiplier=setting_decimal(s["gas_multiplier"], f"{where}.gas_multiplier"),
            max_priority_fee_wei=_gwei(s["max_priority_fee_gwei"],
                                       f"{where}.max_priority_fee_gwei"),
            max_fee_wei=None if max_fee is None else _gwei(max_fee, f"{where}.max_fee_gwei"),
            destinations=destinations,
            spec=spec,
        )


def _gwei(value: Any, where: str) -> int:
    return int(setting_decimal(value, where).scaleb(9))


def _address(value: Any, where: str) -> ChecksumAddress:
    if not isinstance(value, str) or not is_address(value):
        raise ConfigError(f"{where}: not an Ethereum address", location=where)
    return to_checksum_address(value)


# Metrics: declared once per registry, labelled by connector name.
_METRICS: weakref.WeakKeyDictionary[CollectorRegistry, _Metrics] = weakref.WeakKeyDictionary()


class _Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sends = Counter("hub_eth_sends", "Ethereum sends by result", ["connector", "result"],
                             registry=registry)
        self.seconds = Histogram("hub_eth_send_seconds", "Ethereum send to confirmation",
                                 ["connector"], registry=registry,
                                 buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30, 60, 120, 300))
        self.pending = Gauge("hub_eth_pending", "signed transactions awaiting a final result",
                             ["connector"], registry=registry)
        self.block = Gauge("hub_eth_block", "latest block number seen", ["connector"],
                           registry=registry)

    @classmethod
    def on(cls, registry: CollectorRegistry) -> _Metrics:
        if registry not in _METRICS:
            _METRICS[registry] = cls(registry)
        return _METRICS[registry]


T = TypeVar("T")


def _is_revert(exc: BaseException) -> bool:
    # web3 raises ContractLogicError for a JSON-RPC revert; in-process backends raise their own
    # exception type whose text carries the EVM's "execution reverted".
    return isinstance(exc, ContractLogicError) or "execution reverted" in str(exc).lower() \
        or "revert" in type(exc).__name__.lower() or type(exc).__name__ == "TransactionFailed"


def _revert_reason(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc)
    return text.removeprefix("execution reverted: ").removeprefix("execution reverted:").strip()


def _is_unreachable(exc: BaseException) -> bool:
    import aiohttp
    from web3.exceptions import ProviderConnectionError, TimeExhausted

    return isinstance(exc, OSError | TimeoutError | aiohttp.ClientError |
                      ProviderConnectionError | TimeExhausted)


class EthereumConnector:
    """Sends token transfers or settlement calls; see the module docstring."""

    def __init__(self, name: str, settings: EthSettings, *, w3: AsyncWeb3, store: PendingTxStore,
                 key: secrets.Secret, registry: CollectorRegistry,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.name = name
        self.settings = settings
        self.spec = settings.spec
        self.w3 = w3
        self.store = store
        self._sleep = sleep
        try:
            self._account = Account.from_key(key.reveal())
        except Exception:  # the key must not reach a log or an error text
            raise ConfigError(f"connectors.{name}.private_key: not a valid secp256k1 key",
                              location=f"connectors.{name}.private_key") from None
        self.address: ChecksumAddress = self._account.address
        self._nonces = NonceAllocator()
        self._metrics = _Metrics.on(registry)
        self._decimals: int | None = None
        self._token: ChecksumAddress | None = settings.token_address
        self._started = False

    # --- lifecycle ---

    async def start(self) -> None:
        chain_id = await self._rpc(self.w3.eth.chain_id)
        if chain_id != self.settings.chain_id:
            raise ConnectorError(
                f"node at chain id {chain_id}, configured {self.settings.chain_id}",
                code="ETH.CHAIN_ID", retryable=False)
        if self.settings.mode == "settlement":
            assert self.settings.settlement_address is not None
            contract = self.w3.eth.contract(address=self.settings.settlement_address,
                                            abi=SETTLEMENT_ABI)
            self._token = await self._rpc(contract.functions.token().call())
        assert self._token is not None
        token = self.w3.eth.contract(address=self._token, abi=TOKEN_ABI)
        self._decimals = int(await self._rpc(token.functions.decimals().call()))
        await self.recover()
        self._started = True

    async def recover(self) -> int:
        """Rebroadcast every signed transaction the store holds without a final result, so that
        a restart leaves no nonce gap; returns how many were pending."""
        pending = await self.store.pending()
        self._metrics.pending.labels(self.name).set(len(pending))
        for record in pending:
            self._nonces.seed(record.nonce)
            if await self._receipt(record.tx_hash) is None:
                try:
                    await self._broadcast(record, fresh=False)
                except ConnectorError as exc:
                    log.warning("rebroadcast failed", extra={
                        "action": "eth.recover", "key": record.key, "code": exc.code})
        return len(pending)

    async def close(self) -> None:
        provider = self.w3.provider
        disconnect = getattr(provider, "disconnect", None)
        if disconnect is not None:
            await disconnect()

    async def health(self) -> Health:
        try:
            chain_id = await self._rpc(self.w3.eth.chain_id)
            block = await self._rpc(self.w3.eth.block_number)
        except ConnectorError as exc:
            return Health(up=False, detail=exc.message)
        self._metrics.block.labels(self.name).set(block)
        if chain_id != self.settings.chain_id:
            return Health(up=False, detail=f"chain id {chain_id}, configured "
                                           f"{self.settings.chain_id}")
        pending = len(await self.store.pending())
        return Health(up=True, detail=f"block {block}, {pending} pending")

    # --- sending ---

    async def send(self, outbound: Outbound) -> Delivery:
        if not self._started:
            await self.start()
        began = time.monotonic()
        try:
            delivery = await self._send(outbound)
        except ConnectorError as exc:
            result = "final_failure" if not exc.retryable else "retry"
            self._metrics.sends.labels(self.name, result).inc()
            raise
        self._metrics.sends.labels(self.name, "completed").inc()
        self._metrics.seconds.labels(self.name).observe(time.monotonic() - began)
        return delivery

    async def _send(self, outbound: Outbound) -> Delivery:
        key = outbound.idempotency_key
        record = await self.store.get(key)
        if record is not None and record.is_final:
            return _replay(record)
        if record is not None and record.is_pending:
            return await self._follow(record)
        to, data = self._call(outbound)
        gas = await self._estimate(to, data)
        fees = await self._fees()
        async with self._nonces.lock:
            chain_next = await self._rpc(
                self.w3.eth.get_transaction_count(self.address, "pending"))
            meta = {"message_id": outbound.message_id, "to": to}

            def signer(nonce: int) -> tuple[str, str, Mapping[str, Any]]:
                signed = self._account.sign_transaction({
                    "type": 2, "chainId": self.settings.chain_id, "nonce": nonce, "to": to,
                    "value": 0, "data": data, "gas": gas, **fees})
                return ("0x" + bytes(signed.raw_transaction).hex(),
                        "0x" + bytes(signed.hash).hex(), meta)

            try:
                record, ours = await record_signed(self.store, self._nonces, key, chain_next,
                                                   signer)
            except (KeyTaken, NonceTaken) as exc:
                raise ConnectorError(f"not journalled now: {exc}", code="ETH.NONCE",
                                     retryable=True) from None
        if not ours:  # another hub process journalled this payment first: follow it
            return _replay(record) if record.is_final else await self._follow(record)
        log.info("signed", extra={"action": "eth.signed", "message_id": outbound.message_id,
                                  "key": key, "tx_hash": record.tx_hash, "nonce": record.nonce})
        return await self._follow(record, fresh=True)

    def _call(self, outbound: Outbound) -> tuple[ChecksumAddress, str]:
        """(contract address, call data) for the instruction; ConnectorError when it cannot be
        carried (final)."""
        message = outbound.message
        amount = message.amount
        if amount is None or amount.value <= 0:
            raise ConnectorError("no positive amount to settle", code="ETH.AMOUNT",
                                 retryable=False, location="amount.value")
        if self.spec.currencies and amount.currency not in self.spec.currencies:
            raise ConnectorError(f"{amount.currency} is not carried (only "
                                 f"{', '.join(self.spec.currencies)})", code="ETH.CURRENCY",
                                 retryable=False, location="amount.currency")
        if self.spec.max_amount is not None and amount.value > self.spec.max_amount:
            raise ConnectorError(f"{amount} exceeds the limit {self.spec.max_amount}",
                                 code="ETH.AMOUNT", retryable=False, location="amount.value")
        units = self.units(amount.value)
        payee = self.destination(outbound)
        if self.settings.mode == "token":
            assert self._token is not None
            token = self.w3.eth.contract(address=self._token, abi=TOKEN_ABI)
            return self._token, token.encode_abi("transfer", args=[payee, units])
        assert self.settings.settlement_address is not None
        settlement = self.w3.eth.contract(address=self.settings.settlement_address,
                                          abi=SETTLEMENT_ABI)
        return self.settings.settlement_address, settlement.encode_abi(
            "settle", args=[settlement_ref(outbound.idempotency_key), payee, units])

    def units(self, value: Decimal) -> int:
        """A Decimal amount in token base units (10**decimals per unit); exact or refused."""
        assert self._decimals is not None, "start() reads the token's decimals"
        scaled = value.scaleb(self._decimals)
        if scaled != scaled.to_integral_value():
            raise ConnectorError(f"{value} is finer than the token's {self._decimals} decimals",
                                 code="ETH.AMOUNT", retryable=False, location="amount.value")
        return int(scaled)

    def destination(self, outbound: Outbound) -> ChecksumAddress:
        """The creditor's address: creditor.account when it is one, else the destinations map
        (by creditor account, then creditor agent BIC)."""
        creditor = outbound.message.creditor
        account = creditor.account if creditor else None
        if account and is_address(account):
            return to_checksum_address(account)
        agent = outbound.message.creditor_agent
        for k in (account, agent.bic if agent else None):
            if k and k in self.settings.destinations:
                return self.settings.destinations[k]
        raise ConnectorError("the creditor has no Ethereum address (creditor.account or a "
                             "destinations entry)", code="ETH.DESTINATION", retryable=False,
                             location="creditor.account")

    async def _estimate(self, to: str, data: str) -> int:
        """Gas for the call; a revert here is final and costs no nonce."""
        tx = {"from": self.address, "to": to, "data": data, "value": 0}
        try:
            estimate = await self.w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
        except Exception as exc:
            if _is_revert(exc):
                raise ConnectorError(f"reverted: {_revert_reason(exc)}", code="ETH.REVERTED",
                                     retryable=False) from None
            raise self._unavailable(exc) from None
        if self.settings.gas_limit is not None:
            return self.settings.gas_limit
        return int(Decimal(estimate) * self.settings.gas_multiplier)

    async def _fees(self) -> dict[str, int]:
        block = await self._rpc(self.w3.eth.get_block("latest"))
        base = int(block.get("baseFeePerGas") or 0)
        tip = self.settings.max_priority_fee_wei
        cap = 2 * base + tip
        if self.settings.max_fee_wei is not None:
            cap = min(cap, self.settings.max_fee_wei)
        return {"maxFeePerGas": max(cap, tip), "maxPriorityFeePerGas": tip}

    async def _follow(self, record: PendingTx, *, fresh: bool = False) -> Delivery:
        """Drive a recorded transaction to a final result: look it up, (re)broadcast the same
        bytes if the node does not know it, wait for the confirmations."""
        if fresh or await self._receipt(record.tx_hash) is None:
            await self._broadcast(record, fresh=fresh)
        receipt = await self._wait(record)
        return await self._finish(record, receipt)

    async def _broadcast(self, record: PendingTx, *, fresh: bool) -> None:
        try:
            await self.w3.eth.send_raw_transaction(HexStr(record.signed_blob))
        except Exception as exc:
            text = str(exc).lower()
            if "already known" in text or "known transaction" in text:
                return  # in the node's pool
            if _is_unreachable(exc):
                raise self._unavailable(exc) from None
            # Messages differ between nodes; the chain's own count says whether the nonce is gone.
            if await self._receipt(record.tx_hash) is not None:
                return  # ours was mined meanwhile
            mined = await self._rpc(self.w3.eth.get_transaction_count(self.address, "latest"))
            if mined > record.nonce:
                await self._void(record, "nonce used by another transaction")
                raise ConnectorError(f"nonce {record.nonce} was used by another transaction; "
                                     "the payment will be signed anew", code="ETH.NONCE",
                                     retryable=True) from None
            if fresh:
                # The only node we talk to refused it: it was never broadcast, so the payment
                # may be signed again with a fresh nonce.
                await self._void(record, f"refused by the node: {exc}")
            raise ConnectorError(f"the node refused the transaction: {exc}",
                                 code="ETH.REJECTED", retryable=True) from None

    async def _void(self, record: PendingTx, reason: str) -> None:
        await self.store.mark_final(record.key, {"outcome": VOID, "reason": reason})
        self._nonces.reset()

    async def _receipt(self, tx_hash: str) -> Any:
        try:
            return await self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None
        except Exception as exc:
            if "not found" in str(exc).lower() or "unknown transaction" in str(exc).lower():
                return None
            raise self._unavailable(exc) from None

    async def _wait(self, record: PendingTx) -> Any:
        deadline = time.monotonic() + self.settings.receipt_timeout
        while True:
            receipt = await self._receipt(record.tx_hash)
            if receipt is not None:
                head = await self._rpc(self.w3.eth.block_number)
                self._metrics.block.labels(self.name).set(head)
                if head - int(receipt["blockNumber"]) + 1 >= self.settings.confirmations:
                    again = await self._receipt(record.tx_hash)  # still in the same block?
                    if again is not None and again["blockHash"] == receipt["blockHash"]:
                        return again
            else:
                mined = await self._rpc(
                    self.w3.eth.get_transaction_count(self.address, "latest"))
                if mined > record.nonce and await self._receipt(record.tx_hash) is None:
                    await self._void(record, "nonce used by another transaction")
                    raise ConnectorError(f"nonce {record.nonce} was used by another "
                                         "transaction; the payment will be signed anew",
                                         code="ETH.NONCE", retryable=True)
            if time.monotonic() >= deadline:
                await self._fill_gaps(record)
                raise ConnectorError(
                    f"{record.tx_hash} not confirmed {self.settings.confirmations} times within "
                    f"{self.settings.receipt_timeout:g} s", code="ETH.TIMEOUT", retryable=True)
            await self._sleep(self.settings.poll_interval)

    async def _fill_gaps(self, record: PendingTx) -> None:
        """A transaction that does not get mined may wait behind a lower nonce that never reached
        the node: rebroadcast those."""
        for other in await self.store.pending():
            if other.nonce < record.nonce and await self._receipt(other.tx_hash) is None:
                with contextlib.suppress(ConnectorError):
                    await self._broadcast(other, fresh=False)

    async def _finish(self, record: PendingTx, receipt: Any) -> Delivery:
        detail = {"tx_hash": record.tx_hash, "block_number": int(receipt["blockNumber"]),
                  "block_hash": "0x" + bytes(receipt["blockHash"]).hex(),
                  "gas_used": int(receipt["gasUsed"]), "nonce": record.nonce,
                  "confirmations": self.settings.confirmations}
        if int(receipt["status"]) != 1:
            reason = await self._replay_reason(record, receipt)
            await self.store.mark_final(record.key, {
                "outcome": "failed", "code": "ETH.REVERTED", "reason": reason, "detail": detail})
            raise ConnectorError(f"reverted: {reason}", code="ETH.REVERTED", retryable=False)
        if not self._emitted(receipt):
            await self.store.mark_final(record.key, {
                "outcome": "failed", "code": "LINK.INTEGRITY",
                "reason": "no matching Transfer/Settled event", "detail": detail})
            raise ConnectorError("the receipt carries no event matching the instruction",
                                 code="LINK.INTEGRITY", retryable=False)
        await self.store.mark_final(record.key, {"outcome": "completed", "detail": detail})
        log.info("confirmed", extra={"action": "eth.confirmed", "key": record.key,
                                     "tx_hash": record.tx_hash})
        return Delivery(outcome=Outcome.COMPLETED, reference=record.tx_hash, detail=detail)

    def _emitted(self, receipt: Any) -> bool:
        """The receipt's logs hold the event the instruction implies (fails closed)."""
        topic = TRANSFER_TOPIC if self.settings.mode == "token" else SETTLED_TOPIC
        source = self._token if self.settings.mode == "token" else self.settings.settlement_address
        for entry in receipt["logs"]:
            topics = ["0x" + bytes(t).hex() for t in entry["topics"]]
            if topics and topics[0] == topic and entry["address"] == source:
                return True
        return False

    async def _replay_reason(self, record: PendingTx, receipt: Any) -> str:
        """The revert reason, by re-running the call on the state before its block."""
        to = record.meta.get("to")
        tx = await self._rpc(self.w3.eth.get_transaction(record.tx_hash))  # type: ignore[arg-type]
        try:
            await self.w3.eth.call({"from": self.address, "to": to or tx["to"],
                                    "data": tx["input"], "gas": tx["gas"]},
                                   int(receipt["blockNumber"]) - 1)
        except Exception as exc:
            if _is_revert(exc):
                return _revert_reason(exc) or "reverted"
        return "reverted (status 0)"

    async def _rpc(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except Exception as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: BaseException) -> ConnectorError:
        if isinstance(exc, ConnectorError):
            return exc
        return ConnectorError(f"Ethereum node unavailable: {type(exc).__name__}: {exc}",
                              code="ETH.UNAVAILABLE", retryable=True)


def settlement_ref(key: str) -> bytes:
    """The SettlementContract reference of a payment: keccak256 of its idempotency key."""
    return keccak(text=key)


def _replay(record: PendingTx) -> Delivery:
    result = record.result or {}
    if result.get("outcome") == "completed":
        return Delivery(outcome=Outcome.COMPLETED, reference=record.tx_hash,
                        detail=dict(result.get("detail") or {}))
    code = str(result.get("code") or "ETH.REVERTED")
    raise ConnectorError(f"already final: {result.get('reason', 'failed')}", code=code,
                         retryable=False)


def build(name: str, settings: Mapping[str, Any], **deps: Any) -> EthereumConnector:
    """The connector for one `[connectors.<name>]` table.

    deps: `w3` (an AsyncWeb3; default: HTTP to rpc_url), `store` (a PendingTxStore; default: the
    journal's, from `tx_journal`, which the hub passes), `registry` (a prometheus
    CollectorRegistry; default: a private one), `sleep` (for tests).
    """
    parsed = EthSettings.parse(name, settings)
    key = secrets.read(settings, "private_key", where=f"connectors.{name}")
    assert key is not None
    w3 = deps.get("w3")
    if w3 is None:
        if parsed.rpc_url is None:
            raise ConfigError(f"connectors.{name}.rpc_url: required",
                              location=f"connectors.{name}.rpc_url")
        import aiohttp
        from web3.providers.rpc.utils import ExceptionRetryConfiguration

        # One quick retry for a pooled keep-alive connection the node closed; retries beyond
        # that belong to the dispatcher. Resending eth_sendRawTransaction repeats the same bytes.
        retry = ExceptionRetryConfiguration(
            errors=(aiohttp.ClientOSError, aiohttp.ServerDisconnectedError), retries=1,
            backoff_factor=0.01)
        provider = AsyncHTTPProvider(
            parsed.rpc_url, exception_retry_configuration=retry,
            request_kwargs={"timeout": aiohttp.ClientTimeout(total=parsed.rpc_timeout)})
        w3 = AsyncWeb3(provider)
    store = deps.get("store") or journal_store(name, deps.get("tx_journal"))
    registry = deps.get("registry") or CollectorRegistry()
    kwargs: dict[str, Any] = {}
    if "sleep" in deps:
        kwargs["sleep"] = deps["sleep"]
    return EthereumConnector(name, parsed, w3=w3, store=store, key=key, registry=registry,
                             **kwargs)

