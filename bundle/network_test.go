package bundle_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	actorstypes "github.com/filecoin-project/go-state-types/actors"
	"github.com/filecoin-project/go-state-types/network"

	"github.com/go-fvm/go-fvm/bundle"
)

func TestActorsVersionFor(t *testing.T) {
	want := map[network.Version]int{
		network.Version16: 8, network.Version17: 9, network.Version18: 10,
		network.Version19: 11, network.Version20: 11, network.Version21: 12,
		network.Version22: 13, network.Version23: 14, network.Version24: 15,
		network.Version25: 16, network.Version26: 16, network.Version27: 17,
		network.Version28: 18, network.Version29: 19,
	}
	for nv := network.Version0; nv <= network.Version29+3; nv++ {
		got, err := bundle.ActorsVersionFor(nv)
		w, ok := want[nv]
		if !ok {
			if !errors.Is(err, bundle.ErrUnknownNetworkVersion) || !strings.Contains(err.Error(), fmt.Sprint(nv)) {
				t.Errorf("nv%d: %d, %v; want ErrUnknownNetworkVersion naming it", nv, got, err)
			}
			continue
		}
		if err != nil || got != w {
			t.Errorf("nv%d: v%d, %v; want v%d", nv, got, err, w)
		}
		// go-state-types agrees, and the version has bundles.
		if gst, err := actorstypes.VersionForNetwork(nv); err != nil || int(gst) != got {
			t.Errorf("nv%d: go-state-types says v%d (%v), we say v%d", nv, gst, err, got)
		}
		if !slices.Contains(bundle.Versions(), got) {
			t.Errorf("nv%d: actors v%d has no known bundle", nv, got)
		}
		if !slices.Contains(bundle.NetworkVersionsFor(got), nv) {
			t.Errorf("NetworkVersionsFor(%d) = %v, lacks nv%d", got, bundle.NetworkVersionsFor(got), nv)
		}
	}
	// Every known actors version is run by some network version.
	for _, v := range bundle.Versions() {
		if len(bundle.NetworkVersionsFor(v)) == 0 {
			t.Errorf("actors v%d: no network version", v)
		}
	}
	if got := bundle.NetworkVersionsFor(16); !slices.Equal(got, []network.Version{network.Version25, network.Version26}) {
		t.Errorf("NetworkVersionsFor(16) = %v", got)
	}
	if got := bundle.NetworkVersionsFor(99); got != nil {
		t.Errorf("NetworkVersionsFor(99) = %v", got)
	}
}

func TestDefaults(t *testing.T) {
	v, err := bundle.ActorsVersionFor(bundle.DefaultNetworkVersion)
	if err != nil || v != bundle.DefaultActorsVersion {
		t.Errorf("ActorsVersionFor(default nv%d) = v%d, %v; default actors v%d", bundle.DefaultNetworkVersion, v, err, bundle.DefaultActorsVersion)
	}
	if _, err := bundle.KnownManifest(bundle.DefaultActorsVersion, "mainnet"); err != nil {
		t.Errorf("default actors v%d: %v", bundle.DefaultActorsVersion, err)
	}
}
