package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
)

// ErrBadManifest is returned (wrapped) when a manifest cannot be decoded.
var ErrBadManifest = errors.New("bad manifest")

// manifestVersion is the only manifest format the FVM knows.
const manifestVersion = 1

// maxManifestEntries bounds the entry list of a manifest we decode.
const maxManifestEntries = 1 << 10

// Entry is one actor of a manifest.
type Entry struct {
	Name string
	Code cid.Cid
}

// Manifest maps builtin actor names to code CIDs. The FVM numbers entries
// 1..N in manifest order: that number is the actor's builtin type id.
type Manifest struct {
	// Root is the manifest CID (lotus's ManifestCid): a block [1, Data].
	Root cid.Cid
	// Data is the CID of the entry list, which the system actor stores.
	Data cid.Cid
	// Entries are the actors in manifest order.
	Entries []Entry

	byName map[string]int
	byCode map[cid.Cid]int
}

// LoadManifest reads the manifest whose root block is root.
func LoadManifest(ctx context.Context, bs blockstore.Blockstore, root cid.Cid) (*Manifest, error) {
	blk, err := bs.Get(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("%w: root %s: %w", ErrBadManifest, root, err)
	}
	cr := cbg.NewCborReader(bytes.NewReader(blk.RawData()))
	if err := expectArray(cr, 2); err != nil {
		return nil, fmt.Errorf("%w: root %s: %w", ErrBadManifest, root, err)
	}
	maj, version, err := cr.ReadHeader()
	if err != nil || maj != cbg.MajUnsignedInt {
		return nil, fmt.Errorf("%w: root %s: version is not an unsigned integer", ErrBadManifest, root)
	}
	if version != manifestVersion {
		return nil, fmt.Errorf("%w: root %s: unsupported manifest version %d", ErrBadManifest, root, version)
	}
	data, err := cbg.ReadCid(cr)
	if err != nil {
		return nil, fmt.Errorf("%w: root %s: data link: %w", ErrBadManifest, root, err)
	}
	m, err := LoadManifestData(ctx, bs, data)
	if err != nil {
		return nil, err
	}
	m.Root = root
	return m, nil
}

// LoadManifestData reads a manifest from its entry list (the CID the system
// actor's state holds). Root is the version-1 manifest block over it.
func LoadManifestData(ctx context.Context, bs blockstore.Blockstore, data cid.Cid) (*Manifest, error) {
	blk, err := bs.Get(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("%w: data %s: %w", ErrBadManifest, data, err)
	}
	entries, err := decodeEntries(blk.RawData())
	if err != nil {
		return nil, fmt.Errorf("%w: data %s: %w", ErrBadManifest, data, err)
	}
	m, err := NewManifest(entries)
	if err != nil {
		return nil, fmt.Errorf("%w: data %s: %w", ErrBadManifest, data, err)
	}
	m.Data, m.Root = data, RootOf(data)
	return m, nil
}

// NewManifest indexes entries; names and code CIDs must be unique.
func NewManifest(entries []Entry) (*Manifest, error) {
	m := &Manifest{
		Entries: entries,
		byName:  make(map[string]int, len(entries)),
		byCode:  make(map[cid.Cid]int, len(entries)),
	}
	for i, e := range entries {
		if _, dup := m.byName[e.Name]; dup {
			return nil, fmt.Errorf("actor name %q appears twice", e.Name)
		}
		if _, dup := m.byCode[e.Code]; dup {
			return nil, fmt.Errorf("code %s appears twice", e.Code)
		}
		m.byName[e.Name] = i
		m.byCode[e.Code] = i
	}
	return m, nil
}

func decodeEntries(data []byte) ([]Entry, error) {
	cr := cbg.NewCborReader(bytes.NewReader(data))
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return nil, err
	}
	if maj != cbg.MajArray {
		return nil, fmt.Errorf("entries are major type %d, not an array", maj)
	}
	if n > maxManifestEntries {
		return nil, fmt.Errorf("%d entries, more than %d", n, maxManifestEntries)
	}
	entries := make([]Entry, 0, n)
	for i := range n {
		if err := expectArray(cr, 2); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		name, err := cbg.ReadStringWithMax(cr, 256)
		if err != nil {
			return nil, fmt.Errorf("entry %d: name: %w", i, err)
		}
		code, err := cbg.ReadCid(cr)
		if err != nil {
			return nil, fmt.Errorf("entry %d (%s): code: %w", i, name, err)
		}
		entries = append(entries, Entry{Name: name, Code: code})
	}
	return entries, nil
}

func expectArray(cr *cbg.CborReader, n uint64) error {
	maj, got, err := cr.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray || got != n {
		return fmt.Errorf("expected an array of %d, got major type %d length %d", n, maj, got)
	}
	return nil
}

// Code returns the code CID of the named actor.
func (m *Manifest) Code(name string) (cid.Cid, bool) {
	i, ok := m.byName[name]
	if !ok {
		return cid.Undef, false
	}
	return m.Entries[i].Code, true
}

// Lookup returns the entry for a code CID and its builtin type id (1-based).
func (m *Manifest) Lookup(code cid.Cid) (Entry, int, bool) {
	i, ok := m.byCode[code]
	if !ok {
		return Entry{}, 0, false
	}
	return m.Entries[i], i + 1, true
}

// BuiltinType returns the builtin type id of code, or 0 if code is not a
// builtin actor of this manifest.
func (m *Manifest) BuiltinType(code cid.Cid) int {
	_, t, _ := m.Lookup(code)
	return t
}

// CodeByType returns the code CID of builtin type id t (1-based).
func (m *Manifest) CodeByType(t int) (cid.Cid, bool) {
	if t < 1 || t > len(m.Entries) {
		return cid.Undef, false
	}
	return m.Entries[t-1].Code, true
}
