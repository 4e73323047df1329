package gas

import (
	"errors"
	"math"
	"testing"
)

func TestTrackerBasic(t *testing.T) {
	tr := NewGasTracker(NewGas(20), NewGas(10))
	if err := tr.ApplyCharge(NewGasCharge("", NewGas(5), ZeroGas)); err != nil {
		t.Fatal(err)
	}
	if tr.GasUsed() != NewGas(15) {
		t.Fatalf("used = %v", tr.GasUsed())
	}
	if err := tr.ApplyCharge(NewGasCharge("", NewGas(5), ZeroGas)); err != nil {
		t.Fatal(err)
	}
	if tr.GasUsed() != NewGas(20) || !tr.GasAvailable().IsZero() {
		t.Fatalf("used = %v, available = %v", tr.GasUsed(), tr.GasAvailable())
	}
	err := tr.ApplyCharge(NewGasCharge("", NewGas(1), ZeroGas))
	if !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("err = %v, want ErrOutOfGas", err)
	}
}

func TestTrackerOutOfGasUsesEverything(t *testing.T) {
	tr := NewGasTracker(NewGas(100), ZeroGas)
	if err := tr.ChargeGas("a", NewGas(30)); err != nil {
		t.Fatal(err)
	}
	err := tr.ApplyCharge(NewGasCharge("big", NewGas(50), NewGas(21)))
	if !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("err = %v", err)
	}
	// The failed charge sets used = limit, not used + what was left.
	if tr.GasUsed() != NewGas(100) || !tr.GasAvailable().IsZero() {
		t.Fatalf("used = %v, available = %v", tr.GasUsed(), tr.GasAvailable())
	}
	// A charge of exactly the remaining gas succeeds.
	tr2 := NewGasTracker(NewGas(100), NewGas(40))
	if err := tr2.ChargeGas("exact", NewGas(60)); err != nil {
		t.Fatalf("exact charge failed: %v", err)
	}
	// A zero charge on an exhausted tracker succeeds.
	if err := tr2.ChargeGas("zero", ZeroGas); err != nil {
		t.Fatalf("zero charge failed: %v", err)
	}
	if err := tr2.ChargeGas("one mg", FromMilligas(1)); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("1 mg over limit: %v", err)
	}
}

func TestTrackerClamping(t *testing.T) {
	tr := NewGasTracker(NewGas(math.MaxUint64), ZeroGas)
	if tr.GasLimit().Milligas() != math.MaxInt64 {
		t.Fatalf("limit = %d mg, want i64::MAX", tr.GasLimit().Milligas())
	}
	// i64::MAX gas (the largest message gas limit) also clamps.
	tr = NewGasTracker(NewGas(math.MaxInt64), ZeroGas)
	if tr.GasLimit() != MaxTrackerLimit {
		t.Fatalf("limit = %v", tr.GasLimit())
	}
	tr = NewGasTracker(NewGas(10), NewGas(20))
	if tr.GasUsed() != NewGas(10) || !tr.GasAvailable().IsZero() {
		t.Fatalf("used %v not clamped to limit", tr.GasUsed())
	}
}

// The reference's Gas is unsigned: a saturated charge (u64::MAX mg) must run
// out of gas even against the largest limit (i64::MAX mg). An i64-based
// tracker saturating at i64::MAX would wrongly accept it.
func TestTrackerSaturatedChargeAtI64Edge(t *testing.T) {
	tr := NewGasTracker(MaxGas, ZeroGas)
	if err := tr.ChargeGas("huge", FromMilligas(math.MaxInt64)); err != nil {
		t.Fatalf("charging exactly the limit: %v", err)
	}
	tr = NewGasTracker(MaxGas, ZeroGas)
	if err := tr.ChargeGas("saturated", MaxGas); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("saturated charge: %v", err)
	}
	tr = NewGasTracker(MaxGas, FromMilligas(1))
	if err := tr.ChargeGas("over", FromMilligas(math.MaxInt64)); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("one over: %v", err)
	}
	if tr.GasUsed() != MaxTrackerLimit {
		t.Fatalf("used = %v", tr.GasUsed())
	}
	// The v4 future-epoch randomness quirk ends the same way.
	p := WatermelonPrices()
	tr = NewGasTracker(MaxGas, ZeroGas)
	if err := tr.ApplyCharge(p.OnGetRandomness(-1, 0)); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("future randomness: %v", err)
	}
}

