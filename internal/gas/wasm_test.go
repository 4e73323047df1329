package gas

import (
	"math"
	"testing"
)

func TestInstructionCosts(t *testing.T) {
	for _, p := range []*PriceList{HyggePrices(), WatermelonPrices(), TeepPrices()} {
		w := &p.WasmRules
		tests := []struct {
			class OpClass
			want  InstructionCost
		}{
			{OpFree, InstructionCost{}},
			{OpBr, InstructionCost{Base: 4000}},
			{OpConditionalJump, InstructionCost{Base: 4000}},
			{OpBrTable, InstructionCost{Base: 4000}},
			{OpCall, InstructionCost{Base: 4000}},
			{OpCallIndirect, InstructionCost{Base: 4000}},
			{OpDefault, InstructionCost{Base: 4000}},
			{OpMath, InstructionCost{Base: 4000}},
			{OpLoad, InstructionCost{Base: 4000}},
			{OpStore, InstructionCost{Base: 4000}},
			{OpDataElemDrop, InstructionCost{Base: 4000}},
			{OpSize, InstructionCost{Base: 4000}},
			// 0.4 gas per byte × 8 bytes per element.
			{OpTableInitCopy, InstructionCost{Linear: true, Base: 4000, PerUnit: 3200}},
			{OpTableFillGrow, InstructionCost{Linear: true, Base: 4000, PerUnit: 3200}},
			// 0.4 gas per byte × 65,536 bytes per page.
			{OpMemoryGrow, InstructionCost{Linear: true, Base: 4000, PerUnit: 26_214_400}},
			{OpMemoryFill, InstructionCost{Linear: true, Base: 4000, PerUnit: 400}},
			{OpMemoryInitCopy, InstructionCost{Linear: true, Base: 4000, PerUnit: 400}},
		}
		for _, tc := range tests {
			got, err := w.InstructionCost(tc.class)
			if err != nil || got != tc.want {
				t.Errorf("%s class %d: got %+v, %v; want %+v", p.Name, tc.class, got, err, tc.want)
			}
		}
		for _, c := range []OpClass{OpUnsupported, OpClass(-1), OpClass(1000)} {
			if _, err := w.InstructionCost(c); err == nil {
				t.Errorf("%s class %d accepted", p.Name, c)
			}
		}
		if w.HostCallCost != NewGas(14_000) {
			t.Errorf("%s host call cost = %v", p.Name, w.HostCallCost)
		}
	}
}

func TestLinearCostLimits(t *testing.T) {
	w := defaultWasmRules()
	// A per-unit cost above u32 rejects the rule.
	w.MemoryFillPerByteCost = NewGas(100)
	if _, err := w.InstructionCost(OpMemoryGrow); err == nil {
		t.Error("6,553,600,000 mg per page accepted")
	}
	// A zero per-unit cost makes the cost fixed.
	w.MemoryCopyPerByteCost = ZeroGas
	if got, err := w.InstructionCost(OpMemoryInitCopy); err != nil || got != (InstructionCost{Base: 4000}) {
		t.Errorf("zero per-unit: %+v %v", got, err)
	}
}

func TestMemoryAndTableGas(t *testing.T) {
	w := defaultWasmRules()
	if got := w.InitMemoryGas(17 * 65536).Milligas(); got != 17*26_214_400 {
		t.Errorf("17 pages = %d mg", got)
	}
	if got := w.GrowMemoryGas(1000).Milligas(); got != 400_000 {
		t.Errorf("grow 1000 bytes = %d mg", got)
	}
	if got := w.InitTableGas(math.MaxUint64); got != MaxGas {
		t.Errorf("huge table = %v", got)
	}
}

func TestExecGas(t *testing.T) {
	last := NewGas(1000)
	tests := []struct {
		counter int64
		want    Gas
	}{
		{1_000_000, ZeroGas},
		{400_000, NewGas(600)},
		{0, NewGas(1000)},
		{2_000_000, ZeroGas}, // counter above the last value saturates at 0
		{-1, FromMilligas(1_000_001)},
		{math.MinInt64, FromMilligas(1_000_000 + 1<<63)},
	}
	for _, tc := range tests {
		if got := ExecGas(last, tc.counter); got != tc.want {
			t.Errorf("ExecGas(1000 gas, %d) = %v, want %v", tc.counter, got, tc.want)
		}
	}
	if got := ExecGas(MaxGas, -1); got != MaxGas {
		t.Errorf("saturation: %v", got)
	}
	// A negative counter always runs the tracker out of gas.
	tr := NewGasTracker(NewGas(5), ZeroGas)
	if err := tr.ChargeGas(ChargeWasmExec, ExecGas(tr.GasAvailable(), -1)); err == nil {
		t.Error("negative counter did not run out of gas")
	}
}

func TestSplitExecGas(t *testing.T) {
	e, m := SplitExecGas(NewGas(10), NewGas(3))
	if e != NewGas(7) || m != NewGas(3) {
		t.Errorf("split = %v, %v", e, m)
	}
	e, m = SplitExecGas(NewGas(2), NewGas(3))
	if !e.IsZero() || m != NewGas(2) {
		t.Errorf("capped split = %v, %v", e, m)
	}
}
