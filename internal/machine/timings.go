package machine

import "time"

// Phase is a kind of work a message's execution time is split into.
type Phase int

// Phases of execution, for Timings.
const (
	// PhaseOther is the executor and call manager.
	PhaseOther Phase = iota
	// PhaseWasm is actor code: instantiation and Wasm execution.
	PhaseWasm
	// PhaseSyscalls is host functions, less the block I/O and the nested
	// calls they make.
	PhaseSyscalls
	// PhaseBlocks is reading and writing blocks (block_open, block_link,
	// flush).
	PhaseBlocks
	numPhases
)

// String names the phase.
func (p Phase) String() string {
	return [...]string{"other", "wasm", "syscalls", "blocks"}[p]
}

// Timings splits wall-clock execution time into phases. It is diagnostics
// only: nothing consensus-critical reads it. A nil *Timings records nothing
// and costs a nil check. It is not safe for concurrent use (one message runs
// on one goroutine).
type Timings struct {
	stack []Phase
	last  time.Time
	total [numPhases]time.Duration
}

// Enter starts a phase; the time since the last switch goes to the phase
// that was running.
func (t *Timings) Enter(p Phase) {
	if t == nil {
		return
	}
	t.switchAt(time.Now())
	t.stack = append(t.stack, p)
}

// Exit ends the innermost phase.
func (t *Timings) Exit() {
	if t == nil || len(t.stack) == 0 {
		return
	}
	t.switchAt(time.Now())
	t.stack = t.stack[:len(t.stack)-1]
}

func (t *Timings) switchAt(now time.Time) {
	if len(t.stack) > 0 {
		t.total[t.stack[len(t.stack)-1]] += now.Sub(t.last)
	}
	t.last = now
}

// Total returns the time recorded for a phase.
func (t *Timings) Total(p Phase) time.Duration {
	if t == nil {
		return 0
	}
	return t.total[p]
}
