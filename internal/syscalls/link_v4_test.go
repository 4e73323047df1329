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

// TestHostModulesV4LinkMainnetBundles links every actor of the mainnet
// bundles of actors v12-v19 (nv21-29, FVM v4) against HostModules(4): a
// missing import or a wrong signature would make the actor fail to load.
// The v3 set must, in turn, refuse them (their rand and self_destruct
// imports have the v4 shapes).
func TestHostModulesV4LinkMainnetBundles(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles eight bundles")
	}
	ctx := context.Background()
	dir, err := engine.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ctx, engine.Config{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(ctx) })
	linkers := map[int]*engine.Linker{}
	for _, v := range []int{3, 4} {
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
	for v := 12; v <= 19; v++ {
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
			refusedByV3 := 0
			for _, e := range bundles[0].Manifest.Entries {
				blk, err := bs.Get(ctx, e.Code)
				if err != nil {
					t.Fatalf("%s: %v", e.Name, err)
				}
				m, err := eng.Load(ctx, engine.Code{CID: e.Code, Bytes: blk.RawData()})
				if err != nil {
					t.Fatalf("%s: %v", e.Name, err)
				}
				if err := linkers[4].Check(m); err != nil {
					t.Errorf("%s does not link with the v4 syscalls: %v", e.Name, err)
				}
				if err := linkers[3].Check(m); errors.Is(err, engine.ErrLink) {
					refusedByV3++
				}
			}
			if refusedByV3 == 0 {
				t.Errorf("every v%d actor links with the v3 syscalls; the v4 set is not distinguished", v)
			}
		})
	}
}

func TestHostModulesVersions(t *testing.T) {
	for _, v := range []int{0, 1, 5} {
		if _, err := syscalls.HostModules(v); err == nil {
			t.Errorf("HostModules(%d) succeeded", v)
		}
	}
	// The v4 import set differs from v3 in exactly these signatures.
	want := map[string]int{ // name -> number of wasm params (return pointer included)
		"rand.get_chain_randomness":     2,
		"rand.get_beacon_randomness":    2,
		"self.self_destruct":            1,
		"event.emit_event":              6,
		"crypto.verify_bls_aggregate":   6,
		"crypto.verify_signature":       8,
		"network.total_fil_circ_supply": 1,
	}
	mods, err := syscalls.HostModules(4)
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
	if _, ok := got["actor.upgrade_actor"]; ok {
		t.Error("actor.upgrade_actor is linked (feature-gated off in the reference)")
	}
}
