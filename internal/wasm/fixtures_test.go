package wasm

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFixtures runs the golden tests of fvm-wasm-instrument 0.4.0 (tests/diff.rs): the
// stack-height fixtures through the stack limiter alone with limit 1024, the gas fixtures
// through gas metering alone with ConstantCostRules::default() (every instruction 1,
// memory.grow not metered) and the counter imported from "env".
func TestFixtures(t *testing.T) {
	root := sharedDir(t, "wasm-instrument-fixtures")
	cases := []struct {
		dir   string
		names []string
		cfg   Config
	}{
		{
			dir:   "stack-height",
			names: []string{"simple", "start", "table", "global", "imports", "many_locals", "empty_functions"},
			cfg:   Config{ValidateInput: true, StackLimiter: true, StackLimit: 1024, ValidateOutput: true},
		},
		{
			dir:   "gas",
			names: []string{"ifs", "simple", "start", "call", "branch"},
			cfg: Config{ValidateInput: true, MeterGas: true, ValidateOutput: true,
				Gas: GasMeterConfig{Module: "env", Rules: ConstantRules{Cost: 1}}},
		},
	}
	n := 0
	for _, c := range cases {
		for _, name := range c.names {
			n++
			t.Run(c.dir+"/"+name, func(t *testing.T) {
				in, err := os.ReadFile(filepath.Join(root, "fixtures", c.dir, name+".wasm"))
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(filepath.Join(root, "expectations", c.dir, name+".wasm"))
				if err != nil {
					t.Fatal(err)
				}
				got, err := Instrument(in, c.cfg)
				if err != nil {
					t.Fatalf("instrument: %v", err)
				}
				gm, err := Decode(got)
				if err != nil {
					t.Fatalf("decode output: %v", err)
				}
				wm, err := Decode(want)
				if err != nil {
					t.Fatalf("decode expectation: %v", err)
				}
				if err := moduleDiff(gm, wm); err != nil {
					t.Fatal(err)
				}
				// The comparison must notice a change of parameters.
				other := c.cfg
				other.StackLimit++
				other.Gas.Rules = ConstantRules{Cost: 2}
				got2, err := Instrument(in, other)
				if err != nil {
					t.Fatalf("instrument with other parameters: %v", err)
				}
				gm2, _ := Decode(got2)
				if moduleDiff(gm2, wm) == nil && name != "empty_functions" {
					t.Fatal("output with other parameters also matches the expectation")
				}
			})
		}
	}
	if n != 12 {
		t.Fatalf("ran %d fixtures, want 12", n)
	}
}
