package wasm

import (
	"fmt"
	"sort"
)

// activationFrameCost is the height every function starts with in the stack-cost analysis.
const activationFrameCost = 2

// InjectStackLimiter rewrites m the way fvm-wasm-instrument 0.4.0 `stack_limiter::inject`
// does, with the given limit (the FVM uses 2048):
//
//   - a mutable i32 global (the stack height, starting at 0) is appended to the globals;
//   - every direct call to a defined function is wrapped in a preamble that adds the
//     callee's stack cost to the height and traps (unreachable) when the height exceeds the
//     limit, and a postamble that subtracts it again;
//   - exported functions, functions in function-index element segments and the start
//     function get thunks that do the same around the call, and those references are
//     redirected to the thunks.
//
// Errors wrap ErrInstrument.
func InjectStackLimiter(m *Module, limit uint32) error {
	return injectStackLimiter(m, limit, false)
}

// InjectStackLimiterV2 is InjectStackLimiter as fvm-wasm-instrument 0.2.0 (FVM v2, nv16-17)
// does it: the same rewrite, but a function's stack cost counts its locals, not its
// local-declaration groups. Only the height constants (so where a deep recursion traps)
// differ; the instructions, and so the gas, are the same.
func InjectStackLimiterV2(m *Module, limit uint32) error {
	return injectStackLimiter(m, limit, true)
}

func injectStackLimiter(m *Module, limit uint32, countLocals bool) error {
	if err := m.checkIndexSpaces(); err != nil {
		return err
	}
	// Quirk (fvm-wasm-instrument stack_limiter::generate_stack_height_global): the new
	// global's index is taken to be the number of *defined* globals; imported globals are
	// not counted.
	heightGlobal := uint32(len(m.Globals))
	m.Globals = append(m.Globals, Global{
		Type: GlobalType{Type: I32, Mutable: true},
		Init: ConstExpr{mkI32(0), mkOp(OpEnd)},
	})
	m.markDirty(SecGlobal)

	costs, err := stackCosts(m, countLocals)
	if err != nil {
		return err
	}
	// The reference always rewrites the code section, creating it when it was absent (a
	// module whose function section is empty); gas metering then finds it.
	if !m.present[SecCode] {
		m.markDirty(SecCode)
	}
	for i := range m.Code {
		if !hasCostlyCall(m.Code[i].Body, costs) {
			continue
		}
		m.Code[i].Body = instrumentCalls(m.Code[i].Body, costs, heightGlobal, limit)
		m.markCodeDirty(i)
	}
	return generateThunks(m, costs, heightGlobal, limit)
}

// checkIndexSpaces rejects modules whose function and code sections disagree; the
// reference requires both sections when it rewrites them.
func (m *Module) checkIndexSpaces() error {
	if len(m.Funcs) != len(m.Code) {
		return errorf(ErrInstrument, "function and code sections disagree")
	}
	return nil
}

// stackCosts computes every function's stack cost: 0 for imports, and for a defined
// function the number of local-declaration groups (with countLocals, of locals) plus its
// maximal operand-stack height.
func stackCosts(m *Module, countLocals bool) ([]uint32, error) {
	costs := make([]uint32, m.NumFuncs())
	types := m.funcTypeIndices()
	for i := range m.Code {
		idx := m.numImportedFuncs + uint32(i)
		h, err := maxHeight(m, types, i)
		if err != nil {
			return nil, errorf(ErrInstrument, "stack limiter: function %d: %v", idx, err)
		}
		// Quirk (fvm-wasm-instrument stack_limiter::compute_stack_cost): it counts the
		// entries of the locals vector (groups), not the locals, and not the parameters.
		// 0.2.0 (parity-wasm) sums the groups' counts instead, still without the
		// parameters, and fails when the sum overflows a u32.
		groups := uint64(len(m.Code[i].Locals))
		if countLocals {
			if groups, err = localCount(m.Code[i].Locals); err != nil {
				return nil, errorf(ErrInstrument, "stack limiter: function %d: %v", idx, err)
			}
		}
		if groups+uint64(h) > 0xffffffff {
			return nil, errorf(ErrInstrument, "stack limiter: function %d: stack cost overflows", idx)
		}
		costs[idx] = uint32(groups) + h
	}
	return costs, nil
}

