package engine

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/wasm"
)

const (
	bigGas      = 10_000_000_000_000 // 10 billion gas, in milligas
	onePageInit = 65536 * 400        // wasm_memory_init of one page, milligas
)

func TestStraightLineExactGas(t *testing.T) {
	e := newTestEngine(t, Config{})
	l := newTestLinker(t, e)
	a := newActor(1)
	a.invoke(body(a.charge(12_345), lget(0), i32c(1), op(opI32Add)))
	o, tr := run(t, l, a.bytes(), bigGas, nil)
	if o.Kind != Returned || o.BlockID != 8 {
		t.Fatalf("outcome %v, want returned 8", o)
	}
	if want := uint64(onePageInit + 12_345); tr.used() != want {
		t.Fatalf("used %d mg, want %d", tr.used(), want)
	}
	wantCharges := []string{"wasm_memory_init=26214400", "wasm_exec=0", "wasm_exec=12345"}
	if got := tr.charges(); !slices.Equal(got, wantCharges) {
		t.Fatalf("charges %v, want %v", got, wantCharges)
	}
}

func TestInfiniteLoopRunsOutOfGas(t *testing.T) {
	e := newTestEngine(t, Config{})
	l := newTestLinker(t, e)
	a := newActor(1)
	a.invoke(body(blk(opLoop), a.charge(1000), op(opBr, 0), op(opEnd), i32c(0)))
	limit := uint64(onePageInit + 5_000_500)
	o, tr := run(t, l, a.bytes(), limit, nil)
	if o.Kind != OutOfGas {
		t.Fatalf("outcome %v, want out of gas", o)
	}
	if tr.used() != limit {
		t.Fatalf("used %d, want the whole limit %d", tr.used(), limit)
	}
}

func TestNegativeCounterMakesAnyTrapOutOfGas(t *testing.T) {
	e := newTestEngine(t, Config{})
	l := newTestLinker(t, e)
	a := newActor(1)
	a.invoke(body(i64c(-1), gset(a.counter), i32c(1), i32c(0), op(opI32DivS)))
	if o, _ := run(t, l, a.bytes(), bigGas, nil); o.Kind != OutOfGas {
		t.Fatalf("outcome %v, want out of gas", o)
	}
}

// limitedRecursion is a function that recurses forever through the stack
// limiter's call-site preamble (cost 2 per frame, limit 2048).
func TestDeepRecursionHitsFVMStackLimit(t *testing.T) {
	for _, interp := range []bool{false, true} {
		e := newTestEngine(t, Config{Interpreter: interp})
		l := newTestLinker(t, e)
		a := newActor(1)
		h := addGlobal(&a.b, wasm.I32, i32c(0))
		// $rec: preamble (height += 2; trap if > 2048), call $rec, postamble.
		recIdx := a.b.NumFuncs()
		depth := addGlobal(&a.b, wasm.I32, i32c(0))
		a.b.AddFunc(wasm.FuncType{}, body(
			gget(depth), i32c(1), op(opI32Add), gset(depth),
			gget(h), i32c(2), op(opI32Add), gset(h),
			gget(h), i32c(2048), op(opI32GtU), blk(opIf), op(opUnreachable), op(opEnd),
			call(recIdx),
			gget(h), i32c(2), op(opI32Sub), gset(h),
		))
		a.invoke(body(call(recIdx), i32c(0)))
		o, _ := run(t, l, a.bytes(), bigGas, nil)
		if o.Kind != Exited || o.ExitCode != exitcode.SysErrIllegalInstruction || o.Trap != TrapUnreachable {
			t.Fatalf("interpreter=%v: outcome %v (trap %v), want SYS_ILLEGAL_INSTRUCTION by unreachable", interp, o, o.Trap)
		}
	}
}

