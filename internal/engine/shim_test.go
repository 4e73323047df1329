package engine

import (
	"bytes"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/wasm"
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

// TestHelperModuleBytes checks the dummy memory and empty modules against
// the engine's old writer.
func TestHelperModuleBytes(t *testing.T) {
	var dummy wasm.Module
	dummy.AddExport("memory", wasm.KindMemory, dummy.AddMemory(wasm.Limits{HasMax: true}))
	var b moduleBuilder
	b.memories = []limits{{min: 0, max: 0, hasMax: true}}
	b.export("memory", kindMemory, 0)
	if got, want := dummy.Encode(), b.bytes(); !bytes.Equal(got, want) {
		t.Fatalf("dummy memory %x, want %x", got, want)
	}
	var empty wasm.Module
	var old moduleBuilder
	if got, want := empty.Encode(), old.bytes(); !bytes.Equal(got, want) {
		t.Fatalf("empty module %x, want %x", got, want)
	}
}
