package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/go-fvm/go-fvm/bundle"
)

// runCLI runs the CLI with FVM_BUNDLE cleared unless env sets it.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("FVM_BUNDLE", "")
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

var (
	lotusOnce sync.Once
	lotusDir  string
	lotusErr  error
)

// lotusModuleDir finds the lotus module with `go mod download -json`.
func lotusModuleDir(t *testing.T) string {
	t.Helper()
	lotusOnce.Do(func() {
		cmd := exec.Command("go", "mod", "download", "-json", bundle.LotusModule)
		cmd.Dir = os.TempDir()
		out, err := cmd.Output()
		if err != nil {
			lotusErr = err
			return
		}
		var info struct{ Dir string }
		lotusErr = json.Unmarshal(out, &info)
		lotusDir = info.Dir
	})
	if lotusErr != nil || lotusDir == "" {
		t.Fatalf("lotus module: %v", lotusErr)
	}
	return lotusDir
}

// genActors returns the actors of one bundle in lotus's
// build/builtin_actors_gen.go, read as text.
func genActors(t *testing.T, version, network string) (manifest string, actors map[string]string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(lotusModuleDir(t), "build", "builtin_actors_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile(`Network:\s*"` + network + `",\s*Version:\s*` + version + `,\s*(?:BundleGitTag:[^\n]*\n\s*)?ManifestCid:\s*cid\.MustParse\("([^"]+)"\),\s*Actors: map\[string\]cid\.Cid\{([^}]*)\}`)
	m := head.FindStringSubmatch(string(src))
	if m == nil {
		t.Fatalf("v%s %s not found in builtin_actors_gen.go", version, network)
	}
	actors = map[string]string{}
	for _, a := range regexp.MustCompile(`"([a-z]+)":\s*cid\.MustParse\("([^"]+)"\)`).FindAllStringSubmatch(m[2], -1) {
		actors[a[1]] = a[2]
	}
	return m[1], actors
}

// Listing one version's mainnet bundle prints lotus's manifest and code
// CIDs: v10 (nv18), and today's v18 (nv28) and the next v19 (nv29).
func TestBundleListMainnet(t *testing.T) {
	for _, tc := range []struct{ version, manifest string }{
		{"10", "bafy2bzacecsuyf7mmvrhkx2evng5gnz5canlnz2fdlzu2lvcgptiq2pzuovos"},
		{"18", "bafy2bzacedxsqapxwj5znwy4leem5gsuenhhfyqcntews3yis5iek67thy6lc"},
		{"19", "bafy2bzacedxsqapxwj5znwy4leem5gsuenhhfyqcntews3yis5iek67thy6lc"},
	} {
		t.Run("v"+tc.version, func(t *testing.T) { testBundleListMainnet(t, tc.version, tc.manifest) })
	}
}

func testBundleListMainnet(t *testing.T, version, wantManifest string) {
	code, stdout, stderr := runCLI(t, nil, "bundle", "list", "--actors-version", version, "--network", "mainnet")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	manifest, actors := genActors(t, version, "mainnet")
	if manifest != wantManifest {
		t.Fatalf("lotus's v%s mainnet manifest is %s", version, manifest)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 17 {
		t.Fatalf("%d lines, want a manifest line and 16 actors:\n%s", len(lines), stdout)
	}
	if want := "actors v" + version + " mainnet manifest " + manifest; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 2 {
			t.Errorf("actor line %q", l)
			continue
		}
		if actors[f[0]] != f[1] {
			t.Errorf("actor %s code %s, lotus has %s", f[0], f[1], actors[f[0]])
		}
		seen[f[0]] = true
	}
	if len(seen) != 16 || len(actors) != 16 {
		t.Errorf("%d distinct actors printed, lotus lists %d", len(seen), len(actors))
	}
	if stderr != "" {
		t.Errorf("stderr %q", stderr)
	}
}