func TestUnboundedRecursionNativeStackOverflow(t *testing.T) {
	e := newTestEngine(t, Config{})
	l := newTestLinker(t, e)
	a := newActor(1)
	recIdx := a.b.NumFuncs()
	a.b.AddFunc(wasm.FuncType{}, body(call(recIdx)))
	a.invoke(body(call(recIdx), i32c(0)))
	o, _ := run(t, l, a.bytes(), bigGas, nil)
	if o.Kind != Exited || o.ExitCode != exitcode.SysErrIllegalInstruction || o.Trap != TrapStackOverflow {
		t.Fatalf("outcome %v (trap %v), want SYS_ILLEGAL_INSTRUCTION by stack overflow", o, o.Trap)
	}
}

func TestTraps(t *testing.T) {
	for _, interp := range []bool{false, true} {
		t.Run(map[bool]string{false: "compiler", true: "interpreter"}[interp], func(t *testing.T) {
			testTraps(t, Config{Interpreter: interp})
		})
	}
}

func testTraps(t *testing.T, cfg Config) {
	e := newTestEngine(t, cfg)
	l := newTestLinker(t, e)
	cases := []struct {
		name string
		code []wasm.Instr
		trap Trap
	}{
		{"unreachable", op(opUnreachable), TrapUnreachable},
		{"div by zero", code(i32c(1), i32c(0), op(opI32DivS)), TrapIntegerDivideByZero},
		{"div overflow", code(i32c(math32Min), i32c(-1), op(opI32DivS)), TrapIntegerOverflow},
		{"out of bounds load", code(i32c(65536), op(opI32Load, 2, 0)), TrapMemoryOutOfBounds},
		{"nan to int", code(f32c(float32NaN()), op(opI32TruncF32S)), TrapInvalidConversionToInteger},
		{"float overflow to int", code(f32c(3e10), op(opI32TruncF32S)), TrapIntegerOverflow},
		// The table holds the gas function (i64)->() at 0, nothing at 1.
		{"indirect call type mismatch", code(i32c(0), i32c(0), op(opCallIndirect, 1, 0)), TrapIndirectCallTypeMismatch},
		{"indirect call to null", code(i32c(0), i32c(1), op(opCallIndirect, 1, 0)), TrapTableOutOfBounds},
		{"indirect call out of table", code(i32c(0), i32c(5), op(opCallIndirect, 1, 0)), TrapTableOutOfBounds},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newActor(1)
			addFuncTable(&a.b, wasm.Limits{Min: 2}, a.gasFn)
			if ti := a.b.AddType(invokeType); ti != 1 {
				t.Fatalf("invoke type index %d, want 1", ti)
			}
			a.invoke(body(a.charge(100), c.code))
			o, tr := run(t, l, a.bytes(), bigGas, nil)
			if o.Kind != Exited || o.ExitCode != exitcode.SysErrIllegalInstruction || o.Trap != c.trap {
				t.Fatalf("outcome %v (trap %v), want SYS_ILLEGAL_INSTRUCTION by %v", o, o.Trap, c.trap)
			}
			if want := uint64(onePageInit + 100); tr.used() != want {
				t.Fatalf("used %d, want %d (gas up to the trap stays charged)", tr.used(), want)
			}
		})
	}
}

const math32Min = -1 << 31

func float32NaN() float32 {
	var z float32
	return z / z
}

func TestMemoryGrowthLimits(t *testing.T) {
	e := newTestEngine(t, Config{})
	l := newTestLinker(t, e)
	grow := func(pages int32) []byte {
		a := newActor(1)
		a.invoke(body(i32c(pages), op(opMemoryGrow, 0)))
		return a.bytes()
	}
	// Per instance: 1 + 8192 pages > 512 MiB: memory.grow returns -1, and
	// (quirk) the refused bytes stay accounted in the frame.
	big := NewMemoryLimiter(MaxCallStackMemoryBytes)
	big.WithStackFrame(func() {
		if o, _ := run(t, l, grow(8192), bigGas, big); o.Kind != Returned || o.BlockID != math.MaxUint32 {
			t.Fatalf("growing past 512 MiB: %v, want returned 0xffffffff (-1)", o)
		}
		if want := uint64(8193 * WasmPageBytes); big.MemoryUsed() != want {
			t.Fatalf("after a refused grow past 512 MiB the limiter holds %d, want %d", big.MemoryUsed(), want)
		}
	})
	// Call stack: a 4-page budget allows 3 more pages, not 4.
	mem := NewMemoryLimiter(4 * WasmPageBytes)
	mem.WithStackFrame(func() {
		if o, _ := run(t, l, grow(3), bigGas, mem); o.Kind != Returned || o.BlockID != 1 {
			t.Fatalf("growing within the budget: %v, want returned 1 (old size)", o)
		}
		if mem.MemoryUsed() != 4*WasmPageBytes {
			t.Fatalf("accounted %d, want 4 pages until the frame ends", mem.MemoryUsed())
		}
	})
	if mem.MemoryUsed() != 0 {
		t.Fatalf("memory still accounted after the frame: %d", mem.MemoryUsed())
	}
	mem.WithStackFrame(func() {
		if o, _ := run(t, l, grow(4), bigGas, mem); o.Kind != Returned || o.BlockID != math.MaxUint32 {
			t.Fatalf("growing past the budget: %v, want returned -1", o)
		}
	})
}

