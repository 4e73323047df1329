package bundle_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/klauspost/compress/zstd"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
)

// genBundle is an entry of lotus's build/builtin_actors_gen.go.
type genBundle struct {
	Network  string
	Version  int
	Manifest cid.Cid
	Actors   map[string]cid.Cid
}

var (
	lotusOnce sync.Once
	lotusDir  string
	lotusGen  []genBundle
	lotusErr  error
)

// lotusModule locates the lotus module with `go mod download -json` (run
// outside our module) and parses its builtin_actors_gen.go as text.
func lotusModule(t *testing.T) (string, []genBundle) {
	t.Helper()
	lotusOnce.Do(func() {
		cmd := exec.Command("go", "mod", "download", "-json", bundle.LotusModule)
		cmd.Dir = os.TempDir()
		out, err := cmd.Output()
		if err != nil {
			lotusErr = err
			return
		}
		var info struct{ Dir, Error string }
		if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
			lotusErr = err
			if lotusErr == nil {
				lotusErr = &os.PathError{Op: "go mod download", Path: bundle.LotusModule, Err: os.ErrNotExist}
			}
			return
		}
		lotusDir = info.Dir
		src, err := os.ReadFile(filepath.Join(info.Dir, "build", "builtin_actors_gen.go"))
		if err != nil {
			lotusErr = err
			return
		}
		lotusGen, lotusErr = parseGen(string(src))
	})
	if lotusErr != nil {
		t.Fatalf("lotus module %s: %v", bundle.LotusModule, lotusErr)
	}
	return lotusDir, lotusGen
}

var (
	genNetwork  = regexp.MustCompile(`^\s*Network:\s*"([^"]+)",`)
	genVersion  = regexp.MustCompile(`^\s*Version:\s*([0-9]+),`)
	genManifest = regexp.MustCompile(`^\s*ManifestCid:\s*cid\.MustParse\("([^"]+)"\),`)
	genActor    = regexp.MustCompile(`^\s*"([a-z]+)":\s*cid\.MustParse\("([^"]+)"\),`)
)

func parseGen(src string) ([]genBundle, error) {
	var out []genBundle
	var cur *genBundle
	for line := range strings.Lines(src) {
		if m := genNetwork.FindStringSubmatch(line); m != nil {
			out = append(out, genBundle{Network: m[1], Actors: map[string]cid.Cid{}})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil {
			continue
		}
		if m := genVersion.FindStringSubmatch(line); m != nil {
			cur.Version, _ = strconv.Atoi(m[1])
		} else if m := genManifest.FindStringSubmatch(line); m != nil {
			c, err := cid.Parse(m[1])
			if err != nil {
				return nil, err
			}
			cur.Manifest = c
		} else if m := genActor.FindStringSubmatch(line); m != nil {
			c, err := cid.Parse(m[2])
			if err != nil {
				return nil, err
			}
			cur.Actors[m[1]] = c
		}
	}
	return out, nil
}

var (
	bundlesOnce sync.Once
	allBundles  []bundle.Bundle
	bundlesErr  error
)

// lotusBundles loads every bundle of every lotus tarball (once per test
// binary) through Locator and LoadFile.
func lotusBundles(t *testing.T) []bundle.Bundle {
	t.Helper()
	bundlesOnce.Do(func() {
		ctx := context.Background()
		for _, v := range bundle.Versions() {
			path, err := bundle.Locator{}.Path(ctx, v)
			if err != nil {
				bundlesErr = err
				return
			}
			bs, err := bundle.LoadFile(ctx, path, bundle.Selector{}, blockstore.NewMemory())
			if err != nil {
				bundlesErr = err
				return
			}
			allBundles = append(allBundles, bs...)
		}
	})
	if bundlesErr != nil {
		t.Fatalf("loading the lotus bundles: %v", bundlesErr)
	}
	return allBundles
}

// tarballPath returns the lotus tarball of actors version v.
func tarballPath(t *testing.T, v int) string {
	t.Helper()
	dir, _ := lotusModule(t)
	return filepath.Join(dir, "build", "actors", "v"+strconv.Itoa(v)+".tar.zst")
}

// extractCAR returns the builtin-actors-NETWORK.car member of a tarball,
// read with zstd and archive/tar directly.
func extractCAR(t *testing.T, v int, network string) []byte {
	t.Helper()
	f, err := os.Open(tarballPath(t, v))
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
		if err == io.EOF {
			t.Fatalf("v%d has no %s CAR", v, network)
		}
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(hdr.Name) == "builtin-actors-"+network+".car" {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// makeTarball writes a zstd tarball with the given members.
func makeTarball(t *testing.T, members map[string][]byte) []byte {
	t.Helper()
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for name, data := range members {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw, err := zstd.NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(tarBuf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
