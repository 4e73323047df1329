package engine

import (
	"github.com/go-fvm/go-fvm/internal/wasm"

	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
)

// Benchmarks. Gas-implied budgets (10 gas/ns, i.e. 1 gas = 0.1 ns):
//   - an invocation is charged 75,000 gas (7.5 µs) plus 0.4 gas per byte of
//     initial memory (26,214.4 gas = 2.6 µs per page);
//   - an instruction costs 4 gas = 0.4 ns, so instrumented code should run
//     at >= 10 gas/ns;
//   - compilation is not charged (done once per code CID, preloaded).
//
// Run: go test ./engine -run '^$' -bench . -benchtime 1x

// bundleCode is a bundle's actors, in manifest order.
type bundleCode struct {
	names []string
	codes []Code
}

var (
	bundleMu    sync.Mutex
	bundleCache = map[int]*bundleCode{}
)

// mainnetBundle loads the mainnet actors of version v from the lotus module,
// skipping the benchmark when it is not available.
func mainnetBundle(b testing.TB, v int) *bundleCode {
	b.Helper()
	bundleMu.Lock()
	defer bundleMu.Unlock()
	if bc, ok := bundleCache[v]; ok {
		return bc
	}
	ctx := context.Background()
	path, err := bundle.Locator{}.Path(ctx, v)
	if err != nil {
		b.Skipf("bundle v%d not available: %v", v, err)
	}
	bs := blockstore.NewMemory()
	bundles, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: v, Networks: []string{"mainnet"}}, bs)
	if err != nil || len(bundles) != 1 {
		b.Skipf("bundle v%d: %v (%d bundles)", v, err, len(bundles))
	}
	bc := &bundleCode{}
	for _, ent := range bundles[0].Manifest.Entries {
		blk, err := bs.Get(ctx, ent.Code)
		if err != nil {
			b.Fatalf("bundle v%d: code of %s: %v", v, ent.Name, err)
		}
		bc.names = append(bc.names, ent.Name)
		bc.codes = append(bc.codes, Code{CID: ent.Code, Bytes: blk.RawData()})
	}
	bundleCache[v] = bc
	return bc
}

// benchInstrument is the instrumenter the benchmarks use: the real one.
var benchInstrument = FVMInstrument

// apiValueTypes converts the wasm package's value types to wazero's.
func apiValueTypes(ts []wasm.ValType) []api.ValueType {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		out[i] = api.ValueType(t)
	}
	return out
}