// localCount sums the counts of local-declaration groups: an error when it overflows a u32.
func localCount(groups []LocalGroup) (uint64, error) {
	var n uint64
	for _, g := range groups {
		n += uint64(g.Count)
		if n > 0xffffffff {
			return 0, fmt.Errorf("overflow in local count")
		}
	}
	return n, nil
}

type heightFrame struct {
	polymorphic bool
	endArity    uint32
	branchArity uint32
	start       uint32
}

type heightStack struct {
	height uint32
	frames []heightFrame
}

func (s *heightStack) frame(depth uint32) (*heightFrame, error) {
	if uint64(depth) >= uint64(len(s.frames)) {
		return nil, fmt.Errorf("control stack out of bounds")
	}
	return &s.frames[len(s.frames)-1-int(depth)], nil
}

func (s *heightStack) push(n uint32) error {
	if s.height+n < s.height {
		return fmt.Errorf("stack height overflow")
	}
	s.height += n
	return nil
}

// pop removes n values. Quirk (fvm-wasm-instrument max_height): it only refuses to pop
// when the height equals the top frame's start height exactly (a polymorphic frame makes
// that a no-op); otherwise the height may drop below the frame's start.
func (s *heightStack) pop(n uint32) error {
	if n == 0 {
		return nil
	}
	if len(s.frames) == 0 {
		return fmt.Errorf("control stack is empty")
	}
	top := &s.frames[len(s.frames)-1]
	if s.height == top.start {
		if top.polymorphic {
			return nil
		}
		return fmt.Errorf("popping more values than pushed")
	}
	if s.height < n {
		return fmt.Errorf("stack underflow")
	}
	s.height -= n
	return nil
}

func (s *heightStack) markUnreachable() error {
	if len(s.frames) == 0 {
		return fmt.Errorf("control stack is empty")
	}
	s.frames[len(s.frames)-1].polymorphic = true
	return nil
}

// maxHeight runs the reference's abstract stack-height computation over defined function i.
func maxHeight(m *Module, types []uint32, i int) (uint32, error) {
	ti := types[m.numImportedFuncs+uint32(i)]
	if int(ti) >= len(m.Types) {
		return 0, fmt.Errorf("unknown type")
	}
	ft := m.Types[ti]
	arity := uint32(len(ft.Results))
	s := &heightStack{height: activationFrameCost}
	s.frames = append(s.frames, heightFrame{endArity: arity, branchArity: arity})
	var max uint32
	body := m.Code[i].Body
	for k := range body {
		in := &body[k]
		if len(s.frames) == 0 {
			return 0, fmt.Errorf("control stack is empty")
		}
		if s.height > max && !s.frames[len(s.frames)-1].polymorphic {
			max = s.height
		}
		if err := heightStep(m, types, s, in, arity); err != nil {
			return 0, fmt.Errorf("%s: %w", in.Op, err)
		}
	}
	return max, nil
}

