package devnet

import (
	"fmt"
	"slices"

	"github.com/filecoin-project/go-state-types/network"

	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/genesis"
)

// networkActors maps network versions to the actors versions they run
// (go-state-types actors.VersionForNetwork), from nv21 (FVM v4).
var networkActors = map[network.Version]int{
	network.Version21: 12, network.Version22: 13, network.Version23: 14, network.Version24: 15,
	network.Version25: 16, network.Version26: 16, network.Version27: 17, network.Version28: 18,
	network.Version29: 19,
}

// ActorsVersion returns the actors version a network version runs, if the
// devnet can build its genesis (its bundle is known and genesis supports it).
func ActorsVersion(nv network.Version) (int, error) {
	av, ok := networkActors[nv]
	if !ok || !slices.Contains(bundle.Versions(), av) || !slices.Contains(genesis.Versions(), av) {
		return 0, fmt.Errorf("%w: network version %d is not supported (supported: %v)", ErrConfig, nv, SupportedNetworkVersions())
	}
	return av, nil
}

// SupportedNetworkVersions lists the network versions a devnet can run, ascending.
func SupportedNetworkVersions() []network.Version {
	var out []network.Version
	for nv, av := range networkActors {
		if slices.Contains(bundle.Versions(), av) && slices.Contains(genesis.Versions(), av) {
			out = append(out, nv)
		}
	}
	slices.Sort(out)
	return out
}

// DefaultNetworkVersion is the newest network version the bundles support.
func DefaultNetworkVersion() (network.Version, error) {
	vs := SupportedNetworkVersions()
	if len(vs) == 0 {
		return 0, fmt.Errorf("%w: no network version has both a known bundle and genesis support", ErrConfig)
	}
	return vs[len(vs)-1], nil
}
