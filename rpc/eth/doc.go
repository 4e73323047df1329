// Package eth serves Ethereum JSON-RPC on the devnet: the eth_, net_ and
// web3_ methods Ethereum tools use, Anvil's and Hardhat's developer
// conveniences (evm_mine, evm_snapshot, anvil_setBalance, ...), and traces
// (debug_traceTransaction with callTracer, trace_transaction and trace_block
// in Lotus's Parity shape). It stands on the devnet's chain and the public
// FVM API, with Lotus's semantics where Filecoin differs from Ethereum.
package eth
