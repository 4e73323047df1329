package machine

import (
	"context"
	"sync"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/ipfs/go-cid"
)

// maxCachedManifests bounds a ManifestCache: a chain meets one manifest per
// actors version, so past this the cache starts again.
const maxCachedManifests = 64

// ManifestCache keeps the builtin-actors manifests that machines read from
// their state trees, by the CID of the manifest's entry list: every machine
// over the same network's states finds it decoded (a decode and its indexes
// cost about 7 µs, a tenth of a small message's time). A manifest is named by
// the hash of its bytes, so a hit is the manifest the store would give; like
// state.NodeCache, a hit skips the store's Get. Safe for concurrent use; the
// manifests it returns must not be modified.
type ManifestCache struct {
	mu sync.Mutex
	m  map[cid.Cid]*bundle.Manifest
}

// NewManifestCache returns an empty cache.
func NewManifestCache() *ManifestCache {
	return &ManifestCache{m: map[cid.Cid]*bundle.Manifest{}}
}

// Load returns the manifest whose entry list is data, reading it from bs
// (bundle.LoadManifestData) on a miss. A nil cache always reads.
func (c *ManifestCache) Load(ctx context.Context, bs blockstore.Blockstore, data cid.Cid) (*bundle.Manifest, error) {
	if c == nil {
		return bundle.LoadManifestData(ctx, bs, data)
	}
	c.mu.Lock()
	m, ok := c.m[data]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	m, err := bundle.LoadManifestData(ctx, bs, data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedManifests {
		clear(c.m)
	}
	c.m[data] = m
	return m, nil
}
