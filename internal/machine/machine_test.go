package machine_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"testing"
	"time"

	hamt "github.com/filecoin-project/go-hamt-ipld/v3"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
	"github.com/go-fvm/go-fvm/internal/testworld"
	"github.com/go-fvm/go-fvm/internal/wasm"
)

func TestProfileFor(t *testing.T) {
	for _, tc := range []struct {
		nv     network.Version
		fvm    int // 0: unsupported
		prices func() *gas.PriceList
	}{
		{network.Version15, 0, nil},
		{network.Version16, 2, gas.SkyrPrices},
		{network.Version17, 2, gas.SkyrPrices},
		{network.Version18, 3, gas.HyggePrices},
		{network.Version20, 3, gas.HyggePrices},
		{network.Version21, 4, gas.WatermelonPrices},
		{network.Version24, 4, gas.WatermelonPrices},
		{network.Version25, 4, gas.TeepPrices},
		{network.Version28, 4, gas.TeepPrices},
		{network.Version29, 4, gas.TeepPrices},
		{network.Version29 + 1, 0, nil},
	} {
		p, err := machine.ProfileFor(tc.nv)
		if tc.fvm == 0 {
			if !errors.Is(err, machine.ErrUnsupported) {
				t.Errorf("nv%d: err %v, want ErrUnsupported", tc.nv, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("nv%d: %v", tc.nv, err)
		}
		// v2 allows one more nested call (ref-fvm v2 checks the depth
		// before counting the top-level call).
		depth := 1024
		if tc.fvm == 2 {
			depth = 1025
		}
		if p.FVMVersion != tc.fvm || p.MaxCallDepth != depth {
			t.Errorf("nv%d: FVM v%d depth %d, want v%d depth %d", tc.nv, p.FVMVersion, p.MaxCallDepth, tc.fvm, depth)
		}
		// The lists differ in verify_seal_base (Teep), in being v4
		// (Watermelon) and in the v2 send charge (Skyr): compare prices that
		// tell them apart.
		want := tc.prices()
		if p.Prices.Name != want.Name || p.Prices.OnVerifySeal(nil) != want.OnVerifySeal(nil) ||
			p.Prices.OnMethodInvocation(0, 1) != want.OnMethodInvocation(0, 1) {
			t.Errorf("nv%d: wrong price list", tc.nv)
		}
	}
}

// fixture is a complete minimal v10 state: the system actor naming the v10
// mainnet manifest and an init actor with an empty address map.
type fixture struct {
	bs       *blockstore.Memory
	root     cid.Cid
	manifest *bundle.Manifest
}

func newFixture(t *testing.T, version uint64) fixture {
	return newFixtureActors(t, version, 10)
}

// newFixtureActors is newFixture over another actors version's mainnet
// manifest.
func newFixtureActors(t *testing.T, version uint64, actors int) fixture {
	t.Helper()
	ctx := context.Background()
	bs := blockstore.NewMemory()
	path, err := bundle.Locator{}.Path(ctx, actors)
	if err != nil {
		t.Fatal(err)
	}
	bundles, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: actors, Networks: []string{"mainnet"}}, bs)
	if err != nil {
		t.Fatal(err)
	}
	man := bundles[0].Manifest
	cst := cbor.NewCborStore(bs)
	addrs, err := hamt.NewNode(cst, hamt.UseTreeBitWidth(5), hamt.UseHashFunction(func(b []byte) []byte { h := sha256.Sum256(b); return h[:] }))
	if err != nil {
		t.Fatal(err)
	}
	addrsRoot, err := addrs.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put := func(v any) cid.Cid {
		c, err := cst.Put(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tree, err := state.New(ctx, bs, version)
	if err != nil {
		t.Fatal(err)
	}
	code := func(name string) cid.Cid {
		c, ok := man.Code(name)
		if !ok {
			t.Fatalf("no %s in the manifest", name)
		}
		return c
	}
	tree.SetActor(0, &state.ActorState{Code: code("system"), Head: put([]any{man.Data}), Balance: big.Zero()})
	tree.SetActor(1, &state.ActorState{Code: code("init"), Head: put([]any{addrsRoot, 100, "test"}), Balance: big.Zero()})
	root, err := tree.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{bs: bs, root: root, manifest: man}
}

func TestNew(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, state.Version5)
	m, err := machine.New(ctx, machine.Config{NetworkVersion: network.Version18, Epoch: 7, StateRoot: f.root, Blockstore: f.bs, Externs: testworld.NoExterns{}})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]cid.Cid{"account": m.AccountCode, "placeholder": m.PlaceholderCode, "ethaccount": m.EthAccountCode} {
		if want, _ := f.manifest.Code(name); got != want {
			t.Errorf("%s code %s, want %s", name, got, want)
		}
	}
	if m.Profile.FVMVersion != 3 || m.Epoch != 7 {
		t.Errorf("profile v%d epoch %d", m.Profile.FVMVersion, m.Epoch)
	}
	// An unset base fee is zero; an unset circulating supply is
	// TOTAL_FILECOIN (2e9 FIL = 2e27 attoFIL) in v3 (ref-fvm v3.13.3
	// NetworkConfig::for_epoch); an unset proof verifier refuses.
	total, _ := big.FromString("2000000000000000000000000000")
	if m.BaseFee.Int == nil || !m.BaseFee.IsZero() || !m.CircSupply.Equals(total) {
		t.Errorf("base fee %v circ supply %v, want 0 and %v", m.BaseFee, m.CircSupply, total)
	}
	if _, ok := m.Proofs.(externs.NoProofVerifier); !ok {
		t.Errorf("proofs %T, want NoProofVerifier", m.Proofs)
	}
	// The empty array (head of new actors) is always readable.
	if ok, err := m.Blocks.Has(ctx, state.EmptyArrayCID); err != nil || !ok {
		t.Errorf("empty array block missing: %v", err)
	}
}

