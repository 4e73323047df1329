package gas

import (
	"errors"
	"math"
	"testing"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/proof"
)

// Skyr (nv16-17) charges, derived by hand from ref-fvm v2.12.1
// fvm/src/gas/price_list.rs SKYR_PRICES and its charge formulas. The
// compute/other split follows the v3 fields where the v2 prices live in them
// (see SkyrPrices); the totals are the reference's.
func TestSkyrCharges(t *testing.T) {
	p := SkyrPrices()
	must := mustFn(t)
	const k = 1300 // storage_gas_multiplier
	checkCharges(t, []chargeCase{
		// compute 38,863; storage (36 + 1·100)·1300.
		{"chain message 100", p.OnChainMessage(100), "OnChainMessage", g(38_863), g(136 * k)},
		{"chain return 100", p.OnChainReturnValue(100), "OnChainReturnValue", 0, g(100 * k)},
		// send_base + send_transfer_funds + send_transfer_only_premium.
		{"send value to method 0", p.OnSendV2(true, 0), "OnMethodInvocation", g(29_233 + 27_500 + 159_672), 0},
		{"send nothing to method 0", p.OnSendV2(false, 0), "OnMethodInvocation", g(29_233), 0},
		{"create actor", p.OnCreateActor(true), "OnCreateActor", g(1_108_454), g(76 * k)},
		{"create actor (create_actor)", p.OnCreateActor(false), "OnCreateActor", g(1_108_454), g(76 * k)},
		{"syscall", p.OnSyscall(), "OnSyscall", g(14_000), 0},
		{"verify bls (length not priced)", must(p.OnVerifySignature(crypto.SigTypeBLS, 1000)), "OnVerifySignature", g(16_598_605), 0},
		{"verify secp", must(p.OnVerifySignature(crypto.SigTypeSecp256k1, 1000)), "OnVerifySignature", g(1_637_292), 0},
		{"recover secp", p.OnRecoverSecpPublicKey(), "OnRecoverSecpPublicKey", g(1_637_292), 0},
		{"hash sha256", must(p.OnHashing(HashSha2_256, 1000)), "OnHashing", g(31_355), 0},
		// v2 charges any code, then refuses it.
		{"hash unknown code", must(p.OnHashing(0x99, 1000)), "OnHashing", g(31_355), 0},
		{"unsealed cid", p.OnComputeUnsealedSectorCid(0, nil), "OnComputeUnsealedSectorCid", g(98_647), 0},
		{"verify seal", p.OnVerifySeal(&proof.SealVerifyInfo{}), "OnVerifySeal", g(2000), 0},
		// extern_cost + verify_consensus_fault.
		{"consensus fault", p.OnVerifyConsensusFault(10, 10, 10), "OnVerifyConsensusFault", 0, g(21_000 + 495_422)},
		// extern_cost + get_randomness_base + 0 per byte.
		{"randomness", p.OnGetRandomness(7, 1000), "OnGetRandomness", g(21_000), 0},
		// extern_cost + block_open_base.
		{"block open base", p.OnBlockOpenBase(), "OnBlockOpenBase", 0, g(21_000 + 114_617)},
		// (10 + 0.5)·1000: memret 10 per byte, memcpy 0.5 per byte.
		{"block open 1000", p.OnBlockOpen(1000, 0), "OnBlockOpenPerByte", g(500), g(10_000)},
		{"block create 1000", p.OnBlockCreate(1000, 0), "OnBlockCreate", g(500), g(10_000)},
		{"block read 1000", p.OnBlockRead(1000), "OnBlockRead", g(500), 0},
		{"block stat", p.OnBlockStat(), "OnBlockStat", 0, 0},
		// block_link_base + 2·memcpy; storage 1·1300 per byte.
		{"block link 100", must(p.OnBlockLink(HashBlake2b256, 100)), "OnBlockLink", g(353_640 + 100), g(100 * k)},
		{"aggregate 64GiB x3", p.OnVerifyAggregateSeals(&proof.AggregateSealVerifyProofAndInfos{
			SealProof: abi.RegisteredSealProof_StackedDrg64GiBV1_1, Infos: make([]proof.AggregateSealVerifyInfo, 3)}),
			"OnVerifyAggregateSeals", g(359_272*3 + 0), 0},
		{"replica update", p.OnVerifyReplicaUpdate(&proof.ReplicaUpdateInfo{}), "OnVerifyReplicaUpdate", g(36_316_136), 0},
		// The 512MiB V1 entry for an unpriced (V1_1) type.
		{"post V1_1 x2", p.OnVerifyPost(&proof.WindowPoStVerifyInfo{
			Proofs: []proof.PoStProof{{PoStProof: abi.RegisteredPoStProof_StackedDrgWindow32GiBV1_1}}, ChallengedSectors: make([]proof.SectorInfo, 2)}),
			"OnVerifyPost", g(117_680_921 + 2*43_780), 0},
		{"state access (not charged in v2)", p.OnActorLookup(), "OnActorLookup", 0, 0},
	})
	// Invoking a method takes send_invoke_method (-5,377) off.
	for _, tc := range []struct {
		value bool
		total uint64
	}{{false, 29_233 - 5377}, {true, 29_233 + 27_500 - 5377}} {
		c := p.OnSendV2(tc.value, 2)
		if c.Credit != NewGas(5377) || c.Total() != NewGas(tc.total) {
			t.Errorf("send (value %v) to method 2: %+v, total %s, want %d", tc.value, c, c.Total(), tc.total)
		}
	}
	// Deleting an actor refunds its storage: -(36 + 40)·1300.
	if c := p.OnDeleteActor(); c.Credit != NewGas(76*k) || !c.Debit().IsZero() {
		t.Errorf("delete actor: %+v", c)
	}
	if r, ok := p.OnMethodReturn(1, 100, 0); !ok || r.Total() != NewGas(100*k) {
		t.Errorf("top-level return: %+v %v", r, ok)
	}
	if _, ok := p.OnMethodReturn(2, 100, 0); ok {
		t.Error("v2 charges a nested return")
	}
	w := p.WasmRules
	if w.InitMemoryGas(1<<20) != ZeroGas || w.InitTableGas(100) != ZeroGas || w.HostCallCost != NewGas(14_000) {
		t.Errorf("v2 charges memory or tables: %+v", w)
	}
}

