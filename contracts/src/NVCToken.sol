// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title NVCToken (NVCT): the hub's ERC-20 settlement stablecoin.
/// @notice 6 decimals, like the hub's Money precision for NVCT. Minting is restricted to holders
///         of MINTER_ROLE, pausing (which stops transfers, mints and burns) to PAUSER_ROLE; the
///         admin role grants and revokes roles and is meant to be held by a MultiSigWallet.
contract NVCToken {
    bytes32 public constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    string public constant name = "NVC Token";
    string public constant symbol = "NVCT";
    uint8 public constant decimals = 6;

    uint256 public totalSupply;
    bool public paused;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(bytes32 => mapping(address => bool)) private _roles;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender);
    event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender);
    event Paused(address account);
    event Unpaused(address account);

    modifier onlyRole(bytes32 role) {
        require(_roles[role][msg.sender], "NVCT: missing role");
        _;
    }

    modifier whenNotPaused() {
        require(!paused, "NVCT: paused");
        _;
    }

    constructor(address admin) {
        require(admin != address(0), "NVCT: admin is zero");
        _grant(DEFAULT_ADMIN_ROLE, admin);
    }

    // --- roles ---

    function hasRole(bytes32 role, address account) external view returns (bool) {
        return _roles[role][account];
    }

    function grantRole(bytes32 role, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(account != address(0), "NVCT: account is zero");
        require(!_roles[role][account], "NVCT: role already granted");
        _grant(role, account);
    }

    function revokeRole(bytes32 role, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(_roles[role][account], "NVCT: role not granted");
        _roles[role][account] = false;
        emit RoleRevoked(role, account, msg.sender);
    }

    function renounceRole(bytes32 role) external {
        require(_roles[role][msg.sender], "NVCT: role not granted");
        _roles[role][msg.sender] = false;
        emit RoleRevoked(role, msg.sender, msg.sender);
    }

    // --- pausing ---

    function pause() external onlyRole(PAUSER_ROLE) {
        require(!paused, "NVCT: already paused");
        paused = true;
        emit Paused(msg.sender);
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        require(paused, "NVCT: not paused");
        paused = false;
        emit Unpaused(msg.sender);
    }

    // --- supply ---

    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) whenNotPaused {
        require(to != address(0), "NVCT: mint to zero");
        require(amount > 0, "NVCT: zero amount");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// Redemption: a holder burns its own tokens.
    function burn(uint256 amount) external whenNotPaused {
        require(amount > 0, "NVCT: zero amount");
        uint256 balance = balanceOf[msg.sender];
        require(balance >= amount, "NVCT: burn exceeds balance");
        unchecked {
            balanceOf[msg.sender] = balance - amount;
            totalSupply -= amount;
        }
        emit Transfer(msg.sender, address(0), amount);
    }

    // --- ERC-20 ---

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        require(spender != address(0), "NVCT: approve to zero");
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "NVCT: insufficient allowance");
            unchecked {
                allowance[from][msg.sender] = allowed - amount;
            }
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) private whenNotPaused {
        require(to != address(0), "NVCT: transfer to zero");
        uint256 balance = balanceOf[from];
        require(balance >= amount, "NVCT: insufficient balance");
        unchecked {
            balanceOf[from] = balance - amount;
        }
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }

    function _grant(bytes32 role, address account) private {
        _roles[role][account] = true;
        emit RoleGranted(role, account, msg.sender);
    }
}
