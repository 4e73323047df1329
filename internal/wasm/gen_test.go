package wasm

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// progGen generates random valid modules with structured control flow, for differential
// tests against the reference instrumenter and for fuzz seeds.
type progGen struct {
	r      *rand.Rand
	out    []Instr
	labels []ValType // result type of each enclosing label (0 = none), innermost last
	loops  []bool
	locals []ValType
	funcs  []FuncType // all functions (imports first)
	result ValType
	budget int
}

func (g *progGen) emit(in ...Instr) { g.out = append(g.out, in...) }

// expr emits code leaving one value of type t.
func (g *progGen) expr(t ValType, depth int) {
	g.budget--
	if depth > 4 || g.budget < 0 {
		g.leaf(t)
		return
	}
	switch g.r.Intn(9) {
	case 0, 1:
		g.leaf(t)
	case 2:
		g.expr(t, depth+1)
		g.expr(t, depth+1)
		g.emit(mkOp(binop(t, g.r)))
	case 3:
		if t == I32 {
			g.expr(I32, depth+1)
			g.emit(Instr{Op: OpI32Load, A: 2, B: uint32(g.r.Intn(64))})
			return
		}
		g.expr(t, depth+1)
		g.expr(t, depth+1)
		g.expr(I32, depth+1)
		g.emit(mkOp(OpSelect))
	case 4:
		if t == I32 {
			if g.r.Intn(2) == 0 {
				g.emit(mkI32(int32(g.r.Intn(3))))
			} else {
				g.expr(I32, depth+1)
			}
			g.emit(mkIdx(OpMemoryGrow, 0))
			return
		}
		g.leaf(t)
	case 5:
		// A block producing the value, maybe branching out with it.
		g.emit(mkBlock(OpBlock, -int64(0x80-int(t))))
		g.push(t, false)
		g.stmts(depth + 1)
		if g.r.Intn(3) == 0 {
			g.expr(t, depth+1)
			g.expr(I32, depth+1)
			g.emit(mkIdx(OpBrIf, 0))
			g.emit(mkOp(OpDrop))
		}
		g.expr(t, depth+1)
		g.pop()
		g.emit(mkOp(OpEnd))
	case 6:
		g.expr(I32, depth+1)
		g.emit(mkBlock(OpIf, -int64(0x80-int(t))))
		g.push(t, false)
		g.stmts(depth + 1)
		g.expr(t, depth+1)
		g.emit(mkOp(OpElse))
		g.stmts(depth + 1)
		g.expr(t, depth+1)
		g.pop()
		g.emit(mkOp(OpEnd))
	case 7:
		// call a function returning t, if any
		for _, fi := range g.r.Perm(len(g.funcs)) {
			ft := g.funcs[fi]
			if len(ft.Results) == 1 && ft.Results[0] == t {
				for _, p := range ft.Params {
					g.expr(p, depth+1)
				}
				g.emit(mkIdx(OpCall, uint32(fi)))
				return
			}
		}
		g.leaf(t)
	default:
		g.leaf(t)
	}
}

func binop(t ValType, r *rand.Rand) Opcode {
	switch t {
	case I32:
		return []Opcode{0x6a, 0x6b, 0x6c, 0x71, 0x72, 0x73}[r.Intn(6)]
	case I64:
		return []Opcode{0x7c, 0x7d, 0x7e, 0x83}[r.Intn(4)]
	case F32:
		return []Opcode{0x92, 0x93, 0x94, 0x95, 0x96, 0x97}[r.Intn(6)]
	}
	return []Opcode{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5}[r.Intn(6)]
}

func (g *progGen) leaf(t ValType) {
	var idx []int
	for i, l := range g.locals {
		if l == t {
			idx = append(idx, i)
		}
	}
	if len(idx) > 0 && g.r.Intn(2) == 0 {
		g.emit(mkIdx(OpLocalGet, uint32(idx[g.r.Intn(len(idx))])))
		return
	}
	switch t {
	case I32:
		g.emit(mkI32(int32(g.r.Intn(100))))
	case I64:
		g.emit(mkI64(int64(g.r.Intn(100))))
	case F32:
		g.emit(Instr{Op: OpF32Const, V: uint64(g.r.Uint32())})
	default:
		g.emit(Instr{Op: OpF64Const, V: g.r.Uint64()})
	}
}

