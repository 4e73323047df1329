package wasm

import (
	"strings"
	"testing"
)

// fvmConfigsV2 are the FVM v2 pipeline with and without inlined charges.
func fvmConfigsV2() []Config {
	inline, calls := FVMConfigV2(), FVMConfigV2()
	calls.InlineGasCharges = false
	return []Config{calls, inline}
}

// TestMilligasPerBlockV2 checks what FVM v2 (fvm-wasm-instrument 0.2.0 with
// the v2 prices) charges where it differs from v3: bulk-memory and
// memory.grow are 4 gas flat, and a br_table's default label is a branch
// target when metered blocks are formed.
func TestMilligasPerBlockV2(t *testing.T) {
	mem := &Limits{Min: 1, Max: 4, HasMax: true}
	fill := testModule{memory: mem, funcs: []testFunc{{typ: i32ToNil, export: "run", body: []Instr{
		mkI32(0), mkI32(0), mkIdx(OpLocalGet, 0), mkIdx(OpMemoryFill, 0),
	}}}}
	grow := testModule{memory: mem, funcs: []testFunc{{typ: i32ToI32, export: "run", body: []Instr{
		mkIdx(OpLocalGet, 0), mkIdx(OpMemoryGrow, 0),
	}}}}
	brTableModule := func(tableLabel, defLabel uint32) testModule {
		return testModule{funcs: []testFunc{{typ: i32ToNil, export: "run", body: []Instr{
			mkBlock(OpBlock, blockEmpty), // $outer
			mkBlock(OpBlock, blockEmpty), // $inner
			mkIdx(OpLocalGet, 0),
			{Op: OpBrTable, Table: brTable(tableLabel, defLabel)},
			mkOp(OpEnd),
			mkI32(1), mkOp(OpDrop), // after $inner
			mkOp(OpEnd),
			mkI32(2), mkOp(OpDrop), // after $outer
		}}}}
	}
	const g = 1000
	cases := []struct {
		name   string
		mod    testModule
		arg    uint64
		v2, v3 int64
	}{
		// thunk 56 + 3 × 4 + fill 4; v3 adds 0.4 gas per byte.
		{"fill 1000 bytes", fill, 1000, 56*g + 16*g, 56*g + 16*g + 1000*400},
		// thunk 56 + local.get 4 + grow 4; v3 adds 26,214.4 gas per page.
		{"grow 2 pages", grow, 2, 56*g + 8*g, 56*g + 8*g + 2*26_214_400},
		// Default to $outer: in v2 the code after $inner is its own block (4),
		// skipped; v3 charges it up front (the quirk of 0.4.0).
		{"br_table default forward", brTableModule(0, 1), 5, 56*g + 12*g, 56*g + 16*g},
		{"br_table default not taken", brTableModule(0, 1), 0, 56*g + 16*g, 56*g + 16*g},
	}
	h := newGasHarness(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			for _, want := range []struct {
				cfgs []Config
				mg   int64
			}{{fvmConfigsV2(), c.v2}, {fvmConfigs(), c.v3}} {
				for _, cfg := range want.cfgs {
					mod := h.load(c.mod.bytes(t), cfg)
					got, _, err := h.call(mod, "run", c.arg)
					mod.Close(h.ctx)
					if err != nil {
						t.Fatal(err)
					}
					if got != want.mg {
						t.Errorf("v2 prices %v, inline %v: charged %d mg, want %d mg",
							cfg.StackCostCountsLocals, cfg.InlineGasCharges, got, want.mg)
					}
				}
			}
		})
	}
}

// TestStackLimitV2 checks v2's stack costs: a function's locals, not its
// local groups, count (fvm-wasm-instrument 0.2.0 compute_stack_cost).
func TestStackLimitV2(t *testing.T) {
	h := newGasHarness(t)
	// rec(n) = n == 0 ? 0 : rec(n-1), with three i32 locals in one group.
	m := testModule{funcs: []testFunc{{typ: i32ToI32, export: "rec", locals: []LocalGroup{{3, I32}}, body: []Instr{
		mkIdx(OpLocalGet, 0), mkOp(OpI32Eqz),
		mkBlock(OpIf, -1),
		mkI32(0),
		mkOp(OpElse),
		mkIdx(OpLocalGet, 0), mkI32(1), mkOp(OpI32Sub), mkIdx(OpCall, 0),
		mkOp(OpEnd),
	}}}}
	// Max height 5 (see TestStackLimit); cost 1 + 5 = 6 in v3, 3 + 5 = 8 in
	// v2. rec(n) needs cost·(n+1) <= 2048.
	for _, c := range []struct {
		cfg       Config
		fits, not uint64
	}{{FVMConfig(), 340, 341}, {FVMConfigV2(), 255, 256}} {
		mod := h.load(m.bytes(t), c.cfg)
		if _, _, err := h.call(mod, "rec", c.fits); err != nil {
			t.Errorf("counts locals %v: depth %d: %v", c.cfg.StackCostCountsLocals, c.fits, err)
		}
		if _, _, err := h.call(mod, "rec", c.not); err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Errorf("counts locals %v: depth %d: %v, want the limiter's trap", c.cfg.StackCostCountsLocals, c.not, err)
		}
		mod.Close(h.ctx)
	}
}