func TestInstantiationOverLimitIsIllegalInstruction(t *testing.T) {
	e := newTestEngine(t, Config{})
	l := newTestLinker(t, e)
	a := newActor(2)
	a.invoke(body(i32c(0)))
	o, tr := run(t, l, a.bytes(), bigGas, NewMemoryLimiter(WasmPageBytes))
	if o.Kind != Exited || o.ExitCode != exitcode.SysErrIllegalInstruction {
		t.Fatalf("outcome %v, want SYS_ILLEGAL_INSTRUCTION", o)
	}
	if want := uint64(2 * onePageInit); tr.used() != want {
		t.Fatalf("used %d, want the memory init charge %d", tr.used(), want)
	}
	big := newActor(8193)
	big.invoke(body(i32c(0)))
	if o, _ := run(t, l, big.bytes(), bigGas*1000, nil); o.Kind != Exited || o.ExitCode != exitcode.SysErrIllegalInstruction {
		t.Fatalf("8193 initial pages: %v, want SYS_ILLEGAL_INSTRUCTION", o)
	}
}

func TestLinkAndExportChecks(t *testing.T) {
	e := newTestEngine(t, Config{})
	nop := api.GoModuleFunc(func(context.Context, api.Module, []uint64) {})
	l := newTestLinker(t, e, HostModule{Name: "vm", Funcs: []HostFunc{
		{Name: "exit", Params: []api.ValueType{i32, i32, i32, i32}, Results: []api.ValueType{i32}, Fn: nop},
	}})
	missing := newActor(1, hostImport("vm", "nope", nil, []api.ValueType{i32}))
	missing.invoke(body(i32c(0)))
	if o, _ := run(t, l, missing.bytes(), bigGas, nil); o.Kind != Fatal || !errors.Is(o.Err, ErrLink) {
		t.Fatalf("missing import: %v, want fatal link error", o)
	}
	mistyped := newActor(1, hostImport("vm", "exit", []api.ValueType{i32}, []api.ValueType{i32}))
	mistyped.invoke(body(i32c(0)))
	if o, _ := run(t, l, mistyped.bytes(), bigGas, nil); o.Kind != Fatal || !errors.Is(o.Err, ErrLink) {
		t.Fatalf("mistyped import: %v, want fatal link error", o)
	}
	unknownModule := newActor(1, hostImport("env", "f", nil, nil))
	unknownModule.invoke(body(i32c(0)))
	if o, _ := run(t, l, unknownModule.bytes(), bigGas, nil); o.Kind != Fatal {
		t.Fatalf("unknown module: %v, want fatal", o)
	}
	noInvoke := newActor(1)
	noInvokeBin := noInvoke.bytes()
	if o, _ := run(t, l, noInvokeBin, bigGas, nil); o.Kind != Exited || o.ExitCode != exitcode.SysErrInvalidReceiver {
		t.Fatalf("v4 missing invoke: %v, want SYS_INVALID_RECEIVER", o)
	}
	tr := newTracker(bigGas)
	o := l.Invoke(context.Background(), Call{Code: rawCID(t, noInvokeBin), Gas: tr, Prices: prices, Memory: NewMemoryLimiter(MaxCallStackMemoryBytes), MissingInvokeFatal: true})
	if o.Kind != Fatal {
		t.Fatalf("v3 missing invoke: %v, want fatal", o)
	}
	badType := newActor(1)
	f := badType.b.AddFunc(wasm.FuncType{Params: []wasm.ValType{wasm.I32}}, body())
	badType.b.AddExport("invoke", wasm.KindFunc, f)
	if o, _ := run(t, l, badType.bytes(), bigGas, nil); o.Kind != Fatal {
		t.Fatalf("mistyped invoke: %v, want fatal", o)
	}
	noMemory := newActor(-1)
	noMemory.invoke(body(i32c(0)))
	if o, _ := run(t, l, noMemory.bytes(), bigGas, nil); o.Kind != Fatal {
		t.Fatalf("no memory export: %v, want fatal", o)
	}
}

