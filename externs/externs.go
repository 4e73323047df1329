package externs

import (
	"context"
	"encoding/binary"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/ipfs/go-cid"
	"golang.org/x/crypto/blake2b"
)

// RandomnessLength is the length of a randomness digest.
const RandomnessLength = 32

// Rand supplies randomness digests (ref-fvm `Rand`, the same in v3.13.3 and v4.8.2). Errors
// become the syscall error IllegalArgument.
type Rand interface {
	// GetChainRandomness returns the ticket-chain randomness digest for round.
	GetChainRandomness(ctx context.Context, round abi.ChainEpoch) ([RandomnessLength]byte, error)
	// GetBeaconRandomness returns the beacon (drand) randomness digest for round.
	GetBeaconRandomness(ctx context.Context, round abi.ChainEpoch) ([RandomnessLength]byte, error)
}

// Chain supplies chain data (ref-fvm `Chain`). The kernel has already checked that the epoch is
// in the past (and, in v3, within finality); an error is fatal.
type Chain interface {
	// TipsetCid returns the CID of the tipset at epoch (or the last non-null one before it,
	// as the node's chain store defines it).
	TipsetCid(ctx context.Context, epoch abi.ChainEpoch) (cid.Cid, error)
}

// FaultType is the kind of consensus fault (the `fault` field of the syscall's out-struct).
type FaultType uint32

// Consensus fault types (ref-fvm `ConsensusFaultType`, Lotus `ffi_cgo.ConsensusFault*`).
const (
	FaultNone             FaultType = 0
	FaultDoubleForkMining FaultType = 1
	FaultParentGrinding   FaultType = 2
	FaultTimeOffsetMining FaultType = 3
)

// String names the fault type.
func (t FaultType) String() string {
	switch t {
	case FaultNone:
		return "none"
	case FaultDoubleForkMining:
		return "double-fork mining"
	case FaultParentGrinding:
		return "parent grinding"
	case FaultTimeOffsetMining:
		return "time-offset mining"
	default:
		return "unknown fault"
	}
}

// ConsensusFault is a proven consensus fault. Type FaultNone means no fault: the syscall then
// writes an all-zero result whatever the other fields hold.
type ConsensusFault struct {
	// Target is the offending miner, as the block headers name it. The kernel needs its actor
	// ID; a target that is not an ID address is a fatal error (filecoin-ffi's conversion).
	Target address.Address
	// Epoch is the epoch of the later block.
	Epoch abi.ChainEpoch
	// Type is the fault found.
	Type FaultType
}

// Consensus verifies consensus faults (ref-fvm `Consensus`). h1 and h2 are block headers and
// extra is empty or a third header (the parent-grinding witness). A header that does not
// decode, or any failed condition, is no fault (Type FaultNone, nil error); an error is for
// the node's own failures and becomes the syscall error IllegalArgument.
type Consensus interface {
	VerifyConsensusFault(ctx context.Context, h1, h2, extra []byte) (ConsensusFault, error)
}

// ConsensusFunc adapts a function to [Consensus], for example a node's existing
// consensus-fault extern wrapped to return a [ConsensusFault].
type ConsensusFunc func(ctx context.Context, h1, h2, extra []byte) (ConsensusFault, error)

// VerifyConsensusFault calls f.
func (f ConsensusFunc) VerifyConsensusFault(ctx context.Context, h1, h2, extra []byte) (ConsensusFault, error) {
	return f(ctx, h1, h2, extra)
}

// Externs is everything the node supplies. The method names and signatures of [Rand] and
// [Chain] are those of Lotus's `rand.Rand` and `FvmExtern.TipsetCid`, so a Lotus extern
// satisfies them as is.
type Externs interface {
	Rand
	Chain
	Consensus
}

// DrawRandomness derives the domain-separated randomness an actor draws from a digest
// (FIP-0075; builtin-actors `draw_randomness`, Lotus `DrawRandomnessFromDigest`):
// blake2b-256(personalization as int64 BE ‖ digest ‖ round as int64 BE ‖ entropy).
func DrawRandomness(digest [RandomnessLength]byte, personalization int64, round abi.ChainEpoch, entropy []byte) [RandomnessLength]byte {
	buf := make([]byte, 0, 8+RandomnessLength+8+len(entropy))
	buf = binary.BigEndian.AppendUint64(buf, uint64(personalization))
	buf = append(buf, digest[:]...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(round))
	buf = append(buf, entropy...)
	return blake2b.Sum256(buf)
}
