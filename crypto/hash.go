package crypto

import (
	"crypto/sha256"
	"fmt"
	"hash"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // RIPEMD-160 is part of the FVM ABI.
	"golang.org/x/crypto/sha3"
)

// Multihash codes accepted by the `crypto.hash` syscall (ref-fvm `SupportedHashes`, identical in
// v3 and v4).
const (
	HashSha2_256   uint64 = 0x12
	HashKeccak256  uint64 = 0x1b
	HashRipemd160  uint64 = 0x1053
	HashBlake2b256 uint64 = 0xb220
	HashBlake2b512 uint64 = 0xb240
)

// HashFunction is one hash the FVM supports.
type HashFunction struct {
	// Code is the multihash code.
	Code uint64
	// Name is the multihash name, for errors and traces.
	Name string
	// Size is the digest length in bytes.
	Size    int
	newHash func() hash.Hash
}

// Sum returns the full digest of data.
func (h HashFunction) Sum(data []byte) []byte {
	st := h.newHash()
	st.Write(data)
	return st.Sum(make([]byte, 0, h.Size))
}

func newBlake2b256() hash.Hash {
	h, _ := blake2b.New256(nil) // cannot fail without a key
	return h
}

func newBlake2b512() hash.Hash {
	h, _ := blake2b.New512(nil) // cannot fail without a key
	return h
}

var hashFunctions = [...]HashFunction{
	{Code: HashSha2_256, Name: "sha2-256", Size: 32, newHash: sha256.New},
	{Code: HashBlake2b256, Name: "blake2b-256", Size: 32, newHash: newBlake2b256},
	{Code: HashBlake2b512, Name: "blake2b-512", Size: 64, newHash: newBlake2b512},
	{Code: HashKeccak256, Name: "keccak-256", Size: 32, newHash: sha3.NewLegacyKeccak256},
	{Code: HashRipemd160, Name: "ripemd-160", Size: 20, newHash: ripemd160.New},
}

// LookupHash returns the hash function for a multihash code. An unsupported code is an error
// wrapping [ErrUnsupportedHash] and [ErrIllegalArgument]. The kernel looks the hash up before it
// charges OnHashing, as the reference does.
func LookupHash(code uint64) (HashFunction, error) {
	for _, h := range hashFunctions {
		if h.Code == code {
			return h, nil
		}
	}
	return HashFunction{}, fmt.Errorf("%w: %w %d", ErrIllegalArgument, ErrUnsupportedHash, code)
}

// Hash returns the full digest of data under the multihash code.
func Hash(code uint64, data []byte) ([]byte, error) {
	h, err := LookupHash(code)
	if err != nil {
		return nil, err
	}
	return h.Sum(data), nil
}

// HashInto hashes data and writes min(len(out), digest size) bytes of the digest into out,
// returning that count, as the `crypto.hash` syscall does: a short buffer truncates the
// digest, a long one is left untouched past the digest. data and out may overlap.
func HashInto(code uint64, data, out []byte) (int, error) {
	digest, err := Hash(code, data)
	if err != nil {
		return 0, err
	}
	return copy(out, digest), nil
}
