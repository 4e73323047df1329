package gas

import (
	"fmt"
	"math"
)

// TableElementSize is the number of bytes a Wasm table element is charged
// as (each element reserves a pointer).
const TableElementSize = 8

// WasmPageSize is the Wasm linear-memory page size in bytes.
const WasmPageSize = 65536

// Names of the charges made around Wasm execution (syscalls and engine).
const (
	ChargeWasmExec       = "wasm_exec"
	ChargeWasmMemoryGrow = "wasm_memory_grow"
	ChargeWasmMemoryInit = "wasm_memory_init"
	ChargeWasmTableInit  = "wasm_table_init"
	ChargeOnSyscall      = "OnSyscall"
)

// WasmGasPrices are the prices of Wasm execution: the instruction costs the
// instrumenter compiles into every module, memory and table initialisation,
// and the cost of each call from Wasm into the host (a syscall).
type WasmGasPrices struct {
	// InstructionDefault is the cost of most instructions.
	InstructionDefault Gas
	// MathDefault is the cost of arithmetic, comparison and conversion
	// instructions.
	MathDefault Gas
	// JumpUnconditional is the cost of br and call.
	JumpUnconditional Gas
	// JumpConditional is the cost of br_if and if.
	JumpConditional Gas
	// JumpIndirect is the cost of br_table and call_indirect.
	JumpIndirect Gas
	// Call is an extra cost for calls, on top of the jump.
	Call Gas
	// MemoryFillBaseCost is a one-off cost of any store or fill.
	MemoryFillBaseCost Gas
	// MemoryFillPerByteCost is per byte filled (also memory init/growth).
	MemoryFillPerByteCost Gas
	// MemoryAccessCost is a one-off cost of any load or copy.
	MemoryAccessCost Gas
	// MemoryCopyPerByteCost is per byte copied.
	MemoryCopyPerByteCost Gas
	// HostCallCost is charged on every call from Wasm into the host
	// ("OnSyscall"; syscall_cost in ref-fvm v3, host_call_cost in v4).
	HostCallCost Gas
}

// InitMemoryGas returns the gas for a module's initial memory of
// minMemoryBytes bytes.
func (w *WasmGasPrices) InitMemoryGas(minMemoryBytes int) Gas {
	return w.MemoryFillBaseCost.Add(w.MemoryFillPerByteCost.MulInt(minMemoryBytes))
}

// GrowMemoryGas returns the gas for growing memory by growBytes bytes (only
// used to split exec gas for tracing; growth itself is metered in Wasm).
func (w *WasmGasPrices) GrowMemoryGas(growBytes int) Gas {
	return w.MemoryFillBaseCost.Add(w.MemoryFillPerByteCost.MulInt(growBytes))
}

// InitTableGas returns the gas for a module's initial table of
// minTableElements elements.
func (w *WasmGasPrices) InitTableGas(minTableElements uint64) Gas {
	return w.MemoryFillBaseCost.Add(w.MemoryFillPerByteCost.Mul(minTableElements).Mul(TableElementSize))
}

// OpClass groups Wasm instructions that share a price. The Wasm
// instrumenter maps each operator to its class and asks InstructionCost.
type OpClass int

// The instruction classes, following ref-fvm's Rules implementation.
const (
	// OpUnsupported: exception handling, tail calls, ref.null/is_null/func,
	// atomics and SIMD. Modules using them are rejected.
	OpUnsupported OpClass = iota
	// OpFree: nop, block, loop, unreachable, return, else, end, drop.
	OpFree
	// OpBr: br.
	OpBr
	// OpConditionalJump: br_if, if.
	OpConditionalJump
	// OpBrTable: br_table.
	OpBrTable
	// OpCall: call.
	OpCall
	// OpCallIndirect: call_indirect.
	OpCallIndirect
	// OpDefault: constants, i64.extend_i32_u, i32.wrap_i64, the four
	// reinterprets, local.get/set/tee, global.get/set, select and typed
	// select.
	OpDefault
	// OpMath: sign extension (including i64.extend_i32_s), bit operations,
	// comparisons, integer and float arithmetic, truncations (trapping and
	// saturating), conversions, promote/demote, copysign, sqrt.
	OpMath
	// OpLoad: all loads (sign-extending too) and table.get.
	OpLoad
	// OpStore: all stores and table.set.
	OpStore
	// OpTableInitCopy: table.init, table.copy (per element).
	OpTableInitCopy
	// OpTableFillGrow: table.fill, table.grow (per element).
	OpTableFillGrow
	// OpMemoryGrow: memory.grow (per page).
	OpMemoryGrow
	// OpMemoryFill: memory.fill (per byte).
	OpMemoryFill
	// OpMemoryInitCopy: memory.init, memory.copy (per byte).
	OpMemoryInitCopy
	// OpDataElemDrop: data.drop, elem.drop.
	OpDataElemDrop
	// OpSize: memory.size, table.size.
	OpSize
)

