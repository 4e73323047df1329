package fvm_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/internal/state"
	"github.com/go-fvm/go-fvm/internal/testworld"
	"github.com/go-fvm/go-fvm/message"
)

// An nv17 mainnet message applied through the public API (FVM v2 over
// actors v9) gives the vector's receipt and post-state root.
func TestApplyNV17Vector(t *testing.T) {
	ctx := context.Background()
	eng := testEngine(t)
	vm, v, d, base := setupVector(t, eng, "extracted/0001-shark-01/fil_9_storagemarket/AddBalance/Ok/ext-0001-fil_9_storagemarket-AddBalance-Ok-1.json", 9, false)
	if nv := vm.NetworkVersion(); nv != 17 {
		t.Fatalf("vector is nv%d", nv)
	}
	// Precompiling a v9 bundle compiles it for FVM v2.
	manifest, err := bundle.KnownManifest(9, "mainnet")
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Precompile(ctx, base, manifest, nil); err != nil {
		t.Fatal(err)
	}
	ret, err := vm.ApplyMessage(ctx, &d.Message, d.ChainLength)
	if err != nil {
		t.Fatal(err)
	}
	want := v.Postconditions.Receipts[0]
	if int64(ret.Receipt.ExitCode) != want.ExitCode || ret.Receipt.GasUsed != want.GasUsed || !bytes.Equal(ret.Receipt.Return, want.Return) {
		t.Errorf("receipt %+v, want %+v", ret.Receipt, want)
	}
	if ret.Receipt.EventsRoot != nil || ret.Events != nil {
		t.Errorf("a v2 receipt has events: %v %v", ret.Receipt.EventsRoot, ret.Events)
	}
	root, err := vm.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if root != v.PostRoot() {
		t.Errorf("post-state root %s, want %s", root, v.PostRoot())
	}
}

// nv16 over actors v8 (and nv17 over v9) through the public API: a send of
// value to a new f1 address creates an account actor of that bundle, moves
// the value and takes the sender's nonce and fees.
func TestSendNV16NV17(t *testing.T) {
	ctx := context.Background()
	eng := testEngine(t)
	for _, tc := range []struct {
		nv     network.Version
		actors int
	}{{network.Version16, 8}, {network.Version17, 9}} {
		from, err := address.NewSecp256k1Address(bytes.Repeat([]byte{1}, 65))
		if err != nil {
			t.Fatal(err)
		}
		to, err := address.NewSecp256k1Address(bytes.Repeat([]byte{2}, 65))
		if err != nil {
			t.Fatal(err)
		}
		// The sender is the genesis's first account; the receiver gets the
		// init actor's next id (actors v8 and v9 have no Ethereum null account).
		const fromID, toID = genesis.FirstAccountID, genesis.FirstMinerID
		funds := big.Mul(big.NewInt(1000), big.NewInt(1e18))
		bs := blockstore.NewMemory()
		g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: tc.actors,
			Accounts: []genesis.Account{{Kind: genesis.Secp256k1, Address: from, Balance: funds}}})
		if err != nil {
			t.Fatal(err)
		}
		root := g.StateRoot
		vm, err := fvm.New(ctx, fvm.Config{
			NetworkVersion: tc.nv, Epoch: 100, BaseFee: big.NewInt(100), StateRoot: root,
			Blockstore: bs, Externs: testworld.NoExterns{}, Engine: eng,
		})
		if err != nil {
			t.Fatalf("nv%d over actors v%d: %v", tc.nv, tc.actors, err)
		}
		value := big.NewInt(12345)
		msg := &message.Message{From: from, To: to, Value: value, GasLimit: 10_000_000, GasFeeCap: big.NewInt(200), GasPremium: big.NewInt(10)}
		ret, err := vm.ApplyMessage(ctx, msg, 100)
		if err != nil {
			t.Fatal(err)
		}
		if ret.Receipt.ExitCode != exitcode.Ok || ret.Receipt.GasUsed <= 0 || ret.Receipt.GasUsed >= 10_000_000 {
			t.Fatalf("nv%d: receipt %+v (%s)", tc.nv, ret.Receipt, ret.FailureInfo)
		}
		newRoot, err := vm.Flush(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = vm.Close(ctx)
		tree, err := state.Load(ctx, bs, newRoot)
		if err != nil {
			t.Fatal(err)
		}
		if tree.Version() != state.Version4 {
			t.Errorf("nv%d: post-state tree version %d", tc.nv, tree.Version())
		}
		act, id, err := tree.GetActorByAddress(ctx, to)
		if err != nil || act == nil || id != toID || act.Code != mustCode(t, g.Manifest, "account") || !act.Balance.Equals(value) {
			t.Errorf("nv%d: new account f0%d %+v %v", tc.nv, id, act, err)
		}
		sender, err := tree.GetActor(ctx, fromID)
		if err != nil || sender.Sequence != 1 {
			t.Fatalf("nv%d: sender %+v %v", tc.nv, sender, err)
		}
		spent := big.Sub(funds, sender.Balance)
		fees := big.Add(ret.BaseFeeBurn, big.Add(ret.OverEstimationBurn, ret.MinerTip))
		if !spent.Equals(big.Add(value, fees)) {
			t.Errorf("nv%d: sender spent %s, want value %s + fees %s", tc.nv, spent, value, fees)
		}
	}
}

// mustCode returns the code CID of a builtin actor of a manifest.
func mustCode(t *testing.T, man *bundle.Manifest, name string) cid.Cid {
	t.Helper()
	c, ok := man.Code(name)
	if !ok {
		t.Fatalf("no %s in the manifest", name)
	}
	return c
}