func TestHostFunctions(t *testing.T) {
	for _, interp := range []bool{false, true} {
		t.Run(map[bool]string{false: "compiler", true: "interpreter"}[interp], func(t *testing.T) {
			testHostFunctions(t, Config{Interpreter: interp})
		})
	}
}

func testHostFunctions(t *testing.T, cfg Config) {
	e := newTestEngine(t, cfg)
	var seen []int64
	vm := HostModule{Name: "vm", Funcs: []HostFunc{{
		Name: "exit", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			panic(Exit(exitcode.ExitCode(uint32(s[0])), uint32(s[1]), "bye"))
		}),
	}, {
		Name: "boom", Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			var m map[string]int
			m["x"] = 1 // a Go runtime panic
		}),
	}}}
	gas := HostModule{Name: "gas", Funcs: []HostFunc{{
		// gas.charge(whole gas) as the syscall layer would do it.
		Name: "charge", Params: []api.ValueType{i64}, Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			inv := InvocationFromContext(ctx)
			seen = append(seen, inv.GasCounter())
			if err := inv.ChargeForExec(); err != nil {
				panic(err)
			}
			err := inv.call.Gas.ChargeGas(gas.ChargeOnSyscall, gas.NewGas(14_000))
			if err == nil {
				err = inv.call.Gas.ChargeGas("charge", gas.NewGas(s[0]))
			}
			if uerr := inv.UpdateGasAvailable(); uerr != nil {
				panic(uerr)
			}
			if err != nil {
				panic(chargeAbort(err))
			}
			s[0] = 0
		}),
	}}}
	l := newTestLinker(t, e, vm, gas)

	exit := newActor(1, hostImport("vm", "exit", []api.ValueType{i32, i32}, []api.ValueType{i32}))
	exit.invoke(body(i32c(16), i32c(3), call(0)))
	if o, _ := run(t, l, exit.bytes(), bigGas, nil); o.Kind != Exited || o.ExitCode != 16 || o.BlockID != 3 {
		t.Fatalf("vm.exit: %v, want exit 16 block 3", o)
	}

	boom := newActor(1, hostImport("vm", "boom", nil, []api.ValueType{i32}))
	boom.invoke(body(call(0)))
	if o, _ := run(t, l, boom.bytes(), bigGas, nil); o.Kind != Fatal {
		t.Fatalf("panicking host function: %v, want fatal", o)
	}

	charge := newActor(1, hostImport("gas", "charge", []api.ValueType{i64}, []api.ValueType{i32}))
	charge.invoke(body(a0charge(charge, 500), i64c(7), call(0), op(opDrop), charge.charge(300), i32c(0)))
	o, tr := run(t, l, charge.bytes(), bigGas, nil)
	if o.Kind != Returned || o.BlockID != 0 {
		t.Fatalf("gas.charge: %v", o)
	}
	if want := uint64(onePageInit + 500 + 14_000_000 + 7000 + 300); tr.used() != want {
		t.Fatalf("used %d, want %d (charges %v)", tr.used(), want, tr.charges())
	}
	if len(seen) != 1 || uint64(seen[0]) != bigGas-onePageInit-500 {
		t.Fatalf("counter seen by the syscall %v, want %d", seen, bigGas-onePageInit-500)
	}
	// The process is still fine: run the straight-line actor again.
	ok := newActor(1)
	ok.invoke(body(i32c(5)))
	if o, _ := run(t, l, ok.bytes(), bigGas, nil); o.Kind != Returned || o.BlockID != 5 {
		t.Fatalf("after a host panic: %v", o)
	}
}

