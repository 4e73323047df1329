package conformance_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/filecoin-project/go-address"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/internal/state"
)

// mainnetManifest loads an actors version's mainnet manifest from the
// lotus bundle.
func mainnetManifest(t *testing.T, version int) *bundle.Manifest {
	t.Helper()
	ctx := context.Background()
	path, err := bundle.Locator{}.Path(ctx, version)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: version, Networks: []string{"mainnet"}}, blockstore.NewMemory())
	if err != nil || len(bs) != 1 {
		t.Fatalf("v%d mainnet bundle: %+v %v", version, bs, err)
	}
	return bs[0].Manifest
}

// corpusActors is what each corpus's vectors run on: the actors version and
// the state-tree version of their network version.
var corpusActors = map[uint]struct {
	actors   int
	manifest string
	tree     uint64
}{
	17: {9, "bafy2bzaceb6j6666h36xnhksu3ww4kxb6e25niayfgkdnifaqi6m6ooc66i6i", state.Version4},
	18: {10, "bafy2bzacecsuyf7mmvrhkx2evng5gnz5canlnz2fdlzu2lvcgptiq2pzuovos", state.Version5},
}

// Every nv17 and nv18 vector's pre-state loads, is a tree of its network
// version's state-tree version, names the mainnet manifest of its actors
// (v9, v10), and every message's sender and receiver are actors of that
// manifest's builtin code.
func TestVectorsUseMainnetActors(t *testing.T) {
	ctx := context.Background()
	files := vectorFiles(t)
	manifests := map[uint]*bundle.Manifest{}
	for nv, c := range corpusActors {
		manifests[nv] = mainnetManifest(t, c.actors)
		if got := manifests[nv].Root.String(); got != c.manifest {
			t.Fatalf("v%d mainnet manifest %s, want %s", c.actors, got, c.manifest)
		}
	}
	kinds := map[string]int{}
	for _, f := range files {
		name := filepath.Base(f)
		v, err := conformance.LoadVector(f)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		nv := v.Preconditions.Variants[0].NV
		manifest, ok := manifests[nv]
		if !ok {
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
		if tree.Version() != corpusActors[nv].tree {
			t.Errorf("%s: nv%d pre-state tree version %d", name, nv, tree.Version())
		}
		data, err := tree.ManifestData(ctx)
		if err != nil || data != manifest.Data {
			t.Errorf("%s: system actor names manifest data %s (%v), v%d mainnet is %s", name, data, err, corpusActors[nv].actors, manifest.Data)
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
					t.Errorf("%s: message %d %s %s (f0%d) has code %s, not a v%d mainnet actor", name, i, role, addr, id, act.Code, corpusActors[nv].actors)
					continue
				}
				if typ < 1 || typ > 16 {
					t.Errorf("%s: builtin type %d", name, typ)
				}
				kinds[fmt.Sprintf("nv%d %s %s", nv, role, e.Name)]++
			}
		}
	}
	t.Logf("%d vectors; actors: %v", len(files), kinds)
}
