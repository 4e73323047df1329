package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/klauspost/compress/zstd"

	"github.com/go-fvm/go-fvm/blockstore"
)

// ErrBadBundle is returned (wrapped) when a bundle file cannot be read.
var ErrBadBundle = errors.New("bad bundle")

// zstdMagic starts every zstd frame; a CAR never starts with it.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// tarballName matches lotus's bundle tarball names, e.g. "v10.tar.zst".
var tarballName = regexp.MustCompile(`^v([0-9]+)\.tar\.zst$`)

// carPrefix and carSuffix frame the network in a tarball member's name.
const (
	carPrefix = "builtin-actors-"
	carSuffix = ".car"
)

// Bundle is a builtin-actors bundle loaded into a blockstore.
type Bundle struct {
	// Version is the actors version.
	Version int
	// Network is the network the bundle is built for.
	Network string
	// Source names where it was read from: the file, and for a tarball the member.
	Source string
	// Manifest is the bundle's manifest.
	Manifest *Manifest
}

// Selector picks what to load from a bundle file.
type Selector struct {
	// Version is the actors version expected. Zero means: infer it from a
	// tarball's name (vN.tar.zst), or else from the manifest CID.
	Version int
	// Networks lists the networks to load. Empty means every network the table
	// of known bundles has for the version (or, if the version is not known
	// yet, every network in the file).
	Networks []string
}

// LoadFile loads the bundles selected from a file into bs, checking each
// manifest against the table of known bundles. The file is a zstd tarball of
// per-network CARs named builtin-actors-NETWORK.car, or a single CAR.
func LoadFile(ctx context.Context, file string, sel Selector, bs blockstore.Blockstore) ([]Bundle, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	defer f.Close()
	if sel.Version == 0 {
		if m := tarballName.FindStringSubmatch(filepath.Base(file)); m != nil {
			sel.Version, _ = strconv.Atoi(m[1])
		}
	}
	return Load(ctx, file, f, sel, bs)
}

// Load is LoadFile for a reader; name identifies the input in errors.
func Load(ctx context.Context, name string, r io.Reader, sel Selector, bs blockstore.Blockstore) ([]Bundle, error) {
	if sel.Version != 0 && !slices.Contains(Versions(), sel.Version) {
		return nil, fmt.Errorf("%s: %w %d (known: %v)", name, ErrUnknownVersion, sel.Version, Versions())
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(len(zstdMagic))
	if bytes.Equal(head, zstdMagic) {
		return loadTarball(ctx, name, br, sel, bs)
	}
	network := ""
	if len(sel.Networks) == 1 {
		network = sel.Networks[0]
	}
	b, err := loadCAR(ctx, name, br, sel.Version, network, bs)
	if err != nil {
		return nil, err
	}
	return []Bundle{b}, nil
}

func loadTarball(ctx context.Context, name string, r io.Reader, sel Selector, bs blockstore.Blockstore) ([]Bundle, error) {
	zr, err := zstd.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: zstd: %w", name, ErrBadBundle, err)
	}
	defer zr.Close()

	want := sel.Networks
	if len(want) == 0 && sel.Version != 0 {
		want = Networks(sel.Version)
	}
	var out []Bundle
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w: tar: %w", name, ErrBadBundle, err)
		}
		network, ok := memberNetwork(hdr)
		if !ok || (len(want) > 0 && !slices.Contains(want, network)) {
			continue
		}
		b, err := loadCAR(ctx, name+":"+hdr.Name, tr, sel.Version, network, bs)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	for _, n := range want {
		if !slices.ContainsFunc(out, func(b Bundle) bool { return b.Network == n }) {
			return nil, fmt.Errorf("%s: %w: no bundle for network %q", name, ErrBadBundle, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: no %s*%s member", name, ErrBadBundle, carPrefix, carSuffix)
	}
	return out, nil
}

// memberNetwork returns the network of a tarball member builtin-actors-NETWORK.car.
func memberNetwork(hdr *tar.Header) (string, bool) {
	if hdr.Typeflag != tar.TypeReg {
		return "", false
	}
	base := path.Base(hdr.Name)
	if !strings.HasPrefix(base, carPrefix) || !strings.HasSuffix(base, carSuffix) {
		return "", false
	}
	return strings.TrimSuffix(strings.TrimPrefix(base, carPrefix), carSuffix), true
}

// loadCAR loads one bundle CAR and checks its manifest. With version and
// network both known, the manifest must be the known one for them; otherwise
// the manifest CID must be in the table, and agree with what is known.
func loadCAR(ctx context.Context, name string, r io.Reader, version int, network string, bs blockstore.Blockstore) (Bundle, error) {
	roots, _, err := blockstore.LoadCAR(ctx, r, bs)
	if err != nil {
		return Bundle{}, fmt.Errorf("%s: %w: %w", name, ErrBadBundle, err)
	}
	if len(roots) != 1 {
		return Bundle{}, fmt.Errorf("%s: %w: %d roots, expected 1 (the manifest)", name, ErrBadBundle, len(roots))
	}
	root := roots[0]
	if version == 0 || network == "" {
		k, err := identifyFor(name, root, version, network)
		if err != nil {
			return Bundle{}, err
		}
		version, network = k.Version, k.Network
	}
	if err := Verify(name, version, network, root); err != nil {
		return Bundle{}, err
	}
	m, err := LoadManifest(ctx, bs, root)
	if err != nil {
		return Bundle{}, fmt.Errorf("%s: %w", name, err)
	}
	return Bundle{Version: version, Network: network, Source: name, Manifest: m}, nil
}

// identifyFor returns the known bundle whose manifest is root and that agrees
// with version and network where they are set. One manifest can be known
// under several versions (lotus lists caterpillarnet v8 and v9 with the same
// one), so every entry is considered, not just the first.
func identifyFor(name string, root cid.Cid, version int, network string) (Known, error) {
	var first *Known
	for _, k := range knownManifests {
		if k.Manifest != root.String() {
			continue
		}
		if (version == 0 || k.Version == version) && (network == "" || k.Network == network) {
			return k, nil
		}
		if first == nil {
			first = &k
		}
	}
	switch {
	case first == nil:
		return Known{}, fmt.Errorf("%s: %w: manifest %s is not a known bundle", name, ErrManifestMismatch, root)
	case version != 0 && first.Version != version:
		return Known{}, fmt.Errorf("%s: %w: manifest %s is actors v%d, not v%d", name, ErrManifestMismatch, root, first.Version, version)
	default:
		return Known{}, fmt.Errorf("%s: %w: manifest %s is %s, not %s", name, ErrManifestMismatch, root, first.Network, network)
	}
}

// Verify checks that root is the known manifest of actors version and network;
// the error names the input, the version, the network and both CIDs.
func Verify(name string, version int, network string, root cid.Cid) error {
	want, err := KnownManifest(version, network)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if root != want {
		return fmt.Errorf("%s: actors v%d %s: %w: manifest %s, expected %s", name, version, network, ErrManifestMismatch, root, want)
	}
	return nil
}
