package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/filecoin-project/go-address"
)

// BLS sizes (ref-fvm `fvm_shared::crypto::signature`).
const (
	// BLSSigLen is the length of a compressed G2 signature.
	BLSSigLen = 96
	// BLSPubLen is the length of a compressed G1 public key.
	BLSPubLen = 48
)

// BLSDST is the hash-to-curve domain separation tag Filecoin signs with (the IETF "NUL"
// ciphersuite, min-pubkey-size, basic scheme; not the Ethereum proof-of-possession DST).
const BLSDST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"

// compressedFlag is the top bit of a compressed point encoding; blst refuses uncompressed input
// in its compressed decoder.
const compressedFlag = 0x80

var (
	errBLSLength   = errors.New("wrong length")
	errBLSEncoding = errors.New("not a compressed point")
)

// DecodeBLSPublicKey decodes a 48-byte compressed G1 public key the way blstrs
// `G1Affine::from_compressed` does: the compression flag must be set; the infinity flag only
// with every other bit zero; x must be canonical (below p) and on the curve; the point must be in
// the prime-order subgroup. The point at infinity decodes successfully (it is rejected later, at
// verification).
func DecodeBLSPublicKey(b []byte) (bls12381.G1Affine, error) {
	var p bls12381.G1Affine
	if len(b) != BLSPubLen {
		return p, fmt.Errorf("bls public key: %w: %d bytes, want %d", errBLSLength, len(b), BLSPubLen)
	}
	if b[0]&compressedFlag == 0 {
		return p, fmt.Errorf("bls public key: %w", errBLSEncoding)
	}
	if _, err := p.SetBytes(b); err != nil {
		return p, fmt.Errorf("bls public key: %w", err)
	}
	return p, nil
}

// DecodeBLSSignature decodes a 96-byte compressed G2 signature with the same rules as
// [DecodeBLSPublicKey] (blstrs `G2Affine::from_compressed`: subgroup-checked; infinity decodes).
func DecodeBLSSignature(b []byte) (bls12381.G2Affine, error) {
	var p bls12381.G2Affine
	if len(b) != BLSSigLen {
		return p, fmt.Errorf("bls signature: %w: %d bytes, want %d", errBLSLength, len(b), BLSSigLen)
	}
	if b[0]&compressedFlag == 0 {
		return p, fmt.Errorf("bls signature: %w", errBLSEncoding)
	}
	if _, err := p.SetBytes(b); err != nil {
		return p, fmt.Errorf("bls signature: %w", err)
	}
	return p, nil
}

// VerifyBLS reports whether sig is a valid BLS signature by the f3 address signer over
// plaintext (ref-fvm `verify_bls_sig`). Any failure, including a signer that is not an f3
// address, an undecodable key or signature, or a key at infinity, is false.
func VerifyBLS(sig, plaintext []byte, signer address.Address) bool {
	if signer.Protocol() != address.BLS {
		return false
	}
	pk, err := DecodeBLSPublicKey(signer.Payload())
	if err != nil {
		return false
	}
	s, err := DecodeBLSSignature(sig)
	if err != nil {
		return false
	}
	return verifyMessages(&s, [][]byte{plaintext}, []bls12381.G1Affine{pk})
}

// VerifyBLSAggregate reports whether sig is a valid aggregate BLS signature over plaintexts[i]
// by pubKeys[i] for every i (ref-fvm v4 `verify_bls_aggregate`, FIP-0079).
//
//   - Unequal numbers of keys and plaintexts: error wrapping [ErrIllegalArgument]. (The kernel
//     checks this before charging; the syscall cannot produce it.)
//   - No signers: true, whatever the signature bytes.
//   - An undecodable signature or key, a key at infinity, a repeated plaintext, or a failed
//     pairing check: false.
//
// The kernel charges OnVerifyBlsAggregateSignature(n, total plaintext length) before calling,
// and splits the concatenated plaintexts with [SplitBLSPlaintexts].
func VerifyBLSAggregate(sig *[BLSSigLen]byte, pubKeys [][BLSPubLen]byte, plaintexts [][]byte) (bool, error) {
	if len(pubKeys) != len(plaintexts) {
		return false, fmt.Errorf("%w: %d bls public keys but %d plaintexts", ErrIllegalArgument, len(pubKeys), len(plaintexts))
	}
	if len(pubKeys) == 0 {
		// Quirk (ref-fvm v4 verify_bls_aggregate): an empty aggregate is valid, and the
		// signature is not even decoded.
		return true, nil
	}
	s, err := DecodeBLSSignature(sig[:])
	if err != nil {
		return false, nil
	}
	keys := make([]bls12381.G1Affine, len(pubKeys))
	for i := range pubKeys {
		if keys[i], err = DecodeBLSPublicKey(pubKeys[i][:]); err != nil {
			return false, nil
		}
	}
	return verifyMessages(&s, plaintexts, keys), nil
}

