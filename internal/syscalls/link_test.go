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

// TestHostModulesLinkMainnetBundles links every actor of the mainnet bundles
// of each FVM version's actors, instrumented as that version does, against
// its HostModules: a missing import or a wrong signature would make the actor
// fail to load. The v3 set must tell them apart: it refuses every v2 actor
// (they import vm.abort and actor.new_actor_address, which v3 lacks) and some
// actors of every v4 release (their rand and self_destruct imports have the
// v4 shapes).
func TestHostModulesLinkMainnetBundles(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles ten bundles")
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
	v2, err := base.WithInstrumentation(ctx, engine.FVMInstrumentationV2())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fvm           int
		eng           *engine.Engine
		actors        []int
		allRefusedBy3 bool
	}{
		{2, v2, []int{8, 9}, true},
		{4, base, []int{12, 13, 14, 15, 16, 17, 18, 19}, false},
	}
	for _, tc := range cases {
		own, v3 := linker(t, tc.eng, tc.fvm), linker(t, tc.eng, 3)
		for _, v := range tc.actors {
			t.Run(fmt.Sprintf("fvm%d/v%d", tc.fvm, v), func(t *testing.T) {
				refused := 0
				entries, bs := mainnetBundle(t, v)
				for _, e := range entries {
					blk, err := bs.Get(ctx, e.Code)
					if err != nil {
						t.Fatalf("%s: %v", e.Name, err)
					}
					m, err := tc.eng.Load(ctx, engine.Code{CID: e.Code, Bytes: blk.RawData()})
					if err != nil {
						t.Fatalf("%s: %v", e.Name, err)
					}
					if err := own.Check(m); err != nil {
						t.Errorf("%s does not link with the v%d syscalls: %v", e.Name, tc.fvm, err)
					}
					if err := v3.Check(m); errors.Is(err, engine.ErrLink) {
						refused++
					}
				}
				if tc.allRefusedBy3 && refused != len(entries) {
					t.Errorf("%d of %d actors link with the v3 syscalls; the v%d set is not distinguished", len(entries)-refused, len(entries), tc.fvm)
				}
				if refused == 0 {
					t.Errorf("every v%d actor links with the v3 syscalls; the v%d set is not distinguished", v, tc.fvm)
				}
			})
		}
	}
}

// linker binds an FVM version's syscalls into eng.
func linker(t *testing.T, eng *engine.Engine, fvm int) *engine.Linker {
	t.Helper()
	mods, err := syscalls.HostModules(fvm)
	if err != nil {
		t.Fatal(err)
	}
	l, err := eng.NewLinker(context.Background(), mods)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	return l
}

// mainnetBundle loads the mainnet bundle of an actors version, skipping the
// test when it is not available.
func mainnetBundle(t *testing.T, v int) ([]bundle.Entry, *blockstore.Memory) {
	t.Helper()
	ctx := context.Background()
	path, err := bundle.Locator{}.Path(ctx, v)
	if err != nil {
		t.Skipf("no v%d bundle: %v", v, err)
	}
	bs := blockstore.NewMemory()
	bundles, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: v, Networks: []string{"mainnet"}}, bs)
	if err != nil {
		t.Fatal(err)
	}
	return bundles[0].Manifest.Entries, bs
}
