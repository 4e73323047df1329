package bundle_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
)

func TestKnownTableMatchesLotus(t *testing.T) {
	_, gen := lotusModule(t)
	if len(gen) != 85 {
		t.Fatalf("builtin_actors_gen.go has %d bundles, expected 85", len(gen))
	}
	known := bundle.KnownBundles()
	if len(known) != len(gen) {
		t.Fatalf("%d known bundles, lotus has %d", len(known), len(gen))
	}
	for _, g := range gen {
		if !slices.Contains(known, bundle.Known{Version: g.Version, Network: g.Network, Manifest: g.Manifest.String()}) {
			t.Errorf("lotus bundle v%d %s %s is not in the known table", g.Version, g.Network, g.Manifest)
		}
		got, err := bundle.KnownManifest(g.Version, g.Network)
		if err != nil || got != g.Manifest {
			t.Errorf("KnownManifest(%d, %s) = %s, %v; lotus has %s", g.Version, g.Network, got, err, g.Manifest)
		}
	}
	if want := []int{8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}; !slices.Equal(bundle.Versions(), want) {
		t.Errorf("Versions = %v, want %v", bundle.Versions(), want)
	}
	for _, v := range bundle.Versions() {
		var want []string
		for _, g := range gen {
			if g.Version == v {
				want = append(want, g.Network)
			}
		}
		slices.Sort(want)
		if got := bundle.Networks(v); !slices.Equal(got, want) {
			t.Errorf("Networks(%d) = %v, lotus has %v", v, got, want)
		}
	}
}

func TestKnownManifestErrors(t *testing.T) {
	cases := []struct {
		version int
		network string
		want    error
		mention []string
	}{
		{99, "mainnet", bundle.ErrUnknownVersion, []string{"99"}},
		{0, "mainnet", bundle.ErrUnknownVersion, []string{" 0 "}},
		{7, "mainnet", bundle.ErrUnknownVersion, []string{"7"}},
		{10, "moon", bundle.ErrUnknownNetwork, []string{`"moon"`, "v10", "calibrationnet"}},
		{10, "hyperspace", bundle.ErrUnknownNetwork, []string{`"hyperspace"`, "v10"}},
		{10, "", bundle.ErrUnknownNetwork, []string{`""`}},
	}
	for _, tc := range cases {
		_, err := bundle.KnownManifest(tc.version, tc.network)
		if !errors.Is(err, tc.want) {
			t.Errorf("KnownManifest(%d, %q): err = %v, want %v", tc.version, tc.network, err, tc.want)
			continue
		}
		for _, m := range tc.mention {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("KnownManifest(%d, %q): error %q does not mention %s", tc.version, tc.network, err, m)
			}
		}
	}
}

// Actor names in manifest order (shared/spec/executor.md §6): they define
// the builtin type ids. Mainnet v8 has the first 11, v9 the first 12, v10+
// all 16; some v8/v9 test networks already have all 16.
var manifestOrder = []string{"system", "init", "cron", "account", "storagepower", "storageminer",
	"storagemarket", "paymentchannel", "multisig", "reward", "verifiedregistry", "datacap",
	"placeholder", "evm", "eam", "ethaccount"}

var mainnetActors = map[int]int{8: 11, 9: 12, 10: 16, 11: 16, 12: 16, 13: 16, 14: 16, 15: 16, 16: 16, 17: 16, 18: 16, 19: 16}

// Manifest data CIDs of mainnet (shared/spec/executor.md §5.1).
var mainnetData = map[int]string{
	8:  "bafy2bzacecfvxn3uhc5qrmdybpp2f65hbk2psppa3fzuxlb5c35bgsxs7puk6",
	9:  "bafy2bzacebhoemuuebamhlw7mbr7ehljkymyaf75ywlw4irms4xv3oosskpyk",
	10: "bafy2bzacea5a4r4pgc5pjcy2kx7mcbjcmc72chs7qqyl5o4jirxiplnqdmpo2",
	11: "bafy2bzacecjwjjpt7z4u2bvkwabsjgllvhvccr6trupvyl2t5ozfc2ie3m3d6",
}

