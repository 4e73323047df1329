package syscalls_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/syscalls"
)

// TestHostModulesV2LinkMainnetBundles links every actor of the mainnet
// bundles of actors v8 and v9 (nv16-17, FVM v2), instrumented as v2 does,
// against HostModules(2): a missing import or a wrong signature would make
// the actor fail to load. The v3 set must refuse them all (they import
// vm.abort and actor.new_actor_address, which v3 does not have).
func TestHostModulesV2LinkMainnetBundles(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles two bundles")
	}
	ctx := context.Background()
	dir, err := engine.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	base, err := engine.New(ctx, engine.Config{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = base.Close(ctx) })
	eng, err := base.WithInstrumentation(ctx, engine.FVMInstrumentationV2())
	if err != nil {
		t.Fatal(err)
	}
	linkers := map[int]*engine.Linker{}
	for _, v := range []int{2, 3} {
		mods, err := syscalls.HostModules(v)
		if err != nil {
			t.Fatal(err)
		}
		l, err := eng.NewLinker(ctx, mods)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close(ctx) })
		linkers[v] = l
	}
	for v := 8; v <= 9; v++ {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			path, err := bundle.Locator{}.Path(ctx, v)
			if err != nil {
				t.Skipf("no v%d bundle: %v", v, err)
			}
			bs := blockstore.NewMemory()
			bundles, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: v, Networks: []string{"mainnet"}}, bs)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range bundles[0].Manifest.Entries {
				blk, err := bs.Get(ctx, e.Code)
				if err != nil {
					t.Fatalf("%s: %v", e.Name, err)
				}
				m, err := eng.Load(ctx, engine.Code{CID: e.Code, Bytes: blk.RawData()})
				if err != nil {
					t.Fatalf("%s: %v", e.Name, err)
				}
				if err := linkers[2].Check(m); err != nil {
					t.Errorf("%s does not link with the v2 syscalls: %v", e.Name, err)
				}
				if err := linkers[3].Check(m); !errors.Is(err, engine.ErrLink) {
					t.Errorf("%s links with the v3 syscalls (%v); the v2 set is not distinguished", e.Name, err)
				}
			}
		})
	}
}

// TestHostModulesV2Signatures checks the v2 syscalls whose shape differs
// from v3's (ref-fvm v2.12.1 fvm/src/syscalls), and that v3-only syscalls
// are absent.
func TestHostModulesV2Signatures(t *testing.T) {
	want := map[string]int{ // name -> number of wasm params (return pointer included)
		"vm.abort":                    3,
		"vm.context":                  1,
		"network.base_fee":            1,
		"actor.new_actor_address":     3,
		"actor.create_actor":          2,
		"crypto.verify_seal":          3,
		"gas.charge":                  3,
		"send.send":                   7,
		"self.self_destruct":          2,
		"rand.get_chain_randomness":   5,
		"ipld.block_open":             2,
		"crypto.batch_verify_seals":   3,
		"debug.enabled":               1,
		"actor.get_code_cid_for_type": 4,
	}
	mods, err := syscalls.HostModules(2)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range mods {
		for _, f := range m.Funcs {
			got[m.Name+"."+f.Name] = len(f.Params)
		}
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s has %d params, want %d", name, got[name], n)
		}
	}
	for _, absent := range []string{"vm.exit", "vm.message_context", "network.context", "network.tipset_cid",
		"actor.next_actor_address", "actor.lookup_delegated_address", "actor.balance_of", "gas.available", "event.emit_event"} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s is linked in v2", absent)
		}
	}
	if len(got) != 36 {
		t.Errorf("%d v2 syscalls, want the reference's 36", len(got))
	}
}
