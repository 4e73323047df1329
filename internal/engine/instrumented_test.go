package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/go-fvm/go-fvm/internal/wasm"
)

// Tests with the real instrumentation (wasm.Instrument with wasm.FVMConfig):
// plain modules, metered by the engine's default instrumenter. Expected gas
// follows gas.md §4.4: the invoke thunk costs 52 + 4 = 56 gas, a direct call
// site 52 gas, most instructions 4 gas, memory.grow 26,214.4 gas per page,
// fill/copy 0.4 gas per byte.

// plain starts an uninstrumented actor with one exported page of memory.
func plain() *wasm.Module { return withMemory(1) }

// withMemory starts an uninstrumented actor with pages of memory, exported.
func withMemory(pages uint64) *wasm.Module {
	b := &wasm.Module{}
	b.AddExport("memory", wasm.KindMemory, b.AddMemory(wasm.Limits{Min: pages}))
	return b
}

// plainInvoke adds invoke(i32)->i32 with the given locals+code body.
func plainInvoke(b *wasm.Module, body wasm.Code) []byte {
	b.AddExport("invoke", wasm.KindFunc, b.AddFunc(invokeType, body))
	return b.Encode()
}

// runWith invokes code with the given params on a default (instrumenting) engine.
func runWith(t *testing.T, l *Linker, wasm []byte, params uint32, gasLimit uint64) (Outcome, *tracker) {
	t.Helper()
	c := rawCID(t, wasm)
	if _, err := l.e.Load(context.Background(), Code{CID: c, Bytes: wasm}); err != nil {
		t.Fatal(err)
	}
	tr := newTracker(gasLimit)
	o := l.Invoke(context.Background(), Call{Code: c, Params: params, Gas: tr, Prices: prices,
		Memory: NewMemoryLimiter(MaxCallStackMemoryBytes)})
	return o, tr
}

func TestInstrumentedExactGas(t *testing.T) {
	for _, ins := range fvmInstrumenters {
		t.Run(ins.name, func(t *testing.T) { testInstrumentedExactGas(t, ins.fn) })
	}
}

func testInstrumentedExactGas(t *testing.T, instrument func([]byte) ([]byte, error)) {
	e := newTestEngine(t, Config{Instrument: instrument})
	l := newTestLinker(t, e)

	// The worked example of gas.md §4.4: $callee(i32)->i32 = x+1; invoke has
	// one local group and a block with a br_if around a call.
	branches := func() []byte {
		b := plain()
		callee := b.AddFunc(invokeType,
			body(lget(0), i32c(1), op(opI32Add)))
		return plainInvoke(b, wasm.Code{Locals: []wasm.LocalGroup{{Count: 1, Type: wasm.I32}}, Body: code(
			blk(opBlock), lget(0), op(opBrIf, 0), lget(0), call(callee), op(opDrop), op(opEnd),
			i32c(0), op(opMemoryGrow, 0), op(opDrop), lget(0), op(opEnd))})
	}()
	loop := plainInvoke(plain(), body(
		blk(opLoop), lget(0), i32c(1), op(opI32Sub), op(opLocalTee, 0), op(opBrIf, 0), op(opEnd),
		i32c(0)))
	grow := plainInvoke(plain(), body(lget(0), op(opMemoryGrow, 0)))
	fill := plainInvoke(plain(), body(i32c(0), i32c(0), i32c(100), op(opMemoryFill, 0), i32c(0)))
	copyN := plainInvoke(plain(), body(i32c(0), i32c(0), lget(0), op(opMemoryCopy, 0, 0), i32c(0)))
	straight := plainInvoke(plain(), body(lget(0), i32c(1), op(opI32Add)))

	cases := []struct {
		name    string
		wasm    []byte
		params  uint32
		ret     uint32
		execMg  uint64
		charges []string // when set, the exec charges after memory init
	}{
		{"straight line", straight, 7, 8, (56 + 12) * 1000, nil},
		{"branch taken", branches, 7, 7, 76_000, nil},
		{"branch not taken, call", branches, 0, 0, 144_000, nil},
		{"loop x10", loop, 10, 0, (56 + 4 + 20*10) * 1000, nil},
		{"memory.grow 2 pages", grow, 2, 1, (56+8)*1000 + 2*26_214_400,
			[]string{"wasm_exec=0", "wasm_exec=64000", "wasm_memory_grow=52428800"}},
		{"memory.fill 100 static", fill, 0, 0, (56 + 16 + 4 + 40) * 1000, nil},
		{"memory.copy 1000 dynamic", copyN, 1000, 0, (56+20)*1000 + 1000*400, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, tr := runWith(t, l, c.wasm, c.params, bigGas)
			if o.Kind != Returned || o.BlockID != c.ret {
				t.Fatalf("outcome %v, want returned %d", o, c.ret)
			}
			if got := tr.used() - onePageInit; got != c.execMg {
				t.Fatalf("exec gas %d mg, want %d (charges %v)", got, c.execMg, tr.charges())
			}
			if c.charges != nil {
				if got := tr.charges()[1:]; !slices.Equal(got, c.charges) {
					t.Fatalf("charges %v, want %v", got, c.charges)
				}
			}
		})
	}
}

