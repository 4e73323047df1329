package crypto

import (
	"crypto/sha256"
	"fmt"
	"hash"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/sha3"

	"github.com/go-fvm/go-fvm/internal/ripemd160"
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
	Size int
	// sum writes the digest into out and returns its length.
	sum func(data []byte, out *[MaxDigestLen]byte) int
}

// MaxDigestLen is the longest digest of a supported hash (blake2b-512).
const MaxDigestLen = 64

// Sum returns the full digest of data.
func (h HashFunction) Sum(data []byte) []byte {
	var out [MaxDigestLen]byte
	n := h.sum(data, &out)
	return append([]byte(nil), out[:n]...)
}

// SumInto hashes data and writes min(len(out), h.Size) digest bytes into out, returning the
// count. data and out may overlap.
func (h HashFunction) SumInto(data, out []byte) int {
	var d [MaxDigestLen]byte
	n := h.sum(data, &d)
	return copy(out, d[:n])
}

func sumSha256(data []byte, out *[MaxDigestLen]byte) int {
	d := sha256.Sum256(data)
	return copy(out[:], d[:])
}

func sumBlake2b256(data []byte, out *[MaxDigestLen]byte) int {
	d := blake2b.Sum256(data)
	return copy(out[:], d[:])
}

func sumBlake2b512(data []byte, out *[MaxDigestLen]byte) int {
	*out = blake2b.Sum512(data)
	return 64
}

func sumRipemd160(data []byte, out *[MaxDigestLen]byte) int {
	d := ripemd160.Sum160(data)
	return copy(out[:], d[:])
}

func sumWith(newHash func() hash.Hash) func([]byte, *[MaxDigestLen]byte) int {
	return func(data []byte, out *[MaxDigestLen]byte) int {
		h := newHash()
		h.Write(data)
		return len(h.Sum(out[:0]))
	}
}

var hashFunctions = [...]HashFunction{
	{Code: HashSha2_256, Name: "sha2-256", Size: 32, sum: sumSha256},
	{Code: HashBlake2b256, Name: "blake2b-256", Size: 32, sum: sumBlake2b256},
	{Code: HashBlake2b512, Name: "blake2b-512", Size: 64, sum: sumBlake2b512},
	{Code: HashKeccak256, Name: "keccak-256", Size: 32, sum: sumWith(sha3.NewLegacyKeccak256)},
	{Code: HashRipemd160, Name: "ripemd-160", Size: 20, sum: sumRipemd160},
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
	h, err := LookupHash(code)
	if err != nil {
		return 0, err
	}
	return h.SumInto(data, out), nil
}
