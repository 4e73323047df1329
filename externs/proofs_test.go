package externs

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/go-fvm/go-fvm/crypto"
	"github.com/ipfs/go-cid"
	"golang.org/x/crypto/blake2b"
)

// recorder is a ProofVerifier that records what it was given and answers from fields.
type recorder struct {
	ok    bool
	err   error
	panic bool
	post  *proof.WindowPoStVerifyInfo
}

func (r *recorder) answer() (bool, error) {
	if r.panic {
		panic("verifier exploded")
	}
	return r.ok, r.err
}

func (r *recorder) VerifySeal(proof.SealVerifyInfo) (bool, error) { return r.answer() }
func (r *recorder) VerifyAggregateSeals(proof.AggregateSealVerifyProofAndInfos) (bool, error) {
	return r.answer()
}
func (r *recorder) VerifyReplicaUpdate(proof.ReplicaUpdateInfo) (bool, error) { return r.answer() }
func (r *recorder) VerifyWindowPoSt(_ context.Context, i proof.WindowPoStVerifyInfo) (bool, error) {
	r.post = &i
	return r.answer()
}

func sealedCID() cid.Cid {
	return cid.NewCidV1(0xf102, append([]byte{0x81, 0xe8, 0x02, 32}, bytes.Repeat([]byte{7}, 32)...))
}

func unsealedCID() cid.Cid { return crypto.DataCommitmentToCID([32]byte{1}) }

func postInfo() proof.WindowPoStVerifyInfo {
	return proof.WindowPoStVerifyInfo{
		Randomness: bytes.Repeat([]byte{0xff}, 32),
		Proofs:     []proof.PoStProof{{PoStProof: abi.RegisteredPoStProof_StackedDrgWindow32GiBV1_1, ProofBytes: []byte{1}}},
		ChallengedSectors: []proof.SectorInfo{
			{SealProof: abi.RegisteredSealProof_StackedDrg32GiBV1_1, SectorNumber: 1, SealedCID: sealedCID()},
		},
		Prover: 1000,
	}
}

