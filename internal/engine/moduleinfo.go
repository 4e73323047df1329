package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/wasm"
)

// This file holds what the engine keeps of a module's interface, read with
// wasm.DecodeInterface (the sections that decide linking and instantiation).

// errBadWasm is wrapped by every error reading a module's interface.
var errBadWasm = errors.New("malformed wasm")

// importEntry is one entry of the import section, with a function import's
// signature resolved.
type importEntry struct {
	wasm.Import
	funcType wasm.FuncType // wasm.KindFunc
}

// moduleInfo is what the engine reads from a module before instantiating it.
type moduleInfo struct {
	imports  []importEntry
	tables   []wasm.Limits // defined tables
	memories []wasm.Limits // defined memories
	exports  map[string]wasm.Export
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
	info := &moduleInfo{exports: map[string]wasm.Export{}}
	for _, im := range m.Imports {
		e := importEntry{Import: im}
		switch im.Kind {
		case wasm.KindFunc:
			if int(im.TypeIdx) >= len(m.Types) {
				return nil, fmt.Errorf("%w: import %s.%s: type %d out of range", errBadWasm, im.Module, im.Name, im.TypeIdx)
			}
			e.funcType = m.Types[im.TypeIdx]
		case wasm.KindTable:
			info.importedTables++
		case wasm.KindMemory:
			info.importedMemories++
		}
		info.imports = append(info.imports, e)
	}
	for _, t := range m.Tables {
		info.tables = append(info.tables, t.Limits)
	}
	info.memories = append(info.memories, m.Memories...)
	for _, ex := range m.Exports {
		info.exports[ex.Name] = ex
	}
	return info, nil
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

// funcTypeOf returns the signature of a function with wazero's value types.
func funcTypeOf(params, results []api.ValueType) wasm.FuncType {
	return wasm.FuncType{Params: wasmValTypes(params), Results: wasmValTypes(results)}
}

// hasType reports whether wazero's signature params -> results is ft,
// without converting it (every invocation checks its invoke export).
func hasType(params, results []api.ValueType, ft wasm.FuncType) bool {
	same := func(a wasm.ValType, b api.ValueType) bool { return a == wasm.ValType(b) }
	return slices.EqualFunc(ft.Params, params, same) && slices.EqualFunc(ft.Results, results, same)
}

// exportedTableMin returns the minimum of the defined table exported under
// name, if any.
func (m *moduleInfo) exportedTableMin(name string) (uint32, bool) {
	return m.exportedMin(name, wasm.KindTable, m.importedTables, m.tables)
}

// exportedMemoryMin returns the minimum pages of the defined memory exported
// under name, if any.
func (m *moduleInfo) exportedMemoryMin(name string) (uint32, bool) {
	return m.exportedMin(name, wasm.KindMemory, m.importedMemories, m.memories)
}

func (m *moduleInfo) exportedMin(name string, kind byte, imported uint32, defined []wasm.Limits) (uint32, bool) {
	e, ok := m.exports[name]
	if !ok || e.Kind != kind || e.Index < imported {
		return 0, false
	}
	i := e.Index - imported
	if int(i) >= len(defined) {
		return 0, false
	}
	return uint32(defined[i].Min), true
}
