package gas

import (
	"errors"
	"fmt"
	"math"
)

// ErrOutOfGas is returned (possibly wrapped) when a charge exceeds the gas
// available. Match it with errors.Is.
var ErrOutOfGas = errors.New("out of gas")

// ErrNoGasLimit is returned by PopLimit when no limit was pushed. The
// reference treats this as a fatal error.
var ErrNoGasLimit = errors.New("no gas limit to pop")

// MaxTrackerLimit is the largest limit a GasTracker accepts: math.MaxInt64
// milligas. Larger limits are clamped to it, so the available gas always
// fits the Wasm engine's signed 64-bit gas counter. Treat it as a
// constant; the tracker does not read it.
var MaxTrackerLimit = Gas{mg: math.MaxInt64}

// gasSnapshot is a saved (limit, used) pair, pushed by PushLimit.
type gasSnapshot struct {
	limit Gas
	used  int64
}

// GasTracker accounts the gas of one message: a limit, the gas used so far,
// a stack of saved limits for sends that carry their own gas limit, and an
// optional record of every charge for execution traces. It is not safe for
// concurrent use (one message runs on one goroutine).
//
// The gas used is held as signed milligas: in FVM v3 and v4 it only grows
// (0 <= used <= limit <= math.MaxInt64), but FVM v2 has negative charges
// (GasCharge.Credit) that can take it below zero.
type GasTracker struct {
	limit     Gas
	used      int64
	snapshots []gasSnapshot
	tracing   bool
	trace     []GasCharge
}

// TrackerOption configures a GasTracker.
type TrackerOption func(*GasTracker)

// WithTrace makes the tracker record every charge (successful or not), to be
// collected with DrainTrace.
func WithTrace() TrackerOption {
	return func(t *GasTracker) { t.tracing = true }
}

// NewGasTracker returns a tracker with the given limit and gas already used.
// As in the reference, a limit above MaxTrackerLimit is clamped to it, and
// used is clamped to the limit.
func NewGasTracker(limit, used Gas, opts ...TrackerOption) *GasTracker {
	limit = limit.Min(Gas{mg: math.MaxInt64})
	t := &GasTracker{limit: limit, used: int64(used.Min(limit).mg)}
	for _, o := range opts {
		o(t)
	}
	return t
}

// charge applies c: its debit is added to the gas used and its credit
// taken off. If the new total exceeds the limit, the tracker uses up all
// remaining gas (used = limit) and returns ErrOutOfGas.
func (t *GasTracker) charge(c GasCharge) error {
	limit := int64(t.limit.mg) // <= math.MaxInt64 (NewGasTracker clamps it)
	if c.Credit.IsZero() {
		// The debit is unsigned (a saturated charge is math.MaxUint64
		// milligas) and runs out of gas against any limit it exceeds.
		debit := c.Debit().mg
		if debit > t.headroom() {
			return t.outOfGas()
		}
		// The result is at most the limit, so the wrapping add is exact.
		t.used = int64(uint64(t.used) + debit)
		return nil
	}
	// Quirk (ref-fvm v2 gas/mod.rs): FVM v2 gas is a signed i64 with
	// saturating arithmetic; a charge may be negative and the gas used may
	// drop below zero.
	// debit is at most 2^63-1 and credit at most 2^63 (|math.MinInt64|), so
	// debit - credit fits an int64 and the wrapping subtraction is exact.
	debit, credit := uint64(clampI64(c.Debit())), min(c.Credit.mg, 1<<63)
	total := int64(debit - credit)
	used := satAddI64(t.used, total)
	if used > limit {
		return t.outOfGas()
	}
	t.used = used
	return nil
}

// headroom is limit - used as a uint64 (exact: both fit an int64).
func (t *GasTracker) headroom() uint64 {
	return t.GasAvailable().mg
}

