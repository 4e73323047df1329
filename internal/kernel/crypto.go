package kernel

import (
	"context"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/crypto"
	"github.com/go-fvm/go-fvm/externs"
)

// illegalArgument turns a crypto error into the IllegalArgument the
// reference reports.
func illegalArgument(err error) error {
	return Errorf(IllegalArgument, "%v", err)
}

// VerifySignature checks a secp256k1 or BLS signature by signer over plaintext.
func (k *Kernel) VerifySignature(sigType crypto.SignatureType, sig []byte, signer address.Address, plaintext []byte) (bool, error) {
	c, err := k.prices().OnVerifySignature(gscrypto.SigType(sigType), len(plaintext))
	if err != nil {
		return false, Errorf(IllegalArgument, "%v", err)
	}
	if err := k.charge(c); err != nil {
		return false, err
	}
	ok, err := crypto.VerifySignature(sigType, sig, signer, plaintext)
	if err != nil {
		return false, illegalArgument(err)
	}
	return ok, nil
}

// VerifySignatureV2 checks a secp256k1 or BLS signature as v2 does
// (ref-fvm v2 kernel/default.rs verify_signature): OnVerifySignature by
// type, then the signer is resolved to its key address (an account actor's
// address is read from its state, charged as a block open; not found is
// NotFound, not an account IllegalArgument), then any verification failure
// is false.
func (k *Kernel) VerifySignatureV2(ctx context.Context, sigType crypto.SignatureType, sig []byte, signer address.Address, plaintext []byte) (bool, error) {
	c, err := k.prices().OnVerifySignature(gscrypto.SigType(sigType), len(plaintext))
	if err != nil {
		return false, Errorf(IllegalArgument, "%v", err)
	}
	if err := k.charge(c); err != nil {
		return false, err
	}
	key, err := k.CM.ResolveKeyAddress(ctx, signer, true)
	if err != nil {
		return false, err
	}
	ok, err := crypto.VerifySignature(sigType, sig, key, plaintext)
	if err != nil {
		return false, nil
	}
	return ok, nil
}

// VerifySeal verifies one seal proof (v2's verify_seal syscall), charging
// OnVerifySeal first.
func (k *Kernel) VerifySeal(info *proof.SealVerifyInfo) (bool, error) {
	if err := k.charge(k.prices().OnVerifySeal(info)); err != nil {
		return false, err
	}
	return proofResult(externs.VerifySeal(k.CM.Machine().Proofs, k.version(), *info))
}

// RecoverSecpPublicKey recovers the uncompressed public key of a signature.
func (k *Kernel) RecoverSecpPublicKey(hash *[crypto.SecpHashLen]byte, sig *[crypto.SecpSigLen]byte) ([crypto.SecpPubLen]byte, error) {
	if err := k.charge(k.prices().OnRecoverSecpPublicKey()); err != nil {
		return [crypto.SecpPubLen]byte{}, err
	}
	pub, err := crypto.RecoverSecpPublicKey(hash, sig)
	if err != nil {
		return pub, illegalArgument(err)
	}
	return pub, nil
}

// Hash hashes data with the multihash function code.
func (k *Kernel) Hash(code uint64, data []byte) ([]byte, error) {
	c, err := k.prices().OnHashing(code, len(data))
	if err != nil {
		return nil, Errorf(IllegalArgument, "unsupported hash code %d", code)
	}
	if err := k.charge(c); err != nil {
		return nil, err
	}
	digest, err := crypto.Hash(code, data)
	if err != nil {
		return nil, illegalArgument(err)
	}
	return digest, nil
}

// ComputeUnsealedSectorCID computes CommD of a sector from its pieces.
func (k *Kernel) ComputeUnsealedSectorCID(p abi.RegisteredSealProof, pieces []abi.PieceInfo) (cid.Cid, error) {
	if err := k.charge(k.prices().OnComputeUnsealedSectorCid(p, pieces)); err != nil {
		return cid.Undef, err
	}
	c, err := crypto.ComputeUnsealedSectorCID(crypto.FVMVersion(k.CM.Machine().Profile.FVMVersion), p, pieces)
	if err != nil {
		return cid.Undef, illegalArgument(err)
	}
	return c, nil
}

