package wasm

import "fmt"

// Opcode identifies an instruction. One-byte opcodes are their byte value; instructions
// under the 0xFC prefix are 0xFC00 | sub-opcode.
type Opcode uint16

// Opcodes of the instructions the FVM engine accepts (MVP, sign extension, non-trapping
// float-to-int, bulk memory, reference types).
const (
	OpUnreachable  Opcode = 0x00
	OpNop          Opcode = 0x01
	OpBlock        Opcode = 0x02
	OpLoop         Opcode = 0x03
	OpIf           Opcode = 0x04
	OpElse         Opcode = 0x05
	OpEnd          Opcode = 0x0b
	OpBr           Opcode = 0x0c
	OpBrIf         Opcode = 0x0d
	OpBrTable      Opcode = 0x0e
	OpReturn       Opcode = 0x0f
	OpCall         Opcode = 0x10
	OpCallIndirect Opcode = 0x11
	OpDrop         Opcode = 0x1a
	OpSelect       Opcode = 0x1b
	OpSelectT      Opcode = 0x1c
	OpLocalGet     Opcode = 0x20
	OpLocalSet     Opcode = 0x21
	OpLocalTee     Opcode = 0x22
	OpGlobalGet    Opcode = 0x23
	OpGlobalSet    Opcode = 0x24
	OpTableGet     Opcode = 0x25
	OpTableSet     Opcode = 0x26

	OpI32Load    Opcode = 0x28
	OpI64Load32U Opcode = 0x35
	OpI32Store   Opcode = 0x36
	OpI64Store32 Opcode = 0x3e
	OpMemorySize Opcode = 0x3f
	OpMemoryGrow Opcode = 0x40

	OpI32Const Opcode = 0x41
	OpI64Const Opcode = 0x42
	OpF32Const Opcode = 0x43
	OpF64Const Opcode = 0x44

	OpI32Eqz          Opcode = 0x45
	OpI32Ne           Opcode = 0x47
	OpI32Add          Opcode = 0x6a
	OpI32Sub          Opcode = 0x6b
	OpI32GtU          Opcode = 0x4b
	OpI32GeU          Opcode = 0x4f
	OpI32And          Opcode = 0x71
	OpI64LeU          Opcode = 0x58
	OpI64Add          Opcode = 0x7c
	OpI64Shl          Opcode = 0x86
	OpI64LtS          Opcode = 0x53
	OpI64Sub          Opcode = 0x7d
	OpI64Mul          Opcode = 0x7e
	OpF32Eq           Opcode = 0x5b
	OpF64Eq           Opcode = 0x61
	OpF32Ceil         Opcode = 0x8d
	OpF32Floor        Opcode = 0x8e
	OpF32Trunc        Opcode = 0x8f
	OpF32Nearest      Opcode = 0x90
	OpF32Sqrt         Opcode = 0x91
	OpF32Add          Opcode = 0x92
	OpF32Sub          Opcode = 0x93
	OpF32Mul          Opcode = 0x94
	OpF32Div          Opcode = 0x95
	OpF32Min          Opcode = 0x96
	OpF32Max          Opcode = 0x97
	OpF64Ceil         Opcode = 0x9b
	OpF64Floor        Opcode = 0x9c
	OpF64Trunc        Opcode = 0x9d
	OpF64Nearest      Opcode = 0x9e
	OpF64Sqrt         Opcode = 0x9f
	OpF64Add          Opcode = 0xa0
	OpF64Sub          Opcode = 0xa1
	OpF64Mul          Opcode = 0xa2
	OpF64Div          Opcode = 0xa3
	OpF64Min          Opcode = 0xa4
	OpF64Max          Opcode = 0xa5
	OpI64ExtendI32U   Opcode = 0xad
	OpF32DemoteF64    Opcode = 0xb6
	OpF64PromoteF32   Opcode = 0xbb
	OpI64Extend32S    Opcode = 0xc4
	OpRefNull         Opcode = 0xd0
	OpRefIsNull       Opcode = 0xd1
	OpRefFunc         Opcode = 0xd2
	opPrefixFC        Opcode = 0xfc00
	OpI32TruncSatF32S Opcode = 0xfc00
	OpI64TruncSatF64U Opcode = 0xfc07
	OpMemoryInit      Opcode = 0xfc08
	OpDataDrop        Opcode = 0xfc09
	OpMemoryCopy      Opcode = 0xfc0a
	OpMemoryFill      Opcode = 0xfc0b
	OpTableInit       Opcode = 0xfc0c
	OpElemDrop        Opcode = 0xfc0d
	OpTableCopy       Opcode = 0xfc0e
	OpTableGrow       Opcode = 0xfc0f
	OpTableSize       Opcode = 0xfc10
	OpTableFill       Opcode = 0xfc11
)