func (g *progGen) push(t ValType, loop bool) {
	g.labels = append(g.labels, t)
	g.loops = append(g.loops, loop)
}

func (g *progGen) pop() {
	g.labels = g.labels[:len(g.labels)-1]
	g.loops = g.loops[:len(g.loops)-1]
}

// labelType is the value a branch to relative label l carries.
func (g *progGen) labelType(l int) ValType {
	i := len(g.labels) - 1 - l
	if g.loops[i] {
		return 0
	}
	return g.labels[i]
}

// stmts emits stack-neutral statements.
func (g *progGen) stmts(depth int) {
	n := g.r.Intn(4)
	for i := 0; i < n && g.budget > 0; i++ {
		if g.stmt(depth) {
			return // the rest would be unreachable; stop (sometimes keep going below)
		}
	}
}

var valTypes = []ValType{I32, I64, F32, F64}

// stmt emits one statement; it reports whether control cannot fall through.
func (g *progGen) stmt(depth int) bool {
	g.budget--
	if depth > 5 {
		g.expr(I32, depth)
		g.emit(mkOp(OpDrop))
		return false
	}
	switch g.r.Intn(16) {
	case 0:
		t := valTypes[g.r.Intn(4)]
		g.expr(t, depth)
		g.emit(mkOp(OpDrop))
	case 1:
		if len(g.locals) > 0 {
			i := g.r.Intn(len(g.locals))
			g.expr(g.locals[i], depth)
			g.emit(mkIdx(OpLocalSet, uint32(i)))
		}
	case 2:
		g.expr(I32, depth)
		g.expr(I32, depth)
		g.emit(Instr{Op: OpI32Store, A: 2, B: uint32(g.r.Intn(64))})
	case 3:
		// bulk memory with static or dynamic counts
		op := []Opcode{OpMemoryFill, OpMemoryCopy}[g.r.Intn(2)]
		g.emit(mkI32(int32(g.r.Intn(16))), mkI32(int32(g.r.Intn(16))))
		if g.r.Intn(2) == 0 {
			g.emit(mkI32(int32(g.r.Intn(64))))
		} else {
			g.expr(I32, depth)
			g.emit(mkI32(63), mkOp(0x71)) // and 63
		}
		g.emit(Instr{Op: op})
	case 4:
		g.emit(mkBlock(OpBlock, blockEmpty))
		g.push(0, false)
		g.stmts(depth + 1)
		g.pop()
		g.emit(mkOp(OpEnd))
	case 5:
		g.emit(mkBlock(OpLoop, blockEmpty))
		g.push(0, true)
		g.stmts(depth + 1)
		g.pop()
		g.emit(mkOp(OpEnd))
	case 6:
		g.expr(I32, depth)
		g.emit(mkBlock(OpIf, blockEmpty))
		g.push(0, false)
		g.stmts(depth + 1)
		if g.r.Intn(2) == 0 {
			g.emit(mkOp(OpElse))
			g.stmts(depth + 1)
		}
		g.pop()
		g.emit(mkOp(OpEnd))
	case 7, 8:
		// br_if to a label carrying nothing (forward) or a loop
		var ok []int
		for l := range g.labels {
			if g.labelType(l) == 0 {
				ok = append(ok, l)
			}
		}
		if len(ok) > 0 {
			// avoid infinite loops: branch to loops only on a zero condition
			l := ok[g.r.Intn(len(ok))]
			if g.loops[len(g.loops)-1-l] {
				g.emit(mkI32(0))
			} else {
				g.expr(I32, depth)
			}
			g.emit(mkIdx(OpBrIf, uint32(l)))
		}
	case 9:
		// br / br_table to forward labels without values, then dead code
		var ok []int
		for l := range g.labels {
			if g.labelType(l) == 0 && !g.loops[len(g.loops)-1-l] {
				ok = append(ok, l)
			}
		}
		if len(ok) == 0 {
			return false
		}
		if g.r.Intn(2) == 0 {
			g.emit(mkIdx(OpBr, uint32(ok[g.r.Intn(len(ok))])))
		} else {
			g.expr(I32, depth)
			bt := &BrTable{Default: uint32(ok[g.r.Intn(len(ok))])}
			for k := g.r.Intn(4); k > 0; k-- {
				bt.Targets = append(bt.Targets, uint32(ok[g.r.Intn(len(ok))]))
			}
			g.emit(Instr{Op: OpBrTable, Table: bt})
		}
		g.deadCode()
		return true
	case 10:
		if g.result != 0 {
			g.expr(g.result, depth)
		}
		g.emit(mkOp(OpReturn))
		g.deadCode()
		return true
	case 11:
		if g.r.Intn(4) == 0 {
			g.emit(mkOp(OpUnreachable))
			g.deadCode()
			return true
		}
	case 12:
		// call anything, dropping its result
		fi := g.r.Intn(len(g.funcs))
		ft := g.funcs[fi]
		for _, p := range ft.Params {
			g.expr(p, depth)
		}
		g.emit(mkIdx(OpCall, uint32(fi)))
		if len(ft.Results) == 1 {
			g.emit(mkOp(OpDrop))
		}
	case 13:
		// call_indirect through the table to type 0 (i32) -> i32 (index may trap)
		g.expr(I32, depth)
		g.emit(mkI32(int32(g.r.Intn(3))), Instr{Op: OpCallIndirect, A: 0}, mkOp(OpDrop))
	case 14:
		g.expr(I32, depth)
		g.emit(mkIdx(OpGlobalSet, 0))
		g.emit(mkIdx(OpGlobalGet, 0), mkOp(OpDrop))
	default:
		g.expr(F64, depth)
		g.emit(mkOp(OpF64Sqrt), mkOp(OpF64Nearest), mkOp(OpDrop))
	}
	return false
}

