package engine

import (
	"errors"
	"fmt"

	"github.com/go-fvm/go-fvm/internal/wasm"
	"github.com/tetratelabs/wazero/api"
)

// This file holds what the engine keeps of a module's interface, read with
// wasm.DecodeInterface (the sections that decide linking and instantiation),
// and the encoder of the modules the engine generates (the "gas" module) and
// its tests build.

// Wasm section ids and external kinds (the wasm package's).
const (
	secType     = wasm.SecType
	secImport   = wasm.SecImport
	secFunction = wasm.SecFunction
	secTable    = wasm.SecTable
	secMemory   = wasm.SecMemory
	secGlobal   = wasm.SecGlobal
	secExport   = wasm.SecExport
	secStart    = wasm.SecStart
	secElement  = wasm.SecElement
	secCode     = wasm.SecCode
	secData     = wasm.SecData

	kindFunc   = wasm.KindFunc
	kindTable  = wasm.KindTable
	kindMemory = wasm.KindMemory
	kindGlobal = wasm.KindGlobal
)

var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// errBadWasm is wrapped by every error reading a module's interface.
var errBadWasm = errors.New("malformed wasm")

// funcType is a Wasm function type.
type funcType struct {
	params, results []api.ValueType
}

func (t funcType) equal(o funcType) bool {
	return string(t.params) == string(o.params) && string(t.results) == string(o.results)
}

func (t funcType) String() string {
	return fmt.Sprintf("(%s)->(%s)", typeNames(t.params), typeNames(t.results))
}

func typeNames(ts []api.ValueType) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ","
		}
		s += api.ValueTypeName(t)
	}
	return s
}

// importEntry is one entry of the import section.
type importEntry struct {
	module, name string
	kind         byte
	funcType     funcType // kindFunc
	globalType   api.ValueType
	globalMut    bool
}

// limits is a table or memory's limits.
type limits struct {
	min    uint32
	max    uint32
	hasMax bool
}

// exportEntry is one entry of the export section.
type exportEntry struct {
	kind  byte
	index uint32
}

// moduleInfo is what the engine reads from a module before instantiating it.
type moduleInfo struct {
	imports  []importEntry
	tables   []limits // defined tables
	memories []limits // defined memories
	exports  map[string]exportEntry
	// importedTables / importedMemories count imports of those kinds (index space offsets).
	importedTables, importedMemories uint32
}

// readModuleInfo reads the interface of code (wasm.DecodeInterface): what the
// engine checks before it links and instantiates it.
func readModuleInfo(code []byte) (*moduleInfo, error) {
	m, err := wasm.DecodeInterface(code)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadWasm, err)
	}
	info := &moduleInfo{exports: map[string]exportEntry{}}
	for _, im := range m.Imports {
		e := importEntry{module: im.Module, name: im.Name, kind: im.Kind}
		switch im.Kind {
		case kindFunc:
			if int(im.TypeIdx) >= len(m.Types) {
				return nil, fmt.Errorf("%w: import %s.%s: type %d out of range", errBadWasm, im.Module, im.Name, im.TypeIdx)
			}
			t := m.Types[im.TypeIdx]
			e.funcType = funcType{params: valueTypes(t.Params), results: valueTypes(t.Results)}
		case kindGlobal:
			e.globalType, e.globalMut = api.ValueType(im.Global.Type), im.Global.Mutable
		case kindTable:
			info.importedTables++
		case kindMemory:
			info.importedMemories++
		}
		info.imports = append(info.imports, e)
	}
	for _, t := range m.Tables {
		info.tables = append(info.tables, limitsOf(t.Limits))
	}
	for _, l := range m.Memories {
		info.memories = append(info.memories, limitsOf(l))
	}
	for _, ex := range m.Exports {
		info.exports[ex.Name] = exportEntry{kind: ex.Kind, index: ex.Index}
	}
	return info, nil
}

func valueTypes(ts []wasm.ValType) []api.ValueType {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		out[i] = api.ValueType(t)
	}
	return out
}

// wasmValTypes converts wazero value types to the wasm package's (the same
// encodings).
func wasmValTypes(ts []api.ValueType) []wasm.ValType {
	out := make([]wasm.ValType, len(ts))
	for i, t := range ts {
		out[i] = wasm.ValType(t)
	}
	return out
}

func limitsOf(l wasm.Limits) limits {
	return limits{min: uint32(l.Min), max: uint32(l.Max), hasMax: l.HasMax}
}

// definedTableMin returns the minimum of the table exported under name, if any.
func (m *moduleInfo) exportedTableMin(name string) (uint32, bool) {
	e, ok := m.exports[name]
	if !ok || e.kind != kindTable || e.index < m.importedTables {
		return 0, false
	}
	i := e.index - m.importedTables
	if int(i) >= len(m.tables) {
		return 0, false
	}
	return m.tables[i].min, true
}

// exportedMemoryMin returns the minimum pages of the memory exported under name.
func (m *moduleInfo) exportedMemoryMin(name string) (uint32, bool) {
	e, ok := m.exports[name]
	if !ok || e.kind != kindMemory || e.index < m.importedMemories {
		return 0, false
	}
	i := e.index - m.importedMemories
	if int(i) >= len(m.memories) {
		return 0, false
	}
	return m.memories[i].min, true
}

