"""NVCToken: ERC-20 behaviour, the minter and pauser roles, and every revert path."""

from __future__ import annotations

import pytest
from web3.logs import DISCARD

from tests.unit.chain.chainkit import (
    ADMIN_ROLE,
    MINTER_ROLE,
    PAUSER_ROLE,
    Chain,
    reverts,
    token_with_minter,
)

ZERO = "0x" + "00" * 20
MAX = 2**256 - 1


async def test_metadata_and_admin(chain: Chain) -> None:
    admin, other = chain.accounts[0], chain.accounts[1]
    token = await chain.deploy("NVCToken", admin)
    assert await token.functions.name().call() == "NVC Token"
    assert await token.functions.symbol().call() == "NVCT"
    assert await token.functions.decimals().call() == 6
    assert await token.functions.hasRole(ADMIN_ROLE, admin).call()
    assert not await token.functions.hasRole(ADMIN_ROLE, other).call()
    assert not await token.functions.hasRole(MINTER_ROLE, admin).call()


async def test_constructor_refuses_zero_admin(chain: Chain) -> None:
    from tests.unit.chain.chainkit import artifact

    art = artifact("NVCToken")
    factory = chain.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    assert await reverts(factory.constructor(ZERO), chain.accounts[0]) == "NVCT: admin is zero"


async def test_mint_transfer_burn(chain: Chain) -> None:
    a, b, c = chain.accounts[:3]
    token = await token_with_minter(chain)
    receipt = await chain.transact(token.functions.mint(b, 1_000_000), a)
    assert receipt["status"] == 1
    (event,) = token.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert (event.args["from"], event.args["to"], event.args["value"]) == (ZERO, b, 1_000_000)
    await chain.transact(token.functions.transfer(c, 250_000), b)
    assert await token.functions.balanceOf(b).call() == 750_000
    assert await token.functions.balanceOf(c).call() == 250_000
    await chain.transact(token.functions.burn(50_000), c)
    assert await token.functions.balanceOf(c).call() == 200_000
    assert await token.functions.totalSupply().call() == 950_000


async def test_allowance_and_transfer_from(chain: Chain) -> None:
    a, b, c = chain.accounts[:3]
    token = await token_with_minter(chain)
    await chain.transact(token.functions.mint(b, 100), a)
    await chain.transact(token.functions.approve(c, 60), b)
    await chain.transact(token.functions.transferFrom(b, c, 40), c)
    assert await token.functions.allowance(b, c).call() == 20
    assert await reverts(token.functions.transferFrom(b, c, 21), c) == \
        "NVCT: insufficient allowance"
    # an unlimited allowance is not spent down
    await chain.transact(token.functions.approve(c, MAX), b)
    await chain.transact(token.functions.transferFrom(b, c, 10), c)
    assert await token.functions.allowance(b, c).call() == MAX


async def test_roles_grant_revoke_renounce(chain: Chain) -> None:
    a, b, c = chain.accounts[:3]
    token = await token_with_minter(chain)
    await chain.transact(token.functions.grantRole(MINTER_ROLE, b), a)
    await chain.transact(token.functions.mint(c, 5), b)
    assert await reverts(token.functions.grantRole(MINTER_ROLE, b), a) == \
        "NVCT: role already granted"
    assert await reverts(token.functions.grantRole(MINTER_ROLE, ZERO), a) == \
        "NVCT: account is zero"
    assert await reverts(token.functions.grantRole(MINTER_ROLE, c), b) == "NVCT: missing role"
    assert await reverts(token.functions.revokeRole(MINTER_ROLE, a), b) == "NVCT: missing role"
    await chain.transact(token.functions.revokeRole(MINTER_ROLE, b), a)
    assert await reverts(token.functions.mint(c, 5), b) == "NVCT: missing role"
    assert await reverts(token.functions.revokeRole(MINTER_ROLE, b), a) == \
        "NVCT: role not granted"
    await chain.transact(token.functions.renounceRole(PAUSER_ROLE), a)
    assert not await token.functions.hasRole(PAUSER_ROLE, a).call()
    assert await reverts(token.functions.renounceRole(PAUSER_ROLE), a) == \
        "NVCT: role not granted"


async def test_pause_stops_transfers_mints_and_burns(chain: Chain) -> None:
    a, b, c = chain.accounts[:3]
    token = await token_with_minter(chain)
    await chain.transact(token.functions.mint(b, 100), a)
    await chain.transact(token.functions.approve(c, 100), b)
    assert await reverts(token.functions.pause(), b) == "NVCT: missing role"
    assert await reverts(token.functions.unpause(), a) == "NVCT: not paused"
    await chain.transact(token.functions.pause(), a)
    assert await token.functions.paused().call()
    assert await reverts(token.functions.pause(), a) == "NVCT: already paused"
    assert await reverts(token.functions.transfer(c, 1), b) == "NVCT: paused"
    assert await reverts(token.functions.transferFrom(b, c, 1), c) == "NVCT: paused"
    assert await reverts(token.functions.mint(b, 1), a) == "NVCT: paused"
    assert await reverts(token.functions.burn(1), b) == "NVCT: paused"
    assert await reverts(token.functions.unpause(), b) == "NVCT: missing role"
    await chain.transact(token.functions.unpause(), a)
    await chain.transact(token.functions.transfer(c, 1), b)
    assert await token.functions.balanceOf(c).call() == 1


@pytest.mark.parametrize(("call", "who", "reason"), [
    (lambda t, acc: t.functions.mint(ZERO, 1), 0, "NVCT: mint to zero"),
    (lambda t, acc: t.functions.mint(acc[1], 0), 0, "NVCT: zero amount"),
    (lambda t, acc: t.functions.mint(acc[1], 1), 1, "NVCT: missing role"),
    (lambda t, acc: t.functions.burn(0), 1, "NVCT: zero amount"),
    (lambda t, acc: t.functions.burn(101), 1, "NVCT: burn exceeds balance"),
    (lambda t, acc: t.functions.transfer(ZERO, 1), 1, "NVCT: transfer to zero"),
    (lambda t, acc: t.functions.transfer(acc[2], 101), 1, "NVCT: insufficient balance"),
    (lambda t, acc: t.functions.approve(ZERO, 1), 1, "NVCT: approve to zero"),
    (lambda t, acc: t.functions.transferFrom(acc[1], acc[2], 1), 2,
     "NVCT: insufficient allowance"),
])
async def test_revert_paths(chain: Chain, call: object, who: int, reason: str) -> None:
    token = await token_with_minter(chain)
    await chain.transact(token.functions.mint(chain.accounts[1], 100), chain.accounts[0])
    assert callable(call)
    assert await reverts(call(token, chain.accounts), chain.accounts[who]) == reason


async def test_mined_revert_changes_nothing(chain: Chain) -> None:
    b = chain.accounts[1]
    token = await token_with_minter(chain)
    tx_hash = await token.functions.mint(b, 5).transact({"from": b, "gas": 100_000})
    receipt = await chain.w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 0
    assert await token.functions.totalSupply().call() == 0
