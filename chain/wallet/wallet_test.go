package wallet

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/go-fvm/go-fvm/crypto"
)

// The keys Anvil and Hardhat print for the default mnemonic (public values).
func TestDeriveAnvilAccounts(t *testing.T) {
	seed, err := MnemonicSeed(DefaultMnemonic, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		index    int
		key, eth string
	}{
		{0, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"},
		{1, "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"},
	} {
		priv, err := Derive(seed, fmt.Sprintf(EthPath, tc.index))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(priv); got != tc.key {
			t.Errorf("account %d: key %s, want %s", tc.index, got, tc.key)
		}
		k, err := NewKey(Delegated, priv)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := k.EthAddress()
		if !ok || e.String() != tc.eth {
			t.Errorf("account %d: address %s, want %s", tc.index, e, tc.eth)
		}
	}
}

func TestSignVerifies(t *testing.T) {
	data := []byte("devnet message")
	for _, typ := range []KeyType{Secp256k1, BLS, Delegated} {
		t.Run(string(typ), func(t *testing.T) {
			k, err := Generate(typ, nil)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := k.Sign(data)
			if err != nil {
				t.Fatal(err)
			}
			var ok bool
			switch typ {
			case Delegated:
				ok = crypto.VerifyDelegated(sig.Data, data, k.Address)
			default:
				ok, err = crypto.VerifySignature(crypto.SignatureType(sig.Type), sig.Data, k.Address, data)
				if err != nil {
					t.Fatal(err)
				}
			}
			if !ok {
				t.Fatalf("%s signature does not verify", typ)
			}
			other := append(bytes.Clone(data), '!')
			if typ != Delegated {
				if ok, _ := crypto.VerifySignature(crypto.SignatureType(sig.Type), sig.Data, k.Address, other); ok {
					t.Fatalf("%s signature verifies over other data", typ)
				}
			}
		})
	}
}

func TestAggregateBLS(t *testing.T) {
	var keys [][48]byte
	var msgs, sigs [][]byte
	for i := range 3 {
		k, err := Generate(BLS, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := []byte{byte(i), 'm'}
		s, err := k.Sign(m)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, [48]byte(k.Public))
		msgs = append(msgs, m)
		sigs = append(sigs, s.Data)
	}
	agg, err := AggregateBLS(sigs)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := crypto.VerifyBLSAggregate((*[96]byte)(agg), keys, msgs)
	if err != nil || !ok {
		t.Fatalf("aggregate does not verify: %v", err)
	}
	empty, err := AggregateBLS(nil)
	if err != nil || empty[0] != 0xc0 {
		t.Fatalf("empty aggregate %x, %v: want the point at infinity", empty, err)
	}
}

func TestBadKeys(t *testing.T) {
	if _, err := NewKey(Secp256k1, make([]byte, 32)); err == nil {
		t.Error("zero secp256k1 key accepted")
	}
	if _, err := NewKey(BLS, make([]byte, 31)); err == nil {
		t.Error("short BLS key accepted")
	}
	if _, err := NewKey("ed25519", make([]byte, 32)); err == nil {
		t.Error("unknown key type accepted")
	}
	if _, err := Derive([]byte("seed"), "44/60"); err == nil {
		t.Error("path without m/ accepted")
	}
}

// TestDeriveBLS: the same seed and path give the same BLS key, other indexes
// other keys, and the key signs.
func TestDeriveBLS(t *testing.T) {
	seed, err := MnemonicSeed(DefaultMnemonic, "")
	if err != nil {
		t.Fatal(err)
	}
	k0, err := DeriveBLS(seed, fmt.Sprintf(BLSPath, 0))
	if err != nil {
		t.Fatal(err)
	}
	again, err := DeriveBLS(seed, fmt.Sprintf(BLSPath, 0))
	if err != nil {
		t.Fatal(err)
	}
	k1, err := DeriveBLS(seed, fmt.Sprintf(BLSPath, 1))
	if err != nil {
		t.Fatal(err)
	}
	if k0.Type != BLS || k0.Address.Protocol() != 3 {
		t.Fatalf("key type %s, address %s; want a BLS (f3) key", k0.Type, k0.Address)
	}
	if k0.Address != again.Address || !bytes.Equal(k0.Private, again.Private) {
		t.Errorf("derived twice: %s and %s", k0.Address, again.Address)
	}
	if k0.Address == k1.Address {
		t.Errorf("indexes 0 and 1 give the same key %s", k0.Address)
	}
	data := []byte("miner")
	sig, err := k0.Sign(data)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := crypto.VerifySignature(crypto.SignatureType(sig.Type), sig.Data, k0.Address, data); err != nil || !ok {
		t.Fatalf("derived BLS key's signature: %v %v", ok, err)
	}
	if _, err := DeriveBLS(seed, "44'/1"); err == nil {
		t.Error("bad path: no error")
	}
}
