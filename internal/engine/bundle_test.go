package engine

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/bundle"
)

// TestMainnetActors loads every mainnet actor of today's bundle (v18) with
// the real instrumentation, links it against stub syscalls and invokes it
// once: the stubs answer 0 and write nothing, except vm.exit, which ends the
// call. Whatever the actor makes of that, the outcome must not be fatal.
func TestMainnetActors(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a whole bundle")
	}
	bc := mainnetBundle(t, bundle.DefaultActorsVersion)
	e := newTestEngine(t, Config{Instrument: FVMInstrument})
	if err := e.Preload(context.Background(), bc.codes); err != nil {
		t.Fatal(err)
	}
	mods := stubHostModules(t, bc.codes)
	for i := range mods {
		if mods[i].Name != "vm" {
			continue
		}
		for j := range mods[i].Funcs {
			if mods[i].Funcs[j].Name == "exit" {
				mods[i].Funcs[j].Fn = api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
					panic(Exit(exitCodeOf(s[0]), uint32(s[1]), "exit"))
				})
			}
		}
	}
	l := newTestLinker(t, e, mods...)
	for i, name := range bc.names {
		m, ok := e.Lookup(bc.codes[i].CID)
		if !ok {
			t.Fatalf("%s not loaded", name)
		}
		if m.InstrumentedSize <= m.OriginalSize {
			t.Errorf("%s: instrumented %d bytes from %d", name, m.InstrumentedSize, m.OriginalSize)
		}
		tr := newTracker(bigGas)
		o := l.Invoke(context.Background(), Call{Code: m.Code, Params: 0, Gas: tr, Prices: prices,
			Memory: NewMemoryLimiter(MaxCallStackMemoryBytes)})
		if o.Kind == Fatal {
			t.Errorf("%s: %v", name, o)
		}
		t.Logf("%-16s %8d -> %8d bytes: %v, %d gas", name, m.OriginalSize, m.InstrumentedSize, o, tr.used()/1000)
	}
}
