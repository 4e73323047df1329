package engine

import (
	"bytes"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// TestGasShimBytes checks that the gas module built with the wasm package's
// builder is byte for byte the one the engine's own writer produced.
func TestGasShimBytes(t *testing.T) {
	funcs := []HostFunc{
		{Name: "charge", Params: []api.ValueType{i32, i32, i64}},
		{Name: "available", Results: []api.ValueType{i64}},
		{Name: "again", Params: []api.ValueType{i32, i32, i64}},
	}
	for n := 0; n <= len(funcs); n++ {
		var b moduleBuilder
		for _, f := range funcs[:n] {
			idx := b.importFunc("host", f.Name, funcType{params: f.Params, results: f.Results})
			b.export(f.Name, kindFunc, idx)
		}
		g := b.globalI64(true, 0)
		b.export(GasCounterName, kindGlobal, g)
		if got, want := gasShim("host", funcs[:n]), b.bytes(); !bytes.Equal(got, want) {
			t.Fatalf("%d functions: gas module\n%x\nwant\n%x", n, got, want)
		}
	}
}
