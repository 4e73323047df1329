package wasm

import "fmt"

// WasmGasPrices are the FVM's per-instruction prices in milligas (ref-fvm
// fvm/src/gas/price_list.rs, `wasm_rules`; the same in the Hygge, Watermelon and Teep
// price lists).
type WasmGasPrices struct {
	InstructionDefault    uint64
	MathDefault           uint64
	JumpUnconditional     uint64
	JumpConditional       uint64
	JumpIndirect          uint64
	Call                  uint64
	MemoryFillBaseCost    uint64
	MemoryAccessCost      uint64
	MemoryCopyPerByteCost uint64
	MemoryFillPerByteCost uint64
}

// tableElementSize is the size in bytes the FVM charges per table element.
const tableElementSize = 8

// wasmPageSize is the size of a WebAssembly memory page.
const wasmPageSize = 65536

// FVMWasmGasPrices returns the FVM's instruction prices: 4 gas for most instructions,
// 0.4 gas per byte copied or filled.
func FVMWasmGasPrices() WasmGasPrices {
	return WasmGasPrices{
		InstructionDefault:    4000,
		MathDefault:           4000,
		JumpUnconditional:     4000,
		JumpConditional:       4000,
		JumpIndirect:          4000,
		Call:                  0,
		MemoryFillBaseCost:    0,
		MemoryAccessCost:      0,
		MemoryCopyPerByteCost: 400,
		MemoryFillPerByteCost: 400,
	}
}

// FVMWasmGasPricesV2 returns FVM v2's instruction prices (ref-fvm v2 SKYR_PRICES
// wasm_rules: exec_instruction_cost 4 gas): 4 gas for every instruction but nop, drop,
// block, loop, unreachable, return, else and end, which are free, and no per-byte or
// per-page part (MemoryGrowCost::Free).
func FVMWasmGasPricesV2() WasmGasPrices {
	p := FVMWasmGasPrices()
	p.MemoryCopyPerByteCost = 0
	p.MemoryFillPerByteCost = 0
	return p
}

// linear builds a linear price the way the reference does: the per-unit price is
// perByte*multiplier, which must fit in a u32; zero makes the price fixed.
func linear(base, perByte uint64, multiplier uint64) (InstructionCost, error) {
	per := perByte * multiplier
	if multiplier != 0 && per/multiplier != perByte || per > 0xffffffff {
		return InstructionCost{}, fmt.Errorf("linear gas exceeds u32")
	}
	return InstructionCost{Base: base, PerUnit: uint32(per)}, nil
}

// InstructionCost implements Rules with the FVM's table (the reference's
// `impl Rules for WasmGasPrices`).
func (p WasmGasPrices) InstructionCost(op Opcode) (InstructionCost, error) {
	fixed := func(v uint64) (InstructionCost, error) { return InstructionCost{Base: v}, nil }
	switch {
	case isMemOp(op) && op < OpI32Store:
		return fixed(p.InstructionDefault + p.MemoryAccessCost)
	case isMemOp(op):
		return fixed(p.InstructionDefault + p.MemoryFillBaseCost)
	}
	switch op {
	case OpNop, OpBlock, OpLoop, OpUnreachable, OpReturn, OpElse, OpEnd, OpDrop:
		return fixed(0)
	case OpBr:
		return fixed(p.JumpUnconditional)
	case OpBrIf, OpIf:
		return fixed(p.JumpConditional)
	case OpBrTable:
		return fixed(p.JumpIndirect + p.MemoryAccessCost)
	case OpCall:
		return fixed(p.JumpUnconditional + p.Call)
	case OpCallIndirect:
		return fixed(p.JumpIndirect + p.MemoryAccessCost + p.Call)
	case OpI64ExtendI32U, OpI32WrapI64, 0xbc, 0xbd, 0xbe, 0xbf,
		OpI32Const, OpI64Const, OpF32Const, OpF64Const,
		OpLocalGet, OpLocalSet, OpLocalTee, OpGlobalGet, OpGlobalSet,
		OpSelect, OpSelectT, OpDataDrop, OpElemDrop, OpMemorySize, OpTableSize:
		return fixed(p.InstructionDefault)
	case OpTableGet:
		return fixed(p.InstructionDefault + p.MemoryAccessCost)
	case OpTableSet:
		return fixed(p.InstructionDefault + p.MemoryFillBaseCost)
	case OpTableInit, OpTableCopy:
		return linear(p.InstructionDefault+p.MemoryAccessCost, p.MemoryCopyPerByteCost, tableElementSize)
	case OpTableFill, OpTableGrow:
		return linear(p.InstructionDefault+p.MemoryFillBaseCost, p.MemoryFillPerByteCost, tableElementSize)
	case OpMemoryGrow:
		return linear(p.InstructionDefault+p.MemoryFillBaseCost, p.MemoryFillPerByteCost, wasmPageSize)
	case OpMemoryFill:
		return linear(p.InstructionDefault+p.MemoryFillBaseCost, p.MemoryFillPerByteCost, 1)
	case OpMemoryInit, OpMemoryCopy:
		return linear(p.InstructionDefault+p.MemoryAccessCost, p.MemoryCopyPerByteCost, 1)
	case OpRefNull, OpRefIsNull, OpRefFunc:
		return InstructionCost{}, fmt.Errorf("unsupported operation %s", op)
	}
	if _, ok := numericSigOf(op); ok {
		// Sign extension, bit operations, comparisons, integer and float arithmetic,
		// conversions and truncations (trapping and saturating).
		return fixed(p.MathDefault)
	}
	return InstructionCost{}, fmt.Errorf("unsupported operation %s", op)
}

// OpI32WrapI64 is i32.wrap_i64.
const OpI32WrapI64 Opcode = 0xa7

// ConstantRules prices every instruction at Cost, except memory.grow, which costs Cost
// plus MemoryGrowCost per page when MemoryGrowCost is non-zero (the reference's
// ConstantCostRules; its default, used by the golden tests, is Cost 1 and MemoryGrowCost 0).
type ConstantRules struct {
	Cost           uint64
	MemoryGrowCost uint32
}

// InstructionCost implements Rules.
func (r ConstantRules) InstructionCost(op Opcode) (InstructionCost, error) {
	if op == OpMemoryGrow {
		// Quirk (fvm-wasm-instrument ConstantCostRules): memory.grow costs 1, not Cost.
		return InstructionCost{Base: 1, PerUnit: r.MemoryGrowCost}, nil
	}
	return InstructionCost{Base: r.Cost}, nil
}
