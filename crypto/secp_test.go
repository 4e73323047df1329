package crypto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/filecoin-project/go-address"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/sha3"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// secpOrder is the secp256k1 group order n.
const secpOrderHex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

// signSecp signs a 32-byte digest and returns r ‖ s ‖ v (v in 0..3, low S), the FVM layout.
func signSecp(t testing.TB, key *secp256k1.PrivateKey, digest []byte) [65]byte {
	t.Helper()
	compact := ecdsa.SignCompact(key, digest, false) // [27+v] ‖ r ‖ s
	var sig [65]byte
	copy(sig[:64], compact[1:])
	sig[64] = compact[0] - 27
	return sig
}

// malleate returns the high-S twin of a signature: s' = n - s and the parity bit flipped.
func malleate(sig [65]byte) [65]byte {
	var s secp256k1.ModNScalar
	s.SetByteSlice(sig[32:64])
	s.Negate()
	s.PutBytesUnchecked(sig[32:64])
	sig[64] ^= 1
	return sig
}

func testKey(t testing.TB, seed byte) *secp256k1.PrivateKey {
	t.Helper()
	k := bytes.Repeat([]byte{seed}, 32)
	return secp256k1.PrivKeyFromBytes(k)
}

// TestSecpRecoverEthereumVector is the malleability vector of the reference's own tests, a
// well-known Ethereum transaction: a high-S signature (v = 0x1c) whose signer's Ethereum
// address is a94f5374fce5edbc8e2a8697c15331677e6ebf0b (the key 0x45a915e4…).
func TestSecpRecoverEthereumVector(t *testing.T) {
	var digest [32]byte
	copy(digest[:], mustHex(t, "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c"))
	var sig [65]byte
	copy(sig[:32], mustHex(t, "73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f"))
	copy(sig[32:64], mustHex(t, "eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549"))
	sig[64] = 0x1c - 27
	pub, err := RecoverSecpPublicKey(&digest, &sig)
	if err != nil {
		t.Fatal(err)
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(pub[1:])
	if got := hex.EncodeToString(h.Sum(nil)[12:]); got != "a94f5374fce5edbc8e2a8697c15331677e6ebf0b" {
		t.Fatalf("recovered eth address %s", got)
	}
	// The same key from the private key, to be sure the whole 65 bytes match.
	key := secp256k1.PrivKeyFromBytes(mustHex(t, "45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8"))
	if !bytes.Equal(pub[:], key.PubKey().SerializeUncompressed()) {
		t.Fatalf("recovered %x", pub)
	}
}

// TestSecpRecoverGenerator: private key 1 has the generator G as its public key.
func TestSecpRecoverGenerator(t *testing.T) {
	key := secp256k1.PrivKeyFromBytes(append(make([]byte, 31), 1))
	digest := blake2b.Sum256([]byte("go-fvm"))
	sig := signSecp(t, key, digest[:])
	pub, err := RecoverSecpPublicKey(&digest, &sig)
	if err != nil {
		t.Fatal(err)
	}
	const g = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
	if hex.EncodeToString(pub[:]) != g {
		t.Fatalf("recovered %x, want G", pub)
	}
}

func TestSecpRecoverRejects(t *testing.T) {
	key := testKey(t, 7)
	digest := blake2b.Sum256([]byte("message"))
	good := signSecp(t, key, digest[:])
	n := mustHex(t, secpOrderHex)
	cases := map[string]func(s *[65]byte){
		"r zero":          func(s *[65]byte) { clear(s[:32]) },
		"s zero":          func(s *[65]byte) { clear(s[32:64]) },
		"r = n":           func(s *[65]byte) { copy(s[:32], n) },
		"s = n":           func(s *[65]byte) { copy(s[32:64], n) },
		"r all ones":      func(s *[65]byte) { copy(s[:32], bytes.Repeat([]byte{0xff}, 32)) },
		"s all ones":      func(s *[65]byte) { copy(s[32:64], bytes.Repeat([]byte{0xff}, 32)) },
		"v = 4":           func(s *[65]byte) { s[64] = 4 },
		"v = 27":          func(s *[65]byte) { s[64] = 27 },
		"v = 255":         func(s *[65]byte) { s[64] = 255 },
		"x-reduced large": func(s *[65]byte) { s[64] |= 2 }, // r + n >= p for almost every r
	}
	for name, mut := range cases {
		sig := good
		mut(&sig)
		_, err := RecoverSecpPublicKey(&digest, &sig)
		if !errors.Is(err, ErrInvalidSecpSignature) || !errors.Is(err, ErrIllegalArgument) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

// TestSecpRecoverXReduced exercises recovery ids 2 and 3 (x = r + n) with an r small enough
// that r + n is below p: either a point exists and a key is recovered, or recovery fails; it
// must not panic, and the key must be the one that verifies.
func TestSecpRecoverXReduced(t *testing.T) {
	digest := blake2b.Sum256([]byte("x"))
	for v := byte(2); v <= 3; v++ {
		var sig [65]byte
		sig[31] = 5 // r = 5, r + n < p
		sig[63] = 9 // s = 9
		sig[64] = v
		pub, err := RecoverSecpPublicKey(&digest, &sig)
		if err != nil {
			continue
		}
		pk, err := secp256k1.ParsePubKey(pub[:])
		if err != nil {
			t.Fatal(err)
		}
		var r, s secp256k1.ModNScalar
		r.SetInt(5)
		s.SetInt(9)
		if !ecdsa.NewSignature(&r, &s).Verify(digest[:], pk) {
			t.Errorf("v=%d: recovered key does not verify", v)
		}
	}
}

// TestSecpMalleable: the high-S twin with the flipped recovery id recovers the same key
// (accepted since fvm_shared 2.11.1); with the original id it recovers a different key.
func TestSecpMalleable(t *testing.T) {
	for seed := byte(1); seed < 20; seed++ {
		key := testKey(t, seed)
		msg := []byte{seed, 1, 2, 3}
		digest := blake2b.Sum256(msg)
		sig := signSecp(t, key, digest[:])
		high := malleate(sig)
		pub, err := RecoverSecpPublicKey(&digest, &high)
		if err != nil || !bytes.Equal(pub[:], key.PubKey().SerializeUncompressed()) {
			t.Fatalf("seed %d: high-S twin: %x %v", seed, pub, err)
		}
		addr, _ := address.NewSecp256k1Address(key.PubKey().SerializeUncompressed())
		if !VerifySecp256k1(high[:], msg, addr) {
			t.Fatalf("seed %d: high-S twin rejected", seed)
		}
		wrongParity := high
		wrongParity[64] ^= 1
		if VerifySecp256k1(wrongParity[:], msg, addr) {
			t.Fatalf("seed %d: high-S with unflipped recovery id accepted", seed)
		}
	}
}

func TestVerifySecp256k1(t *testing.T) {
	key := testKey(t, 3)
	other := testKey(t, 4)
	addr, _ := address.NewSecp256k1Address(key.PubKey().SerializeUncompressed())
	otherAddr, _ := address.NewSecp256k1Address(other.PubKey().SerializeUncompressed())
	msg := []byte("a filecoin message cid")
	digest := blake2b.Sum256(msg)
	sig := signSecp(t, key, digest[:])
	blsAddr, _ := address.NewBLSAddress(make([]byte, 48))
	idAddr, _ := address.NewIDAddress(100)

	if !VerifySecp256k1(sig[:], msg, addr) {
		t.Fatal("valid signature rejected")
	}
	cases := []struct {
		name string
		sig  []byte
		msg  []byte
		addr address.Address
	}{
		{"wrong key", sig[:], msg, otherAddr},
		{"wrong message", sig[:], []byte("another message"), addr},
		{"short", sig[:64], msg, addr},
		{"long", append(sig[:], 0), msg, addr},
		{"empty", nil, msg, addr},
		{"bls signer", sig[:], msg, blsAddr},
		{"id signer", sig[:], msg, idAddr},
		{"sha256 digest", signSecpSlice(t, key, msg), msg, addr},
	}
	for _, c := range cases {
		if VerifySecp256k1(c.sig, c.msg, c.addr) {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

// signSecpSlice signs sha256(msg) rather than blake2b-256(msg): a signature over the wrong
// digest.
func signSecpSlice(t testing.TB, key *secp256k1.PrivateKey, msg []byte) []byte {
	d, _ := Hash(HashSha2_256, msg)
	s := signSecp(t, key, d)
	return s[:]
}
