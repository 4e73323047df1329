// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// Callee and Probe exercise what traces and the Filecoin precompiles show:
// CREATE (Probe's constructor), CREATE2, CALL, STATICCALL, DELEGATECALL, a
// caught revert, and the resolve_address and lookup_delegated_address
// precompiles. Compiled like Token.sol (testdata/node/compile.mjs) into
// Probe.json.
contract Callee {
    event Pinged(address indexed from, uint256 x);

    uint256 public last;

    function ping(uint256 x) external returns (uint256) {
        last = x;
        emit Pinged(msg.sender, x);
        return x + 1;
    }

    function fail() external pure {
        revert("Callee: no");
    }
}

contract Probe {
    // last comes first: Callee's code, run by delegatePing, writes slot 0.
    uint256 public last;
    Callee public callee;

    constructor() {
        callee = new Callee();
    }

    function callPing(uint256 x) external returns (uint256) {
        return callee.ping(x);
    }

    function peek() external view returns (uint256) {
        return callee.last();
    }

    function delegatePing(uint256 x) external returns (bool ok) {
        (ok, ) = address(callee).delegatecall(abi.encodeWithSelector(Callee.ping.selector, x));
    }

    function create2(bytes32 salt) external returns (address) {
        return address(new Callee{salt: salt}());
    }

    function tryFail() external returns (bool) {
        try callee.fail() {
            return true;
        } catch {
            last = 1;
            return false;
        }
    }

    // resolve asks the resolve_address precompile for the actor ID of a
    // Filecoin address (its byte form).
    function resolve(bytes calldata filAddr) external view returns (bool ok, bytes memory out) {
        (ok, out) = address(0xFE00000000000000000000000000000000000001).staticcall(filAddr);
    }

    // lookupDelegated asks the lookup_delegated_address precompile for an
    // actor's f4 address.
    function lookupDelegated(uint64 id) external view returns (bool ok, bytes memory out) {
        (ok, out) = address(0xfE00000000000000000000000000000000000002).staticcall(abi.encode(uint256(id)));
    }
}
