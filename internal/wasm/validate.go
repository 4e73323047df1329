package wasm

import "fmt"

// Validate checks a decoded module against the feature set the FVM gives wasmtime
// (ref-fvm fvm/src/engine/mod.rs, identical in v3.13.3 and v4.8.2): WebAssembly 2.0 with
// bulk memory, sign extension, non-trapping float-to-int, mutable globals and reference
// types (funcref only, since wasmtime is built without "gc"), and without SIMD, relaxed SIMD,
// multi-value, tail calls, multi-memory, memory64, extended-const, threads, exceptions,
// custom page sizes or wide arithmetic.
//
// Errors wrap ErrInvalid, or ErrUnsupported where the module uses a disabled feature.
func Validate(m *Module) error {
	v := &validator{m: m, refs: map[uint32]bool{}}
	v.funcTypes = m.funcTypeIndices()
	for i := range m.Imports {
		switch m.Imports[i].Kind {
		case KindGlobal:
			v.globals = append(v.globals, m.Imports[i].Global)
		case KindTable:
			v.tables = append(v.tables, m.Imports[i].Table.Elem)
		}
	}
	for _, g := range m.Globals {
		v.globals = append(v.globals, g.Type)
	}
	for _, t := range m.Tables {
		v.tables = append(v.tables, t.Elem)
	}
	return v.module()
}

type validator struct {
	m    *Module
	refs map[uint32]bool // functions that ref.func may name

	// index spaces, imports first
	funcTypes []uint32
	globals   []GlobalType
	tables    []ValType

	// per-function state
	locals []ValType
	vals   []ValType
	ctrls  []ctrlFrame
	result []ValType
}

type ctrlFrame struct {
	op          Opcode
	result      ValType // 0 = none
	height      int
	unreachable bool
}

const unknownType ValType = 0

func invalidf(format string, args ...any) error { return errorf(ErrInvalid, format, args...) }

func (v *validator) module() error {
	m := v.m
	for i, t := range m.Types {
		if len(t.Results) > 1 {
			return errorf(ErrUnsupported, "type %d: multi-value results", i)
		}
	}
	var fi, ti, mi uint32
	for i := range m.Imports {
		im := &m.Imports[i]
		var err error
		switch im.Kind {
		case KindFunc:
			if int(im.TypeIdx) >= len(m.Types) {
				err = invalidf("unknown type %d", im.TypeIdx)
			}
			fi++
		case KindTable:
			err = checkTableLimits(im.Table.Limits)
			ti++
		case KindMemory:
			err = checkMemoryLimits(im.Memory)
			mi++
		}
		if err != nil {
			return fmt.Errorf("import %d (%q %q): %w", i, im.Module, im.Name, err)
		}
	}
	for i, t := range m.Funcs {
		if int(t) >= len(m.Types) {
			return invalidf("function %d: unknown type %d", m.numImportedFuncs+uint32(i), t)
		}
	}
	for i, t := range m.Tables {
		if err := checkTableLimits(t.Limits); err != nil {
			return fmt.Errorf("table %d: %w", i, err)
		}
	}
	if m.NumTables() > maxTables {
		return errorf(ErrTooLarge, "%d tables (limit %d)", m.NumTables(), maxTables)
	}
	if m.NumMemories() > 1 {
		return errorf(ErrUnsupported, "%d memories (multi-memory)", m.NumMemories())
	}
	for i, l := range m.Memories {
		if err := checkMemoryLimits(l); err != nil {
			return fmt.Errorf("memory %d: %w", i, err)
		}
	}
	// Functions that may be referenced by ref.func: those named outside function bodies.
	for _, e := range m.Exports {
		if e.Kind == KindFunc {
			v.refs[e.Index] = true
		}
	}
	for _, el := range m.Elements {
		for _, f := range el.Funcs {
			v.refs[f] = true
		}
		for _, x := range el.Exprs {
			for _, in := range x {
				if in.Op == OpRefFunc {
					v.refs[in.A] = true
				}
			}
		}
	}
	for _, g := range m.Globals {
		for _, in := range g.Init {
			if in.Op == OpRefFunc {
				v.refs[in.A] = true
			}
		}
	}
	for i, g := range m.Globals {
		if err := v.constExpr(g.Init, g.Type.Type); err != nil {
			return fmt.Errorf("global %d: %w", m.numImportedGlobals+uint32(i), err)
		}
	}
	if err := v.exports(); err != nil {
		return err
	}
	if m.Start != nil {
		ft, ok := m.FuncTypeOf(*m.Start)
		if !ok {
			return invalidf("start function %d: unknown function", *m.Start)
		}
		if len(ft.Params) != 0 || len(ft.Results) != 0 {
			return invalidf("start function %d: must take and return nothing", *m.Start)
		}
	}
	for i := range m.Elements {
		if err := v.element(&m.Elements[i]); err != nil {
			return fmt.Errorf("element segment %d: %w", i, err)
		}
	}
	for i := range m.Data {
		d := &m.Data[i]
		if d.Mode != ModeActive {
			continue
		}
		if d.Memory >= m.NumMemories() {
			return invalidf("data segment %d: unknown memory %d", i, d.Memory)
		}
		if err := v.constExpr(d.Offset, I32); err != nil {
			return fmt.Errorf("data segment %d offset: %w", i, err)
		}
	}
	for i := range m.Code {
		idx := m.numImportedFuncs + uint32(i)
		if err := v.function(i); err != nil {
			return fmt.Errorf("function %d: %w", idx, err)
		}
	}
	return nil
}