func TestVerifyWindowPoSt(t *testing.T) {
	ctx := context.Background()
	r := &recorder{ok: true}
	info := postInfo()
	ok, err := VerifyWindowPoSt(ctx, r, PoStContext{Version: crypto.V4, ChainID: 314}, info)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if r.post.Randomness[31] != 0x3f || info.Randomness[31] != 0xff {
		t.Fatalf("randomness not masked on a copy: %x / %x", r.post.Randomness, info.Randomness)
	}
	// The v3 calibnet quirk.
	_, _ = VerifyWindowPoSt(ctx, r, PoStContext{Version: crypto.V3, ChainID: 314159, Epoch: 498691}, info)
	if r.post.Proofs[0].PoStProof != abi.RegisteredPoStProof_StackedDrgWindow32GiBV1 || info.Proofs[0].PoStProof != abi.RegisteredPoStProof_StackedDrgWindow32GiBV1_1 {
		t.Fatalf("calibnet quirk: %d", r.post.Proofs[0].PoStProof)
	}
	for _, pc := range []PoStContext{{Version: crypto.V3, ChainID: 314159, Epoch: 498692}, {Version: crypto.V4, ChainID: 314159, Epoch: 1}, {Version: crypto.V3, ChainID: 314, Epoch: 1}} {
		_, _ = VerifyWindowPoSt(ctx, r, pc, info)
		if r.post.Proofs[0].PoStProof != abi.RegisteredPoStProof_StackedDrgWindow32GiBV1_1 {
			t.Fatalf("quirk applied outside its window: %+v", pc)
		}
	}

	bad := map[string]func(i *proof.WindowPoStVerifyInfo){
		"no proofs": func(i *proof.WindowPoStVerifyInfo) { i.Proofs = nil },
		"mixed types": func(i *proof.WindowPoStVerifyInfo) {
			i.Proofs = append(i.Proofs, proof.PoStProof{PoStProof: abi.RegisteredPoStProof_StackedDrgWindow64GiBV1_1})
		},
		"short randomness": func(i *proof.WindowPoStVerifyInfo) { i.Randomness = i.Randomness[:31] },
		"sector type": func(i *proof.WindowPoStVerifyInfo) {
			i.ChallengedSectors[0].SealProof = abi.RegisteredSealProof_StackedDrg64GiBV1_1
		},
		"sealed cid": func(i *proof.WindowPoStVerifyInfo) { i.ChallengedSectors[0].SealedCID = unsealedCID() },
	}
	for name, mut := range bad {
		i := postInfo()
		i.ChallengedSectors = append([]proof.SectorInfo(nil), i.ChallengedSectors...)
		mut(&i)
		if _, err := VerifyWindowPoSt(ctx, AcceptAllProofs{}, PoStContext{Version: crypto.V4}, i); !errors.Is(err, crypto.ErrIllegalArgument) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	// Verifier errors and panics are IllegalArgument; "no verifier" stays recognisable.
	if _, err := VerifyWindowPoSt(ctx, &recorder{err: errors.New("bad proof bytes")}, PoStContext{}, postInfo()); !errors.Is(err, crypto.ErrIllegalArgument) {
		t.Errorf("verifier error: %v", err)
	}
	if _, err := VerifyWindowPoSt(ctx, &recorder{panic: true}, PoStContext{}, postInfo()); !errors.Is(err, crypto.ErrIllegalArgument) {
		t.Errorf("verifier panic: %v", err)
	}
	if ok, err := VerifyWindowPoSt(ctx, NoProofVerifier{}, PoStContext{}, postInfo()); ok || !errors.Is(err, ErrNoProofVerifier) || errors.Is(err, crypto.ErrIllegalArgument) {
		t.Errorf("no verifier: %v %v", ok, err)
	}
}

func sealInfo() proof.SealVerifyInfo {
	return proof.SealVerifyInfo{
		SealProof:             abi.RegisteredSealProof_StackedDrg32GiBV1_1,
		Randomness:            make([]byte, 32),
		InteractiveRandomness: make([]byte, 32),
		SealedCID:             sealedCID(),
		UnsealedCID:           unsealedCID(),
	}
}

func TestBatchVerifySeals(t *testing.T) {
	infos := []proof.SealVerifyInfo{sealInfo(), sealInfo(), sealInfo(), sealInfo()}
	infos[1].Randomness = nil
	infos[2].SealProof = abi.RegisteredSealProof_StackedDrg32GiBV1_2_Feat_NiPoRep // unknown to v3
	out, err := BatchVerifySeals(AcceptAllProofs{}, crypto.V3, infos)
	if err != nil || !out[0] || out[1] || out[2] || !out[3] {
		t.Fatalf("%v %v", out, err)
	}
	out, _ = BatchVerifySeals(AcceptAllProofs{}, crypto.V4, infos)
	if !out[2] {
		t.Fatal("v4 refused an NI-PoRep seal")
	}
	out, err = BatchVerifySeals(&recorder{panic: true}, crypto.V4, infos)
	if err != nil || out[0] || out[3] {
		t.Fatalf("panicking verifier: %v %v", out, err)
	}
	out, err = BatchVerifySeals(&recorder{err: errors.New("x")}, crypto.V4, infos)
	if err != nil || out[0] {
		t.Fatalf("erroring verifier: %v %v", out, err)
	}
	if _, err := BatchVerifySeals(NoProofVerifier{}, crypto.V4, infos); !errors.Is(err, ErrNoProofVerifier) {
		t.Fatalf("no verifier: %v", err)
	}
	if out, err := BatchVerifySeals(NoProofVerifier{}, crypto.V4, nil); err != nil || len(out) != 0 {
		t.Fatalf("empty batch: %v %v", out, err)
	}
}

func TestVerifyAggregateSealsAndReplicaUpdate(t *testing.T) {
	agg := proof.AggregateSealVerifyProofAndInfos{
		SealProof: abi.RegisteredSealProof_StackedDrg32GiBV1_1,
		Infos: []proof.AggregateSealVerifyInfo{{
			Randomness: make([]byte, 32), InteractiveRandomness: make([]byte, 32),
			SealedCID: sealedCID(), UnsealedCID: unsealedCID(),
		}},
	}
	if ok, err := VerifyAggregateSeals(AcceptAllProofs{}, crypto.V4, agg); !ok || err != nil {
		t.Fatal(ok, err)
	}
	empty := agg
	empty.Infos = nil
	if _, err := VerifyAggregateSeals(AcceptAllProofs{}, crypto.V4, empty); !errors.Is(err, crypto.ErrIllegalArgument) {
		t.Fatalf("empty aggregate: %v", err)
	}
	badRand := agg
	badRand.Infos = []proof.AggregateSealVerifyInfo{agg.Infos[0]}
	badRand.Infos[0].InteractiveRandomness = make([]byte, 33)
	if _, err := VerifyAggregateSeals(AcceptAllProofs{}, crypto.V4, badRand); !errors.Is(err, crypto.ErrIllegalArgument) {
		t.Fatalf("bad randomness: %v", err)
	}
	if _, err := VerifyAggregateSeals(NoProofVerifier{}, crypto.V4, agg); !errors.Is(err, ErrNoProofVerifier) {
		t.Fatalf("no verifier: %v", err)
	}

	ru := proof.ReplicaUpdateInfo{
		UpdateProofType:      abi.RegisteredUpdateProof_StackedDrg32GiBV1,
		OldSealedSectorCID:   sealedCID(),
		NewSealedSectorCID:   sealedCID(),
		NewUnsealedSectorCID: unsealedCID(),
	}
	if ok, err := VerifyReplicaUpdate(AcceptAllProofs{}, ru); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := VerifyReplicaUpdate(&recorder{ok: false}, ru); ok || err != nil {
		t.Fatal("invalid replica update:", ok, err)
	}
	bad := ru
	bad.UpdateProofType = 99
	if _, err := VerifyReplicaUpdate(AcceptAllProofs{}, bad); !errors.Is(err, crypto.ErrIllegalArgument) {
		t.Fatalf("bad update proof: %v", err)
	}
	bad = ru
	bad.NewUnsealedSectorCID = sealedCID()
	if _, err := VerifyReplicaUpdate(AcceptAllProofs{}, bad); !errors.Is(err, crypto.ErrIllegalArgument) {
		t.Fatalf("bad unsealed cid: %v", err)
	}
	if _, err := VerifyReplicaUpdate(NoProofVerifier{}, ru); !errors.Is(err, ErrNoProofVerifier) {
		t.Fatalf("no verifier: %v", err)
	}
}

func TestNoProofVerifierNeverAccepts(t *testing.T) {
	var v ProofVerifier = NoProofVerifier{}
	ok1, e1 := v.VerifySeal(proof.SealVerifyInfo{})
	ok2, e2 := v.VerifyAggregateSeals(proof.AggregateSealVerifyProofAndInfos{})
	ok3, e3 := v.VerifyReplicaUpdate(proof.ReplicaUpdateInfo{})
	ok4, e4 := v.VerifyWindowPoSt(context.Background(), proof.WindowPoStVerifyInfo{})
	for i, r := range []struct {
		ok  bool
		err error
	}{{ok1, e1}, {ok2, e2}, {ok3, e3}, {ok4, e4}} {
		if r.ok || !errors.Is(r.err, ErrNoProofVerifier) {
			t.Errorf("method %d: %v %v", i, r.ok, r.err)
		}
	}
}

func TestDrawRandomness(t *testing.T) {
	var digest [32]byte
	for i := range digest {
		digest[i] = byte(i)
	}
	got := DrawRandomness(digest, 2, 0x0102, []byte{0xaa})
	var in []byte
	in = append(in, 0, 0, 0, 0, 0, 0, 0, 2)
	in = append(in, digest[:]...)
	in = append(in, 0, 0, 0, 0, 0, 0, 1, 2, 0xaa)
	if got != blake2b.Sum256(in) {
		t.Fatalf("%x", got)
	}
	neg := DrawRandomness(digest, -1, -1, nil)
	in = append(bytes.Repeat([]byte{0xff}, 8), digest[:]...)
	in = append(in, bytes.Repeat([]byte{0xff}, 8)...)
	if neg != blake2b.Sum256(in) {
		t.Fatalf("negative personalization/round: %x", neg)
	}
}
