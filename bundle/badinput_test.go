package bundle_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
)

// Hand-written DAG-CBOR for manifests (RFC 8949), independent of the package.
func cbHead(major byte, n int) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 256:
		return []byte{major<<5 | 24, byte(n)}
	default:
		return []byte{major<<5 | 25, byte(n >> 8), byte(n)}
	}
}

func cbArray(items ...[]byte) []byte {
	out := cbHead(4, len(items))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func cbText(s string) []byte { return append(cbHead(3, len(s)), s...) }
func cbUint(n int) []byte    { return cbHead(0, n) }

func cbLink(c cid.Cid) []byte {
	b := append([]byte{0}, c.Bytes()...)
	return append(append([]byte{0xd8, 42}, cbHead(2, len(b))...), b...)
}

func dagBlock(t *testing.T, data []byte) blocks.Block {
	t.Helper()
	c, err := cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := blocks.NewBlockWithCid(data, c)
	return b
}

func rawCID(t *testing.T, s string) cid.Cid {
	c, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}.Sum([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// carBytes is a CARv1 with the given roots and blocks, written by hand.
func carBytes(roots []cid.Cid, bs ...blocks.Block) []byte {
	var links [][]byte
	for _, r := range roots {
		links = append(links, cbLink(r))
	}
	header := append(cbHead(5, 2), cbText("roots")...)
	header = append(header, cbArray(links...)...)
	header = append(header, cbText("version")...)
	header = append(header, cbUint(1)...)
	out := binary.AppendUvarint(nil, uint64(len(header)))
	out = append(out, header...)
	for _, b := range bs {
		out = binary.AppendUvarint(out, uint64(b.Cid().ByteLen()+len(b.RawData())))
		out = append(out, b.Cid().Bytes()...)
		out = append(out, b.RawData()...)
	}
	return out
}

func TestLoadManifest(t *testing.T) {
	ctx := context.Background()
	codeA, codeB := rawCID(t, "a"), rawCID(t, "b")
	data := dagBlock(t, cbArray(cbArray(cbText("system"), cbLink(codeA)), cbArray(cbText("init"), cbLink(codeB))))
	root := dagBlock(t, cbArray(cbUint(1), cbLink(data.Cid())))
	bs := blockstore.NewMemory()
	_ = bs.PutMany(ctx, []blocks.Block{data, root})
	m, err := bundle.LoadManifest(ctx, bs, root.Cid())
	if err != nil {
		t.Fatal(err)
	}
	if m.Root != root.Cid() || m.Data != data.Cid() || len(m.Entries) != 2 ||
		m.Entries[0] != (bundle.Entry{Name: "system", Code: codeA}) || m.BuiltinType(codeB) != 2 {
		t.Fatalf("manifest %+v", m)
	}
	if bundle.RootOf(data.Cid()) != root.Cid() {
		t.Errorf("RootOf = %s, want %s", bundle.RootOf(data.Cid()), root.Cid())
	}
	md, err := bundle.LoadManifestData(ctx, bs, data.Cid())
	if err != nil || md.Root != bundle.RootOf(data.Cid()) || md.Data != data.Cid() || len(md.Entries) != 2 {
		t.Fatalf("LoadManifestData = %+v, %v", md, err)
	}
}

func TestLoadManifestBadInput(t *testing.T) {
	ctx := context.Background()
	code := rawCID(t, "code")
	goodData := dagBlock(t, cbArray(cbArray(cbText("system"), cbLink(code))))
	many := make([][]byte, 1025)
	for i := range many {
		many[i] = cbArray(cbText("a"), cbLink(code))
	}
	cases := []struct {
		name    string
		root    []byte // the root block; nil means [1, link(data)]
		data    []byte // the data block; nil means none stored
		mention string
	}{
		{"root missing", []byte("skip"), nil, "not found"},
		{"root not an array", cbUint(1), nil, "array"},
		{"root of 3", cbArray(cbUint(1), cbLink(goodData.Cid()), cbUint(0)), nil, "array of 2"},
		{"version 2", cbArray(cbUint(2), cbLink(goodData.Cid())), goodData.RawData(), "version 2"},
		{"version text", cbArray(cbText("1"), cbLink(goodData.Cid())), goodData.RawData(), "version"},
		{"data not a link", cbArray(cbUint(1), cbUint(5)), nil, "data"},
		{"data missing", nil, nil, "not found"},
		{"data not an array", nil, cbText("x"), "not an array"},
		{"entry not a pair", nil, cbArray(cbArray(cbText("system"))), "entry 0"},
		{"entry name not text", nil, cbArray(cbArray(cbUint(3), cbLink(code))), "entry 0"},
		{"entry code not a link", nil, cbArray(cbArray(cbText("system"), cbText("code"))), "system"},
		{"duplicate name", nil, cbArray(cbArray(cbText("a"), cbLink(code)), cbArray(cbText("a"), cbLink(rawCID(t, "x")))), `"a" appears twice`},
		{"duplicate code", nil, cbArray(cbArray(cbText("a"), cbLink(code)), cbArray(cbText("b"), cbLink(code))), "appears twice"},
		{"too many entries", nil, cbArray(many...), "1025 entries"},
		{"truncated data", nil, goodData.RawData()[:len(goodData.RawData())-3], "data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bs := blockstore.NewMemory()
			dataCID := goodData.Cid()
			if tc.data != nil {
				d := dagBlock(t, tc.data)
				dataCID = d.Cid()
				_ = bs.Put(ctx, d)
			}
			rootData := tc.root
			if rootData == nil {
				rootData = cbArray(cbUint(1), cbLink(dataCID))
			}
			root := dagBlock(t, rootData)
			if string(rootData) != "skip" {
				_ = bs.Put(ctx, root)
			}
			_, err := bundle.LoadManifest(ctx, bs, root.Cid())
			checkMentions(t, err, bundle.ErrBadManifest, tc.mention)
		})
	}
}

func TestNewManifestDuplicates(t *testing.T) {
	a, b := rawCID(t, "a"), rawCID(t, "b")
	if _, err := bundle.NewManifest([]bundle.Entry{{"x", a}, {"y", b}}); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.NewManifest([]bundle.Entry{{"x", a}, {"x", b}}); err == nil {
		t.Error("duplicate names accepted")
	}
	if _, err := bundle.NewManifest([]bundle.Entry{{"x", a}, {"y", a}}); err == nil {
		t.Error("duplicate codes accepted")
	}
}

func TestLoadFileBadInput(t *testing.T) {
	ctx := context.Background()
	calib := extractCAR(t, 10, "calibrationnet")
	v10, err := os.ReadFile(tarballPath(t, 10))
	if err != nil {
		t.Fatal(err)
	}
	garbled := bytes.Clone(v10)
	for i := len(garbled) / 3; i < len(garbled)/3+64; i++ {
		garbled[i] ^= 0xa5
	}
	unknownRoot := dagBlock(t, cbArray(cbUint(1), cbLink(rawCID(t, "nothing"))))
	twoRoots := dagBlock(t, cbArray(cbUint(7)))

	cases := []struct {
		name    string
		file    string // base name of the file written
		data    []byte
		sel     bundle.Selector
		want    error
		mention []string
	}{
		{name: "empty file", file: "empty.car", data: nil, want: bundle.ErrBadBundle, mention: []string{"malformed car"}},
		{name: "garbage", file: "garbage.car", data: []byte("this is not a bundle"), want: blockstore.ErrMalformedCAR},
		{name: "truncated CAR", file: "calib.car", data: calib[:len(calib)/2], want: blockstore.ErrMalformedCAR},
		{name: "garbled CAR", file: "calib.car", data: func() []byte {
			b := bytes.Clone(calib)
			b[len(b)-10] ^= 0xff
			return b
		}(), want: blockstore.ErrMalformedCAR},
		{name: "CAR with an unknown manifest", file: "x.car", data: carBytes([]cid.Cid{unknownRoot.Cid()}, unknownRoot), want: bundle.ErrManifestMismatch, mention: []string{unknownRoot.Cid().String(), "not a known bundle"}},
		{name: "CAR with two roots", file: "x.car", data: carBytes([]cid.Cid{unknownRoot.Cid(), twoRoots.Cid()}, unknownRoot, twoRoots), want: bundle.ErrBadBundle, mention: []string{"2 roots"}},
		{name: "CAR with no roots", file: "x.car", data: carBytes(nil, twoRoots), want: bundle.ErrBadBundle},
		{name: "truncated tarball", file: "v10.tar.zst", data: v10[:len(v10)/2], want: bundle.ErrBadBundle},
		{name: "garbled tarball", file: "v10.tar.zst", data: garbled, want: bundle.ErrBadBundle},
		{name: "zstd magic then garbage", file: "v10.tar.zst", data: append([]byte{0x28, 0xb5, 0x2f, 0xfd}, bytes.Repeat([]byte{0x11}, 100)...), want: bundle.ErrBadBundle},
		{name: "tarball without bundle members", file: "v10.tar.zst", data: makeTarball(t, map[string][]byte{"README.md": []byte("hi")}), want: bundle.ErrBadBundle, mention: []string{"no bundle for network"}},
		{name: "tarball without bundle members, no version", file: "bundles.tar.zst", data: makeTarball(t, map[string][]byte{"README.md": []byte("hi")}), want: bundle.ErrBadBundle, mention: []string{"builtin-actors-*.car"}},
		{name: "tarball missing the selected network", file: "v10.tar.zst", data: makeTarball(t, map[string][]byte{"builtin-actors-calibrationnet.car": calib}), sel: bundle.Selector{Networks: []string{"mainnet"}}, want: bundle.ErrBadBundle, mention: []string{`"mainnet"`}},
		{name: "tarball member not a CAR", file: "v10.tar.zst", data: makeTarball(t, map[string][]byte{"builtin-actors-mainnet.car": []byte("junk")}), sel: bundle.Selector{Networks: []string{"mainnet"}}, want: blockstore.ErrMalformedCAR, mention: []string{"builtin-actors-mainnet.car"}},
		{name: "tarball member under the wrong name", file: "v10.tar.zst", data: makeTarball(t, map[string][]byte{"builtin-actors-mainnet.car": calib}), sel: bundle.Selector{Networks: []string{"mainnet"}}, want: bundle.ErrManifestMismatch, mention: []string{"builtin-actors-mainnet.car", "v10", "mainnet"}},
		{name: "unknown version", file: "calib.car", data: calib, sel: bundle.Selector{Version: 99}, want: bundle.ErrUnknownVersion, mention: []string{"99"}},
		{name: "unknown version from the file name", file: "v99.tar.zst", data: v10, want: bundle.ErrUnknownVersion, mention: []string{"99"}},
		{name: "unknown network, CAR", file: "calib.car", data: calib, sel: bundle.Selector{Version: 10, Networks: []string{"moon"}}, want: bundle.ErrUnknownNetwork, mention: []string{"moon"}},
		{name: "unknown network, tarball", file: "v10.tar.zst", data: v10, sel: bundle.Selector{Networks: []string{"moon"}}, want: bundle.ErrBadBundle, mention: []string{"moon"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.file, tc.data)
			got, err := bundle.LoadFile(ctx, path, tc.sel, blockstore.NewMemory())
			if err == nil {
				t.Fatalf("LoadFile = %+v, want an error", got)
			}
			checkMentions(t, err, tc.want, append([]string{path}, tc.mention...)...)
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "v10.tar.zst")
	_, err := bundle.LoadFile(context.Background(), missing, bundle.Selector{}, blockstore.NewMemory())
	checkMentions(t, err, bundle.ErrBadBundle, missing)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want os.ErrNotExist", err)
	}
}

func TestLocator(t *testing.T) {
	ctx := context.Background()
	dir, _ := lotusModule(t)
	for _, v := range bundle.Versions() {
		p, err := bundle.Locator{}.Path(ctx, v)
		if err != nil {
			t.Fatalf("Path(%d): %v", v, err)
		}
		if want := filepath.Join(dir, "build", "actors", "v"+strconv.Itoa(v)+".tar.zst"); p != want {
			t.Errorf("Path(%d) = %s, want %s", v, p, want)
		}
	}
	_, err := bundle.Locator{}.Path(ctx, 99)
	checkMentions(t, err, bundle.ErrUnknownVersion, "99")

	own := writeFile(t, "mine.car", []byte("x"))
	if p, err := (bundle.Locator{File: own}).Path(ctx, 99); err != nil || p != own {
		t.Errorf("Locator{File}.Path = %s, %v", p, err)
	}
	missing := filepath.Join(t.TempDir(), "missing.car")
	_, err = bundle.Locator{File: missing}.Path(ctx, 10)
	checkMentions(t, err, bundle.ErrNoBundle, missing)

	// Bundles shipped in a folder of their own.
	shipped := filepath.Join(dir, "build", "actors")
	if p, err := (bundle.Locator{Dir: shipped}).Path(ctx, 18); err != nil || p != filepath.Join(shipped, "v18.tar.zst") {
		t.Errorf("Locator{Dir}.Path = %s, %v", p, err)
	}
	_, err = bundle.Locator{Dir: t.TempDir()}.Path(ctx, 18)
	checkMentions(t, err, bundle.ErrNoBundle, "v18.tar.zst")

	// Without the go command: found in the module cache the environment
	// names, and an error naming the module when it is not there.
	noGo := filepath.Join(t.TempDir(), "no-go")
	cache := strings.TrimSuffix(dir, string(filepath.Separator)+bundle.LotusModule)
	t.Setenv("GOMODCACHE", cache)
	if p, err := (bundle.Locator{GoCommand: noGo}).Path(ctx, 18); err != nil || p != filepath.Join(shipped, "v18.tar.zst") {
		t.Errorf("Path without go = %s, %v", p, err)
	}
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOPATH", t.TempDir())
	_, err = bundle.Locator{GoCommand: noGo}.Path(ctx, 10)
	checkMentions(t, err, bundle.ErrNoBundle, bundle.LotusModule)
}