// moduleBuilder assembles a small Wasm module. It is used for the generated
// gas module and by tests.
type moduleBuilder struct {
	types    []funcType
	imports  []importEntry
	funcs    []uint32 // type index per defined function
	bodies   [][]byte // locals + code, without the size prefix
	tables   []limits
	memories []limits
	globals  [][]byte // type, mut, init expr
	exports  [][]byte
	start    *uint32
	elements [][]byte
	data     [][]byte
}

// typeIndex returns the index of t, adding it when new.
func (b *moduleBuilder) typeIndex(t funcType) uint32 {
	for i, have := range b.types {
		if have.equal(t) {
			return uint32(i)
		}
	}
	b.types = append(b.types, t)
	return uint32(len(b.types) - 1)
}

func (b *moduleBuilder) importFunc(module, name string, t funcType) uint32 {
	b.typeIndex(t)
	b.imports = append(b.imports, importEntry{module: module, name: name, kind: kindFunc, funcType: t})
	return b.countImports(kindFunc) - 1
}

func (b *moduleBuilder) importGlobal(module, name string, vt api.ValueType, mut bool) uint32 {
	b.imports = append(b.imports, importEntry{module: module, name: name, kind: kindGlobal, globalType: vt, globalMut: mut})
	return b.countImports(kindGlobal) - 1
}

func (b *moduleBuilder) countImports(kind byte) uint32 {
	n := uint32(0)
	for _, im := range b.imports {
		if im.kind == kind {
			n++
		}
	}
	return n
}

// function adds a defined function; body is locals declaration + code + end.
func (b *moduleBuilder) function(t funcType, body []byte) uint32 {
	b.funcs = append(b.funcs, b.typeIndex(t))
	b.bodies = append(b.bodies, body)
	return b.countImports(kindFunc) + uint32(len(b.funcs)) - 1
}

func (b *moduleBuilder) globalI64(mut bool, init int64) uint32 {
	g := []byte{api.ValueTypeI64, boolByte(mut), 0x42}
	g = appendS64(g, init)
	g = append(g, 0x0b)
	b.globals = append(b.globals, g)
	return b.countImports(kindGlobal) + uint32(len(b.globals)) - 1
}

func (b *moduleBuilder) globalI32(mut bool, init int32) uint32 {
	g := []byte{api.ValueTypeI32, boolByte(mut), 0x41}
	g = appendS64(g, int64(init))
	g = append(g, 0x0b)
	b.globals = append(b.globals, g)
	return b.countImports(kindGlobal) + uint32(len(b.globals)) - 1
}

func (b *moduleBuilder) export(name string, kind byte, idx uint32) {
	e := appendName(nil, name)
	e = append(e, kind)
	e = appendU32(e, idx)
	b.exports = append(b.exports, e)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// bytes encodes the module.
func (b *moduleBuilder) bytes() []byte {
	out := append([]byte(nil), wasmHeader...)
	section := func(id byte, items [][]byte) {
		if len(items) == 0 {
			return
		}
		body := appendU32(nil, uint32(len(items)))
		for _, it := range items {
			body = append(body, it...)
		}
		out = append(out, id)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	var items [][]byte
	for _, t := range b.types {
		e := []byte{0x60}
		e = appendU32(e, uint32(len(t.params)))
		e = append(e, t.params...)
		e = appendU32(e, uint32(len(t.results)))
		e = append(e, t.results...)
		items = append(items, e)
	}
	section(secType, items)
	items = nil
	for _, im := range b.imports {
		e := appendName(appendName(nil, im.module), im.name)
		e = append(e, im.kind)
		switch im.kind {
		case kindFunc:
			e = appendU32(e, b.typeIndex(im.funcType))
		case kindGlobal:
			e = append(e, im.globalType, boolByte(im.globalMut))
		}
		items = append(items, e)
	}
	section(secImport, items)
	items = nil
	for _, f := range b.funcs {
		items = append(items, appendU32(nil, f))
	}
	section(secFunction, items)
	items = nil
	for _, t := range b.tables {
		items = append(items, append([]byte{0x70}, encodeLimits(t)...))
	}
	section(secTable, items)
	items = nil
	for _, m := range b.memories {
		items = append(items, encodeLimits(m))
	}
	section(secMemory, items)
	section(secGlobal, b.globals)
	section(secExport, b.exports)
	if b.start != nil {
		body := appendU32(nil, *b.start)
		out = append(out, secStart)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	section(secElement, b.elements)
	items = nil
	for _, body := range b.bodies {
		items = append(items, append(appendU32(nil, uint32(len(body))), body...))
	}
	section(secCode, items)
	section(secData, b.data)
	return out
}

func encodeLimits(l limits) []byte {
	if l.hasMax {
		return appendU32(appendU32([]byte{1}, l.min), l.max)
	}
	return appendU32([]byte{0}, l.min)
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	return append(appendU32(b, uint32(len(s))), s...)
}
