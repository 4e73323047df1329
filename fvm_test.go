package fvm_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/network"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/internal/state"
	"github.com/go-fvm/go-fvm/internal/testworld"
	"github.com/go-fvm/go-fvm/message"
)

// setup loads the AddBalance vector (no randomness, one message into the
// market actor) over the v10 mainnet bundle and returns a VM on its pre-state.
func setup(t *testing.T, eng *fvm.Engine, tracing bool) (*fvm.VM, *conformance.Vector, *message.Decoded, *blockstore.Memory) {
	t.Helper()
	return setupVector(t, eng, "extracted/0002-hygge-01/fil_10_storagemarket/AddBalance/Ok/ext-0002-fil_10_storagemarket-AddBalance-Ok-1.json", 10, tracing)
}

// setupVector loads a vector of FVM_TEST_VECTORS (its path below that
// folder) over the mainnet bundle of an actors version and returns a VM on
// its pre-state, with its first message.
func setupVector(t *testing.T, eng *fvm.Engine, rel string, actors int, tracing bool) (*fvm.VM, *conformance.Vector, *message.Decoded, *blockstore.Memory) {
	t.Helper()
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set")
	}
	ctx := context.Background()
	v, err := conformance.LoadVector(filepath.Join(dir, rel))
	if err != nil {
		t.Skip(err)
	}
	base := blockstore.NewMemory()
	path, err := bundle.Locator{}.Path(ctx, actors)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: actors, Networks: []string{"mainnet"}}, base); err != nil {
		t.Fatal(err)
	}
	if err := v.LoadCAR(ctx, base); err != nil {
		t.Fatal(err)
	}
	msgs, err := v.Messages()
	if err != nil {
		t.Fatal(err)
	}
	variant := v.Preconditions.Variants[0]
	vm, err := fvm.New(ctx, fvm.Config{
		NetworkVersion: network.Version(variant.NV), Epoch: abi.ChainEpoch(variant.Epoch),
		BaseFee: v.BaseFee(), CircSupply: v.CircSupply(), StateRoot: v.PreRoot(),
		Blockstore: base, Externs: testworld.NoExterns{}, Proofs: externs.AcceptAllProofs{},
		Engine: eng, Tracing: tracing})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vm.Close(ctx) })
	return vm, v, msgs[0], base
}

func testEngine(t testing.TB) *fvm.Engine {
	t.Helper()
	dir, err := fvm.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := fvm.NewEngine(context.Background(), fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	return eng
}

func TestApplyMessageWithTrace(t *testing.T) {
	ctx := context.Background()
	eng := testEngine(t)
	vm, v, d, base := setup(t, eng, true)
	ret, err := vm.ApplyMessage(ctx, &d.Message, d.ChainLength)
	if err != nil {
		t.Fatal(err)
	}
	want := v.Postconditions.Receipts[0]
	if int64(ret.Receipt.ExitCode) != want.ExitCode || ret.Receipt.GasUsed != want.GasUsed || !bytes.Equal(ret.Receipt.Return, want.Return) {
		t.Fatalf("receipt %+v, want %+v", ret.Receipt, want)
	}
	root, err := vm.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if root != v.PostRoot() {
		t.Fatalf("root %s, want %s", root, v.PostRoot())
	}
	// Flush moved the new state into the base store: it loads from there.
	if _, err := state.Load(ctx, base, root); err != nil {
		t.Fatalf("flushed root does not load from the base store: %v", err)
	}

	tr := ret.Trace
	if tr == nil {
		t.Fatal("no trace")
	}
	if tr.Msg.To != d.Message.To || tr.Msg.Method != d.Message.Method || !tr.Msg.Value.Equals(d.Message.Value) {
		t.Errorf("trace message %+v does not match %+v", tr.Msg, d.Message)
	}
	if tr.MsgRct.ExitCode != exitcode.Ok || tr.InvokedActor == nil {
		t.Errorf("trace receipt %+v, invoked %v", tr.MsgRct, tr.InvokedActor)
	}
	if len(tr.GasCharges) == 0 || tr.GasCharges[0].Name != "OnChainMessage" {
		t.Fatalf("first charge of the top-level call should be the inclusion cost, got %+v", tr.GasCharges)
	}
	// Every charge is in the tree once: their sum covers the gas used
	// (each charge is rounded up to whole gas, so the sum may exceed it by
	// less than one gas per charge).
	var sum, n int64
	var walk func(e *fvm.ExecutionTrace)
	walk = func(e *fvm.ExecutionTrace) {
		for _, c := range e.GasCharges {
			sum += c.TotalGas
			n++
		}
		for i := range e.Subcalls {
			walk(&e.Subcalls[i])
		}
	}
	walk(tr)
	if sum < ret.Receipt.GasUsed || sum > ret.Receipt.GasUsed+n {
		t.Errorf("trace charges sum to %d over %d charges, gas used %d", sum, n, ret.Receipt.GasUsed)
	}
}

func TestApplyImplicitMessage(t *testing.T) {
	ctx := context.Background()
	vm, _, _, _ := setup(t, testEngine(t), false)
	system, _ := address.NewIDAddress(0)
	burnt, _ := address.NewIDAddress(99)
	ret, err := vm.ApplyImplicitMessage(ctx, &message.Message{
		From: system, To: burnt, Value: big.Zero(), GasLimit: 1 << 40,
		GasFeeCap: big.Zero(), GasPremium: big.Zero(), Method: 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	// A zero-value send between preloaded actors: no inclusion cost, no
	// state-access charges, no fees.
	if ret.Receipt.ExitCode != exitcode.Ok || ret.Receipt.GasUsed != 0 {
		t.Errorf("receipt %+v, want exit 0 and no gas", ret.Receipt)
	}
	for name, amt := range map[string]abi.TokenAmount{"penalty": ret.MinerPenalty, "tip": ret.MinerTip, "burn": ret.BaseFeeBurn, "refund": ret.Refund} {
		if !amt.IsZero() {
			t.Errorf("%s is %s, want 0 for an implicit message", name, amt)
		}
	}
}

func TestImplicitMessageFromUnknownSender(t *testing.T) {
	ctx := context.Background()
	vm := minimalVM(t)
	// An ID address "resolves" to itself whether or not the actor exists
	// (ref-fvm lookup_id), so the unknown sender must be a key address.
	from, err := address.NewSecp256k1Address([]byte("no such key"))
	if err != nil {
		t.Fatal(err)
	}
	to, _ := address.NewIDAddress(1)
	ret, err := vm.ApplyImplicitMessage(ctx, &message.Message{From: from, To: to, Value: big.Zero(), GasLimit: 1000, GasFeeCap: big.Zero(), GasPremium: big.Zero()})
	if err != nil {
		t.Fatal(err)
	}
	if ret.Receipt.ExitCode != exitcode.SysErrSenderInvalid || !ret.MinerPenalty.IsZero() {
		t.Errorf("receipt %+v penalty %s, want SYS_SENDER_INVALID with no penalty", ret.Receipt, ret.MinerPenalty)
	}
}

// minimalVM returns a VM at nv18 on a genesis state of the v10 mainnet
// bundle with no accounts (genesis.Build's builtin actors only).
func minimalVM(t *testing.T) *fvm.VM {
	t.Helper()
	ctx := context.Background()
	bs := blockstore.NewMemory()
	g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: 10})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := fvm.New(ctx, fvm.Config{NetworkVersion: network.Version18, StateRoot: g.StateRoot,
		Blockstore: bs, Externs: testworld.NoExterns{}, Engine: testEngine(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vm.Close(ctx) })
	return vm
}