// InstructionCost is the price of one Wasm instruction in milligas: a fixed
// cost, or (Linear) a base plus PerUnit for each unit of the i32 count on top
// of the stack.
type InstructionCost struct {
	// Linear is true for costs that scale with the operand.
	Linear bool
	// Base is the fixed part, in milligas.
	Base uint64
	// PerUnit is the cost per unit in milligas (non-zero when Linear).
	PerUnit uint32
}

// GasChargeCost and LinearCalcCost are the instrumenter's overhead costs for
// a gas-charge call and a linear cost calculation; both are 0 in the FVM.
const (
	GasChargeCost  = 0
	LinearCalcCost = 0
)

// fixedCost is a Fixed instruction cost.
func fixedCost(g Gas) InstructionCost {
	return InstructionCost{Base: g.Milligas()}
}

// linearCost is a Linear instruction cost of base plus perUnit × multiplier
// per unit. A per-unit cost that does not fit 32 bits is an error; a zero
// per-unit cost makes the cost fixed.
func linearCost(base, perUnit Gas, multiplier uint64) (InstructionCost, error) {
	unit := perUnit.Mul(multiplier).Milligas()
	if unit > math.MaxUint32 {
		return InstructionCost{}, fmt.Errorf("gas: linear gas %d milligas per unit exceeds u32", unit)
	}
	if unit == 0 {
		return InstructionCost{Base: base.Milligas()}, nil
	}
	return InstructionCost{Linear: true, Base: base.Milligas(), PerUnit: uint32(unit)}, nil
}

// InstructionCost returns the price of an instruction class, or an error for
// OpUnsupported and unknown classes (the module must then be rejected).
func (w *WasmGasPrices) InstructionCost(class OpClass) (InstructionCost, error) {
	switch class {
	case OpFree:
		return InstructionCost{}, nil
	case OpBr:
		return fixedCost(w.JumpUnconditional), nil
	case OpConditionalJump:
		return fixedCost(w.JumpConditional), nil
	case OpBrTable:
		return fixedCost(w.JumpIndirect.Add(w.MemoryAccessCost)), nil
	case OpCall:
		return fixedCost(w.JumpUnconditional.Add(w.Call)), nil
	case OpCallIndirect:
		return fixedCost(w.JumpIndirect.Add(w.MemoryAccessCost).Add(w.Call)), nil
	case OpDefault, OpDataElemDrop, OpSize:
		return fixedCost(w.InstructionDefault), nil
	case OpMath:
		return fixedCost(w.MathDefault), nil
	case OpLoad:
		return fixedCost(w.InstructionDefault.Add(w.MemoryAccessCost)), nil
	case OpStore:
		return fixedCost(w.InstructionDefault.Add(w.MemoryFillBaseCost)), nil
	case OpTableInitCopy:
		return linearCost(w.InstructionDefault.Add(w.MemoryAccessCost), w.MemoryCopyPerByteCost, TableElementSize)
	case OpTableFillGrow:
		return linearCost(w.InstructionDefault.Add(w.MemoryFillBaseCost), w.MemoryFillPerByteCost, TableElementSize)
	case OpMemoryGrow:
		return linearCost(w.InstructionDefault.Add(w.MemoryFillBaseCost), w.MemoryFillPerByteCost, WasmPageSize)
	case OpMemoryFill:
		return linearCost(w.InstructionDefault.Add(w.MemoryFillBaseCost), w.MemoryFillPerByteCost, 1)
	case OpMemoryInitCopy:
		return linearCost(w.InstructionDefault.Add(w.MemoryAccessCost), w.MemoryCopyPerByteCost, 1)
	case OpUnsupported:
		return InstructionCost{}, fmt.Errorf("gas: unsupported wasm operation")
	default:
		return InstructionCost{}, fmt.Errorf("gas: unknown wasm instruction class %d", class)
	}
}

// ExecGas returns the Wasm execution gas to charge when the host takes
// control back (ref-fvm charge_for_exec). lastAvailable is the tracker's
// available gas that was written into the Wasm gas counter at the last sync;
// counter is the counter's current value in milligas. A negative counter
// means the module ran out: the result is lastAvailable + |counter|, which
// is certain to exceed what is left. Otherwise it is lastAvailable -
// counter, saturating at zero.
func ExecGas(lastAvailable Gas, counter int64) Gas {
	if counter < 0 {
		// |counter| as uint64 is exact even for math.MinInt64.
		return lastAvailable.Add(FromMilligas(uint64(-(counter + 1)) + 1))
	}
	return lastAvailable.Sub(FromMilligas(uint64(counter)))
}

// SplitExecGas splits exec gas into the part reported as "wasm_exec" and the
// part reported as "wasm_memory_grow" (memGrow, capped at exec). Only traces
// see the split; the sum is always exec.
func SplitExecGas(exec, memGrow Gas) (execPart, memPart Gas) {
	if exec.Less(memGrow) {
		return Gas{}, exec
	}
	return exec.Sub(memGrow), memGrow
}
