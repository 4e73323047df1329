package wasm

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// largeFillModule has an import before its defined functions, so that RouteLargeFills must
// shift every defined index: "fill" fills directly, "via" calls it, "indirect" reaches a
// function through the table, and the start function calls env.mark.
func largeFillModule(imports ...Import) testModule {
	dvn := FuncType{Params: []ValType{I32, I32, I32}}
	args := []Instr{mkIdx(OpLocalGet, 0), mkIdx(OpLocalGet, 1), mkIdx(OpLocalGet, 2)}
	start := uint32(len(imports) + 6)
	return testModule{
		imports: append([]Import{{Module: "env", Name: "mark", Kind: KindFunc, TypeIdx: 0}}, imports...),
		memory:  &Limits{Min: 4, Max: 8, HasMax: true},
		funcs: []testFunc{
			{typ: nilToNil}, // type 0 for env.mark
			{typ: dvn, export: "fill", body: append(args, mkIdx(OpMemoryFill, 0))},
			{typ: dvn, export: "via", body: append(args, mkIdx(OpCall, uint32(len(imports)+2)))},
			{typ: FuncType{Results: []ValType{I32}}, body: []Instr{mkI32(7)}},
			{typ: FuncType{Results: []ValType{I32}}, export: "indirect", body: []Instr{mkI32(0), {Op: OpCallIndirect, A: 2}}},
			{typ: nilToNil, body: []Instr{mkIdx(OpCall, 0)}},
		},
		table: []uint32{uint32(len(imports) + 4)},
		start: &start,
	}
}

// largeFillRun instantiates code with env.mark and the gas module's large fill, which
// fills like memory.fill and counts its calls.
type largeFillRun struct {
	t     *testing.T
	ctx   context.Context
	mod   api.Module
	marks int
	fills int
}

func newLargeFillRun(t *testing.T, code []byte) *largeFillRun {
	t.Helper()
	r := &largeFillRun{t: t, ctx: context.Background()}
	rt := wazero.NewRuntimeWithConfig(r.ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(wazeroFeatures))
	t.Cleanup(func() { _ = rt.Close(r.ctx) })
	if _, err := rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(context.Context) { r.marks++ }).Export("mark").Instantiate(r.ctx); err != nil {
		t.Fatal(err)
	}
	fill := func(_ context.Context, m api.Module, d, v, n uint32) {
		r.fills++
		buf, ok := m.Memory().Read(d, n)
		if !ok {
			t.Errorf("large fill of %d bytes at %d is out of bounds", n, d)
			return
		}
		for i := range buf {
			buf[i] = byte(v)
		}
	}
	if _, err := rt.NewHostModuleBuilder(FVMGasModule).NewFunctionBuilder().
		WithFunc(fill).Export(LargeFillName).Instantiate(r.ctx); err != nil {
		t.Fatal(err)
	}
	mod, err := rt.Instantiate(r.ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	r.mod = mod
	return r
}

func (r *largeFillRun) call(name string, args ...uint64) ([]uint64, error) {
	return r.mod.ExportedFunction(name).Call(r.ctx, args...)
}

func (r *largeFillRun) memory() []byte {
	b, _ := r.mod.Memory().Read(0, r.mod.Memory().Size())
	return bytes.Clone(b)
}

// TestRouteLargeFills: a module rewritten with threshold 4 KiB behaves as the original one
// (memory, traps, start function, calls through exports, calls and the table), and only the
// in-bounds fills from the threshold on reach the host.
func TestRouteLargeFills(t *testing.T) {
	const threshold, memSize = 4096, 4 << 16
	orig := largeFillModule().bytes(t)
	m, err := Decode(orig)
	if err != nil {
		t.Fatal(err)
	}
	if err := RouteLargeFills(m, FVMGasModule, threshold); err != nil {
		t.Fatal(err)
	}
	routed := m.Encode()
	if err := Validate(mustDecode(t, routed)); err != nil {
		t.Fatalf("rewritten module does not validate: %v", err)
	}
	cases := []struct {
		name     string
		fn       string
		d, v, n  uint64
		trap     bool
		hostFill bool
	}{
		{"small", "fill", 100, 0xaa, threshold - 1, false, false},
		{"at threshold", "fill", 100, 0xbb, threshold, false, true},
		{"large zero", "via", 0, 0, memSize, false, true},
		{"large at the end", "fill", memSize - 2*threshold, 0x11, 2 * threshold, false, true},
		{"empty at the end", "fill", memSize, 0x22, 0, false, false},
		{"one past the end", "fill", memSize - threshold + 1, 0x33, threshold, true, false},
		{"small out of bounds", "via", memSize, 0x44, 1, true, false},
		{"wraps 32 bits", "fill", 0xffff_f000, 0x55, 0x2000, true, false},
		{"huge", "fill", 0, 0x66, 0xffff_ffff, true, false},
	}
	a, b := newLargeFillRun(t, orig), newLargeFillRun(t, routed)
	if a.marks != 1 || b.marks != 1 {
		t.Fatalf("start function ran %d and %d times, want once each", a.marks, b.marks)
	}
	for _, c := range cases {
		before := b.fills
		_, errA := a.call(c.fn, c.d, c.v, c.n)
		_, errB := b.call(c.fn, c.d, c.v, c.n)
		if (errA != nil) != c.trap || (errB != nil) != c.trap {
			t.Fatalf("%s: errors %v and %v, want trap %v", c.name, errA, errB, c.trap)
		}
		if got := b.fills > before; got != c.hostFill {
			t.Errorf("%s: host fill called %v, want %v", c.name, got, c.hostFill)
		}
		if !bytes.Equal(a.memory(), b.memory()) {
			t.Fatalf("%s: memories differ", c.name)
		}
	}
	for _, r := range []*largeFillRun{a, b} {
		if got, err := r.call("indirect"); err != nil || got[0] != 7 {
			t.Fatalf("call through the table: %v, %v; want 7", got, err)
		}
	}
}

// TestRouteLargeFillsRefusesTheName: the import is the engine's; a module that declares it
// itself is refused, and a module without memory.fill is left alone.
func TestRouteLargeFillsRefusesTheName(t *testing.T) {
	own := Import{Module: FVMGasModule, Name: LargeFillName, Kind: KindFunc, TypeIdx: 1}
	m, err := Decode(largeFillModule(own).bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := RouteLargeFills(m, FVMGasModule, 1); !errors.Is(err, ErrInstrument) {
		t.Fatalf("got %v, want ErrInstrument", err)
	}
	plain := testModule{memory: &Limits{Min: 1}, funcs: []testFunc{{typ: nilToNil, export: "run"}}}.bytes(t)
	m = mustDecode(t, plain)
	if err := RouteLargeFills(m, FVMGasModule, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Encode(), plain) {
		t.Fatal("a module without memory.fill changed")
	}
}

func mustDecode(t *testing.T, code []byte) *Module {
	t.Helper()
	m, err := Decode(code)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
