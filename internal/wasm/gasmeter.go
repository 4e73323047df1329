package wasm

import (
	"fmt"
	"sort"
)

// GasCounterName is the field name of the imported gas counter global.
const GasCounterName = "gas_counter"

// InstructionCost is the price of one instruction: Base, plus PerUnit times the i32 operand
// on top of the stack when PerUnit is non-zero (a "linear" price, as for memory.grow or
// memory.copy). Units are whatever the counter counts (milligas in the FVM).
type InstructionCost struct {
	Base    uint64
	PerUnit uint32
}

// Rules prices instructions for InjectGasMeter. An error refuses the instruction and so the
// whole module.
type Rules interface {
	InstructionCost(op Opcode) (InstructionCost, error)
}

// GasMeterConfig parameterises InjectGasMeter.
type GasMeterConfig struct {
	// Module is the import module of the counter global ("gas" in the FVM).
	Module string
	// Rules prices the instructions.
	Rules Rules
	// ChargeCost is added to every block charge and LinearCalcCost to every dynamic
	// charge's static part (the reference's gas_charge_cost and linear_calc_cost; both are
	// 0 in the FVM and in the golden tests).
	ChargeCost, LinearCalcCost uint64
	// BrTableDefaultIsTarget makes a br_table's default label a branch target when
	// metered blocks are formed, as fvm-wasm-instrument 0.2.0 (FVM v2) does; 0.4.0 leaves
	// it out (see meterStep).
	BrTableDefaultIsTarget bool
}

// InjectGasMeter rewrites m the way fvm-wasm-instrument 0.4.0 `gas_metering::inject` does:
// it imports the mutable i64 global cfg.Module."gas_counter" (the last import), appends a
// function that subtracts its i64 argument from the counter and traps when the counter is
// negative, and charges every metered block of every function on entry, plus the dynamic
// part of linearly priced instructions just before them.
//
// Errors wrap ErrInstrument.
func InjectGasMeter(m *Module, cfg GasMeterConfig) error {
	if cfg.Rules == nil {
		return errorf(ErrInstrument, "gas metering: no rules")
	}
	if err := m.checkIndexSpaces(); err != nil {
		return err
	}
	for _, im := range m.Imports {
		if im.Kind == KindGlobal && im.Module == cfg.Module && im.Name == GasCounterName {
			return errorf(ErrInstrument, "gas metering: module already imports %s.%s", cfg.Module, GasCounterName)
		}
	}
	gasGlobal := m.numImportedGlobals
	m.Imports = append(m.Imports, Import{Module: cfg.Module, Name: GasCounterName, Kind: KindGlobal,
		Global: GlobalType{Type: I64, Mutable: true}})
	m.numImportedGlobals++
	m.markDirty(SecImport)
	gasFunc := m.NumFuncs()

	for i := range m.Code {
		idx := m.numImportedFuncs + uint32(i)
		ft, ok := m.FuncTypeOf(idx)
		if !ok {
			return errorf(ErrInstrument, "gas metering: function %d has no type", idx)
		}
		code := &m.Code[i]
		shiftGlobals(code.Body)
		body, locals, err := meterFunction(code, uint32(len(ft.Params)), gasFunc, &cfg)
		if err != nil {
			return errorf(ErrInstrument, "gas metering: function %d: %v", idx, err)
		}
		code.Body, code.Locals = body, locals
		m.markCodeDirty(i)
	}
	// Quirk (fvm-wasm-instrument gas_metering::inject): exported globals are not re-indexed
	// (the rebuilt export section is thrown away), so they now name the global one below.
	for i, el := range m.Elements {
		for _, x := range el.Exprs {
			if !isI32ConstExpr(x) {
				// Quirk (fvm-wasm-instrument gas_metering::inject): element items given as
				// expressions must look like data offsets (i32.const N; end).
				return errorf(ErrInstrument, "gas metering: element segment %d: item is not an i32.const", i)
			}
		}
	}
	for i, d := range m.Data {
		if d.Mode == ModeActive && !isI32ConstExpr(d.Offset) {
			return errorf(ErrInstrument, "gas metering: data segment %d: offset is not an i32.const", i)
		}
	}
	if !m.present[SecFunction] || !m.present[SecCode] {
		return errorf(ErrInstrument, "gas metering: module has no function or code section")
	}
	m.addFunc(FuncType{Params: []ValType{I64}}, Code{Body: gasChargeBody(gasGlobal)})
	return nil
}

