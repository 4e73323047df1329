package externs

import (
	"context"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/go-fvm/go-fvm/crypto"
	"github.com/ipfs/go-cid"
)

// ChainFinality is the number of epochs after which the chain is final (Lotus
// `policy.ChainFinality`).
const ChainFinality abi.ChainEpoch = 900

// WorkerKeyLookup is what [ConsensusFaultVerifier] needs from the node.
type WorkerKeyLookup interface {
	// WorkerKeyAtLookback returns the key address (f1 or f3, resolved from the worker's ID
	// address) of miner's worker in the lookback state the node uses for blocks at height
	// (Lotus: the state at the winning-PoSt lookback of height). An error means the key is
	// unknown, which makes the fault unprovable, not a node failure.
	WorkerKeyAtLookback(ctx context.Context, miner address.Address, height abi.ChainEpoch) (address.Address, error)
}

// ConsensusFaultVerifier verifies consensus faults in Go with the semantics of Lotus's FVM
// extern (chain/vm/fvm.go `VerifyConsensusFault`, the same rules as the legacy VM's syscall):
//
//  1. Both headers must decode (extra too, when not empty); otherwise no fault.
//  2. The headers must differ (by CID of their re-encoding), have the same miner, and the
//     second must not be lower than the first.
//  3. Faults, later checks overriding earlier ones: same height is double-fork mining; same
//     parents (compared as sets, see cidsEqual) at different heights is time-offset mining; an extra header C with A's parents
//     and height, that B has as a parent while not having A, is parent grinding.
//  4. Both A and B must be signed by the miner's worker key at their heights' lookback, and
//     those heights must be within [ChainFinality] of the current epoch.
//
// The fault's epoch is B's height and its target is the miner. Any unmet condition is no
// fault. Errors are never returned for bad input.
type ConsensusFaultVerifier struct {
	// Workers looks up worker keys.
	Workers WorkerKeyLookup
	// Epoch is the epoch of the message being executed.
	Epoch abi.ChainEpoch
	// NearUpgradeBlackouts lists upgrade epochs around which (strictly within ChainFinality
	// either side) no consensus fault is recognised. Quirk (Lotus): Lotus lists
	// UpgradeWatermelonFixHeight here as a chain-halt workaround: 1070494 on calibnet, -1
	// (none) on mainnet; a negative epoch is ignored.
	NearUpgradeBlackouts []abi.ChainEpoch
}

var _ Consensus = (*ConsensusFaultVerifier)(nil)

// VerifyConsensusFault implements [Consensus].
func (v *ConsensusFaultVerifier) VerifyConsensusFault(ctx context.Context, h1, h2, extra []byte) (ConsensusFault, error) {
	none := ConsensusFault{Type: FaultNone}
	a, err := DecodeBlockHeader(h1)
	if err != nil {
		return none, nil
	}
	b, err := DecodeBlockHeader(h2)
	if err != nil {
		return none, nil
	}
	aCid, errA := a.CID()
	bCid, errB := b.CID()
	if errA != nil || errB != nil || aCid == bCid {
		return none, nil
	}
	for _, up := range v.NearUpgradeBlackouts {
		if nearUpgrade(a.Height, up) || nearUpgrade(b.Height, up) {
			return none, nil
		}
	}
	if a.Miner != b.Miner || b.Height < a.Height {
		return none, nil
	}
	// Quirk (Lotus): the epoch is filled in before any fault is found; it is ignored with no
	// fault.
	none.Epoch = b.Height
	fault := FaultNone
	if a.Height == b.Height {
		fault = FaultDoubleForkMining
	}
	if cidsEqual(a.Parents, b.Parents) && a.Height != b.Height {
		fault = FaultTimeOffsetMining
	}
	if len(extra) > 0 {
		c, err := DecodeBlockHeader(extra)
		if err != nil {
			return none, nil
		}
		cCid, err := c.CID()
		if err != nil {
			return none, nil
		}
		if cidsEqual(a.Parents, c.Parents) && a.Height == c.Height &&
			cidsContain(b.Parents, cCid) && !cidsContain(b.Parents, aCid) {
			fault = FaultParentGrinding
		}
	}
	if fault == FaultNone {
		return none, nil
	}
	if !v.signedByWorker(ctx, a) || !v.signedByWorker(ctx, b) {
		return none, nil
	}
	return ConsensusFault{Target: a.Miner, Epoch: b.Height, Type: fault}, nil
}

// signedByWorker checks the header's signature against the miner's worker key at lookback.
func (v *ConsensusFaultVerifier) signedByWorker(ctx context.Context, h *BlockHeader) bool {
	if h.Height < v.Epoch-ChainFinality {
		return false
	}
	worker, err := v.Workers.WorkerKeyAtLookback(ctx, h.Miner, h.Height)
	if err != nil {
		return false
	}
	if h.BlockSig == nil {
		return false
	}
	msg, err := h.SigningBytes()
	if err != nil {
		return false
	}
	return verifyNodeSignature(h.BlockSig, worker, msg)
}

// verifyNodeSignature is Lotus's `sigs.Verify`: secp256k1, BLS or delegated by type; ID
// signers are refused.
func verifyNodeSignature(sig *gscrypto.Signature, signer address.Address, msg []byte) bool {
	if signer.Protocol() == address.ID {
		return false
	}
	switch sig.Type {
	case gscrypto.SigTypeSecp256k1:
		return crypto.VerifySecp256k1(sig.Data, msg, signer)
	case gscrypto.SigTypeBLS:
		// Quirk (Lotus lib/sigs/bls): the signer's payload is used as the key whatever its
		// protocol, provided it is 48 bytes.
		payload := signer.Payload()
		if len(sig.Data) != crypto.BLSSigLen || len(payload) != crypto.BLSPubLen {
			return false
		}
		ok, err := crypto.VerifyBLSAggregate((*[crypto.BLSSigLen]byte)(sig.Data),
			[][crypto.BLSPubLen]byte{[crypto.BLSPubLen]byte(payload)}, [][]byte{msg})
		return ok && err == nil
	case gscrypto.SigTypeDelegated:
		return crypto.VerifyDelegated(sig.Data, msg, signer)
	default:
		return false
	}
}

// nearUpgrade is Lotus `buildconstants.IsNearUpgrade`.
func nearUpgrade(epoch, upgrade abi.ChainEpoch) bool {
	if upgrade < 0 {
		return false
	}
	return epoch > upgrade-ChainFinality && epoch < upgrade+ChainFinality
}

// cidsEqual is Lotus `types.CidArrsEqual`. Quirk (Lotus): it ignores order and only checks
// equal lengths and that every CID of b is in a, so [x, y] "equals" [x, x].
func cidsEqual(a, b []cid.Cid) bool {
	if len(a) != len(b) {
		return false
	}
	for _, c := range b {
		if !cidsContain(a, c) {
			return false
		}
	}
	return true
}

func cidsContain(list []cid.Cid, c cid.Cid) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// FaultTargetID returns the actor ID of a fault's target, as the kernel needs it. A target that
// is not an ID address is an error (the kernel makes it fatal, as filecoin-ffi does).
func FaultTargetID(f ConsensusFault) (abi.ActorID, error) {
	id, err := address.IDFromAddress(f.Target)
	if err != nil {
		return 0, fmt.Errorf("consensus fault target %s is not an ID address: %w", f.Target, err)
	}
	return abi.ActorID(id), nil
}
