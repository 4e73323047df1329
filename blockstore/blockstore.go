package blockstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// ErrNotFound is returned (wrapped) when a block is not in a store.
var ErrNotFound = errors.New("block not found")

// Blockstore is what the FVM needs of a block store. It is a superset of
// go-ipld-cbor's IpldBlockstore.
type Blockstore interface {
	Get(ctx context.Context, c cid.Cid) (blocks.Block, error)
	Put(ctx context.Context, b blocks.Block) error
	Has(ctx context.Context, c cid.Cid) (bool, error)
}

// Memory is a concurrency-safe in-memory Blockstore. The zero value is not
// usable; call NewMemory.
type Memory struct {
	mu     sync.RWMutex
	blocks map[cid.Cid][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{blocks: make(map[cid.Cid][]byte)}
}

// Get returns the block for c, or an error wrapping ErrNotFound.
func (m *Memory) Get(_ context.Context, c cid.Cid) (blocks.Block, error) {
	m.mu.RLock()
	data, ok := m.blocks[c]
	m.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, c)
	}
	return blocks.NewBlockWithCid(data, c)
}

// Put stores b. The block's bytes are not copied: callers must not mutate them.
func (m *Memory) Put(_ context.Context, b blocks.Block) error {
	m.mu.Lock()
	m.blocks[b.Cid()] = b.RawData()
	m.mu.Unlock()
	return nil
}

// PutMany stores every block of bs.
func (m *Memory) PutMany(ctx context.Context, bs []blocks.Block) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range bs {
		m.blocks[b.Cid()] = b.RawData()
	}
	return nil
}

// Has reports whether c is in the store.
func (m *Memory) Has(_ context.Context, c cid.Cid) (bool, error) {
	m.mu.RLock()
	_, ok := m.blocks[c]
	m.mu.RUnlock()
	return ok, nil
}

// Len returns the number of blocks held.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.blocks)
}
