package wasm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// gasHarness runs instrumented modules under wazero with the counter global provided by a
// small module named "gas", and reports the exact milligas each call consumed.
type gasHarness struct {
	t   *testing.T
	ctx context.Context
	rt  wazero.Runtime
	gas api.MutableGlobal
}

const startGas = int64(1) << 50

func newGasHarness(t *testing.T) *gasHarness {
	t.Helper()
	return newGasHarnessWith(t, wazero.NewRuntimeConfigInterpreter())
}

// newGasHarnessWith is newGasHarness on the given wazero backend.
func newGasHarnessWith(t *testing.T, rc wazero.RuntimeConfig) *gasHarness {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, rc.WithCoreFeatures(wazeroFeatures))
	t.Cleanup(func() { rt.Close(ctx) })
	// A module exporting the counter: (global (export "gas_counter") (mut i64) (i64.const 0)).
	gm := &Module{
		Globals: []Global{{Type: GlobalType{Type: I64, Mutable: true}, Init: ConstExpr{mkI64(0), mkOp(OpEnd)}}},
		Exports: []Export{{Name: GasCounterName, Kind: KindGlobal, Index: 0}},
	}
	gm.markDirty(SecGlobal)
	gm.markDirty(SecExport)
	inst, err := rt.InstantiateWithConfig(ctx, gm.Encode(), wazero.NewModuleConfig().WithName(FVMGasModule))
	if err != nil {
		t.Fatal(err)
	}
	// A host function imported as env.syscall(i32) -> i32, returning its argument.
	_, err = rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(_ context.Context, x int32) int32 { return x }).Export("syscall").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &gasHarness{t: t, ctx: ctx, rt: rt, gas: inst.ExportedGlobal(GasCounterName).(api.MutableGlobal)}
}

// load instruments (FVM pipeline) and instantiates a module.
func (h *gasHarness) load(code []byte, cfg Config) api.Module {
	h.t.Helper()
	out, err := Instrument(code, cfg)
	if err != nil {
		h.t.Fatalf("instrument: %v", err)
	}
	mod, err := h.rt.InstantiateWithConfig(h.ctx, out, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		h.t.Fatalf("instantiate: %v", err)
	}
	return mod
}

// call runs an export and returns the milligas charged, the results and the call error.
func (h *gasHarness) call(mod api.Module, fn string, args ...uint64) (int64, []uint64, error) {
	h.t.Helper()
	f := mod.ExportedFunction(fn)
	if f == nil {
		h.t.Fatalf("no export %q", fn)
	}
	h.gas.Set(uint64(startGas))
	res, err := f.Call(h.ctx, args...)
	return startGas - int64(h.gas.Get()), res, err
}

var (
	i32ToI32 = FuncType{Params: []ValType{I32}, Results: []ValType{I32}}
	i32ToNil = FuncType{Params: []ValType{I32}}
	nilToNil = FuncType{}
	mem1     = &Limits{Min: 1, Max: 4, HasMax: true}
)

