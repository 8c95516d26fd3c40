"""MultiSigWallet: M-of-N confirmation of administrative calls, and every revert path."""

from __future__ import annotations

from typing import Any

import pytest
from web3.logs import DISCARD

from tests.unit.chain.chainkit import PAUSER_ROLE, Chain, artifact, reverts

ZERO = "0x" + "00" * 20


async def _wallet(chain: Chain, required: int = 2) -> Any:
    return await chain.deploy("MultiSigWallet", chain.accounts[:3], required)


async def _token_admin_by(chain: Chain, wallet: Any) -> Any:
    return await chain.deploy("NVCToken", wallet.address)


async def _submit(chain: Chain, wallet: Any, to: str, data: str, sender: str) -> int:
    receipt = await chain.transact(wallet.functions.submit(to, 0, data), sender)
    (event,) = wallet.events.Submitted().process_receipt(receipt, errors=DISCARD)
    return int(event.args["id"])


async def test_two_of_three_grants_a_role(chain: Chain) -> None:
    o1, o2, o3, pauser = chain.accounts[:4]
    wallet = await _wallet(chain)
    token = await _token_admin_by(chain, wallet)
    data = token.encode_abi("grantRole", args=[PAUSER_ROLE, pauser])
    tx_id = await _submit(chain, wallet, token.address, data, o1)
    assert await reverts(wallet.functions.execute(tx_id), o1) == \
        "MSIG: not enough confirmations"
    await chain.transact(wallet.functions.confirm(tx_id), o2)
    assert not await token.functions.hasRole(PAUSER_ROLE, pauser).call()
    receipt = await chain.transact(wallet.functions.execute(tx_id), o3)
    assert wallet.events.Executed().process_receipt(receipt, errors=DISCARD)[0].args["id"] == tx_id
    assert await token.functions.hasRole(PAUSER_ROLE, pauser).call()
    assert await reverts(wallet.functions.execute(tx_id), o1) == "MSIG: already executed"
    assert await reverts(wallet.functions.confirm(tx_id), o3) == "MSIG: already executed"
    assert await reverts(wallet.functions.revoke(tx_id), o1) == "MSIG: already executed"


async def test_revoke_takes_a_confirmation_back(chain: Chain) -> None:
    o1, o2, _, pauser = chain.accounts[:4]
    wallet = await _wallet(chain)
    token = await _token_admin_by(chain, wallet)
    tx_id = await _submit(chain, wallet, token.address,
                          token.encode_abi("grantRole", args=[PAUSER_ROLE, pauser]), o1)
    await chain.transact(wallet.functions.confirm(tx_id), o2)
    await chain.transact(wallet.functions.revoke(tx_id), o2)
    assert not await wallet.functions.confirmed(tx_id, o2).call()
    assert await reverts(wallet.functions.execute(tx_id), o1) == \
        "MSIG: not enough confirmations"
    assert await reverts(wallet.functions.revoke(tx_id), o2) == "MSIG: not confirmed"
    assert await reverts(wallet.functions.confirm(tx_id), o1) == "MSIG: already confirmed"


async def test_failed_call_bubbles_its_reason(chain: Chain) -> None:
    o1, o2, _ = chain.accounts[:3]
    wallet = await _wallet(chain)
    token = await _token_admin_by(chain, wallet)
    # The wallet is admin but not pauser: pause() reverts inside the token.
    tx_id = await _submit(chain, wallet, token.address, token.encode_abi("pause", args=[]), o1)
    await chain.transact(wallet.functions.confirm(tx_id), o2)
    assert await reverts(wallet.functions.execute(tx_id), o1) == "NVCT: missing role"
    # a failing call without a reason
    tx_id = await _submit(chain, wallet, token.address, "0xdeadbeef", o1)
    await chain.transact(wallet.functions.confirm(tx_id), o2)
    assert await reverts(wallet.functions.execute(tx_id), o1) == "MSIG: call failed"


