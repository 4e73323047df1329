package wasm

import (
	"errors"
	"testing"
)

// sec encodes one section.
func sec(id byte, payload ...byte) []byte { return appendSection(nil, id, payload) }

// rawModule concatenates the header and sections.
func rawModule(sections ...[]byte) []byte {
	b := append([]byte{}, wasmMagic...)
	for _, s := range sections {
		b = append(b, s...)
	}
	return b
}

func f64Bytes() []byte { return []byte{0, 0, 0, 0, 0, 0, 0, 0} }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestValidateFeatures(t *testing.T) {
	ok := error(nil)
	// Function bodies inside bodyModule: type (i32, i64) -> i32, no locals (leading 0x00).
	bodies := []struct {
		name string
		body []byte
		want error
	}{
		{"sign extension", []byte{0, 0x20, 0, 0xc0, 0x0b}, ok},
		{"saturating truncation", []byte{0, 0x43, 0, 0, 0, 0, 0xfc, 0x00, 0x0b}, ok},
		{"memory.fill", []byte{0, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0b, 0, 0x41, 0, 0x0b}, ok},
		{"memory.init with data count", []byte{0, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x08, 0, 0, 0x41, 0, 0x0b}, ok},
		{"memory.copy", []byte{0, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0a, 0, 0, 0x41, 0, 0x0b}, ok},
		{"table.size", []byte{0, 0xfc, 0x10, 0, 0x0b}, ok},
		{"br_table", []byte{0, 0x02, 0x7f, 0x41, 7, 0x20, 0, 0x0e, 1, 0, 0, 0x0b, 0x0b}, ok},
		{"non-minimal LEB", []byte{0, 0x41, 0x80, 0x80, 0x00, 0x0b}, ok},
		{"max positive i32", []byte{0, 0x41, 0xff, 0xff, 0xff, 0xff, 0x07, 0x0b}, ok},
		{"SIMD", cat([]byte{0, 0xfd, 0x0c}, make([]byte, 16), []byte{0x1a, 0x41, 0, 0x0b}), ErrUnsupported},
		{"atomic fence", []byte{0, 0xfe, 0x03, 0x00, 0x41, 0, 0x0b}, ErrUnsupported},
		{"return_call", []byte{0, 0x20, 0, 0x12, 1, 0x0b}, ErrUnsupported},
		{"try", []byte{0, 0x06, 0x40, 0x0b, 0x41, 0, 0x0b}, ErrUnsupported},
		{"block type index (multi-value)", []byte{0, 0x02, 0x00, 0x0b, 0x41, 0, 0x0b}, ErrUnsupported},
		{"memarg memory 1 (multi-memory)", []byte{0, 0x41, 0, 0x28, 0x42, 1, 0, 0x0b}, ErrUnsupported},
		{"typed select externref", []byte{0, 0x41, 0, 0x1c, 1, 0x6f, 0x0b}, ErrUnsupported},
		{"externref local", []byte{1, 1, 0x6f, 0x41, 0, 0x0b}, ErrUnsupported},
		{"v128 local", []byte{1, 1, 0x7b, 0x41, 0, 0x0b}, ErrUnsupported},
		{"wrong result type", []byte{0, 0x42, 0, 0x0b}, ErrInvalid},
		{"stack underflow", []byte{0, 0x6a, 0x0b}, ErrInvalid},
		{"unknown local", []byte{0, 0x20, 5, 0x0b}, ErrInvalid},
		{"set immutable global", cat([]byte{0, 0x44}, f64Bytes(), []byte{0x24, 1, 0x41, 0, 0x0b}), ErrInvalid},
		{"undeclared ref.func", []byte{0, 0xd2, 2, 0x1a, 0x41, 0, 0x0b}, ErrInvalid},
		{"bad alignment", []byte{0, 0x41, 0, 0x28, 3, 0, 0x0b}, ErrInvalid},
		{"unknown label", []byte{0, 0x0c, 1, 0x0b}, ErrInvalid},
		{"else without if", []byte{0, 0x05, 0x0b}, ErrInvalid},
		{"if without else with result", []byte{0, 0x41, 1, 0x04, 0x7f, 0x41, 1, 0x0b, 0x0b}, ErrInvalid},
		{"overlong LEB", []byte{0, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b}, ErrMalformed},
		{"i32 out of range", []byte{0, 0x41, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b}, ErrMalformed},
		{"missing end", []byte{0, 0x41, 0}, ErrMalformed},
		{"bytes after end", []byte{0, 0x41, 0, 0x0b, 0x01}, ErrMalformed},
		{"illegal opcode", []byte{0, 0x27, 0x0b}, ErrMalformed},
	}
	for _, c := range bodies {
		t.Run("body/"+c.name, func(t *testing.T) {
			checkValidation(t, bodyModule(c.body), c.want)
		})
	}

	typ := sec(SecType, 1, 0x60, 0, 0)
	fn := sec(SecFunction, 1, 0)
	code := sec(SecCode, 1, 2, 0, 0x0b)
	modules := []struct {
		name string
		code []byte
		want error
	}{
		{"minimal", rawModule(typ, fn, code), ok},
		{"empty module", rawModule(), ok},
		{"memory64", rawModule(sec(SecMemory, 1, 0x04, 1)), ErrUnsupported},
		{"shared memory", rawModule(sec(SecMemory, 1, 0x03, 1, 1)), ErrUnsupported},
		{"custom page size", rawModule(sec(SecMemory, 1, 0x08, 1, 16)), ErrUnsupported},
		{"two memories", rawModule(sec(SecMemory, 2, 0, 1, 0, 1)), ErrUnsupported},
		{"memory too large", rawModule(sec(SecMemory, 1, 0, 0x81, 0x80, 0x04)), ErrInvalid},
		{"externref table", rawModule(sec(SecTable, 1, 0x6f, 0, 1)), ErrUnsupported},
		{"two funcref tables", rawModule(sec(SecTable, 2, 0x70, 0, 1, 0x70, 0, 1)), ok},
		{"extended-const global", rawModule(sec(SecGlobal, 1, 0x7f, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b)), ErrUnsupported},
		{"global.get of defined global", rawModule(sec(SecGlobal, 2, 0x7f, 0, 0x41, 1, 0x0b, 0x7f, 0, 0x23, 0, 0x0b)), ErrInvalid},
		{"global init type", rawModule(sec(SecGlobal, 1, 0x7f, 0, 0x42, 1, 0x0b)), ErrInvalid},
		{"mutable global import", rawModule(sec(SecImport, 1, 1, 'a', 1, 'b', 3, 0x7f, 1)), ok},
		{"duplicate export", rawModule(typ, fn, sec(SecExport, 2, 1, 'a', 0, 0, 1, 'a', 0, 0), code), ErrInvalid},
		{"multi-value type", rawModule(sec(SecType, 1, 0x60, 0, 2, 0x7f, 0x7f)), ErrUnsupported},
		{"GC struct type", rawModule(sec(SecType, 1, 0x5f, 0, 0)), ErrUnsupported},
		{"tag section", rawModule(sec(SecTag, 0)), ErrUnsupported},
		{"section out of order", rawModule(fn, typ), ErrMalformed},
		{"duplicate section", rawModule(typ, typ), ErrMalformed},
		{"function without code", rawModule(typ, fn), ErrMalformed},
		{"data count mismatch", rawModule(sec(SecDataCount, 1)), ErrMalformed},
		{"custom name not UTF-8", rawModule(sec(SecCustom, 1, 0xff)), ErrMalformed},
		{"section past the end", rawModule([]byte{1, 10, 0}), ErrMalformed},
		{"start with params", rawModule(sec(SecType, 1, 0x60, 1, 0x7f, 0), fn, sec(SecStart, 0), sec(SecCode, 1, 2, 0, 0x0b)), ErrInvalid},
		{"huge count", rawModule(sec(SecType, 0xff, 0xff, 0xff, 0xff, 0x0f)), ErrMalformed},
		{"version 2", append([]byte("\x00asm"), 2, 0, 0, 0), ErrUnsupported},
	}
	for _, c := range modules {
		t.Run("module/"+c.name, func(t *testing.T) {
			checkValidation(t, c.code, c.want)
		})
	}
}

