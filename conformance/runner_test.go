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
	"slices"
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
// Every vector of a network version go-fvm runs (nv17 on FVM v2, nv18 on
// v3, ...) must have run: a skipped one would compare nothing.
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
	ran := map[uint]int{}
	for i, res := range base {
		v, err := LoadVector(files[i])
		if err != nil {
			continue
		}
		if _, unsupported := v.UnsupportedVariant(); unsupported {
			continue
		}
		if res.Status == Skip || len(res.Roots) == 0 {
			t.Errorf("%s: %s (%s): did not run", files[i], res.Status, res.Reason)
			continue
		}
		ran[v.Preconditions.Variants[0].NV]++
	}
	t.Logf("vectors run per network version: %v", ran)
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

// TestVectorsByNetworkVersion checks that vectors are chosen by their
// network version, not their path: one of a version go-fvm does not run is a
// SKIP with the reason, wherever it lies, and an nv17 vector runs (on FVM
// v2) outside the shark corpus's folder too.
func TestVectorsByNetworkVersion(t *testing.T) {
	byNV := map[uint]string{}
	for _, f := range vectorFiles(t) {
		if v, err := LoadVector(f); err == nil {
			if _, ok := byNV[v.Preconditions.Variants[0].NV]; !ok {
				byNV[v.Preconditions.Variants[0].NV] = f
			}
		}
	}
	if byNV[17] == "" || byNV[18] == "" {
		t.Skip("FVM_TEST_VECTORS holds no nv17 or no nv18 vector")
	}
	withNV := func(path string, nv int) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if nv == 0 {
			return b
		}
		var v map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		v["preconditions"].(map[string]any)["variants"] = []any{map[string]any{"id": "x", "epoch": 1, "nv": nv}}
		out, _ := json.Marshal(v)
		return out
	}
	dir := t.TempDir()
	r := runner(t)
	for _, c := range []struct {
		name   string
		data   []byte
		status Status
		reason string
	}{
		{"nv17 elsewhere", withNV(byNV[17], 0), Pass, ""},
		{"nv18 elsewhere", withNV(byNV[18], 0), Pass, ""},
		{"nv15", withNV(byNV[17], 15), Skip, "network version 15"},
		{"nv99", withNV(byNV[18], 99), Skip, "network version 99"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		res := r.RunFile(context.Background(), path)
		if res.Status != c.status || !strings.Contains(res.Reason, c.reason) {
			t.Errorf("%s: got %s %q, want %s mentioning %q", c.name, res.Status, res.Reason, c.status, c.reason)
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

// A repeated vector keeps every run's time, reports the best, and gives the
// receipts and roots of a single run.
func TestRepeat(t *testing.T) {
	files := vectorFiles(t)
	once := runner(t)
	repeated := *once
	repeated.Repeat = 3
	ctx := context.Background()
	for _, f := range files[:min(3, len(files))] {
		want := once.RunFile(ctx, f)
		got := repeated.RunFile(ctx, f)
		if got.Status != want.Status || got.Reason != want.Reason {
			t.Fatalf("%s: repeated %s %q, once %s %q", f, got.Status, got.Reason, want.Status, want.Reason)
		}
		if want.Status != Pass {
			continue
		}
		if len(want.Runs) != 0 || len(got.Runs) != 3 {
			t.Errorf("%s: %d runs recorded once, %d repeated 3 times", f, len(want.Runs), len(got.Runs))
			continue
		}
		if got.Duration != slices.Min(got.Runs) {
			t.Errorf("%s: duration %s is not the best of %v", f, got.Duration, got.Runs)
		}
		if got.GasUsed != want.GasUsed || !reflect.DeepEqual(got.Receipts, want.Receipts) || !reflect.DeepEqual(got.Roots, want.Roots) {
			t.Errorf("%s: repeated gas %d receipts %v roots %v, once %d %v %v", f, got.GasUsed, got.Receipts, got.Roots, want.GasUsed, want.Receipts, want.Roots)
		}
	}
}
