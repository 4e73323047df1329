package crypto

import (
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/filecoin-project/go-address"
	"golang.org/x/crypto/blake2b"
)

// secp256k1 sizes (ref-fvm `fvm_shared::crypto::signature`).
const (
	// SecpSigLen is the length of a recoverable secp256k1 signature: r ‖ s ‖ recovery id.
	SecpSigLen = 65
	// SecpPubLen is the length of an uncompressed secp256k1 public key (0x04 ‖ x ‖ y).
	SecpPubLen = 65
	// SecpHashLen is the length of the message digest given to recovery.
	SecpHashLen = 32
)

// compactMagic is the offset decred adds to the recovery id in its compact format.
const compactMagic = 27

// RecoverSecpPublicKey recovers the uncompressed public key that produced sig over the 32-byte
// pre-hashed message hash. sig is r (32 bytes, big endian) ‖ s (32 bytes) ‖ recovery id.
//
// Behaviour, as ref-fvm v3.13.3 and v4.8.2 (k256 0.13.4 with the malleability fix of ref-fvm
// PRs #2157/#2158, released in fvm_shared 2.11.1, 3.13.1 and 4.7.1; the k256 releases just
// before them, 2.11.0/3.13.0/4.7.0, rejected high-S, and the older libsecp256k1 ones accepted
// it, so mainnet history is consistent with accepting):
//   - r or s zero, or not below the group order n: error;
//   - high s (s > n/2) is accepted: s is replaced by n-s and bit 0 of the recovery id flipped
//     (Ethereum compatibility, "malleable" signatures), which recovers the same key;
//   - the recovery id, after that flip, must be 0..3 (bit 1 selects x = r + n, which must be
//     below the field prime);
//   - a recovered point at infinity is an error.
//
// Every error wraps [ErrInvalidSecpSignature] and [ErrIllegalArgument]. The kernel charges
// OnRecoverSecpPublicKey before calling.
func RecoverSecpPublicKey(hash *[SecpHashLen]byte, sig *[SecpSigLen]byte) ([SecpPubLen]byte, error) {
	var out [SecpPubLen]byte
	var r, s secp256k1.ModNScalar
	if overflow := r.SetByteSlice(sig[0:32]); overflow || r.IsZero() {
		return out, secpErr("r is zero or not below the group order")
	}
	if overflow := s.SetByteSlice(sig[32:64]); overflow || s.IsZero() {
		return out, secpErr("s is zero or not below the group order")
	}
	recID := sig[64]
	// Quirk (ref-fvm fvm_shared >= 2.11.1): high-S signatures are normalised, not rejected,
	// and the recovery id's parity bit flips with them.
	if s.IsOverHalfOrder() {
		s.Negate()
		recID ^= 1
	}
	if recID > 3 {
		return out, secpErr(fmt.Sprintf("recovery id %d is not in 0..3", recID))
	}
	var compact [SecpSigLen]byte
	compact[0] = compactMagic + recID
	r.PutBytesUnchecked(compact[1:33])
	s.PutBytesUnchecked(compact[33:65])
	pub, _, err := ecdsa.RecoverCompact(compact[:], hash[:])
	if err != nil {
		return out, secpErr(err.Error())
	}
	copy(out[:], pub.SerializeUncompressed())
	return out, nil
}

func secpErr(msg string) error {
	return fmt.Errorf("%w: %w: %s", ErrIllegalArgument, ErrInvalidSecpSignature, msg)
}

// VerifySecp256k1 reports whether sig is a valid secp256k1 signature by the f1 address signer
// over plaintext: the signature must be 65 bytes, the digest is blake2b-256(plaintext), and the
// f1 address of the recovered key must equal signer. Any failure, including a signer that is
// not an f1 address, is false.
func VerifySecp256k1(sig, plaintext []byte, signer address.Address) bool {
	if signer.Protocol() != address.SECP256K1 || len(sig) != SecpSigLen {
		return false
	}
	digest := blake2b.Sum256(plaintext)
	pub, err := RecoverSecpPublicKey(&digest, (*[SecpSigLen]byte)(sig))
	if err != nil {
		return false
	}
	recovered, err := address.NewSecp256k1Address(pub[:])
	if err != nil {
		return false
	}
	return recovered == signer
}