// The switches where FVM versions differ: v2 has none of FIP-0048/0049/0055
// (delegated addresses, events, placeholders) nor FIP-0057 (state access
// charges), and takes its own instrumentation and block rules.
func TestProfileSwitches(t *testing.T) {
	for _, tc := range []struct {
		nv                                    network.Version
		tree                                  uint64
		v3Features, v2Quirks, instantiateExit bool
		codecs                                []uint64
		maxBlock                              int
		instr                                 string
	}{
		{network.Version17, state.Version4, false, true, false, []uint64{0x71}, 0, wasm.InstrumentationVersionV2},
		{network.Version18, state.Version5, true, false, true, []uint64{0x51, 0x71, 0x55}, 1 << 20, wasm.InstrumentationVersion},
		{network.Version21, state.Version5, true, false, true, nil, 1 << 20, wasm.InstrumentationVersion},
	} {
		p, err := machine.ProfileFor(tc.nv)
		if err != nil {
			t.Fatal(err)
		}
		v3 := []bool{p.DelegatedAddresses, p.StateAccessCharges, p.Events, p.RawSendParams}
		v2 := []bool{p.SendChargedFirst, p.CreateChargedBeforeBLSCheck, p.OriginKeyAddress, p.BatchSealsPrepaid}
		for i := range v3 {
			if v3[i] != tc.v3Features || v2[i] != tc.v2Quirks {
				t.Errorf("nv%d: v3 features %v, v2 quirks %v", tc.nv, v3, v2)
				break
			}
		}
		if p.StateTreeVersion != tc.tree || p.InstantiationFailureExits != tc.instantiateExit ||
			!slices.Equal(p.BlockCodecs, tc.codecs) || p.MaxBlockSize != tc.maxBlock || p.Instrumentation.Version != tc.instr {
			t.Errorf("nv%d: profile %+v", tc.nv, p)
		}
		wantCodec := uint64(0x51)
		if tc.nv == network.Version17 {
			wantCodec = 0x71
		}
		if p.ParamsCodec != wantCodec {
			t.Errorf("nv%d: message params codec %#x, want %#x", tc.nv, p.ParamsCodec, wantCodec)
		}
	}
	for fvm, want := range map[int]string{2: wasm.InstrumentationVersionV2, 3: wasm.InstrumentationVersion, 4: wasm.InstrumentationVersion} {
		if got, err := machine.InstrumentationFor(fvm); err != nil || got.Version != want {
			t.Errorf("InstrumentationFor(%d) = %q, %v; want %q", fvm, got.Version, err, want)
		}
	}
	if _, err := machine.InstrumentationFor(5); !errors.Is(err, machine.ErrUnsupported) {
		t.Errorf("InstrumentationFor(5): %v", err)
	}
}

