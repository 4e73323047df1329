package wasm

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// fvmConfigs returns the FVM pipeline with and without inlined gas charges (the latter is
// the reference's code, charges by call).
func fvmConfigs() []Config {
	inline, calls := FVMConfig(), FVMConfig()
	calls.InlineGasCharges = false
	return []Config{calls, inline}
}

// staticAndDynamicCharges counts, in every body but $gas_charge's, the calls to $gas_charge
// with a constant argument and the others.
func staticAndDynamicCharges(m *Module) (static, dynamic int) {
	gasFunc := m.NumFuncs() - 1
	for _, c := range m.Code[:len(m.Code)-1] {
		for i, in := range c.Body {
			if in.Op != OpCall || in.A != gasFunc {
				continue
			}
			if isStaticCharge(c.Body, i, gasFunc) {
				static++
			} else {
				dynamic++
			}
		}
	}
	return static, dynamic
}

func TestInlineGasChargesShape(t *testing.T) {
	invoke := testFunc{typ: i32ToI32, export: "invoke", body: []Instr{
		mkIdx(OpLocalGet, 0), mkOp(OpMemoryGrow), mkOp(OpDrop),
		mkI32(0), mkI32(0), mkIdx(OpLocalGet, 0), {Op: OpMemoryFill},
		mkBlock(OpLoop, blockEmpty), mkIdx(OpLocalGet, 0), mkI32(1), mkOp(OpI32Sub),
		mkIdx(OpLocalTee, 0), mkIdx(OpBrIf, 0), mkOp(OpEnd),
		mkIdx(OpLocalGet, 0),
	}}
	code := testModule{funcs: []testFunc{invoke}, memory: mem1}.bytes(t)
	var mods []*Module
	for _, cfg := range fvmConfigs() {
		out, err := Instrument(code, cfg)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(out)
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, m)
	}
	calls, inline := mods[0], mods[1]
	if s, d := staticAndDynamicCharges(calls); s == 0 || d != 2 {
		t.Fatalf("without inlining: %d static and %d dynamic charges, want some and 2", s, d)
	}
	if s, d := staticAndDynamicCharges(inline); s != 0 || d != 2 {
		t.Fatalf("inlined: %d static and %d dynamic charges, want 0 and 2", s, d)
	}
	if calls.NumFuncs() != inline.NumFuncs() || len(calls.Exports) != len(inline.Exports) ||
		len(calls.Imports) != len(inline.Imports) {
		t.Fatalf("index spaces differ: %d/%d functions, %d/%d exports, %d/%d imports",
			calls.NumFuncs(), inline.NumFuncs(), len(calls.Exports), len(inline.Exports),
			len(calls.Imports), len(inline.Imports))
	}
	for i := range calls.Exports {
		if calls.Exports[i] != inline.Exports[i] {
			t.Fatalf("export %d: %+v vs %+v", i, calls.Exports[i], inline.Exports[i])
		}
	}
	for i := range calls.Code {
		if !slicesEqualLocals(calls.Code[i].Locals, inline.Code[i].Locals) {
			t.Fatalf("function %d: locals changed", i)
		}
	}
}

