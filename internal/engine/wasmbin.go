package engine

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// This file holds the little Wasm binary handling the engine needs of its
// own: an encoder for the generated "gas" module (and for test modules), and
// a reader of the sections that decide linking and instantiation (types,
// imports, tables, memories, exports).

// Wasm section ids, external kinds and value type bytes.
const (
	secType     = 1
	secImport   = 2
	secFunction = 3
	secTable    = 4
	secMemory   = 5
	secGlobal   = 6
	secExport   = 7
	secStart    = 8
	secElement  = 9
	secCode     = 10
	secData     = 11

	kindFunc   = 0
	kindTable  = 1
	kindMemory = 2
	kindGlobal = 3
)

var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// errBadWasm is wrapped by every reader error.
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

// readModuleInfo reads the sections of code that the engine checks.
func readModuleInfo(code []byte) (*moduleInfo, error) {
	r := &reader{b: code}
	if len(code) < 8 || string(code[:8]) != string(wasmHeader) {
		return nil, fmt.Errorf("%w: bad header", errBadWasm)
	}
	r.p = 8
	info := &moduleInfo{exports: map[string]exportEntry{}}
	var types []funcType
	for r.p < len(r.b) {
		id := r.byte()
		size := r.u32()
		if r.err != nil {
			return nil, r.err
		}
		end := r.p + int(size)
		if int(size) < 0 || end > len(r.b) || end < r.p {
			return nil, fmt.Errorf("%w: section %d overruns the module", errBadWasm, id)
		}
		sr := &reader{b: r.b[:end], p: r.p}
		switch id {
		case secType:
			types = sr.types()
		case secImport:
			info.imports = sr.imports(types)
			for _, im := range info.imports {
				switch im.kind {
				case kindTable:
					info.importedTables++
				case kindMemory:
					info.importedMemories++
				}
			}
		case secTable:
			n := sr.u32()
			for i := uint32(0); i < n && sr.err == nil; i++ {
				sr.byte() // element type
				info.tables = append(info.tables, sr.limits())
			}
		case secMemory:
			n := sr.u32()
			for i := uint32(0); i < n && sr.err == nil; i++ {
				info.memories = append(info.memories, sr.limits())
			}
		case secExport:
			n := sr.u32()
			for i := uint32(0); i < n && sr.err == nil; i++ {
				name := sr.name()
				kind := sr.byte()
				idx := sr.u32()
				info.exports[name] = exportEntry{kind: kind, index: idx}
			}
		}
		if sr.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, sr.err)
		}
		r.p = end
	}
	return info, nil
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

type reader struct {
	b   []byte
	p   int
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at offset %d", errBadWasm, what, r.p)
	}
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.p >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.p]
	r.p++
	return c
}

func (r *reader) u32() uint32 {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if v > 0xffffffff {
				r.fail("u32 too large")
				return 0
			}
			return uint32(v)
		}
	}
	r.fail("u32 too long")
	return 0
}

func (r *reader) name() string {
	n := int(r.u32())
	if r.err != nil {
		return ""
	}
	if n < 0 || r.p+n > len(r.b) {
		r.fail("name overruns section")
		return ""
	}
	s := string(r.b[r.p : r.p+n])
	r.p += n
	return s
}

func (r *reader) valTypes() []api.ValueType {
	n := r.u32()
	if r.err != nil || int(n) > len(r.b)-r.p {
		r.fail("value type vector")
		return nil
	}
	ts := make([]api.ValueType, n)
	for i := range ts {
		ts[i] = r.byte()
	}
	return ts
}

func (r *reader) types() []funcType {
	n := r.u32()
	var ts []funcType
	for i := uint32(0); i < n && r.err == nil; i++ {
		if r.byte() != 0x60 {
			r.fail("function type form")
			return nil
		}
		p := r.valTypes()
		res := r.valTypes()
		ts = append(ts, funcType{params: p, results: res})
	}
	return ts
}

func (r *reader) limits() limits {
	flag := r.byte()
	l := limits{min: r.u32()}
	if flag&1 != 0 {
		l.max, l.hasMax = r.u32(), true
	}
	return l
}

func (r *reader) imports(types []funcType) []importEntry {
	n := r.u32()
	var ims []importEntry
	for i := uint32(0); i < n && r.err == nil; i++ {
		im := importEntry{module: r.name(), name: r.name(), kind: r.byte()}
		switch im.kind {
		case kindFunc:
			ti := r.u32()
			if int(ti) >= len(types) {
				r.fail("import type index")
				return nil
			}
			im.funcType = types[ti]
		case kindTable:
			r.byte()
			r.limits()
		case kindMemory:
			r.limits()
		case kindGlobal:
			im.globalType = r.byte()
			im.globalMut = r.byte() == 1
		default:
			r.fail("import kind")
		}
		ims = append(ims, im)
	}
	return ims
}

// --- encoder ---------------------------------------------------------------

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
