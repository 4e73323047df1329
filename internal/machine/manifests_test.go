package machine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/ipfs/go-cid"
)

func TestManifestCache(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 5)
	data := f.manifest.Data
	empty := blockstore.NewMemory()
	missing, _ := cid.Decode("bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4")

	c := machine.NewManifestCache()
	m, err := c.Load(ctx, f.bs, data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Data != data || len(m.Entries) != len(f.manifest.Entries) {
		t.Fatalf("loaded %s with %d entries, want %s with %d", m.Data, len(m.Entries), data, len(f.manifest.Entries))
	}
	cases := []struct {
		name  string
		cache *machine.ManifestCache
		bs    blockstore.Blockstore
		data  cid.Cid
		same  bool // the cached manifest itself
		err   bool
	}{
		{"hit from the store", c, f.bs, data, true, false},
		{"hit skips the store", c, empty, data, true, false},
		{"nil cache reads the store", nil, empty, data, false, true},
		{"miss not in the store", c, empty, missing, false, true},
		{"a failed load is not cached", c, empty, missing, false, true},
	}
	for _, tc := range cases {
		got, err := tc.cache.Load(ctx, tc.bs, tc.data)
		if tc.err {
			if !errors.Is(err, bundle.ErrBadManifest) {
				t.Errorf("%s: err %v, want ErrBadManifest", tc.name, err)
			}
			continue
		}
		if err != nil || (got == m) != tc.same {
			t.Errorf("%s: %p, %v; cached %p", tc.name, got, err, m)
		}
	}
}
