package wasm

// InlineGasCharges replaces every static block charge InjectGasMeter wrote,
//
//	i64.const C; call $gas_charge
//
// by the body of $gas_charge with C in place of its argument:
//
//	global.get $gas; i64.const C; i64.sub; global.set $gas
//	global.get $gas; i64.const 0; i64.lt_s; if; unreachable; end
//
// The counter takes the same value at every point (the same wrapping i64 subtraction) and
// the same unreachable trap fires when it goes negative, so gas is unchanged; only the call
// is gone, which is most of the cost of a small metered block under wazero. Dynamic charges
// (memory.grow and the bulk-memory instructions, whose cost is computed at run time) stay
// calls, so $gas_charge is kept, at the same index.
//
// It must run on the output of InjectGasMeter with the same gas module: the counter is the
// imported global module."gas_counter" and $gas_charge the last function, which must have
// exactly the body InjectGasMeter gives it. The inserted code is not metered and does not
// change the stack limiter's costs (computed before metering). No local, type, function
// or index changes, so it may run before or after CanonicalizeNaNs, which never emits a
// call. Errors wrap ErrInstrument.
func InlineGasCharges(m *Module, module string) error {
	gasGlobal, ok := gasCounterGlobal(m, module)
	if !ok {
		return errorf(ErrInstrument, "inline gas charges: no imported global %s.%s", module, GasCounterName)
	}
	if len(m.Code) == 0 {
		return errorf(ErrInstrument, "inline gas charges: no gas charge function")
	}
	gasFunc := m.NumFuncs() - 1
	last := len(m.Code) - 1
	if !isGasChargeBody(m.Code[last].Body, gasGlobal) {
		return errorf(ErrInstrument, "inline gas charges: function %d is not the gas charge function", gasFunc)
	}
	for i := range m.Code[:last] {
		if body, changed := inlineCharges(m.Code[i].Body, gasFunc, gasGlobal); changed {
			m.Code[i].Body = body
			m.markCodeDirty(i)
		}
	}
	return nil
}

// gasCounterGlobal returns the global index of the imported counter module."gas_counter".
func gasCounterGlobal(m *Module, module string) (uint32, bool) {
	var idx uint32
	for _, im := range m.Imports {
		if im.Kind != KindGlobal {
			continue
		}
		if im.Module == module && im.Name == GasCounterName {
			return idx, im.Global.Type == I64 && im.Global.Mutable
		}
		idx++
	}
	return 0, false
}

// gasChargeBody is the body of $gas_charge(i64), which InjectGasMeter adds:
// subtract the argument from the counter and trap if it went negative.
func gasChargeBody(gasGlobal uint32) []Instr {
	return []Instr{
		mkIdx(OpGlobalGet, gasGlobal),
		mkIdx(OpLocalGet, 0),
		mkOp(OpI64Sub),
		mkIdx(OpGlobalSet, gasGlobal),
		mkIdx(OpGlobalGet, gasGlobal),
		mkI64(0),
		mkOp(OpI64LtS),
		mkBlock(OpIf, blockEmpty),
		mkOp(OpUnreachable),
		mkOp(OpEnd),
		mkOp(OpEnd),
	}
}

func isGasChargeBody(body []Instr, gasGlobal uint32) bool {
	want := gasChargeBody(gasGlobal)
	if len(body) != len(want) {
		return false
	}
	for i := range want {
		b, w := body[i], want[i]
		if b.Op != w.Op || b.A != w.A || b.B != w.B || b.V != w.V || b.Table != nil {
			return false
		}
	}
	return true
}

// inlinedChargeLen is the number of instructions replacing one static charge.
const inlinedChargeLen = 10

// inlineCharges returns body with every `i64.const C; call gasFunc` replaced, and whether
// there was any. The input is left untouched.
func inlineCharges(body []Instr, gasFunc, gasGlobal uint32) ([]Instr, bool) {
	n := 0
	for i := 1; i < len(body); i++ {
		if isStaticCharge(body, i, gasFunc) {
			n++
		}
	}
	if n == 0 {
		return body, false
	}
	out := make([]Instr, 0, len(body)+n*(inlinedChargeLen-2))
	for i := 0; i < len(body); i++ {
		if i+1 < len(body) && isStaticCharge(body, i+1, gasFunc) {
			out = append(out,
				mkIdx(OpGlobalGet, gasGlobal),
				body[i], // i64.const C
				mkOp(OpI64Sub),
				mkIdx(OpGlobalSet, gasGlobal),
				mkIdx(OpGlobalGet, gasGlobal),
				mkI64(0),
				mkOp(OpI64LtS),
				mkBlock(OpIf, blockEmpty),
				mkOp(OpUnreachable),
				mkOp(OpEnd),
			)
			i++ // the call
			continue
		}
		out = append(out, body[i])
	}
	return out, true
}

// isStaticCharge reports whether body[i] calls gasFunc with a constant argument pushed just
// before it. Dynamic charges compute the argument (i64.mul) and are not matched.
func isStaticCharge(body []Instr, i int, gasFunc uint32) bool {
	return body[i].Op == OpCall && body[i].A == gasFunc && i > 0 && body[i-1].Op == OpI64Const
}