func TestMilligasPerBlock(t *testing.T) {
	// $callee(i32) -> i32: local.get 0; i32.const 1; i32.add  (3 x 4 gas)
	callee := testFunc{typ: i32ToI32, body: []Instr{mkIdx(OpLocalGet, 0), mkI32(1), mkOp(OpI32Add)}}
	// The worked example of gas.md §4.4: invoke(i32) -> i32 with one local group.
	invoke := testFunc{typ: i32ToI32, export: "invoke", locals: []LocalGroup{{1, I32}}, body: []Instr{
		mkBlock(OpBlock, blockEmpty),
		mkIdx(OpLocalGet, 0), mkIdx(OpBrIf, 0),
		mkIdx(OpLocalGet, 0), mkIdx(OpCall, 0), mkOp(OpDrop),
		mkOp(OpEnd),
		mkI32(0), mkOp(OpMemoryGrow), mkOp(OpDrop),
		mkIdx(OpLocalGet, 0),
	}}
	worked := testModule{funcs: []testFunc{callee, invoke}, memory: mem1}

	// loop(n): count n down to 0; each iteration is one metered block.
	loop := testModule{funcs: []testFunc{{typ: i32ToNil, export: "run", body: []Instr{
		mkBlock(OpLoop, blockEmpty),
		mkIdx(OpLocalGet, 0), mkI32(1), mkOp(OpI32Sub), mkIdx(OpLocalTee, 0),
		mkIdx(OpBrIf, 0),
		mkOp(OpEnd),
	}}}}

	// fill(n): memory.fill(0, 0, n) with a dynamic count.
	fill := testModule{memory: mem1, funcs: []testFunc{{typ: i32ToNil, export: "run", body: []Instr{
		mkI32(0), mkI32(0), mkIdx(OpLocalGet, 0), mkIdx(OpMemoryFill, 0),
	}}}}
	// copy with a static count of 100 bytes.
	copyStatic := testModule{memory: mem1, funcs: []testFunc{{typ: nilToNil, export: "run", body: []Instr{
		mkI32(0), mkI32(8), mkI32(100), {Op: OpMemoryCopy},
	}}}}
	// grow(n) dynamic, and grow by a constant 2 pages.
	growDyn := testModule{memory: mem1, funcs: []testFunc{{typ: i32ToI32, export: "run", body: []Instr{
		mkIdx(OpLocalGet, 0), mkIdx(OpMemoryGrow, 0),
	}}}}
	growStatic := testModule{memory: mem1, funcs: []testFunc{{typ: nilToNil, export: "run", body: []Instr{
		mkI32(2), mkIdx(OpMemoryGrow, 0), mkOp(OpDrop),
	}}}}
	// A syscall (imported function) costs only its call instruction: no stack accounting.
	syscall := testModule{
		imports: []Import{{Module: "env", Name: "syscall", Kind: KindFunc, TypeIdx: 0}},
		funcs: []testFunc{{typ: i32ToI32, export: "run", body: []Instr{
			mkIdx(OpLocalGet, 0), mkIdx(OpCall, 0),
		}}},
	}
	// call_indirect through the table goes through the callee's thunk.
	indirect := testModule{table: []uint32{0}, funcs: []testFunc{
		callee,
		{typ: i32ToI32, export: "run", body: []Instr{
			mkIdx(OpLocalGet, 0), mkI32(0), {Op: OpCallIndirect, A: 0},
		}},
	}}
	// br_table quirk: the default label is not a branch target for metering. With the
	// forward target only reachable as the default, the code after the inner block stays in
	// the function's first metered block and is charged even when the default is taken.
	brTableModule := func(tableLabel, defLabel uint32) testModule {
		return testModule{funcs: []testFunc{{typ: i32ToNil, export: "run", body: []Instr{
			mkBlock(OpBlock, blockEmpty), // $outer
			mkBlock(OpBlock, blockEmpty), // $inner
			mkIdx(OpLocalGet, 0),
			{Op: OpBrTable, Table: brTable(tableLabel, defLabel)},
			mkOp(OpEnd),
			mkI32(1), mkOp(OpDrop), // after $inner
			mkOp(OpEnd),
			mkI32(2), mkOp(OpDrop), // after $outer
		}}}}
	}
	// if/else: the if costs 4 in the enclosing block; each arm is its own block.
	ifElse := testModule{funcs: []testFunc{{typ: i32ToI32, export: "run", body: []Instr{
		mkIdx(OpLocalGet, 0),
		mkBlock(OpIf, -1), // (result i32)
		mkI32(10), mkI32(20), mkOp(OpI32Add),
		mkOp(OpElse),
		mkI32(30),
		mkOp(OpEnd),
	}}}}
	// unreachable does not end a block: the whole block is paid before the trap.
	trap := testModule{funcs: []testFunc{{typ: nilToNil, export: "run", body: []Instr{
		mkI32(1), mkOp(OpDrop), mkOp(OpUnreachable), mkI32(2), mkOp(OpDrop),
	}}}}

	const g = 1000 // milligas per gas
	cases := []struct {
		name string
		mod  testModule
		fn   string
		arg  []uint64
		want int64
		trap bool
	}{
		// thunk 56 + invoke block 20 + call site 56 (4 + 48 limiter + 4) + callee 12
		{"worked example, branch not taken", worked, "invoke", []uint64{0}, 144 * g, false},
		// thunk 56 + invoke block 20
		{"worked example, branch taken", worked, "invoke", []uint64{1}, 76 * g, false},
		// thunk 52+4 + one block per iteration: local.get, i32.const, sub, tee, br_if = 20
		{"loop 1", loop, "run", []uint64{1}, 56*g + 20*g, false},
		{"loop 10", loop, "run", []uint64{10}, 56*g + 10*20*g, false},
		// thunk 56 + block (3 x 4 + fill 4) + 0.4 gas per byte
		{"fill 0 bytes", fill, "run", []uint64{0}, 56*g + 16*g, false},
		{"fill 1000 bytes", fill, "run", []uint64{1000}, 56*g + 16*g + 1000*400, false},
		{"fill 1 byte", fill, "run", []uint64{1}, 56*g + 16*g + 400, false},
		// no parameters: thunk 52; 3 consts + copy base 4 + 100 bytes x 0.4
		{"copy static 100", copyStatic, "run", nil, 52*g + 16*g + 100*400, false},
		// thunk 56 + local.get 4 + grow base 4 + pages x 26,214.4 gas
		{"grow 0 pages", growDyn, "run", []uint64{0}, 56*g + 8*g, false},
		{"grow 2 pages", growDyn, "run", []uint64{2}, 56*g + 8*g + 2*26_214_400, false},
		// charged even though growing beyond the maximum fails
		{"grow 100 pages (fails)", growDyn, "run", []uint64{100}, 56*g + 8*g + 100*26_214_400, false},
		{"grow static 2 pages", growStatic, "run", nil, 52*g + 8*g + 2*26_214_400, false},
		// thunk 56 + local.get 4 + call 4
		{"syscall", syscall, "run", []uint64{7}, 56*g + 8*g, false},
		// thunk 56 + (local.get, i32.const, call_indirect) 12 + callee thunk 56 + callee 12
		{"call_indirect", indirect, "run", []uint64{5}, 56*g + 12*g + 56*g + 12*g, false},
		// default to $outer (forward): charged as one block: local.get, br_table, and the
		// two instructions after $inner = 16, plus the 8 after $outer.
		{"br_table default forward (quirk)", brTableModule(0, 1), "run", []uint64{5}, 56*g + 16*g, false},
		// table entry to $outer: the code after $inner becomes its own block (4), paid only
		// when the branch to $outer is not taken; the rest (12) is paid up front.
		{"br_table entry forward", brTableModule(1, 0), "run", []uint64{0}, 56*g + 12*g, false},
		{"br_table entry not taken", brTableModule(1, 0), "run", []uint64{5}, 56*g + 12*g + 4*g, false},
		// local.get + if = 8, then-arm 12 or else-arm 4
		{"if then", ifElse, "run", []uint64{1}, 56*g + 8*g + 12*g, false},
		{"if else", ifElse, "run", []uint64{0}, 56*g + 8*g + 4*g, false},
		// i32.const 4 + drop 0 + unreachable 0 + i32.const 4 + drop 0
		{"unreachable pays its block", trap, "run", nil, 52*g + 8*g, true},
	}
	h := newGasHarness(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			if d := os.Getenv("FVM_WASM_DUMP_DIR"); d != "" {
				os.WriteFile(filepath.Join(d, strings.ReplaceAll(c.name, " ", "_")+".wasm"), c.mod.bytes(t), 0o644)
			}
			for _, cfg := range fvmConfigs() {
				mod := h.load(c.mod.bytes(t), cfg)
				got, _, err := h.call(mod, c.fn, c.arg...)
				mod.Close(h.ctx)
				if (err != nil) != c.trap {
					t.Fatalf("inline %v: call error %v, want trap %v", cfg.InlineGasCharges, err, c.trap)
				}
				if got != c.want {
					t.Fatalf("inline %v: charged %d mg, want %d mg", cfg.InlineGasCharges, got, c.want)
				}
			}
		})
	}
}

