package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/filecoin-project/go-address"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
	"golang.org/x/crypto/blake2b"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/internal/history"
)

// ErrStateTree is returned (wrapped) for a state tree that cannot be read or
// written: a missing block, a malformed root, an unsupported version.
var ErrStateTree = errors.New("state tree")

// ErrInTransaction is returned by Flush inside a transaction.
var ErrInTransaction = errors.New("cannot flush inside a transaction")

// Supported state-tree versions.
const (
	// Version4 trees (nv13-17) hold 4-field actors.
	Version4 = 4
	// Version5 trees (nv18+) add the delegated address to each actor.
	Version5 = 5
)

// hamtBitWidth is the bit width of the actors HAMT and of the init actor's
// address map (fvm_shared's HAMT_BIT_WIDTH).
const hamtBitWidth = 5

// EmptyArrayCID is the CID of the DAG-CBOR empty array (0x80): the info of
// every state root, and the head of a new empty actor.
var EmptyArrayCID = dagCBORCID([]byte{0x80})

// StateTree is the FVM's view of the actors, with an actor cache, an address
// resolution cache and nested transactions. It is not safe for concurrent use.
type StateTree struct {
	bs      blockstore.Blockstore
	nodes   *NodeCache // may be nil
	version uint64
	info    cid.Cid
	actors  *hamtMap
	init    initCache

	cache   *history.Map[uint64, cacheEntry]
	resolve *history.Map[address.Address, uint64]
	layers  []layer
}

// cacheEntry is a cached actor (nil: there is none) and whether it must be
// written on flush.
type cacheEntry struct {
	actor *ActorState
	dirty bool
}

// layer records the cache heights at the start of a transaction.
type layer struct {
	cache, resolve int
}

// New returns an empty state tree of the given version over bs.
func New(ctx context.Context, bs blockstore.Blockstore, version uint64) (*StateTree, error) {
	if version != Version4 && version != Version5 {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrStateTree, version)
	}
	t := newTree(bs, version, nil)
	info, err := t.putRaw(ctx, []byte{0x80})
	if err != nil {
		return nil, err
	}
	t.info = info
	t.actors = newHAMT(bs, nil)
	return t, nil
}

// Load opens the state tree whose root is root.
func Load(ctx context.Context, bs blockstore.Blockstore, root cid.Cid) (*StateTree, error) {
	return LoadCached(ctx, bs, root, nil)
}

// LoadCached opens the state tree whose root is root, reading and writing
// the nodes of its HAMTs through nodes (shared with other trees; nil for
// none).
func LoadCached(ctx context.Context, bs blockstore.Blockstore, root cid.Cid, nodes *NodeCache) (*StateTree, error) {
	blk, err := bs.Get(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("%w: root %s: %w", ErrStateTree, root, err)
	}
	version, actors, info, err := decodeRoot(blk.RawData())
	if err != nil {
		return nil, fmt.Errorf("%w: root %s: %w", ErrStateTree, root, err)
	}
	if version != Version4 && version != Version5 {
		return nil, fmt.Errorf("%w: root %s: unsupported version %d", ErrStateTree, root, version)
	}
	t := newTree(bs, version, nodes)
	t.info = info
	if t.actors, err = loadHAMT(ctx, bs, actors, nodes); err != nil {
		return nil, fmt.Errorf("%w: root %s: actors %s: %w", ErrStateTree, root, actors, err)
	}
	return t, nil
}

func newTree(bs blockstore.Blockstore, version uint64, nodes *NodeCache) *StateTree {
	return &StateTree{
		bs:      bs,
		nodes:   nodes,
		version: version,
		cache:   history.NewMap[uint64, cacheEntry](),
		resolve: history.NewMap[address.Address, uint64](),
	}
}

// Version returns the state-tree version (4 or 5).
func (t *StateTree) Version() uint64 { return t.version }

// Blockstore returns the store the tree reads and writes.
func (t *StateTree) Blockstore() blockstore.Blockstore { return t.bs }