func TestLotusBundlesMatchGen(t *testing.T) {
	_, gen := lotusModule(t)
	loaded := lotusBundles(t)
	if len(loaded) != len(gen) {
		t.Errorf("loaded %d bundles, lotus lists %d", len(loaded), len(gen))
	}
	for _, g := range gen {
		i := slices.IndexFunc(loaded, func(b bundle.Bundle) bool { return b.Version == g.Version && b.Network == g.Network })
		if i < 0 {
			t.Errorf("v%d %s not loaded", g.Version, g.Network)
			continue
		}
		b := loaded[i]
		m := b.Manifest
		name := fmt.Sprintf("v%d %s", g.Version, g.Network)
		if m.Root != g.Manifest {
			t.Errorf("%s: manifest %s, lotus has %s", name, m.Root, g.Manifest)
		}
		if bundle.RootOf(m.Data) != m.Root {
			t.Errorf("%s: RootOf(data %s) = %s, manifest is %s", name, m.Data, bundle.RootOf(m.Data), m.Root)
		}
		if !strings.Contains(b.Source, fmt.Sprintf("v%d.tar.zst:", g.Version)) || !strings.Contains(b.Source, "builtin-actors-"+g.Network+".car") {
			t.Errorf("%s: Source = %q", name, b.Source)
		}
		if len(m.Entries) != len(g.Actors) {
			t.Errorf("%s: %d actors, lotus has %d", name, len(m.Entries), len(g.Actors))
		}
		var names []string
		for i, e := range m.Entries {
			names = append(names, e.Name)
			if want, ok := g.Actors[e.Name]; !ok || want != e.Code {
				t.Errorf("%s: actor %s code %s, lotus has %s", name, e.Name, e.Code, want)
			}
			if c, ok := m.Code(e.Name); !ok || c != e.Code {
				t.Errorf("%s: Code(%s) = %s, %v", name, e.Name, c, ok)
			}
			got, typ, ok := m.Lookup(e.Code)
			if !ok || got != e || typ != i+1 || m.BuiltinType(e.Code) != i+1 {
				t.Errorf("%s: Lookup(%s) = %v, %d, %v; want type %d", name, e.Code, got, typ, ok, i+1)
			}
			if c, ok := m.CodeByType(i + 1); !ok || c != e.Code {
				t.Errorf("%s: CodeByType(%d) = %s", name, i+1, c)
			}
		}
		if len(names) > len(manifestOrder) || !slices.Equal(names, manifestOrder[:len(names)]) {
			t.Errorf("%s: manifest order %v, want %v", name, names, manifestOrder)
		}
		if g.Network == "mainnet" && len(names) != mainnetActors[g.Version] {
			t.Errorf("%s: %d actors, want %d", name, len(names), mainnetActors[g.Version])
		}
		if _, ok := m.CodeByType(0); ok {
			t.Errorf("%s: CodeByType(0) found a code", name)
		}
		if _, ok := m.CodeByType(len(m.Entries) + 1); ok {
			t.Errorf("%s: CodeByType(N+1) found a code", name)
		}
		if _, ok := m.Code("nosuchactor"); ok {
			t.Errorf("%s: Code(nosuchactor) found a code", name)
		}
		if m.BuiltinType(g.Manifest) != 0 {
			t.Errorf("%s: the manifest CID has a builtin type", name)
		}
		if g.Network == "mainnet" && mainnetData[g.Version] != "" && m.Data.String() != mainnetData[g.Version] {
			t.Errorf("%s: manifest data %s, spec says %s", name, m.Data, mainnetData[g.Version])
		}
		// Identify finds the bundle, except where lotus lists one manifest
		// twice (caterpillarnet v8 and v9 share one; v19 is v18 everywhere).
		if k, ok := bundle.Identify(m.Root); !ok || k.Manifest != m.Root.String() {
			t.Errorf("%s: Identify = %+v, %v", name, k, ok)
		} else if shared := countManifest(gen, g.Manifest); shared == 1 && (k.Version != g.Version || k.Network != g.Network) {
			t.Errorf("%s: Identify = v%d %s", name, k.Version, k.Network)
		}
		if k, ok := bundle.IdentifyData(m.Data); !ok || k.Manifest != m.Root.String() {
			t.Errorf("%s: IdentifyData = %+v, %v", name, k, ok)
		}
	}
}

func countManifest(gen []genBundle, c cid.Cid) int {
	n := 0
	for _, g := range gen {
		if g.Manifest == c {
			n++
		}
	}
	return n
}

