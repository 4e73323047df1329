package devnet_test

import (
	"context"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/devnet"
	"github.com/go-fvm/go-fvm/genesis"
)

func engine(b testing.TB) *fvm.Engine {
	dir, err := fvm.DefaultCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	e, err := fvm.NewEngine(context.Background(), fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkOpen is the start-up of an in-memory devnet on a warm compile
// cache with a new engine each time, as a new process has.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		d, err := devnet.Open(ctx, devnet.Config{})
		if err != nil {
			b.Fatal(err)
		}
		d.Close(ctx)
	}
}

// BenchmarkAutomine measures transfers and EVM calls per second with
// automine, and the gas/ns of their execution.
func BenchmarkAutomine(b *testing.B) {
	ctx := context.Background()
	d, err := devnet.Open(ctx, devnet.Config{Accounts: 2, Engine: engine(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close(ctx)
	b.ResetTimer()
	r, err := devnet.Bench(ctx, d, b.N, b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.TransfersPerSecond(), "transfers/s")
	b.ReportMetric(r.EVMCallsPerSecond(), "evmcalls/s")
	b.ReportMetric(r.GasPerNs(), "gas/ns")
}

func TestVersions(t *testing.T) {
	nv, err := devnet.DefaultNetworkVersion()
	if err != nil {
		t.Fatal(err)
	}
	av, err := devnet.ActorsVersion(nv)
	if err != nil || av < 17 {
		t.Fatalf("default nv%d runs actors v%d (%v)", nv, av, err)
	}
	if _, err := devnet.ActorsVersion(15); err == nil {
		t.Fatal("nv15 (no bundle) accepted")
	}
	for _, nv := range []network.Version{network.Version16, network.Version17} {
		if _, err := devnet.ActorsVersion(nv); err == nil || !strings.Contains(err.Error(), "EVM") {
			t.Errorf("nv%d (actors v8/v9, no EVM): %v, want an error naming the EVM", nv, err)
		}
	}
	vs := devnet.SupportedNetworkVersions()
	if len(vs) == 0 || vs[0] != network.Version18 {
		t.Fatalf("supported %v", vs)
	}
}

// TestMinerDataDir: a new chain in a DataDir has the miner f01000 and keeps
// it across a restart; a chain made before devnets had a miner (its genesis
// has none) continues with its blocks naming f099, as they did.
func TestMinerDataDir(t *testing.T) {
	ctx := context.Background()
	e := engine(t)
	defer e.Close(ctx)
	head := func(d *devnet.Devnet) address.Address {
		t.Helper()
		ts, err := d.Chain.Mine(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		return ts[0].Blocks[0].Miner
	}

	dir := t.TempDir()
	for range 2 {
		d, err := devnet.Open(ctx, devnet.Config{Accounts: 1, DataDir: dir, Engine: e})
		if err != nil {
			t.Fatal(err)
		}
		if d.Miner.ID.String() != "f01000" || d.Miner.Owner == nil || !d.Wallet.Has(d.Miner.Owner.Address) {
			t.Fatalf("miner %+v", d.Miner)
		}
		if m := head(d); m != d.Miner.ID {
			t.Fatalf("block miner %s, want %s", m, d.Miner.ID)
		}
		d.Close(ctx)
	}

	nv, err := devnet.DefaultNetworkVersion()
	if err != nil {
		t.Fatal(err)
	}
	av, err := devnet.ActorsVersion(nv)
	if err != nil {
		t.Fatal(err)
	}
	old := t.TempDir()
	store, err := chain.OpenStore(old)
	if err != nil {
		t.Fatal(err)
	}
	c, err := chain.Open(ctx, chain.Config{
		Store: store, Engine: e, NetworkVersion: nv, ChainID: devnet.DefaultChainID,
		Genesis: func(ctx context.Context, bs blockstore.Blockstore) (cid.Cid, error) {
			g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: av})
			if err != nil {
				return cid.Undef, err
			}
			return g.StateRoot, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	store.Close()
	d, err := devnet.Open(ctx, devnet.Config{Accounts: 1, DataDir: old, Engine: e})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	if d.Miner.Owner != nil || d.Miner.ID != address.Undef {
		t.Fatalf("a chain with no genesis miner: devnet miner %+v", d.Miner)
	}
	if m := head(d); m != chain.BurntFundsActor {
		t.Fatalf("a chain with no genesis miner: block miner %s, want f099", m)
	}
}
