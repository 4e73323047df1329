package crypto

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"testing"

	gnarkecdsa "github.com/consensys/gnark-crypto/ecc/secp256k1/ecdsa"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// gnarkRecover recovers with gnark-crypto's independent secp256k1 implementation, which
// neither normalises s nor supports x = r + n; it serves as an oracle for recovery ids 0 and 1.
func gnarkRecover(hash []byte, sig *[65]byte) ([]byte, bool) {
	var pk gnarkecdsa.PublicKey
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:64])
	if err := pk.RecoverFrom(hash, uint(sig[64]), r, s); err != nil {
		return nil, false
	}
	x := pk.A.X.Bytes()
	y := pk.A.Y.Bytes()
	return append(append([]byte{4}, x[:]...), y[:]...), true
}

// TestSecpRecoverDifferential compares recovery with gnark-crypto on honest signatures, their
// high-S twins (recovery id flipped: the same key), and random r, s with recovery ids 0 and 1.
func TestSecpRecoverDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var buf [32]byte
	for i := 0; i < 300; i++ {
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		key := secp256k1.PrivKeyFromBytes(buf[:])
		var digest [32]byte
		for j := range digest {
			digest[j] = byte(rng.Uint32())
		}
		sig := signSecp(t, key, digest[:])
		for _, s := range [][65]byte{sig, malleate(sig)} {
			ours, err := RecoverSecpPublicKey(&digest, &s)
			theirs, ok := gnarkRecover(digest[:], &s)
			if err != nil || !ok || !bytes.Equal(ours[:], theirs) || !bytes.Equal(ours[:], key.PubKey().SerializeUncompressed()) {
				t.Fatalf("iteration %d: ours %x (%v), gnark %x (%v)", i, ours, err, theirs, ok)
			}
		}
		// Random signatures: whenever gnark recovers a key, it is ours too.
		var rs [65]byte
		for j := 0; j < 64; j++ {
			rs[j] = byte(rng.Uint32())
		}
		rs[64] = byte(rng.IntN(2))
		ours, err := RecoverSecpPublicKey(&digest, &rs)
		theirs, ok := gnarkRecover(digest[:], &rs)
		if ok != (err == nil) && !(ok && bytes.Equal(theirs[1:], make([]byte, 64))) {
			t.Fatalf("iteration %d: random signature: ours err %v, gnark ok %v", i, err, ok)
		}
		if ok && err == nil && !bytes.Equal(ours[:], theirs) {
			t.Fatalf("iteration %d: random signature: keys differ", i)
		}
	}
}
