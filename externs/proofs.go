package externs

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/go-fvm/go-fvm/crypto"
	"github.com/ipfs/go-cid"
)

// ProofVerifier verifies storage proofs for the kernel. The method set is that of Lotus's
// `storiface.Verifier` restricted to what the FVM needs, so Lotus's `ffiwrapper.ProofVerifier`
// satisfies it unchanged.
//
// Each method reports whether the proof is valid; an error means the proof could not be
// checked (malformed input the proofs library refuses, or a node failure). Implementations
// must be deterministic, safe for concurrent use, and must not charge gas: the kernel charges
// from the price list before calling.
type ProofVerifier interface {
	// VerifySeal verifies one PoRep (interactive or not) seal proof.
	VerifySeal(info proof.SealVerifyInfo) (bool, error)
	// VerifyAggregateSeals verifies a SnarkPack aggregate of seal proofs.
	VerifyAggregateSeals(aggregate proof.AggregateSealVerifyProofAndInfos) (bool, error)
	// VerifyReplicaUpdate verifies a SnapDeals replica-update proof.
	VerifyReplicaUpdate(update proof.ReplicaUpdateInfo) (bool, error)
	// VerifyWindowPoSt verifies a Window PoSt.
	VerifyWindowPoSt(ctx context.Context, info proof.WindowPoStVerifyInfo) (bool, error)
}

// ErrNoProofVerifier is returned by [NoProofVerifier] for every proof. The kernel should treat
// it as fatal: a node without a verifier cannot validate the chain.
var ErrNoProofVerifier = errors.New("no proof verifier is configured: refusing to verify the proof")

// NoProofVerifier is the default [ProofVerifier]: it never accepts a proof, and says why.
type NoProofVerifier struct{}

// VerifySeal fails with [ErrNoProofVerifier].
func (NoProofVerifier) VerifySeal(proof.SealVerifyInfo) (bool, error) {
	return false, fmt.Errorf("seal: %w", ErrNoProofVerifier)
}

// VerifyAggregateSeals fails with [ErrNoProofVerifier].
func (NoProofVerifier) VerifyAggregateSeals(proof.AggregateSealVerifyProofAndInfos) (bool, error) {
	return false, fmt.Errorf("aggregate seals: %w", ErrNoProofVerifier)
}

// VerifyReplicaUpdate fails with [ErrNoProofVerifier].
func (NoProofVerifier) VerifyReplicaUpdate(proof.ReplicaUpdateInfo) (bool, error) {
	return false, fmt.Errorf("replica update: %w", ErrNoProofVerifier)
}

// VerifyWindowPoSt fails with [ErrNoProofVerifier].
func (NoProofVerifier) VerifyWindowPoSt(context.Context, proof.WindowPoStVerifyInfo) (bool, error) {
	return false, fmt.Errorf("window post: %w", ErrNoProofVerifier)
}

// AcceptAllProofs is a [ProofVerifier] for devnets and tests that accepts every proof
// without looking at it. Never use it on a real network.
type AcceptAllProofs struct{}

// VerifySeal accepts.
func (AcceptAllProofs) VerifySeal(proof.SealVerifyInfo) (bool, error) { return true, nil }

// VerifyAggregateSeals accepts.
func (AcceptAllProofs) VerifyAggregateSeals(proof.AggregateSealVerifyProofAndInfos) (bool, error) {
	return true, nil
}

// VerifyReplicaUpdate accepts.
func (AcceptAllProofs) VerifyReplicaUpdate(proof.ReplicaUpdateInfo) (bool, error) { return true, nil }

// VerifyWindowPoSt accepts.
func (AcceptAllProofs) VerifyWindowPoSt(context.Context, proof.WindowPoStVerifyInfo) (bool, error) {
	return true, nil
}

var (
	_ ProofVerifier = NoProofVerifier{}
	_ ProofVerifier = AcceptAllProofs{}
)

