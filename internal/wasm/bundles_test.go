package wasm

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	carv2 "github.com/ipld/go-car/v2"
	"github.com/klauspost/compress/zstd"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

const lotusModule = "github.com/filecoin-project/lotus@v1.36.2"

// actorCode is one builtin actor's WASM module from a bundle.
type actorCode struct {
	name string // version/car file/cid
	code []byte
}

var (
	actorsOnce sync.Once
	actorsAll  []actorCode
	actorsErr  string
)

// lotusDir finds the lotus module (which carries the builtin-actors bundles) in the module
// cache, downloading it if needed.
func lotusDir() (string, string) {
	if d := os.Getenv("FVM_LOTUS_DIR"); d != "" {
		return d, ""
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err == nil {
		d := filepath.Join(strings.TrimSpace(string(out)), lotusModule)
		if _, err := os.Stat(filepath.Join(d, "build", "actors")); err == nil {
			return d, ""
		}
	}
	out, err = exec.Command("go", "mod", "download", "-json", lotusModule).Output()
	if err != nil {
		return "", "cannot download " + lotusModule + ": " + err.Error()
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", "no Dir for " + lotusModule
	}
	return info.Dir, ""
}

// builtinActors returns every distinct WASM module in the v8..v19 bundles (deduplicated
// by CID), sorted by name.
func builtinActors(t testing.TB) []actorCode {
	t.Helper()
	actorsOnce.Do(func() {
		dir, msg := lotusDir()
		if msg != "" {
			actorsErr = msg
			return
		}
		files, _ := filepath.Glob(filepath.Join(dir, "build", "actors", "v*.tar.zst"))
		if len(files) == 0 {
			actorsErr = "no bundles in " + dir
			return
		}
		seen := map[string]bool{}
		for _, f := range files {
			if err := readBundleArchive(f, seen); err != nil {
				actorsErr = err.Error()
				return
			}
		}
		sort.Slice(actorsAll, func(i, j int) bool { return actorsAll[i].name < actorsAll[j].name })
	})
	if actorsErr != "" {
		t.Skip(actorsErr)
	}
	if !testing.Short() {
		return actorsAll
	}
	// -short: the mainnet bundles only.
	var out []actorCode
	for _, a := range actorsAll {
		if strings.Contains(a.name, "-mainnet/") {
			out = append(out, a)
		}
	}
	return out
}

// loadBundle returns the distinct WASM modules of one bundle archive (e.g. "v16").
func loadBundle(t testing.TB, version string) []actorCode {
	t.Helper()
	dir, msg := lotusDir()
	if msg != "" {
		t.Skip(msg)
	}
	var out []actorCode
	err := readBundleArchiveInto(filepath.Join(dir, "build", "actors", version+".tar.zst"), map[string]bool{}, &out)
	if err != nil {
		t.Skip(err)
	}
	return out
}

func readBundleArchive(path string, seen map[string]bool) error {
	return readBundleArchiveInto(path, seen, &actorsAll)
}

func readBundleArchiveInto(path string, seen map[string]bool, dst *[]actorCode) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		return err
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	version := strings.TrimSuffix(filepath.Base(path), ".tar.zst")
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if !strings.HasSuffix(h.Name, ".car") {
			continue
		}
		car := make([]byte, h.Size)
		if _, err := io.ReadFull(tr, car); err != nil {
			return err
		}
		// The bundles come checksum-verified from the module cache: skip re-hashing every block.
		br, err := carv2.NewBlockReader(bytes.NewReader(car), carv2.WithTrustedCAR(true))
		if err != nil {
			return err
		}
		for {
			blk, err := br.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			c := blk.Cid()
			data := blk.RawData()
			if c.Prefix().Codec != 0x55 || !bytes.HasPrefix(data, wasmMagic[:4]) || seen[c.String()] {
				continue
			}
			seen[c.String()] = true
			*dst = append(*dst, actorCode{
				name: version + "/" + strings.TrimSuffix(h.Name, ".car") + "/" + c.String(),
				code: data,
			})
		}
	}
}

// wazeroFeatures is what the engine gives wazero: WebAssembly 2.0 without SIMD and
// multi-value, as the FVM configures wasmtime.
const wazeroFeatures = api.CoreFeaturesV2 &^ api.CoreFeatureSIMD &^ api.CoreFeatureMultiValue

func TestBuiltinActorsInstrument(t *testing.T) {
	actors := builtinActors(t)
	t.Logf("%d distinct actor modules", len(actors))
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(wazeroFeatures))
	defer rt.Close(ctx)
	for _, a := range actors {
		out, err := Instrument(a.code, FVMConfig())
		if err != nil {
			t.Errorf("%s: %v", a.name, err)
			continue
		}
		// Our own validator on the output (Instrument already did; repeat explicitly).
		m, err := Decode(out)
		if err == nil {
			err = Validate(m)
		}
		if err != nil {
			t.Errorf("%s: output does not validate: %v", a.name, err)
			continue
		}
		if err := checkInstrumentedShape(m); err != nil {
			t.Errorf("%s: %v", a.name, err)
		}
		// wazero's validation of the instrumented module.
		cm, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Errorf("%s: wazero rejects the instrumented module: %v", a.name, err)
			continue
		}
		cm.Close(ctx)
	}
}

// TestBuiltinActorsRoundTrip checks that every actor decodes, re-encodes byte for byte when
// untouched, and that re-encoding every section from the decoded form gives the same module.
func TestBuiltinActorsRoundTrip(t *testing.T) {
	for _, a := range builtinActors(t) {
		m, err := Decode(a.code)
		if err != nil {
			t.Errorf("%s: %v", a.name, err)
			continue
		}
		if !bytes.Equal(m.Encode(), a.code) {
			t.Errorf("%s: untouched module does not re-encode identically", a.name)
		}
		for id := range m.dirty {
			if m.present[id] {
				m.dirty[id] = true
			}
		}
		for i := range m.codeDirty {
			m.codeDirty[i] = true
		}
		re := m.Encode()
		m2, err := Decode(re)
		if err != nil {
			t.Errorf("%s: re-encoded module does not decode: %v", a.name, err)
			continue
		}
		orig, _ := Decode(a.code)
		if err := moduleDiff(m2, orig); err != nil {
			t.Errorf("%s: re-encoded module differs: %v", a.name, err)
		}
		if len(m2.Customs) != len(orig.Customs) {
			t.Errorf("%s: %d custom sections, want %d", a.name, len(m2.Customs), len(orig.Customs))
		}
	}
}

// checkInstrumentedShape checks the FVM-specific shape of an instrumented actor: the gas
// counter import, the exported memory and invoke.
func checkInstrumentedShape(m *Module) error {
	n := 0
	for _, im := range m.Imports {
		if im.Kind == KindGlobal && im.Module == "gas" && im.Name == "gas_counter" {
			n++
			if im.Global != (GlobalType{Type: I64, Mutable: true}) {
				return errorf(ErrInvalid, "gas counter has type %+v", im.Global)
			}
		}
	}
	if n != 1 {
		return errorf(ErrInvalid, "%d gas counter imports", n)
	}
	return nil
}
