// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title Hostile
/// @notice Messages that an attacker would send to find the work a VM does
/// slower than its gas prices it: memory growth, large returns and reverts,
/// events, hashing over large memory, deep recursion, call loops, storage
/// fills and garbage to precompiles. Every loop is bounded by its arguments,
/// so one message's gas is chosen by the caller.
///
/// Compiled by internal/hostile/testdata/compile.js (solc-js 0.8.28,
/// evmVersion paris, optimizer on with 200 runs); the output is Hostile.json.
contract Hostile {
    mapping(uint256 => uint256) private slots;

    /// @notice Grows EVM memory to n bytes once (new bytes(n) zero-fills it).
    function grow(uint256 n) external pure returns (uint256) {
        bytes memory b = new bytes(n);
        return b.length;
    }

    /// @notice Grows memory to n bytes by touching its last word, rounds
    /// times in a row (the first grows, the rest find it grown).
    function touch(uint256 n, uint256 rounds) external pure returns (uint256 s) {
        assembly {
            for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                mstore(sub(n, 32), i)
                s := add(s, mload(sub(n, 32)))
            }
        }
    }

    /// @notice One level of a call tree: grow memory to n bytes, then run the
    /// next level in a new call (a new actor instance with its own memory).
    /// Returns how many levels below and including this one succeeded; a
    /// level that fails (memory exhausted) counts as none.
    function level(uint256 depth, uint256 n) public returns (uint256 done) {
        assembly { mstore(sub(n, 32), depth) }
        if (depth <= 1) return 1;
        try this.level(depth - 1, n) returns (uint256 below) {
            return below + 1;
        } catch {
            return 1;
        }
    }

    /// @notice Runs level(depth, n) rounds times; returns the levels done.
    function tree(uint256 depth, uint256 n, uint256 rounds) external returns (uint256 total) {
        for (uint256 i = 0; i < rounds; i++) {
            try this.level(depth, n) returns (uint256 d) {
                total += d;
            } catch {}
        }
    }

    /// @notice Returns n bytes (of zero memory).
    function ret(uint256 n) external pure {
        assembly { return(0, n) }
    }

    /// @notice Reverts with n bytes (of zero memory).
    function rev(uint256 n) external pure {
        assembly { revert(0, n) }
    }

    /// @notice Calls ret(n) (or rev(n) when reverting) on itself rounds
    /// times and returns the total size of what came back, without copying
    /// it into memory.
    function bounce(uint256 n, uint256 rounds, bool reverting) external view returns (uint256 total) {
        bytes4 sel = reverting ? this.rev.selector : this.ret.selector;
        assembly {
            for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                mstore(0, sel)
                mstore(4, n)
                pop(staticcall(gas(), address(), 0, 36, 0, 0))
                total := add(total, returndatasize())
            }
        }
    }

    /// @notice Emits count events of size bytes of data and four topics.
    function logs(uint256 count, uint256 size) external {
        assembly {
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                log4(0, size, i, 1, 2, 3)
            }
        }
    }

    /// @notice Hashes the first n bytes of memory with the sha256 precompile
    /// rounds times; returns the last digest.
    function hash(uint256 n, uint256 rounds) external view returns (bytes32 h) {
        assembly {
            for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                mstore(0, h)
                if iszero(staticcall(gas(), 2, 0, n, 0, 32)) { revert(0, 0) }
                h := mload(0)
            }
        }
    }

    /// @notice Calls itself depth deep (external calls); returns the depth.
    function rec(uint256 depth) public returns (uint256) {
        if (depth == 0) return 0;
        return this.rec(depth - 1) + 1;
    }

    /// @notice Does nothing.
    function noop() external pure {}

    /// @notice Calls noop on itself rounds times.
    function callLoop(uint256 rounds) external view {
        for (uint256 i = 0; i < rounds; i++) {
            this.noop();
        }
    }

    /// @notice Loops until the gas runs out.
    function spin() external pure {
        assembly {
            for {} 1 {} {}
        }
    }

    /// @notice Writes n fresh storage slots from start on.
    function fill(uint256 start, uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            slots[start + i] = i + 1;
        }
    }

    /// @notice Calls precompile (or any address) a rounds times with the
    /// first n bytes of memory after filling them with pseudo-random bytes
    /// from seed; returns how many calls succeeded.
    function garbage(address a, uint256 n, uint256 rounds, uint256 seed) external returns (uint256 ok) {
        assembly {
            mstore(0, seed)
            for { let p := 32 } lt(p, n) { p := add(p, 32) } {
                mstore(p, keccak256(sub(p, 32), 32))
            }
            for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                ok := add(ok, call(gas(), a, 0, 0, n, 0, 0))
            }
            // Restore the free-memory pointer and the zero slot.
            mstore(0x40, 0x80)
            mstore(0x60, 0)
        }
    }
}