func TestInstrumentedLimits(t *testing.T) {
	for _, ins := range fvmInstrumenters {
		t.Run(ins.name, func(t *testing.T) { testInstrumentedLimits(t, ins.fn) })
	}
}

func testInstrumentedLimits(t *testing.T, instrument func([]byte) ([]byte, error)) {
	e := newTestEngine(t, Config{Instrument: instrument})
	l := newTestLinker(t, e)

	loop := plainInvoke(plain(), body(blk(opLoop), op(opBr, 0), op(opEnd), i32c(0)))
	limit := uint64(onePageInit + 1_000_000_000)
	if o, tr := runWith(t, l, loop, 0, limit); o.Kind != OutOfGas || tr.used() != limit {
		t.Fatalf("infinite loop: %v, used %d of %d", o, tr.used(), limit)
	}

	b := plain()
	rec := b.NumFuncs()
	b.AddFunc(wasm.FuncType{}, body(call(rec)))
	recursion := plainInvoke(b, body(call(rec), i32c(0)))
	o, tr := runWith(t, l, recursion, 0, bigGas)
	if o.Kind != Exited || o.ExitCode != exitcode.SysErrIllegalInstruction || o.Trap != TrapUnreachable {
		t.Fatalf("deep recursion: %v (trap %v), want SYS_ILLEGAL_INSTRUCTION by the stack limiter's unreachable", o, o.Trap)
	}
	// invoke costs 3 stack units (pushed by its thunk), $rec 2: the height
	// after the k-th call of $rec is 3+2k, so the 1023rd call's preamble
	// traps (2049 > 2048) inside the 1022nd $rec frame. Charged: the thunk
	// (56), invoke's block (call site 52 + i32.const 4), and one 52-gas
	// block per $rec frame entered.
	if want := uint64(onePageInit + (56+56+52*1022)*1000); tr.used() != want {
		t.Fatalf("deep recursion used %d, want %d", tr.used(), want)
	}

	growBig := plainInvoke(plain(), body(i32c(8192), op(opMemoryGrow, 0)))
	o, tr = runWith(t, l, growBig, 0, bigGas*100)
	if o.Kind != Returned || o.BlockID != 0xffffffff {
		t.Fatalf("growing past 512 MiB: %v, want -1", o)
	}
	if want := uint64(onePageInit + (56+8)*1000 + 8192*26_214_400); tr.used() != want {
		t.Fatalf("refused grow used %d, want %d (its gas is paid)", tr.used(), want)
	}
}

// TestIndirectRecursionBackends recurses through call_indirect, so every
// counted frame (cost 3: the table index is on the stack) comes with an
// uncounted thunk frame, the most frames per stack unit an actor can get.
// Both backends must reach the FVM limiter's unreachable at the same gas:
// the interpreter's 2,000-frame cap is not hit (see the package notes).
func TestIndirectRecursionBackends(t *testing.T) {
	for _, ins := range fvmInstrumenters {
		t.Run(ins.name, func(t *testing.T) { testIndirectRecursionBackends(t, ins.fn) })
	}
}

