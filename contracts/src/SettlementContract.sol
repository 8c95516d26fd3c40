// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title SettlementContract: escrow of token payments by reference.
/// @notice A payer locks tokens under a 32-byte reference (the hub uses keccak256 of the
///         payment's idempotency key, normally its UETR). Only the operator settles the lock to
///         the payee or refunds it to the payer, exactly once: a reference is never reused.
///         settle() repeats the payee and amount the hub expects, so a lock that differs from
///         the instruction fails closed on chain.
contract SettlementContract {
    enum State { None, Locked, Settled, Refunded }

    struct Payment {
        address payer;
        address payee;
        uint256 amount;
        State state;
    }

    IERC20 public immutable token;
    address public operator;
    mapping(bytes32 => Payment) public payments;

    event Locked(bytes32 indexed ref, address indexed payer, address indexed payee, uint256 amount);
    event Settled(bytes32 indexed ref, address indexed payee, uint256 amount);
    event Refunded(bytes32 indexed ref, address indexed payer, uint256 amount);
    event OperatorChanged(address indexed previous, address indexed next);

    modifier onlyOperator() {
        require(msg.sender == operator, "SETTLE: not operator");
        _;
    }

    constructor(IERC20 token_, address operator_) {
        require(address(token_) != address(0), "SETTLE: token is zero");
        require(operator_ != address(0), "SETTLE: operator is zero");
        token = token_;
        operator = operator_;
        emit OperatorChanged(address(0), operator_);
    }

    function lock(bytes32 ref, address payee, uint256 amount) external {
        require(ref != bytes32(0), "SETTLE: ref is zero");
        require(payee != address(0), "SETTLE: payee is zero");
        require(amount > 0, "SETTLE: zero amount");
        require(payments[ref].state == State.None, "SETTLE: ref already used");
        payments[ref] = Payment(msg.sender, payee, amount, State.Locked);
        require(token.transferFrom(msg.sender, address(this), amount), "SETTLE: transfer failed");
        emit Locked(ref, msg.sender, payee, amount);
    }

    function settle(bytes32 ref, address payee, uint256 amount) external onlyOperator {
        Payment storage p = payments[ref];
        require(p.state == State.Locked, "SETTLE: not locked");
        require(p.payee == payee && p.amount == amount, "SETTLE: does not match lock");
        p.state = State.Settled;
        require(token.transfer(payee, amount), "SETTLE: transfer failed");
        emit Settled(ref, payee, amount);
    }

    function refund(bytes32 ref) external onlyOperator {
        Payment storage p = payments[ref];
        require(p.state == State.Locked, "SETTLE: not locked");
        p.state = State.Refunded;
        require(token.transfer(p.payer, p.amount), "SETTLE: transfer failed");
        emit Refunded(ref, p.payer, p.amount);
    }

    function setOperator(address next) external onlyOperator {
        require(next != address(0), "SETTLE: operator is zero");
        emit OperatorChanged(operator, next);
        operator = next;
    }
}