// shiftGlobals adds one to every global index used in a body. Quirk (fvm-wasm-instrument
// gas_metering::inject): this also shifts indices of imported globals, which is only
// right for modules without imported globals (like all actors).
func shiftGlobals(body []Instr) {
	for i := range body {
		if body[i].Op == OpGlobalGet || body[i].Op == OpGlobalSet {
			body[i].A++
		}
	}
}

func isI32ConstExpr(e ConstExpr) bool {
	return len(e) == 2 && e[0].Op == OpI32Const && e[1].Op == OpEnd
}

// meteredBlock is a run of instructions charged at once, before its first instruction.
type meteredBlock struct {
	start int
	cost  uint64
}

type controlBlock struct {
	lowestForwardTarget int
	active              meteredBlock
	isLoop              bool
}

// dynamicCharge is a linearly priced instruction whose operand is only known at run time.
type dynamicCharge struct {
	pos     int
	perUnit uint32
}

type meterCounter struct {
	stack     []controlBlock
	finalized []meteredBlock
}

func (c *meterCounter) begin(start int, isLoop bool) {
	c.stack = append(c.stack, controlBlock{lowestForwardTarget: len(c.stack),
		active: meteredBlock{start: start}, isLoop: isLoop})
}

func (c *meterCounter) finalizeMetered(cursor int) error {
	if len(c.stack) == 0 {
		return fmt.Errorf("control stack is empty")
	}
	top := &c.stack[len(c.stack)-1]
	closing := top.active
	top.active = meteredBlock{start: cursor + 1}
	// A block opened by `block` shares its parent's start: merge instead of finalising.
	if n := len(c.stack); n > 1 {
		parent := &c.stack[n-2].active
		if closing.start == parent.start {
			parent.cost += closing.cost
			return nil
		}
	}
	if closing.cost > 0 {
		c.finalized = append(c.finalized, closing)
	}
	return nil
}

func (c *meterCounter) finalizeControl(cursor int) error {
	if err := c.finalizeMetered(cursor); err != nil {
		return err
	}
	closing := c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
	idx := len(c.stack)
	if idx == 0 {
		return nil
	}
	top := &c.stack[idx-1]
	top.lowestForwardTarget = min(top.lowestForwardTarget, closing.lowestForwardTarget)
	if closing.lowestForwardTarget < idx {
		return c.finalizeMetered(cursor)
	}
	return nil
}

func (c *meterCounter) branch(cursor int, targets []int) error {
	if err := c.finalizeMetered(cursor); err != nil {
		return err
	}
	for _, t := range targets {
		if t < 0 || t >= len(c.stack) {
			return fmt.Errorf("unable to find stack index")
		}
		if c.stack[t].isLoop {
			continue
		}
		top := &c.stack[len(c.stack)-1]
		top.lowestForwardTarget = min(top.lowestForwardTarget, t)
	}
	return nil
}

func (c *meterCounter) increment(v uint64) error {
	if len(c.stack) == 0 {
		return fmt.Errorf("control stack is empty")
	}
	a := &c.stack[len(c.stack)-1].active
	if a.cost+v < a.cost {
		return fmt.Errorf("add cost overflow")
	}
	a.cost += v
	return nil
}

// linearTopIsI32 lists the instructions the reference allows a linear price on: those
// whose top operand is an i32 count.
func linearTopIsI32(op Opcode) bool {
	switch op {
	case OpMemoryGrow, OpTableGrow, OpMemoryInit, OpMemoryCopy, OpMemoryFill, OpTableInit,
		OpTableCopy, OpTableFill:
		return true
	}
	return false
}

// meteredBlocks partitions a body into metered blocks and finds its dynamic charges.
func meteredBlocks(body []Instr, cfg *GasMeterConfig) ([]meteredBlock, []dynamicCharge, error) {
	c := &meterCounter{}
	c.begin(0, false)
	var dyn []dynamicCharge
	var lastConst *int32
	var labelBuf []int
	for cursor := range body {
		in := &body[cursor]
		price, err := cfg.Rules.InstructionCost(in.Op)
		if err != nil {
			return nil, nil, fmt.Errorf("instruction %d (%s): %v", cursor, in.Op, err)
		}
		cost := price.Base
		if price.PerUnit != 0 {
			if price.PerUnit >= 0x8000_0000 {
				return nil, nil, fmt.Errorf("cost per unit exceeds the 0x80000000 limit")
			}
			if lastConst != nil {
				if *lastConst < 0 {
					return nil, nil, fmt.Errorf("instruction %d (%s): linearly priced instruction with a negative argument", cursor, in.Op)
				}
				cost = price.Base + uint64(*lastConst)*uint64(price.PerUnit)
			} else {
				if !linearTopIsI32(in.Op) {
					return nil, nil, fmt.Errorf("instruction %d (%s): linear price on an instruction without an i32 count", cursor, in.Op)
				}
				dyn = append(dyn, dynamicCharge{pos: cursor, perUnit: price.PerUnit})
				cost = price.Base + cfg.ChargeCost + cfg.LinearCalcCost
			}
		}
		if err := meterStep(c, in, cursor, cost, &labelBuf, cfg.BrTableDefaultIsTarget); err != nil {
			return nil, nil, fmt.Errorf("instruction %d (%s): %v", cursor, in.Op, err)
		}
		if in.Op == OpI32Const {
			v := int32(in.V)
			lastConst = &v
		} else {
			lastConst = nil
		}
	}
	sort.Slice(c.finalized, func(a, b int) bool { return c.finalized[a].start < c.finalized[b].start })
	return c.finalized, dyn, nil
}