func slicesEqualLocals(a, b []LocalGroup) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestInlineGasChargesRefuses(t *testing.T) {
	m, err := Decode(testModule{funcs: []testFunc{{typ: nilToNil, export: "run", body: []Instr{mkI32(1), mkOp(OpDrop)}}}}.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := InlineGasCharges(m, FVMGasModule); !errors.Is(err, ErrInstrument) {
		t.Fatalf("unmetered module: %v, want ErrInstrument", err)
	}
	// A metered module whose last function is not $gas_charge.
	if err := InjectGasMeter(m, GasMeterConfig{Module: FVMGasModule, Rules: FVMWasmGasPrices()}); err != nil {
		t.Fatal(err)
	}
	m.addFunc(nilToNil, Code{Body: []Instr{mkOp(OpEnd)}})
	if err := InlineGasCharges(m, FVMGasModule); !errors.Is(err, ErrInstrument) {
		t.Fatalf("no $gas_charge last: %v, want ErrInstrument", err)
	}
}

// outcome is what one call did: the counter after it, its trap (the first line of the
// error: the stack trace names functions, which inlining removes) and its results.
type outcome struct {
	counter int64
	trap    string
	results string
}

// runOutcome calls fn on a fresh instance of cm: a trap leaves the stack limiter's height
// global raised, and the FVM never reuses an instance either.
func runOutcome(h *gasHarness, cm wazero.CompiledModule, fn string, gas int64, args ...uint64) outcome {
	h.t.Helper()
	mod, err := h.rt.InstantiateModule(h.ctx, cm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		h.t.Fatalf("instantiate: %v", err)
	}
	defer mod.Close(h.ctx)
	h.gas.Set(uint64(gas))
	res, err := mod.ExportedFunction(fn).Call(h.ctx, args...)
	o := outcome{counter: int64(h.gas.Get()), results: fmt.Sprint(res)}
	if err != nil {
		o.trap, _, _ = strings.Cut(err.Error(), "\n")
		o.results = ""
	}
	return o
}

// TestInlineOutOfGasMidBlock runs a loop with every counter value around each charge
// boundary (k·1000-1, k·1000, k·1000+1 milligas: all FVM block costs are whole gas) and
// checks both pipelines end with the same counter and the same outcome, including the
// exact-zero (passes) and minus-one (traps) cases.
func TestInlineOutOfGasMidBlock(t *testing.T) {
	// run(n): n iterations of 5 instructions, a store and a memory.fill of n bytes (a
	// dynamic charge) each.
	run := testFunc{typ: i32ToI32, export: "run", body: []Instr{
		mkBlock(OpLoop, blockEmpty),
		mkIdx(OpLocalGet, 0), mkIdx(OpLocalGet, 0), {Op: OpI32Store, A: 2},
		mkI32(0), mkI32(0), mkIdx(OpLocalGet, 0), {Op: OpMemoryFill},
		mkIdx(OpLocalGet, 0), mkI32(1), mkOp(OpI32Sub), mkIdx(OpLocalTee, 0), mkIdx(OpBrIf, 0),
		mkOp(OpEnd),
		mkIdx(OpLocalGet, 0),
	}}
	code := testModule{funcs: []testFunc{run}, memory: mem1}.bytes(t)
	for _, rc := range []wazero.RuntimeConfig{wazero.NewRuntimeConfigInterpreter(), wazero.NewRuntimeConfigCompiler()} {
		h := newGasHarnessWith(t, rc)
		var mods []wazero.CompiledModule
		for _, cfg := range fvmConfigs() {
			out, err := Instrument(code, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cm, err := h.rt.CompileModule(h.ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			mods = append(mods, cm)
		}
		full := runOutcome(h, mods[0], "run", startGas, 4)
		used := startGas - full.counter
		if full.trap != "" {
			t.Fatalf("with plenty of gas: %s", full.trap)
		}
		traps := 0
		for k := int64(0); k <= used/1000+1; k++ {
			for _, g := range []int64{k*1000 - 1, k * 1000, k*1000 + 1, used, used - 1, used + 1} {
				if g < 0 {
					continue
				}
				want := runOutcome(h, mods[0], "run", g, 4)
				got := runOutcome(h, mods[1], "run", g, 4)
				if got != want {
					t.Fatalf("gas %d: inlined %+v, calls %+v", g, got, want)
				}
				if (want.trap != "") != (g < used) {
					t.Fatalf("gas %d of %d needed: %+v", g, used, want)
				}
				if want.trap != "" {
					traps++
					if !strings.Contains(want.trap, "unreachable") || want.counter >= 0 {
						t.Fatalf("gas %d: %+v, want an unreachable trap with a negative counter", g, want)
					}
				}
				if g == used && want.counter != 0 || g == used-1 && want.counter != -1 {
					t.Fatalf("gas %d of %d needed: counter %d", g, used, want.counter)
				}
			}
		}
		if traps == 0 {
			t.Fatal("no out-of-gas case")
		}
	}
}

// TestInlineGasChargesDifferential runs random generated modules instrumented with and
// without inlined charges, and with safe points (firing every few instructions), with the
// same calls and counters, and compares every final counter, trap and result.
func TestInlineGasChargesDifferential(t *testing.T) {
	n := 160
	if testing.Short() {
		n = 30
	}
	backends := []struct {
		name string
		rc   wazero.RuntimeConfig
	}{{"interpreter", wazero.NewRuntimeConfigInterpreter()}, {"compiler", wazero.NewRuntimeConfigCompiler()}}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			h := newGasHarnessWith(t, be.rc)
			calls, traps, outOfGas, compared := 0, 0, 0, 0
			for seed := int64(0); seed < int64(n); seed++ {
				if seed%5 == 4 {
					continue // imports env.g, which the harness does not provide
				}
				tm := genModule(seed)
				code := tm.bytes(t)
				var mods []wazero.CompiledModule
				var errs []error
				safePoints := FVMConfig()
				safePoints.SafePointInterval = 5000
				for _, cfg := range append(fvmConfigs(), safePoints) {
					out, err := Instrument(code, cfg)
					errs = append(errs, err)
					if err != nil {
						continue
					}
					cm, err := h.rt.CompileModule(h.ctx, out)
					if err != nil {
						t.Fatalf("seed %d inline=%v: compile: %v", seed, cfg.InlineGasCharges, err)
					}
					mods = append(mods, cm)
				}
				if (errs[0] == nil) != (errs[1] == nil) || (errs[0] == nil) != (errs[2] == nil) {
					t.Fatalf("seed %d: calls %v, inlined %v, safe points %v", seed, errs[0], errs[1], errs[2])
				}
				if errs[0] != nil {
					continue
				}
				r := rand.New(rand.NewSource(seed))
				for _, f := range tm.funcs {
					if f.export == "" {
						continue
					}
					for rep := 0; rep < 4; rep++ {
						args := make([]uint64, len(f.typ.Params))
						for i, p := range f.typ.Params {
							args[i] = randArg(r, p)
						}
						// Bounded gas: generated code may recurse exponentially.
						budget := int64(1+r.Intn(1_000_000)) * 1000
						want := runOutcome(h, mods[0], f.export, budget, args...)
						for i, m := range mods[1:] {
							if got := runOutcome(h, m, f.export, budget, args...); got != want {
								t.Fatalf("seed %d %s%v gas %d: variant %d %+v, calls %+v", seed, f.export, args, budget, i+1, got, want)
							}
						}
						calls++
						if want.trap != "" {
							traps++
						}
						if want.counter < 0 {
							outOfGas++
						}
						// Again with exactly what it used (or one less), when it returned.
						if want.trap != "" {
							continue
						}
						used := budget - want.counter
						for _, g := range []int64{used, used - 1, used / 2} {
							want := runOutcome(h, mods[0], f.export, g, args...)
							for i, m := range mods[1:] {
								if got := runOutcome(h, m, f.export, g, args...); got != want {
									t.Fatalf("seed %d %s%v gas %d: variant %d %+v, calls %+v", seed, f.export, args, g, i+1, got, want)
								}
							}
							calls++
							if want.trap != "" {
								traps++
							}
							if want.counter < 0 {
								outOfGas++
							}
						}
					}
				}
				compared++
				for _, cm := range mods {
					cm.Close(h.ctx)
				}
			}
			t.Logf("%d modules, %d calls compared, %d of them trapped, %d out of gas", compared, calls, traps, outOfGas)
			if compared < n/2 || outOfGas == 0 {
				t.Fatalf("too few modules compared (%d) or no out-of-gas trap (%d)", compared, outOfGas)
			}
		})
	}
}

func randArg(r *rand.Rand, t ValType) uint64 {
	switch t {
	case I32:
		return uint64(uint32(r.Intn(70)))
	case I64:
		return uint64(r.Int63n(1 << 40))
	case F32:
		return uint64(api.EncodeF32(r.Float32() * 100))
	}
	return api.EncodeF64(r.NormFloat64() * 1e6)
}