// calibnetChainID and calibnetPoStFixEpoch locate the v3 calibration-net Window PoSt quirk.
const (
	calibnetChainID      = 314159
	calibnetPoStFixEpoch = 498691
)

// PoStContext is what [VerifyWindowPoSt] needs to know about the chain.
type PoStContext struct {
	// Version is the FVM version (the calibnet quirk exists only in v3).
	Version crypto.FVMVersion
	// ChainID is the network's EIP-155 chain ID (314 mainnet, 314159 calibnet).
	ChainID uint64
	// Epoch is the epoch of the message being executed.
	Epoch abi.ChainEpoch
}

// VerifyWindowPoSt is the kernel's `verify_post` after the charge (ref-fvm `verify_post`):
//
//   - no proofs, or proofs of different types: error wrapping crypto.ErrIllegalArgument
//     (the reference panics on the first and errors on the second; both are IllegalArgument);
//   - Quirk (ref-fvm v3 only): on calibnet (chain ID 314159) up to epoch 498691 a first proof
//     of type StackedDrgWindow32GiBV1_1 is verified as StackedDrgWindow32GiBV1, because valid
//     V1_1 proofs were once judged invalid there;
//   - randomness that is not 32 bytes, a challenged sector whose sealed CID is not a replica
//     commitment, or whose seal proof does not match the PoSt type: error wrapping
//     crypto.ErrIllegalArgument (the reference's checks before calling the proofs library);
//   - the randomness's last byte is masked with 0x3f (a valid BLS12-381 scalar);
//   - the verifier decides; its error, or a panic, is an error wrapping
//     crypto.ErrIllegalArgument unless it is [ErrNoProofVerifier].
//
// info is not modified.
func VerifyWindowPoSt(ctx context.Context, v ProofVerifier, pc PoStContext, info proof.WindowPoStVerifyInfo) (ok bool, err error) {
	if len(info.Proofs) == 0 {
		return false, fmt.Errorf("%w: window post has no proofs", crypto.ErrIllegalArgument)
	}
	first := info.Proofs[0].PoStProof
	for _, p := range info.Proofs {
		if p.PoStProof != first {
			return false, fmt.Errorf("%w: window post proofs mix types %d and %d", crypto.ErrIllegalArgument, first, p.PoStProof)
		}
	}
	info.Proofs = append([]proof.PoStProof(nil), info.Proofs...)
	if pc.Version == crypto.V3 && pc.ChainID == calibnetChainID && pc.Epoch <= calibnetPoStFixEpoch &&
		first == abi.RegisteredPoStProof_StackedDrgWindow32GiBV1_1 {
		info.Proofs[0].PoStProof = abi.RegisteredPoStProof_StackedDrgWindow32GiBV1
		first = info.Proofs[0].PoStProof
	}
	if len(info.Randomness) != RandomnessLength {
		return false, fmt.Errorf("%w: window post randomness is %d bytes, want 32", crypto.ErrIllegalArgument, len(info.Randomness))
	}
	for i, s := range info.ChallengedSectors {
		if err := checkReplicaCID(s.SealedCID); err != nil {
			return false, fmt.Errorf("%w: challenged sector %d: %w", crypto.ErrIllegalArgument, i, err)
		}
		if !postMatchesSeal(pc.Version, first, s.SealProof) {
			return false, fmt.Errorf("%w: challenged sector %d: seal proof %d does not match post proof %d", crypto.ErrIllegalArgument, i, s.SealProof, first)
		}
	}
	info.Randomness = maskRandomness(info.Randomness)
	defer recoverInto("verifying window post", &ok, &err)
	return classify(v.VerifyWindowPoSt(ctx, info))
}