// The issue asks for mainnet and calibrationnet of every version, each loaded
// on its own with an explicit selector.
func TestLoadMainnetAndCalibrationnet(t *testing.T) {
	_, gen := lotusModule(t)
	ctx := context.Background()
	for _, v := range bundle.Versions() {
		path := tarballPath(t, v)
		bs := blockstore.NewMemory()
		got, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: v, Networks: []string{"mainnet", "calibrationnet"}}, bs)
		if err != nil {
			t.Errorf("v%d: %v", v, err)
			continue
		}
		if len(got) != 2 {
			t.Errorf("v%d: %d bundles, want 2", v, len(got))
		}
		for _, b := range got {
			i := slices.IndexFunc(gen, func(g genBundle) bool { return g.Version == v && g.Network == b.Network })
			if i < 0 || gen[i].Manifest != b.Manifest.Root {
				t.Errorf("v%d %s: manifest %s", v, b.Network, b.Manifest.Root)
				continue
			}
			for name, code := range gen[i].Actors {
				if c, ok := b.Manifest.Code(name); !ok || c != code {
					t.Errorf("v%d %s: %s = %s, lotus has %s", v, b.Network, name, c, code)
				}
				// The bundle's blocks (the actor Wasm) are in the store.
				if ok, _ := bs.Has(ctx, code); !ok {
					t.Errorf("v%d %s: code %s (%s) not in the store", v, b.Network, name, code)
				}
			}
		}
	}
}

// A single CAR is identified by its manifest CID.
func TestLoadSingleCAR(t *testing.T) {
	ctx := context.Background()
	car := extractCAR(t, 10, "calibrationnet")
	path := writeFile(t, "calib.car", car)
	want, _ := bundle.KnownManifest(10, "calibrationnet")
	for _, sel := range []bundle.Selector{{}, {Version: 10}, {Networks: []string{"calibrationnet"}}, {Version: 10, Networks: []string{"calibrationnet"}}} {
		got, err := bundle.LoadFile(ctx, path, sel, blockstore.NewMemory())
		if err != nil {
			t.Errorf("selector %+v: %v", sel, err)
			continue
		}
		if len(got) != 1 || got[0].Version != 10 || got[0].Network != "calibrationnet" || got[0].Manifest.Root != want || got[0].Source != path {
			t.Errorf("selector %+v: %+v", sel, got)
		}
	}
}