func a0charge(a *actor, mg int64) []wasm.Instr { return a.charge(mg) }

func TestNestedInvocationsShareTheLimiter(t *testing.T) {
	e := newTestEngine(t, Config{})
	var l *Linker
	var child []byte
	var inner, during uint64
	send := HostModule{Name: "send", Funcs: []HostFunc{{
		Name: "send", Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			inv := InvocationFromContext(ctx)
			if err := inv.ChargeForExec(); err != nil {
				panic(err)
			}
			var o Outcome
			inv.call.Memory.WithStackFrame(func() { // the call manager's send frame
				o = l.Invoke(ctx, Call{Code: rawCID(t, child), Gas: inv.call.Gas, Prices: prices, Memory: inv.call.Memory, FrameManaged: true,
					LoadCode: func(context.Context, cid.Cid) ([]byte, error) { return child, nil }})
				during = inv.call.Memory.MemoryUsed()
			})
			inner = inv.call.Memory.MemoryUsed()
			if err := inv.UpdateGasAvailable(); err != nil {
				panic(err)
			}
			s[0] = uint64(o.BlockID)
		}),
	}}}
	// A gas host module too, so the per-invocation gas module has imports
	// to resolve inside a nested call.
	gasMod := HostModule{Name: "gas", Funcs: []HostFunc{{Name: "charge", Params: []api.ValueType{i64}, Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(context.Context, api.Module, []uint64) {})}}}
	l = newTestLinker(t, e, send, gasMod)
	c := newActor(3)
	c.invoke(body(c.charge(1000), i32c(42)))
	child = c.bytes()
	p := newActor(2, hostImport("send", "send", nil, []api.ValueType{i32}))
	p.invoke(body(p.charge(2000), call(0), p.charge(3000), op(opDrop), i32c(9)))
	mem := NewMemoryLimiter(MaxCallStackMemoryBytes)
	var o Outcome
	var tr *tracker
	mem.WithStackFrame(func() { o, tr = run(t, l, p.bytes(), bigGas, mem) })
	if o.Kind != Returned || o.BlockID != 9 {
		t.Fatalf("outcome %v", o)
	}
	if during != 5*WasmPageBytes {
		t.Fatalf("while the child ran the limiter held %d, want parent and child %d", during, 5*WasmPageBytes)
	}
	if inner != 2*WasmPageBytes {
		t.Fatalf("after the child returned the limiter holds %d, want the parent's %d", inner, 2*WasmPageBytes)
	}
	if want := uint64(5*onePageInit + 1000 + 2000 + 3000); tr.used() != want {
		t.Fatalf("used %d, want %d", tr.used(), want)
	}
	if mem.MemoryUsed() != 0 {
		t.Fatalf("limiter holds %d after the call", mem.MemoryUsed())
	}
}