// nv16-17 run on version-4 trees over actors v8 and v9, which have no
// placeholder or Ethereum account actors.
func TestNewV2(t *testing.T) {
	ctx := context.Background()
	for nv, actors := range map[network.Version]int{network.Version16: 8, network.Version17: 9} {
		f := newFixtureActors(t, state.Version4, actors)
		m, err := machine.New(ctx, machine.Config{NetworkVersion: nv, StateRoot: f.root, Blockstore: f.bs, Externs: testworld.NoExterns{}})
		if err != nil {
			t.Fatalf("nv%d over actors v%d: %v", nv, actors, err)
		}
		account, _ := f.manifest.Code("account")
		if m.Profile.FVMVersion != 2 || m.AccountCode != account || m.PlaceholderCode.Defined() || m.EthAccountCode.Defined() {
			t.Errorf("nv%d: FVM v%d account %s placeholder %s ethaccount %s", nv, m.Profile.FVMVersion, m.AccountCode, m.PlaceholderCode, m.EthAccountCode)
		}
		// ref-fvm v2 NetworkConfig::for_epoch: TOTAL_FILECOIN by default.
		if !m.CircSupply.Equals(machine.TotalFilecoin()) {
			t.Errorf("nv%d: circ supply %s", nv, m.CircSupply)
		}
	}
}

func TestCircSupplyDefault(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, state.Version5)
	for _, tc := range []struct {
		nv   network.Version
		set  abi.TokenAmount
		want string
	}{
		{network.Version18, abi.TokenAmount{}, "2000000000000000000000000000"},
		{network.Version18, big.Zero(), "0"}, // set to zero: kept
		{network.Version18, big.NewInt(7), "7"},
		// v4 (ref-fvm v4.8.2 for_epoch) defaults to zero. The v10 state
		// serves as a state here: the profile is all that matters.
		{network.Version21, abi.TokenAmount{}, "0"},
	} {
		m, err := machine.New(ctx, machine.Config{NetworkVersion: tc.nv, StateRoot: f.root, Blockstore: f.bs, Externs: testworld.NoExterns{}, CircSupply: tc.set})
		if err != nil {
			t.Fatal(err)
		}
		if m.CircSupply.String() != tc.want {
			t.Errorf("nv%d circ supply %v: got %s, want %s", tc.nv, tc.set, m.CircSupply, tc.want)
		}
	}
}

func TestNewRejects(t *testing.T) {
	ctx := context.Background()
	f5 := newFixture(t, state.Version5)
	f4 := newFixture(t, state.Version4)
	for name, cfg := range map[string]machine.Config{
		"nv15":         {NetworkVersion: network.Version15, StateRoot: f4.root, Blockstore: f4.bs, Externs: testworld.NoExterns{}},
		"nv17 tree v5": {NetworkVersion: network.Version17, StateRoot: f5.root, Blockstore: f5.bs, Externs: testworld.NoExterns{}},
		"no externs":   {NetworkVersion: network.Version18, StateRoot: f5.root, Blockstore: f5.bs},
		"tree v4":      {NetworkVersion: network.Version18, StateRoot: f4.root, Blockstore: f4.bs, Externs: testworld.NoExterns{}},
		"nv30":         {NetworkVersion: network.Version29 + 1, StateRoot: f5.root, Blockstore: f5.bs, Externs: testworld.NoExterns{}},
	} {
		if _, err := machine.New(ctx, cfg); !errors.Is(err, machine.ErrUnsupported) {
			t.Errorf("%s: err %v, want ErrUnsupported", name, err)
		}
	}
	// A root that is not in the store is an error, not a panic.
	missing := state.EmptyArrayCID
	if _, err := machine.New(ctx, machine.Config{NetworkVersion: network.Version18, StateRoot: missing, Blockstore: blockstore.NewMemory(), Externs: testworld.NoExterns{}}); err == nil {
		t.Error("a root that is no state tree was accepted")
	}
}

