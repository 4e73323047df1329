package wasm

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// sharedDir returns ../shared relative to the repository root, or skips the test.
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not present (CI places ../shared beside the clone): %v", p, err)
	}
	return p
}

// expandLocals lists a body's locals one by one.
func expandLocals(gs []LocalGroup) []ValType {
	var out []ValType
	for _, g := range gs {
		for i := uint32(0); i < g.Count; i++ {
			out = append(out, g.Type)
		}
	}
	return out
}

// brTable builds a br_table immediate: targets followed by the default.
func brTable(labels ...uint32) *BrTable {
	return &BrTable{Targets: labels[:len(labels)-1], Default: labels[len(labels)-1]}
}

// normInstrs returns the instructions in a form reflect.DeepEqual compares by meaning.
func normInstrs(in []Instr) []Instr {
	out := make([]Instr, len(in))
	copy(out, in)
	for i := range out {
		if t := out[i].Table; t != nil && len(t.Targets) == 0 {
			out[i].Table = &BrTable{Default: t.Default}
		}
	}
	return out
}

// moduleDiff compares two modules semantically: every section but custom ones, with local
// declarations compared as the list of local types.
func moduleDiff(a, b *Module) error {
	cmp := func(what string, x, y any) error {
		if !reflect.DeepEqual(x, y) {
			return fmt.Errorf("%s differ:\n got  %+v\n want %+v", what, x, y)
		}
		return nil
	}
	norm := func(ts []FuncType) []FuncType {
		out := make([]FuncType, len(ts))
		for i, t := range ts {
			out[i] = FuncType{Params: append([]ValType{}, t.Params...), Results: append([]ValType{}, t.Results...)}
		}
		return out
	}
	if err := cmp("types", norm(a.Types), norm(b.Types)); err != nil {
		return err
	}
	if err := cmp("imports", a.Imports, b.Imports); err != nil {
		return err
	}
	if err := cmp("functions", append([]uint32{}, a.Funcs...), append([]uint32{}, b.Funcs...)); err != nil {
		return err
	}
	if err := cmp("tables", append([]TableType{}, a.Tables...), append([]TableType{}, b.Tables...)); err != nil {
		return err
	}
	if err := cmp("memories", append([]Limits{}, a.Memories...), append([]Limits{}, b.Memories...)); err != nil {
		return err
	}
	if err := cmp("globals", append([]Global{}, a.Globals...), append([]Global{}, b.Globals...)); err != nil {
		return err
	}
	if err := cmp("exports", append([]Export{}, a.Exports...), append([]Export{}, b.Exports...)); err != nil {
		return err
	}
	if err := cmp("start", a.Start, b.Start); err != nil {
		return err
	}
	if len(a.Elements) != len(b.Elements) {
		return fmt.Errorf("element segment count %d, want %d", len(a.Elements), len(b.Elements))
	}
	for i := range a.Elements {
		x, y := a.Elements[i], b.Elements[i]
		x.flags, y.flags = 0, 0
		if err := cmp(fmt.Sprintf("element segment %d", i), x, y); err != nil {
			return err
		}
	}
	if err := cmp("data", append([]Data{}, a.Data...), append([]Data{}, b.Data...)); err != nil {
		return err
	}
	if len(a.Code) != len(b.Code) {
		return fmt.Errorf("code count %d, want %d", len(a.Code), len(b.Code))
	}
	for i := range a.Code {
		if err := cmp(fmt.Sprintf("function body %d locals", i), expandLocals(a.Code[i].Locals), expandLocals(b.Code[i].Locals)); err != nil {
			return err
		}
		if err := cmp(fmt.Sprintf("function body %d", i), normInstrs(a.Code[i].Body), normInstrs(b.Code[i].Body)); err != nil {
			return err
		}
	}
	return nil
}

// Minimal module builder for tests.

type testFunc struct {
	typ    FuncType
	locals []LocalGroup
	body   []Instr // without the final end
	export string
}

type testModule struct {
	imports []Import
	funcs   []testFunc
	memory  *Limits
	globals []Global
	start   *uint32
	table   []uint32 // function indices in a table at offset 0
}

func (tm testModule) build() *Module {
	m := &Module{}
	m.present[SecType], m.present[SecFunction], m.present[SecCode] = true, true, true
	m.dirty[SecType], m.dirty[SecFunction], m.dirty[SecCode] = true, true, true
	for _, im := range tm.imports {
		m.Imports = append(m.Imports, im)
		switch im.Kind {
		case KindFunc:
			m.numImportedFuncs++
		case KindGlobal:
			m.numImportedGlobals++
		case KindMemory:
			m.numImportedMemories++
		case KindTable:
			m.numImportedTables++
		}
		m.markDirty(SecImport)
	}
	for _, f := range tm.funcs {
		m.Funcs = append(m.Funcs, m.addType(f.typ))
		body := append(append([]Instr{}, f.body...), mkOp(OpEnd))
		m.Code = append(m.Code, Code{Locals: f.locals, Body: body})
		m.codeDirty = append(m.codeDirty, true)
	}
	for i, f := range tm.funcs {
		if f.export != "" {
			m.Exports = append(m.Exports, Export{Name: f.export, Kind: KindFunc, Index: m.numImportedFuncs + uint32(i)})
			m.markDirty(SecExport)
		}
	}
	if tm.memory != nil {
		m.Memories = []Limits{*tm.memory}
		m.markDirty(SecMemory)
		m.Exports = append(m.Exports, Export{Name: "memory", Kind: KindMemory})
		m.markDirty(SecExport)
	}
	if len(tm.globals) > 0 {
		m.Globals = tm.globals
		m.markDirty(SecGlobal)
	}
	if tm.start != nil {
		m.Start = tm.start
		m.markDirty(SecStart)
	}
	if tm.table != nil {
		n := uint64(len(tm.table))
		m.Tables = []TableType{{Elem: FuncRef, Limits: Limits{Min: n, Max: n, HasMax: true}}}
		m.markDirty(SecTable)
		m.Elements = []Element{{Mode: ModeActive, Offset: ConstExpr{mkI32(0), mkOp(OpEnd)}, Type: FuncRef, Funcs: tm.table}}
		m.markDirty(SecElement)
	}
	return m
}

// bytes encodes the module and checks that it decodes and validates.
func (tm testModule) bytes(t testing.TB) []byte {
	t.Helper()
	b := tm.build().Encode()
	m, err := Decode(b)
	if err != nil {
		t.Fatalf("test module does not decode: %v", err)
	}
	if err := Validate(m); err != nil {
		t.Fatalf("test module does not validate: %v", err)
	}
	return b
}
