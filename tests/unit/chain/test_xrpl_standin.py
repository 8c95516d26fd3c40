"""The stand-in rippled's own checks, driven with xrpl-py-signed blobs."""

from __future__ import annotations

from xrpl.models.transactions import Payment
from xrpl.transaction import sign
from xrpl.wallet import Wallet

from tests.standins.xrpl import XrplStandIn, tx_hash

XRP = 1_000_000


def _signed(wallet: Wallet, sequence: int, **over: object) -> str:
    fields = {"account": wallet.classic_address, "amount": str(20 * XRP),
              "destination": Wallet.create().classic_address, "sequence": sequence,
              "fee": "10", **over}
    return str(sign(Payment.from_dict(fields), wallet).blob())


def test_signature_sequence_replay_and_expiry() -> None:
    node = XrplStandIn(close_interval=None)
    wallet = Wallet.create()
    node.fund(wallet.classic_address, 100 * XRP)
    blob = _signed(wallet, 1)
    # a flipped byte in the signed body breaks the signature
    tampered = blob[:-2] + ("00" if blob[-2:] != "00" else "11")
    assert node._rpc_submit({"tx_blob": tampered})["error"] == "invalidTransaction"
    assert node._rpc_submit({"tx_blob": "zz"})["error"] == "invalidTransaction"
    assert node._rpc_submit({"tx_blob": _signed(wallet, 2)})["engine_result"] == "terPRE_SEQ"
    ok = node._rpc_submit({"tx_blob": blob})
    assert ok["engine_result"] == "tesSUCCESS" and ok["tx_json"]["hash"] == tx_hash(blob)
    assert node._rpc_submit({"tx_blob": blob})["engine_result"] == "tefALREADY"
    assert node._rpc_submit({"tx_blob": _signed(wallet, 1, amount="5")})["engine_result"] == \
        "tefPAST_SEQ"
    found = node._rpc_tx({"transaction": tx_hash(blob)})
    assert found["validated"] is False and "meta" not in found
    node.close_ledger()
    found = node._rpc_tx({"transaction": tx_hash(blob)})
    assert found["validated"] and found["meta"]["TransactionResult"] == "tesSUCCESS"
    stale = _signed(wallet, 2, last_ledger_sequence=node.ledger.open_index - 1)
    assert node._rpc_submit({"tx_blob": stale})["engine_result"] == "tefMAX_LEDGER"
    missing = node._rpc_tx({"transaction": tx_hash(stale), "min_ledger": 1,
                            "max_ledger": node.ledger.validated_index})
    assert missing["error"] == "txnNotFound" and missing["searched_all"] is True
    future = node._rpc_tx({"transaction": tx_hash(stale), "min_ledger": 1,
                           "max_ledger": node.ledger.open_index + 5})
    assert future["searched_all"] is False


def test_key_must_own_the_account_and_fees_are_checked() -> None:
    node = XrplStandIn(close_interval=None)
    owner, thief = Wallet.create(), Wallet.create()
    node.fund(owner.classic_address, 100 * XRP)
    forged = sign(Payment(account=owner.classic_address, amount="1",
                          destination=thief.classic_address, sequence=1, fee="10"), thief)
    assert node._rpc_submit({"tx_blob": forged.blob()})["engine_result"] == "tefBAD_AUTH"
    cheap = _signed(owner, 1, fee="1")
    assert node._rpc_submit({"tx_blob": cheap})["engine_result"] == "telINSUF_FEE_P"
    ghost = Wallet.create()
    assert node._rpc_submit({"tx_blob": _signed(ghost, 1)})["engine_result"] == "terNO_ACCOUNT"
    assert node._rpc_account_info({"account": ghost.classic_address})["error"] == "actNotFound"
    # a new account needs the base reserve
    small = _signed(owner, 1, amount="1000")
    assert node._rpc_submit({"tx_blob": small})["engine_result"] == "tecNO_DST_INSUF_XRP"
    assert node.balance(owner.classic_address) == 100 * XRP - 10
    assert node._rpc_submit({"tx_blob": _signed(owner, 2, amount=str(95 * XRP))})[
        "engine_result"] == "tecUNFUNDED_PAYMENT"