// VerifyAggregateSeals is the kernel's `verify_aggregate_seals` after the charge: an aggregate
// with no infos, a seal proof type the FVM version does not know, or an info whose sealed or
// unsealed CID is not a commitment CID or whose randomness is not 32 bytes is an error wrapping
// crypto.ErrIllegalArgument; otherwise the verifier decides (errors and panics as in
// [VerifyWindowPoSt]).
func VerifyAggregateSeals(v ProofVerifier, version crypto.FVMVersion, agg proof.AggregateSealVerifyProofAndInfos) (ok bool, err error) {
	if len(agg.Infos) == 0 {
		return false, fmt.Errorf("%w: no seal verify infos", crypto.ErrIllegalArgument)
	}
	if _, err := crypto.SealProofSectorSize(version, agg.SealProof); err != nil {
		return false, err
	}
	for i, info := range agg.Infos {
		if err := checkSealInputs(info.SealedCID, info.UnsealedCID, info.Randomness, info.InteractiveRandomness); err != nil {
			return false, fmt.Errorf("%w: aggregate info %d: %w", crypto.ErrIllegalArgument, i, err)
		}
	}
	defer recoverInto("verifying aggregate seals", &ok, &err)
	return classify(v.VerifyAggregateSeals(agg))
}

// VerifyReplicaUpdate is the kernel's `verify_replica_update` after the charge: an unknown
// update proof type or a sealed/unsealed CID that is not a commitment CID is an error wrapping
// crypto.ErrIllegalArgument; otherwise the verifier decides (errors and panics as in
// [VerifyWindowPoSt]).
func VerifyReplicaUpdate(v ProofVerifier, update proof.ReplicaUpdateInfo) (ok bool, err error) {
	if update.UpdateProofType < abi.RegisteredUpdateProof_StackedDrg2KiBV1 || update.UpdateProofType > abi.RegisteredUpdateProof_StackedDrg64GiBV1 {
		return false, fmt.Errorf("%w: %w: update proof %d", crypto.ErrIllegalArgument, crypto.ErrInvalidProofType, update.UpdateProofType)
	}
	for _, c := range []cid.Cid{update.OldSealedSectorCID, update.NewSealedSectorCID} {
		if err := checkReplicaCID(c); err != nil {
			return false, fmt.Errorf("%w: replica update: %w", crypto.ErrIllegalArgument, err)
		}
	}
	if _, err := crypto.PieceCommitmentFromCID(update.NewUnsealedSectorCID); err != nil {
		return false, fmt.Errorf("%w: replica update: %w", crypto.ErrIllegalArgument, err)
	}
	defer recoverInto("verifying replica update", &ok, &err)
	return classify(v.VerifyReplicaUpdate(update))
}

// VerifySeal is v2's `verify_seal` after the charge (ref-fvm v2 kernel/default.rs
// verify_seal): a seal proof type the FVM version does not know, a sealed or unsealed CID that
// is not a commitment CID, or randomness that is not 32 bytes is an error wrapping
// crypto.ErrIllegalArgument; otherwise the verifier decides (errors and panics as in
// [VerifyWindowPoSt]).
func VerifySeal(v ProofVerifier, version crypto.FVMVersion, info proof.SealVerifyInfo) (ok bool, err error) {
	if _, err := crypto.SealProofSectorSize(version, info.SealProof); err != nil {
		return false, err
	}
	if err := checkSealInputs(info.SealedCID, info.UnsealedCID, info.Randomness, info.InteractiveRandomness); err != nil {
		return false, fmt.Errorf("%w: %w", crypto.ErrIllegalArgument, err)
	}
	defer recoverInto("verifying seal", &ok, &err)
	return classify(v.VerifySeal(info))
}

// BatchVerifySeals is the kernel's `batch_verify_seals` after it has charged OnVerifySeal for
// every item: it verifies the seals in parallel and returns one result per item, in order.
// An item with an unknown seal proof type, a bad commitment CID or randomness that is not 32
// bytes is false without reaching the verifier; a verifier error or panic makes that item
// false, as in the reference, except
// [ErrNoProofVerifier], which is returned (the kernel should make it fatal).
func BatchVerifySeals(v ProofVerifier, version crypto.FVMVersion, infos []proof.SealVerifyInfo) ([]bool, error) {
	out := make([]bool, len(infos))
	errs := make([]error, len(infos))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range infos {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					out[i] = false
				}
			}()
			info := infos[i]
			if _, err := crypto.SealProofSectorSize(version, info.SealProof); err != nil {
				return
			}
			if checkSealInputs(info.SealedCID, info.UnsealedCID, info.Randomness, info.InteractiveRandomness) != nil {
				return
			}
			out[i], errs[i] = v.VerifySeal(info)
			if errs[i] != nil {
				out[i] = false
			}
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if errors.Is(err, ErrNoProofVerifier) {
			return nil, err
		}
	}
	return out, nil
}