// Block types are kept as the signed 33-bit value of their encoding.
const (
	blockEmpty int64 = -0x40
)

// Instr is one decoded instruction.
//
// Immediates: A holds the first index-like immediate (label, function, local, global,
// table, type, data/elem index, memarg alignment, select type); B the second (memarg offset,
// call_indirect/table.init table, memory.copy source, table.copy source); V holds constants
// (raw bits for floats) and block types (as int64); Table holds br_table's labels.
type Instr struct {
	Op    Opcode
	A, B  uint32
	V     uint64
	Table *BrTable
}

// BrTable is the immediate of br_table.
type BrTable struct {
	Targets []uint32
	Default uint32
}

var opNames = map[Opcode]string{}

func init() {
	names := []struct {
		op   Opcode
		name string
	}{
		{0x00, "unreachable"}, {0x01, "nop"}, {0x02, "block"}, {0x03, "loop"}, {0x04, "if"},
		{0x05, "else"}, {0x0b, "end"}, {0x0c, "br"}, {0x0d, "br_if"}, {0x0e, "br_table"},
		{0x0f, "return"}, {0x10, "call"}, {0x11, "call_indirect"}, {0x1a, "drop"},
		{0x1b, "select"}, {0x1c, "select (typed)"}, {0x20, "local.get"}, {0x21, "local.set"},
		{0x22, "local.tee"}, {0x23, "global.get"}, {0x24, "global.set"}, {0x25, "table.get"},
		{0x26, "table.set"}, {0x3f, "memory.size"}, {0x40, "memory.grow"},
		{0x41, "i32.const"}, {0x42, "i64.const"}, {0x43, "f32.const"}, {0x44, "f64.const"},
		{0xd0, "ref.null"}, {0xd1, "ref.is_null"}, {0xd2, "ref.func"},
		{0xfc08, "memory.init"}, {0xfc09, "data.drop"}, {0xfc0a, "memory.copy"},
		{0xfc0b, "memory.fill"}, {0xfc0c, "table.init"}, {0xfc0d, "elem.drop"},
		{0xfc0e, "table.copy"}, {0xfc0f, "table.grow"}, {0xfc10, "table.size"},
		{0xfc11, "table.fill"},
	}
	for _, n := range names {
		opNames[n.op] = n.name
	}
	mem := []string{"i32.load", "i64.load", "f32.load", "f64.load", "i32.load8_s", "i32.load8_u",
		"i32.load16_s", "i32.load16_u", "i64.load8_s", "i64.load8_u", "i64.load16_s",
		"i64.load16_u", "i64.load32_s", "i64.load32_u", "i32.store", "i64.store", "f32.store",
		"f64.store", "i32.store8", "i32.store16", "i64.store8", "i64.store16", "i64.store32"}
	for i, n := range mem {
		opNames[Opcode(0x28+i)] = n
	}
	for op := Opcode(0x45); op <= 0xc4; op++ {
		opNames[op] = numericNames[op-0x45]
	}
	sat := []string{"i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.trunc_sat_f64_s",
		"i32.trunc_sat_f64_u", "i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u",
		"i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u"}
	for i, n := range sat {
		opNames[opPrefixFC|Opcode(i)] = n
	}
}

