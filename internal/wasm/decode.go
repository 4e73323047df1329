package wasm

import (
	"errors"
	"fmt"
)

// Size limits. They follow the limits wasmparser 0.236 (the validator inside the
// reference's wasmtime 36) enforces, plus a cap on the whole module. wasmparser defines a
// 128 KiB function-size limit but does not enforce it, so neither do we.
const (
	// MaxModuleSize is the largest module Decode accepts (bytes).
	MaxModuleSize      = 64 << 20
	maxTypes           = 1_000_000
	maxFunctions       = 1_000_000
	maxImports         = 1_000_000
	maxExports         = 1_000_000
	maxGlobals         = 1_000_000
	maxElementSegments = 100_000
	maxDataSegments    = 100_000
	maxStringSize      = 100_000
	maxFunctionLocals  = 50_000
	maxFunctionParams  = 1_000
	maxTableEntries    = 10_000_000
	maxTables          = 100
	maxMemoryPages     = 65_536
	maxBrTableSize     = 128 * 1024
	// maxElemItems caps the items of one element segment.
	maxElemItems = maxTableEntries
)

var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// Decode parses a binary module. It checks the binary format (section order and sizes,
// encodings, UTF-8 names, limits) and rejects features the FVM does not enable where they
// show in the encoding; type checking is left to Validate. It never panics.
func Decode(b []byte) (*Module, error) { return decode(b, false) }

// DecodeInterface parses only the sections that say how a module links and
// instantiates (types, imports, functions, tables, memories, globals, exports) and
// skips the others unread (code, data, elements): for a host that reads the interface of
// modules it compiled before, where decoding every function body would cost more than
// the rest of loading. The skipped sections' contents are not checked.
func DecodeInterface(b []byte) (*Module, error) { return decode(b, true) }

// interfaceSections are the sections DecodeInterface reads.
var interfaceSections = [14]bool{SecType: true, SecImport: true, SecFunction: true, SecTable: true,
	SecMemory: true, SecGlobal: true, SecExport: true}

func decode(b []byte, interfaceOnly bool) (*Module, error) {
	if len(b) > MaxModuleSize {
		return nil, errorf(ErrTooLarge, "module is %d bytes, limit %d", len(b), MaxModuleSize)
	}
	if len(b) < 8 || string(b[:4]) != string(wasmMagic[:4]) {
		return nil, errorf(ErrMalformed, "missing \\0asm magic header")
	}
	if string(b[4:8]) != string(wasmMagic[4:8]) {
		return nil, errorf(ErrUnsupported, "binary version %x (only version 1 core modules)", b[4:8])
	}
	m := &Module{}
	r := &reader{b: b, pos: 8}
	lastOrder := 0
	lastID := byte(0)
	for !r.eof() {
		id, _ := r.byte()
		size, err := r.u32()
		if err != nil {
			return nil, errorf(ErrMalformed, "section header at offset %d: %v", r.pos, err)
		}
		payload, err := r.bytes(size)
		if err != nil {
			return nil, errorf(ErrMalformed, "%s section: size %d past end of module", sectionName(id), size)
		}
		if id == SecCustom {
			if err := m.decodeCustom(payload, lastID); err != nil {
				return nil, err
			}
			continue
		}
		if id == SecTag {
			return nil, errorf(ErrUnsupported, "tag section (exception handling)")
		}
		ord := sectionOrder(id)
		if ord < 0 {
			return nil, errorf(ErrMalformed, "unknown section id %d", id)
		}
		if ord <= lastOrder {
			return nil, errorf(ErrMalformed, "%s section out of order or duplicated", sectionName(id))
		}
		lastOrder, lastID = ord, id
		m.present[id] = true
		m.raw[id] = payload
		if interfaceOnly && !interfaceSections[id] {
			continue
		}
		if err := m.decodeSection(id, payload); err != nil {
			return nil, err
		}
	}
	if interfaceOnly {
		return m, nil
	}
	if len(m.Funcs) != len(m.Code) {
		return nil, errorf(ErrMalformed, "function and code section have inconsistent lengths (%d vs %d)",
			len(m.Funcs), len(m.Code))
	}
	if m.DataCount != nil && int(*m.DataCount) != len(m.Data) {
		return nil, errorf(ErrMalformed, "data count %d does not match %d data segments", *m.DataCount, len(m.Data))
	}
	return m, nil
}