func heightStep(m *Module, types []uint32, s *heightStack, in *Instr, funcArity uint32) error {
	op := in.Op
	if isMemOp(op) {
		if op < OpI32Store {
			return popPush(s, 1, 1)
		}
		return s.pop(2)
	}
	if sig, ok := numericSigOf(op); ok {
		return popPush(s, uint32(len(sig.in)), 1)
	}
	switch op {
	case OpNop, OpElse, OpDataDrop, OpElemDrop:
		// Quirk (fvm-wasm-instrument max_height): else neither resets the height nor
		// clears the frame's polymorphic flag.
		return nil
	case OpBlock, OpLoop, OpIf:
		var end uint32
		if int64(in.V) != blockEmpty {
			end = 1
		}
		branch := end
		if op == OpLoop {
			branch = 0
		}
		if op == OpIf {
			if err := s.pop(1); err != nil {
				return err
			}
		}
		s.frames = append(s.frames, heightFrame{endArity: end, branchArity: branch, start: s.height})
		return nil
	case OpEnd:
		if len(s.frames) == 0 {
			return fmt.Errorf("control stack is empty")
		}
		f := s.frames[len(s.frames)-1]
		s.frames = s.frames[:len(s.frames)-1]
		s.height = f.start
		return s.push(f.endArity)
	case OpUnreachable:
		return s.markUnreachable()
	case OpBr:
		f, err := s.frame(in.A)
		if err != nil {
			return err
		}
		if err := s.pop(f.branchArity); err != nil {
			return err
		}
		return s.markUnreachable()
	case OpBrIf:
		f, err := s.frame(in.A)
		if err != nil {
			return err
		}
		a := f.branchArity
		if err := s.pop(a); err != nil {
			return err
		}
		if err := s.pop(1); err != nil {
			return err
		}
		return s.push(a)
	case OpBrTable:
		if in.Table == nil {
			return fmt.Errorf("br_table without labels")
		}
		def, err := s.frame(in.Table.Default)
		if err != nil {
			return err
		}
		a := def.branchArity
		for _, l := range in.Table.Targets {
			f, err := s.frame(l)
			if err != nil {
				return err
			}
			if f.branchArity != a {
				return fmt.Errorf("arity of all jump targets must be equal")
			}
		}
		if err := s.pop(a); err != nil {
			return err
		}
		return s.markUnreachable()
	case OpReturn:
		if err := s.pop(funcArity); err != nil {
			return err
		}
		return s.markUnreachable()
	case OpCall:
		if uint64(in.A) >= uint64(len(types)) || int(types[in.A]) >= len(m.Types) {
			return fmt.Errorf("unknown function %d", in.A)
		}
		ft := m.Types[types[in.A]]
		return popPush(s, uint32(len(ft.Params)), uint32(len(ft.Results)))
	case OpCallIndirect:
		if int(in.A) >= len(m.Types) {
			return fmt.Errorf("unknown type %d", in.A)
		}
		ft := m.Types[in.A]
		if err := s.pop(1); err != nil {
			return err
		}
		return popPush(s, uint32(len(ft.Params)), uint32(len(ft.Results)))
	case OpDrop:
		return s.pop(1)
	case OpSelect:
		if err := s.pop(2); err != nil {
			return err
		}
		return popPush(s, 1, 1)
	case OpLocalGet, OpGlobalGet, OpMemorySize, OpI32Const, OpI64Const, OpF32Const,
		OpF64Const, OpTableSize:
		return s.push(1)
	case OpLocalSet, OpGlobalSet:
		return s.pop(1)
	case OpLocalTee, OpMemoryGrow, OpTableGet:
		return popPush(s, 1, 1)
	case OpMemoryInit, OpMemoryCopy, OpMemoryFill, OpTableInit, OpTableCopy, OpTableFill:
		return s.pop(3)
	case OpTableGrow:
		return popPush(s, 2, 1)
	case OpTableSet:
		return s.pop(2)
	case OpSelectT, OpRefNull, OpRefIsNull, OpRefFunc:
		// Quirk (fvm-wasm-instrument max_height): typed select and the reference
		// instructions are refused, so modules using them cannot be loaded.
		return fmt.Errorf("instruction not supported by the stack limiter")
	}
	return fmt.Errorf("instruction not supported by the stack limiter")
}

func popPush(s *heightStack, pop, push uint32) error {
	if err := s.pop(pop); err != nil {
		return err
	}
	return s.push(push)
}

func hasCostlyCall(body []Instr, costs []uint32) bool {
	for i := range body {
		if body[i].Op == OpCall && int(body[i].A) < len(costs) && costs[body[i].A] > 0 {
			return true
		}
	}
	return false
}