// deadCode emits polymorphic-stack code after an unconditional branch, exercising the
// stack limiter's polymorphic frames.
func (g *progGen) deadCode() {
	switch g.r.Intn(4) {
	case 0:
		g.emit(mkOp(OpI32Add), mkOp(OpDrop))
	case 1:
		g.emit(mkI32(1), mkOp(OpDrop))
	case 2:
		g.emit(mkOp(OpDrop), mkOp(OpDrop), mkI32(3), mkI32(4), mkOp(OpI32Add), mkOp(OpDrop))
	}
}

// genModule builds a random valid module.
func genModule(seed int64) testModule {
	r := rand.New(rand.NewSource(seed))
	tm := testModule{
		imports: []Import{{Module: "env", Name: "syscall", Kind: KindFunc, TypeIdx: 0}},
		memory:  &Limits{Min: 1, Max: 2, HasMax: true},
		globals: []Global{{Type: GlobalType{Type: I32, Mutable: true}, Init: ConstExpr{mkI32(0), mkOp(OpEnd)}}},
	}
	if seed%5 == 4 {
		// An imported mutable global comes first in the global index space, which exercises
		// the reference's index quirks (stack-height global index, global shift).
		tm.imports = append(tm.imports, Import{Module: "env", Name: "g", Kind: KindGlobal,
			Global: GlobalType{Type: I32, Mutable: true}})
	}
	nf := 1 + r.Intn(5)
	types := []FuncType{i32ToI32}
	for i := 1; i < nf; i++ {
		var ft FuncType
		for k := r.Intn(3); k > 0; k-- {
			ft.Params = append(ft.Params, valTypes[r.Intn(4)])
		}
		if r.Intn(3) > 0 {
			ft.Results = []ValType{valTypes[r.Intn(4)]}
		}
		types = append(types, ft)
	}
	funcs := append([]FuncType{i32ToI32}, types...) // import first
	for i := 0; i < nf; i++ {
		ft := types[i]
		var locals []LocalGroup
		for k := r.Intn(4); k > 0; k-- {
			locals = append(locals, LocalGroup{Count: uint32(1 + r.Intn(3)), Type: valTypes[r.Intn(4)]})
		}
		g := &progGen{r: r, funcs: funcs, budget: 20 + r.Intn(300)}
		g.locals = append(append([]ValType{}, ft.Params...), expandLocals(locals)...)
		if len(ft.Results) == 1 {
			g.result = ft.Results[0]
		}
		g.push(g.result, false)
		g.stmts(0)
		if g.result != 0 {
			g.expr(g.result, 0)
		}
		f := testFunc{typ: ft, locals: locals, body: g.out}
		if i == 0 || r.Intn(2) == 0 {
			f.export = "f" + strconv.Itoa(i)
		}
		tm.funcs = append(tm.funcs, f)
	}
	tm.table = []uint32{1, 0}
	if nf > 1 && r.Intn(2) == 0 {
		tm.table = append(tm.table, uint32(1+r.Intn(nf)))
	}
	return tm
}

