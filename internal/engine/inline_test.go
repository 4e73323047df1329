package engine

import (
	"slices"
	"testing"

	"github.com/go-fvm/go-fvm/internal/wasm"
)

// callChargeInstrument is FVMInstrument without inlined gas charges: the reference's exact
// code, every metered block charged by a call to $gas_charge.
func callChargeInstrument(code []byte) ([]byte, error) {
	cfg := wasm.FVMConfig()
	cfg.InlineGasCharges = false
	return wasm.Instrument(code, cfg)
}

// fvmInstrumenters are the FVM instrumentation with inlined charges (the default) and with
// charge calls; every exact-gas test runs with both.
var fvmInstrumenters = []struct {
	name string
	fn   func([]byte) ([]byte, error)
}{{"inline", FVMInstrument}, {"calls", callChargeInstrument}}

// TestInlinedChargesOutOfGas runs a loop with a dynamic charge under every gas limit around
// its charge boundaries with both instrumentations, on both backends: the outcome, the gas
// used and the charge trace must be the same, with exactly enough gas returning and one
// milligas less running out.
func TestInlinedChargesOutOfGas(t *testing.T) {
	// invoke(n): n times { memory.fill 0, 0, n; n-- }, returns 0.
	loop := plainInvoke(plain(), body(
		blk(opLoop),
		i32c(0), i32c(0), lget(0), op(opMemoryFill, 0),
		lget(0), i32c(1), op(opI32Sub), op(opLocalTee, 0), op(opBrIf, 0), op(opEnd),
		i32c(0)))
	const n = 3
	for _, interp := range []bool{false, true} {
		var ls []*Linker
		for _, ins := range fvmInstrumenters {
			ls = append(ls, newTestLinker(t, newTestEngine(t, Config{Instrument: ins.fn, Interpreter: interp})))
		}
		o, tr := runWith(t, ls[1], loop, n, bigGas)
		if o.Kind != Returned {
			t.Fatalf("interpreter=%v: %v", interp, o)
		}
		need := tr.used()
		var limits []uint64
		for g := uint64(onePageInit); g <= need+1000; g += 1000 {
			limits = append(limits, g-1, g, g+1)
		}
		limits = append(limits, need-1, need, need+1)
		outOfGas := 0
		for _, limit := range limits {
			var kinds []Outcome
			var used []uint64
			var charges [][]string
			for _, l := range ls {
				o, tr := runWith(t, l, loop, n, limit)
				kinds, used, charges = append(kinds, o), append(used, tr.used()), append(charges, tr.charges())
			}
			if kinds[0].Kind != kinds[1].Kind || kinds[0].ExitCode != kinds[1].ExitCode || used[0] != used[1] ||
				!slices.Equal(charges[0], charges[1]) {
				t.Fatalf("interpreter=%v limit %d: inline %v used %d %v; calls %v used %d %v", interp, limit,
					kinds[0], used[0], charges[0], kinds[1], used[1], charges[1])
			}
			switch {
			case limit >= need && kinds[0].Kind != Returned:
				t.Fatalf("interpreter=%v limit %d >= %d: %v", interp, limit, need, kinds[0])
			case limit < need && (kinds[0].Kind != OutOfGas || used[0] != limit):
				t.Fatalf("interpreter=%v limit %d < %d: %v, used %d", interp, limit, need, kinds[0], used[0])
			}
			if kinds[0].Kind == OutOfGas {
				outOfGas++
			}
		}
		if outOfGas == 0 {
			t.Fatalf("interpreter=%v: no out-of-gas case", interp)
		}
	}
}
