// Package crypto owns the cryptographic primitives the FVM kernel exposes to actors through the
// `crypto` syscall namespace, implemented in pure Go with the reference's exact accept/reject
// behaviour:
//
//   - signature verification for secp256k1 (f1) and BLS (f3) signers ([VerifySignature]),
//   - BLS aggregate verification, the v4 `verify_bls_aggregate` syscall ([VerifyBLSAggregate]),
//   - secp256k1 public-key recovery for the EVM ([RecoverSecpPublicKey]),
//   - hashing by multihash code ([LookupHash], [HashInto]),
//   - unsealed sector CIDs (CommD) from piece infos ([ComputeUnsealedSectorCID]).
//
// Nothing here charges gas. The kernel charges the price-list entry (OnVerifySignature,
// OnVerifyBlsAggregateSignature, OnRecoverSecpPublicKey, OnHashing,
// OnComputeUnsealedSectorCid) before it calls into this package, in the order the reference
// does; see each function's doc for where the charge goes.
//
// Errors that the reference reports as the syscall error IllegalArgument wrap
// [ErrIllegalArgument]; match them with errors.Is. A signature that merely fails to verify is
// not an error: the verification functions return false.
//
// # How the kernel calls this package (syscall → kernel → here)
//
//	crypto.verify_signature:  ParseSignatureType(sig_type)            (IllegalArgument, no charge)
//	                          read address; charge OnVerifySignature(t, len(plaintext))
//	                          VerifySignature(t, sig, signer, plaintext) → 0 / -1 / IllegalArgument
//	crypto.verify_bls_aggregate (v4): bounds; charge OnVerifyBlsAggregateSignature(n, concat len)
//	                          SplitBLSPlaintexts(concat, lens)        (IllegalArgument)
//	                          VerifyBLSAggregate(sig, keys, plaintexts) → 0 / -1
//	crypto.recover_secp_public_key: charge OnRecoverSecpPublicKey
//	                          RecoverSecpPublicKey(hash, sig)         (IllegalArgument)
//	crypto.hash:              LookupHash(code) (IllegalArgument, before the charge)
//	                          charge OnHashing(code, len(data)); HashFunction.SumInto(data, out)
//	crypto.compute_unsealed_sector_cid: SealProofSectorSize(v, type) (IllegalArgument, no charge)
//	                          DecodePieceInfos(cbor) (IllegalArgument); charge
//	                          ComputeUnsealedSectorCID(v, type, pieces) (IllegalArgument)
//
// Reference: ref-fvm `shared/src/crypto/signature.rs`, `fvm/src/kernel/default.rs` and
// `fvm/src/kernel/filecoin.rs` at tags fvm@v3.13.3 and fvm@v4.8.2, which use k256 0.13.4,
// bls-signatures 0.15.0 (blstrs 0.7.1, blst 0.3.14) and filecoin-proofs 19.
package crypto
