package gas

import (
	"fmt"
	"math"
	"math/bits"
)

// MilligasPrecision is the number of milligas in one unit of gas.
const MilligasPrecision = 1000

// Gas is an amount of gas, held as unsigned milligas. All arithmetic on it
// saturates (at 0 and at math.MaxUint64 milligas), as in ref-fvm's Gas(u64).
// The zero value is zero gas. Gas values are comparable with ==.
type Gas struct {
	mg uint64
}

// MaxGas is the largest representable amount (math.MaxUint64 milligas).
// Treat it as a constant; nothing in this package reads it.
var MaxGas = Gas{mg: math.MaxUint64}

// ZeroGas is zero gas (the same as Gas{}). Treat it as a constant.
var ZeroGas = Gas{}

// NewGas returns whole gas g as milligas, saturating at math.MaxUint64
// milligas (ref-fvm Gas::new).
func NewGas(g uint64) Gas {
	return Gas{mg: satMul(g, MilligasPrecision)}
}

// FromMilligas returns mg milligas (ref-fvm Gas::from_milligas).
func FromMilligas(mg uint64) Gas {
	return Gas{mg: mg}
}

// Milligas returns the amount in milligas, without loss of precision
// (ref-fvm Gas::as_milligas).
func (g Gas) Milligas() uint64 {
	return g.mg
}

// MilligasInt64 returns the amount in milligas as an int64, saturating at
// math.MaxInt64. A tracker's limit never exceeds math.MaxInt64 milligas, so
// GasAvailable always converts exactly (this is what the Wasm gas counter
// global is set to).
func (g Gas) MilligasInt64() int64 {
	if g.mg > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(g.mg)
}

// RoundUp returns the amount in whole gas, rounding any fractional part up
// (ref-fvm Gas::round_up; used for receipts and the inclusion-cost check).
func (g Gas) RoundUp() uint64 {
	q := g.mg / MilligasPrecision
	if g.mg%MilligasPrecision != 0 {
		q++ // cannot overflow: q <= MaxUint64/1000
	}
	return q
}

// RoundDown returns the amount in whole gas, truncating the fractional part
// (ref-fvm Gas::round_down; used by the gas.available syscall).
func (g Gas) RoundDown() uint64 {
	return g.mg / MilligasPrecision
}

// IsZero reports whether g is zero gas.
func (g Gas) IsZero() bool {
	return g.mg == 0
}

// Add returns g + h, saturating at MaxGas.
func (g Gas) Add(h Gas) Gas {
	s, carry := bits.Add64(g.mg, h.mg, 0)
	if carry != 0 {
		return Gas{mg: math.MaxUint64}
	}
	return Gas{mg: s}
}

// Sub returns g - h, saturating at zero.
func (g Gas) Sub(h Gas) Gas {
	if h.mg >= g.mg {
		return Gas{}
	}
	return Gas{mg: g.mg - h.mg}
}

// Mul returns g × n, saturating at MaxGas (ref-fvm Mul<u64>/Mul<u32>).
func (g Gas) Mul(n uint64) Gas {
	return Gas{mg: satMul(g.mg, n)}
}

// MulInt returns g × n for a length or count n (ref-fvm Mul<usize>). A
// negative n cannot come from a real length; it is treated as
// math.MaxUint64 so that a caller bug overcharges (and runs out of gas)
// rather than undercharges.
func (g Gas) MulInt(n int) Gas {
	return g.Mul(lenU64(n))
}

// Cmp compares g and h, returning -1, 0 or +1.
func (g Gas) Cmp(h Gas) int {
	switch {
	case g.mg < h.mg:
		return -1
	case g.mg > h.mg:
		return 1
	default:
		return 0
	}
}

// Less reports whether g < h.
func (g Gas) Less(h Gas) bool {
	return g.mg < h.mg
}

// Min returns the smaller of g and h.
func (g Gas) Min(h Gas) Gas {
	if h.mg < g.mg {
		return h
	}
	return g
}

// Max returns the larger of g and h.
func (g Gas) Max(h Gas) Gas {
	if h.mg > g.mg {
		return h
	}
	return g
}

// String formats g as whole gas with three decimals ("12.345"), or "0".
func (g Gas) String() string {
	if g.mg == 0 {
		return "0"
	}
	return fmt.Sprintf("%d.%03d", g.mg/MilligasPrecision, g.mg%MilligasPrecision)
}

// satMul multiplies two uint64 values, saturating at math.MaxUint64.
func satMul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// satAdd adds two uint64 values, saturating at math.MaxUint64.
func satAdd(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}

// lenU64 converts a Go length or count to uint64; negative values (never a
// real length) become math.MaxUint64.
func lenU64(n int) uint64 {
	if n < 0 {
		return math.MaxUint64
	}
	return uint64(n)
}
