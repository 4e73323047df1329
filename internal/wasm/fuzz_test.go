package wasm

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
)

// fuzzSeeds adds the golden fixtures, hand-written modules and the smallest real actors.
func fuzzSeeds(f *testing.F) {
	if root := sharedDirNoSkip(); root != "" {
		files, _ := filepath.Glob(filepath.Join(root, "*", "*", "*.wasm"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, m := range sampleModules() {
		f.Add(m.build().Encode())
	}
	for seed := int64(0); seed < 20; seed++ {
		f.Add(genModule(seed).build().Encode())
	}
	dir, msg := lotusDir()
	if msg != "" {
		return
	}
	var actors []actorCode
	if err := readBundleArchiveInto(filepath.Join(dir, "build", "actors", "v17.tar.zst"), map[string]bool{}, &actors); err != nil {
		return
	}
	sort.Slice(actors, func(i, j int) bool { return len(actors[i].code) < len(actors[j].code) })
	for i := 0; i < len(actors) && i < 3; i++ {
		f.Add(actors[i].code)
	}
}

// sharedDirNoSkip is sharedDir for fuzz seeding: "" when absent.
func sharedDirNoSkip() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "wasm-instrument-fixtures")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// sampleModules are small modules exercising most instructions.
func sampleModules() []testModule {
	return []testModule{
		{memory: mem1, table: []uint32{0, 1}, globals: []Global{{Type: GlobalType{Type: I32, Mutable: true}, Init: ConstExpr{mkI32(8), mkOp(OpEnd)}}},
			funcs: []testFunc{
				{typ: i32ToI32, export: "a", locals: []LocalGroup{{2, F64}, {1, I64}}, body: []Instr{
					mkIdx(OpLocalGet, 0), mkIdx(OpI32Load, 2), mkIdx(OpGlobalGet, 0), mkOp(OpI32Add),
					mkBlock(OpLoop, blockEmpty), mkIdx(OpLocalGet, 1), mkOp(OpF64Sqrt), mkIdx(OpLocalSet, 1),
					mkIdx(OpLocalGet, 0), mkIdx(OpBrIf, 0), mkOp(OpEnd),
					mkI32(0), mkI32(0), mkI32(16), {Op: OpMemoryCopy}, mkIdx(OpLocalGet, 0), mkIdx(OpMemoryGrow, 0), mkOp(OpI32Add),
				}},
				{typ: i32ToI32, body: []Instr{
					mkBlock(OpBlock, blockEmpty), mkIdx(OpLocalGet, 0), {Op: OpBrTable, Table: brTable(0, 1, 0)}, mkOp(OpEnd),
					mkIdx(OpLocalGet, 0), mkI32(1), mkOp(OpI32Sub), mkI32(1), {Op: OpCallIndirect, A: 0},
				}},
			}},
	}
}

// FuzzInstrument feeds arbitrary bytes (seeded with fixtures, hand-written modules and
// real actors, which the fuzzer mutates) to the reader and the FVM pipeline: no panic,
// unchanged modules re-encode byte for byte, and every accepted module yields output that
// decodes, validates, and compiles under wazero.
func FuzzInstrument(f *testing.F) {
	fuzzSeeds(f)
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(wazeroFeatures))
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPipeline(t, ctx, rt, data)
	})
}

func checkPipeline(t *testing.T, ctx context.Context, rt wazero.Runtime, data []byte) {
	m, err := Decode(data)
	if err != nil {
		if !hasSentinel(err) {
			t.Fatalf("decode error without sentinel: %v", err)
		}
		return
	}
	if enc := m.Encode(); !bytes.Equal(enc, data) {
		t.Fatalf("untouched module does not re-encode identically")
	}
	if err := Validate(m); err != nil {
		if !hasSentinel(err) {
			t.Fatalf("validation error without sentinel: %v", err)
		}
		return
	}
	// Everything our validator accepts, wazero must accept too (custom sections aside:
	// wazero refuses some valid ones, which is why Instrument drops them).
	stripped := *m
	stripped.Customs = nil
	if cm, err := rt.CompileModule(ctx, stripped.Encode()); err != nil {
		t.Fatalf("validated module rejected by wazero: %v", err)
	} else {
		cm.Close(ctx)
	}
	out, err := Instrument(data, FVMConfig())
	// Inlined gas charges never change whether a module loads.
	calls := FVMConfig()
	calls.InlineGasCharges = false
	if _, cerr := Instrument(data, calls); (cerr == nil) != (err == nil) {
		t.Fatalf("instrument with inlined charges: %v, with charge calls: %v", err, cerr)
	}
	if err != nil {
		if !hasSentinel(err) {
			t.Fatalf("instrument error without sentinel: %v", err)
		}
		return
	}
	m2, err := Decode(out)
	if err != nil {
		t.Fatalf("instrumented output does not decode: %v", err)
	}
	if err := Validate(m2); err != nil {
		t.Fatalf("instrumented output does not validate: %v", err)
	}
	if !bytes.Equal(m2.Encode(), out) {
		t.Fatalf("instrumented output does not re-encode identically")
	}
	cm, err := rt.CompileModule(ctx, out)
	if err != nil {
		t.Fatalf("instrumented output rejected by wazero: %v", err)
	}
	cm.Close(ctx)
}

