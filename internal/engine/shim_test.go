package engine

import (
	"encoding/hex"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/wasm"
)

// TestGasShimBytes checks the gas module byte for byte against the bytes the
// engine's former writer produced for the same functions.
func TestGasShimBytes(t *testing.T) {
	funcs := []HostFunc{
		{Name: "charge", Params: []api.ValueType{i32, i32, i64}},
		{Name: "available", Results: []api.ValueType{i64}},
		{Name: "again", Params: []api.ValueType{i32, i32, i64}},
	}
	want := []string{
		// (global (export "gas_counter") (mut i64) (i64.const 0))
		"0061736d010000000606017e0142000b070f010b6761735f636f756e7465720300",
		// + (import "host" "charge" (func (param i32 i32 i64))), exported
		"0061736d0100000001070160037f7f7e00020f0104686f73740663686172676500000606017e0142000b" +
			"0718020663686172676500000b6761735f636f756e7465720300",
		// + available: () -> i64
		"0061736d01000000010b0260037f7f7e006000017e02200204686f737406636861726765000004686f7374" +
			"09617661696c61626c6500010606017e0142000b07240306636861726765000009617661696c61626c65" +
			"00010b6761735f636f756e7465720300",
		// + again: the type of charge, shared
		"0061736d01000000010b0260037f7f7e006000017e022d0304686f737406636861726765000004686f7374" +
			"09617661696c61626c65000104686f737405616761696e00000606017e0142000b072c0406636861726765" +
			"000009617661696c61626c65000105616761696e00020b6761735f636f756e7465720300",
	}
	for n := 0; n <= len(funcs); n++ {
		if got := hex.EncodeToString(gasShim("host", funcs[:n])); got != want[n] {
			t.Fatalf("%d functions: gas module\n%s\nwant\n%s", n, got, want[n])
		}
	}
}

// TestHelperModuleBytes checks the dummy memory and empty modules byte for
// byte.
func TestHelperModuleBytes(t *testing.T) {
	var dummy wasm.Module
	dummy.AddExport("memory", wasm.KindMemory, dummy.AddMemory(wasm.Limits{HasMax: true}))
	// (memory (export "memory") 0 0)
	if got, want := hex.EncodeToString(dummy.Encode()), "0061736d01000000050401010000070a01066d656d6f72790200"; got != want {
		t.Fatalf("dummy memory %s, want %s", got, want)
	}
	var empty wasm.Module
	if got, want := hex.EncodeToString(empty.Encode()), "0061736d01000000"; got != want {
		t.Fatalf("empty module %s, want %s", got, want)
	}
}
