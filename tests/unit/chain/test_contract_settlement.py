"""SettlementContract: lock by reference, settle or refund by the operator, once."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import AsyncWeb3
from web3.logs import DISCARD

from tests.unit.chain.chainkit import Chain, artifact, reverts, token_with_minter

ZERO = "0x" + "00" * 20
REF = AsyncWeb3.keccak(text="uetr-1")
LOCKED, SETTLED, REFUNDED = 1, 2, 3


async def _setup(chain: Chain) -> tuple[Any, Any]:
    """accounts[0] mints and operates; accounts[1] pays; accounts[2] is the payee."""
    admin, payer = chain.accounts[:2]
    token = await token_with_minter(chain)
    settlement = await chain.deploy("SettlementContract", token.address, admin)
    await chain.transact(token.functions.mint(payer, 1_000), admin)
    await chain.transact(token.functions.approve(settlement.address, 1_000), payer)
    return token, settlement


async def test_lock_then_settle(chain: Chain) -> None:
    operator, payer, payee = chain.accounts[:3]
    token, settlement = await _setup(chain)
    receipt = await chain.transact(settlement.functions.lock(REF, payee, 300), payer)
    (locked,) = settlement.events.Locked().process_receipt(receipt, errors=DISCARD)
    assert locked.args["ref"] == REF and locked.args["amount"] == 300
    assert await token.functions.balanceOf(settlement.address).call() == 300
    assert await settlement.functions.payments(REF).call() == [payer, payee, 300, LOCKED]
    receipt = await chain.transact(settlement.functions.settle(REF, payee, 300), operator)
    (settled,) = settlement.events.Settled().process_receipt(receipt, errors=DISCARD)
    assert (settled.args["payee"], settled.args["amount"]) == (payee, 300)
    assert await token.functions.balanceOf(payee).call() == 300
    assert await token.functions.balanceOf(settlement.address).call() == 0
    assert (await settlement.functions.payments(REF).call())[3] == SETTLED
    # no double settlement, no refund after settlement, no reuse of the reference
    assert await reverts(settlement.functions.settle(REF, payee, 300), operator) == \
        "SETTLE: not locked"
    assert await reverts(settlement.functions.refund(REF), operator) == "SETTLE: not locked"
    assert await reverts(settlement.functions.lock(REF, payee, 1), payer) == \
        "SETTLE: ref already used"


async def test_lock_then_refund(chain: Chain) -> None:
    operator, payer, payee = chain.accounts[:3]
    token, settlement = await _setup(chain)
    await chain.transact(settlement.functions.lock(REF, payee, 400), payer)
    receipt = await chain.transact(settlement.functions.refund(REF), operator)
    (refunded,) = settlement.events.Refunded().process_receipt(receipt, errors=DISCARD)
    assert (refunded.args["payer"], refunded.args["amount"]) == (payer, 400)
    assert await token.functions.balanceOf(payer).call() == 1_000
    assert (await settlement.functions.payments(REF).call())[3] == REFUNDED
    assert await reverts(settlement.functions.settle(REF, payee, 400), operator) == \
        "SETTLE: not locked"
    assert await reverts(settlement.functions.refund(REF), operator) == "SETTLE: not locked"


async def test_settle_must_match_the_lock(chain: Chain) -> None:
    operator, payer, payee, other = chain.accounts[:4]
    _, settlement = await _setup(chain)
    await chain.transact(settlement.functions.lock(REF, payee, 300), payer)
    assert await reverts(settlement.functions.settle(REF, other, 300), operator) == \
        "SETTLE: does not match lock"
    assert await reverts(settlement.functions.settle(REF, payee, 299), operator) == \
        "SETTLE: does not match lock"


@pytest.mark.parametrize(("name", "reason"), [
    ("zero_ref", "SETTLE: ref is zero"),
    ("zero_payee", "SETTLE: payee is zero"),
    ("zero_amount", "SETTLE: zero amount"),
    ("no_allowance", "NVCT: insufficient allowance"),
    ("no_balance", "NVCT: insufficient balance"),
])
async def test_lock_revert_paths(chain: Chain, name: str, reason: str) -> None:
    _, payer, payee, poor = chain.accounts[:4]
    token, settlement = await _setup(chain)
    calls = {
        "zero_ref": (settlement.functions.lock(b"\x00" * 32, payee, 1), payer),
        "zero_payee": (settlement.functions.lock(REF, ZERO, 1), payer),
        "zero_amount": (settlement.functions.lock(REF, payee, 0), payer),
        "no_allowance": (settlement.functions.lock(REF, payee, 1_001), payer),
        "no_balance": (settlement.functions.lock(REF, payee, 1), poor),
    }
    if name == "no_balance":
        await chain.transact(token.functions.approve(settlement.address, 5), poor)
    call, sender = calls[name]
    assert await reverts(call, sender) == reason


async def test_operator_only(chain: Chain) -> None:
    operator, payer, payee, stranger = chain.accounts[:4]
    _, settlement = await _setup(chain)
    await chain.transact(settlement.functions.lock(REF, payee, 10), payer)
    for call in (settlement.functions.settle(REF, payee, 10), settlement.functions.refund(REF),
                 settlement.functions.setOperator(stranger)):
        assert await reverts(call, stranger) == "SETTLE: not operator"
    assert await reverts(settlement.functions.settle(AsyncWeb3.keccak(text="x"), payee, 1),
                         operator) == "SETTLE: not locked"
    assert await reverts(settlement.functions.setOperator(ZERO), operator) == \
        "SETTLE: operator is zero"
    await chain.transact(settlement.functions.setOperator(stranger), operator)
    assert await settlement.functions.operator().call() == stranger
    assert await reverts(settlement.functions.refund(REF), operator) == "SETTLE: not operator"
    await chain.transact(settlement.functions.settle(REF, payee, 10), stranger)


async def test_constructor_revert_paths(chain: Chain) -> None:
    art = artifact("SettlementContract")
    factory = chain.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    admin = chain.accounts[0]
    assert await reverts(factory.constructor(ZERO, admin), admin) == "SETTLE: token is zero"
    assert await reverts(factory.constructor(admin, ZERO), admin) == "SETTLE: operator is zero"


async def test_failed_token_transfer_is_reported(chain: Chain) -> None:
    """A token that answers false makes lock fail closed (no silent success)."""
    operator, payer, payee = chain.accounts[:3]
    token, settlement = await _setup(chain)
    # Pausing the token makes its transferFrom revert; the settlement bubbles that up.
    await chain.transact(token.functions.pause(), operator)
    assert await reverts(settlement.functions.lock(REF, payee, 1), payer) == "NVCT: paused"