func meterStep(c *meterCounter, in *Instr, cursor int, cost uint64, labelBuf *[]int, brTableDefault bool) error {
	switch in.Op {
	case OpBlock:
		if err := c.increment(cost); err != nil {
			return err
		}
		c.begin(c.stack[len(c.stack)-1].active.start, false)
	case OpIf:
		if err := c.increment(cost); err != nil {
			return err
		}
		c.begin(cursor+1, false)
	case OpLoop:
		if err := c.increment(cost); err != nil {
			return err
		}
		c.begin(cursor+1, true)
	case OpEnd:
		return c.finalizeControl(cursor)
	case OpElse:
		return c.finalizeMetered(cursor)
	case OpBr, OpBrIf:
		if err := c.increment(cost); err != nil {
			return err
		}
		t := len(c.stack) - 1 - int(in.A)
		if int(in.A) > len(c.stack)-1 {
			return fmt.Errorf("index not found")
		}
		*labelBuf = append((*labelBuf)[:0], t)
		return c.branch(cursor, *labelBuf)
	case OpBrTable:
		if err := c.increment(cost); err != nil {
			return err
		}
		// Quirk (fvm-wasm-instrument 0.4.0 determine_metered_blocks): only the table
		// entries are branch targets here; the default label is left out. 0.2.0 (FVM v2)
		// takes the default first, then the entries.
		*labelBuf = (*labelBuf)[:0]
		active := len(c.stack) - 1
		if in.Table == nil {
			return fmt.Errorf("br_table without labels")
		}
		labels := in.Table.Targets
		if brTableDefault {
			labels = append([]uint32{in.Table.Default}, labels...)
		}
		for _, l := range labels {
			if int64(l) > int64(active) {
				return fmt.Errorf("br_table label out of range")
			}
			*labelBuf = append(*labelBuf, active-int(l))
		}
		return c.branch(cursor, *labelBuf)
	case OpReturn:
		if err := c.increment(cost); err != nil {
			return err
		}
		return c.branch(cursor, []int{0})
	default:
		return c.increment(cost)
	}
	return nil
}

// meterFunction returns the metered body and its locals.
func meterFunction(code *Code, numParams uint32, gasFunc uint32, cfg *GasMeterConfig) ([]Instr, []LocalGroup, error) {
	blocks, dyn, err := meteredBlocks(code.Body, cfg)
	if err != nil {
		return nil, nil, err
	}
	locals := code.Locals
	temp := uint64(numParams)
	for _, g := range locals {
		temp += uint64(g.Count)
	}
	if len(dyn) > 0 {
		locals = append(locals[:len(locals):len(locals)], LocalGroup{Count: 1, Type: I32})
	}
	out := make([]Instr, 0, len(code.Body)+2*len(blocks)+6*len(dyn))
	bi, di := 0, 0
	for pos := range code.Body {
		if bi < len(blocks) && blocks[bi].start == pos {
			// The reference casts the u64 total to i64; wrap the same way.
			out = append(out, mkI64(int64(cfg.ChargeCost+blocks[bi].cost)), mkIdx(OpCall, gasFunc))
			bi++
		}
		if di < len(dyn) && dyn[di].pos == pos {
			out = append(out,
				mkIdx(OpLocalTee, uint32(temp)),
				mkIdx(OpLocalGet, uint32(temp)),
				// The count is read unsigned, so a negative i32 is a huge count.
				mkOp(OpI64ExtendI32U),
				mkI64(int64(dyn[di].perUnit)),
				mkOp(OpI64Mul),
				mkIdx(OpCall, gasFunc),
			)
			di++
		}
		out = append(out, code.Body[pos])
	}
	if bi != len(blocks) {
		return nil, nil, fmt.Errorf("metered blocks should be all consumed")
	}
	return out, locals, nil
}