// stubHostModules provides every function the codes import, as no-ops, so
// the real actors link.
func stubHostModules(t testing.TB, codes []Code) []HostModule {
	t.Helper()
	byModule := map[string]map[string]wasm.FuncType{}
	for _, c := range codes {
		inst, err := benchInstrument(c.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		info, err := readModuleInfo(inst)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range info.imports {
			if im.Kind != wasm.KindFunc || (im.Module == GasModule && im.Name == wasm.LargeFillName) {
				continue // the linker binds the engine's own large fill
			}
			if byModule[im.Module] == nil {
				byModule[im.Module] = map[string]wasm.FuncType{}
			}
			byModule[im.Module][im.Name] = im.funcType
		}
	}
	var mods []HostModule
	for _, name := range slices.Sorted(mapsKeys(byModule)) {
		m := HostModule{Name: name}
		for _, fn := range slices.Sorted(mapsKeys(byModule[name])) {
			ft := byModule[name][fn]
			m.Funcs = append(m.Funcs, HostFunc{Name: fn, Params: apiValueTypes(ft.Params), Results: apiValueTypes(ft.Results),
				Fn: api.GoModuleFunc(func(_ context.Context, _ api.Module, s []uint64) {
					for i := range ft.Results {
						s[i] = 0
					}
				})})
		}
		mods = append(mods, m)
	}
	return mods
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// BenchmarkCompile measures instrumenting and compiling each mainnet actor,
// cold (nothing cached) and from a populated on-disk cache.
func BenchmarkCompile(b *testing.B) {
	for _, v := range []int{10, 17} {
		bc := mainnetBundle(b, v)
		dir := b.TempDir()
		warm := newTestEngine(b, Config{Instrument: benchInstrument, CacheDir: dir, InstrumentationVersion: "bench"})
		if err := warm.Preload(context.Background(), bc.codes); err != nil {
			b.Fatal(err)
		}
		for i, name := range bc.names {
			code := bc.codes[i]
			b.Run(fmt.Sprintf("v%d/%s/cold", v, name), func(b *testing.B) {
				b.SetBytes(int64(len(code.Bytes)))
				cpu := startCPU()
				defer cpu.report(b)
				for b.Loop() {
					e, err := New(context.Background(), Config{Instrument: benchInstrument})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := e.Load(context.Background(), code); err != nil {
						b.Fatal(err)
					}
					_ = e.Close(context.Background())
				}
			})
			b.Run(fmt.Sprintf("v%d/%s/disk", v, name), func(b *testing.B) {
				b.SetBytes(int64(len(code.Bytes)))
				cpu := startCPU()
				defer cpu.report(b)
				for b.Loop() {
					e, err := New(context.Background(), Config{Instrument: benchInstrument, CacheDir: dir, InstrumentationVersion: "bench"})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := e.Load(context.Background(), code); err != nil {
						b.Fatal(err)
					}
					_ = e.Close(context.Background())
				}
			})
		}
	}
}

// BenchmarkInstantiate measures creating (and dropping) an instance of the
// largest actors, as every invocation does: the gas module, the actor
// instance with its initial memory and data, and closing both. The budget
// reported is what the FVM charges for it: 75,000 gas plus 0.4 gas per byte
// of initial memory, at 10 gas/ns.
func BenchmarkInstantiate(b *testing.B) {
	for _, v := range []int{10, 17} {
		bc := mainnetBundle(b, v)
		e := newTestEngine(b, Config{Instrument: benchInstrument})
		if err := e.Preload(context.Background(), bc.codes); err != nil {
			b.Fatal(err)
		}
		l := newTestLinker(b, e, stubHostModules(b, bc.codes)...)
		idx := make([]int, len(bc.codes))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(i, j int) bool { return len(bc.codes[idx[i]].Bytes) > len(bc.codes[idx[j]].Bytes) })
		for _, i := range idx[:3] {
			m, _ := e.Lookup(bc.codes[i].CID)
			pages, _ := m.info.exportedMemoryMin("memory")
			budgetNs := (75_000 + 0.4*float64(pages)*WasmPageBytes) / 10
			b.Run(fmt.Sprintf("v%d/%s", v, bc.names[i]), func(b *testing.B) {
				ctx := context.Background()
				cpu := startCPU()
				for b.Loop() {
					instantiateOnly(b, ctx, l, m)
				}
				cpu.report(b)
				b.ReportMetric(budgetNs, "budget-ns/op")
				b.ReportMetric(float64(pages), "init-pages")
			})
		}
	}
}

// instantiateOnly creates and closes one instance of m the way Invoke does.
func instantiateOnly(b *testing.B, ctx context.Context, l *Linker, m *Module) {
	mem := NewMemoryLimiter(MaxCallStackMemoryBytes)
	inv := &Invocation{e: l.e, call: &Call{Memory: mem}, memory: l.e.dummyMemory}
	gasMod, err := l.main.rt.InstantiateModule(ctx, l.main.shim, gasModuleConfig())
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Check(m); err != nil {
		b.Fatal(err)
	}
	if err := l.instantiate(ctx, inv, m, &l.main, gasMod); err != nil {
		b.Fatal(err)
	}
	inv.close(ctx)
	_ = gasMod.Close(ctx)
}

// BenchmarkComputeLoop measures instrumented compute: invoke(n) runs a
// loop of 5 instructions (local.get, i32.const, i32.sub, local.tee, br_if:
// 20 gas per iteration, one metered block) n times, instrumented by the real
// instrumenter. gas/ns should be >= 10 (4 gas = 0.4 ns per instruction).
// The "no-safe-points" variant leaves out the safe-point check that
// FVMInstrument puts at the loop header (its worst case: one check per 5
// instructions).
func BenchmarkComputeLoop(b *testing.B) {
	noSafePoints := func(code []byte) ([]byte, error) { return wasm.Instrument(code, wasm.FVMConfig()) }
	for _, v := range []struct {
		name       string
		interp     bool
		instrument func([]byte) ([]byte, error)
	}{{"compiler", false, FVMInstrument}, {"compiler-no-safe-points", false, noSafePoints}, {"interpreter", true, FVMInstrument}} {
		interp := v.interp
		b.Run(v.name, func(b *testing.B) {
			e := newTestEngine(b, Config{Instrument: v.instrument, Interpreter: interp})
			l := newTestLinker(b, e)
			wasm := plainInvoke(plain(), body(
				blk(opLoop), lget(0), i32c(1), op(opI32Sub), op(opLocalTee, 0), op(opBrIf, 0), op(opEnd),
				i32c(0)))
			c := rawCID(b, wasm)
			if _, err := e.Load(context.Background(), Code{CID: c, Bytes: wasm}); err != nil {
				b.Fatal(err)
			}
			iters := uint32(10_000_000)
			if interp {
				iters = 1_000_000
			}
			var gasUsed uint64
			cpu := startCPU()
			for b.Loop() {
				tr := newTracker(bigGas)
				o := l.Invoke(context.Background(), Call{Code: c, Params: iters, Gas: tr, Prices: prices,
					Memory: NewMemoryLimiter(MaxCallStackMemoryBytes)})
				if o.Kind != Returned {
					b.Fatal(o)
				}
				gasUsed = tr.used()
			}
			cpu.report(b)
			gasPerOp := float64(gasUsed) / 1000
			b.ReportMetric(gasPerOp/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "gas/ns")
		})
	}
}