func TestConcurrentLoadCompilesOnce(t *testing.T) {
	var cnt counter
	e := newTestEngine(t, Config{Instrument: cnt.instrument})
	a := newActor(1)
	a.invoke(body(i32c(1)))
	wasm := a.bytes()
	c := rawCID(t, wasm)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Load(context.Background(), Code{CID: c, Bytes: wasm}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if cnt.n.Load() != 1 {
		t.Fatalf("instrumented %d times, want 1", cnt.n.Load())
	}
	// Bad code: the error is cached too.
	bad := []byte("\x00asm\x01\x00\x00\x00\xff")
	for range 2 {
		if _, err := e.Load(context.Background(), Code{CID: rawCID(t, bad), Bytes: bad}); !errors.Is(err, ErrCompile) {
			t.Fatalf("bad code: %v, want ErrCompile", err)
		}
	}
	if cnt.n.Load() != 2 {
		t.Fatalf("instrumented %d times, want 2", cnt.n.Load())
	}
}

func TestCodeMustMatchCID(t *testing.T) {
	e := newTestEngine(t, Config{})
	a := newActor(1)
	a.invoke(body(i32c(1)))
	other := []byte("not the code")
	if _, err := e.Load(context.Background(), Code{CID: rawCID(t, other), Bytes: a.bytes()}); !errors.Is(err, ErrCodeMismatch) {
		t.Fatalf("got %v, want ErrCodeMismatch", err)
	}
}

func TestDiskCacheIsPerInstrumentationVersion(t *testing.T) {
	dir := t.TempDir()
	a := newActor(1)
	a.invoke(body(i32c(1)))
	wasm := a.bytes()
	var cnt counter
	load := func(v string) {
		e := newTestEngine(t, Config{Instrument: cnt.instrument, CacheDir: dir, InstrumentationVersion: v})
		if err := e.Preload(context.Background(), []Code{{CID: rawCID(t, wasm), Bytes: wasm}}); err != nil {
			t.Fatal(err)
		}
		_ = e.Close(context.Background())
	}
	for i, v := range []string{"v1", "v1", "v2"} {
		load(v)
		if want := []int64{1, 1, 2}[i]; cnt.n.Load() != want {
			t.Fatalf("load %d (%s): instrumented %d times in all, want %d", i, v, cnt.n.Load(), want)
		}
	}
	// A damaged cached copy is ignored and rewritten.
	files, _ := filepath.Glob(filepath.Join(dir, "*", "instrumented", "*.wasm"))
	if len(files) != 2 {
		t.Fatalf("cached instrumented files %v, want 2", files)
	}
	for _, f := range files {
		if err := os.WriteFile(f, []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	load("v1")
	load("v1")
	if cnt.n.Load() != 3 {
		t.Fatalf("after damaging the cache: instrumented %d times in all, want 3", cnt.n.Load())
	}
	if _, err := New(context.Background(), Config{Instrument: identity, CacheDir: dir}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("custom instrumenter without a version: %v, want ErrBadConfig", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 2 {
		t.Fatalf("cache directories %v (%v), want one per version", ents, err)
	}
}

func TestBackend(t *testing.T) {
	e := newTestEngine(t, Config{})
	if (runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64") && e.Backend() != "compiler" {
		t.Fatalf("backend %s on %s", e.Backend(), runtime.GOARCH)
	}
}

func TestDeepNestingAndConcurrency(t *testing.T) {
	e := newTestEngine(t, Config{})
	var l *Linker
	var self []byte
	send := HostModule{Name: "send", Funcs: []HostFunc{{
		Name: "send", Params: []api.ValueType{i32}, Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			inv := InvocationFromContext(ctx)
			if err := inv.ChargeForExec(); err != nil {
				panic(err)
			}
			var o Outcome
			inv.call.Memory.WithStackFrame(func() {
				o = l.Invoke(ctx, Call{Code: inv.Code(), Params: uint32(s[0]), Gas: inv.call.Gas, Prices: prices, Memory: inv.call.Memory})
			})
			if err := inv.UpdateGasAvailable(); err != nil {
				panic(err)
			}
			if o.Kind != Returned {
				panic(&Abort{o})
			}
			s[0] = uint64(o.BlockID)
		}),
	}}}
	l = newTestLinker(t, e, send)
	// invoke(n) = n == 0 ? 0 : send(n-1) + 1
	a := newActor(1, hostImport("send", "send", []api.ValueType{i32}, []api.ValueType{i32}))
	a.invoke(body(a.charge(1000),
		lget(0), op(opI32Eqz), blk(opIf), i32c(0), op(opReturn), op(opEnd),
		lget(0), i32c(1), op(opI32Sub), call(0), i32c(1), op(opI32Add)))
	self = a.bytes()
	c := rawCID(t, self)
	if _, err := e.Load(context.Background(), Code{CID: c, Bytes: self}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			depth := uint32(1023 - g*100)
			tr := newTracker(bigGas)
			o := l.Invoke(context.Background(), Call{Code: c, Params: depth, Gas: tr, Prices: prices, Memory: NewMemoryLimiter(MaxCallStackMemoryBytes)})
			if o.Kind != Returned || o.BlockID != depth {
				t.Errorf("depth %d: %v", depth, o)
				return
			}
			if want := uint64(depth+1) * (onePageInit + 1000); tr.used() != want {
				t.Errorf("depth %d: used %d, want %d", depth, tr.used(), want)
			}
		}()
	}
	wg.Wait()
}

func TestStartFunction(t *testing.T) {
	e := newTestEngine(t, Config{})
	var sizes []uint32
	probe := HostModule{Name: "debug", Funcs: []HostFunc{{
		Name: "probe", Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			sizes = append(sizes, InvocationFromContext(ctx).Memory().Size())
			s[0] = 0
		}),
	}}}
	l := newTestLinker(t, e, probe)
	build := func(trap bool) []byte {
		a := newActor(1, hostImport("debug", "probe", nil, []api.ValueType{i32}))
		startBody := code(a.charge(700), call(0), op(opDrop))
		if trap {
			startBody = append(startBody, op(opUnreachable)...)
		}
		a.b.SetStart(a.b.AddFunc(wasm.FuncType{}, body(startBody)))
		a.invoke(body(a.charge(300), call(0)))
		return a.bytes()
	}
	o, tr := run(t, l, build(false), bigGas, nil)
	if o.Kind != Returned || o.BlockID != 0 {
		t.Fatalf("outcome %v", o)
	}
	if want := uint64(onePageInit + 700 + 300); tr.used() != want {
		t.Fatalf("used %d, want %d (start function metered)", tr.used(), want)
	}
	if !slices.Equal(sizes, []uint32{0, WasmPageBytes}) {
		t.Fatalf("memory sizes seen by syscalls %v, want [0 %d] (empty memory while instantiating)", sizes, WasmPageBytes)
	}
	o, tr = run(t, l, build(true), bigGas, nil)
	if o.Kind != Exited || o.ExitCode != exitcode.SysErrIllegalInstruction {
		t.Fatalf("trapping start: %v, want SYS_ILLEGAL_INSTRUCTION", o)
	}
	if want := uint64(onePageInit + 700); tr.used() != want {
		t.Fatalf("trapping start used %d, want %d", tr.used(), want)
	}
}