// v2 gas is signed: a credit lowers the gas used, below zero too, and the
// tracker then reports zero used and more than the limit available.
func TestTrackerSignedCharges(t *testing.T) {
	tr := NewGasTracker(NewGas(1000), ZeroGas)
	steps := []struct {
		debit, credit uint64 // whole gas
		used, avail   uint64 // whole gas after
		err           error
	}{
		{100, 0, 100, 900, nil},
		{0, 130, 0, 1030, nil},          // used = -30
		{20, 0, 0, 1010, nil},           // used = -10
		{50, 20, 20, 980, nil},          // a charge with both parts: +30
		{0, 0, 20, 980, nil},            // zero changes nothing
		{1000, 0, 1000, 0, ErrOutOfGas}, // 1,020 > 1,000: all gas used
		{0, 5, 995, 5, nil},             // a credit after running out still applies
	}
	for i, s := range steps {
		err := tr.ApplyCharge(GasCharge{Name: "step", ComputeGas: NewGas(s.debit), Credit: NewGas(s.credit)})
		if !errors.Is(err, s.err) || (s.err == nil) != (err == nil) {
			t.Fatalf("step %d: err %v, want %v", i, err, s.err)
		}
		if tr.GasUsed() != NewGas(s.used) || tr.GasAvailable() != NewGas(s.avail) {
			t.Fatalf("step %d: used %s available %s, want %d and %d", i, tr.GasUsed(), tr.GasAvailable(), s.used, s.avail)
		}
	}
	// A negative used keeps going below zero to the i64 bound.
	tr = NewGasTracker(NewGas(10), ZeroGas)
	for range 2 {
		if err := tr.ApplyCharge(GasCharge{Credit: FromMilligas(1 << 63)}); err != nil {
			t.Fatal(err)
		}
	}
	if tr.GasUsed() != ZeroGas || tr.GasAvailable() != NewGas(10).Add(FromMilligas(1<<63)) {
		t.Errorf("saturated credit: used %s available %s", tr.GasUsed(), tr.GasAvailable())
	}
	// With the gas used below zero, a debit can exceed the limit and fit.
	if err := tr.ApplyCharge(GasCharge{ComputeGas: FromMilligas(math.MaxInt64)}); err != nil {
		t.Errorf("debit within the headroom: %v", err)
	}
}