var numericNames = [...]string{
	"i32.eqz", "i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s", "i32.gt_u", "i32.le_s",
	"i32.le_u", "i32.ge_s", "i32.ge_u",
	"i64.eqz", "i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.gt_u", "i64.le_s",
	"i64.le_u", "i64.ge_s", "i64.ge_u",
	"f32.eq", "f32.ne", "f32.lt", "f32.gt", "f32.le", "f32.ge",
	"f64.eq", "f64.ne", "f64.lt", "f64.gt", "f64.le", "f64.ge",
	"i32.clz", "i32.ctz", "i32.popcnt", "i32.add", "i32.sub", "i32.mul", "i32.div_s",
	"i32.div_u", "i32.rem_s", "i32.rem_u", "i32.and", "i32.or", "i32.xor", "i32.shl",
	"i32.shr_s", "i32.shr_u", "i32.rotl", "i32.rotr",
	"i64.clz", "i64.ctz", "i64.popcnt", "i64.add", "i64.sub", "i64.mul", "i64.div_s",
	"i64.div_u", "i64.rem_s", "i64.rem_u", "i64.and", "i64.or", "i64.xor", "i64.shl",
	"i64.shr_s", "i64.shr_u", "i64.rotl", "i64.rotr",
	"f32.abs", "f32.neg", "f32.ceil", "f32.floor", "f32.trunc", "f32.nearest", "f32.sqrt",
	"f32.add", "f32.sub", "f32.mul", "f32.div", "f32.min", "f32.max", "f32.copysign",
	"f64.abs", "f64.neg", "f64.ceil", "f64.floor", "f64.trunc", "f64.nearest", "f64.sqrt",
	"f64.add", "f64.sub", "f64.mul", "f64.div", "f64.min", "f64.max", "f64.copysign",
	"i32.wrap_i64", "i32.trunc_f32_s", "i32.trunc_f32_u", "i32.trunc_f64_s", "i32.trunc_f64_u",
	"i64.extend_i32_s", "i64.extend_i32_u", "i64.trunc_f32_s", "i64.trunc_f32_u",
	"i64.trunc_f64_s", "i64.trunc_f64_u", "f32.convert_i32_s", "f32.convert_i32_u",
	"f32.convert_i64_s", "f32.convert_i64_u", "f32.demote_f64", "f64.convert_i32_s",
	"f64.convert_i32_u", "f64.convert_i64_s", "f64.convert_i64_u", "f64.promote_f32",
	"i32.reinterpret_f32", "i64.reinterpret_f64", "f32.reinterpret_i32", "f64.reinterpret_i64",
	"i32.extend8_s", "i32.extend16_s", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s",
}

// String returns the instruction's text-format name.
func (op Opcode) String() string {
	if n, ok := opNames[op]; ok {
		return n
	}
	if op >= opPrefixFC {
		return fmt.Sprintf("0xfc %d", op&0xff)
	}
	return fmt.Sprintf("opcode(0x%02x)", uint16(op))
}

// unsupportedOpcodes names the opcodes of proposals the FVM's engine leaves disabled.
var unsupportedOpcodes = map[byte]string{
	0x06: "try (exceptions)", 0x07: "catch (exceptions)", 0x08: "throw (exceptions)",
	0x09: "rethrow (exceptions)", 0x0a: "throw_ref (exceptions)",
	0x12: "return_call (tail calls)", 0x13: "return_call_indirect (tail calls)",
	0x14: "call_ref (function references)", 0x15: "return_call_ref (function references)",
	0x18: "delegate (exceptions)", 0x19: "catch_all (exceptions)",
	0x1f: "try_table (exceptions)", 0xd3: "ref.as_non_null (function references)",
	0xd4: "br_on_null (function references)", 0xd5: "ref.eq (GC)",
	0xd6: "br_on_non_null (function references)",
	0xfb: "GC instructions", 0xfd: "SIMD instructions", 0xfe: "atomic instructions (threads)",
}

// isMemOp reports whether op is a load or store (memarg immediate).
func isMemOp(op Opcode) bool { return op >= OpI32Load && op <= OpI64Store32 }

// decodeInstr reads one instruction.
func decodeInstr(r *reader, in *Instr) error {
	c, err := r.byte()
	if err != nil {
		return err
	}
	*in = Instr{Op: Opcode(c)}
	switch {
	case c == 0x02 || c == 0x03 || c == 0x04:
		bt, err := r.s33()
		if err != nil {
			return err
		}
		in.V = uint64(bt)
	case c == 0x0c || c == 0x0d || c == 0x10 || (c >= 0x20 && c <= 0x26) || c == 0xd2:
		in.A, err = r.u32()
	case c == 0x0e:
		n, err := r.count(1)
		if err != nil {
			return err
		}
		if n > maxBrTableSize {
			return errorf(ErrTooLarge, "br_table with %d targets", n)
		}
		bt := &BrTable{Targets: make([]uint32, n)}
		for i := range bt.Targets {
			if bt.Targets[i], err = r.u32(); err != nil {
				return err
			}
		}
		if bt.Default, err = r.u32(); err != nil {
			return err
		}
		in.Table = bt
	case c == 0x11:
		if in.A, err = r.u32(); err != nil {
			return err
		}
		in.B, err = r.u32()
	case c == 0x1c:
		n, err := r.u32()
		if err != nil {
			return err
		}
		if n != 1 {
			return errorf(ErrInvalid, "typed select must have exactly one type, has %d", n)
		}
		t, err := r.byte()
		if err != nil {
			return err
		}
		in.A = uint32(t)
	case c >= 0x28 && c <= 0x3e:
		if in.A, err = r.u32(); err != nil {
			return err
		}
		if in.A&0x40 != 0 {
			// A memory index follows (multi-memory encoding); only memory 0 exists.
			mem, err := r.u32()
			if err != nil {
				return err
			}
			if mem != 0 {
				return errorf(ErrUnsupported, "%s on memory %d (multi-memory)", in.Op, mem)
			}
			in.A &^= 0x40
		}
		in.B, err = r.u32()
	case c == 0x3f || c == 0x40:
		in.A, err = r.u32()
	case c == 0x41:
		v, err := r.s32()
		if err != nil {
			return err
		}
		in.V = uint64(int64(v))
	case c == 0x42:
		v, err := r.s64()
		if err != nil {
			return err
		}
		in.V = uint64(v)
	case c == 0x43:
		v, err := r.fixed32()
		if err != nil {
			return err
		}
		in.V = uint64(v)
	case c == 0x44:
		in.V, err = r.fixed64()
	case c == 0xd0:
		t, err := r.byte()
		if err != nil {
			return err
		}
		in.A = uint32(t)
	case c == 0xfc:
		return decodeFC(r, in)
	case c == 0x00 || c == 0x01 || c == 0x05 || c == 0x0b || c == 0x0f || c == 0x1a ||
		c == 0x1b || (c >= 0x45 && c <= 0xc4) || c == 0xd1:
		// no immediates
	default:
		if name, ok := unsupportedOpcodes[c]; ok {
			return errorf(ErrUnsupported, "instruction %s", name)
		}
		return errorf(ErrMalformed, "illegal opcode 0x%02x", c)
	}
	return err
}