func TestFlush(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, state.Version5)
	m, err := machine.New(ctx, machine.Config{NetworkVersion: network.Version18, StateRoot: f.root, Blockstore: f.bs, Externs: testworld.NoExterns{}})
	if err != nil {
		t.Fatal(err)
	}
	account, _ := f.manifest.Code("account")
	// A block only the new actor reaches, and one nothing reaches.
	cst := cbor.NewCborStore(m.Blocks)
	head, err := cst.Put(ctx, []any{"reachable"})
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := cst.Put(ctx, []any{"orphan"})
	if err != nil {
		t.Fatal(err)
	}
	m.Tree.SetActor(1000, &state.ActorState{Code: account, Head: head, Balance: big.NewInt(42)})
	root, err := m.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if root == f.root {
		t.Fatal("root unchanged after adding an actor")
	}
	tree, err := state.Load(ctx, f.bs, root)
	if err != nil {
		t.Fatalf("new root does not load from the base store: %v", err)
	}
	act, err := tree.GetActor(ctx, 1000)
	if err != nil || act == nil || !act.Balance.Equals(big.NewInt(42)) || act.Head != head {
		t.Fatalf("actor 1000 = %+v, %v", act, err)
	}
	if ok, _ := f.bs.Has(ctx, head); !ok {
		t.Error("the reachable head was not moved to the base store")
	}
	if ok, _ := f.bs.Has(ctx, orphan); ok {
		t.Error("an unreachable block was moved to the base store")
	}
	// Flushing inside a transaction is refused.
	m.Tree.BeginTransaction()
	if _, err := m.Flush(ctx); err == nil {
		t.Error("flush inside a transaction succeeded")
	}
	if err := m.Tree.EndTransaction(false); err != nil {
		t.Fatal(err)
	}
}

func TestTimings(t *testing.T) {
	var nilT *machine.Timings
	nilT.Enter(machine.PhaseWasm) // nil records nothing and does not panic
	nilT.Exit()
	if nilT.Total(machine.PhaseWasm) != 0 {
		t.Error("nil timings recorded time")
	}

	const d = 5 * time.Millisecond
	tm := &machine.Timings{}
	tm.Exit() // an unmatched exit is ignored
	tm.Enter(machine.PhaseOther)
	time.Sleep(d)
	tm.Enter(machine.PhaseWasm)
	time.Sleep(d)
	tm.Enter(machine.PhaseSyscalls)
	time.Sleep(d)
	tm.Enter(machine.PhaseBlocks)
	time.Sleep(d)
	tm.Exit()
	time.Sleep(d) // back in syscalls
	tm.Exit()
	tm.Exit()
	tm.Exit()
	time.Sleep(d) // outside every phase: not recorded
	for p, min := range map[machine.Phase]time.Duration{
		machine.PhaseOther: d, machine.PhaseWasm: d, machine.PhaseSyscalls: 2 * d, machine.PhaseBlocks: d,
	} {
		if got := tm.Total(p); got < min {
			t.Errorf("%s: %v, want at least %v", p, got, min)
		}
	}
	// Nested time goes to the innermost phase only: the outer phases did
	// not also get the inner sleeps (generous bound for a loaded machine).
	if other, nested := tm.Total(machine.PhaseOther), tm.Total(machine.PhaseWasm)+tm.Total(machine.PhaseSyscalls)+tm.Total(machine.PhaseBlocks); other >= nested {
		t.Errorf("other: %v includes the nested phases (%v)", other, nested)
	}
	for p, name := range map[machine.Phase]string{machine.PhaseOther: "other", machine.PhaseWasm: "wasm", machine.PhaseSyscalls: "syscalls", machine.PhaseBlocks: "blocks"} {
		if p.String() != name {
			t.Errorf("phase %d named %q, want %q", p, p.String(), name)
		}
	}
}
