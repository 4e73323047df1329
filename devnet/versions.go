package devnet

import (
	"fmt"
	"slices"

	"github.com/filecoin-project/go-state-types/network"

	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/genesis"
)

// ActorsVersion returns the actors version a network version runs, if the
// devnet can build its genesis (its bundle is known and genesis supports it).
func ActorsVersion(nv network.Version) (int, error) {
	av, err := bundle.ActorsVersionFor(nv)
	if err != nil || !slices.Contains(bundle.Versions(), av) || !slices.Contains(genesis.Versions(), av) {
		return 0, fmt.Errorf("%w: network version %d is not supported (supported: %v)", ErrConfig, nv, SupportedNetworkVersions())
	}
	return av, nil
}

// SupportedNetworkVersions lists the network versions a devnet can run, ascending.
func SupportedNetworkVersions() []network.Version {
	var out []network.Version
	for _, av := range genesis.Versions() {
		if slices.Contains(bundle.Versions(), av) {
			out = append(out, bundle.NetworkVersionsFor(av)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// DefaultNetworkVersion is the network version a devnet runs unless told
// otherwise: the bundles' default (the one mainnet runs today), when the
// devnet supports it, or else the newest it supports.
func DefaultNetworkVersion() (network.Version, error) {
	if _, err := ActorsVersion(bundle.DefaultNetworkVersion); err == nil {
		return bundle.DefaultNetworkVersion, nil
	}
	vs := SupportedNetworkVersions()
	if len(vs) == 0 {
		return 0, fmt.Errorf("%w: no network version has both a known bundle and genesis support", ErrConfig)
	}
	return vs[len(vs)-1], nil
}
