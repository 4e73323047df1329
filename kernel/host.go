package kernel

import (
	"context"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/ipfs/go-cid"
)

// ConsensusFaultType says which consensus rule two block headers break.
type ConsensusFaultType uint32

// Consensus fault types (0 means no fault).
const (
	NoFault          ConsensusFaultType = 0
	DoubleForkMining ConsensusFaultType = 1
	ParentGrinding   ConsensusFaultType = 2
	TimeOffsetMining ConsensusFaultType = 3
)

// ConsensusFault is a proven consensus fault.
type ConsensusFault struct {
	Target uint64
	Epoch  abi.ChainEpoch
	Type   ConsensusFaultType
}

// Host is what the node running the machine supplies to kernels: chain and
// beacon randomness digests, tipset CIDs, consensus-fault verification and
// proof verification. Gas is charged by the kernel, never by the Host. An
// error from randomness or fault verification is IllegalArgument to the
// actor; from TipsetCID it is fatal; from a proof verifier it means "invalid".
type Host interface {
	ChainRandomness(ctx context.Context, epoch abi.ChainEpoch) ([32]byte, error)
	BeaconRandomness(ctx context.Context, epoch abi.ChainEpoch) ([32]byte, error)
	TipsetCID(ctx context.Context, epoch abi.ChainEpoch) (cid.Cid, error)
	VerifyConsensusFault(ctx context.Context, h1, h2, extra []byte) (*ConsensusFault, error)
	VerifySeal(info *proof.SealVerifyInfo) (bool, error)
	VerifyAggregateSeals(agg *proof.AggregateSealVerifyProofAndInfos) (bool, error)
	VerifyPoSt(info *proof.WindowPoStVerifyInfo) (bool, error)
	VerifyReplicaUpdate(info *proof.ReplicaUpdateInfo) (bool, error)
}
