// Package wallet holds the devnet's keys: secp256k1 (f1), BLS (f3) and
// Ethereum (delegated, f410) keys, their addresses, and signing as Filecoin
// wallets sign (secp256k1 over blake2b-256 of the data, BLS with Filecoin's
// ciphersuite, delegated over keccak-256). Dev keys are derived
// deterministically from a BIP-39 mnemonic (or a raw seed) along BIP-32
// paths: m/44'/60'/0'/0/i for Ethereum accounts (the keys Anvil and Hardhat
// derive from the same mnemonic), m/44'/461'/0'/0/i for f1 accounts and
// m/44'/461'/1'/0/i for BLS (f3) keys (DeriveBLS; the devnet's miner).
//
// These are development keys printed to the terminal: never use them for
// anything of value.
package wallet
