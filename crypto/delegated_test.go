package crypto

import (
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/filecoin-project/go-address"
	"golang.org/x/crypto/sha3"
)

// TestVerifyDelegated signs with the well-known Ethereum test key 0x45a915e4…, whose address
// is 0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b, i.e. the f4 address in namespace 10 with that
// subaddress.
func TestVerifyDelegated(t *testing.T) {
	key := secp256k1.PrivKeyFromBytes(mustHex(t, "45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8"))
	signer, err := address.NewDelegatedAddress(10, mustHex(t, "a94f5374fce5edbc8e2a8697c15331677e6ebf0b"))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("an rlp-encoded ethereum transaction")
	h := sha3.NewLegacyKeccak256()
	h.Write(msg)
	sig := signSecp(t, key, h.Sum(nil))
	if !VerifyDelegated(sig[:], msg, signer) {
		t.Fatal("valid delegated signature rejected")
	}
	high := malleate(sig)
	if !VerifyDelegated(high[:], msg, signer) {
		t.Fatal("high-S twin rejected")
	}
	otherNS, _ := address.NewDelegatedAddress(11, mustHex(t, "a94f5374fce5edbc8e2a8697c15331677e6ebf0b"))
	f1, _ := address.NewSecp256k1Address(key.PubKey().SerializeUncompressed())
	for name, c := range map[string]struct {
		sig    []byte
		msg    []byte
		signer address.Address
	}{
		"wrong message":   {sig[:], append(msg, 1), signer},
		"wrong namespace": {sig[:], msg, otherNS},
		"f1 signer":       {sig[:], msg, f1},
		"short":           {sig[:64], msg, signer},
		"blake2b digest":  {signSecpSlice(t, key, msg), msg, signer},
	} {
		if VerifyDelegated(c.sig, c.msg, c.signer) {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := DecodeSignature([]byte{3, 1}, false); err == nil {
		t.Error("delegated type decoded without allowDelegated")
	}
	if s, err := DecodeSignature(append([]byte{3}, sig[:]...), true); err != nil || s.Type != SigTypeDelegated || len(s.Data) != 65 {
		t.Errorf("delegated decode: %v %v", s, err)
	}
}
