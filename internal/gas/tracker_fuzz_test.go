package gas

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// FuzzGasTracker drives a tracker with random charges, pushes and pops and
// checks its invariants: no panic, used <= limit <= i64::MAX milligas,
// available == limit - used, an out-of-gas charge leaves nothing available,
// and popping adds the child's usage to the parent's.
func FuzzGasTracker(f *testing.F) {
	f.Add(uint64(100_000), uint64(0), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint64(math.MaxUint64), uint64(math.MaxUint64), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(uint64(math.MaxInt64), uint64(1), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0x80, 2, 3})
	f.Fuzz(func(t *testing.T, limit, used uint64, ops []byte) {
		tr := NewGasTracker(FromMilligas(limit), FromMilligas(used))
		type frame struct{ limit, used Gas }
		var stack []frame
		for len(ops) >= 9 {
			op, arg := ops[0], binary.LittleEndian.Uint64(ops[1:9])
			ops = ops[9:]
			g := FromMilligas(arg)
			switch op % 4 {
			case 0, 1:
				before := tr.GasUsed()
				err := tr.ApplyCharge(NewGasCharge("f", g, FromMilligas(arg>>1)))
				if err != nil {
					if !errors.Is(err, ErrOutOfGas) {
						t.Fatalf("unexpected error %v", err)
					}
					if !tr.GasAvailable().IsZero() || tr.GasUsed() != tr.GasLimit() {
						t.Fatalf("out of gas left %v available", tr.GasAvailable())
					}
				} else if tr.GasUsed().Less(before) {
					t.Fatalf("used went down: %v -> %v", before, tr.GasUsed())
				}
			case 2:
				stack = append(stack, frame{tr.GasLimit(), tr.GasUsed()})
				avail := tr.GasAvailable()
				tr.PushLimit(g)
				if tr.GasLimit() != avail.Min(g) || !tr.GasUsed().IsZero() {
					t.Fatalf("push: limit %v used %v", tr.GasLimit(), tr.GasUsed())
				}
			case 3:
				childUsed := tr.GasUsed()
				err := tr.PopLimit()
				if len(stack) == 0 {
					if !errors.Is(err, ErrNoGasLimit) {
						t.Fatalf("pop on empty stack: %v", err)
					}
					continue
				}
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if err != nil || tr.GasLimit() != top.limit || tr.GasUsed() != top.used.Add(childUsed) {
					t.Fatalf("pop: %v limit %v used %v", err, tr.GasLimit(), tr.GasUsed())
				}
			}
			if tr.GasLimit().Milligas() > math.MaxInt64 {
				t.Fatalf("limit %v above i64::MAX", tr.GasLimit())
			}
			if tr.GasLimit().Less(tr.GasUsed()) {
				t.Fatalf("used %v above limit %v", tr.GasUsed(), tr.GasLimit())
			}
			if tr.GasAvailable() != tr.GasLimit().Sub(tr.GasUsed()) {
				t.Fatal("available != limit - used")
			}
			if tr.GasAvailable().MilligasInt64() < 0 {
				t.Fatal("available does not fit the wasm counter")
			}
		}
	})
}