func decodeFC(r *reader, in *Instr) error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	if sub > 17 {
		return errorf(ErrMalformed, "illegal opcode 0xfc %d", sub)
	}
	in.Op = opPrefixFC | Opcode(sub)
	switch in.Op {
	case OpMemoryInit, OpMemoryCopy, OpTableInit, OpTableCopy:
		if in.A, err = r.u32(); err != nil {
			return err
		}
		in.B, err = r.u32()
	case OpDataDrop, OpMemoryFill, OpElemDrop, OpTableGrow, OpTableSize, OpTableFill:
		in.A, err = r.u32()
	}
	return err
}

// appendInstr encodes one instruction in its minimal form.
func appendInstr(b []byte, in *Instr) []byte {
	op := in.Op
	if op >= opPrefixFC {
		b = append(b, 0xfc)
		b = appendU32(b, uint32(op&0xff))
		switch op {
		case OpMemoryInit, OpMemoryCopy, OpTableInit, OpTableCopy:
			b = appendU32(b, in.A)
			b = appendU32(b, in.B)
		case OpDataDrop, OpMemoryFill, OpElemDrop, OpTableGrow, OpTableSize, OpTableFill:
			b = appendU32(b, in.A)
		}
		return b
	}
	b = append(b, byte(op))
	switch {
	case op == OpBlock || op == OpLoop || op == OpIf:
		b = appendS64(b, int64(in.V))
	case op == OpBr || op == OpBrIf || op == OpCall || (op >= OpLocalGet && op <= OpTableSet) ||
		op == OpRefFunc || op == OpMemorySize || op == OpMemoryGrow:
		b = appendU32(b, in.A)
	case op == OpBrTable:
		if in.Table == nil {
			return append(b, 0, 0)
		}
		b = appendU32(b, uint32(len(in.Table.Targets)))
		for _, l := range in.Table.Targets {
			b = appendU32(b, l)
		}
		b = appendU32(b, in.Table.Default)
	case op == OpCallIndirect || isMemOp(op):
		b = appendU32(b, in.A)
		b = appendU32(b, in.B)
	case op == OpSelectT:
		b = append(b, 1, byte(in.A))
	case op == OpI32Const:
		b = appendS64(b, int64(int32(in.V)))
	case op == OpI64Const:
		b = appendS64(b, int64(in.V))
	case op == OpF32Const:
		b = appendFixed32(b, uint32(in.V))
	case op == OpF64Const:
		b = appendFixed64(b, in.V)
	case op == OpRefNull:
		b = append(b, byte(in.A))
	}
	return b
}

// Convenience constructors used by the passes.

func mkOp(op Opcode) Instr            { return Instr{Op: op} }
func mkIdx(op Opcode, a uint32) Instr { return Instr{Op: op, A: a} }
func mkI32(v int32) Instr             { return Instr{Op: OpI32Const, V: uint64(int64(v))} }
func mkI64(v int64) Instr             { return Instr{Op: OpI64Const, V: uint64(v)} }
func mkBlock(op Opcode, bt int64) Instr {
	return Instr{Op: op, V: uint64(bt)}
}
