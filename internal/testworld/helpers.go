package testworld

import (
	"context"
	"errors"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

// ErrNoExterns is what NoExterns answers.
var ErrNoExterns = errors.New("no externs in this test")

// NoExterns answers every extern with ErrNoExterns, as a node without chain
// access would.
type NoExterns struct{}

// GetChainRandomness fails.
func (NoExterns) GetChainRandomness(context.Context, abi.ChainEpoch) ([32]byte, error) {
	return [32]byte{}, ErrNoExterns
}

// GetBeaconRandomness fails.
func (NoExterns) GetBeaconRandomness(context.Context, abi.ChainEpoch) ([32]byte, error) {
	return [32]byte{}, ErrNoExterns
}

// TipsetCid fails.
func (NoExterns) TipsetCid(context.Context, abi.ChainEpoch) (cid.Cid, error) {
	return cid.Undef, ErrNoExterns
}

// VerifyConsensusFault fails.
func (NoExterns) VerifyConsensusFault(context.Context, []byte, []byte, []byte) (externs.ConsensusFault, error) {
	return externs.ConsensusFault{}, ErrNoExterns
}

// MustAddr returns a, panicking on err (for fixed test addresses).
func MustAddr(a address.Address, err error) address.Address {
	if err != nil {
		panic(err)
	}
	return a
}

// IDAddr returns the ID address of id.
func IDAddr(id uint64) address.Address { return MustAddr(address.NewIDAddress(id)) }

// BLSKey returns a 48-byte BLS public key (not a valid point) starting with b.
func BLSKey(b byte) []byte {
	p := make([]byte, 48)
	p[0] = b
	return p
}

// EthAddr returns a 20-byte Ethereum address ending with b.
func EthAddr(b byte) []byte {
	p := make([]byte, 20)
	p[19] = b
	return p
}

// WantErrNum fails the test unless err is the syscall error num.
func WantErrNum(t testing.TB, err error, num kernel.ErrorNumber) {
	t.Helper()
	var se *kernel.SyscallError
	if !errors.As(err, &se) || se.Num != num {
		t.Fatalf("error %v, want syscall error %s", err, num)
	}
}

// EmptyArray is the CID of the DAG-CBOR empty array (0x80), computed here
// rather than read from the state package under test.
func EmptyArray() cid.Cid {
	c, err := cid.V1Builder{Codec: cid.DagCBOR, MhType: 0xb220}.Sum([]byte{0x80})
	if err != nil {
		panic(err)
	}
	return c
}
