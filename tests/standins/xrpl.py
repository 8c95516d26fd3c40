"""A stand-in rippled: the JSON-RPC methods a payment needs, on 127.0.0.1.

It keeps real ledger rules where payments depend on them: every submitted blob is decoded with
xrpl-py's binary codec, its signature verified against the signing-data encoding and its public
key checked to own the Account; Sequence must equal the account's (tefPAST_SEQ / terPRE_SEQ),
LastLedgerSequence must not have passed (tefMAX_LEDGER), a blob already applied is refused
(tefALREADY); fees are claimed and sequences consumed for tec results; XRP balances, reserves,
trust lines, destination tags and issued-currency rippling through the issuer are applied.
Responses follow rippled's documented shapes (API v2): submit's engine_result family, tx's
`validated`/`meta` and `searched_all`, and error objects with error/error_code/error_message.

Ledgers close every `close_interval` seconds (or on `ledger_accept`, as in stand-alone mode):
transactions applied to the open ledger become validated when it closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web
from xrpl.core.binarycodec import decode, encode_for_signing
from xrpl.core.binarycodec.definitions import definitions
from xrpl.core.keypairs import derive_classic_address, is_valid_message

RESERVE_BASE = 10_000_000  # drops
RESERVE_INC = 2_000_000
BASE_FEE = 10
ASF_REQUIRE_DEST = 1

MESSAGES = {
    "tesSUCCESS": "The transaction was applied. Only final in a validated ledger.",
    "tecDST_TAG_NEEDED": "A destination tag is required.",
    "tecNO_DST": "Destination does not exist. Send XRP to create it.",
    "tecNO_DST_INSUF_XRP": "Destination does not exist. Too little XRP sent to create it.",
    "tecPATH_DRY": "Path could not send partial amount.",
    "tecPATH_PARTIAL": "Path could not send full amount.",
    "tecUNFUNDED_PAYMENT": "Insufficient XRP balance to send.",
    "tecNO_LINE_INSUF_RESERVE": "No such line. Too little reserve to create it.",
    "tefALREADY": "The exact transaction was already in this ledger.",
    "tefPAST_SEQ": "This sequence number has already passed.",
    "tefMAX_LEDGER": "Ledger sequence too high.",
    "tefBAD_AUTH": "Transaction's public key is not authorized.",
    "temBAD_AMOUNT": "Malformed: Bad amount.",
    "temREDUNDANT": "The transaction is redundant.",
    "temUNKNOWN": "The transaction requires logic that is not implemented yet.",
    "terPRE_SEQ": "Missing/inapplicable prior transaction.",
    "terNO_ACCOUNT": "The source account does not exist.",
    "terINSUF_FEE_B": "Account balance can't pay fee.",
    "telINSUF_FEE_P": "Fee insufficient.",
}
ERRORS = {  # rippled's error codes for the RPC errors used here
    "txnNotFound": (29, "Transaction not found."),
    "actNotFound": (19, "Account not found."),
    "invalidParams": (31, "Invalid parameters."),
    "unknownCmd": (32, "Unknown method."),
    "invalidTransaction": (-1, "fails local checks"),
}


@dataclass
class Account:
    balance: int  # drops
    sequence: int
    flags: int = 0
    owner_count: int = 0


@dataclass
class Applied:
    tx_json: dict[str, Any]
    blob: str
    result: str
    ledger_index: int
    index: int
    delivered: Any = None
    validated: bool = False


@dataclass
class Ledger:
    accounts: dict[str, Account] = field(default_factory=dict)
    # (holder, issuer, currency) -> [balance held by holder, limit]
    lines: dict[tuple[str, str, str], list[Decimal]] = field(default_factory=dict)
    txs: dict[str, Applied] = field(default_factory=dict)
    open_index: int = 3
    open_txs: list[str] = field(default_factory=list)

    @property
    def validated_index(self) -> int:
        return self.open_index - 1


def tx_hash(blob: str) -> str:
    """The transaction ID: SHA-512Half of the 'TXN\\0' prefix and the signed blob."""
    return hashlib.sha512(b"TXN\x00" + bytes.fromhex(blob)).digest()[:32].hex().upper()


class XrplStandIn:
    def __init__(self, *, close_interval: float | None = 0.05, genesis_sequence: int = 1) -> None:
        self.ledger = Ledger()
        self.close_interval = close_interval
        self.genesis_sequence = genesis_sequence
        self.submits = 0
        self.refuse: set[str] = set()  # methods answered with HTTP 503 (a node going away)
        self._runner: web.AppRunner | None = None
        self._closer: asyncio.Task[None] | None = None
        self.port = 0

    # --- lifecycle ---

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if self.close_interval is not None:
            self._closer = asyncio.create_task(self._close_loop(), name="xrpl-standin-closer")
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def stop(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._closer
            self._closer = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _close_loop(self) -> None:
        assert self.close_interval is not None
        while True:
            await asyncio.sleep(self.close_interval)
            self.close_ledger()

    def close_ledger(self) -> int:
        """Close the open ledger; its transactions become validated. Returns its index."""
        led = self.ledger
        for h in led.open_txs:
            led.txs[h].validated = True
        led.open_txs = []
        led.open_index += 1
        return led.validated_index

    # --- set-up, outside the protocol ---

    def fund(self, address: str, drops: int) -> None:
        acct = self.ledger.accounts.get(address)
        if acct is None:
            self.ledger.accounts[address] = Account(balance=drops,
                                                    sequence=self.genesis_sequence)
        else:
            acct.balance += drops

    def trust(self, holder: str, issuer: str, currency: str, limit: str) -> None:
        line = self.ledger.lines.setdefault((holder, issuer, currency),
                                            [Decimal(0), Decimal(limit)])
        line[1] = Decimal(limit)

    def issue(self, issuer: str, holder: str, currency: str, value: str) -> None:
        self.ledger.lines[(holder, issuer, currency)][0] += Decimal(value)

    def require_dest(self, address: str) -> None:
        self.ledger.accounts[address].flags |= 0x00020000  # lsfRequireDestTag

    def balance(self, address: str) -> int:
        acct = self.ledger.accounts.get(address)
        return 0 if acct is None else acct.balance

    def line(self, holder: str, issuer: str, currency: str) -> Decimal:
        line = self.ledger.lines.get((holder, issuer, currency))
        return Decimal(0) if line is None else line[0]

    # --- JSON-RPC ---

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        method = body.get("method", "")
        if method in self.refuse:
            return web.Response(status=503, text="server going away")
        params = (body.get("params") or [{}])[0]
        handler = getattr(self, f"_rpc_{method}", None)
        result = _error("unknownCmd", params) if handler is None else handler(params)
        return web.json_response({"result": result})

    def _rpc_server_info(self, params: dict[str, Any]) -> dict[str, Any]:
        led = self.ledger
        return {"info": {
            "build_version": "2.3.0-standin",
            "complete_ledgers": f"1-{led.validated_index}",
            "server_state": "full",
            "network_id": 0,
            "validated_ledger": {"seq": led.validated_index, "base_fee_xrp": 0.00001,
                                 "reserve_base_xrp": RESERVE_BASE / 1e6,
                                 "reserve_inc_xrp": RESERVE_INC / 1e6, "age": 0,
                                 "hash": f"{led.validated_index:064X}"},
        }, "status": "success"}

    def _rpc_ledger_current(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ledger_current_index": self.ledger.open_index, "status": "success"}

    def _rpc_ledger_accept(self, params: dict[str, Any]) -> dict[str, Any]:
        self.close_ledger()
        return {"ledger_current_index": self.ledger.open_index, "status": "success"}

    def _rpc_ledger(self, params: dict[str, Any]) -> dict[str, Any]:
        led = self.ledger
        index = led.open_index if params.get("ledger_index") == "current" \
            else led.validated_index
        return {"ledger_index": index, "ledger_hash": f"{index:064X}",
                "ledger": {"ledger_index": str(index), "closed": index != led.open_index},
                "validated": index != led.open_index, "status": "success"}

    def _rpc_fee(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"current_ledger_size": str(len(self.ledger.open_txs)), "current_queue_size": "0",
                "drops": {"base_fee": str(BASE_FEE), "median_fee": "5000",
                          "minimum_fee": str(BASE_FEE), "open_ledger_fee": str(BASE_FEE)},
                "expected_ledger_size": "1000", "ledger_current_index": self.ledger.open_index,
                "levels": {"median_level": "128000", "minimum_level": "256",
                           "open_ledger_level": "256", "reference_level": "256"},
                "max_queue_size": "20000", "status": "success"}

    def _rpc_account_info(self, params: dict[str, Any]) -> dict[str, Any]:
        address = params.get("account")
        acct = self.ledger.accounts.get(str(address))
        if acct is None:
            return _error("actNotFound", params)
        current = params.get("ledger_index") == "current"
        return {"account_data": {"Account": address, "Balance": str(acct.balance),
                                 "Flags": acct.flags, "LedgerEntryType": "AccountRoot",
                                 "OwnerCount": acct.owner_count, "Sequence": acct.sequence},
                "ledger_current_index" if current else "ledger_index":
                    self.ledger.open_index if current else self.ledger.validated_index,
                "validated": not current, "status": "success"}

    def _rpc_tx(self, params: dict[str, Any]) -> dict[str, Any]:
        h = str(params.get("transaction", "")).upper()
        applied = self.ledger.txs.get(h)
        if applied is None:
            error = _error("txnNotFound", params)
            low, high = params.get("min_ledger"), params.get("max_ledger")
            if low is not None and high is not None:
                # every ledger in the range is held, and closed
                error["searched_all"] = int(high) <= self.ledger.validated_index
            return error
        result: dict[str, Any] = {"hash": h, "tx_json": applied.tx_json,
                                  "validated": applied.validated, "status": "success"}
        if applied.validated:
            result.update({
                "ledger_index": applied.ledger_index,
                "ledger_hash": f"{applied.ledger_index:064X}",
                "close_time_iso": "2026-01-01T00:00:00Z",
                "meta": {"TransactionIndex": applied.index,
                         "TransactionResult": applied.result,
                         "AffectedNodes": [],
                         **({"delivered_amount": applied.delivered}
                            if applied.delivered is not None else {})},
            })
        return result

    def _rpc_submit(self, params: dict[str, Any]) -> dict[str, Any]:
        self.submits += 1
        blob = str(params.get("tx_blob", ""))
        try:
            tx = decode(blob)
        except Exception as exc:
            return _error("invalidTransaction", params, f"fails local checks: {exc}")
        if not _signature_ok(tx):
            return _error("invalidTransaction", params,
                          "fails local checks: Invalid signature.")
        h = tx_hash(blob)
        tx_json = {**tx, "hash": h}
        code, delivered = self._apply(tx, h)
        if code.startswith(("tes", "tec")):
            led = self.ledger
            led.txs[h] = Applied(tx_json=tx, blob=blob, result=code,
                                 ledger_index=led.open_index, index=len(led.open_txs),
                                 delivered=delivered)
            led.open_txs.append(h)
        applied = code.startswith(("tes", "tec"))
        acct = self.ledger.accounts.get(str(tx.get("Account")))
        next_seq = acct.sequence if acct else 0
        return {"accepted": applied, "applied": applied, "broadcast": applied, "kept": applied,
                "queued": False, "engine_result": code,
                "engine_result_code": definitions.get_transaction_result_code(code),
                "engine_result_message": MESSAGES.get(code, code), "open_ledger_cost": "10",
                "account_sequence_available": next_seq, "account_sequence_next": next_seq,
                "validated_ledger_index": self.ledger.validated_index, "tx_blob": blob,
                "tx_json": tx_json, "status": "success"}

    # --- transaction engine ---

    def _apply(self, tx: dict[str, Any], h: str) -> tuple[str, Any]:
        led = self.ledger
        if h in led.txs:
            return "tefALREADY", None
        if derive_classic_address(tx["SigningPubKey"]) != tx["Account"]:
            return "tefBAD_AUTH", None
        malformed = _malformed(tx)
        if malformed:
            return malformed, None
        if int(tx.get("Fee", "0")) < BASE_FEE:
            return "telINSUF_FEE_P", None
        last = tx.get("LastLedgerSequence")
        if last is not None and int(last) < led.open_index:
            return "tefMAX_LEDGER", None
        acct = led.accounts.get(tx["Account"])
        if acct is None:
            return "terNO_ACCOUNT", None
        if int(tx["Sequence"]) < acct.sequence:
            return "tefPAST_SEQ", None
        if int(tx["Sequence"]) > acct.sequence:
            return "terPRE_SEQ", None
        fee = int(tx["Fee"])
        if acct.balance < fee:
            return "terINSUF_FEE_B", None
        # From here the transaction is in the ledger: the fee is claimed, the sequence used.
        acct.balance -= fee
        acct.sequence += 1
        kind = tx["TransactionType"]
        if kind == "Payment":
            return self._payment(tx, acct)
        if kind == "TrustSet":
            limit = tx["LimitAmount"]
            self.trust(tx["Account"], limit["issuer"], limit["currency"], limit["value"])
            acct.owner_count += 1
            return "tesSUCCESS", None
        if kind == "AccountSet":
            if tx.get("SetFlag") == ASF_REQUIRE_DEST:
                acct.flags |= 0x00020000
            if tx.get("ClearFlag") == ASF_REQUIRE_DEST:
                acct.flags &= ~0x00020000
            return "tesSUCCESS", None
        return "temUNKNOWN", None

    def _payment(self, tx: dict[str, Any], src: Account) -> tuple[str, Any]:
        led = self.ledger
        dst_address = tx["Destination"]
        dst = led.accounts.get(dst_address)
        amount = tx["Amount"]
        if dst is not None and dst.flags & 0x00020000 and "DestinationTag" not in tx:
            return "tecDST_TAG_NEEDED", None
        if isinstance(amount, str):
            drops = int(amount)
            reserve = RESERVE_BASE + RESERVE_INC * src.owner_count
            if src.balance - drops < reserve:
                return "tecUNFUNDED_PAYMENT", None
            if dst is None:
                if drops < RESERVE_BASE:
                    return "tecNO_DST_INSUF_XRP", None
                dst = led.accounts[dst_address] = Account(balance=0,
                                                          sequence=self.genesis_sequence)
            src.balance -= drops
            dst.balance += drops
            return "tesSUCCESS", amount
        if dst is None:
            return "tecNO_DST", None
        value, issuer, currency = Decimal(amount["value"]), amount["issuer"], amount["currency"]
        sender = tx["Account"]
        if sender != issuer:
            held = led.lines.get((sender, issuer, currency))
            if held is None or held[0] < value:
                return "tecPATH_PARTIAL", None
        if dst_address != issuer:
            line = led.lines.get((dst_address, issuer, currency))
            if line is None:
                return "tecPATH_DRY", None
            if line[0] + value > line[1]:
                return "tecPATH_PARTIAL", None
            line[0] += value
        if sender != issuer:
            led.lines[(sender, issuer, currency)][0] -= value
        return "tesSUCCESS", amount


def _malformed(tx: dict[str, Any]) -> str | None:
    if tx.get("TransactionType") != "Payment":
        return None
    amount = tx.get("Amount")
    value = Decimal(amount) if isinstance(amount, str) else Decimal(str(amount["value"]))
    if value <= 0:
        return "temBAD_AMOUNT"
    if tx.get("Destination") == tx.get("Account") and isinstance(amount, str):
        return "temREDUNDANT"
    return None


def _signature_ok(tx: dict[str, Any]) -> bool:
    signature = tx.get("TxnSignature")
    public_key = tx.get("SigningPubKey")
    if not signature or not public_key:
        return False
    unsigned = {k: v for k, v in tx.items() if k != "TxnSignature"}
    try:
        return is_valid_message(bytes.fromhex(encode_for_signing(unsigned)),
                                bytes.fromhex(signature), public_key)
    except Exception:
        return False


def _error(name: str, request: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    code, message = ERRORS[name]
    result: dict[str, Any] = {"error": name, "error_code": code,
                              "error_message": text or message, "request": request,
                              "status": "error"}
    if text is not None:
        result["error_exception"] = text
    return result
