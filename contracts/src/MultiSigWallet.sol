// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title MultiSigWallet: M-of-N owners confirm a call before anyone may execute it.
/// @notice Holds administrative rights (the token's admin and pauser roles, the settlement
///         operator's change) so that no single key can use them. The requirement itself changes
///         only through the wallet.
contract MultiSigWallet {
    struct Transaction {
        address to;
        uint256 value;
        bytes data;
        bool executed;
        uint256 confirmations;
    }

    address[] public owners;
    mapping(address => bool) public isOwner;
    uint256 public required;
    Transaction[] public transactions;
    mapping(uint256 => mapping(address => bool)) public confirmed;

    event Submitted(uint256 indexed id, address indexed owner, address indexed to, uint256 value, bytes data);
    event Confirmed(uint256 indexed id, address indexed owner);
    event Revoked(uint256 indexed id, address indexed owner);
    event Executed(uint256 indexed id);
    event RequirementChanged(uint256 required);
    event Deposit(address indexed sender, uint256 value);

    modifier onlyOwner() {
        require(isOwner[msg.sender], "MSIG: not owner");
        _;
    }

    modifier onlyWallet() {
        require(msg.sender == address(this), "MSIG: only wallet");
        _;
    }

    modifier exists(uint256 id) {
        require(id < transactions.length, "MSIG: no such transaction");
        _;
    }

    modifier notExecuted(uint256 id) {
        require(!transactions[id].executed, "MSIG: already executed");
        _;
    }

    constructor(address[] memory owners_, uint256 required_) {
        require(owners_.length > 0, "MSIG: no owners");
        require(required_ > 0 && required_ <= owners_.length, "MSIG: bad requirement");
        for (uint256 i = 0; i < owners_.length; i++) {
            address owner = owners_[i];
            require(owner != address(0), "MSIG: owner is zero");
            require(!isOwner[owner], "MSIG: duplicate owner");
            isOwner[owner] = true;
            owners.push(owner);
        }
        required = required_;
    }

    receive() external payable {
        emit Deposit(msg.sender, msg.value);
    }

    function ownerCount() external view returns (uint256) {
        return owners.length;
    }

    function transactionCount() external view returns (uint256) {
        return transactions.length;
    }

    /// Proposes a call and confirms it for the sender.
    function submit(address to, uint256 value, bytes calldata data) external onlyOwner returns (uint256 id) {
        require(to != address(0), "MSIG: target is zero");
        id = transactions.length;
        transactions.push(Transaction(to, value, data, false, 0));
        emit Submitted(id, msg.sender, to, value, data);
        _confirm(id);
    }

    function confirm(uint256 id) external onlyOwner exists(id) notExecuted(id) {
        _confirm(id);
    }

    function revoke(uint256 id) external onlyOwner exists(id) notExecuted(id) {
        require(confirmed[id][msg.sender], "MSIG: not confirmed");
        confirmed[id][msg.sender] = false;
        transactions[id].confirmations -= 1;
        emit Revoked(id, msg.sender);
    }

    function execute(uint256 id) external onlyOwner exists(id) notExecuted(id) {
        Transaction storage t = transactions[id];
        require(t.confirmations >= required, "MSIG: not enough confirmations");
        t.executed = true;
        (bool ok, bytes memory ret) = t.to.call{value: t.value}(t.data);
        if (!ok) {
            // Bubble the callee's revert reason up unchanged.
            if (ret.length > 0) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
            revert("MSIG: call failed");
        }
        emit Executed(id);
    }

    function changeRequirement(uint256 required_) external onlyWallet {
        require(required_ > 0 && required_ <= owners.length, "MSIG: bad requirement");
        required = required_;
        emit RequirementChanged(required_);
    }

    function _confirm(uint256 id) private {
        require(!confirmed[id][msg.sender], "MSIG: already confirmed");
        confirmed[id][msg.sender] = true;
        transactions[id].confirmations += 1;
        emit Confirmed(id, msg.sender);
    }
}