func checkTableLimits(l Limits) error {
	if l.Min > maxTableEntries {
		return errorf(ErrTooLarge, "table minimum %d above %d", l.Min, maxTableEntries)
	}
	if l.HasMax && l.Max < l.Min {
		return invalidf("table maximum %d below minimum %d", l.Max, l.Min)
	}
	return nil
}

func checkMemoryLimits(l Limits) error {
	if l.Min > maxMemoryPages || (l.HasMax && l.Max > maxMemoryPages) {
		return invalidf("memory size must be at most %d pages", maxMemoryPages)
	}
	if l.HasMax && l.Max < l.Min {
		return invalidf("memory maximum %d below minimum %d", l.Max, l.Min)
	}
	return nil
}

func (v *validator) exports() error {
	m := v.m
	seen := make(map[string]bool, len(m.Exports))
	for _, e := range m.Exports {
		if seen[e.Name] {
			return invalidf("duplicate export name %q", e.Name)
		}
		seen[e.Name] = true
		var n uint32
		switch e.Kind {
		case KindFunc:
			n = m.NumFuncs()
		case KindTable:
			n = m.NumTables()
		case KindMemory:
			n = m.NumMemories()
		case KindGlobal:
			n = m.NumGlobals()
		}
		if e.Index >= n {
			return invalidf("export %q: index %d out of range", e.Name, e.Index)
		}
	}
	return nil
}

func (v *validator) element(e *Element) error {
	m := v.m
	if e.Mode == ModeActive {
		tt, ok := m.tableType(e.Table)
		if !ok {
			return invalidf("unknown table %d", e.Table)
		}
		if tt.Elem != e.Type {
			return invalidf("element type %s does not match table type %s", e.Type, tt.Elem)
		}
		if err := v.constExpr(e.Offset, I32); err != nil {
			return fmt.Errorf("offset: %w", err)
		}
	}
	for _, f := range e.Funcs {
		if f >= m.NumFuncs() {
			return invalidf("unknown function %d", f)
		}
	}
	for _, x := range e.Exprs {
		if err := v.constExpr(x, e.Type); err != nil {
			return err
		}
	}
	return nil
}