// TestGeneratedModules instruments random valid modules: they must pass the pipeline.
// With FVM_WASM_DUMP_DIR set, the inputs are written there for the reference harness.
func TestGeneratedModules(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	if v, err := strconv.Atoi(os.Getenv("FVM_WASM_GEN_COUNT")); err == nil {
		n = v
	}
	dump := os.Getenv("FVM_WASM_DUMP_DIR")
	refused := 0
	for seed := int64(0); seed < int64(n); seed++ {
		code := genModule(seed).bytes(t)
		if dump != "" {
			os.WriteFile(filepath.Join(dump, fmt.Sprintf("gen%04d.wasm", seed)), code, 0o644)
		}
		if _, err := Instrument(code, FVMConfig()); err != nil {
			// The reference's stack limiter refuses some valid modules (e.g. dead code that
			// pops below zero after an unconditional branch); that is a refusal, not a bug.
			if !errors.Is(err, ErrInstrument) {
				t.Fatalf("seed %d: %v", seed, err)
			}
			refused++
		}
	}
	t.Logf("%d modules, %d refused by the instrumenter", n, refused)
}

// edgeModules are hand-written modules for corners of the reference's behaviour; with
// FVM_WASM_DUMP_DIR set they are written out for the reference harness.
func edgeModules() map[string][]byte {
	out := map[string][]byte{}
	tbl := func(body ...Instr) testModule {
		return testModule{memory: mem1, table: []uint32{0, 0}, funcs: []testFunc{{typ: nilToNil, export: "run", body: body}}}
	}
	out["table_ops_static"] = tbl(
		mkI32(0), mkIdx(OpTableGet, 0), mkI32(1), mkIdx(OpTableGrow, 0), mkOp(OpDrop),
		mkI32(0), mkI32(1), mkI32(1), Instr{Op: OpTableCopy}, mkIdx(OpTableSize, 0), mkOp(OpDrop),
	).build().Encode()
	out["table_ops_dynamic"] = tbl(
		mkI32(0), mkIdx(OpTableGet, 0), mkIdx(OpTableSize, 0), mkIdx(OpTableGrow, 0), mkOp(OpDrop),
		mkI32(0), mkI32(1), mkIdx(OpTableSize, 0), Instr{Op: OpTableCopy},
		mkI32(1), mkI32(0), mkIdx(OpTableGet, 0), mkIdx(OpTableSize, 0), mkIdx(OpTableFill, 0),
	).build().Encode()
	// passive element segment + table.init/elem.drop, passive data + memory.init/data.drop
	{
		m := tbl(
			mkI32(0), mkI32(0), mkI32(1), Instr{Op: OpTableInit, A: 1}, mkIdx(OpElemDrop, 1),
			mkI32(0), mkI32(0), mkIdx(OpMemorySize, 0), Instr{Op: OpMemoryInit}, mkIdx(OpDataDrop, 0),
			mkI32(0), mkI32(0), mkI32(2), Instr{Op: OpMemoryInit}, mkIdx(OpDataDrop, 0),
		).build()
		m.Elements = append(m.Elements, Element{Mode: ModePassive, Type: FuncRef, Funcs: []uint32{0}, flags: 1})
		one := uint32(1)
		m.DataCount = &one
		m.markDirty(SecDataCount)
		m.Data = []Data{{Mode: ModePassive, Init: []byte("abc")}}
		m.markDirty(SecData)
		out["passive_segments"] = m.Encode()
	}
	// element segment with expressions: refused by gas metering
	{
		m := tbl().build()
		m.Elements = append(m.Elements, Element{Mode: ModeDeclared, Type: FuncRef, UsesExprs: true,
			Exprs: []ConstExpr{{mkIdx(OpRefFunc, 0), mkOp(OpEnd)}}, flags: 7})
		out["elem_exprs"] = m.Encode()
		m2 := tbl().build()
		m2.Elements = append(m2.Elements, Element{Mode: ModePassive, Type: FuncRef, UsesExprs: true, flags: 5})
		out["elem_exprs_empty"] = m2.Encode()
	}
	// exported globals (not re-indexed), exported import, start function
	{
		m := testModule{
			imports: []Import{{Module: "env", Name: "syscall", Kind: KindFunc, TypeIdx: 0}},
			globals: []Global{
				{Type: GlobalType{Type: I32, Mutable: true}, Init: ConstExpr{mkI32(5), mkOp(OpEnd)}},
				{Type: GlobalType{Type: I64}, Init: ConstExpr{mkI64(7), mkOp(OpEnd)}},
			},
			funcs: []testFunc{
				{typ: i32ToI32, body: []Instr{mkIdx(OpLocalGet, 0), mkIdx(OpGlobalGet, 0), mkOp(OpI32Add)}},
				{typ: nilToNil, body: []Instr{mkI32(1), mkIdx(OpGlobalSet, 0)}},
			},
		}
		start := uint32(2)
		m.start = &start
		b := m.build()
		b.Exports = append(b.Exports,
			Export{Name: "g0", Kind: KindGlobal, Index: 0}, Export{Name: "g1", Kind: KindGlobal, Index: 1},
			Export{Name: "imp", Kind: KindFunc, Index: 0}, Export{Name: "f", Kind: KindFunc, Index: 1},
			Export{Name: "f_again", Kind: KindFunc, Index: 1})
		b.markDirty(SecExport)
		out["exports_start"] = b.Encode()
	}
	// data segment offset from an imported global: refused by gas metering
	{
		m := testModule{imports: []Import{{Module: "env", Name: "base", Kind: KindGlobal, Global: GlobalType{Type: I32}}},
			memory: mem1, funcs: []testFunc{{typ: nilToNil}}}.build()
		m.Data = []Data{{Mode: ModeActive, Offset: ConstExpr{mkIdx(OpGlobalGet, 0), mkOp(OpEnd)}, Init: []byte("x")}}
		m.markDirty(SecData)
		out["data_global_offset"] = m.Encode()
	}
	// typed select, ref.null: refused by the stack limiter
	out["typed_select"] = tbl(mkI32(1), mkI32(2), mkI32(0), Instr{Op: OpSelectT, A: uint32(I32)}, mkOp(OpDrop)).build().Encode()
	out["ref_null"] = tbl(mkIdx(OpRefNull, uint32(FuncRef)), mkOp(OpDrop)).build().Encode()
	// huge static grow and copy counts (block cost near the u64/i64 limits)
	out["huge_static"] = tbl(
		mkI32(0x7fffffff), mkIdx(OpMemoryGrow, 0), mkOp(OpDrop),
		mkI32(0), mkI32(0), mkI32(0x7fffffff), Instr{Op: OpMemoryCopy},
		mkI32(0), mkI32(0), mkI32(0x7fffffff), Instr{Op: OpMemoryFill},
	).build().Encode()
	// deep nesting with br_table to mixed loop/block labels and dead code
	out["br_table_mixed"] = testModule{funcs: []testFunc{{typ: i32ToNil, export: "run", body: []Instr{
		mkBlock(OpBlock, blockEmpty), mkBlock(OpLoop, blockEmpty), mkBlock(OpBlock, blockEmpty),
		mkIdx(OpLocalGet, 0), mkI32(1), mkOp(OpI32Sub), mkIdx(OpLocalTee, 0),
		{Op: OpBrTable, Table: brTable(0, 1, 2, 1)},
		mkOp(OpI32Add), mkOp(OpDrop),
		mkOp(OpEnd), mkI32(5), mkOp(OpDrop), mkOp(OpEnd), mkOp(OpEnd),
	}}}}.build().Encode()
	return out
}

func TestEdgeModules(t *testing.T) {
	dump := os.Getenv("FVM_WASM_DUMP_DIR")
	for name, code := range edgeModules() {
		m, err := Decode(code)
		if err == nil {
			err = Validate(m)
		}
		if err != nil {
			t.Fatalf("%s: test module invalid: %v", name, err)
		}
		if dump != "" {
			os.WriteFile(filepath.Join(dump, "edge_"+name+".wasm"), code, 0o644)
		}
		_, err = Instrument(code, FVMConfig())
		t.Logf("%s: %v", name, err)
	}
}