func TestUnmanagedFrameReleasesMemory(t *testing.T) {
	e := newTestEngine(t, Config{})
	l := newTestLinker(t, e)
	a := newActor(3)
	a.invoke(body(i32c(2), op(opMemoryGrow, 0)))
	wasm := a.bytes()
	c := rawCID(t, wasm)
	if _, err := e.Load(context.Background(), Code{CID: c, Bytes: wasm}); err != nil {
		t.Fatal(err)
	}
	mem := NewMemoryLimiter(MaxCallStackMemoryBytes)
	for _, managed := range []bool{false, true} {
		o := l.Invoke(context.Background(), Call{Code: c, Gas: newTracker(bigGas), Prices: prices, Memory: mem, FrameManaged: managed})
		if o.Kind != Returned || o.BlockID != 3 {
			t.Fatalf("outcome %v", o)
		}
	}
	if mem.MemoryUsed() != 5*WasmPageBytes {
		t.Fatalf("limiter holds %d, want only the frame-managed call's 5 pages", mem.MemoryUsed())
	}
}

func TestTableInitCharge(t *testing.T) {
	e := newTestEngine(t, Config{})
	l := newTestLinker(t, e)
	for _, name := range []string{"table", "other"} {
		a := newActor(1)
		a.b.AddExport(name, wasm.KindTable, a.b.AddTable(wasm.TableType{Elem: wasm.FuncRef, Limits: wasm.Limits{Min: 10}}))
		a.invoke(body(i32c(0)))
		mem := NewMemoryLimiter(MaxCallStackMemoryBytes)
		var o Outcome
		var tr *tracker
		mem.WithStackFrame(func() {
			o, tr = run(t, l, a.bytes(), bigGas, mem)
			if want := uint64(WasmPageBytes + 10*TableElementBytes); mem.MemoryUsed() != want {
				t.Fatalf("limiter holds %d, want memory and 8 bytes per table element = %d", mem.MemoryUsed(), want)
			}
		})
		if o.Kind != Returned {
			t.Fatalf("outcome %v", o)
		}
		want := []string{"wasm_table_init=32000", "wasm_memory_init=26214400", "wasm_exec=0", "wasm_exec=0"}
		if name != "table" {
			want = want[1:] // only a table exported as "table" is charged
		}
		if got := tr.charges(); !slices.Equal(got, want) {
			t.Fatalf("export %q: charges %v, want %v", name, got, want)
		}
	}
}

