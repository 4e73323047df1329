package wasm

import "strings"

// BlockEmpty is the block type of a block, loop or if without parameters or
// results (Instr.V of those instructions).
const BlockEmpty uint64 = 1<<64 - 0x40

// Equal reports whether f and g are the same signature.
func (f FuncType) Equal(g FuncType) bool { return f.equal(g) }

// String returns the signature as "(i32,i64)->(i32)".
func (f FuncType) String() string {
	names := func(ts []ValType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = t.String()
		}
		return strings.Join(s, ",")
	}
	return "(" + names(f.Params) + ")->(" + names(f.Results) + ")"
}

// AddType returns the index of the first type equal to ft, appending it when
// there is none.
func (m *Module) AddType(ft FuncType) uint32 { return m.addType(ft) }

// AddImport appends an import and returns its index in the index space of its
// kind. For a function import, ft is its signature (added with AddType);
// otherwise ft is ignored. Imports must be added before the defined items of
// their kind, whose indices they precede.
func (m *Module) AddImport(im Import, ft FuncType) uint32 {
	var n *uint32
	switch im.Kind {
	case KindFunc:
		im.TypeIdx = m.AddType(ft)
		n = &m.numImportedFuncs
	case KindTable:
		n = &m.numImportedTables
	case KindMemory:
		n = &m.numImportedMemories
	default:
		n = &m.numImportedGlobals
	}
	m.Imports = append(m.Imports, im)
	m.markDirty(SecImport)
	*n++
	return *n - 1
}

// AddFunc appends a defined function with signature ft and body code (whose
// Body ends with OpEnd) and returns its function index.
func (m *Module) AddFunc(ft FuncType, code Code) uint32 { return m.addFunc(ft, code) }

// AddMemory appends a defined memory and returns its memory index.
func (m *Module) AddMemory(l Limits) uint32 {
	m.Memories = append(m.Memories, l)
	m.markDirty(SecMemory)
	return m.NumMemories() - 1
}

// AddGlobal appends a defined global and returns its global index.
func (m *Module) AddGlobal(g Global) uint32 {
	m.Globals = append(m.Globals, g)
	m.markDirty(SecGlobal)
	return m.NumGlobals() - 1
}

// AddExport appends an export of item index of the given kind.
func (m *Module) AddExport(name string, kind byte, index uint32) {
	m.Exports = append(m.Exports, Export{Name: name, Kind: kind, Index: index})
	m.markDirty(SecExport)
}

// AddTable appends a defined table and returns its table index.
func (m *Module) AddTable(t TableType) uint32 {
	m.Tables = append(m.Tables, t)
	m.markDirty(SecTable)
	return m.NumTables() - 1
}

// SetStart makes function idx the module's start function.
func (m *Module) SetStart(idx uint32) {
	m.Start = &idx
	m.markDirty(SecStart)
}

// AddElement appends an element segment and returns its index. The segment
// is written in the shortest of the binary format's eight forms that carries
// it (an active segment of function indices into table 0 has no table index
// and no element kind).
func (m *Module) AddElement(e Element) uint32 {
	e.flags = elementFlags(&e)
	m.Elements = append(m.Elements, e)
	m.markDirty(SecElement)
	return uint32(len(m.Elements) - 1)
}

// elementFlags returns the encoding flags of e: bit 0 passive or declarative,
// bit 1 an explicit table index (active) or declarative, bit 2 items as
// constant expressions.
func elementFlags(e *Element) uint32 {
	var f uint32
	if e.UsesExprs {
		f |= 4
	}
	switch e.Mode {
	case ModePassive:
		f |= 1
	case ModeDeclared:
		f |= 3
	default:
		if e.Table != 0 || (e.UsesExprs && e.Type != FuncRef) {
			f |= 2
		}
	}
	return f
}