// TestOutOfGasTraps checks that the counter traps only when it goes negative.
func TestOutOfGasTraps(t *testing.T) {
	for _, cfg := range fvmConfigs() {
		t.Run(fmt.Sprintf("inline=%v", cfg.InlineGasCharges), func(t *testing.T) { testOutOfGasTraps(t, cfg) })
	}
}

func testOutOfGasTraps(t *testing.T, cfg Config) {
	h := newGasHarness(t)
	m := testModule{funcs: []testFunc{{typ: nilToNil, export: "run", body: []Instr{mkI32(1), mkOp(OpDrop)}}}}
	mod := h.load(m.bytes(t), cfg)
	run := mod.ExportedFunction("run")
	// thunk 52 gas + body 4 gas = 56,000 mg in two charges.
	h.gas.Set(56_000)
	if _, err := run.Call(h.ctx); err != nil {
		t.Fatalf("exactly enough gas: %v", err)
	}
	if got := int64(h.gas.Get()); got != 0 {
		t.Fatalf("counter %d, want 0", got)
	}
	h.gas.Set(55_999)
	_, err := run.Call(h.ctx)
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("one milligas short: %v, want unreachable trap", err)
	}
	if got := int64(h.gas.Get()); got != -1 {
		t.Fatalf("counter %d, want -1", got)
	}
}