// constExpr checks a constant expression of the given type. Without extended-const and
// GC, it is exactly one constant instruction followed by end, and global.get may only read
// an immutable imported global.
func (v *validator) constExpr(e ConstExpr, want ValType) error {
	if len(e) == 0 || e[len(e)-1].Op != OpEnd {
		return invalidf("constant expression without end")
	}
	if len(e) != 2 {
		for _, in := range e[:len(e)-1] {
			switch in.Op {
			case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e:
				return errorf(ErrUnsupported, "%s in constant expression (extended-const)", in.Op)
			}
		}
		return invalidf("constant expression must be a single instruction, has %d", len(e)-1)
	}
	in := e[0]
	var got ValType
	switch in.Op {
	case OpI32Const:
		got = I32
	case OpI64Const:
		got = I64
	case OpF32Const:
		got = F32
	case OpF64Const:
		got = F64
	case OpRefNull:
		if ValType(in.A) != FuncRef {
			return refTypeErr(in.A)
		}
		got = FuncRef
	case OpRefFunc:
		if in.A >= v.m.NumFuncs() {
			return invalidf("ref.func: unknown function %d", in.A)
		}
		got = FuncRef
	case OpGlobalGet:
		if in.A >= v.m.numImportedGlobals {
			return invalidf("constant expression reads global %d, which is not imported", in.A)
		}
		gt, _ := v.m.globalType(in.A)
		if gt.Mutable {
			return invalidf("constant expression reads mutable global %d", in.A)
		}
		got = gt.Type
	default:
		return invalidf("%s is not a constant instruction", in.Op)
	}
	if got != want {
		return invalidf("constant expression has type %s, want %s", got, want)
	}
	return nil
}

func refTypeErr(t uint32) error {
	switch ValType(t) {
	case ExternRef:
		return errorf(ErrUnsupported, "externref type")
	case FuncRef:
		return nil
	}
	return invalidf("invalid reference type 0x%02x", t)
}

// Function bodies.

func (v *validator) function(i int) error {
	m := v.m
	ft := m.Types[m.Funcs[i]]
	c := &m.Code[i]
	v.locals = append(v.locals[:0], ft.Params...)
	total := uint64(len(ft.Params))
	for _, g := range c.Locals {
		total += uint64(g.Count)
	}
	if total > maxFunctionLocals {
		return errorf(ErrTooLarge, "%d parameters and locals (limit %d)", total, maxFunctionLocals)
	}
	for _, g := range c.Locals {
		for k := uint32(0); k < g.Count; k++ {
			v.locals = append(v.locals, g.Type)
		}
	}
	v.result = ft.Results
	v.vals = v.vals[:0]
	var res ValType
	if len(ft.Results) == 1 {
		res = ft.Results[0]
	}
	v.ctrls = append(v.ctrls[:0], ctrlFrame{op: OpBlock, result: res})
	for pc := range c.Body {
		if len(v.ctrls) == 0 {
			return invalidf("instruction after the function's final end")
		}
		if err := v.instr(&c.Body[pc]); err != nil {
			return fmt.Errorf("instruction %d (%s): %w", pc, c.Body[pc].Op, err)
		}
	}
	if len(v.ctrls) != 0 {
		return invalidf("function body not terminated")
	}
	return nil
}

func (v *validator) push(t ValType) { v.vals = append(v.vals, t) }

func (v *validator) pop() (ValType, error) {
	f := &v.ctrls[len(v.ctrls)-1]
	if len(v.vals) == f.height {
		if f.unreachable {
			return unknownType, nil
		}
		return 0, invalidf("operand stack underflow")
	}
	t := v.vals[len(v.vals)-1]
	v.vals = v.vals[:len(v.vals)-1]
	return t, nil
}

func (v *validator) popExpect(want ValType) (ValType, error) {
	t, err := v.pop()
	if err != nil {
		return 0, err
	}
	if t != unknownType && want != unknownType && t != want {
		return 0, invalidf("type mismatch: expected %s, found %s", want, t)
	}
	if t == unknownType {
		return want, nil
	}
	return t, nil
}

