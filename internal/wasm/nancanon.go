package wasm

// Canonical NaN bit patterns (positive, quiet, zero payload), as Cranelift produces them.
const (
	CanonicalNaN32 uint32 = 0x7fc00000
	CanonicalNaN64 uint64 = 0x7ff8000000000000
)

// nanResultType reports whether op is one whose NaN results wasmtime 36 canonicalises
// (cranelift/codegen/src/nan_canonicalization.rs: fadd, fsub, fmul, fdiv, fmin, fmax, sqrt,
// ceil, floor, trunc, nearest, fdemote, fpromote) and the type of its result. Sign-bit
// operations (abs, neg, copysign), loads, constants, reinterprets and int-to-float
// conversions are left alone, as in Cranelift.
func nanResultType(op Opcode) (ValType, bool) {
	switch op {
	case OpF32Ceil, OpF32Floor, OpF32Trunc, OpF32Nearest, OpF32Sqrt,
		OpF32Add, OpF32Sub, OpF32Mul, OpF32Div, OpF32Min, OpF32Max, OpF32DemoteF64:
		return F32, true
	case OpF64Ceil, OpF64Floor, OpF64Trunc, OpF64Nearest, OpF64Sqrt,
		OpF64Add, OpF64Sub, OpF64Mul, OpF64Div, OpF64Min, OpF64Max, OpF64PromoteF32:
		return F64, true
	}
	return 0, false
}

// CanonicalizeNaNs rewrites every function so that the float operations Cranelift
// canonicalises (with `cranelift_nan_canonicalization`, which the FVM turns on) replace a
// NaN result by the canonical NaN, making float results deterministic under any engine.
//
// After such an operation it inserts
//
//	local.tee $t; fN.const canonical; local.get $t; local.get $t; fN.eq; select
//
// which keeps the value when it equals itself and yields the canonical NaN otherwise. $t is
// one scratch local per float type, appended to the function's locals, so existing local
// indices do not move. Run it after gas metering: the inserted code is not metered, like
// Cranelift's, and the stack limiter's costs are computed before it.
func CanonicalizeNaNs(m *Module) error {
	for i := range m.Code {
		ft, ok := m.FuncTypeOf(m.numImportedFuncs + uint32(i))
		if !ok {
			return errorf(ErrInstrument, "nan canonicalisation: function %d has no type", m.numImportedFuncs+uint32(i))
		}
		if canonicalizeFunction(&m.Code[i], uint32(len(ft.Params))) {
			m.markCodeDirty(i)
		}
	}
	return nil
}

func canonicalizeFunction(c *Code, numParams uint32) bool {
	var need32, need64 int
	for i := range c.Body {
		if t, ok := nanResultType(c.Body[i].Op); ok {
			if t == F32 {
				need32++
			} else {
				need64++
			}
		}
	}
	if need32+need64 == 0 {
		return false
	}
	next := uint64(numParams)
	for _, g := range c.Locals {
		next += uint64(g.Count)
	}
	locals := c.Locals[:len(c.Locals):len(c.Locals)]
	var t32, t64 uint32
	if need32 > 0 {
		t32 = uint32(next)
		next++
		locals = append(locals, LocalGroup{Count: 1, Type: F32})
	}
	if need64 > 0 {
		t64 = uint32(next)
		locals = append(locals, LocalGroup{Count: 1, Type: F64})
	}
	out := make([]Instr, 0, len(c.Body)+6*(need32+need64))
	for _, in := range c.Body {
		out = append(out, in)
		t, ok := nanResultType(in.Op)
		if !ok {
			continue
		}
		if t == F32 {
			out = append(out,
				mkIdx(OpLocalTee, t32),
				Instr{Op: OpF32Const, V: uint64(CanonicalNaN32)},
				mkIdx(OpLocalGet, t32),
				mkIdx(OpLocalGet, t32),
				mkOp(OpF32Eq),
				mkOp(OpSelect),
			)
			continue
		}
		out = append(out,
			mkIdx(OpLocalTee, t64),
			Instr{Op: OpF64Const, V: CanonicalNaN64},
			mkIdx(OpLocalGet, t64),
			mkIdx(OpLocalGet, t64),
			mkOp(OpF64Eq),
			mkOp(OpSelect),
		)
	}
	c.Body, c.Locals = out, locals
	return true
}
