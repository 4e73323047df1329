package wasm

import "testing"

// TestInjectSafePointsShape: one check at every loop header and at the entry of every
// function that calls, none in leaf functions without loops nor in $gas_charge, one new
// global; gas-free, so the metered code around the checks is that of the pipeline without
// them.
func TestInjectSafePointsShape(t *testing.T) {
	for seed := int64(0); seed < 40; seed++ {
		if seed%5 == 4 {
			continue
		}
		code := genModule(seed).bytes(t)
		plain, err := Instrument(code, FVMConfig())
		if err != nil {
			continue
		}
		cfg := FVMConfig()
		cfg.SafePointInterval = FVMSafePointInterval
		out, err := Instrument(code, cfg)
		if err != nil {
			t.Fatalf("seed %d: with safe points: %v", seed, err)
		}
		a, err := Decode(plain)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Decode(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Globals) != len(a.Globals)+1 || len(b.Code) != len(a.Code) {
			t.Fatalf("seed %d: %d globals and %d functions, want %d and %d", seed, len(b.Globals), len(b.Code), len(a.Globals)+1, len(a.Code))
		}
		gasGlobal, _ := gasCounterGlobal(a, FVMGasModule)
		check := safePointCheck(gasGlobal, a.NumGlobals(), FVMSafePointInterval)
		for i := range a.Code {
			want, _ := insertSafePoints(a.Code[i].Body, check)
			if !sameInstrs(b.Code[i].Body, want) {
				t.Fatalf("seed %d function %d: body differs from the plain body with checks", seed, i)
			}
		}
		last := b.Code[len(b.Code)-1].Body
		if !isGasChargeBody(last, gasGlobal) {
			t.Fatalf("seed %d: $gas_charge changed", seed)
		}
	}
}

// TestInjectSafePointsNoMemory: a module without memory is left alone.
func TestInjectSafePointsNoMemory(t *testing.T) {
	loop := []Instr{mkBlock(OpLoop, blockEmpty), mkIdx(OpBr, 0), mkOp(OpEnd)}
	tm := testModule{funcs: []testFunc{{typ: nilToNil, export: "run", body: loop}}}
	m, err := Decode(tm.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := InjectGasMeter(m, GasMeterConfig{Module: FVMGasModule, Rules: FVMWasmGasPrices()}); err != nil {
		t.Skipf("not instrumentable without memory: %v", err)
	}
	n := len(m.Globals)
	if err := InjectSafePoints(m, FVMGasModule, 1000); err != nil {
		t.Fatal(err)
	}
	if len(m.Globals) != n {
		t.Fatal("a global was added to a module without memory")
	}
	if err := InjectSafePoints(m, "nope", 1000); err == nil {
		t.Fatal("no error without the gas counter import")
	}
}

func sameInstrs(a, b []Instr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Op != b[i].Op || a[i].A != b[i].A || a[i].B != b[i].B || a[i].V != b[i].V {
			return false
		}
	}
	return true
}

// TestInjectSafePointsNoGlobals: a module with memory and no globals of its own (the stack
// limiter adds one) gets the safe-point global last.
func TestInjectSafePointsNoGlobals(t *testing.T) {
	loop := []Instr{mkBlock(OpLoop, blockEmpty), mkIdx(OpBr, 0), mkOp(OpEnd)}
	tm := testModule{memory: &Limits{Min: 1}, funcs: []testFunc{{typ: nilToNil, export: "run", body: loop}}}
	cfg := FVMConfig()
	cfg.SafePointInterval = 1000
	out, err := Instrument(tm.bytes(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	last := m.Globals[len(m.Globals)-1]
	if len(m.Globals) != 2 || last.Type != (GlobalType{Type: I64, Mutable: true}) || last.Init[0].V != 1<<63-1 {
		t.Fatalf("globals %+v, want the stack height's and the safe-point global", m.Globals)
	}
}