func checkValidation(t *testing.T, code []byte, want error) {
	t.Helper()
	m, err := Decode(code)
	if err == nil {
		err = Validate(m)
	}
	if want == nil {
		if err != nil {
			t.Fatalf("rejected: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("accepted, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q does not wrap %v", err, want)
	}
}

func TestLEB(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 1 << 31, -(1 << 31), 1<<63 - 1, -1 << 63} {
		b := appendS64(nil, v)
		r := &reader{b: b}
		got, err := r.s64()
		if err != nil || got != v || !r.eof() {
			t.Fatalf("s64 %d: got %d, %v", v, got, err)
		}
	}
	for _, v := range []uint64{0, 1, 127, 128, 1<<32 - 1} {
		r := &reader{b: appendU64(nil, v)}
		got, err := r.u32()
		if err != nil || uint64(got) != v {
			t.Fatalf("u32 %d: got %d, %v", v, got, err)
		}
	}
	bad := [][]byte{
		{0x80, 0x80, 0x80, 0x80, 0x10}, // u32 with bit 32 set
		{0x80, 0x80, 0x80, 0x80, 0x80}, // too long
		{0x80},                         // truncated
	}
	for _, b := range bad {
		if _, err := (&reader{b: b}).u32(); err == nil {
			t.Fatalf("u32 %x accepted", b)
		}
	}
	// s33 block types: 0x40 is empty, 0x7f is i32.
	for b, want := range map[byte]int64{0x40: blockEmpty, 0x7f: -1, 0x7c: -4} {
		got, err := (&reader{b: []byte{b}}).s33()
		if err != nil || got != want {
			t.Fatalf("s33 %x: got %d, %v", b, got, err)
		}
	}
}

// TestEmptyFunctionSection: a module with an empty function section and no code section
// instruments (the reference's stack limiter creates the code section the gas pass needs);
// without a function section the reference's stack limiter fails.
func TestEmptyFunctionSection(t *testing.T) {
	if _, err := Instrument(rawModule(sec(SecFunction, 0)), FVMConfig()); err != nil {
		t.Fatalf("empty function section: %v", err)
	}
	if _, err := Instrument(rawModule(sec(SecType, 0)), FVMConfig()); !errors.Is(err, ErrInstrument) {
		t.Fatalf("no function section: %v", err)
	}
}

func TestExportedLimits(t *testing.T) {
	m := testModule{memory: &Limits{Min: 17}, table: []uint32{0, 0, 0},
		funcs: []testFunc{{typ: nilToNil}}}.build()
	m.Exports = append(m.Exports, Export{Name: "table", Kind: KindTable, Index: 0})
	if l, ok := m.ExportedLimits("memory", KindMemory); !ok || l.Min != 17 {
		t.Fatalf("memory: %+v %v", l, ok)
	}
	if l, ok := m.ExportedLimits("table", KindTable); !ok || l.Min != 3 {
		t.Fatalf("table: %+v %v", l, ok)
	}
	if _, ok := m.ExportedLimits("other", KindMemory); ok {
		t.Fatal("found a missing export")
	}
}
