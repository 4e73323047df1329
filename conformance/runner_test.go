package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	fvm "github.com/go-fvm/go-fvm"

	"github.com/go-fvm/go-fvm/bundle"
)

// testRunner returns a runner shared by the tests of this package (the
// bundles load and the actors compile once; compiled code is cached on disk
// under the user cache dir, keyed by instrumentation version).
var testRunner = sync.OnceValues(func() (*Runner, error) {
	ctx := context.Background()
	dir, err := fvm.DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		return nil, err
	}
	return NewRunner(ctx, eng, bundle.Locator{}, ReferenceSkips)
})

func runner(t *testing.T) *Runner {
	t.Helper()
	r, err := testRunner()
	if err != nil {
		t.Fatalf("runner: %v", err)
	}
	return r
}

func vectorFiles(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set: point it at a folder of conformance vectors (CI: ../shared/test-vectors)")
	}
	files, err := FindVectors([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no vectors under %s", dir)
	}
	return files
}

// TestVectors runs every vector under $FVM_TEST_VECTORS and fails on any
// mismatch of exit code, return bytes, gas used or post-state root.
func TestVectors(t *testing.T) {
	r := runner(t)
	for _, f := range vectorFiles(t) {
		res := r.RunFile(context.Background(), f)
		switch res.Status {
		case Fail:
			t.Errorf("%s: %s", f, res.Reason)
		case Skip:
			t.Logf("skipped %s: %s", f, res.Reason)
		}
	}
}

// TestDeterminism runs the corpus with GOMAXPROCS=1 and with every core,
// twice each way, and checks that receipts and state roots are identical.
func TestDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the corpus four times")
	}
	r := runner(t)
	files := vectorFiles(t)
	runAll := func(procs int) []Result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		out := make([]Result, len(files))
		for i, f := range files {
			out[i] = r.RunFile(context.Background(), f)
		}
		return out
	}
	base := runAll(1)
	for _, procs := range []int{1, runtime.NumCPU(), runtime.NumCPU()} {
		got := runAll(procs)
		for i := range files {
			if !reflect.DeepEqual(got[i].Receipts, base[i].Receipts) || !reflect.DeepEqual(got[i].Roots, base[i].Roots) {
				t.Errorf("%s: GOMAXPROCS=%d gave receipts %v roots %v, GOMAXPROCS=1 gave %v %v",
					files[i], procs, got[i].Receipts, got[i].Roots, base[i].Receipts, base[i].Roots)
			}
		}
	}
}

// TestBrokenVectors checks that a broken vector is a failed result with a
// reason, never a crash.
func TestBrokenVectors(t *testing.T) {
	// A real nv18 vector to break in each case.
	var orig []byte
	for _, f := range vectorFiles(t) {
		if v, err := LoadVector(f); err == nil && v.Preconditions.Variants[0].NV == 18 {
			if orig, err = os.ReadFile(f); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if orig == nil {
		t.Skip("no nv18 vector under FVM_TEST_VECTORS")
	}
	// Edit a copy of a real vector; numbers stay json.Number so that big
	// integers survive the round trip.
	edit := func(f func(map[string]any)) []byte {
		var v map[string]any
		dec := json.NewDecoder(bytes.NewReader(orig))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		f(v)
		b, _ := json.Marshal(v)
		return b
	}
	gz := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	cases := []struct {
		name, data, want string
	}{
		{"not json", "{", "bad vector"},
		{"truncated car", string(edit(func(v map[string]any) {
			car, _ := base64.StdEncoding.DecodeString(v["car"].(string))
			v["car"] = gz(car[:len(car)/2])
		})), "car"},
		{"garbled car", string(edit(func(v map[string]any) { v["car"] = gz(bytes.Repeat([]byte{0x1f, 0x8b, 0x08}, 40)) })), "car"},
		{"bad base64", string(edit(func(v map[string]any) { v["car"] = "!!!not base64!!!" })), "base64"},
		{"message does not decode", string(edit(func(v map[string]any) {
			v["apply_messages"] = []any{map[string]any{"bytes": gz([]byte{0x8a, 0x00})}}
		})), "apply_messages[0]"},
		{"missing postconditions", string(edit(func(v map[string]any) { delete(v, "postconditions") })), "postconditions"},
		{"unsupported network version", string(edit(func(v map[string]any) {
			pre := v["preconditions"].(map[string]any)
			pre["variants"] = []any{map[string]any{"id": "x", "epoch": 1, "nv": 99}}
		})), "network version 99"},
	}
	r := runner(t)
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			res := r.RunFile(context.Background(), path)
			if res.Status != Fail || !strings.Contains(res.Reason, c.want) {
				t.Errorf("got %s %q, want FAIL mentioning %q", res.Status, res.Reason, c.want)
			}
		})
	}
}