// GetActor returns a copy of actor id, or nil if there is none.
func (t *StateTree) GetActor(ctx context.Context, id uint64) (*ActorState, error) {
	if e, ok := t.cache.Get(id); ok {
		return cloneOrNil(e.actor), nil
	}
	raw, found, err := t.actors.find(ctx, idKey(id))
	if err != nil {
		return nil, fmt.Errorf("%w: actor %d: %w", ErrStateTree, id, err)
	}
	var act *ActorState
	if found {
		if act, err = decodeActor(raw, t.version); err != nil {
			return nil, fmt.Errorf("%w: actor %d: %w", ErrStateTree, id, err)
		}
	}
	t.cache.Set(id, cacheEntry{actor: act})
	return cloneOrNil(act), nil
}

func cloneOrNil(a *ActorState) *ActorState {
	if a == nil {
		return nil
	}
	return a.Clone()
}

// SetActor writes actor id (a copy of act) into the cache.
func (t *StateTree) SetActor(id uint64, act *ActorState) {
	t.cache.Set(id, cacheEntry{actor: act.Clone(), dirty: true})
}

// DeleteActor removes actor id.
func (t *StateTree) DeleteActor(id uint64) {
	t.cache.Set(id, cacheEntry{dirty: true})
}

// LookupID resolves an address to an actor id. An ID address resolves to its
// id whether or not the actor exists; other addresses go through the init
// actor's address map. Hits are cached (transactionally), misses are not.
func (t *StateTree) LookupID(ctx context.Context, addr address.Address) (uint64, bool, error) {
	if addr.Protocol() == address.ID {
		id, err := address.IDFromAddress(addr)
		if err != nil {
			return 0, false, fmt.Errorf("%w: %s: %w", ErrStateTree, addr, err)
		}
		return id, true, nil
	}
	if id, ok := t.resolve.Get(addr); ok {
		return id, true, nil
	}
	id, found, err := t.resolveAddress(ctx, addr)
	if err != nil || !found {
		return 0, false, err
	}
	t.resolve.Set(addr, id)
	return id, true, nil
}

// GetActorByAddress resolves addr and returns its actor, or nil.
func (t *StateTree) GetActorByAddress(ctx context.Context, addr address.Address) (*ActorState, uint64, error) {
	id, found, err := t.LookupID(ctx, addr)
	if err != nil || !found {
		return nil, 0, err
	}
	act, err := t.GetActor(ctx, id)
	return act, id, err
}

// BeginTransaction opens a nested transaction (a snapshot). It costs O(1).
func (t *StateTree) BeginTransaction() {
	t.layers = append(t.layers, layer{cache: t.cache.Height(), resolve: t.resolve.Height()})
}

// EndTransaction closes the innermost transaction, undoing its writes when
// revert is true. Closing the outermost one forgets the undo history.
func (t *StateTree) EndTransaction(revert bool) error {
	if len(t.layers) == 0 {
		return fmt.Errorf("%w: no transaction to end", ErrStateTree)
	}
	l := t.layers[len(t.layers)-1]
	t.layers = t.layers[:len(t.layers)-1]
	if revert {
		t.cache.Rollback(l.cache)
		t.resolve.Rollback(l.resolve)
	}
	if len(t.layers) == 0 {
		t.cache.DiscardHistory()
		t.resolve.DiscardHistory()
	}
	return nil
}

// InTransaction reports whether a transaction is open.
func (t *StateTree) InTransaction() bool { return len(t.layers) > 0 }

// Flush writes every dirty actor into the HAMT, flushes it, and writes and
// returns the state root [version, actors, info].
func (t *StateTree) Flush(ctx context.Context) (cid.Cid, error) {
	if t.InTransaction() {
		return cid.Undef, ErrInTransaction
	}
	ids := make([]uint64, 0, len(t.cache.M))
	for id, e := range t.cache.M {
		if e.dirty {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := t.flushActor(ctx, id); err != nil {
			return cid.Undef, err
		}
	}
	actors, err := t.actors.flush(ctx)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: flush actors: %w", ErrStateTree, err)
	}
	root, err := t.putRaw(ctx, encodeRoot(t.version, actors, t.info))
	if err != nil {
		return cid.Undef, err
	}
	return root, nil
}

