package devnet

import (
	"fmt"
	"slices"

	"github.com/filecoin-project/go-state-types/network"

	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/genesis"
)

// MinActorsVersion is the oldest actors version a devnet runs: v10 (nv18)
// brought the EVM, the EAM and EthAccounts, which the devnet's Ethereum API
// needs; genesis can build v8 and v9 states, but a devnet refuses them.
const MinActorsVersion = 10

// ActorsVersion returns the actors version a network version runs, if the
// devnet can build its genesis (its bundle is known and genesis supports it)
// and it has the EVM (MinActorsVersion).
func ActorsVersion(nv network.Version) (int, error) {
	av, err := bundle.ActorsVersionFor(nv)
	if err == nil && av < MinActorsVersion {
		return 0, fmt.Errorf("%w: network version %d runs actors v%d, without the EVM a devnet needs (actors v%d+; supported: %v)", ErrConfig, nv, av, MinActorsVersion, SupportedNetworkVersions())
	}
	if err != nil || !slices.Contains(bundle.Versions(), av) || !slices.Contains(genesis.Versions(), av) {
		return 0, fmt.Errorf("%w: network version %d is not supported (supported: %v)", ErrConfig, nv, SupportedNetworkVersions())
	}
	return av, nil
}

// SupportedNetworkVersions lists the network versions a devnet can run, ascending.
func SupportedNetworkVersions() []network.Version {
	var out []network.Version
	for _, av := range genesis.Versions() {
		if av >= MinActorsVersion && slices.Contains(bundle.Versions(), av) {
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
