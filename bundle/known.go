package bundle

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

var (
	// ErrUnknownVersion is returned (wrapped) for an actors version with no known bundle.
	ErrUnknownVersion = errors.New("unknown actors version")
	// ErrUnknownNetwork is returned (wrapped) for a network with no known bundle.
	ErrUnknownNetwork = errors.New("unknown network")
	// ErrManifestMismatch is returned (wrapped) when a bundle's manifest is not
	// the one known for its version and network.
	ErrManifestMismatch = errors.New("manifest does not match")
)

// Known is an entry of the table of known bundles.
type Known struct {
	Version  int
	Network  string
	Manifest string
}

// KnownBundles returns the known bundles, ordered by version then network.
func KnownBundles() []Known {
	return slices.Clone(knownManifests)
}

// Versions returns the actors versions that have known bundles, ascending.
func Versions() []int {
	var vs []int
	for _, k := range knownManifests {
		if len(vs) == 0 || vs[len(vs)-1] != k.Version {
			vs = append(vs, k.Version)
		}
	}
	return vs
}

// Networks returns the networks that have a known bundle of version v.
func Networks(v int) []string {
	var ns []string
	for _, k := range knownManifests {
		if k.Version == v {
			ns = append(ns, k.Network)
		}
	}
	return ns
}

// KnownManifest returns the manifest CID known for an actors version and network.
func KnownManifest(version int, network string) (cid.Cid, error) {
	if !slices.Contains(Versions(), version) {
		return cid.Undef, fmt.Errorf("%w %d (known: %v)", ErrUnknownVersion, version, Versions())
	}
	for _, k := range knownManifests {
		if k.Version == version && k.Network == network {
			return cid.MustParse(k.Manifest), nil
		}
	}
	return cid.Undef, fmt.Errorf("%w %q for actors v%d (known: %v)", ErrUnknownNetwork, network, version, Networks(version))
}

// Identify returns the known bundle whose manifest CID is root. A manifest
// known under several versions (caterpillarnet v8 and v9; every network's
// v18 and v19) is reported under the lowest; ActorsVersionFor tells which
// version a network version runs.
func Identify(root cid.Cid) (Known, bool) {
	s := root.String()
	for _, k := range knownManifests {
		if k.Manifest == s {
			return k, true
		}
	}
	return Known{}, false
}

// IdentifyData returns the known bundle whose manifest data (the entry list
// a system actor points at) is data.
func IdentifyData(data cid.Cid) (Known, bool) {
	return Identify(RootOf(data))
}

// RootOf returns the manifest root CID for a manifest data CID: the
// blake2b-256 DAG-CBOR CID of [1, data].
func RootOf(data cid.Cid) cid.Cid {
	link := append([]byte{0}, data.Bytes()...)
	var buf []byte
	buf = append(buf, 0x82, manifestVersion)
	buf = append(buf, 0xd8, 42)
	buf = append(buf, cborBytesHeader(len(link))...)
	buf = append(buf, link...)
	c, _ := cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}.Sum(buf)
	return c
}

// cborBytesHeader is the CBOR header of a byte string of length n.
func cborBytesHeader(n int) []byte {
	switch {
	case n < 24:
		return []byte{0x40 | byte(n)}
	case n < 256:
		return []byte{0x58, byte(n)}
	default:
		return []byte{0x59, byte(n >> 8), byte(n)}
	}
}
