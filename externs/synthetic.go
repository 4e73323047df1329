package externs

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/ipfs/go-cid"
)

// ErrNoTipset is what Synthetic answers for a tipset CID when it has no
// TipsetCid callback.
var ErrNoTipset = errors.New("no tipset CIDs")

// Synthetic is an Externs for tests and devnets, where no beacon and no
// chain of tickets exist: randomness digests are derived from Seed and the
// round (SHA-256 of a kind byte, the seed and the round), so the same seed
// always draws the same values; tipset CIDs come from a callback; no
// consensus fault is ever proven. Not for a real network.
type Synthetic struct {
	// Seed makes the randomness of one chain differ from another's.
	Seed [32]byte
	// TipsetCidFunc returns the CID of the tipset at an epoch. Nil answers
	// every request with ErrNoTipset.
	TipsetCidFunc func(ctx context.Context, epoch abi.ChainEpoch) (cid.Cid, error)
}

var _ Externs = Synthetic{}

func (s Synthetic) digest(kind byte, round abi.ChainEpoch) [RandomnessLength]byte {
	var b [1 + 32 + 8]byte
	b[0] = kind
	copy(b[1:], s.Seed[:])
	binary.BigEndian.PutUint64(b[33:], uint64(round))
	return sha256.Sum256(b[:])
}

// GetChainRandomness returns the synthetic ticket digest of a round.
func (s Synthetic) GetChainRandomness(_ context.Context, round abi.ChainEpoch) ([32]byte, error) {
	return s.digest('c', round), nil
}

// GetBeaconRandomness returns the synthetic beacon digest of a round.
func (s Synthetic) GetBeaconRandomness(_ context.Context, round abi.ChainEpoch) ([32]byte, error) {
	return s.digest('b', round), nil
}

// TipsetCid asks TipsetCidFunc.
func (s Synthetic) TipsetCid(ctx context.Context, epoch abi.ChainEpoch) (cid.Cid, error) {
	if s.TipsetCidFunc == nil {
		return cid.Undef, fmt.Errorf("tipset at epoch %d: %w", epoch, ErrNoTipset)
	}
	return s.TipsetCidFunc(ctx, epoch)
}

// VerifyConsensusFault proves no fault: a devnet has a single, honest miner.
func (Synthetic) VerifyConsensusFault(context.Context, []byte, []byte, []byte) (ConsensusFault, error) {
	return ConsensusFault{Type: FaultNone}, nil
}