// TestStackLimit checks that unbounded recursion traps on the limiter, not the engine.
func TestStackLimit(t *testing.T) {
	h := newGasHarness(t)
	// rec(n) = n == 0 ? 0 : rec(n-1)
	m := testModule{funcs: []testFunc{{typ: i32ToI32, export: "rec", body: []Instr{
		mkIdx(OpLocalGet, 0), mkOp(OpI32Eqz),
		mkBlock(OpIf, -1),
		mkI32(0),
		mkOp(OpElse),
		mkIdx(OpLocalGet, 0), mkI32(1), mkOp(OpI32Sub), mkIdx(OpCall, 0),
		mkOp(OpEnd),
	}}}}
	mod := h.load(m.bytes(t), FVMConfig())
	// Stack cost of rec: 0 local groups + max height 5. Quirk (fvm-wasm-instrument):
	// else does not reset the height, so the else arm starts at 3 and reaches 5
	// (local.get, i32.const) instead of 4. The thunk and each recursive call add 5, so
	// rec(n) needs 5(n+1) <= 2048: n = 408 fits, 409 traps.
	if _, _, err := h.call(mod, "rec", 408); err != nil {
		t.Fatalf("depth 408: %v", err)
	}
	_, _, err := h.call(mod, "rec", 409)
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("depth 409: %v, want the limiter's unreachable trap", err)
	}
}

