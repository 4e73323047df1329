package wasm

import "testing"

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
			if len(d.Types) != len(m.Types) || len(d.Imports) != len(m.Imports) || len(d.Exports) != len(m.Exports) || len(d.Code) != len(m.Code) {
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
