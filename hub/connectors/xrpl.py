"""XRP Ledger: XRP and issued-currency payments, signed here, validated, never submitted twice.

A payment is built with an explicit Sequence (from a local allocator seeded by account_info, so
concurrent sends do not collide), Fee and LastLedgerSequence, signed locally with a wallet from a
secret seed (ed25519 or secp256k1), and its blob and hash are written to the PendingTxStore
before the first submit. `send` for a key already journalled looks the hash up (tx with
min_ledger/max_ledger) instead of signing again; only when the ledger proves the transaction can
never be included (searched_all past its LastLedgerSequence, tefMAX_LEDGER, or its Sequence used
by another transaction) is the record voided and the payment signed anew.

Result codes (rippled's TER families) map to hub outcomes:
    tesSUCCESS validated      -> Delivery(COMPLETED, reference=hash)
    tec*  validated           -> ConnectorError XRPL.<code>, final (fee claimed, no payment)
    tem*, tef*                -> ConnectorError XRPL.<code>, final
    tefPAST_SEQ, tefMAX_LEDGER -> retryable: this blob can never apply, the payment is re-signed
    ter*, tel*                -> retryable (the blob is kept and resubmitted)
    node down, not validated before the timeout -> retryable
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from xrpl.asyncio.clients import AsyncJsonRpcClient
from xrpl.asyncio.clients.exceptions import XRPLRequestFailureException
from xrpl.constants import CryptoAlgorithm
from xrpl.core.addresscodec import (
    is_valid_classic_address,
    is_valid_xaddress,
    xaddress_to_classic_address,
)
from xrpl.models.amounts import IssuedCurrencyAmount
from xrpl.models.exceptions import XRPLModelException
from xrpl.models.requests import AccountInfo, Fee, ServerInfo, SubmitOnly, Tx
from xrpl.models.requests.request import Request
from xrpl.models.transactions import Memo, Payment
from xrpl.transaction import sign
from xrpl.wallet import Wallet

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
from hub.model import Money

log = logging.getLogger(__name__)


def _result_names() -> list[str]:
    # rippled's transaction result names, as shipped in xrpl-py's binary codec definitions.
    text = resources.files("xrpl.core.binarycodec.definitions").joinpath(
        "definitions.json").read_text("utf-8")
    return sorted(json.loads(text)["TRANSACTION_RESULTS"])


FAMILIES = {
    "tes": "transaction applied",
    "tec": "failed; the fee was claimed",
    "tef": "failed; cannot apply",
    "tem": "malformed transaction",
    "ter": "not applied; may succeed later",
    "tel": "refused by the local server",
}
RESULTS = [r for r in _result_names() if r[:3] in FAMILIES]
FINAL_BUT_RESIGNABLE = {"tefPAST_SEQ", "tefMAX_LEDGER"}
RETRYABLE_RPC_ERRORS = {"tooBusy", "noNetwork", "noCurrent", "noClosed", "slowDown", "internal",
                        "notReady", "amendmentBlocked", "actNotFound"}

register({f"XRPL.{r}": FAMILIES[r[:3]] for r in RESULTS})
register({
    "XRPL.RPC": "the XRPL server answered with an error",
    "XRPL.UNAVAILABLE": "the XRPL server cannot be reached",
    "XRPL.TIMEOUT": "the transaction was not validated in time",
    "XRPL.EXPIRED": "LastLedgerSequence passed without the transaction",
    "XRPL.DESTINATION": "no XRPL address for the creditor",
    "XRPL.CURRENCY": "currency not carried by this connector",
    "XRPL.AMOUNT": "amount missing, zero or too large",
    "XRPL.SEQUENCE": "no Sequence could be journalled now (held by pending transactions)",
})

DEFAULTS: dict[str, Any] = {
    "url": None,
    "algorithm": None,
    "issuers": {},
    "destinations": {},
    "ledger_offset": 20,
    "fee_drops": None,
    "max_fee_drops": 1000,
    "poll_interval": 1.0,
    "wait_timeout": 120.0,
    "rpc_timeout": 10.0,
    "max_amount": None,
    "settlement_seconds": 5,
    "fixed_fee": "0",
    "bps_fee": "0",
    "currencies": None,
}
KNOWN = {*DEFAULTS, "seed", "seed_file", "seed_env", "type"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Destination:
    address: str
    tag: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class XrplSettings:
    url: str | None
    algorithm: CryptoAlgorithm | None
    issuers: Mapping[str, str]
    destinations: Mapping[str, Destination]
    ledger_offset: int
    fee_drops: int | None
    max_fee_drops: int
    poll_interval: float
    wait_timeout: float
    rpc_timeout: float
    spec: ConnectorSpec

    @classmethod
    def parse(cls, name: str, raw: Mapping[str, Any]) -> XrplSettings:
        where = f"connectors.{name}"
        unknown = sorted(set(raw) - KNOWN)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting", code="CONFIG.UNKNOWN_KEY",
                              location=f"{where}.{unknown[0]}")
        s = {**DEFAULTS, **raw}
        algorithm = None
        if s["algorithm"] is not None:
            try:
                algorithm = CryptoAlgorithm(str(s["algorithm"]))
            except ValueError:
                raise ConfigError(f"{where}.algorithm: ed25519 or secp256k1",
                                  location=f"{where}.algorithm") from None
        issuers = {}
        for currency, issuer in dict(s["issuers"]).items():
            if not isinstance(issuer, str) or not is_valid_classic_address(issuer):
                raise ConfigError(f"{where}.issuers.{currency}: not a classic XRPL address",
                                  location=f"{where}.issuers.{currency}")
            issuers[str(currency)] = issuer
        destinations = {str(k): _destination(v, f"{where}.destinations.{k}")
                        for k, v in dict(s["destinations"]).items()}
        currencies = s["currencies"] or ["XRP", *issuers]
        spec = ConnectorSpec(
            rails=("xrpl",),
            formats=("json",),
            currencies=tuple(str(c) for c in currencies),
            max_amount=None if s["max_amount"] is None else setting_decimal(s["max_amount"],
                                                                 f"{where}.max_amount"),
            settlement_seconds=setting_int(s["settlement_seconds"], f"{where}.settlement_seconds"),
            fixed_fee=setting_decimal(s["fixed_fee"], f"{where}.fixed_fee"),
            bps_fee=setting_decimal(s["bps_fee"], f"{where}.bps_fee"),
        )
        return cls(
            url=None if s["url"] is None else str(s["url"]),
            algorithm=algorithm,
            issuers=issuers,
            destinations=destinations,
            ledger_offset=setting_int(s["ledger_offset"], f"{where}.ledger_offset"),
            fee_drops=None if s["fee_drops"] is None else setting_int(s["fee_drops"],
                                                               f"{where}.fee_drops"),
            max_fee_drops=setting_int(s["max_fee_drops"], f"{where}.max_fee_drops"),
            poll_interval=float(s["poll_interval"]),
            wait_timeout=float(s["wait_timeout"]),
            rpc_timeout=float(s["rpc_timeout"]),
            spec=spec,
        )


def _destination(value: Any, where: str) -> Destination:
    address, tag = (value, None) if isinstance(value, str) else (
        dict(value).get("address"), dict(value).get("tag"))
    if not isinstance(address, str) or not is_valid_classic_address(address):
        raise ConfigError(f"{where}: not a classic XRPL address", location=where)
    if tag is not None and (not isinstance(tag, int) or not 0 <= tag < 2**32):
        raise ConfigError(f"{where}.tag: an integer from 0 to 4294967295", location=f"{where}.tag")
    return Destination(address=address, tag=tag)


_METRICS: weakref.WeakKeyDictionary[CollectorRegistry, _Metrics] = weakref.WeakKeyDictionary()


class _Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sends = Counter("hub_xrpl_sends", "XRPL sends by result", ["connector", "result"],
                             registry=registry)
        self.seconds = Histogram("hub_xrpl_send_seconds", "XRPL send to validation",
                                 ["connector"], registry=registry,
                                 buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
        self.pending = Gauge("hub_xrpl_pending", "signed transactions awaiting a final result",
                             ["connector"], registry=registry)
        self.ledger = Gauge("hub_xrpl_validated_ledger", "latest validated ledger index seen",
                            ["connector"], registry=registry)

    @classmethod
    def on(cls, registry: CollectorRegistry) -> _Metrics:
        if registry not in _METRICS:
            _METRICS[registry] = cls(registry)
        return _METRICS[registry]


class XrplConnector:
    """Sends XRP and issued-currency payments; see the module docstring."""

    def __init__(self, name: str, settings: XrplSettings, *, client: AsyncJsonRpcClient,
                 wallet: Wallet, store: PendingTxStore, registry: CollectorRegistry,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.name = name
        self.settings = settings
        self.spec = settings.spec
        self.client = client
        self.wallet = wallet
        self.address: str = wallet.classic_address
        self.store = store
        self._sleep = sleep
        self._sequences = NonceAllocator()
        self._metrics = _Metrics.on(registry)

    async def start(self) -> None:
        await self.recover()

    async def recover(self) -> int:
        """Seed the sequence allocator from journalled transactions; returns how many are
        pending. They are followed (looked up, resubmitted) when their payment is retried."""
        pending = await self.store.pending()
        for record in pending:
            self._sequences.seed(record.nonce)
        self._metrics.pending.labels(self.name).set(len(pending))
        return len(pending)

    async def close(self) -> None:
        return None

    async def health(self) -> Health:
        try:
            info = await self._request(ServerInfo())
        except ConnectorError as exc:
            return Health(up=False, detail=exc.message)
        state = info.get("info", {}).get("server_state", "unknown")
        validated = info.get("info", {}).get("validated_ledger", {}).get("seq")
        if validated is not None:
            self._metrics.ledger.labels(self.name).set(int(validated))
        up = state in {"full", "proposing", "validating", "tracking", "standalone"}
        return Health(up=up, detail=f"server_state {state}, validated ledger {validated}")

    # --- sending ---

    async def send(self, outbound: Outbound) -> Delivery:
        began = time.monotonic()
        try:
            delivery = await self._send(outbound)
        except ConnectorError as exc:
            self._metrics.sends.labels(self.name, "retry" if exc.retryable
                                       else "final_failure").inc()
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
            return await self._follow(record, fresh=False)
        payment = self._payment(outbound)
        try:
            Payment.from_dict(payment)  # xrpl-py's own model checks, before a sequence is taken
        except XRPLModelException as exc:
            raise ConnectorError(f"malformed payment: {exc}", code="XRPL.temMALFORMED",
                                 retryable=False) from None
        fee = await self._fee()
        async with self._sequences.lock:
            info = await self._request(AccountInfo(account=self.address,
                                                   ledger_index="current"))
            current = int(info["ledger_current_index"])
            last = current + self.settings.ledger_offset
            meta = {"message_id": outbound.message_id, "min_ledger": current,
                    "last_ledger_sequence": last, "amount": _amount_json(payment["amount"])}

            def signer(sequence: int) -> tuple[str, str, Mapping[str, Any]]:
                signed = sign(Payment.from_dict({**payment, "sequence": sequence,
                                                 "fee": str(fee),
                                                 "last_ledger_sequence": last}), self.wallet)
                return signed.blob(), signed.get_hash(), meta

            try:
                record, ours = await record_signed(self.store, self._sequences, key,
                                                   int(info["account_data"]["Sequence"]), signer)
            except (KeyTaken, NonceTaken) as exc:
                raise ConnectorError(f"not journalled now: {exc}", code="XRPL.SEQUENCE",
                                     retryable=True) from None
        if not ours:  # another hub process journalled this payment first: follow its blob
            return _replay(record) if record.is_final else await self._follow(record,
                                                                              fresh=False)
        log.info("signed", extra={"action": "xrpl.signed", "message_id": outbound.message_id,
                                  "key": key, "tx_hash": record.tx_hash,
                                  "sequence": record.nonce})
        return await self._follow(record, fresh=True)

    def _payment(self, outbound: Outbound) -> dict[str, Any]:
        """Payment fields (without Sequence, Fee, LastLedgerSequence); final errors for what
        this link cannot carry."""
        message = outbound.message
        amount = message.amount
        if amount is None or amount.value <= 0:
            raise ConnectorError("no positive amount to pay", code="XRPL.AMOUNT",
                                 retryable=False, location="amount.value")
        if amount.currency not in self.spec.currencies:
            raise ConnectorError(f"{amount.currency} is not carried (only "
                                 f"{', '.join(self.spec.currencies)})", code="XRPL.CURRENCY",
                                 retryable=False, location="amount.currency")
        if self.spec.max_amount is not None and amount.value > self.spec.max_amount:
            raise ConnectorError(f"{amount} exceeds the limit {self.spec.max_amount}",
                                 code="XRPL.AMOUNT", retryable=False, location="amount.value")
        destination = self.destination(outbound)
        fields: dict[str, Any] = {
            "account": self.address,
            "destination": destination.address,
            "amount": self.amount(amount),
            "memos": [Memo(memo_type=b"hub/key".hex().upper(),
                           memo_data=outbound.idempotency_key.encode().hex().upper())],
        }
        if destination.tag is not None:
            fields["destination_tag"] = destination.tag
        return fields

    def amount(self, money: Money) -> str | IssuedCurrencyAmount:
        """XRP as a string of drops (Money's 6 decimals are drops); issued currencies as the
        decimal value with the configured issuer."""
        if money.currency == "XRP":
            return str(money.minor)
        issuer = self.settings.issuers.get(money.currency)
        if issuer is None:
            raise ConnectorError(f"no issuer configured for {money.currency}",
                                 code="XRPL.CURRENCY", retryable=False,
                                 location="amount.currency")
        return IssuedCurrencyAmount(currency=money.currency, issuer=issuer, value=money.text())

    def destination(self, outbound: Outbound) -> Destination:
        """creditor.account as a classic or X-address, else the destinations map (by creditor
        account, then creditor agent BIC); a tag in Message.extra["xrpl.destination_tag"]
        applies when the address carries none."""
        message = outbound.message
        account = message.creditor.account if message.creditor else None
        extra_tag = message.extra.get("xrpl.destination_tag")
        found: Destination | None = None
        if account and is_valid_xaddress(account):
            classic, tag, _ = xaddress_to_classic_address(account)
            found = Destination(address=classic, tag=tag)
        elif account and is_valid_classic_address(account):
            found = Destination(address=account)
        else:
            agent = message.creditor_agent
            for k in (account, agent.bic if agent else None):
                if k and k in self.settings.destinations:
                    found = self.settings.destinations[k]
                    break
        if found is None:
            raise ConnectorError("the creditor has no XRPL address (creditor.account or a "
                                 "destinations entry)", code="XRPL.DESTINATION",
                                 retryable=False, location="creditor.account")
        if found.tag is None and extra_tag is not None:
            if not extra_tag.isdigit() or int(extra_tag) >= 2**32:
                raise ConnectorError(f"destination tag {extra_tag!r} is not a 32-bit integer",
                                     code="XRPL.DESTINATION", retryable=False,
                                     location="extra.xrpl.destination_tag")
            found = Destination(address=found.address, tag=int(extra_tag))
        return found

    async def _fee(self) -> int:
        if self.settings.fee_drops is not None:
            return self.settings.fee_drops
        drops = (await self._request(Fee()))["drops"]
        fee = max(int(drops["base_fee"]), int(drops.get("open_ledger_fee", 0)))
        return min(fee, self.settings.max_fee_drops)

    async def _follow(self, record: PendingTx, *, fresh: bool) -> Delivery:
        if not fresh:
            found = await self._lookup(record)
            if found is not None and found.get("validated"):
                return await self._finish(record, found)
        result = await self._submit(record)
        code = result.get("engine_result", "")
        if code.startswith("tes") or code.startswith("tec") or code in {"terQUEUED",
                                                                      "tefALREADY"}:
            return await self._wait(record)
        if code == "tefPAST_SEQ":
            found = await self._lookup(record)
            if found is not None:  # applied earlier: this is our own replay
                return await self._wait(record)
        if code in FINAL_BUT_RESIGNABLE:
            await self._void(record, code)
            raise ConnectorError(f"{code}: this signed payment can never apply; it will be "
                                 "signed anew", code=f"XRPL.{code}", retryable=True)
        if code[:3] in {"tem", "tef"}:
            self._sequences.reset()  # the sequence was not consumed
            await self.store.mark_final(record.key, {"outcome": "failed", "code": f"XRPL.{code}",
                                                     "reason": _message(result)})
            raise ConnectorError(f"{code}: {_message(result)}", code=f"XRPL.{code}",
                                 retryable=False)
        # ter*, tel*: not applied now; the same blob is resubmitted on the next attempt.
        name = f"XRPL.{code}" if code in RESULTS else "XRPL.RPC"
        raise ConnectorError(f"{code}: {_message(result)}", code=name, retryable=True)

    async def _submit(self, record: PendingTx) -> dict[str, Any]:
        try:
            return await self._request(SubmitOnly(tx_blob=record.signed_blob))
        except ConnectorError as exc:
            if exc.code == "XRPL.RPC" and not exc.retryable:
                await self.store.mark_final(record.key, {"outcome": "failed", "code": exc.code,
                                                         "reason": exc.message})
                self._sequences.reset()
            raise

    async def _lookup(self, record: PendingTx) -> dict[str, Any] | None:
        """The transaction as the server knows it, or None. Voids the record and raises a
        retryable XRPL.EXPIRED when the server has searched every ledger up to its
        LastLedgerSequence without finding it."""
        last = int(record.meta["last_ledger_sequence"])
        request = Tx(transaction=record.tx_hash, min_ledger=int(record.meta["min_ledger"]),
                     max_ledger=last)
        response = await self._raw(request)
        if response.get("status") == "success" or "error" not in response:
            return response
        if response.get("error") != "txnNotFound":
            raise _rpc_error(response)
        if response.get("searched_all"):
            await self._void(record, "LastLedgerSequence passed")
            raise ConnectorError(f"{record.tx_hash} expired at ledger {last} without being "
                                 "included; the payment will be signed anew",
                                 code="XRPL.EXPIRED", retryable=True)
        return None

    async def _wait(self, record: PendingTx) -> Delivery:
        deadline = time.monotonic() + self.settings.wait_timeout
        while True:
            found = await self._lookup(record)
            if found is not None and found.get("validated"):
                return await self._finish(record, found)
            if time.monotonic() >= deadline:
                raise ConnectorError(f"{record.tx_hash} not validated within "
                                     f"{self.settings.wait_timeout:g} s", code="XRPL.TIMEOUT",
                                     retryable=True)
            await self._sleep(self.settings.poll_interval)

    async def _finish(self, record: PendingTx, found: Mapping[str, Any]) -> Delivery:
        meta = found.get("meta") or {}
        code = str(meta.get("TransactionResult", ""))
        detail = {"tx_hash": record.tx_hash, "ledger_index": found.get("ledger_index"),
                  "sequence": record.nonce, "result": code}
        self._metrics.ledger.labels(self.name).set(int(found.get("ledger_index") or 0))
        if code != "tesSUCCESS":
            name = f"XRPL.{code}" if code in RESULTS else "XRPL.RPC"
            await self.store.mark_final(record.key, {"outcome": "failed", "code": name,
                                                     "reason": code, "detail": detail})
            raise ConnectorError(f"{code}: validated without effect", code=name,
                                 retryable=False)
        delivered = meta.get("delivered_amount")
        expected = record.meta.get("amount")
        if expected is not None and delivered is not None and \
                _amount_key(delivered) != _amount_key(expected):
            await self.store.mark_final(record.key, {
                "outcome": "failed", "code": "LINK.INTEGRITY", "detail": detail,
                "reason": f"delivered {delivered}, instructed {expected}"})
            raise ConnectorError(f"delivered {delivered}, instructed {expected}",
                                 code="LINK.INTEGRITY", retryable=False)
        detail["delivered_amount"] = delivered
        await self.store.mark_final(record.key, {"outcome": "completed", "detail": detail})
        log.info("validated", extra={"action": "xrpl.validated", "key": record.key,
                                     "tx_hash": record.tx_hash})
        return Delivery(outcome=Outcome.COMPLETED, reference=record.tx_hash, detail=detail)

    async def _void(self, record: PendingTx, reason: str) -> None:
        await self.store.mark_final(record.key, {"outcome": VOID, "reason": reason})
        self._sequences.reset()

    async def _raw(self, request: Request) -> dict[str, Any]:
        try:
            response = await asyncio.wait_for(self.client.request(request),
                                              self.settings.rpc_timeout)
        except (httpx.HTTPError, OSError, TimeoutError, XRPLRequestFailureException) as exc:
            raise ConnectorError(f"XRPL server unavailable: {type(exc).__name__}: {exc}",
                                 code="XRPL.UNAVAILABLE", retryable=True) from None
        result: dict[str, Any] = dict(response.result)
        if not response.is_successful():
            result.setdefault("status", "error")
        return result

    async def _request(self, request: Request) -> dict[str, Any]:
        result = await self._raw(request)
        if "error" in result:
            raise _rpc_error(result)
        return result


def _rpc_error(result: Mapping[str, Any]) -> ConnectorError:
    error = str(result.get("error"))
    text = result.get("error_exception") or result.get("error_message") or error
    return ConnectorError(f"{error}: {text}", code="XRPL.RPC",
                          retryable=error in RETRYABLE_RPC_ERRORS)


def _message(result: Mapping[str, Any]) -> str:
    return str(result.get("engine_result_message") or result.get("engine_result") or "")


def _amount_json(amount: str | IssuedCurrencyAmount) -> Any:
    return amount if isinstance(amount, str) else amount.to_dict()


def _amount_key(amount: Any) -> tuple[str, str, Decimal]:
    if isinstance(amount, str):
        return ("XRP", "", Decimal(amount))
    return (str(amount["currency"]), str(amount["issuer"]), Decimal(str(amount["value"])))


def _replay(record: PendingTx) -> Delivery:
    result = record.result or {}
    if result.get("outcome") == "completed":
        return Delivery(outcome=Outcome.COMPLETED, reference=record.tx_hash,
                        detail=dict(result.get("detail") or {}))
    raise ConnectorError(f"already final: {result.get('reason', 'failed')}",
                         code=str(result.get("code") or "XRPL.RPC"), retryable=False)


def build(name: str, settings: Mapping[str, Any], **deps: Any) -> XrplConnector:
    """The connector for one `[connectors.<name>]` table.

    deps: `client` (an AsyncJsonRpcClient; default: one for `url`), `store` (a PendingTxStore;
    default: the journal's, from `tx_journal`, which the hub passes), `registry` (a prometheus
    CollectorRegistry; default: a private one), `sleep` (for tests).
    """
    parsed = XrplSettings.parse(name, settings)
    seed = secrets.read(settings, "seed", where=f"connectors.{name}")
    assert seed is not None
    try:
        wallet = Wallet.from_seed(seed.reveal(), algorithm=parsed.algorithm)
    except Exception:  # the seed must not reach a log or an error text
        raise ConfigError(f"connectors.{name}.seed: not a valid XRPL seed for "
                          f"{parsed.algorithm or 'its encoded algorithm'}",
                          location=f"connectors.{name}.seed") from None
    client = deps.get("client")
    if client is None:
        if parsed.url is None:
            raise ConfigError(f"connectors.{name}.url: required",
                              location=f"connectors.{name}.url")
        client = AsyncJsonRpcClient(parsed.url)
    store = deps.get("store") or journal_store(name, deps.get("tx_journal"))
    registry = deps.get("registry") or CollectorRegistry()
    kwargs: dict[str, Any] = {}
    if "sleep" in deps:
        kwargs["sleep"] = deps["sleep"]
    return XrplConnector(name, parsed, client=client, wallet=wallet, store=store,
                         registry=registry, **kwargs)

