// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Counter is the contract of go-fvm's examples: a storage slot, an event
// and a return value.
contract Counter {
    uint256 public count; // storage slot 0

    event Incremented(address indexed by, uint256 count);

    error TooLarge(uint256 by);

    // increment adds by to count, emits Incremented and returns the new count.
    function increment(uint256 by) external returns (uint256) {
        if (by > 1000) revert TooLarge(by);
        count += by;
        emit Incremented(msg.sender, count);
        return count;
    }
}
