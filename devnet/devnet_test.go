package devnet_test

import (
	"context"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/network"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/devnet"
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

// TestMinerDataDir: Config.Miner makes a new chain's genesis create the
// miner f01000, which its blocks then name; a chain continued from a DataDir
// keeps what its genesis has (a miner, or blocks naming f099, as chains made
// before devnets could have one), whatever Config.Miner says on reopening.
func TestMinerDataDir(t *testing.T) {
	ctx := context.Background()
	e := engine(t)
	defer e.Close(ctx)
	for _, made := range []bool{true, false} {
		dir := t.TempDir()
		for _, reopen := range []bool{made, !made} {
			d, err := devnet.Open(ctx, devnet.Config{Accounts: 1, DataDir: dir, Engine: e, Miner: reopen})
			if err != nil {
				t.Fatal(err)
			}
			ts, err := d.Chain.Mine(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := chain.BurntFundsActor
			if made {
				if d.Miner.ID.String() != "f01000" || d.Miner.Owner == nil || !d.Wallet.Has(d.Miner.Owner.Address) {
					t.Fatalf("made with a miner, opened with Miner %v: miner %+v", reopen, d.Miner)
				}
				want = d.Miner.ID
			} else if d.Miner.Owner != nil || d.Miner.ID != address.Undef {
				t.Fatalf("made without a miner, opened with Miner %v: miner %+v", reopen, d.Miner)
			}
			if m := ts[0].Blocks[0].Miner; m != want {
				t.Fatalf("made with a miner %v, opened with Miner %v: block miner %s, want %s", made, reopen, m, want)
			}
			d.Close(ctx)
		}
	}
}