// checkMentions fails unless err wraps target and mentions every string.
func checkMentions(t *testing.T, err, target error, mentions ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %v", target)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
	for _, m := range mentions {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

func TestManifestMismatch(t *testing.T) {
	ctx := context.Background()
	v10Mainnet, _ := bundle.KnownManifest(10, "mainnet")
	v10Calib, _ := bundle.KnownManifest(10, "calibrationnet")
	calibCAR := writeFile(t, "calibrationnet.car", extractCAR(t, 10, "calibrationnet"))

	t.Run("calibrationnet CAR claimed as mainnet", func(t *testing.T) {
		_, err := bundle.LoadFile(ctx, calibCAR, bundle.Selector{Version: 10, Networks: []string{"mainnet"}}, blockstore.NewMemory())
		checkMentions(t, err, bundle.ErrManifestMismatch, calibCAR, "v10", "mainnet", v10Calib.String(), v10Mainnet.String())
	})
	t.Run("calibrationnet CAR claimed as mainnet, no version", func(t *testing.T) {
		_, err := bundle.LoadFile(ctx, calibCAR, bundle.Selector{Networks: []string{"mainnet"}}, blockstore.NewMemory())
		checkMentions(t, err, bundle.ErrManifestMismatch, calibCAR, "mainnet", "calibrationnet", v10Calib.String())
	})
	t.Run("v10 CAR claimed as v11", func(t *testing.T) {
		_, err := bundle.LoadFile(ctx, calibCAR, bundle.Selector{Version: 11}, blockstore.NewMemory())
		checkMentions(t, err, bundle.ErrManifestMismatch, calibCAR, "v10", "v11", v10Calib.String())
	})
	t.Run("v10 CAR claimed as v11 calibrationnet", func(t *testing.T) {
		v11Calib, _ := bundle.KnownManifest(11, "calibrationnet")
		_, err := bundle.LoadFile(ctx, calibCAR, bundle.Selector{Version: 11, Networks: []string{"calibrationnet"}}, blockstore.NewMemory())
		checkMentions(t, err, bundle.ErrManifestMismatch, calibCAR, "v11", "calibrationnet", v10Calib.String(), v11Calib.String())
	})

	// The v10 tarball read as v11, by selector and by file name.
	v10 := tarballPath(t, 10)
	renamed := filepath.Join(t.TempDir(), "v11.tar.zst")
	data, err := os.ReadFile(v10)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(renamed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, load := range map[string]func() error{
		"v10 tarball claimed as v11": func() error {
			_, err := bundle.LoadFile(ctx, v10, bundle.Selector{Version: 11}, blockstore.NewMemory())
			return err
		},
		"v10 tarball named v11.tar.zst": func() error {
			_, err := bundle.LoadFile(ctx, renamed, bundle.Selector{}, blockstore.NewMemory())
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := load()
			checkMentions(t, err, bundle.ErrManifestMismatch, "v11")
			// The error names the member, and so the network, and both CIDs.
			named := false
			for _, n := range bundle.Networks(11) {
				if !strings.Contains(err.Error(), "builtin-actors-"+n+".car") {
					continue
				}
				named = true
				got, _ := bundle.KnownManifest(10, n)
				want, _ := bundle.KnownManifest(11, n)
				checkMentions(t, err, nil, ".tar.zst:", " "+n+":", got.String(), want.String())
			}
			if !named {
				t.Errorf("error %q names no network", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	want, _ := bundle.KnownManifest(12, "mainnet")
	other, _ := bundle.KnownManifest(12, "devnet")
	if err := bundle.Verify("x.car", 12, "mainnet", want); err != nil {
		t.Errorf("Verify of the known manifest: %v", err)
	}
	err := bundle.Verify("x.car", 12, "mainnet", other)
	checkMentions(t, err, bundle.ErrManifestMismatch, "x.car", "v12", "mainnet", want.String(), other.String())
	checkMentions(t, bundle.Verify("y.car", 99, "mainnet", want), bundle.ErrUnknownVersion, "y.car", "99")
	checkMentions(t, bundle.Verify("z.car", 12, "moon", want), bundle.ErrUnknownNetwork, "z.car", "moon")
}

// Lotus lists some manifests under two versions: caterpillarnet v8 and v9
// share one, and v19 of every network is v18's (lotus v1.36.2 packs the
// v18.0.0 release as both). A single CAR of such a manifest must load as
// whichever version the caller asks for, and as the lower one when the
// caller does not say.
func TestLoadSharedManifestCAR(t *testing.T) {
	ctx := context.Background()
	type pair struct {
		network   string
		low, high int
	}
	var shared []pair
	known := bundle.KnownBundles()
	for i, a := range known {
		for _, b := range known[i+1:] {
			if a.Manifest == b.Manifest && a.Network == b.Network {
				shared = append(shared, pair{a.Network, a.Version, b.Version})
			}
		}
	}
	for _, want := range []pair{{"caterpillarnet", 8, 9}, {"mainnet", 18, 19}, {"calibrationnet", 18, 19}} {
		if !slices.Contains(shared, want) {
			t.Errorf("%s v%d and v%d do not share a manifest", want.network, want.low, want.high)
		}
	}
	for _, p := range shared {
		t.Run(fmt.Sprintf("%s-v%d-v%d", p.network, p.low, p.high), func(t *testing.T) {
			root, _ := bundle.KnownManifest(p.high, p.network)
			if k, ok := bundle.Identify(root); !ok || k.Version != p.low || k.Network != p.network {
				t.Errorf("Identify(%s) = %+v, %v; want v%d %s", root, k, ok, p.low, p.network)
			}
			path := writeFile(t, p.network+".car", extractCAR(t, p.high, p.network))
			type loadCase struct {
				sel  bundle.Selector
				want int
			}
			cases := []loadCase{{bundle.Selector{}, p.low}, {bundle.Selector{Networks: []string{p.network}}, p.low}}
			for _, v := range []int{p.low, p.high} {
				cases = append(cases, loadCase{bundle.Selector{Version: v}, v},
					loadCase{bundle.Selector{Version: v, Networks: []string{p.network}}, v})
			}
			for _, tc := range cases {
				got, err := bundle.LoadFile(ctx, path, tc.sel, blockstore.NewMemory())
				if err != nil {
					t.Errorf("selector %+v: %v", tc.sel, err)
					continue
				}
				if len(got) != 1 || got[0].Version != tc.want || got[0].Network != p.network || got[0].Manifest.Root != root {
					t.Errorf("selector %+v: %+v, want v%d %s", tc.sel, got, tc.want, p.network)
				}
			}
		})
	}
}