// VerifyPoSt verifies a Window PoSt with the machine's proof verifier.
func (k *Kernel) VerifyPoSt(ctx context.Context, info *proof.WindowPoStVerifyInfo) (bool, error) {
	if err := k.charge(k.prices().OnVerifyPost(info)); err != nil {
		return false, err
	}
	m := k.CM.Machine()
	pc := externs.PoStContext{Version: k.version(), ChainID: m.ChainID, Epoch: m.Epoch}
	return proofResult(externs.VerifyWindowPoSt(ctx, m.Proofs, pc, *info))
}

// VerifyAggregateSeals verifies an aggregate of seal proofs.
func (k *Kernel) VerifyAggregateSeals(agg *proof.AggregateSealVerifyProofAndInfos) (bool, error) {
	if err := k.charge(k.prices().OnVerifyAggregateSeals(agg)); err != nil {
		return false, err
	}
	return proofResult(externs.VerifyAggregateSeals(k.CM.Machine().Proofs, k.version(), *agg))
}

// VerifyReplicaUpdate verifies a replica update proof.
func (k *Kernel) VerifyReplicaUpdate(info *proof.ReplicaUpdateInfo) (bool, error) {
	if err := k.charge(k.prices().OnVerifyReplicaUpdate(info)); err != nil {
		return false, err
	}
	return proofResult(externs.VerifyReplicaUpdate(k.CM.Machine().Proofs, *info))
}

// BatchVerifySeals verifies seals, charging each one first; a failure is
// false. With Profile.BatchSealsPrepaid (v2) nothing is charged.
func (k *Kernel) BatchVerifySeals(infos []proof.SealVerifyInfo) ([]bool, error) {
	for i := range infos {
		if k.profile().BatchSealsPrepaid {
			break
		}
		if err := k.charge(k.prices().OnVerifySeal(&infos[i])); err != nil {
			return nil, err
		}
	}
	out, err := externs.BatchVerifySeals(k.CM.Machine().Proofs, k.version(), infos)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	return out, nil
}

// proofResult maps a proof check: no configured verifier is fatal (a
// misconfigured node must not diverge silently); any other error is
// IllegalArgument, as the reference's or_illegal_argument.
func proofResult(ok bool, err error) (bool, error) {
	switch {
	case err == nil:
		return ok, nil
	case errors.Is(err, externs.ErrNoProofVerifier):
		return false, fmt.Errorf("%w: %w", ErrFatal, err)
	default:
		return false, illegalArgument(err)
	}
}

func (k *Kernel) version() crypto.FVMVersion {
	return crypto.FVMVersion(k.CM.Machine().Profile.FVMVersion)
}

// VerifyConsensusFault asks the host whether two headers prove a fault.
func (k *Kernel) VerifyConsensusFault(ctx context.Context, h1, h2, extra []byte) (*ConsensusFault, error) {
	if err := k.charge(k.prices().OnVerifyConsensusFault(len(h1), len(h2), len(extra))); err != nil {
		return nil, err
	}
	fault, err := k.CM.Machine().Externs.VerifyConsensusFault(ctx, h1, h2, extra)
	if err != nil {
		return nil, illegalArgument(err)
	}
	if fault.Type == externs.FaultNone {
		return nil, nil
	}
	target, err := externs.FaultTargetID(fault)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	return &ConsensusFault{Target: uint64(target), Epoch: fault.Epoch, Type: uint32(fault.Type)}, nil
}

// Randomness draws v3 randomness: blake2b-256(pers ‖ digest ‖ round ‖ entropy)
// over the host's digest for round.
func (k *Kernel) Randomness(ctx context.Context, beacon bool, pers int64, round abi.ChainEpoch, entropy []byte) ([32]byte, error) {
	lookback := k.CM.Machine().Epoch - round
	if err := k.charge(k.prices().OnGetRandomness(lookback, len(entropy))); err != nil {
		return [32]byte{}, err
	}
	ext := k.CM.Machine().Externs
	get := ext.GetChainRandomness
	if beacon {
		get = ext.GetBeaconRandomness
	}
	digest, err := get(ctx, round)
	if err != nil {
		return [32]byte{}, illegalArgument(err)
	}
	return externs.DrawRandomness(digest, pers, round, entropy), nil
}