func (v *validator) popN(ts ...ValType) error {
	for i := len(ts) - 1; i >= 0; i-- {
		if _, err := v.popExpect(ts[i]); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) unreachable() {
	f := &v.ctrls[len(v.ctrls)-1]
	v.vals = v.vals[:f.height]
	f.unreachable = true
}

// labelType returns the value a branch to label l carries (0 = none).
func (v *validator) labelType(l uint32) (ValType, error) {
	if uint64(l) >= uint64(len(v.ctrls)) {
		return 0, invalidf("unknown label %d", l)
	}
	f := &v.ctrls[len(v.ctrls)-1-int(l)]
	if f.op == OpLoop {
		return 0, nil
	}
	return f.result, nil
}

func (v *validator) blockType(bt int64) (ValType, error) {
	if bt == blockEmpty {
		return 0, nil
	}
	if bt >= 0 {
		return 0, errorf(ErrUnsupported, "block type index %d (multi-value)", bt)
	}
	t := ValType(byte(bt & 0x7f))
	switch t {
	case I32, I64, F32, F64, FuncRef:
		return t, nil
	case ExternRef:
		return 0, errorf(ErrUnsupported, "externref block type")
	case V128:
		return 0, errorf(ErrUnsupported, "v128 block type (SIMD)")
	}
	return 0, invalidf("invalid block type %d", bt)
}

func (v *validator) needMemory() error {
	if v.m.NumMemories() == 0 {
		return invalidf("no memory")
	}
	return nil
}

func (v *validator) table(idx uint32) (ValType, error) {
	if uint64(idx) >= uint64(len(v.tables)) {
		return 0, invalidf("unknown table %d", idx)
	}
	return v.tables[idx], nil
}

func (v *validator) needDataCount(idx uint32) error {
	if v.m.DataCount == nil {
		return invalidf("data count section required")
	}
	if idx >= *v.m.DataCount {
		return invalidf("unknown data segment %d", idx)
	}
	return nil
}

func (v *validator) elemType(idx uint32) (ValType, error) {
	if uint64(idx) >= uint64(len(v.m.Elements)) {
		return 0, invalidf("unknown element segment %d", idx)
	}
	return v.m.Elements[idx].Type, nil
}

func (v *validator) instr(in *Instr) error {
	op := in.Op
	if isMemOp(op) {
		return v.memInstr(in)
	}
	if sig, ok := numericSigOf(op); ok {
		if err := v.popN(sig.in...); err != nil {
			return err
		}
		v.push(sig.out)
		return nil
	}
	switch op {
	case OpUnreachable:
		v.unreachable()
	case OpNop:
	case OpBlock, OpLoop, OpIf:
		t, err := v.blockType(int64(in.V))
		if err != nil {
			return err
		}
		if op == OpIf {
			if _, err := v.popExpect(I32); err != nil {
				return err
			}
		}
		v.ctrls = append(v.ctrls, ctrlFrame{op: op, result: t, height: len(v.vals)})
	case OpElse:
		f := &v.ctrls[len(v.ctrls)-1]
		if f.op != OpIf {
			return invalidf("else without matching if")
		}
		if err := v.endFrame(f); err != nil {
			return err
		}
		f.op = OpElse
		f.unreachable = false
	case OpEnd:
		f := v.ctrls[len(v.ctrls)-1]
		if err := v.endFrame(&f); err != nil {
			return err
		}
		if f.op == OpIf && f.result != 0 {
			return invalidf("if without else must not produce a value")
		}
		v.ctrls = v.ctrls[:len(v.ctrls)-1]
		if f.result != 0 {
			v.push(f.result)
		}
	case OpBr:
		t, err := v.labelType(in.A)
		if err != nil {
			return err
		}
		if err := v.popOpt(t); err != nil {
			return err
		}
		v.unreachable()
	case OpBrIf:
		t, err := v.labelType(in.A)
		if err != nil {
			return err
		}
		if _, err := v.popExpect(I32); err != nil {
			return err
		}
		if err := v.popOpt(t); err != nil {
			return err
		}
		if t != 0 {
			v.push(t)
		}
	case OpBrTable:
		return v.brTable(in)
	case OpReturn:
		if err := v.popN(v.result...); err != nil {
			return err
		}
		v.unreachable()
	case OpCall:
		if uint64(in.A) >= uint64(len(v.funcTypes)) || int(v.funcTypes[in.A]) >= len(v.m.Types) {
			return invalidf("unknown function %d", in.A)
		}
		return v.call(v.m.Types[v.funcTypes[in.A]])
	case OpCallIndirect:
		et, err := v.table(in.B)
		if err != nil {
			return err
		}
		if et != FuncRef {
			return invalidf("call_indirect on a table of %s", et)
		}
		if int(in.A) >= len(v.m.Types) {
			return invalidf("unknown type %d", in.A)
		}
		if _, err := v.popExpect(I32); err != nil {
			return err
		}
		return v.call(v.m.Types[in.A])
	case OpDrop:
		_, err := v.pop()
		return err
	case OpSelect:
		return v.selectUntyped()
	case OpSelectT:
		t := ValType(in.A)
		switch t {
		case I32, I64, F32, F64, FuncRef:
		case ExternRef:
			return errorf(ErrUnsupported, "externref type")
		case V128:
			return errorf(ErrUnsupported, "v128 type (SIMD)")
		default:
			return invalidf("invalid select type 0x%02x", in.A)
		}
		if err := v.popN(t, t, I32); err != nil {
			return err
		}
		v.push(t)
	case OpLocalGet, OpLocalSet, OpLocalTee:
		if uint64(in.A) >= uint64(len(v.locals)) {
			return invalidf("unknown local %d", in.A)
		}
		t := v.locals[in.A]
		if op != OpLocalGet {
			if _, err := v.popExpect(t); err != nil {
				return err
			}
		}
		if op != OpLocalSet {
			v.push(t)
		}
	case OpGlobalGet, OpGlobalSet:
		if uint64(in.A) >= uint64(len(v.globals)) {
			return invalidf("unknown global %d", in.A)
		}
		gt := v.globals[in.A]
		if op == OpGlobalGet {
			v.push(gt.Type)
			return nil
		}
		if !gt.Mutable {
			return invalidf("global.set of immutable global %d", in.A)
		}
		_, err := v.popExpect(gt.Type)
		return err
	case OpTableGet, OpTableSet:
		et, err := v.table(in.A)
		if err != nil {
			return err
		}
		if op == OpTableGet {
			if _, err := v.popExpect(I32); err != nil {
				return err
			}
			v.push(et)
			return nil
		}
		return v.popN(I32, et)
	case OpMemorySize, OpMemoryGrow:
		if err := v.memIndex(in.A); err != nil {
			return err
		}
		if op == OpMemoryGrow {
			if _, err := v.popExpect(I32); err != nil {
				return err
			}
		}
		v.push(I32)
	case OpI32Const:
		v.push(I32)
	case OpI64Const:
		v.push(I64)
	case OpF32Const:
		v.push(F32)
	case OpF64Const:
		v.push(F64)
	case OpRefNull:
		if err := refTypeErr(in.A); err != nil {
			return err
		}
		v.push(FuncRef)
	case OpRefIsNull:
		t, err := v.pop()
		if err != nil {
			return err
		}
		if t != unknownType && t != FuncRef {
			return invalidf("ref.is_null on %s", t)
		}
		v.push(I32)
	case OpRefFunc:
		if in.A >= v.m.NumFuncs() {
			return invalidf("unknown function %d", in.A)
		}
		if !v.refs[in.A] {
			return invalidf("ref.func %d: function not declared in an element segment, export or global", in.A)
		}
		v.push(FuncRef)
	default:
		return v.bulkInstr(in)
	}
	return nil
}

func (v *validator) memIndex(idx uint32) error {
	if idx != 0 {
		return errorf(ErrUnsupported, "memory index %d (multi-memory)", idx)
	}
	return v.needMemory()
}

// popOpt pops one value of type t if t is not 0.
func (v *validator) popOpt(t ValType) error {
	if t == 0 {
		return nil
	}
	_, err := v.popExpect(t)
	return err
}

func (v *validator) endFrame(f *ctrlFrame) error {
	if err := v.popOpt(f.result); err != nil {
		return err
	}
	if len(v.vals) != f.height {
		return invalidf("type mismatch: values remaining on the stack at the end of a block")
	}
	return nil
}

func (v *validator) brTable(in *Instr) error {
	if _, err := v.popExpect(I32); err != nil {
		return err
	}
	if in.Table == nil {
		return invalidf("br_table without labels")
	}
	def := in.Table.Default
	dt, err := v.labelType(def)
	if err != nil {
		return err
	}
	arity := 0
	if dt != 0 {
		arity = 1
	}
	for _, l := range in.Table.Targets {
		t, err := v.labelType(l)
		if err != nil {
			return err
		}
		if (t != 0) != (arity == 1) {
			return invalidf("br_table targets have different arities")
		}
		if t != 0 {
			// Pop and push back the value as found, so an unknown (polymorphic) value stays
			// unknown for the next label.
			got, err := v.pop()
			if err != nil {
				return err
			}
			if got != unknownType && got != t {
				return invalidf("type mismatch: expected %s, found %s", t, got)
			}
			v.push(got)
		}
	}
	if err := v.popOpt(dt); err != nil {
		return err
	}
	v.unreachable()
	return nil
}

func (v *validator) call(ft FuncType) error {
	if err := v.popN(ft.Params...); err != nil {
		return err
	}
	for _, t := range ft.Results {
		v.push(t)
	}
	return nil
}

func (v *validator) selectUntyped() error {
	if _, err := v.popExpect(I32); err != nil {
		return err
	}
	t1, err := v.pop()
	if err != nil {
		return err
	}
	t2, err := v.pop()
	if err != nil {
		return err
	}
	if t1 == FuncRef || t1 == ExternRef || t2 == FuncRef || t2 == ExternRef {
		return invalidf("untyped select on a reference type")
	}
	if t1 != unknownType && t2 != unknownType && t1 != t2 {
		return invalidf("type mismatch in select: %s and %s", t2, t1)
	}
	if t1 == unknownType {
		t1 = t2
	}
	v.push(t1)
	return nil
}

// memory access: natural alignment per opcode (log2 of the access size).
var memAlign = [...]uint32{2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2}
var memTypes = [...]ValType{I32, I64, F32, F64, I32, I32, I32, I32, I64, I64, I64, I64, I64, I64,
	I32, I64, F32, F64, I32, I32, I64, I64, I64}

func (v *validator) memInstr(in *Instr) error {
	if err := v.needMemory(); err != nil {
		return err
	}
	k := in.Op - OpI32Load
	if in.A > memAlign[k] {
		return invalidf("alignment 2^%d larger than natural", in.A)
	}
	t := memTypes[k]
	if in.Op < OpI32Store {
		if _, err := v.popExpect(I32); err != nil {
			return err
		}
		v.push(t)
		return nil
	}
	return v.popN(I32, t)
}

func (v *validator) bulkInstr(in *Instr) error {
	switch in.Op {
	case OpMemoryInit:
		if err := v.memIndex(in.B); err != nil {
			return err
		}
		if err := v.needDataCount(in.A); err != nil {
			return err
		}
		return v.popN(I32, I32, I32)
	case OpDataDrop:
		return v.needDataCount(in.A)
	case OpMemoryCopy:
		if err := v.memIndex(in.A); err != nil {
			return err
		}
		if err := v.memIndex(in.B); err != nil {
			return err
		}
		return v.popN(I32, I32, I32)
	case OpMemoryFill:
		if err := v.memIndex(in.A); err != nil {
			return err
		}
		return v.popN(I32, I32, I32)
	case OpTableInit:
		tt, err := v.table(in.B)
		if err != nil {
			return err
		}
		et, err := v.elemType(in.A)
		if err != nil {
			return err
		}
		if et != tt {
			return invalidf("table.init: element type %s does not match table type %s", et, tt)
		}
		return v.popN(I32, I32, I32)
	case OpElemDrop:
		_, err := v.elemType(in.A)
		return err
	case OpTableCopy:
		dt, err := v.table(in.A)
		if err != nil {
			return err
		}
		st, err := v.table(in.B)
		if err != nil {
			return err
		}
		if dt != st {
			return invalidf("table.copy between tables of %s and %s", st, dt)
		}
		return v.popN(I32, I32, I32)
	case OpTableGrow:
		et, err := v.table(in.A)
		if err != nil {
			return err
		}
		if err := v.popN(et, I32); err != nil {
			return err
		}
		v.push(I32)
		return nil
	case OpTableSize:
		if _, err := v.table(in.A); err != nil {
			return err
		}
		v.push(I32)
		return nil
	case OpTableFill:
		et, err := v.table(in.A)
		if err != nil {
			return err
		}
		return v.popN(I32, et, I32)
	}
	return invalidf("unknown instruction %s", in.Op)
}

type numericSig struct {
	in  []ValType
	out ValType
}

// numericSigs gives the operand and result types of the numeric instructions: one-byte
// opcodes at their value, 0xFC-prefixed ones at 256 + sub-opcode. out is 0 for others.
var numericSigs [256 + 32]numericSig

// numericSigOf returns the signature of a numeric instruction.
func numericSigOf(op Opcode) (numericSig, bool) {
	i := int(op)
	if op >= opPrefixFC {
		i = 256 + int(op-opPrefixFC)
	}
	if i >= len(numericSigs) || numericSigs[i].out == 0 {
		return numericSig{}, false
	}
	return numericSigs[i], true
}

func init() {
	add := func(from, to Opcode, out ValType, in ...ValType) {
		for op := from; op <= to; op++ {
			i := int(op)
			if op >= opPrefixFC {
				i = 256 + int(op-opPrefixFC)
			}
			numericSigs[i] = numericSig{in: in, out: out}
		}
	}
	add(0x45, 0x45, I32, I32)
	add(0x46, 0x4f, I32, I32, I32)
	add(0x50, 0x50, I32, I64)
	add(0x51, 0x5a, I32, I64, I64)
	add(0x5b, 0x60, I32, F32, F32)
	add(0x61, 0x66, I32, F64, F64)
	add(0x67, 0x69, I32, I32)
	add(0x6a, 0x78, I32, I32, I32)
	add(0x79, 0x7b, I64, I64)
	add(0x7c, 0x8a, I64, I64, I64)
	add(0x8b, 0x91, F32, F32)
	add(0x92, 0x98, F32, F32, F32)
	add(0x99, 0x9f, F64, F64)
	add(0xa0, 0xa6, F64, F64, F64)
	add(0xa7, 0xa7, I32, I64)
	add(0xa8, 0xa9, I32, F32)
	add(0xaa, 0xab, I32, F64)
	add(0xac, 0xad, I64, I32)
	add(0xae, 0xaf, I64, F32)
	add(0xb0, 0xb1, I64, F64)
	add(0xb2, 0xb3, F32, I32)
	add(0xb4, 0xb5, F32, I64)
	add(0xb6, 0xb6, F32, F64)
	add(0xb7, 0xb8, F64, I32)
	add(0xb9, 0xba, F64, I64)
	add(0xbb, 0xbb, F64, F32)
	add(0xbc, 0xbc, I32, F32)
	add(0xbd, 0xbd, I64, F64)
	add(0xbe, 0xbe, F32, I32)
	add(0xbf, 0xbf, F64, I64)
	add(0xc0, 0xc1, I32, I32)
	add(0xc2, 0xc4, I64, I64)
	add(0xfc00, 0xfc01, I32, F32)
	add(0xfc02, 0xfc03, I32, F64)
	add(0xfc04, 0xfc05, I64, F32)
	add(0xfc06, 0xfc07, I64, F64)
}
