package fvm_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/go-fvm/go-fvm"

// layers is the package order, bottom first (docs/ARCHITECTURE.md): a
// package may import only packages of lower layers. The engine layers
// follow ref-fvm's (engine → syscalls → kernel → call manager → executor);
// the product packages above the root VM use public packages only.
var layers = [][]string{
	{"internal/cborhead", "internal/history", "internal/ripemd160"},
	{"crypto", "message"},
	{"blockstore"},
	{"bundle", "externs"},
	{"internal/gas", "internal/wasm"},
	{"internal/state"},
	{"internal/machine"},
	{"internal/engine"},
	{"internal/kernel"},
	{"internal/syscalls"},
	{"internal/callmanager"},
	{"internal/executor"},
	{""}, // the root package: the public VM
	{"genesis", "conformance", "chain/wallet", "ethtx"},
	{"internal/testworld"},
	{"chain", "trace", "ffi", "internal/hostile"},
	{"rpc"},
	{"rpc/eth"},
	{"devnet"},
	{"cmd/fvm"},
}

// publicOnly are the packages that must stand on the public API alone.
var publicOnly = map[string]bool{"genesis": true, "chain": true, "chain/wallet": true, "ethtx": true, "rpc": true, "rpc/eth": true,
	"devnet": true, "trace": true, "ffi": true}

// maxEnginePublic is how many public packages the engine may expose
// (besides the product packages above the root).
const maxEnginePublic = 8

type listedPackage struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Skipf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func rel(path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
}

// TestLayers checks that no package imports one above it, that the product
// packages import no internal package, and that the engine exposes at most
// maxEnginePublic public packages. `go test -run TestLayers -v .` prints the
// order.
func TestLayers(t *testing.T) {
	rank := map[string]int{}
	for i, layer := range layers {
		for _, p := range layer {
			rank[p] = i
		}
	}
	for i, layer := range layers {
		names := strings.Join(layer, ", ")
		if names == "" {
			names = "fvm (the root package)"
		}
		t.Logf("layer %2d: %s", i, names)
	}
	enginePublic := 0
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		r, ok := rank[name]
		if !ok {
			t.Errorf("package %q has no layer: add it to layers (and to docs/ARCHITECTURE.md)", name)
			continue
		}
		if !strings.HasPrefix(name, "internal/") && (r <= rank[""] || name == "genesis" || name == "conformance") {
			enginePublic++
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := rel(imp)
			if rank[dep] >= r {
				t.Errorf("%q (layer %d) imports %q (layer %d): layers import downward only", name, r, dep, rank[dep])
			}
			if publicOnly[name] && strings.HasPrefix(dep, "internal/") {
				t.Errorf("%q imports %q: product packages stand on the public API", name, dep)
			}
		}
	}
	if enginePublic > maxEnginePublic {
		t.Errorf("the engine exposes %d public packages, at most %d", enginePublic, maxEnginePublic)
	}
}
