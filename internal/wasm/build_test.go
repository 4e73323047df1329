package wasm

import (
	"bytes"
	"reflect"
	"testing"
)

func TestBuilderRoundTrip(t *testing.T) {
	i64 := FuncType{Params: []ValType{I64}}
	cases := []struct {
		name  string
		build func(m *Module)
	}{
		{"empty", func(*Module) {}},
		{"memory", func(m *Module) { m.AddExport("memory", KindMemory, m.AddMemory(Limits{Max: 0, HasMax: true})) }},
		{"shim", func(m *Module) {
			f := m.AddImport(Import{Module: "h", Name: "charge", Kind: KindFunc}, i64)
			m.AddExport("charge", KindFunc, f)
			g := m.AddGlobal(Global{Type: GlobalType{Type: I64, Mutable: true}, Init: ConstExpr{mkI64(0), mkOp(OpEnd)}})
			m.AddExport("gas_counter", KindGlobal, g)
		}},
		{"func", func(m *Module) {
			m.AddImport(Import{Module: "gas", Name: "gas_counter", Kind: KindGlobal, Global: GlobalType{Type: I64, Mutable: true}}, FuncType{})
			f := m.AddFunc(i64, Code{Body: []Instr{mkBlock(OpBlock, blockEmpty), mkOp(OpEnd), mkOp(OpEnd)}})
			m.AddExport("f", KindFunc, f)
		}},
		{"table, element, start", func(m *Module) {
			f := m.AddFunc(FuncType{}, Code{Body: []Instr{mkOp(OpEnd)}})
			t := m.AddTable(TableType{Elem: FuncRef, Limits: Limits{Min: 2, Max: 3, HasMax: true}})
			m.AddExport("table", KindTable, t)
			m.AddElement(Element{Mode: ModeActive, Offset: ConstExpr{mkI32(1), mkOp(OpEnd)}, Type: FuncRef, Funcs: []uint32{f, f}})
			m.SetStart(f)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m Module
			c.build(&m)
			enc := m.Encode()
			d, err := Decode(enc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if err := Validate(d); err != nil {
				t.Fatalf("validate: %v", err)
			}
			if len(d.Types) != len(m.Types) || len(d.Imports) != len(m.Imports) || len(d.Exports) != len(m.Exports) || len(d.Code) != len(m.Code) ||
				!reflect.DeepEqual(d.Tables, m.Tables) || !reflect.DeepEqual(d.Elements, m.Elements) || !reflect.DeepEqual(d.Start, m.Start) {
				t.Fatalf("round trip changed the module")
			}
			if got := string(d.Encode()); got != string(enc) {
				t.Fatalf("re-encoding differs")
			}
		})
	}
	if s := (FuncType{Params: []ValType{I32, I64}, Results: []ValType{I32}}).String(); s != "(i32,i64)->(i32)" {
		t.Fatalf("String = %q", s)
	}
}

// TestAddElementForms checks that AddElement picks the encoding each segment
// needs and that every form decodes back to the same segment.
func TestAddElementForms(t *testing.T) {
	off := ConstExpr{mkI32(0), mkOp(OpEnd)}
	ref := []ConstExpr{{mkIdx(OpRefFunc, 0), mkOp(OpEnd)}}
	cases := []struct {
		e     Element
		flags uint32
	}{
		{Element{Mode: ModeActive, Offset: off, Type: FuncRef, Funcs: []uint32{0}}, 0},
		{Element{Mode: ModePassive, Type: FuncRef, Funcs: []uint32{0}}, 1},
		{Element{Mode: ModeActive, Table: 1, Offset: off, Type: FuncRef, Funcs: []uint32{0}}, 2},
		{Element{Mode: ModeDeclared, Type: FuncRef, Funcs: []uint32{0}}, 3},
		{Element{Mode: ModeActive, Offset: off, Type: FuncRef, UsesExprs: true, Exprs: ref}, 4},
		{Element{Mode: ModePassive, Type: FuncRef, UsesExprs: true, Exprs: ref}, 5},
		{Element{Mode: ModeActive, Table: 1, Offset: off, Type: FuncRef, UsesExprs: true, Exprs: ref}, 6},
		{Element{Mode: ModeDeclared, Type: FuncRef, UsesExprs: true, Exprs: ref}, 7},
	}
	for _, c := range cases {
		var m Module
		m.AddFunc(FuncType{}, Code{Body: []Instr{mkOp(OpEnd)}})
		m.AddTable(TableType{Elem: FuncRef, Limits: Limits{Min: 1}})
		m.AddTable(TableType{Elem: FuncRef, Limits: Limits{Min: 1}})
		if i := m.AddElement(c.e); i != 0 {
			t.Fatalf("flags %d: index %d", c.flags, i)
		}
		if got := m.Elements[0].flags; got != c.flags {
			t.Fatalf("flags = %d, want %d", got, c.flags)
		}
		d, err := Decode(m.Encode())
		if err != nil {
			t.Fatalf("flags %d: decode: %v", c.flags, err)
		}
		if err := Validate(d); err != nil {
			t.Fatalf("flags %d: validate: %v", c.flags, err)
		}
		if !reflect.DeepEqual(d.Elements, m.Elements) {
			t.Fatalf("flags %d: decoded %+v, want %+v", c.flags, d.Elements, m.Elements)
		}
	}
	// The common form, byte for byte: flags 0, offset i32.const 0, one index.
	var m Module
	f := m.AddFunc(FuncType{}, Code{Body: []Instr{mkOp(OpEnd)}})
	m.AddTable(TableType{Elem: FuncRef, Limits: Limits{Min: 1}})
	m.AddElement(Element{Mode: ModeActive, Offset: off, Type: FuncRef, Funcs: []uint32{f}})
	want := []byte{SecElement, 7, 1, 0, 0x41, 0, 0x0b, 1, byte(f)}
	if !bytes.Contains(m.Encode(), want) {
		t.Fatalf("element section not %x in %x", want, m.Encode())
	}
}