// SplitBLSPlaintexts splits the concatenated plaintexts of the `verify_bls_aggregate` syscall by
// their lengths, as the v4 kernel does after charging: a length running past the buffer, or
// lengths that do not add up to exactly the buffer, is an error wrapping [ErrIllegalArgument].
func SplitBLSPlaintexts(concat []byte, lens []uint32) ([][]byte, error) {
	out := make([][]byte, len(lens))
	off := uint64(0)
	for i, l := range lens {
		end := off + uint64(l)
		if end > uint64(len(concat)) {
			return nil, fmt.Errorf("%w: bls plaintext %d (length %d at offset %d) runs past the %d-byte buffer", ErrIllegalArgument, i, l, off, len(concat))
		}
		out[i] = concat[off:end:end]
		off = end
	}
	if off != uint64(len(concat)) {
		return nil, fmt.Errorf("%w: bls plaintext lengths add up to %d, buffer is %d bytes", ErrIllegalArgument, off, len(concat))
	}
	return out, nil
}

// verifyMessages mirrors bls-signatures 0.15 `verify_messages` with the blst backend:
// false for no messages, a count mismatch, a repeated message, or any public key at infinity
// (blst's pairing aggregation refuses infinite keys); otherwise the pairing check
// e(G1, sig) == ∏ e(pk_i, H(m_i)) with H the RFC 9380 hash to G2 under [BLSDST].
func verifyMessages(sig *bls12381.G2Affine, msgs [][]byte, keys []bls12381.G1Affine) bool {
	if len(msgs) == 0 || len(msgs) != len(keys) {
		return false
	}
	if !uniqueMessages(msgs) {
		return false
	}
	for i := range keys {
		if keys[i].IsInfinity() {
			return false
		}
	}
	ps := make([]bls12381.G1Affine, 0, len(keys)+1)
	qs := make([]bls12381.G2Affine, 0, len(keys)+1)
	hashes, err := hashToG2All(msgs)
	if err != nil {
		return false
	}
	ps = append(ps, keys...)
	qs = append(qs, hashes...)
	_, _, g1, _ := bls12381.Generators()
	var negG1 bls12381.G1Affine
	negG1.Neg(&g1)
	ps = append(ps, negG1)
	qs = append(qs, *sig)
	ok, err := bls12381.PairingCheck(ps, qs)
	return err == nil && ok
}

// uniqueMessages reports whether no two messages are byte-for-byte equal (blst `uniq`).
func uniqueMessages(msgs [][]byte) bool {
	if len(msgs) < 2 {
		return true
	}
	idx := make([]int, len(msgs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return bytes.Compare(msgs[idx[a]], msgs[idx[b]]) < 0 })
	for i := 1; i < len(idx); i++ {
		if bytes.Equal(msgs[idx[i-1]], msgs[idx[i]]) {
			return false
		}
	}
	return true
}

// hashToG2All hashes every message to G2. Each result depends only on its message, so the
// work is split across goroutines without affecting determinism.
func hashToG2All(msgs [][]byte) ([]bls12381.G2Affine, error) {
	out := make([]bls12381.G2Affine, len(msgs))
	errs := make([]error, len(msgs))
	parallelFor(len(msgs), func(i int) {
		out[i], errs[i] = bls12381.HashToG2(msgs[i], []byte(BLSDST))
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