// outOfGas uses up all remaining gas and returns ErrOutOfGas.
func (t *GasTracker) outOfGas() error {
	// Quirk (ref-fvm gas/mod.rs): an out-of-gas charge consumes all
	// remaining gas, not just what was left before the charge.
	t.used = int64(t.limit.mg)
	return ErrOutOfGas
}

// clampI64 returns g in milligas as an int64, saturating at math.MaxInt64.
func clampI64(g Gas) int64 {
	return g.MilligasInt64()
}

// satAddI64 returns a + b, saturating at the int64 bounds.
func satAddI64(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

// ChargeGas charges g under the given name (recorded as compute gas). It
// returns an error wrapping ErrOutOfGas if g exceeds the gas available.
func (t *GasTracker) ChargeGas(name string, g Gas) error {
	return t.ApplyCharge(GasCharge{Name: name, ComputeGas: g})
}

// ApplyCharge charges c.Total(). It returns an error wrapping ErrOutOfGas if
// that exceeds the gas available. When tracing, the charge is recorded even
// if it fails, as the reference does.
func (t *GasTracker) ApplyCharge(c GasCharge) error {
	err := t.charge(c)
	if t.tracing {
		t.trace = append(t.trace, c)
	}
	if err != nil {
		return fmt.Errorf("charging %q (%s gas): %w", c.Name, c.Total(), err)
	}
	return nil
}

// PushLimit starts a sub-limit for a send with an explicit gas limit: it
// saves the current (limit, used), then sets limit = min(GasAvailable(),
// newLimit) and used = 0.
func (t *GasTracker) PushLimit(newLimit Gas) {
	t.snapshots = append(t.snapshots, gasSnapshot{limit: t.limit, used: t.used})
	t.limit = t.GasAvailable().Min(newLimit).Min(MaxTrackerLimit)
	t.used = 0
}

// PopLimit ends the innermost sub-limit: the saved limit is restored and
// the gas used under the sub-limit is added to the saved gas used. It
// returns ErrNoGasLimit if no limit was pushed.
func (t *GasTracker) PopLimit() error {
	n := len(t.snapshots)
	if n == 0 {
		return ErrNoGasLimit
	}
	snap := t.snapshots[n-1]
	t.snapshots = t.snapshots[:n-1]
	t.limit = snap.limit
	t.used = satAddI64(t.used, snap.used)
	return nil
}

// LimitDepth returns the number of pushed sub-limits.
func (t *GasTracker) LimitDepth() int {
	return len(t.snapshots)
}

// GasLimit returns the current (innermost) limit.
func (t *GasTracker) GasLimit() Gas {
	return t.limit
}

// GasUsed returns the gas used under the current (innermost) limit, or
// zero while it is negative (FVM v2 only).
func (t *GasTracker) GasUsed() Gas {
	if t.used < 0 {
		return Gas{}
	}
	return Gas{mg: uint64(t.used)}
}

// GasAvailable returns the limit minus the gas used: more than the limit
// while the gas used is negative (FVM v2 only).
func (t *GasTracker) GasAvailable() Gas {
	if t.used < 0 {
		return t.limit.Add(Gas{mg: uint64(-(t.used + 1)) + 1})
	}
	return t.limit.Sub(Gas{mg: uint64(t.used)})
}

// Tracing reports whether the tracker records charges.
func (t *GasTracker) Tracing() bool {
	return t.tracing
}

// DrainTrace returns the charges recorded so far, in order, and forgets
// them. It returns nil when tracing is off.
func (t *GasTracker) DrainTrace() []GasCharge {
	out := t.trace
	t.trace = nil
	return out
}

// SendGasLimit converts the gas-limit argument of the send syscall (whole
// gas): math.MaxUint64 means "no limit" (ok is false); any other value is
// a limit of that much gas, saturating, so 0 is a zero limit.
func SendGasLimit(arg uint64) (limit Gas, ok bool) {
	if arg == math.MaxUint64 {
		return Gas{}, false
	}
	return NewGas(arg), true
}