func (t *StateTree) flushActor(ctx context.Context, id uint64) error {
	e := t.cache.M[id]
	key := idKey(id)
	if e.actor == nil {
		if _, err := t.actors.delete(ctx, key); err != nil {
			return fmt.Errorf("%w: delete actor %d: %w", ErrStateTree, id, err)
		}
	} else {
		raw, err := encodeActor(e.actor, t.version)
		if err != nil {
			return fmt.Errorf("%w: actor %d: %w", ErrStateTree, id, err)
		}
		if err := t.actors.set(ctx, key, raw); err != nil {
			return fmt.Errorf("%w: set actor %d: %w", ErrStateTree, id, err)
		}
	}
	e.dirty = false
	t.cache.M[id] = e
	return nil
}

// ForEach calls fn for every actor in the flushed HAMT, in HAMT order. It
// does not see unflushed changes.
func (t *StateTree) ForEach(ctx context.Context, fn func(id uint64, act *ActorState) error) error {
	return t.actors.forEach(ctx, func(k, v []byte) error {
		addr, err := address.NewFromBytes(k)
		if err != nil {
			return fmt.Errorf("%w: actors key %x: %w", ErrStateTree, k, err)
		}
		id, err := address.IDFromAddress(addr)
		if err != nil {
			return fmt.Errorf("%w: actors key %s: %w", ErrStateTree, addr, err)
		}
		act, err := decodeActor(v, t.version)
		if err != nil {
			return fmt.Errorf("%w: actor %d: %w", ErrStateTree, id, err)
		}
		return fn(id, act)
	})
}

// idKey is the actors-HAMT key of an id: the bytes of its ID address.
func idKey(id uint64) []byte {
	a, _ := address.NewIDAddress(id)
	return a.Bytes()
}

// putRaw stores DAG-CBOR bytes under their blake2b-256 CID.
func (t *StateTree) putRaw(ctx context.Context, data []byte) (cid.Cid, error) {
	c := dagCBORCID(data)
	blk, _ := blocks.NewBlockWithCid(data, c)
	if err := t.bs.Put(ctx, blk); err != nil {
		return cid.Undef, fmt.Errorf("%w: put %s: %w", ErrStateTree, c, err)
	}
	return c, nil
}

// dagCBORCIDPrefix is the start of a DAG-CBOR block's CID: CIDv1,
// DAG-CBOR, the blake2b-256 multihash code and length.
const dagCBORCIDPrefix = "\x01\x71\xa0\xe4\x02\x20"

// dagCBORCID returns the CID of DAG-CBOR bytes (a cid.Prefix's Sum without
// the multihash registry's allocations).
func dagCBORCID(data []byte) cid.Cid {
	sum := blake2b.Sum256(data)
	b := make([]byte, 0, len(dagCBORCIDPrefix)+len(sum))
	b = append(append(b, dagCBORCIDPrefix...), sum[:]...)
	c, err := cid.Cast(b)
	if err != nil {
		panic(err) // a constant prefix and a whole digest
	}
	return c
}

func encodeRoot(version uint64, actors, info cid.Cid) []byte {
	var buf bytes.Buffer
	w := cbg.NewCborWriter(&buf)
	_ = w.WriteMajorTypeHeader(cbg.MajArray, 3)
	_ = w.WriteMajorTypeHeader(cbg.MajUnsignedInt, version)
	_ = cbg.WriteCid(w, actors)
	_ = cbg.WriteCid(w, info)
	return buf.Bytes()
}

func decodeRoot(data []byte) (version uint64, actors, info cid.Cid, err error) {
	r := cbg.NewCborReader(bytes.NewReader(data))
	maj, n, err := r.ReadHeader()
	if err != nil {
		return 0, cid.Undef, cid.Undef, err
	}
	if maj != cbg.MajArray || n != 3 {
		return 0, cid.Undef, cid.Undef, fmt.Errorf("expected [version, actors, info], got major type %d length %d", maj, n)
	}
	if maj, version, err = r.ReadHeader(); err != nil || maj != cbg.MajUnsignedInt {
		return 0, cid.Undef, cid.Undef, fmt.Errorf("version is not an unsigned integer")
	}
	if actors, err = cbg.ReadCid(r); err != nil {
		return 0, cid.Undef, cid.Undef, fmt.Errorf("actors: %w", err)
	}
	if info, err = cbg.ReadCid(r); err != nil {
		return 0, cid.Undef, cid.Undef, fmt.Errorf("info: %w", err)
	}
	return version, actors, info, nil
}