func TestTrackerLimits(t *testing.T) {
	tr := NewGasTracker(NewGas(1000), ZeroGas)
	mustCharge(t, tr, NewGas(100))

	// Child limit smaller than available.
	tr.PushLimit(NewGas(300))
	if tr.GasLimit() != NewGas(300) || !tr.GasUsed().IsZero() || tr.LimitDepth() != 1 {
		t.Fatalf("after push: limit %v used %v", tr.GasLimit(), tr.GasUsed())
	}
	mustCharge(t, tr, NewGas(50))

	// Grandchild limit larger than available: clamped to available (250).
	tr.PushLimit(NewGas(10_000))
	if tr.GasLimit() != NewGas(250) {
		t.Fatalf("nested limit = %v, want 250", tr.GasLimit())
	}
	if err := tr.ChargeGas("too much", NewGas(251)); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("err = %v", err)
	}
	if tr.GasUsed() != NewGas(250) {
		t.Fatalf("used = %v", tr.GasUsed())
	}
	if err := tr.PopLimit(); err != nil {
		t.Fatal(err)
	}
	// Back in the child: 50 + 250 used, limit 300: exhausted.
	if tr.GasLimit() != NewGas(300) || tr.GasUsed() != NewGas(300) || !tr.GasAvailable().IsZero() {
		t.Fatalf("child: limit %v used %v", tr.GasLimit(), tr.GasUsed())
	}
	if err := tr.PopLimit(); err != nil {
		t.Fatal(err)
	}
	// Back at the top: 100 + 300 used of 1000; the parent still has gas.
	if tr.GasLimit() != NewGas(1000) || tr.GasUsed() != NewGas(400) || tr.GasAvailable() != NewGas(600) {
		t.Fatalf("top: limit %v used %v", tr.GasLimit(), tr.GasUsed())
	}
	if err := tr.PopLimit(); !errors.Is(err, ErrNoGasLimit) {
		t.Fatalf("pop without push: %v", err)
	}
	// A zero child limit: nothing can be charged.
	tr.PushLimit(ZeroGas)
	if err := tr.ChargeGas("x", FromMilligas(1)); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("zero limit: %v", err)
	}
	if err := tr.PopLimit(); err != nil || tr.GasUsed() != NewGas(400) {
		t.Fatalf("pop zero limit: %v used %v", err, tr.GasUsed())
	}
}

func TestTrackerTrace(t *testing.T) {
	tr := NewGasTracker(NewGas(10), ZeroGas)
	_ = tr.ChargeGas("a", NewGas(1))
	if tr.Tracing() || tr.DrainTrace() != nil {
		t.Fatal("trace recorded without WithTrace")
	}
	tr = NewGasTracker(NewGas(10), ZeroGas, WithTrace())
	mustCharge(t, tr, NewGas(1))
	if err := tr.ApplyCharge(NewGasCharge("b", NewGas(2), NewGas(3))); err != nil {
		t.Fatal(err)
	}
	_ = tr.ChargeGas("fails", NewGas(100))
	got := tr.DrainTrace()
	want := []GasCharge{
		{Name: "charge", ComputeGas: NewGas(1)},
		{Name: "b", ComputeGas: NewGas(2), OtherGas: NewGas(3)},
		{Name: "fails", ComputeGas: NewGas(100)},
	}
	if len(got) != len(want) {
		t.Fatalf("trace = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("trace[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(tr.DrainTrace()) != 0 {
		t.Fatal("trace not drained")
	}
}

func TestGasChargeTotal(t *testing.T) {
	if got := NewGasCharge("x", NewGas(1), FromMilligas(500)).Total().Milligas(); got != 1500 {
		t.Fatalf("total = %d", got)
	}
	if got := NewGasCharge("x", MaxGas, NewGas(1)).Total(); got != MaxGas {
		t.Fatalf("total does not saturate: %v", got)
	}
}

func mustCharge(t *testing.T, tr *GasTracker, g Gas) {
	t.Helper()
	if err := tr.ChargeGas("charge", g); err != nil {
		t.Fatal(err)
	}
}

func TestSendGasLimit(t *testing.T) {
	if _, ok := SendGasLimit(math.MaxUint64); ok {
		t.Error("u64::MAX is a limit")
	}
	if l, ok := SendGasLimit(0); !ok || !l.IsZero() {
		t.Errorf("0 = %v, %v", l, ok)
	}
	if l, ok := SendGasLimit(math.MaxUint64 - 1); !ok || l != MaxGas {
		t.Errorf("u64::MAX-1 = %v, %v", l, ok)
	}
	if l, ok := SendGasLimit(5); !ok || l != NewGas(5) {
		t.Errorf("5 = %v, %v", l, ok)
	}
}