// TestNaNCanonicalisation checks the canonical NaN results and that the rewrite does not
// change the gas charged.
func TestNaNCanonicalisation(t *testing.T) {
	h := newGasHarness(t)
	f32bin := func(op Opcode) testModule {
		return testModule{funcs: []testFunc{{typ: FuncType{Params: []ValType{I32, I32}, Results: []ValType{I32}},
			export: "run", body: []Instr{
				mkIdx(OpLocalGet, 0), {Op: 0xbe}, mkIdx(OpLocalGet, 1), {Op: 0xbe}, mkOp(op), {Op: 0xbc},
			}}}}
	}
	f64un := func(op Opcode) testModule {
		return testModule{funcs: []testFunc{{typ: FuncType{Params: []ValType{I64}, Results: []ValType{I64}},
			export: "run", body: []Instr{mkIdx(OpLocalGet, 0), {Op: 0xbf}, mkOp(op), {Op: 0xbd}}}}}
	}
	const negNaN32 = 0xffc00001
	cases := []struct {
		name string
		mod  testModule
		args []uint64
		want uint64
	}{
		{"f32.div 0/0", f32bin(OpF32Div), []uint64{0, 0}, uint64(CanonicalNaN32)},
		{"f32.add payload NaN", f32bin(OpF32Add), []uint64{negNaN32, 0x3f800000}, uint64(CanonicalNaN32)},
		{"f32.min payload NaN", f32bin(OpF32Min), []uint64{0x3f800000, 0x7f800123}, uint64(CanonicalNaN32)},
		{"f32.mul ordinary", f32bin(OpF32Mul), []uint64{0x40000000, 0x40400000}, uint64(math.Float32bits(6))},
		// copysign only moves the sign bit: not canonicalised, as in Cranelift
		{"f32.copysign keeps payload", f32bin(0x98), []uint64{0x7fc00123, 0x80000000}, 0xffc00123},
		{"f64.sqrt -1", f64un(OpF64Sqrt), []uint64{math.Float64bits(-1)}, CanonicalNaN64},
		{"f64.floor payload NaN", f64un(OpF64Floor), []uint64{0xfff0000000000abc}, CanonicalNaN64},
		{"f64.neg keeps payload", f64un(0x9a), []uint64{0x7ff0000000000abc}, 0xfff0000000000abc},
		{"f64.nearest 2.5", f64un(OpF64Nearest), []uint64{math.Float64bits(2.5)}, math.Float64bits(2)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			code := c.mod.bytes(t)
			if d := os.Getenv("FVM_WASM_DUMP_DIR"); d != "" {
				os.WriteFile(filepath.Join(d, "nan_"+strings.ReplaceAll(c.name, " ", "_")+".wasm"), code, 0o644)
			}
			mod := h.load(code, FVMConfig())
			got, res, err := h.call(mod, "run", c.args...)
			if err != nil {
				t.Fatal(err)
			}
			if res[0] != c.want {
				t.Fatalf("result %#x, want %#x", res[0], c.want)
			}
			cfg := FVMConfig()
			cfg.CanonicalizeNaNs = false
			plain := h.load(code, cfg)
			got2, _, err := h.call(plain, "run", c.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got != got2 {
				t.Fatalf("gas with canonicalisation %d, without %d", got, got2)
			}
		})
	}
}

// TestInstrumentRejects checks the refusals, and that each error wraps its sentinel.
func TestInstrumentRejects(t *testing.T) {
	valid := testModule{funcs: []testFunc{{typ: nilToNil, export: "run"}}}.build().Encode()
	typedSelect := testModule{funcs: []testFunc{{typ: nilToNil, body: []Instr{
		mkI32(1), mkI32(2), mkI32(0), {Op: OpSelectT, A: uint32(I32)}, mkOp(OpDrop)}}}}.build().Encode()
	negGrow := testModule{memory: mem1, funcs: []testFunc{{typ: nilToNil, body: []Instr{
		mkI32(-1), mkIdx(OpMemoryGrow, 0), mkOp(OpDrop)}}}}.build().Encode()
	refFunc := testModule{table: []uint32{0}, funcs: []testFunc{{typ: nilToNil, body: []Instr{
		mkIdx(OpRefFunc, 0), mkOp(OpDrop)}}}}.build().Encode()
	gasImport := testModule{imports: []Import{{Module: "gas", Name: "gas_counter", Kind: KindGlobal,
		Global: GlobalType{Type: I64, Mutable: true}}}, funcs: []testFunc{{typ: nilToNil}}}.build().Encode()
	multiValue := func() []byte {
		m := testModule{funcs: []testFunc{{typ: nilToNil}}}.build()
		m.Types = append(m.Types, FuncType{Results: []ValType{I32, I32}})
		return m.Encode()
	}()
	simd := append(append([]byte{}, valid[:len(valid)-3]...), 0x04, 0x00, 0xfd, 0x0c) // truncated SIMD body
	cases := []struct {
		name string
		code []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"bad magic", []byte("\x00asn\x01\x00\x00\x00"), ErrMalformed},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00"), ErrUnsupported},
		{"truncated", valid[:len(valid)-1], ErrMalformed},
		{"typed select (stack limiter)", typedSelect, ErrInstrument},
		{"negative static memory.grow (gas metering)", negGrow, ErrInstrument},
		{"ref.func (stack limiter)", refFunc, ErrInstrument},
		{"already imports gas.gas_counter", gasImport, ErrInstrument},
		{"multi-value type", multiValue, ErrUnsupported},
		{"simd", simd, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Instrument(c.code, FVMConfig())
			if err == nil {
				t.Fatal("accepted")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("error %v does not wrap %v", err, c.want)
			}
			if !hasSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
		})
	}
}
