package gas

import (
	"math"
	"testing"
)

func TestNewGasAndRounding(t *testing.T) {
	tests := []struct {
		name      string
		g         Gas
		mg        uint64
		up, down  uint64
		formatted string
	}{
		{"zero", NewGas(0), 0, 0, 0, "0"},
		{"one gas", NewGas(1), 1000, 1, 1, "1.000"},
		{"100 mg", FromMilligas(100), 100, 1, 0, "0.100"},
		{"1001 mg", FromMilligas(1001), 1001, 2, 1, "1.001"},
		{"999 mg", FromMilligas(999), 999, 1, 0, "0.999"},
		{"max gas new saturates", NewGas(math.MaxUint64), math.MaxUint64, 18446744073709552, 18446744073709551, "18446744073709551.615"},
		{"new just below saturation", NewGas(math.MaxUint64 / 1000), 18446744073709551000, 18446744073709551, 18446744073709551, "18446744073709551.000"},
		{"new just above saturation", NewGas(math.MaxUint64/1000 + 1), math.MaxUint64, 18446744073709552, 18446744073709551, "18446744073709551.615"},
		{"i64 max mg", FromMilligas(math.MaxInt64), math.MaxInt64, 9223372036854776, 9223372036854775, "9223372036854775.807"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.g.Milligas(); got != tc.mg {
				t.Errorf("Milligas() = %d, want %d", got, tc.mg)
			}
			if got := tc.g.RoundUp(); got != tc.up {
				t.Errorf("RoundUp() = %d, want %d", got, tc.up)
			}
			if got := tc.g.RoundDown(); got != tc.down {
				t.Errorf("RoundDown() = %d, want %d", got, tc.down)
			}
			if got := tc.g.String(); got != tc.formatted {
				t.Errorf("String() = %q, want %q", got, tc.formatted)
			}
		})
	}
}

func TestSaturatingArithmetic(t *testing.T) {
	max := MaxGas
	tests := []struct {
		name string
		got  Gas
		want uint64
	}{
		{"add", FromMilligas(1).Add(FromMilligas(2)), 3},
		{"add saturates", max.Add(FromMilligas(1)), math.MaxUint64},
		{"add saturates at i64 edge", FromMilligas(math.MaxInt64).Add(FromMilligas(math.MaxInt64)), math.MaxUint64 - 1},
		{"add saturates above u64", FromMilligas(math.MaxInt64 + 2).Add(FromMilligas(math.MaxInt64)), math.MaxUint64},
		{"sub", FromMilligas(5).Sub(FromMilligas(2)), 3},
		{"sub clamps at zero", FromMilligas(2).Sub(FromMilligas(5)), 0},
		{"sub equal", FromMilligas(5).Sub(FromMilligas(5)), 0},
		{"sub from max", max.Sub(FromMilligas(math.MaxInt64)), math.MaxInt64 + 1},
		{"mul", NewGas(3).Mul(4), 12000},
		{"mul saturates", NewGas(1 << 40).Mul(1 << 40), math.MaxUint64},
		{"mul by zero", max.Mul(0), 0},
		{"mul i64 edge", FromMilligas(math.MaxInt64).Mul(2), math.MaxUint64 - 1},
		{"mul i64 edge saturates", FromMilligas(math.MaxInt64).Mul(3), math.MaxUint64},
		{"mulint", FromMilligas(400).MulInt(1000), 400000},
		{"mulint negative overcharges", FromMilligas(1).MulInt(-1), math.MaxUint64},
		{"mulint negative times zero", ZeroGas.MulInt(-1), 0},
		{"min", NewGas(1).Min(NewGas(2)), 1000},
		{"max", NewGas(1).Max(NewGas(2)), 2000},
	}
	for _, tc := range tests {
		if tc.got.Milligas() != tc.want {
			t.Errorf("%s: got %d mg, want %d", tc.name, tc.got.Milligas(), tc.want)
		}
	}
}

func TestCompareAndInt64(t *testing.T) {
	a, b := NewGas(1), FromMilligas(1001)
	if a.Cmp(b) != -1 || b.Cmp(a) != 1 || a.Cmp(a) != 0 || !a.Less(b) || b.Less(a) {
		t.Fatal("comparison is wrong")
	}
	if !ZeroGas.IsZero() || NewGas(1).IsZero() || (Gas{}) != ZeroGas {
		t.Fatal("zero handling is wrong")
	}
	if got := MaxGas.MilligasInt64(); got != math.MaxInt64 {
		t.Fatalf("MaxGas.MilligasInt64() = %d", got)
	}
	if got := FromMilligas(12345).MilligasInt64(); got != 12345 {
		t.Fatalf("MilligasInt64() = %d", got)
	}
}

func TestScalingAndStepCost(t *testing.T) {
	c := ScalingCost{Flat: NewGas(10), Scale: FromMilligas(400)}
	if got := c.Apply(5).Milligas(); got != 12000 {
		t.Fatalf("Apply(5) = %d mg", got)
	}
	if got := c.Apply(math.MaxUint64); got != MaxGas {
		t.Fatalf("Apply(max) = %v, want saturation", got)
	}
	if got := FixedCost(NewGas(7)).ApplyInt(1 << 30).Milligas(); got != 7000 {
		t.Fatalf("fixed cost scaled: %d", got)
	}
	s := StepCost{{Start: 10, Cost: NewGas(1)}, {Start: 20, Cost: NewGas(2)}}
	for _, tc := range []struct{ x, want uint64 }{{0, 0}, {5, 0}, {10, 1000}, {11, 1000}, {19, 1000}, {20, 2000}, {100, 2000}} {
		if got := s.Lookup(tc.x).Milligas(); got != tc.want {
			t.Errorf("Lookup(%d) = %d, want %d", tc.x, got, tc.want)
		}
	}
	if !(StepCost{}).Lookup(10).IsZero() {
		t.Error("empty step cost is not zero")
	}
	if got := (StepCost{{Start: 0, Cost: NewGas(1)}}).Lookup(0).Milligas(); got != 1000 {
		t.Errorf("step at 0: %d", got)
	}
}
