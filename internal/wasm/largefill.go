package wasm

// LargeFillVersion identifies the rewrite RouteLargeFills performs (with its threshold); the
// engine adds it to the instrumentation version of its compiled-code cache.
const LargeFillVersion = "large fills v1 (memory.fill of 64 KiB or more through gas.go-fvm/memory.fill)"

// LargeFillName is the import (in the gas module) that RouteLargeFills calls: a host
// function (dst, value, n i32) that fills n bytes of the caller's memory at dst, which it
// may assume in bounds.
const LargeFillName = "go-fvm/memory.fill"

// FVMLargeFillThreshold is the engine's threshold: a fill this large runs at memory
// bandwidth in the host, where a call costs a fraction of a percent of its time.
const FVMLargeFillThreshold = 64 << 10

// RouteLargeFills sends large memory.fill instructions to a host function, without
// changing gas or behaviour. Under wazero a memory.fill is a loop of 8 KiB copies, which
// reads what it writes: filling a large area runs at a fraction of the memory bandwidth a
// plain clear gets (non-temporal stores), so actors that zero tens of MiB (a growing Vec,
// EVM memory expansion) ran slower than the 0.4 gas per byte the FVM charges.
//
// It imports module.LargeFillName (after the other imports, shifting the indices of the
// defined functions) and replaces every memory.fill by
//
//	local.set $n; local.set $v; local.set $d
//	local.get $n; i32.const threshold; i32.ge_u
//	local.get $d; i64.extend_i32_u; local.get $n; i64.extend_i32_u; i64.add
//	memory.size; i64.extend_i32_u; i64.const 16; i64.shl; i64.le_u
//	i32.and
//	if; local.get $d; local.get $v; local.get $n; call $fill
//	else; local.get $d; local.get $v; local.get $n; memory.fill; end
//
// so only in-bounds fills of at least threshold bytes leave Wasm (anything else, out of
// bounds fills and their trap included, runs as before). $d, $v and $n are three i32
// locals appended to the function's.
//
// Like InjectSafePoints it must run after InjectGasMeter and the stack limiter: the inserted
// code is not metered (the fill's per-byte charge, inserted before the instruction, is
// unchanged) and the limiter's costs, computed before, do not count the new locals. A
// module without memory or without memory.fill is left alone. A module that already
// imports module.LargeFillName is refused (ErrInstrument): the name is the engine's, and
// ref-fvm would refuse such a module at link time.
func RouteLargeFills(m *Module, module string, threshold uint32) error {
	if m.NumMemories() == 0 || !hasMemoryFill(m) {
		return nil
	}
	for _, im := range m.Imports {
		if im.Module == module && im.Name == LargeFillName {
			return errorf(ErrInstrument, "large fills: module already imports %s.%s", module, LargeFillName)
		}
	}
	fill := m.importFunc(module, LargeFillName, FuncType{Params: []ValType{I32, I32, I32}})
	for i := range m.Code {
		ft, ok := m.FuncTypeOf(m.numImportedFuncs + uint32(i))
		if !ok {
			return errorf(ErrInstrument, "large fills: function %d has no type", m.numImportedFuncs+uint32(i))
		}
		if routeFills(&m.Code[i], uint32(len(ft.Params)), fill, threshold) {
			m.markCodeDirty(i)
		}
	}
	return nil
}

func hasMemoryFill(m *Module) bool {
	for i := range m.Code {
		for _, in := range m.Code[i].Body {
			if in.Op == OpMemoryFill {
				return true
			}
		}
	}
	return false
}

// routeFills rewrites a function's memory.fill instructions; it reports whether there was
// any.
func routeFills(c *Code, numParams, fill, threshold uint32) bool {
	n := 0
	for _, in := range c.Body {
		if in.Op == OpMemoryFill {
			n++
		}
	}
	if n == 0 {
		return false
	}
	next := uint64(numParams)
	for _, g := range c.Locals {
		next += uint64(g.Count)
	}
	d, v, cnt := uint32(next), uint32(next+1), uint32(next+2)
	c.Locals = append(c.Locals[:len(c.Locals):len(c.Locals)], LocalGroup{Count: 3, Type: I32})
	args := []Instr{mkIdx(OpLocalGet, d), mkIdx(OpLocalGet, v), mkIdx(OpLocalGet, cnt)}
	out := make([]Instr, 0, len(c.Body)+30*n)
	for _, in := range c.Body {
		if in.Op != OpMemoryFill {
			out = append(out, in)
			continue
		}
		out = append(out,
			mkIdx(OpLocalSet, cnt), mkIdx(OpLocalSet, v), mkIdx(OpLocalSet, d),
			mkIdx(OpLocalGet, cnt), mkI32(int32(threshold)), mkOp(OpI32GeU),
			mkIdx(OpLocalGet, d), mkOp(OpI64ExtendI32U), mkIdx(OpLocalGet, cnt), mkOp(OpI64ExtendI32U), mkOp(OpI64Add),
			mkIdx(OpMemorySize, 0), mkOp(OpI64ExtendI32U), mkI64(16), mkOp(OpI64Shl), mkOp(OpI64LeU),
			mkOp(OpI32And),
			mkBlock(OpIf, blockEmpty))
		out = append(out, args...)
		out = append(out, mkIdx(OpCall, fill), mkOp(OpElse))
		out = append(out, args...)
		out = append(out, in, mkOp(OpEnd))
	}
	c.Body = out
	return true
}

// importFunc adds a function import after the module's other imports and returns its
// index; the defined functions' indices move up by one everywhere they appear.
func (m *Module) importFunc(module, name string, ft FuncType) uint32 {
	typeIdx := m.addType(ft)
	idx := m.numImportedFuncs
	m.shiftFuncs(idx)
	m.Imports = append(m.Imports, Import{Module: module, Name: name, Kind: KindFunc, TypeIdx: typeIdx})
	m.numImportedFuncs++
	m.markDirty(SecImport)
	return idx
}

// shiftFuncs adds one to every function index from `from` on: calls and ref.func in
// bodies and constant expressions, exports, the start function and element segments.
func (m *Module) shiftFuncs(from uint32) {
	shift := func(idx *uint32) bool {
		if *idx < from {
			return false
		}
		*idx++
		return true
	}
	shiftExpr := func(e []Instr) bool {
		changed := false
		for i := range e {
			if e[i].Op == OpCall || e[i].Op == OpRefFunc {
				changed = shift(&e[i].A) || changed
			}
		}
		return changed
	}
	for i := range m.Code {
		if shiftExpr(m.Code[i].Body) {
			m.markCodeDirty(i)
		}
	}
	for i := range m.Globals {
		if shiftExpr(m.Globals[i].Init) {
			m.markDirty(SecGlobal)
		}
	}
	for i := range m.Exports {
		if m.Exports[i].Kind == KindFunc && shift(&m.Exports[i].Index) {
			m.markDirty(SecExport)
		}
	}
	if m.Start != nil && shift(m.Start) {
		m.markDirty(SecStart)
	}
	for i := range m.Elements {
		el := &m.Elements[i]
		for k := range el.Funcs {
			if shift(&el.Funcs[k]) {
				m.markDirty(SecElement)
			}
		}
		for _, e := range el.Exprs {
			if shiftExpr(e) {
				m.markDirty(SecElement)
			}
		}
	}
}
