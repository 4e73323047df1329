package genesis_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	miner17 "github.com/filecoin-project/go-state-types/builtin/v17/miner"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/manifest"
	"github.com/filecoin-project/go-state-types/network"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/message"
)

// minerConfig is a config of the version with a secp256k1 and a BLS account
// (and, from v10, the testConfig's others) and miners: the first owned by
// the secp256k1 account, the second by the BLS one with a peer ID; both
// have the BLS worker.
func minerConfig(t *testing.T, eng *fvm.Engine, v, miners int) genesis.Config {
	t.Helper()
	k := testKeys(t)
	cfg := testConfig(v, k)
	if v < 10 {
		cfg.Accounts = cfg.Accounts[:2]
	}
	all := []genesis.Miner{
		{Owner: k.secp, Worker: k.bls},
		{Owner: k.bls, Worker: k.bls, PeerID: []byte("12D3KooW genesis test peer")},
	}
	cfg.Miners = all[:miners]
	cfg.Engine = eng
	return cfg
}

// TestMiners builds a genesis with one and with two miners on every actors
// version: the miners are miner actors at f01000 on (the Ethereum null
// account after them), with the configured owner, worker and peer ID, and
// the power actor counts them.
func TestMiners(t *testing.T) {
	eng := testEngine(t)
	for _, rel := range append(v2Releases, testReleases...) {
		for _, n := range []int{1, 2} {
			t.Run(fmt.Sprintf("v%d-nv%d-%d", rel.actors, rel.nv, n), func(t *testing.T) {
				cfg := minerConfig(t, eng, rel.actors, n)
				g, bs := runnable(t, rel, cfg)
				if rel.actors >= 10 {
					checkSupply(t, bs, g.StateRoot)
				}
				vm := newVM(t, eng, bs, rel.nv, g.StateRoot, 0)
				checkMiners(t, vm, g, cfg.Miners, rel.actors >= 17)
				if got := minerCount(t, vm, bs); got != int64(n) {
					t.Errorf("the power actor counts %d miners, want %d", got, n)
				}
				checkEthNull(t, vm, rel.actors, genesis.FirstMinerID+uint64(n))
			})
		}
	}
}