// bodyPrefix is a module with a memory, a table, globals, a passive data segment and an
// imported function, whose single function (i32, i64) -> i32 gets the fuzzed body.
func bodyModule(body []byte) []byte {
	m := testModule{
		imports: []Import{{Module: "env", Name: "syscall", Kind: KindFunc, TypeIdx: 0}},
		memory:  mem1,
		table:   []uint32{0, 1},
		globals: []Global{
			{Type: GlobalType{Type: I32, Mutable: true}, Init: ConstExpr{mkI32(1), mkOp(OpEnd)}},
			{Type: GlobalType{Type: F64}, Init: ConstExpr{{Op: OpF64Const}, mkOp(OpEnd)}},
		},
		funcs: []testFunc{{typ: i32ToI32, export: "f", body: []Instr{mkIdx(OpLocalGet, 0)}}},
	}.build()
	m.Types = append(m.Types, FuncType{Params: []ValType{I32, I64}, Results: []ValType{I32}})
	m.Funcs = append(m.Funcs, 1)
	m.Code = append(m.Code, Code{Body: []Instr{mkOp(OpEnd)}})
	m.codeDirty = append(m.codeDirty, true)
	zero := uint32(1)
	m.DataCount = &zero
	m.present[SecDataCount] = true
	m.Data = []Data{{Mode: ModePassive, Init: []byte("fuzz")}}
	m.markDirty(SecData)
	enc := m.Encode()
	// Replace the last (empty) body with the fuzzed bytes: rebuild the code section by hand.
	m2, err := Decode(enc)
	if err != nil {
		panic(err)
	}
	m2.codeRaw[len(m2.codeRaw)-1] = body
	m2.dirty[SecCode] = true
	return m2.Encode()
}

// FuzzFunctionBody fuzzes a function body (locals and instructions) inside a fixed module,
// which reaches the instruction decoder, validator and passes much faster than whole-module
// fuzzing.
func FuzzFunctionBody(f *testing.F) {
	for _, m := range sampleModules() {
		for _, c := range m.build().Code {
			f.Add(appendBody(nil, &c))
		}
	}
	f.Add([]byte{0x01, 0x02, 0x7c, 0x20, 0x00, 0x0b})
	f.Add([]byte{0x00, 0x41, 0x00, 0xfc, 0x08, 0x00, 0x00, 0x0b})
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(wazeroFeatures))
	defer rt.Close(ctx)
	_, err := rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(_ context.Context, x int32) int32 { return x }).Export("syscall").Instantiate(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkPipeline(t, ctx, rt, bodyModule(body))
	})
}

// TestBodyModuleAccepted makes sure the fuzzing harness module itself instruments, so the
// body fuzzer reaches the passes.
func TestBodyModuleAccepted(t *testing.T) {
	if _, err := Instrument(bodyModule([]byte{0, 0x41, 0, 0x0b}), FVMConfig()); err != nil {
		t.Fatal(err)
	}
}

// FuzzValidatorAgainstWazero checks the other direction of FuzzFunctionBody: a body wazero
// validates (with the FVM's features) must pass our reader and validator too, unless it uses
// a feature the FVM refuses (ErrUnsupported), exceeds a limit (ErrTooLarge) or has an
// over-long LEB128 integer (which wazero tolerates and wasmparser refuses). Note:
// wazero v1.12.0 can panic on malformed input (e.g. huge local counts in
// internal/wasm/binary/code.go), so the engine must only compile our validated output.
func FuzzValidatorAgainstWazero(f *testing.F) {
	for _, m := range sampleModules() {
		for _, c := range m.build().Code {
			f.Add(appendBody(nil, &c))
		}
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(wazeroFeatures))
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, body []byte) {
		code := bodyModule(body)
		// Huge local counts make wazero slow; only Malformed/Invalid disagreements matter.
		if _, err := Decode(code); errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnsupported) {
			return
		}
		var cm wazero.CompiledModule
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = errors.New("wazero panicked")
				}
			}()
			cm, err = rt.CompileModule(ctx, code)
		}()
		if err != nil {
			return
		}
		cm.Close(ctx)
		m, err := Decode(code)
		if err == nil {
			err = Validate(m)
		}
		// wazero does not check the unused bits of a maximal-length LEB128 integer;
		// wasmparser (wasmtime) does, and so do we.
		if err != nil && !errors.Is(err, ErrUnsupported) && !strings.Contains(err.Error(), errLEB.Error()) {
			t.Fatalf("wazero accepts, we reject: %v", err)
		}
	})
}

// TestCustomSectionsDropped: the FVM pipeline drops custom sections, including ones that
// wazero would refuse (an empty-content custom section; a malformed "name" section).
func TestCustomSectionsDropped(t *testing.T) {
	base := testModule{funcs: []testFunc{{typ: nilToNil, export: "run"}}}.build().Encode()
	code := append(append([]byte{}, base...), sec(SecCustom, 3, '0', '0', '0')...)
	code = append(code, sec(SecCustom, 4, 'n', 'a', 'm', 'e', 0xff, 0xff)...)
	out, err := Instrument(code, FVMConfig())
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Customs) != 0 {
		t.Fatalf("%d custom sections kept", len(m.Customs))
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(wazeroFeatures))
	defer rt.Close(ctx)
	if _, err := rt.CompileModule(ctx, out); err != nil {
		t.Fatalf("wazero: %v", err)
	}
	cfg := FVMConfig()
	cfg.KeepCustomSections = true
	out, err = Instrument(code, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := Decode(out); len(m.Customs) != 2 {
		t.Fatalf("KeepCustomSections: %d custom sections", len(m.Customs))
	}
}
