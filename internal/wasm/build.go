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
