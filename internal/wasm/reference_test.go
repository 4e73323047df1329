package wasm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAgainstReferenceOutputs compares our stack limiter + gas metering with outputs of the
// reference instrumenter (fvm-wasm-instrument 0.4.0 built from source, run with the FVM's
// parameters: stack_limiter::inject(2048) then gas_metering::inject(prices, "gas")).
//
// Set FVM_WASM_REFERENCE_DIR to a directory holding X.wasm inputs and the reference's
// X.wasm.ref.wasm outputs (or X.wasm.ref.err when it refused the module). Modules are
// compared decoded, custom sections aside (the reference keeps only the last one).
func TestAgainstReferenceOutputs(t *testing.T) {
	dir := os.Getenv("FVM_WASM_REFERENCE_DIR")
	if dir == "" {
		t.Skip("FVM_WASM_REFERENCE_DIR not set")
	}
	inputs, err := filepath.Glob(filepath.Join(dir, "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := FVMConfig()
	cfg.CanonicalizeNaNs = false // the reference leaves that to Cranelift
	cfg.InlineGasCharges = false // our own optimisation: the reference calls $gas_charge
	// FVM_WASM_REFERENCE_MODE selects the golden-test parameters instead: "stack" (stack
	// limiter alone, limit 1024) or "gas" (gas metering alone, constant rules, "env").
	switch os.Getenv("FVM_WASM_REFERENCE_MODE") {
	case "stack":
		cfg = Config{ValidateInput: true, StackLimiter: true, StackLimit: 1024}
	case "gas":
		cfg = Config{ValidateInput: true, MeterGas: true,
			Gas: GasMeterConfig{Module: "env", Rules: ConstantRules{Cost: 1}}}
	}
	cfg.ValidateOutput = false // the reference leaves that to wasmtime's compiler
	n := 0
	for _, in := range inputs {
		if strings.Contains(filepath.Base(in), ".wasm.ref.") {
			continue
		}
		n++
		code, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		got, gotErr := Instrument(code, cfg)
		want, err := os.ReadFile(in + ".ref.wasm")
		if err != nil {
			if _, e := os.Stat(in + ".ref.err"); e == nil {
				if gotErr == nil {
					t.Errorf("%s: reference refused the module, we accepted it", filepath.Base(in))
				}
				continue
			}
			t.Fatalf("%s: no reference output", in)
		}
		if gotErr != nil {
			t.Errorf("%s: reference accepted, we refused: %v", filepath.Base(in), gotErr)
			continue
		}
		gm, err := Decode(got)
		if err != nil {
			t.Fatal(err)
		}
		wm, err := Decode(want)
		if err != nil {
			t.Fatalf("%s: reference output does not decode: %v", filepath.Base(in), err)
		}
		if err := moduleDiff(gm, wm); err != nil {
			t.Errorf("%s: %v", filepath.Base(in), truncate(err.Error(), 2000))
			continue
		}
		// Beyond the decoded comparison, the code and import sections must be identical
		// bytes (both sides encode instructions minimally).
		if !bytes.Equal(gm.raw[SecCode], wm.raw[SecCode]) {
			t.Errorf("%s: code sections differ in bytes", filepath.Base(in))
		}
	}
	t.Logf("compared %d modules", n)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
