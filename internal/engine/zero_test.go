package engine

import (
	"bytes"
	"fmt"
	"testing"
)

// TestZero clears slices of every kind of length and alignment around the
// non-temporal path's thresholds and checks that exactly they are zeroed.
func TestZero(t *testing.T) {
	const guard = 300
	for _, n := range []int{0, 1, 127, ntZeroMin - 1, ntZeroMin, ntZeroMin + 1, ntZeroMin + 127, ntZeroMin + 128, 3*ntZeroChunk + 4000} {
		for _, off := range []int{0, 1, 31, 32, 33, 100} {
			t.Run(fmt.Sprintf("%d@%d", n, off), func(t *testing.T) {
				buf := bytes.Repeat([]byte{0xa5}, off+n+guard)
				zero(buf[off : off+n])
				for i, b := range buf[:off] {
					if b != 0xa5 {
						t.Fatalf("byte %d before the slice changed: %#x", i, b)
					}
				}
				for i, b := range buf[off : off+n] {
					if b != 0 {
						t.Fatalf("byte %d of %d not cleared: %#x", i, n, b)
					}
				}
				for i, b := range buf[off+n:] {
					if b != 0xa5 {
						t.Fatalf("byte %d after the slice changed: %#x", i, b)
					}
				}
			})
		}
	}
}
