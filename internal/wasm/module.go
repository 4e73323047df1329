package wasm

import "fmt"

// ValType is a WebAssembly value type, as its binary encoding.
type ValType byte

// Value types.
const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

// String returns the text-format name of the type.
func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	}
	return fmt.Sprintf("valtype(0x%02x)", byte(t))
}

// Section identifiers.
const (
	SecCustom    byte = 0
	SecType      byte = 1
	SecImport    byte = 2
	SecFunction  byte = 3
	SecTable     byte = 4
	SecMemory    byte = 5
	SecGlobal    byte = 6
	SecExport    byte = 7
	SecStart     byte = 8
	SecElement   byte = 9
	SecCode      byte = 10
	SecData      byte = 11
	SecDataCount byte = 12
	SecTag       byte = 13
)

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory",
	"global", "export", "start", "element", "code", "data", "datacount", "tag"}

func sectionName(id byte) string {
	if int(id) < len(sectionNames) {
		return sectionNames[id]
	}
	return fmt.Sprintf("unknown(%d)", id)
}

// sectionOrder is the position a known section must respect in a module.
func sectionOrder(id byte) int {
	switch id {
	case SecType:
		return 1
	case SecImport:
		return 2
	case SecFunction:
		return 3
	case SecTable:
		return 4
	case SecMemory:
		return 5
	case SecTag:
		return 6
	case SecGlobal:
		return 7
	case SecExport:
		return 8
	case SecStart:
		return 9
	case SecElement:
		return 10
	case SecDataCount:
		return 11
	case SecCode:
		return 12
	case SecData:
		return 13
	}
	return -1
}

// FuncType is a function signature.
type FuncType struct {
	Params  []ValType
	Results []ValType
}

func (f FuncType) equal(g FuncType) bool {
	if len(f.Params) != len(g.Params) || len(f.Results) != len(g.Results) {
		return false
	}
	for i := range f.Params {
		if f.Params[i] != g.Params[i] {
			return false
		}
	}
	for i := range f.Results {
		if f.Results[i] != g.Results[i] {
			return false
		}
	}
	return true
}

// Limits are the bounds of a memory or table.
type Limits struct {
	Min    uint64
	Max    uint64
	HasMax bool
}

// TableType is a table's element type and limits.
type TableType struct {
	Elem   ValType
	Limits Limits
}

// GlobalType is a global's value type and mutability.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// External kinds of imports and exports.
const (
	KindFunc   byte = 0
	KindTable  byte = 1
	KindMemory byte = 2
	KindGlobal byte = 3
	KindTag    byte = 4
)

// Import is one entry of the import section. Exactly one of the descriptors applies,
// selected by Kind.
type Import struct {
	Module, Name string
	Kind         byte
	TypeIdx      uint32 // KindFunc
	Table        TableType
	Memory       Limits
	Global       GlobalType
}

// Export is one entry of the export section.
type Export struct {
	Name  string
	Kind  byte
	Index uint32
}

// ConstExpr is a constant expression: its instructions, the final end included.
type ConstExpr []Instr

// Global is a defined global.
type Global struct {
	Type GlobalType
	Init ConstExpr
}

// Segment modes for element and data segments.
const (
	ModeActive   byte = 0
	ModePassive  byte = 1
	ModeDeclared byte = 2
)

// Element is an element segment. When UsesExprs is false the items are function indices
// (Funcs); otherwise they are constant expressions (Exprs).
type Element struct {
	Mode      byte
	Table     uint32
	Offset    ConstExpr
	Type      ValType
	UsesExprs bool
	Funcs     []uint32
	Exprs     []ConstExpr
	// flags is the segment's encoding flag (0..7), kept to re-encode unchanged segments
	// the same way.
	flags uint32
}

// Data is a data segment.
type Data struct {
	Mode   byte
	Memory uint32
	Offset ConstExpr
	Init   []byte
}

// LocalGroup is one (count, type) entry of a function body's local declarations.
type LocalGroup struct {
	Count uint32
	Type  ValType
}

// Code is a defined function's body.
type Code struct {
	Locals []LocalGroup
	// Body is the instruction sequence, the final end included.
	Body []Instr
}

// CustomSection is a custom section, kept verbatim.
type CustomSection struct {
	Name string
	// After is the id of the last known section that precedes it (0 if none), so that it is
	// written back at the same place.
	After byte
	// Raw is the whole section payload (name included).
	Raw []byte
}

// Module is a decoded WebAssembly module. Sections that a pass does not touch are written
// back byte for byte: Encode re-encodes only the sections marked dirty.
type Module struct {
	Types     []FuncType
	Imports   []Import
	Funcs     []uint32 // type index of each defined function
	Tables    []TableType
	Memories  []Limits
	Globals   []Global
	Exports   []Export
	Start     *uint32
	Elements  []Element
	DataCount *uint32
	Code      []Code
	Data      []Data
	Customs   []CustomSection

	// present records which known sections appeared in the input (or were added).
	present [14]bool
	// raw holds each known section's original payload.
	raw [14][]byte
	// dirty marks the sections that must be re-encoded.
	dirty [14]bool
	// codeRaw holds each original function body entry (locals and instructions), reused
	// when the body was not changed.
	codeRaw [][]byte
	// codeDirty marks function bodies that must be re-encoded.
	codeDirty []bool

	// counts of imports per kind
	numImportedFuncs, numImportedTables, numImportedMemories, numImportedGlobals uint32
}

// NumImportedFuncs is the number of imported functions.
func (m *Module) NumImportedFuncs() uint32 { return m.numImportedFuncs }