func (m *Module) decodeCustom(payload []byte, after byte) error {
	r := &reader{b: payload}
	name, err := r.name()
	if err != nil {
		return errorf(ErrMalformed, "custom section name: %v", err)
	}
	m.Customs = append(m.Customs, CustomSection{Name: name, After: after, Raw: payload})
	return nil
}

func (m *Module) decodeSection(id byte, payload []byte) error {
	r := &reader{b: payload}
	var err error
	switch id {
	case SecType:
		err = m.decodeTypes(r)
	case SecImport:
		err = m.decodeImports(r)
	case SecFunction:
		err = m.decodeFunctions(r)
	case SecTable:
		err = m.decodeTables(r)
	case SecMemory:
		err = m.decodeMemories(r)
	case SecGlobal:
		err = m.decodeGlobals(r)
	case SecExport:
		err = m.decodeExports(r)
	case SecStart:
		var s uint32
		s, err = r.u32()
		m.Start = &s
	case SecElement:
		err = m.decodeElements(r)
	case SecDataCount:
		var n uint32
		n, err = r.u32()
		m.DataCount = &n
	case SecCode:
		err = m.decodeCode(r)
	case SecData:
		err = m.decodeData(r)
	}
	if err == nil && !r.eof() {
		err = fmt.Errorf("%d trailing bytes", r.remaining())
	}
	if err != nil {
		return wrapSection(id, err)
	}
	return nil
}

// wrapSection adds the section name to an error, wrapping ErrMalformed unless the error
// already carries one of the package's sentinels.
func wrapSection(id byte, err error) error {
	if hasSentinel(err) {
		return fmt.Errorf("%s section: %w", sectionName(id), err)
	}
	return errorf(ErrMalformed, "%s section: %v", sectionName(id), err)
}

