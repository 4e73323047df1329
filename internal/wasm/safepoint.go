package wasm

import "math"

// SafePointsVersion identifies the rewrite InjectSafePoints performs (with its interval);
// the engine adds it to the instrumentation version of its compiled-code cache.
const SafePointsVersion = "safe points v1 (loop headers and calling functions, memory.grow 0)"

// FVMSafePointInterval is the engine's safe-point interval: about one safe point per
// million gas of Wasm execution, at most ~1 ms apart even at 1 gas/ns, and a negligible
// cost at the usual 10-30 gas/ns.
const FVMSafePointInterval = 1_000_000_000 // milligas

// InjectSafePoints makes long stretches of Wasm reach a host safe point regularly, without
// changing gas. Compiled Wasm cannot be preempted by the Go runtime, so a message running
// pure Wasm would otherwise hold up every stop-the-world pause (garbage collection) of the
// whole process for as long as it runs.
//
// It adds a mutable i64 global $next (the last global, initially i64::MAX) and, at every
// loop header and at the entry of every function that makes calls, the check
//
//	global.get $gas; global.get $next; i64.lt_s
//	if; i32.const 0; memory.grow; drop
//	    global.get $gas; i64.const interval; i64.sub; global.set $next; end
//
// memory.grow 0 changes nothing, but under wazero it leaves compiled code for a Go call,
// where the runtime can stop the goroutine. Within one instance the gas counter only goes
// down, so the check fires once every interval milligas of execution. Leaf functions
// without loops run a bounded number of instructions and need no check.
//
// It must run last, on the output of InjectGasMeter with the same gas module (it reads the
// imported counter module."gas_counter"): the inserted instructions are then not metered,
// and the stack limiter's costs, computed before, are unchanged. A module without memory is
// left alone. Errors wrap ErrInstrument.
func InjectSafePoints(m *Module, module string, interval uint64) error {
	gasGlobal, ok := gasCounterGlobal(m, module)
	if !ok {
		return errorf(ErrInstrument, "safe points: no imported global %s.%s", module, GasCounterName)
	}
	if interval == 0 || interval > math.MaxInt64 {
		return errorf(ErrInstrument, "safe points: interval %d out of range", interval)
	}
	if m.NumMemories() == 0 {
		return nil
	}
	next := m.NumGlobals()
	m.Globals = append(m.Globals, Global{
		Type: GlobalType{Type: I64, Mutable: true},
		Init: ConstExpr{mkI64(math.MaxInt64), mkOp(OpEnd)},
	})
	m.present[SecGlobal] = true
	m.markDirty(SecGlobal)
	check := safePointCheck(gasGlobal, next, int64(interval))
	for i := range m.Code {
		if body, changed := insertSafePoints(m.Code[i].Body, check); changed {
			m.Code[i].Body = body
			m.markCodeDirty(i)
		}
	}
	return nil
}

// safePointCheck is the inserted check.
func safePointCheck(gasGlobal, next uint32, interval int64) []Instr {
	return []Instr{
		mkIdx(OpGlobalGet, gasGlobal),
		mkIdx(OpGlobalGet, next),
		mkOp(OpI64LtS),
		mkBlock(OpIf, blockEmpty),
		mkI32(0),
		mkIdx(OpMemoryGrow, 0),
		mkOp(OpDrop),
		mkIdx(OpGlobalGet, gasGlobal),
		mkI64(interval),
		mkOp(OpI64Sub),
		mkIdx(OpGlobalSet, next),
		mkOp(OpEnd),
	}
}

// insertSafePoints returns body with the check at its entry (if it calls) and after every
// loop instruction, and whether it changed. The input is left untouched.
func insertSafePoints(body []Instr, check []Instr) ([]Instr, bool) {
	loops, calls := 0, false
	for _, in := range body {
		switch in.Op {
		case OpLoop:
			loops++
		case OpCall, OpCallIndirect:
			calls = true
		}
	}
	if loops == 0 && !calls {
		return body, false
	}
	n := loops
	if calls {
		n++
	}
	out := make([]Instr, 0, len(body)+n*len(check))
	if calls {
		out = append(out, check...)
	}
	for _, in := range body {
		out = append(out, in)
		if in.Op == OpLoop {
			out = append(out, check...)
		}
	}
	return out, true
}
