package bundle

import (
	"errors"
	"fmt"

	"github.com/filecoin-project/go-state-types/network"
)

// ErrUnknownNetworkVersion is returned (wrapped) for a network version that
// runs no builtin-actors bundle known here.
var ErrUnknownNetworkVersion = errors.New("unknown network version")

// Today's network: mainnet has run nv28 (FireHorse, actors v18) since epoch
// 6052800 (lotus build/buildconstants UpgradeFireHorseHeight). These are the
// defaults of the command line and of test helpers.
const (
	// DefaultNetworkVersion is the network version mainnet runs today.
	DefaultNetworkVersion = network.Version28
	// DefaultActorsVersion is the actors version of DefaultNetworkVersion.
	DefaultActorsVersion = 18
)

// networkActors maps each network version that runs a builtin-actors bundle
// (nv16, actors v8, onwards) to its actors version, as go-state-types
// actors.VersionForNetwork does. nv19 and nv20 share v11, nv25 and nv26 v16.
var networkActors = []struct {
	nv     network.Version
	actors int
}{
	{network.Version16, 8},
	{network.Version17, 9},
	{network.Version18, 10},
	{network.Version19, 11},
	{network.Version20, 11},
	{network.Version21, 12},
	{network.Version22, 13},
	{network.Version23, 14},
	{network.Version24, 15},
	{network.Version25, 16},
	{network.Version26, 16},
	{network.Version27, 17},
	{network.Version28, 18},
	{network.Version29, 19},
}

// ActorsVersionFor returns the actors version a network version runs:
// nv16 -> v8, nv17 -> v9, nv18 -> v10, nv19/20 -> v11, nv21 -> v12, ...,
// nv25/26 -> v16, nv27 -> v17, nv28 -> v18, nv29 -> v19. Versions before nv16
// (no bundles; actors were built into the node) and after nv29 are errors
// wrapping ErrUnknownNetworkVersion.
func ActorsVersionFor(nv network.Version) (int, error) {
	for _, e := range networkActors {
		if e.nv == nv {
			return e.actors, nil
		}
	}
	first, last := networkActors[0].nv, networkActors[len(networkActors)-1].nv
	return 0, fmt.Errorf("%w %d: bundles are known for nv%d-nv%d", ErrUnknownNetworkVersion, nv, first, last)
}

// NetworkVersionsFor returns the network versions that run actors version v,
// ascending (none for an unknown version).
func NetworkVersionsFor(v int) []network.Version {
	var out []network.Version
	for _, e := range networkActors {
		if e.actors == v {
			out = append(out, e.nv)
		}
	}
	return out
}