func TestBundleListAll(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "bundle", "list")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	src, err := os.ReadFile(filepath.Join(lotusModuleDir(t), "build", "builtin_actors_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	wantManifests := regexp.MustCompile(`ManifestCid:\s*cid\.MustParse\("([^"]+)"\)`).FindAllStringSubmatch(string(src), -1)
	gotManifests := regexp.MustCompile(`(?m)^actors v([0-9]+) (\S+) manifest (\S+)$`).FindAllStringSubmatch(stdout, -1)
	if len(gotManifests) != len(wantManifests) || len(gotManifests) != 85 {
		t.Fatalf("%d manifests printed, lotus lists %d", len(gotManifests), len(wantManifests))
	}
	for _, g := range gotManifests {
		manifest, _ := genActors(t, g[1], regexp.QuoteMeta(g[2]))
		if manifest != g[3] {
			t.Errorf("v%s %s: manifest %s, lotus has %s", g[1], g[2], g[3], manifest)
		}
	}
}

func TestBundleListOneVersionAllNetworks(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "bundle", "list", "--actors-version", "13")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	got := regexp.MustCompile(`(?m)^actors v13 (\S+) manifest`).FindAllStringSubmatch(stdout, -1)
	if len(got) != 7 {
		t.Fatalf("%d v13 bundles printed, want 7:\n%s", len(got), stdout)
	}
}

// A network that only some versions have lists just those versions.
func TestBundleListNetworkOfSomeVersions(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "bundle", "list", "--network", "hyperspace")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	manifest, actors := genActors(t, "8", "hyperspace")
	got := regexp.MustCompile(`(?m)^actors v([0-9]+) (\S+) manifest (\S+)$`).FindAllStringSubmatch(stdout, -1)
	if len(got) != 1 || got[0][1] != "8" || got[0][2] != "hyperspace" || got[0][3] != manifest {
		t.Fatalf("printed %v, want only v8 hyperspace %s", got, manifest)
	}
	if n := strings.Count(stdout, "\n"); n != 1+len(actors) {
		t.Errorf("%d lines, want %d", n, 1+len(actors))
	}
}

// writeCAR extracts a network's CAR from lotus's tarball of version v.
func writeCAR(t *testing.T, v, network string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(lotusModuleDir(t), "build", "actors", "v"+v+".tar.zst"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("no %s CAR in v%s: %v", network, v, err)
		}
		if filepath.Base(hdr.Name) == "builtin-actors-"+network+".car" {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), network+".car")
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
}

func TestBundleListOwnFile(t *testing.T) {
	calib := writeCAR(t, "10", "calibrationnet")
	manifest, _ := genActors(t, "10", "calibrationnet")
	for name, run := range map[string]func() (int, string, string){
		"flag": func() (int, string, string) { return runCLI(t, nil, "bundle", "list", "--bundle", calib) },
		"env": func() (int, string, string) {
			return runCLI(t, map[string]string{"FVM_BUNDLE": calib}, "bundle", "list")
		},
		"flag and version": func() (int, string, string) {
			return runCLI(t, nil, "--bundle", calib, "bundle", "list", "--actors-version", "10")
		},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := run()
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !strings.HasPrefix(stdout, "actors v10 calibrationnet manifest "+manifest+"\n") {
				t.Errorf("stdout %q", stdout)
			}
		})
	}
}

func TestCLIErrors(t *testing.T) {
	calib := writeCAR(t, "10", "calibrationnet")
	calibManifest, _ := genActors(t, "10", "calibrationnet")
	mainnetManifest, _ := genActors(t, "10", "mainnet")
	missing := filepath.Join(t.TempDir(), "missing.car")
	garbage := filepath.Join(t.TempDir(), "garbage.car")
	if err := os.WriteFile(garbage, []byte("not a car"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		mention []string
	}{
		{"unknown actors version", []string{"bundle", "list", "--actors-version", "99"}, []string{"--actors-version 99", "unknown actors version"}},
		{"actors version 7", []string{"bundle", "list", "--actors-version", "7"}, []string{"7", "unknown actors version"}},
		{"actors version not a number", []string{"bundle", "list", "--actors-version", "ten"}, []string{"ten"}},
		{"unknown network", []string{"bundle", "list", "--actors-version", "10", "--network", "moon"}, []string{`"moon"`, "unknown network", "v10"}},
		{"unknown network, every version", []string{"bundle", "list", "--network", "moon"}, []string{`"moon"`, "unknown network"}},
		{"network of another version", []string{"bundle", "list", "--actors-version", "10", "--network", "hyperspace"}, []string{`"hyperspace"`}},
		{"bundle file mismatch", []string{"bundle", "list", "--bundle", calib, "--actors-version", "10", "--network", "mainnet"}, []string{calib, "v10", "mainnet", calibManifest, mainnetManifest}},
		{"bundle file of another version", []string{"bundle", "list", "--bundle", calib, "--actors-version", "11"}, []string{calib, "v11", calibManifest}},
		{"bundle file missing", []string{"bundle", "list", "--bundle", missing}, []string{missing}},
		{"bundle file garbage", []string{"bundle", "list", "--bundle", garbage}, []string{garbage, "malformed car"}},
		{"unknown command", []string{"frobnicate"}, []string{"frobnicate"}},
		{"bundle list with an argument", []string{"bundle", "list", "extra"}, []string{"extra"}},
		{"unknown flag", []string{"bundle", "list", "--nope"}, []string{"--nope"}},
		{"vector inspect without a path", []string{"vector", "inspect"}, []string{"arg"}},
		{"vector inspect of a missing file", []string{"vector", "inspect", missing}, []string{missing}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, tc.args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, stdout, stderr)
			}
			if !strings.HasPrefix(stderr, "fvm: ") || strings.Contains(stderr, "internal error") {
				t.Errorf("stderr %q", stderr)
			}
			for _, m := range tc.mention {
				if !strings.Contains(stderr, m) {
					t.Errorf("stderr %q does not mention %q", stderr, m)
				}
			}
		})
	}
}

// vectorDir returns $FVM_TEST_VECTORS, or skips.
func vectorDir(t *testing.T) string {
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set; skipping the vector corpus")
	}
	return dir
}

const addBalance = "extracted/0002-hygge-01/fil_10_storagemarket/AddBalance/Ok/ext-0002-fil_10_storagemarket-AddBalance-Ok-1.json"

func TestVectorInspect(t *testing.T) {
	file := filepath.Join(vectorDir(t), addBalance)
	code, stdout, stderr := runCLI(t, nil, "vector", "inspect", file)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// Values from shared/spec/executor.md §5.2.
	for _, want := range []string{
		"ext-0002-fil_10_storagemarket-AddBalance-Ok-1\n",
		"  nv 18 epoch 2799999\n",
		"  pre  bafy2bzacebk2shqmwp5ay3x7s2irry4bzzijveofh4msbdqu2mpiuh7m73hrg\n",
		"  post bafy2bzacedjngv5rp22w4szbmbg5evcs2fojdxjgc5fdbbgzl5hgmbzjkwxgo\n",
		"(account, actors v10 mainnet) to f05 (storagemarket, actors v10 mainnet) method 2 value 220619740712573319",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, stdout)
		}
	}
}

func TestVectorInspectCorpus(t *testing.T) {
	dir := vectorDir(t)
	code, stdout, stderr := runCLI(t, nil, "vector", "inspect", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var files int
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files++
		}
		return err
	})
	if got := strings.Count(stdout, "\n  pre  "); got != files {
		t.Errorf("%d vectors inspected, %d files", got, files)
	}
	if strings.Contains(stdout, "unknown code") || strings.Contains(stdout, "no actor") || strings.Contains(stdout, "unresolvable") {
		t.Errorf("some actor could not be named:\n%s", stdout)
	}
}

// Broken vectors: each gives exit 1 and a message naming the file; good
// vectors given alongside are still inspected.
func TestVectorInspectBadInput(t *testing.T) {
	good := filepath.Join(vectorDir(t), addBalance)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// Numbers stay json.Number: circ_supply does not fit a float64.
	decode := func() map[string]any {
		var tree map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&tree); err != nil {
			t.Fatal(err)
		}
		return tree
	}
	gzipOf := func(b []byte) string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return base64.StdEncoding.EncodeToString(buf.Bytes())
	}
	edits := []struct {
		name    string
		edit    func(map[string]any)
		raw     []byte
		mention string
	}{
		{name: "not json", raw: []byte("{ not json"), mention: "bad vector"},
		{name: "no class", edit: func(v map[string]any) { delete(v, "class") }, mention: `"class"`},
		{name: "no pre root", edit: func(v map[string]any) {
			delete(v["preconditions"].(map[string]any), "state_tree")
		}, mention: `"preconditions.state_tree"`},
		{name: "bad base64", edit: func(v map[string]any) { v["car"] = "***" }, mention: "base64"},
		{name: "bad gzip", edit: func(v map[string]any) { v["car"] = base64.StdEncoding.EncodeToString([]byte("plain")) }, mention: "gzip"},
		{name: "garbled car", edit: func(v map[string]any) { v["car"] = gzipOf([]byte("garbage")) }, mention: "malformed car"},
		{name: "bad message", edit: func(v map[string]any) {
			v["apply_messages"] = []any{map[string]any{"bytes": base64.StdEncoding.EncodeToString([]byte{0x8a, 0x00})}}
		}, mention: "apply_messages[0]"},
		{name: "pre root not in car", edit: func(v map[string]any) {
			v["preconditions"].(map[string]any)["state_tree"] = map[string]any{"root_cid": map[string]any{"/": "bafy2bzacebc3bt6cedhoyw34drrmjvazhu4oj25er2ebk4u445pzycvq4ta4a"}}
		}, mention: "pre-state root"},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			raw := e.raw
			if raw == nil {
				clone := decode()
				e.edit(clone)
				raw, _ = json.Marshal(clone)
			}
			bad := filepath.Join(t.TempDir(), "bad.json")
			if err := os.WriteFile(bad, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, nil, "vector", "inspect", good, bad)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
			}
			if !strings.Contains(stdout, "ext-0002-fil_10_storagemarket-AddBalance-Ok-1") {
				t.Errorf("the good vector was not inspected: %q", stdout)
			}
			if strings.Count(stderr, "\n") != 2 || !strings.HasSuffix(stderr, "fvm: 1 of 2 vectors could not be inspected\n") {
				t.Errorf("stderr should hold two lines, the bad vector's error and the count: %q", stderr)
			}
			for _, want := range []string{bad, e.mention} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q does not mention %q", stderr, want)
				}
			}
			if strings.Contains(stderr, "internal error") {
				t.Errorf("panic: %q", stderr)
			}
		})
	}
}

func TestConformanceNoVectors(t *testing.T) {
	empty := t.TempDir()
	code, stdout, stderr := runCLI(t, nil, "conformance", empty)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout %q", code, stdout)
	}
	for _, want := range []string{empty, "no vectors"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not mention %q", stderr, want)
		}
	}
}

// Vector lines come in the order of the files, whatever the number of
// jobs; a failure names its file once, and its reason says each thing once.
func TestConformanceLines(t *testing.T) {
	good := filepath.Join(vectorDir(t), addBalance)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	v["car"] = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("not gzip "), 4))
	badGzip, _ := json.Marshal(v)
	dir := t.TempDir()
	files := map[string][]byte{"a.json": data, "b-gzip.json": badGzip, "c-json.json": []byte("{"), "d.json": data}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, jobs := range []string{"1", "3"} {
		code, stdout, stderr := runCLI(t, nil, "conformance", "-j", jobs, dir)
		if code != 1 {
			t.Fatalf("-j %s: exit %d, want 1; stderr %q", jobs, code, stderr)
		}
		lines := strings.Split(stdout, "\n")
		if len(lines) < 4 {
			t.Fatalf("-j %s: stdout %q", jobs, stdout)
		}
		wantPrefix := []string{
			"PASS ext-0002-fil_10_storagemarket-AddBalance-Ok-1",
			"FAIL ext-0002-fil_10_storagemarket-AddBalance-Ok-1 (" + filepath.Join(dir, "b-gzip.json") + "): bad vector: car: gzip: invalid header",
			"FAIL " + filepath.Join(dir, "c-json.json") + ": bad vector: ",
			"PASS ext-0002-fil_10_storagemarket-AddBalance-Ok-1",
		}
		for i, w := range wantPrefix {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("-j %s: line %d %q, want it to start with %q", jobs, i, lines[i], w)
			}
			if strings.Count(lines[i], dir) > 1 {
				t.Errorf("-j %s: line %q names the file more than once", jobs, lines[i])
			}
		}
		if !strings.Contains(stdout, "2 passed, 2 failed, 0 skipped\n") {
			t.Errorf("-j %s: no count line in %q", jobs, stdout)
		}
	}
}

// --repeat gives each vector's best time and rate, and the distribution.
func TestConformanceRepeat(t *testing.T) {
	good := filepath.Join(vectorDir(t), addBalance)
	code, stdout, stderr := runCLI(t, nil, "conformance", "--repeat", "3", good)
	if code != 0 {
		t.Fatalf("exit %d; stderr %q", code, stderr)
	}
	for _, re := range []string{
		`(?m)^PASS ext-0002-fil_10_storagemarket-AddBalance-Ok-1 \S+ 23185161 gas [0-9.]+ gas/ns \([0-9.]+x the model\)(; cpu \S+ [0-9.]+ gas/cpu-ns)?$`,
		`(?m)^gas used 23185161 in \S+ of execution \(best of 3 runs per vector\): [0-9.]+ gas/ns`,
		`(?m)^gas/ns per vector, 1 vectors at their best: worst [0-9.]+, p10 [0-9.]+, median [0-9.]+, p90 [0-9.]+, best [0-9.]+, aggregate [0-9.]+; [01] below the model's 10 gas/ns$`,
		`(?m)^  ext-0002-fil_10_storagemarket-AddBalance-Ok-1: 23185161 gas in \S+, [0-9.]+ gas/ns`,
	} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("stdout does not match %s:\n%s", re, stdout)
		}
	}
	if code, _, stderr := runCLI(t, nil, "conformance", "--repeat", "0", good); code != 1 || !strings.Contains(stderr, "--repeat 0") {
		t.Errorf("--repeat 0: exit %d, stderr %q", code, stderr)
	}
}
