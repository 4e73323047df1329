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
	used  Gas
}

// GasTracker accounts the gas of one message: a limit, the gas used so far,
// a stack of saved limits for sends that carry their own gas limit, and an
// optional record of every charge for execution traces. It is not safe for
// concurrent use (one message runs on one goroutine).
type GasTracker struct {
	limit     Gas
	used      Gas
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
	t := &GasTracker{limit: limit, used: used.Min(limit)}
	for _, o := range opts {
		o(t)
	}
	return t
}

// charge adds toUse to the gas used. If the new total exceeds the limit,
// the tracker uses up all remaining gas (used = limit) and returns
// ErrOutOfGas.
func (t *GasTracker) charge(toUse Gas) error {
	used := t.used.Add(toUse)
	if t.limit.Less(used) {
		// Quirk (ref-fvm gas/mod.rs): an out-of-gas charge consumes all
		// remaining gas, not just what was left before the charge.
		t.used = t.limit
		return ErrOutOfGas
	}
	t.used = used
	return nil
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
	err := t.charge(c.Total())
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
	t.limit = t.GasAvailable().Min(newLimit)
	t.used = Gas{}
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
	t.used = t.used.Add(snap.used)
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

// GasUsed returns the gas used under the current (innermost) limit.
func (t *GasTracker) GasUsed() Gas {
	return t.used
}

// GasAvailable returns GasLimit() - GasUsed().
func (t *GasTracker) GasAvailable() Gas {
	return t.limit.Sub(t.used)
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