// checkMiners checks each created miner: its ID, its code, its control
// addresses (asked of the miner itself), and its balance: the creation
// deposit from actors v17 (FIP-0077), nothing before.
func checkMiners(t *testing.T, vm *fvm.VM, g *genesis.Genesis, want []genesis.Miner, deposit bool) {
	t.Helper()
	ctx := context.Background()
	if len(g.Miners) != len(want) {
		t.Fatalf("%d miners, want %d", len(g.Miners), len(want))
	}
	minerCode, _ := g.Manifest.Code(manifest.MinerKey)
	for i, m := range g.Miners {
		if wantID := idAddr(t, genesis.FirstMinerID+uint64(i)); m.ID != wantID {
			t.Errorf("miner %d is %s, want %s", i, m.ID, wantID)
		}
		if id, err := vm.LookupID(ctx, m.Robust); err != nil || idAddr(t, uint64(id)) != m.ID || m.Robust.Protocol() != address.Actor {
			t.Errorf("miner %d: robust address %s resolves to f0%d (%v), want %s", i, m.Robust, id, err, m.ID)
		}
		_, act, err := vm.Actor(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if act.Balance.Sign() > 0 != deposit {
			t.Errorf("miner %d: balance %s; want a deposit: %v", i, act.Balance, deposit)
		}
		if act.Code != minerCode || vm.ActorKind(act.Code) != "storageminer" {
			t.Errorf("miner %d: code %s (%q), want the manifest's miner %s", i, act.Code, vm.ActorKind(act.Code), minerCode)
		}
		owner, worker := lookup(t, vm, want[i].Owner), lookup(t, vm, want[i].Worker)
		ret, err := vm.Call(ctx, &message.Message{
			From: builtin.SystemActorAddr, To: m.ID, Method: builtin.MethodsMiner.ControlAddresses,
			Value: big.Zero(), GasLimit: 1 << 30, GasFeeCap: big.Zero(), GasPremium: big.Zero(),
		})
		if err != nil || ret.Receipt.ExitCode != exitcode.Ok {
			t.Fatalf("miner %d: ControlAddresses: %v exit %v", i, err, ret.Receipt.ExitCode)
		}
		var ctl miner17.GetControlAddressesReturn
		if err := ctl.UnmarshalCBOR(bytes.NewReader(ret.Receipt.Return)); err != nil {
			t.Fatal(err)
		}
		if ctl.Owner != owner || ctl.Worker != worker || len(ctl.ControlAddrs) != 0 {
			t.Errorf("miner %d: owner %s worker %s controls %v, want owner %s worker %s", i, ctl.Owner, ctl.Worker, ctl.ControlAddrs, owner, worker)
		}
		if got := m.Miner.SectorSize; got != genesis.DefaultSectorSize {
			t.Errorf("miner %d: sector size %d, want the default", i, got)
		}
	}
}

func lookup(t *testing.T, vm *fvm.VM, addr address.Address) address.Address {
	t.Helper()
	id, err := vm.LookupID(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return idAddr(t, uint64(id))
}

// minerCount reads the power actor's MinerCount, the tenth field of its
// state in every version.
func minerCount(t *testing.T, vm *fvm.VM, bs blockstore.Blockstore) int64 {
	t.Helper()
	var n cbg.CborInt
	stateField(t, head(t, vm, bs, builtin.StoragePowerActorAddr), 9, &n)
	return int64(n)
}

// checkEthNull: from actors v10, the Ethereum null address's EthAccount
// has the ID after the miners'.
func checkEthNull(t *testing.T, vm *fvm.VM, v int, want uint64) {
	t.Helper()
	null := delegatedAddr(t, 10, make([]byte, 20))
	id, err := vm.LookupID(context.Background(), null)
	if v < 10 {
		if err == nil {
			t.Errorf("actors v%d: the null address resolves to f0%d", v, id)
		}
		return
	}
	if err != nil || uint64(id) != want {
		t.Fatalf("the null address resolves to f0%d (%v), want f0%d", id, err, want)
	}
	_, act, err := vm.Actor(context.Background(), idAddr(t, want))
	if err != nil || vm.ActorKind(act.Code) != "ethaccount" {
		t.Errorf("f0%d: %v (%v), want an ethaccount", want, act, err)
	}
}

// TestMinersDeterministic: the same config with miners gives the same root;
// another peer ID gives another.
func TestMinersDeterministic(t *testing.T) {
	eng := testEngine(t)
	rel := testRelease{18, network.Version28}
	cfg := minerConfig(t, eng, rel.actors, 2)
	first, _ := runnable(t, rel, cfg)
	second, _ := runnable(t, rel, cfg)
	if first.StateRoot != second.StateRoot {
		t.Fatalf("roots differ: %s and %s", first.StateRoot, second.StateRoot)
	}
	cfg.Miners[1].PeerID = []byte("another peer")
	if other, _ := runnable(t, rel, cfg); other.StateRoot == first.StateRoot {
		t.Fatalf("another peer ID gives the same root %s", first.StateRoot)
	}
}

// TestMinerSectorSizes: a 2 KiB miner on the devnet bundle; the mainnet
// bundle's miner actor refuses 2 KiB sectors, which Build reports as a bad
// config with the actor's exit code.
func TestMinerSectorSizes(t *testing.T) {
	eng := testEngine(t)
	rel := testRelease{18, network.Version28}
	cfg := minerConfig(t, eng, rel.actors, 1)
	cfg.Miners[0].SectorSize = 2 << 10
	cfg.Network = "devnet"
	g, _ := runnable(t, rel, cfg)
	if len(g.Miners) != 1 || g.Miners[0].Miner.SectorSize != 2<<10 {
		t.Fatalf("miners %+v", g.Miners)
	}
	cfg.Network = "mainnet"
	_, err := genesis.Build(context.Background(), blockstore.NewMemory(), cfg)
	if !errors.Is(err, genesis.ErrBadConfig) || !strings.Contains(err.Error(), "miner 0") || !strings.Contains(err.Error(), "exited 16") {
		t.Fatalf("2 KiB on mainnet: %v, want ErrBadConfig naming miner 0 and exit 16", err)
	}
}

// TestBadMiners: every malformed miner is refused with ErrBadConfig and an
// error that names the miner and the problem.
func TestBadMiners(t *testing.T) {
	eng := testEngine(t)
	k := testKeys(t)
	stranger, err := address.NewBLSAddress(append([]byte{9}, make([]byte, 47)...))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(*genesis.Config)
		want []string
	}{
		{"no owner", func(c *genesis.Config) { c.Miners[0].Owner = address.Undef }, []string{"miner 0", "no owner"}},
		{"unknown owner", func(c *genesis.Config) { c.Miners[0].Owner = stranger }, []string{"miner 0", "owner " + stranger.String() + " is not the address of an account"}},
		{"multisig signer owner", func(c *genesis.Config) { c.Miners[0].Owner = k.signer }, []string{"miner 0", "is not the address of an account"}},
		{"no worker", func(c *genesis.Config) { c.Miners[1].Worker = address.Undef }, []string{"miner 1", "no worker"}},
		{"unknown worker", func(c *genesis.Config) { c.Miners[0].Worker = stranger }, []string{"miner 0", "worker " + stranger.String() + " is not the address of an account"}},
		{"secp256k1 worker", func(c *genesis.Config) { c.Miners[0].Worker = k.secp }, []string{"miner 0", "a secp256k1 account", "only a BLS worker"}},
		{"bad sector size", func(c *genesis.Config) { c.Miners[1].SectorSize = 1 << 20 }, []string{"miner 1", "sector size 1048576 (1MiB) has no proof type"}},
		{"peer ID too long", func(c *genesis.Config) { c.Miners[0].PeerID = make([]byte, 129) }, []string{"miner 0", "peer ID of 129 bytes, at most 128"}},
		{"owner short of the deposit", func(c *genesis.Config) { c.Accounts[0].Balance = fil(1) }, []string{"miner 0", "the owner holds 1 FIL, less than the miner creation deposit"}},
		{"duplicate peer ID", func(c *genesis.Config) {
			c.Miners = append(c.Miners, genesis.Miner{Owner: k.secp, Worker: k.bls, PeerID: c.Miners[1].PeerID})
		}, []string{"miner 2", "duplicate peer ID", "miner 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := minerConfig(t, eng, 17, 2)
			tc.edit(&cfg)
			wantBadConfig(t, cfg, tc.want)
		})
	}
}