func testIndirectRecursionBackends(t *testing.T, instrument func([]byte) ([]byte, error)) {
	for _, interp := range []bool{false, true} {
		e := newTestEngine(t, Config{Instrument: instrument, Interpreter: interp})
		l := newTestLinker(t, e)
		b := plain()
		rec := b.NumFuncs()
		b.AddFunc(wasm.FuncType{}, body(i32c(0), op(opCallIndirect, b.AddType(wasm.FuncType{}), 0)))
		addFuncTable(b, wasm.Limits{Min: 1, Max: 1, HasMax: true}, rec)
		wasm := plainInvoke(b, body(call(rec), i32c(0)))
		o, tr := runWith(t, l, wasm, 0, bigGas)
		if o.Kind != Exited || o.ExitCode != exitcode.SysErrIllegalInstruction {
			t.Fatalf("interpreter=%v: %v, want SYS_ILLEGAL_INSTRUCTION", interp, o)
		}
		if o.Trap != TrapUnreachable {
			t.Fatalf("interpreter=%v: trap %v, want the stack limiter's unreachable", interp, o.Trap)
		}
		// invoke's thunk 56 and block 56 (which calls $rec #1 directly);
		// 681 $rec frames of 8 (i32.const, call_indirect); thunks 52 each,
		// for $rec #2..#681 and the one whose preamble traps: invoke and
		// $rec cost 3 units each, and 3+3*682 > 2048.
		if want := uint64(onePageInit + (56+56+681*8+681*52)*1000); tr.used() != want {
			t.Fatalf("interpreter=%v: used %d, want %d", interp, tr.used(), want)
		}
	}
}

// TestInstrumentedLargeFill: fills from wasm.FVMLargeFillThreshold bytes run in the host
// (the engine's instrumentation imports its fill) with the outcome, gas and memory of the
// reference's instrumentation, which keeps them in Wasm; out-of-bounds fills still trap.
func TestInstrumentedLargeFill(t *testing.T) {
	const pages, at = 8, 256
	b := withMemory(pages)
	// invoke(n): memory.fill at, 0x5a, n; return the byte at at+n-1.
	fill := plainInvoke(b, body(i32c(at), i32c(0x5a), lget(0), op(opMemoryFill, 0),
		lget(0), i32c(at-1), op(opI32Add), op(opI32Load8U, 0, 0)))
	inst, err := FVMInstrument(fill)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasm.Decode(inst)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(m.Imports, func(im wasm.Import) bool { return im.Module == GasModule && im.Name == wasm.LargeFillName }) {
		t.Fatalf("the instrumented module does not import %s.%s", GasModule, wasm.LargeFillName)
	}
	ref := newTestLinker(t, newTestEngine(t, Config{Instrument: callChargeInstrument}))
	eng := newTestLinker(t, newTestEngine(t, Config{Instrument: FVMInstrument}))
	const size = pages << 16
	for _, n := range []uint32{100, wasm.FVMLargeFillThreshold - 1, wasm.FVMLargeFillThreshold, size - at, size - at + 1} {
		want, wantTr := runWith(t, ref, fill, n, bigGas)
		got, gotTr := runWith(t, eng, fill, n, bigGas)
		if got.Kind != want.Kind || got.BlockID != want.BlockID || got.Trap != want.Trap || gotTr.used() != wantTr.used() {
			t.Fatalf("fill %d: %v (trap %v), %d mg; the reference's instrumentation: %v (trap %v), %d mg",
				n, got, got.Trap, gotTr.used(), want, want.Trap, wantTr.used())
		}
		if n <= size-at && (got.Kind != Returned || got.BlockID != 0x5a) {
			t.Fatalf("fill %d: %v, want returned 0x5a", n, got)
		}
	}
}