// finality is the v3 tipset lookback limit.
const finality = 900

// TipsetCID returns the CID of the tipset at epoch (v3 rules).
func (k *Kernel) TipsetCID(ctx context.Context, epoch abi.ChainEpoch) (cid.Cid, error) {
	if epoch < 0 {
		return cid.Undef, Errorf(IllegalArgument, "epoch is negative")
	}
	offset := k.CM.Machine().Epoch - epoch
	switch {
	case offset < 0:
		return cid.Undef, Errorf(IllegalArgument, "epoch %d is in the future", epoch)
	case offset == 0:
		return cid.Undef, Errorf(IllegalArgument, "cannot lookup the tipset cid for the current epoch")
	case !k.profile().UnlimitedTipsetLookback && offset >= finality:
		return cid.Undef, Errorf(IllegalArgument, "epoch %d is too far in the past", epoch)
	}
	if err := k.charge(k.prices().OnTipsetCid(offset)); err != nil {
		return cid.Undef, err
	}
	c, err := k.CM.Machine().Externs.TipsetCid(ctx, epoch)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: tipset cid: %w", ErrFatal, err)
	}
	return c, nil
}

// RandomnessV4 returns the host's raw chain (or, with beacon, beacon)
// randomness digest for epoch, as v4 does (FIP-0075: the actor draws from it
// itself). The charge is by lookback = current epoch − epoch; only an i64
// overflow of that subtraction is refused.
//
// Quirk (ref-fvm v4 kernel/default.rs:783-791): a future epoch is not an
// error here; its negative lookback is priced as a u64 (gas.PriceList
// OnGetRandomness), which saturates and runs the call out of gas.
func (k *Kernel) RandomnessV4(ctx context.Context, beacon bool, epoch abi.ChainEpoch) ([32]byte, error) {
	current := k.CM.Machine().Epoch
	lookback := current - epoch
	if (epoch < 0 && lookback < current) || (epoch > 0 && lookback > current) {
		return [32]byte{}, Errorf(IllegalArgument, "randomness epoch %d is in the future", epoch)
	}
	if err := k.charge(k.prices().OnGetRandomness(lookback, 0)); err != nil {
		return [32]byte{}, err
	}
	ext := k.CM.Machine().Externs
	get := ext.GetChainRandomness
	if beacon {
		get = ext.GetBeaconRandomness
	}
	digest, err := get(ctx, epoch)
	if err != nil {
		return [32]byte{}, illegalArgument(err)
	}
	return digest, nil
}

// VerifyBLSAggregate checks an aggregate BLS signature over plaintexts
// (concatenated, split by lens) by pubKeys (v4, FIP-0079; ref-fvm
// kernel/default.rs verify_bls_aggregate): the charge comes first, then the
// split (IllegalArgument if the lengths do not add up to the buffer); any
// verification failure is false.
func (k *Kernel) VerifyBLSAggregate(sig *[crypto.BLSSigLen]byte, pubKeys [][crypto.BLSPubLen]byte, concat []byte, lens []uint32) (bool, error) {
	if len(pubKeys) != len(lens) {
		return false, Errorf(IllegalArgument, "unequal numbers of bls public keys and plaintexts")
	}
	if err := k.charge(k.prices().OnVerifyAggregateSignature(len(pubKeys), len(concat))); err != nil {
		return false, err
	}
	plaintexts, err := crypto.SplitBLSPlaintexts(concat, lens)
	if err != nil {
		return false, illegalArgument(err)
	}
	ok, err := crypto.VerifyBLSAggregate(sig, pubKeys, plaintexts)
	if err != nil {
		return false, nil
	}
	return ok, nil
}
