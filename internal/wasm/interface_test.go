package wasm

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// DecodeInterface reads the same interface as Decode, and no code.
func TestDecodeInterface(t *testing.T) {
	root := sharedDir(t, "wasm-instrument-fixtures")
	var files []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".wasm") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatalf("no .wasm files under %s", root)
	}
	compared := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		full, err := Decode(b)
		if err != nil {
			continue // the fixtures include modules Decode refuses
		}
		compared++
		iface, err := DecodeInterface(b)
		if err != nil {
			t.Fatalf("%s: DecodeInterface: %v", f, err)
		}
		if !reflect.DeepEqual(iface.Types, full.Types) || !reflect.DeepEqual(iface.Imports, full.Imports) ||
			!reflect.DeepEqual(iface.Funcs, full.Funcs) || !reflect.DeepEqual(iface.Tables, full.Tables) ||
			!reflect.DeepEqual(iface.Memories, full.Memories) || !reflect.DeepEqual(iface.Exports, full.Exports) {
			t.Errorf("%s: the interface differs from Decode's", f)
		}
		if len(full.Code) > 0 && len(iface.Code) != 0 {
			t.Errorf("%s: DecodeInterface decoded %d function bodies", f, len(iface.Code))
		}
	}
	if compared == 0 {
		t.Fatal("no fixture decoded")
	}
	t.Logf("%d modules compared", compared)
	for _, bad := range [][]byte{nil, []byte("\\0asm"), append(append([]byte{}, wasmMagic...), SecType, 5, 1)} {
		if _, err := DecodeInterface(bad); err == nil {
			t.Errorf("DecodeInterface(%x) succeeded", bad)
		}
	}
}
