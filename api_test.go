package fvm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/network"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/message"
)

// apiWorld is a today's-network genesis with a secp256k1 and an Ethereum
// account, and a VM on it.
type apiWorld struct {
	vm        *fvm.VM
	bs        *blockstore.Memory
	g         *genesis.Genesis
	secp, eth address.Address
}

func newAPIWorld(t *testing.T) *apiWorld {
	t.Helper()
	ctx := context.Background()
	secp, _ := address.NewSecp256k1Address([]byte("api test key"))
	eth, _ := fvm.EthAddress{0xee, 1}.FilecoinAddress()
	bs := blockstore.NewMemory()
	g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: bundle.DefaultActorsVersion, Accounts: []genesis.Account{
		{Kind: genesis.Secp256k1, Address: secp, Balance: fil(50)},
		{Kind: genesis.Ethereum, Address: eth, Balance: fil(50)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := fvm.New(ctx, fvm.Config{NetworkVersion: bundle.DefaultNetworkVersion, StateRoot: g.StateRoot,
		Blockstore: bs, Externs: externs.Synthetic{}, Engine: testEngine(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &apiWorld{vm: vm, bs: bs, g: g, secp: secp, eth: eth}
}

func transfer(from, to address.Address, nonce uint64, value big.Int) *message.Message {
	return &message.Message{From: from, To: to, Sequence: nonce, Value: value, GasLimit: 10_000_000,
		GasFeeCap: big.Zero(), GasPremium: big.Zero()}
}

func TestNewRefusesBadConfig(t *testing.T) {
	ctx := context.Background()
	w := newAPIWorld(t)
	good := fvm.Config{NetworkVersion: bundle.DefaultNetworkVersion, StateRoot: w.g.StateRoot,
		Blockstore: w.bs, Externs: externs.Synthetic{}, Engine: testEngine(t)}

	// A store with the state but without the EVM actor's code.
	evmCode, _ := w.g.Manifest.Code("evm")
	stateOnly := hidingStore{w.bs, evmCode}

	cases := []struct {
		name string
		edit func(*fvm.Config)
		want []string
	}{
		{"unknown network version", func(c *fvm.Config) { c.NetworkVersion = 99 }, []string{"network version 99"}},
		{"old network version", func(c *fvm.Config) { c.NetworkVersion = network.Version15 }, []string{"network version 15"}},
		{"no blockstore", func(c *fvm.Config) { c.Blockstore = nil }, []string{"no blockstore"}},
		{"no externs", func(c *fvm.Config) { c.Externs = nil }, []string{"no externs"}},
		{"no state root", func(c *fvm.Config) { c.StateRoot = cid.Undef }, []string{"no state root"}},
		{"state root not in the store", func(c *fvm.Config) { c.StateRoot = w.g.Manifest.Root; c.Blockstore = blockstore.NewMemory() }, []string{w.g.Manifest.Root.String()}},
		{"missing actor code", func(c *fvm.Config) { c.Blockstore = stateOnly }, []string{"lacks the code of the evm actor", evmCode.String(), w.g.Manifest.Root.String()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			vm, err := fvm.New(ctx, cfg)
			if err == nil {
				_ = vm.Close(ctx)
				t.Fatal("New succeeded")
			}
			if !errors.Is(err, fvm.ErrConfig) {
				t.Errorf("error %v is not ErrConfig", err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// hidingStore is a store that lacks one block.
type hidingStore struct {
	blockstore.Blockstore
	hidden cid.Cid
}

func (h hidingStore) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	if c == h.hidden {
		return nil, blockstore.ErrNotFound
	}
	return h.Blockstore.Get(ctx, c)
}

func (h hidingStore) Has(ctx context.Context, c cid.Cid) (bool, error) {
	return c != h.hidden && must(h.Blockstore.Has(ctx, c)), nil
}

func must(ok bool, err error) bool { return ok && err == nil }

func TestCallAndEstimateCommitNothing(t *testing.T) {
	ctx := context.Background()
	w := newAPIWorld(t)
	before, err := w.vm.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msg := transfer(w.secp, w.eth, 0, fil(7))
	for name, run := range map[string]func() (*fvm.ApplyRet, error){
		"Call": func() (*fvm.ApplyRet, error) { return w.vm.Call(ctx, msg) },
		"Estimate": func() (*fvm.ApplyRet, error) {
			return w.vm.Estimate(ctx, msg, msg.ChainLength(crypto.SigTypeSecp256k1))
		},
	} {
		ret, err := run()
		if err != nil || ret.Receipt.ExitCode != exitcode.Ok {
			t.Fatalf("%s: %v %+v", name, err, ret)
		}
		if name == "Estimate" && ret.Receipt.GasUsed == 0 {
			t.Errorf("Estimate used no gas: the inclusion cost is missing")
		}
		after, err := w.vm.Flush(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("%s changed the state root: %s -> %s", name, before, after)
		}
	}
	// The same message applied does change it.
	ret, err := w.vm.ApplyMessage(ctx, msg, msg.ChainLength(crypto.SigTypeSecp256k1))
	if err != nil || ret.Receipt.ExitCode != exitcode.Ok {
		t.Fatalf("apply: %v %+v", err, ret)
	}
	if bal, _ := w.vm.Balance(ctx, w.eth); !bal.Equals(fil(57)) {
		t.Errorf("balance after apply %s, want 57 FIL", bal)
	}
}

func TestStateReads(t *testing.T) {
	ctx := context.Background()
	w := newAPIWorld(t)
	id, act, err := w.vm.Actor(ctx, w.eth)
	if err != nil {
		t.Fatal(err)
	}
	if kind := w.vm.ActorKind(act.Code); kind != "ethaccount" {
		t.Errorf("kind %q, want ethaccount", kind)
	}
	if act.DelegatedAddress == nil || *act.DelegatedAddress != w.eth {
		t.Errorf("delegated address %v, want %s", act.DelegatedAddress, w.eth)
	}
	if got, err := w.vm.LookupID(ctx, w.eth); err != nil || got != id {
		t.Errorf("LookupID = %d, %v; want %d", got, err, id)
	}
	unknown, _ := address.NewSecp256k1Address([]byte("nobody"))
	if _, _, err := w.vm.Actor(ctx, unknown); !errors.Is(err, fvm.ErrActorNotFound) {
		t.Errorf("unknown actor: %v", err)
	}
	if bal, err := w.vm.Balance(ctx, unknown); err != nil || !bal.IsZero() {
		t.Errorf("balance of nobody = %s, %v", bal, err)
	}
	if _, err := w.vm.EVMBytecode(ctx, w.eth); !errors.Is(err, fvm.ErrNotEVM) {
		t.Errorf("EVMBytecode of an account: %v", err)
	}
}

func TestEthAddressForms(t *testing.T) {
	id1234, _ := address.NewIDAddress(1234)
	f410, _ := address.NewDelegatedAddress(10, []byte{0: 0xab, 19: 0xcd})
	other4, _ := address.NewDelegatedAddress(32, []byte{1, 2, 3})
	secp, _ := address.NewSecp256k1Address([]byte("k"))
	cases := []struct {
		addr address.Address
		eth  string
		err  bool
	}{
		{id1234, "0xff000000000000000000000000000000000004d2", false},
		{f410, "0xab000000000000000000000000000000000000cd", false},
		{other4, "", true},
		{secp, "", true},
	}
	for _, tc := range cases {
		e, err := fvm.EthAddressOf(tc.addr)
		if tc.err {
			if !errors.Is(err, fvm.ErrNoEthAddress) {
				t.Errorf("%s: err %v, want ErrNoEthAddress", tc.addr, err)
			}
			continue
		}
		if err != nil || e.String() != tc.eth {
			t.Errorf("%s: %s, %v; want %s", tc.addr, e, err, tc.eth)
		}
		parsed, err := fvm.ParseEthAddress(tc.eth)
		if err != nil || parsed != e {
			t.Errorf("ParseEthAddress(%s) = %s, %v", tc.eth, parsed, err)
		}
		back, err := e.FilecoinAddress()
		if err != nil || back != tc.addr {
			t.Errorf("%s round trip: %s, %v", tc.addr, back, err)
		}
	}
	for _, bad := range []string{"", "0x12", "ab000000000000000000000000000000000000cd00", "0xzz000000000000000000000000000000000000cd"} {
		if _, err := fvm.ParseEthAddress(bad); err == nil {
			t.Errorf("ParseEthAddress(%q) succeeded", bad)
		}
	}
}

// BenchmarkNew measures a VM's creation over a genesis state with a shared,
// warm engine: what a node pays per tipset and a devnet per call.
func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	bs := blockstore.NewMemory()
	g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: bundle.DefaultActorsVersion})
	if err != nil {
		b.Fatal(err)
	}
	dir, _ := fvm.DefaultCacheDir()
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close(ctx)
	cfg := fvm.Config{NetworkVersion: bundle.DefaultNetworkVersion, StateRoot: g.StateRoot, Blockstore: bs,
		Externs: externs.Synthetic{}, Engine: eng}
	for b.Loop() {
		vm, err := fvm.New(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		_ = vm.Close(ctx)
	}
}
