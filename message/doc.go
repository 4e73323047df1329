// Package message owns the Filecoin message as the FVM receives it: the
// unsigned Message (a 10-tuple), the SignedMessage, their CBOR encodings and
// CIDs, and the on-chain length the executor charges inclusion gas for.
package message