// NumImportedGlobals is the number of imported globals.
func (m *Module) NumImportedGlobals() uint32 { return m.numImportedGlobals }

// NumFuncs is the size of the function index space (imports included).
func (m *Module) NumFuncs() uint32 { return m.numImportedFuncs + uint32(len(m.Funcs)) }

// NumGlobals is the size of the global index space (imports included).
func (m *Module) NumGlobals() uint32 { return m.numImportedGlobals + uint32(len(m.Globals)) }

// NumTables is the size of the table index space (imports included).
func (m *Module) NumTables() uint32 { return m.numImportedTables + uint32(len(m.Tables)) }

// NumMemories is the size of the memory index space (imports included).
func (m *Module) NumMemories() uint32 { return m.numImportedMemories + uint32(len(m.Memories)) }

// FuncTypeOf returns the signature of function idx (imports included).
func (m *Module) FuncTypeOf(idx uint32) (FuncType, bool) {
	ti, ok := m.funcTypeIdx(idx)
	if !ok || int(ti) >= len(m.Types) {
		return FuncType{}, false
	}
	return m.Types[ti], true
}

// funcTypeIdx returns the type index of function idx.
func (m *Module) funcTypeIdx(idx uint32) (uint32, bool) {
	if idx < m.numImportedFuncs {
		n := uint32(0)
		for i := range m.Imports {
			if m.Imports[i].Kind != KindFunc {
				continue
			}
			if n == idx {
				return m.Imports[i].TypeIdx, true
			}
			n++
		}
		return 0, false
	}
	d := idx - m.numImportedFuncs
	if int(d) >= len(m.Funcs) || d > idx {
		return 0, false
	}
	return m.Funcs[d], true
}

// funcTypeIndices returns the type index of every function, imports first.
func (m *Module) funcTypeIndices() []uint32 {
	out := make([]uint32, 0, m.NumFuncs())
	for i := range m.Imports {
		if m.Imports[i].Kind == KindFunc {
			out = append(out, m.Imports[i].TypeIdx)
		}
	}
	return append(out, m.Funcs...)
}

// globalType returns the type of global idx (imports included).
func (m *Module) globalType(idx uint32) (GlobalType, bool) {
	if idx < m.numImportedGlobals {
		n := uint32(0)
		for i := range m.Imports {
			if m.Imports[i].Kind != KindGlobal {
				continue
			}
			if n == idx {
				return m.Imports[i].Global, true
			}
			n++
		}
		return GlobalType{}, false
	}
	d := uint64(idx) - uint64(m.numImportedGlobals)
	if d >= uint64(len(m.Globals)) {
		return GlobalType{}, false
	}
	return m.Globals[d].Type, true
}

// tableType returns the type of table idx (imports included).
func (m *Module) tableType(idx uint32) (TableType, bool) {
	if idx < m.numImportedTables {
		n := uint32(0)
		for i := range m.Imports {
			if m.Imports[i].Kind != KindTable {
				continue
			}
			if n == idx {
				return m.Imports[i].Table, true
			}
			n++
		}
		return TableType{}, false
	}
	d := uint64(idx) - uint64(m.numImportedTables)
	if d >= uint64(len(m.Tables)) {
		return TableType{}, false
	}
	return m.Tables[d], true
}

// markDirty records that section id must be re-encoded.
func (m *Module) markDirty(id byte) {
	m.dirty[id] = true
	m.present[id] = true
}

// markCodeDirty records that the body of defined function i must be re-encoded.
func (m *Module) markCodeDirty(i int) {
	for len(m.codeDirty) < len(m.Code) {
		m.codeDirty = append(m.codeDirty, true)
	}
	m.codeDirty[i] = true
	m.markDirty(SecCode)
}

// addType returns the index of the first type equal to ft, appending it if there is none.
func (m *Module) addType(ft FuncType) uint32 {
	for i := range m.Types {
		if m.Types[i].equal(ft) {
			return uint32(i)
		}
	}
	m.Types = append(m.Types, ft)
	m.markDirty(SecType)
	return uint32(len(m.Types) - 1)
}

// addFunc appends a defined function and returns its index.
func (m *Module) addFunc(ft FuncType, code Code) uint32 {
	ti := m.addType(ft)
	m.Funcs = append(m.Funcs, ti)
	m.Code = append(m.Code, code)
	m.markDirty(SecFunction)
	m.markCodeDirty(len(m.Code) - 1)
	return m.NumFuncs() - 1
}

// ExportedLimits returns the limits of the memory (kind KindMemory) or table (KindTable)
// exported under name, imports included. The engine needs them for ref-fvm's
// charge_for_init: memory init is charged on the minimum of the export "memory", table init
// on the minimum of the export "table".
func (m *Module) ExportedLimits(name string, kind byte) (Limits, bool) {
	for _, e := range m.Exports {
		if e.Name != name || e.Kind != kind {
			continue
		}
		switch kind {
		case KindMemory:
			if e.Index < m.numImportedMemories {
				n := uint32(0)
				for _, im := range m.Imports {
					if im.Kind == KindMemory {
						if n == e.Index {
							return im.Memory, true
						}
						n++
					}
				}
				return Limits{}, false
			}
			d := uint64(e.Index) - uint64(m.numImportedMemories)
			if d < uint64(len(m.Memories)) {
				return m.Memories[d], true
			}
		case KindTable:
			if tt, ok := m.tableType(e.Index); ok {
				return tt.Limits, true
			}
		}
		return Limits{}, false
	}
	return Limits{}, false
}