async def test_change_requirement_only_through_the_wallet(chain: Chain) -> None:
    o1, o2, o3 = chain.accounts[:3]
    wallet = await _wallet(chain)
    assert await reverts(wallet.functions.changeRequirement(1), o1) == "MSIG: only wallet"
    tx_id = await _submit(chain, wallet, wallet.address,
                          wallet.encode_abi("changeRequirement", args=[3]), o1)
    await chain.transact(wallet.functions.confirm(tx_id), o2)
    await chain.transact(wallet.functions.execute(tx_id), o2)
    assert await wallet.functions.required().call() == 3
    bad = await _submit(chain, wallet, wallet.address,
                        wallet.encode_abi("changeRequirement", args=[4]), o1)
    for owner in (o2, o3):
        await chain.transact(wallet.functions.confirm(bad), owner)
    assert await reverts(wallet.functions.execute(bad), o1) == "MSIG: bad requirement"


async def test_owner_only_and_existence(chain: Chain) -> None:
    o1, stranger = chain.accounts[0], chain.accounts[5]
    wallet = await _wallet(chain)
    assert await wallet.functions.ownerCount().call() == 3
    assert await reverts(wallet.functions.submit(o1, 0, b""), stranger) == "MSIG: not owner"
    assert await reverts(wallet.functions.submit(ZERO, 0, b""), o1) == "MSIG: target is zero"
    for call in (wallet.functions.confirm(0), wallet.functions.revoke(0),
                 wallet.functions.execute(0)):
        assert await reverts(call, o1) == "MSIG: no such transaction"
        assert await reverts(call, stranger) == "MSIG: not owner"


async def test_value_transfer_and_deposit(chain: Chain) -> None:
    o1, o2, _, payee = chain.accounts[:4]
    wallet = await _wallet(chain)
    tx_hash = await chain.w3.eth.send_transaction({"from": o1, "to": wallet.address,
                                                   "value": 1_000})
    receipt = await chain.w3.eth.wait_for_transaction_receipt(tx_hash)
    (deposit,) = wallet.events.Deposit().process_receipt(receipt, errors=DISCARD)
    assert deposit.args["value"] == 1_000
    before = await chain.w3.eth.get_balance(payee)
    tx_id = await _submit(chain, wallet, payee, "0x", o1)
    await chain.transact(wallet.functions.confirm(tx_id), o2)
    # value 0 proposals work; one that sends more than the wallet holds fails
    await chain.transact(wallet.functions.execute(tx_id), o1)
    receipt = await chain.transact(wallet.functions.submit(payee, 2_000, b""), o1)
    big = int(wallet.events.Submitted().process_receipt(receipt, errors=DISCARD)[0].args["id"])
    await chain.transact(wallet.functions.confirm(big), o2)
    assert await reverts(wallet.functions.execute(big), o1) == "MSIG: call failed"
    receipt = await chain.transact(wallet.functions.submit(payee, 600, b""), o1)
    ok = int(wallet.events.Submitted().process_receipt(receipt, errors=DISCARD)[0].args["id"])
    await chain.transact(wallet.functions.confirm(ok), o2)
    await chain.transact(wallet.functions.execute(ok), o1)
    assert await chain.w3.eth.get_balance(payee) == before + 600


@pytest.mark.parametrize(("owners", "required", "reason"), [
    ([], 1, "MSIG: no owners"),
    (["a0"], 0, "MSIG: bad requirement"),
    (["a0", "a1"], 3, "MSIG: bad requirement"),
    (["a0", "zero"], 1, "MSIG: owner is zero"),
    (["a0", "a0"], 1, "MSIG: duplicate owner"),
])
async def test_constructor_revert_paths(chain: Chain, owners: list[str], required: int,
                                        reason: str) -> None:
    names = {"a0": chain.accounts[0], "a1": chain.accounts[1], "zero": ZERO}
    art = artifact("MultiSigWallet")
    factory = chain.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    call = factory.constructor([names[o] for o in owners], required)
    assert await reverts(call, chain.accounts[0]) == reason