func hasSentinel(err error) bool {
	for _, s := range []error{ErrMalformed, ErrTooLarge, ErrUnsupported, ErrInvalid, ErrInstrument} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func checkCount(what string, n uint32, limit int) error {
	if uint64(n) > uint64(limit) {
		return errorf(ErrTooLarge, "%d %s (limit %d)", n, what, limit)
	}
	return nil
}

func decodeValType(r *reader) (ValType, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch ValType(c) {
	case I32, I64, F32, F64, FuncRef:
		return ValType(c), nil
	case ExternRef:
		// Quirk (ref-fvm engine config): wasmtime is built without its "gc" feature, so
		// wasmparser's GC_TYPES feature is off and only funcref is a usable reference type.
		return 0, errorf(ErrUnsupported, "externref type")
	case V128:
		return 0, errorf(ErrUnsupported, "v128 type (SIMD)")
	}
	if c >= 0x63 && c <= 0x74 || c == 0x40 {
		return 0, errorf(ErrUnsupported, "reference type 0x%02x (GC / function references)", c)
	}
	return 0, fmt.Errorf("invalid value type 0x%02x", c)
}

func decodeRefType(r *reader) (ValType, error) {
	t, err := decodeValType(r)
	if err != nil {
		return 0, err
	}
	if t != FuncRef {
		return 0, fmt.Errorf("%s is not a reference type", t)
	}
	return t, nil
}

func (m *Module) decodeTypes(r *reader) error {
	n, err := r.count(3)
	if err != nil {
		return err
	}
	if err := checkCount("types", n, maxTypes); err != nil {
		return err
	}
	m.Types = make([]FuncType, 0, n)
	for i := uint32(0); i < n; i++ {
		form, err := r.byte()
		if err != nil {
			return err
		}
		if form != 0x60 {
			if form == 0x4e || form == 0x4f || form == 0x50 || form == 0x5e || form == 0x5f {
				return errorf(ErrUnsupported, "type %d: GC composite type 0x%02x", i, form)
			}
			return fmt.Errorf("type %d: invalid form 0x%02x", i, form)
		}
		var ft FuncType
		if ft.Params, err = decodeValTypes(r, "params"); err != nil {
			return fmt.Errorf("type %d: %w", i, err)
		}
		if ft.Results, err = decodeValTypes(r, "results"); err != nil {
			return fmt.Errorf("type %d: %w", i, err)
		}
		if len(ft.Results) > 1 {
			return errorf(ErrUnsupported, "type %d: %d results (multi-value)", i, len(ft.Results))
		}
		m.Types = append(m.Types, ft)
	}
	return nil
}

func decodeValTypes(r *reader, what string) ([]ValType, error) {
	n, err := r.count(1)
	if err != nil {
		return nil, err
	}
	if err := checkCount(what, n, maxFunctionParams); err != nil {
		return nil, err
	}
	ts := make([]ValType, n)
	for i := range ts {
		if ts[i], err = decodeValType(r); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

func decodeLimits(r *reader, isMemory bool) (Limits, error) {
	flags, err := r.byte()
	if err != nil {
		return Limits{}, err
	}
	if isMemory {
		switch {
		case flags&0x02 != 0:
			return Limits{}, errorf(ErrUnsupported, "shared memory (threads)")
		case flags&0x04 != 0:
			return Limits{}, errorf(ErrUnsupported, "64-bit memory (memory64)")
		case flags&0x08 != 0:
			return Limits{}, errorf(ErrUnsupported, "custom page size")
		}
	} else if flags&0x04 != 0 {
		return Limits{}, errorf(ErrUnsupported, "64-bit table (memory64)")
	}
	if flags > 1 {
		return Limits{}, fmt.Errorf("invalid limits flags 0x%02x", flags)
	}
	var l Limits
	min, err := r.u32()
	if err != nil {
		return l, err
	}
	l.Min = uint64(min)
	if flags == 1 {
		max, err := r.u32()
		if err != nil {
			return l, err
		}
		l.Max, l.HasMax = uint64(max), true
	}
	return l, nil
}

func decodeTableType(r *reader) (TableType, error) {
	c, err := r.byte()
	if err != nil {
		return TableType{}, err
	}
	if c == 0x40 {
		return TableType{}, errorf(ErrUnsupported, "table with initialiser (function references)")
	}
	r.pos--
	t, err := decodeRefType(r)
	if err != nil {
		return TableType{}, err
	}
	l, err := decodeLimits(r, false)
	return TableType{Elem: t, Limits: l}, err
}

func decodeGlobalType(r *reader) (GlobalType, error) {
	t, err := decodeValType(r)
	if err != nil {
		return GlobalType{}, err
	}
	mut, err := r.byte()
	if err != nil {
		return GlobalType{}, err
	}
	if mut > 1 {
		if mut&0x02 != 0 {
			return GlobalType{}, errorf(ErrUnsupported, "shared global (threads)")
		}
		return GlobalType{}, fmt.Errorf("invalid global mutability 0x%02x", mut)
	}
	return GlobalType{Type: t, Mutable: mut == 1}, nil
}

func (m *Module) decodeImports(r *reader) error {
	n, err := r.count(4)
	if err != nil {
		return err
	}
	if err := checkCount("imports", n, maxImports); err != nil {
		return err
	}
	m.Imports = make([]Import, 0, n)
	for i := uint32(0); i < n; i++ {
		var im Import
		if im.Module, err = r.name(); err != nil {
			return fmt.Errorf("import %d: %w", i, err)
		}
		if im.Name, err = r.name(); err != nil {
			return fmt.Errorf("import %d: %w", i, err)
		}
		if im.Kind, err = r.byte(); err != nil {
			return err
		}
		switch im.Kind {
		case KindFunc:
			im.TypeIdx, err = r.u32()
			m.numImportedFuncs++
		case KindTable:
			im.Table, err = decodeTableType(r)
			m.numImportedTables++
		case KindMemory:
			im.Memory, err = decodeLimits(r, true)
			m.numImportedMemories++
		case KindGlobal:
			im.Global, err = decodeGlobalType(r)
			m.numImportedGlobals++
		case KindTag:
			err = errorf(ErrUnsupported, "tag import (exception handling)")
		default:
			err = fmt.Errorf("invalid import kind 0x%02x", im.Kind)
		}
		if err != nil {
			return fmt.Errorf("import %d (%q %q): %w", i, im.Module, im.Name, err)
		}
		m.Imports = append(m.Imports, im)
	}
	return nil
}

func (m *Module) decodeFunctions(r *reader) error {
	n, err := r.count(1)
	if err != nil {
		return err
	}
	if err := checkCount("functions", n+m.numImportedFuncs, maxFunctions); err != nil {
		return err
	}
	m.Funcs = make([]uint32, n)
	for i := range m.Funcs {
		if m.Funcs[i], err = r.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) decodeTables(r *reader) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	if err := checkCount("tables", n, maxTables); err != nil {
		return err
	}
	m.Tables = make([]TableType, n)
	for i := range m.Tables {
		if m.Tables[i], err = decodeTableType(r); err != nil {
			return fmt.Errorf("table %d: %w", i, err)
		}
	}
	return nil
}

func (m *Module) decodeMemories(r *reader) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	if err := checkCount("memories", n, maxTables); err != nil {
		return err
	}
	m.Memories = make([]Limits, n)
	for i := range m.Memories {
		if m.Memories[i], err = decodeLimits(r, true); err != nil {
			return fmt.Errorf("memory %d: %w", i, err)
		}
	}
	return nil
}

func (m *Module) decodeGlobals(r *reader) error {
	n, err := r.count(4)
	if err != nil {
		return err
	}
	if err := checkCount("globals", n, maxGlobals); err != nil {
		return err
	}
	m.Globals = make([]Global, n)
	for i := range m.Globals {
		g := &m.Globals[i]
		if g.Type, err = decodeGlobalType(r); err != nil {
			return fmt.Errorf("global %d: %w", i, err)
		}
		if g.Init, err = decodeConstExpr(r); err != nil {
			return fmt.Errorf("global %d: %w", i, err)
		}
	}
	return nil
}

// decodeConstExpr reads instructions up to and including the first end.
func decodeConstExpr(r *reader) (ConstExpr, error) {
	var e ConstExpr
	for {
		var in Instr
		if err := decodeInstr(r, &in); err != nil {
			return nil, err
		}
		e = append(e, in)
		if in.Op == OpEnd {
			return e, nil
		}
		if len(e) > 64 {
			return nil, errorf(ErrInvalid, "constant expression too long")
		}
	}
}

func (m *Module) decodeExports(r *reader) error {
	n, err := r.count(3)
	if err != nil {
		return err
	}
	if err := checkCount("exports", n, maxExports); err != nil {
		return err
	}
	m.Exports = make([]Export, n)
	for i := range m.Exports {
		e := &m.Exports[i]
		if e.Name, err = r.name(); err != nil {
			return fmt.Errorf("export %d: %w", i, err)
		}
		if e.Kind, err = r.byte(); err != nil {
			return err
		}
		if e.Kind > KindGlobal {
			if e.Kind == KindTag {
				return errorf(ErrUnsupported, "export %q: tag (exception handling)", e.Name)
			}
			return fmt.Errorf("export %q: invalid kind 0x%02x", e.Name, e.Kind)
		}
		if e.Index, err = r.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) decodeElements(r *reader) error {
	n, err := r.count(1)
	if err != nil {
		return err
	}
	if err := checkCount("element segments", n, maxElementSegments); err != nil {
		return err
	}
	m.Elements = make([]Element, n)
	for i := range m.Elements {
		if err := decodeElement(r, &m.Elements[i]); err != nil {
			return fmt.Errorf("element segment %d: %w", i, err)
		}
	}
	return nil
}

func decodeElement(r *reader, e *Element) error {
	flags, err := r.u32()
	if err != nil {
		return err
	}
	if flags > 7 {
		return fmt.Errorf("invalid flags %d", flags)
	}
	e.flags = flags
	e.Type = FuncRef
	switch {
	case flags&1 == 0:
		e.Mode = ModeActive
	case flags&2 == 0:
		e.Mode = ModePassive
	default:
		e.Mode = ModeDeclared
	}
	if e.Mode == ModeActive && flags&2 != 0 {
		if e.Table, err = r.u32(); err != nil {
			return err
		}
	}
	if e.Mode == ModeActive {
		if e.Offset, err = decodeConstExpr(r); err != nil {
			return err
		}
	}
	e.UsesExprs = flags&4 != 0
	if flags&3 != 0 {
		// An explicit element kind (flags 1-3) or element type (flags 5-7).
		if e.UsesExprs {
			if e.Type, err = decodeRefType(r); err != nil {
				return err
			}
		} else {
			kind, err := r.byte()
			if err != nil {
				return err
			}
			if kind != 0 {
				return fmt.Errorf("invalid element kind 0x%02x", kind)
			}
		}
	}
	cnt, err := r.count(1)
	if err != nil {
		return err
	}
	if err := checkCount("elements", cnt, maxElemItems); err != nil {
		return err
	}
	if e.UsesExprs {
		e.Exprs = make([]ConstExpr, cnt)
		for i := range e.Exprs {
			if e.Exprs[i], err = decodeConstExpr(r); err != nil {
				return err
			}
		}
		return nil
	}
	e.Funcs = make([]uint32, cnt)
	for i := range e.Funcs {
		if e.Funcs[i], err = r.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) decodeCode(r *reader) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	if err := checkCount("function bodies", n, maxFunctions); err != nil {
		return err
	}
	m.Code = make([]Code, n)
	m.codeRaw = make([][]byte, n)
	m.codeDirty = make([]bool, n)
	// All bodies share one backing array (rustc output averages 2.2 bytes per instruction);
	// each body gets a capacity-limited slice of it once decoding is done.
	arena := make([]Instr, 0, r.remaining()*10/21+16)
	ends := make([]int, n)
	for i := range m.Code {
		size, err := r.u32()
		if err != nil {
			return fmt.Errorf("function body %d: %w", i, err)
		}
		entry, err := r.bytes(size)
		if err != nil {
			return fmt.Errorf("function body %d: %w", i, err)
		}
		m.codeRaw[i] = entry
		if arena, err = decodeBody(entry, &m.Code[i], arena); err != nil {
			return fmt.Errorf("function %d (body %d): %w", m.numImportedFuncs+uint32(i), i, err)
		}
		ends[i] = len(arena)
	}
	start := 0
	for i := range m.Code {
		m.Code[i].Body = arena[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return nil
}

// decodeBody decodes one code entry (locals and instructions), appending the instructions
// to arena and returning it.
func decodeBody(entry []byte, c *Code, arena []Instr) ([]Instr, error) {
	r := &reader{b: entry}
	ng, err := r.count(2)
	if err != nil {
		return arena, err
	}
	c.Locals = make([]LocalGroup, ng)
	var total uint64
	for i := range c.Locals {
		if c.Locals[i].Count, err = r.u32(); err != nil {
			return arena, err
		}
		total += uint64(c.Locals[i].Count)
		if total > maxFunctionLocals {
			return arena, errorf(ErrTooLarge, "more than %d locals", maxFunctionLocals)
		}
		if c.Locals[i].Type, err = decodeValType(r); err != nil {
			return arena, err
		}
	}
	depth := 0
	for {
		if r.eof() {
			return arena, fmt.Errorf("body ends without a final end")
		}
		var in Instr
		if err := decodeInstr(r, &in); err != nil {
			return arena, fmt.Errorf("at byte %d: %w", r.pos, err)
		}
		arena = append(arena, in)
		switch in.Op {
		case OpBlock, OpLoop, OpIf:
			depth++
		case OpEnd:
			depth--
		}
		if depth < 0 {
			break
		}
	}
	if !r.eof() {
		return arena, fmt.Errorf("%d bytes after the final end", r.remaining())
	}
	return arena, nil
}

func (m *Module) decodeData(r *reader) error {
	n, err := r.count(1)
	if err != nil {
		return err
	}
	if err := checkCount("data segments", n, maxDataSegments); err != nil {
		return err
	}
	m.Data = make([]Data, n)
	for i := range m.Data {
		d := &m.Data[i]
		flags, err := r.u32()
		if err != nil {
			return err
		}
		switch flags {
		case 0:
			d.Mode = ModeActive
		case 1:
			d.Mode = ModePassive
		case 2:
			d.Mode = ModeActive
			if d.Memory, err = r.u32(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("data segment %d: invalid flags %d", i, flags)
		}
		if d.Mode == ModeActive {
			if d.Offset, err = decodeConstExpr(r); err != nil {
				return fmt.Errorf("data segment %d: %w", i, err)
			}
		}
		size, err := r.u32()
		if err != nil {
			return err
		}
		if d.Init, err = r.bytes(size); err != nil {
			return fmt.Errorf("data segment %d: %w", i, err)
		}
	}
	return nil
}