// postMatchesSeal is ref-fvm `check_valid_proof_type`: the window PoSt type of the sector's
// seal proof (by sector size) must be the proof's type; v3 also accepts the V1 window type.
// v2 knows only the V1 window types (its `registered_window_post_proof` maps every seal proof
// to one, and the proofs library refuses a mismatch).
func postMatchesSeal(v crypto.FVMVersion, post abi.RegisteredPoStProof, seal abi.RegisteredSealProof) bool {
	if _, err := crypto.SealProofSectorSize(v, seal); err != nil {
		return false
	}
	idx := abi.RegisteredPoStProof(seal % 5)
	if v == crypto.V2 {
		return post == abi.RegisteredPoStProof_StackedDrgWindow2KiBV1+idx
	}
	if post == abi.RegisteredPoStProof_StackedDrgWindow2KiBV1_1+idx {
		return true
	}
	return v == crypto.V3 && post == abi.RegisteredPoStProof_StackedDrgWindow2KiBV1+idx
}

// Replica commitment CID parts (fvm_shared `commcid`).
const (
	codecFilCommitmentSealed uint64 = 0xf102
	mhPoseidonBLS12381A1FC1  uint64 = 0xb401
)

// checkReplicaCID is fvm_shared `cid_to_replica_commitment_v1`'s validation.
func checkReplicaCID(c cid.Cid) error {
	if !c.Defined() {
		return errors.New("sealed CID is undefined")
	}
	pre := c.Prefix()
	if pre.Codec != codecFilCommitmentSealed || pre.MhType != mhPoseidonBLS12381A1FC1 || pre.MhLength != 32 {
		return fmt.Errorf("sealed CID %s is not a 32-byte poseidon fil-commitment-sealed CID", c)
	}
	return nil
}

// checkSealInputs checks what the reference converts before calling the proofs library.
func checkSealInputs(sealed, unsealed cid.Cid, rand abi.SealRandomness, irand abi.InteractiveSealRandomness) error {
	if err := checkReplicaCID(sealed); err != nil {
		return err
	}
	if _, err := crypto.PieceCommitmentFromCID(unsealed); err != nil {
		return err
	}
	if len(rand) != RandomnessLength || len(irand) != RandomnessLength {
		return fmt.Errorf("randomness is %d and %d bytes, want 32", len(rand), len(irand))
	}
	return nil
}

// maskRandomness clears the top two bits of the last byte, on a copy.
func maskRandomness(r abi.PoStRandomness) abi.PoStRandomness {
	if len(r) == 0 {
		return r
	}
	c := append(abi.PoStRandomness(nil), r...)
	c[len(c)-1] &= 0x3f
	return c
}

// classify wraps a verifier error as IllegalArgument, leaving ErrNoProofVerifier recognisable.
func classify(ok bool, err error) (bool, error) {
	if err == nil {
		return ok, nil
	}
	if errors.Is(err, ErrNoProofVerifier) {
		return false, err
	}
	return false, fmt.Errorf("%w: %w", crypto.ErrIllegalArgument, err)
}

// recoverInto turns a panic in a verifier into an IllegalArgument error (the reference's
// catch_unwind).
func recoverInto(what string, ok *bool, err *error) {
	if r := recover(); r != nil {
		*ok = false
		*err = fmt.Errorf("%w: panic %s: %v", crypto.ErrIllegalArgument, what, r)
	}
}