// callSequence returns the preamble, the call and the postamble around a call to callee.
func callSequence(dst []Instr, callee, cost, global, limit uint32) []Instr {
	return append(dst,
		mkIdx(OpGlobalGet, global),
		mkI32(int32(cost)),
		mkOp(OpI32Add),
		mkIdx(OpGlobalSet, global),
		mkIdx(OpGlobalGet, global),
		mkI32(int32(limit)),
		mkOp(OpI32GtU),
		mkBlock(OpIf, blockEmpty),
		mkOp(OpUnreachable),
		mkOp(OpEnd),
		mkIdx(OpCall, callee),
		mkIdx(OpGlobalGet, global),
		mkI32(int32(cost)),
		mkOp(OpI32Sub),
		mkIdx(OpGlobalSet, global),
	)
}

func instrumentCalls(body []Instr, costs []uint32, global, limit uint32) []Instr {
	n := 0
	for i := range body {
		if body[i].Op == OpCall && int(body[i].A) < len(costs) && costs[body[i].A] > 0 {
			n++
		}
	}
	out := make([]Instr, 0, len(body)+14*n)
	for _, in := range body {
		if in.Op == OpCall && int(in.A) < len(costs) && costs[in.A] > 0 {
			out = callSequence(out, in.A, costs[in.A], global, limit)
			continue
		}
		out = append(out, in)
	}
	return out
}

// generateThunks adds the thunks for exported functions, function-index element entries
// and the start function, and redirects those references to them.
func generateThunks(m *Module, costs []uint32, global, limit uint32) error {
	// Quirk (fvm-wasm-instrument thunk.rs): the reference needs a code and a function
	// section here and fails without them.
	if !m.present[SecFunction] {
		return errorf(ErrInstrument, "stack limiter: module has no function section")
	}
	need := map[uint32]bool{}
	var order []uint32
	addCandidate := func(f uint32) error {
		if uint64(f) >= uint64(len(costs)) {
			return errorf(ErrInstrument, "stack limiter: function index %d isn't found", f)
		}
		if costs[f] != 0 && !need[f] {
			need[f] = true
			order = append(order, f)
		}
		return nil
	}
	for _, e := range m.Exports {
		if e.Kind == KindFunc {
			if err := addCandidate(e.Index); err != nil {
				return err
			}
		}
	}
	for _, el := range m.Elements {
		if el.UsesExprs {
			continue
		}
		for _, f := range el.Funcs {
			if err := addCandidate(f); err != nil {
				return err
			}
		}
	}
	if m.Start != nil {
		if err := addCandidate(*m.Start); err != nil {
			return err
		}
	}
	// Quirk (fvm-wasm-instrument thunk.rs): thunks are numbered in ascending order of the
	// original function index (a BTreeMap is used in every build).
	sort.Slice(order, func(a, b int) bool { return order[a] < order[b] })
	thunkOf := make(map[uint32]uint32, len(order))
	for _, f := range order {
		ft, ok := m.FuncTypeOf(f)
		if !ok {
			return errorf(ErrInstrument, "stack limiter: function %d has no type", f)
		}
		body := make([]Instr, 0, len(ft.Params)+16)
		for p := range ft.Params {
			body = append(body, mkIdx(OpLocalGet, uint32(p)))
		}
		body = callSequence(body, f, costs[f], global, limit)
		body = append(body, mkOp(OpEnd))
		// The thunk's type is the first type equal to the callee's signature.
		thunkOf[f] = m.addFunc(ft, Code{Body: body})
	}
	if len(order) == 0 {
		return nil
	}
	for i := range m.Exports {
		e := &m.Exports[i]
		if t, ok := thunkOf[e.Index]; ok && e.Kind == KindFunc {
			e.Index = t
			m.markDirty(SecExport)
		}
	}
	for i := range m.Elements {
		el := &m.Elements[i]
		if el.UsesExprs {
			continue
		}
		for k, f := range el.Funcs {
			if t, ok := thunkOf[f]; ok {
				el.Funcs[k] = t
				m.markDirty(SecElement)
			}
		}
	}
	if m.Start != nil {
		if t, ok := thunkOf[*m.Start]; ok {
			*m.Start = t
			m.markDirty(SecStart)
		}
	}
	return nil
}
