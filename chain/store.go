package chain

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
)

// Key prefixes of the store.
const (
	prefixBlock  = 'b' // + CID bytes → block data
	prefixHeight = 't' // + height (8 bytes BE) → tipset key bytes
	prefixExec   = 'x' // + height → execution record (JSON)
	prefixMsg    = 'm' // + message CID bytes → inclusion (height, index)
	prefixKey    = 'k' // + address bytes → wallet key (JSON)
	keyHead      = "head"
	keyMeta      = "meta"
)

// Store is the chain's database: a pebble store of blocks and indexes, on disk
// or in memory. Reads are safe for concurrent use; writes go through a Batch.
type Store struct {
	db        *pebble.DB
	present   sync.Map // CIDs known to be stored: blocks are never deleted, so Has can skip reading them
	closeOnce sync.Once
	closeErr  error
}

// OpenStore opens (creating it if needed) the store in dir; dir "" opens a
// store in memory.
func OpenStore(dir string) (*Store, error) {
	opts := &pebble.Options{Logger: quietLogger{}}
	if dir == "" {
		opts.FS = vfs.NewMem()
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("opening the chain store in %q: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// Close closes the store (again closing does nothing).
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.db.Close() })
	return s.closeErr
}

func (s *Store) get(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

func blockKey(c cid.Cid) []byte { return append([]byte{prefixBlock}, c.Bytes()...) }

// Get returns a block (blockstore.Blockstore).
func (s *Store) Get(_ context.Context, c cid.Cid) (blocks.Block, error) {
	v, err := s.get(blockKey(c))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", blockstore.ErrNotFound, c)
	}
	if err != nil {
		return nil, fmt.Errorf("reading block %s: %w", c, err)
	}
	return blocks.NewBlockWithCid(v, c)
}

// Has reports whether the store holds a block.
func (s *Store) Has(_ context.Context, c cid.Cid) (bool, error) {
	if _, ok := s.present.Load(c); ok {
		return true, nil
	}
	v, closer, err := s.db.Get(blockKey(c))
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// Remember large blocks (actor code), whose reads cost the most.
	if len(v) > 4096 {
		s.present.Store(c, struct{}{})
	}
	return true, closer.Close()
}

// Put writes a block at once (not synced); chain writes go through a Batch.
func (s *Store) Put(_ context.Context, b blocks.Block) error {
	return s.db.Set(blockKey(b.Cid()), b.RawData(), pebble.NoSync)
}

// Batch collects blocks and index entries and commits them at once, synced.
// It is a blockstore over the store: reads see its own writes first. It is
// safe for concurrent use.
type Batch struct {
	s      *Store
	mu     sync.RWMutex
	blocks map[cid.Cid]blocks.Block
	kv     map[string][]byte
	del    map[string]bool
}

// NewBatch starts a batch.
func (s *Store) NewBatch() *Batch {
	return &Batch{s: s, blocks: map[cid.Cid]blocks.Block{}, kv: map[string][]byte{}, del: map[string]bool{}}
}

// Get returns a block of the batch or the store.
func (b *Batch) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	b.mu.RLock()
	blk, ok := b.blocks[c]
	b.mu.RUnlock()
	if ok {
		return blk, nil
	}
	return b.s.Get(ctx, c)
}

// Has reports whether the batch or the store holds a block.
func (b *Batch) Has(ctx context.Context, c cid.Cid) (bool, error) {
	b.mu.RLock()
	_, ok := b.blocks[c]
	b.mu.RUnlock()
	if ok {
		return true, nil
	}
	return b.s.Has(ctx, c)
}

// Put adds a block to the batch.
func (b *Batch) Put(_ context.Context, blk blocks.Block) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.blocks[blk.Cid()] = blk
	return nil
}

func (b *Batch) set(key []byte, v []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.del, string(key))
	b.kv[string(key)] = v
}

func (b *Batch) delete(key []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.kv, string(key))
	b.del[string(key)] = true
}

// Commit writes the batch to the store and syncs it to disk.
func (b *Batch) Commit() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	pb := b.s.db.NewBatch()
	defer pb.Close()
	for c, blk := range b.blocks {
		if err := pb.Set(blockKey(c), blk.RawData(), nil); err != nil {
			return err
		}
	}
	for k, v := range b.kv {
		if err := pb.Set([]byte(k), v, nil); err != nil {
			return err
		}
	}
	for k := range b.del {
		if err := pb.Delete([]byte(k), nil); err != nil {
			return err
		}
	}
	if err := pb.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("committing to the chain store: %w", err)
	}
	return nil
}

// quietLogger keeps pebble's informational messages off the terminal.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	pebble.DefaultLogger.Errorf(format, args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	pebble.DefaultLogger.Fatalf(format, args...)
}

var _ blockstore.Blockstore = (*Store)(nil)
var _ blockstore.Blockstore = (*Batch)(nil)

// prefixUser keys values that packages on top of the chain keep (SetValue).
const prefixUser = 'u'

// SetValue stores a value of a package on top of the chain under name,
// synced (the devnet keeps the keys WalletNew makes this way).
func (s *Store) SetValue(name string, v []byte) error {
	return s.db.Set(append([]byte{prefixUser}, name...), v, pebble.Sync)
}

// Values returns the values whose names start with prefix, by name.
func (s *Store) Values(prefix string) (map[string][]byte, error) {
	lower := append([]byte{prefixUser}, prefix...)
	upper := append([]byte{prefixUser}, prefix...)
	upper = append(upper, 0xff)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := map[string][]byte{}
	for it.First(); it.Valid(); it.Next() {
		out[string(it.Key()[1:])] = append([]byte(nil), it.Value()...)
	}
	return out, it.Error()
}
