package wallet

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/filecoin-project/go-address"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/sha3"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/crypto"
)

// KeyType names a kind of key, as Lotus's wallet does ("secp256k1", "bls",
// "delegated").
type KeyType string

// Key types.
const (
	Secp256k1 KeyType = "secp256k1"
	BLS       KeyType = "bls"
	Delegated KeyType = "delegated"
)

// ErrBadKey is returned (wrapped) for a private key that is not a valid key of its type.
var ErrBadKey = errors.New("bad private key")

// ErrUnknownKeyType is returned (wrapped) for a key type this wallet does not know.
var ErrUnknownKeyType = errors.New("unknown key type")

// Key is a private key with its public key and address.
type Key struct {
	// Type is the kind of key.
	Type KeyType
	// Private is the private key: 32 bytes, big-endian for secp256k1 and
	// delegated keys, little-endian for BLS (as Lotus and filecoin-ffi keep them).
	Private []byte
	// Public is the public key: 65 bytes uncompressed (secp256k1, delegated) or
	// 48 bytes compressed (BLS).
	Public []byte
	// Address is the key's address: f1, f3 or f410.
	Address address.Address
}

// NewKey makes the key of a private key.
func NewKey(t KeyType, private []byte) (*Key, error) {
	if len(private) != 32 {
		return nil, fmt.Errorf("%s key: %w: %d bytes, want 32", t, ErrBadKey, len(private))
	}
	k := &Key{Type: t, Private: append([]byte(nil), private...)}
	var err error
	switch t {
	case Secp256k1, Delegated:
		err = k.secpPublic()
	case BLS:
		err = k.blsPublic()
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownKeyType, t)
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// DeriveBLS returns the BLS key at a BIP-32 path under a seed: the
// secp256k1 scalar Derive gives, reduced into 1..r-1 (r the BLS12-381
// scalar field's order; (k mod (r-1)) + 1), as the key's private scalar.
func DeriveBLS(seed []byte, path string) (*Key, error) {
	priv, err := Derive(seed, path)
	if err != nil {
		return nil, err
	}
	rm1 := new(big.Int).Sub(fr.Modulus(), big.NewInt(1))
	s := new(big.Int).Mod(new(big.Int).SetBytes(priv), rm1)
	s.Add(s, big.NewInt(1))
	be := s.FillBytes(make([]byte, 32))
	le := make([]byte, 32)
	for i, b := range be {
		le[31-i] = b
	}
	return NewKey(BLS, le)
}

// Generate makes a new random key of type t, reading entropy from r (nil
// means crypto/rand).
func Generate(t KeyType, r io.Reader) (*Key, error) {
	if r == nil {
		r = rand.Reader
	}
	for {
		var b [32]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("generating a %s key: %w", t, err)
		}
		k, err := NewKey(t, b[:])
		if errors.Is(err, ErrBadKey) {
			continue // out of range: draw again
		}
		return k, err
	}
}

func (k *Key) secpPublic() error {
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(k.Private); overflow || s.IsZero() {
		return fmt.Errorf("%s key: %w: not in 1..n-1", k.Type, ErrBadKey)
	}
	pub := secp256k1.NewPrivateKey(&s).PubKey().SerializeUncompressed()
	k.Public = pub
	var err error
	if k.Type == Secp256k1 {
		k.Address, err = address.NewSecp256k1Address(pub)
	} else {
		k.Address, err = address.NewDelegatedAddress(fvm.EAMNamespace, keccak(pub[1:])[12:])
	}
	return err
}

func (k *Key) blsScalar() (*big.Int, error) {
	be := make([]byte, 32)
	for i, b := range k.Private {
		be[31-i] = b
	}
	s := new(big.Int).SetBytes(be)
	if s.Sign() == 0 || s.Cmp(fr.Modulus()) >= 0 {
		return nil, fmt.Errorf("bls key: %w: not in 1..r-1", ErrBadKey)
	}
	return s, nil
}

func (k *Key) blsPublic() error {
	s, err := k.blsScalar()
	if err != nil {
		return err
	}
	var pk bls12381.G1Affine
	pk.ScalarMultiplicationBase(s)
	b := pk.Bytes()
	k.Public = b[:]
	k.Address, err = address.NewBLSAddress(k.Public)
	return err
}

// EthAddress returns the 0x address of a delegated key (false for others).
func (k *Key) EthAddress() (fvm.EthAddress, bool) {
	if k.Type != Delegated {
		return fvm.EthAddress{}, false
	}
	e, err := fvm.EthAddressOf(k.Address)
	return e, err == nil
}

// Sign signs data as a Filecoin wallet does: secp256k1 over blake2b-256(data),
// BLS over data, delegated over keccak-256(data). Messages are signed over
// their CID bytes (secp256k1, BLS) or their Ethereum transaction's RLP
// (delegated).
func (k *Key) Sign(data []byte) (gscrypto.Signature, error) {
	switch k.Type {
	case Secp256k1:
		d := blake2b.Sum256(data)
		return gscrypto.Signature{Type: gscrypto.SigTypeSecp256k1, Data: k.signSecp(d[:])}, nil
	case Delegated:
		return gscrypto.Signature{Type: gscrypto.SigTypeDelegated, Data: k.signSecp(keccak(data))}, nil
	case BLS:
		sig, err := k.signBLS(data)
		return gscrypto.Signature{Type: gscrypto.SigTypeBLS, Data: sig}, err
	}
	return gscrypto.Signature{}, fmt.Errorf("%w %q", ErrUnknownKeyType, k.Type)
}

// signSecp returns r ‖ s ‖ v (v 0 or 1) over a 32-byte digest.
func (k *Key) signSecp(digest []byte) []byte {
	compact := ecdsa.SignCompact(secp256k1.PrivKeyFromBytes(k.Private), digest, false)
	// compact is [27+v] ‖ r ‖ s.
	out := make([]byte, 65)
	copy(out, compact[1:])
	out[64] = compact[0] - 27
	return out
}

func (k *Key) signBLS(data []byte) ([]byte, error) {
	s, err := k.blsScalar()
	if err != nil {
		return nil, err
	}
	h, err := bls12381.HashToG2(data, []byte(crypto.BLSDST))
	if err != nil {
		return nil, fmt.Errorf("bls hash to curve: %w", err)
	}
	var sig bls12381.G2Affine
	sig.ScalarMultiplication(&h, s)
	b := sig.Bytes()
	return b[:], nil
}

// AggregateBLS adds BLS signatures (96-byte compressed G2 points) into one, as
// a block's BLSAggregate; no signatures aggregate to the point at infinity.
func AggregateBLS(sigs [][]byte) ([]byte, error) {
	var sum bls12381.G2Jac
	sum.Set(&bls12381.G2Jac{})
	var inf bls12381.G2Affine
	sum.FromAffine(&inf)
	for i, s := range sigs {
		p, err := crypto.DecodeBLSSignature(s)
		if err != nil {
			return nil, fmt.Errorf("bls signature %d: %w", i, err)
		}
		var pj bls12381.G2Jac
		pj.FromAffine(&p)
		sum.AddAssign(&pj)
	}
	var out bls12381.G2Affine
	out.FromJacobian(&sum)
	b := out.Bytes()
	return b[:], nil
}

func keccak(b []byte) []byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(b)
	return h.Sum(nil)
}
