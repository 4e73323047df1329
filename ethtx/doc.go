// Package ethtx converts Ethereum transactions to Filecoin messages and back,
// exactly as Lotus does, so that f410 senders, message CIDs and transaction
// hashes are the ones a real Filecoin network gives.
//
// A signed envelope (legacy Homestead, legacy EIP-155 or EIP-1559; decoded
// with go-ethereum's core/types) becomes a Filecoin SignedMessage:
//
//   - From is the f410 address of the recovered sender;
//   - a transaction without a recipient calls the Ethereum Address Manager
//     (f010) CreateExternal (method 4); any other calls InvokeContract
//     (method 3844450837) on the recipient's Filecoin address (f410, or the
//     ID address of a masked-ID 0xff… address);
//   - Params is the input as a CBOR byte string (nil for empty input);
//   - GasFeeCap/GasPremium are maxFeePerGas/maxPriorityFeePerGas (the gas
//     price twice for legacy transactions);
//   - the signature is of the delegated type: r ‖ s ‖ v for EIP-1559,
//     0x01 ‖ r ‖ s ‖ v for Homestead and 0x02 ‖ r ‖ s ‖ v (v big-endian,
//     chainID·2+35/36) for EIP-155, so the envelope can be rebuilt from the
//     message alone ([FromSignedMessage]).
//
// The transaction hash is keccak-256 of the signed envelope; [Authenticate]
// checks a delegated signature the way a Lotus node does before accepting the
// message.
//
// Lotus's chain/types/ethtypes is the specification (read, not imported).
package ethtx
