package conformance_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/filecoin-project/go-address"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/internal/state"
)

// v10Mainnet loads the actors v10 mainnet manifest from the lotus bundle.
func v10Mainnet(t *testing.T) *bundle.Manifest {
	t.Helper()
	ctx := context.Background()
	path, err := bundle.Locator{}.Path(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: 10, Networks: []string{"mainnet"}}, blockstore.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Manifest.Root.String() != "bafy2bzacecsuyf7mmvrhkx2evng5gnz5canlnz2fdlzu2lvcgptiq2pzuovos" {
		t.Fatalf("v10 mainnet bundle: %+v", bs)
	}
	return bs[0].Manifest
}

// Every nv18 vector's pre-state loads, names the v10 mainnet manifest, and
// every message's sender and receiver are actors of v10 mainnet builtin code.
// (Vectors of other network versions, such as fvm-test-vectors' nv17 shark
// corpus, run other actors and are passed over.)
func TestVectorsUseV10Actors(t *testing.T) {
	ctx := context.Background()
	files := vectorFiles(t)
	manifest := v10Mainnet(t)
	kinds := map[string]int{}
	for _, f := range files {
		name := filepath.Base(f)
		v, err := conformance.LoadVector(f)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if v.Preconditions.Variants[0].NV != 18 {
			continue
		}
		bs := blockstore.NewMemory()
		if err := v.LoadCAR(ctx, bs); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		tree, err := state.Load(ctx, bs, v.PreRoot())
		if err != nil {
			t.Errorf("%s: pre-state: %v", name, err)
			continue
		}
		data, err := tree.ManifestData(ctx)
		if err != nil || data != manifest.Data {
			t.Errorf("%s: system actor names manifest data %s (%v), v10 mainnet is %s", name, data, err, manifest.Data)
		}
		msgs, err := v.Messages()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for i, d := range msgs {
			for role, addr := range map[string]address.Address{"sender": d.Message.From, "receiver": d.Message.To} {
				act, id, err := tree.GetActorByAddress(ctx, addr)
				if err != nil || act == nil {
					t.Errorf("%s: message %d %s %s: no actor (%v)", name, i, role, addr, err)
					continue
				}
				e, typ, ok := manifest.Lookup(act.Code)
				if !ok {
					t.Errorf("%s: message %d %s %s (f0%d) has code %s, not a v10 mainnet actor", name, i, role, addr, id, act.Code)
					continue
				}
				if typ < 1 || typ > 16 {
					t.Errorf("%s: builtin type %d", name, typ)
				}
				kinds[role+" "+e.Name]++
			}
		}
	}
	t.Logf("%d vectors; actors: %v", len(files), kinds)
}