// TestSendFromStartFunction nests an invocation inside a start function,
// whose context carries the caller's import resolver and allocator.
func TestSendFromStartFunction(t *testing.T) {
	e := newTestEngine(t, Config{})
	var l *Linker
	var child []byte
	var got Outcome
	send := HostModule{Name: "send", Funcs: []HostFunc{{
		Name: "send", Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			inv := InvocationFromContext(ctx)
			got = l.Invoke(ctx, Call{Code: rawCID(t, child), Gas: inv.call.Gas, Prices: prices, Memory: inv.call.Memory,
				LoadCode: func(context.Context, cid.Cid) ([]byte, error) { return child, nil }})
			s[0] = 0
		}),
	}}}
	gasMod := HostModule{Name: "gas", Funcs: []HostFunc{{Name: "charge", Params: []api.ValueType{i64}, Results: []api.ValueType{i32},
		Fn: api.GoModuleFunc(func(context.Context, api.Module, []uint64) {})}}}
	l = newTestLinker(t, e, send, gasMod)
	c := newActor(1)
	c.invoke(body(i32c(42)))
	child = c.bytes()
	p := newActor(1, hostImport("send", "send", nil, []api.ValueType{i32}))
	p.b.SetStart(p.b.AddFunc(wasm.FuncType{}, body(call(0), op(opDrop))))
	p.invoke(body(i32c(1)))
	if o, _ := run(t, l, p.bytes(), bigGas, nil); o.Kind != Returned || o.BlockID != 1 {
		t.Fatalf("parent: %v", o)
	}
	if got.Kind != Returned || got.BlockID != 42 {
		t.Fatalf("child sent from the start function: %v", got)
	}
}

// A module compiled by several workers (functions side by side) runs as one
// compiled by one; Preload and background compilations use one worker.
func TestCompilationWorkers(t *testing.T) {
	a := newActor(1)
	var fns []uint32
	for i := range 16 { // enough functions for the workers to share
		fns = append(fns, a.b.AddFunc(invokeType, body(a.charge(int64(100+i)), lget(0), i32c(int32(i)), op(opI32Add))))
	}
	var calls []wasm.Instr
	calls = append(calls, lget(0)...)
	for _, f := range fns {
		calls = append(calls, call(f)...)
	}
	a.invoke(body(a.charge(7), code(calls)))
	wasm := a.bytes()
	want, wantTr := run(t, newTestLinker(t, newTestEngine(t, Config{})), wasm, bigGas, nil)
	if want.Kind != Returned || want.BlockID != 7+120 { // 7 + 0 + 1 + … + 15
		t.Fatalf("1 worker: outcome %v, want block 127 returned", want)
	}
	e := newTestEngine(t, Config{CompilationWorkers: 4})
	got, gotTr := run(t, newTestLinker(t, e), wasm, bigGas, nil)
	if got.Kind != want.Kind || got.BlockID != want.BlockID || got.Trap != want.Trap {
		t.Errorf("4 workers: outcome %v, 1 worker %v", got, want)
	}
	if g, w := gotTr.charges(), wantTr.charges(); !slices.Equal(g, w) {
		t.Errorf("4 workers: charges %v, 1 worker %v", g, w)
	}
	ctx := context.Background()
	if n := e.compilationWorkers(ctx); n != 4 {
		t.Errorf("compilation workers %d, want Config's 4", n)
	}
	if n := e.compilationWorkers(withOneCompilationWorker(ctx)); n != 1 {
		t.Errorf("compilation workers %d with withOneCompilationWorker, want 1", n)
	}
}
