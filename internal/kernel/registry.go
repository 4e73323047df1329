package kernel

import (
	"slices"

	"github.com/ipfs/go-cid"
)

// BlockRegistry is one invocation's append-only table of blocks. Ids are
// FirstBlockID + index; there is no close. It also keeps the v4 (FIP-0071)
// set of CIDs the actor may open; v3 kernels never use that part.
type BlockRegistry struct {
	blocks    []*Block
	codecs    []uint64
	max       uint32
	reachable map[cid.Cid]struct{}
}

// NewBlockRegistry returns an empty registry. putCodecs, when not nil, are
// the only codecs Put accepts: the v2 and v3 behaviour (machine.Profile
// BlockCodecs: DAG-CBOR in v2; CBOR, DAG-CBOR and raw in v3), where the
// registry itself rejects other codecs with IllegalCodec on every Put (after
// the full check, and after the caller has charged gas). v4 checks codecs in
// the kernel instead and passes nil.
func NewBlockRegistry(putCodecs []uint64) *BlockRegistry {
	return &BlockRegistry{codecs: putCodecs, max: MaxBlocks, reachable: map[cid.Cid]struct{}{}}
}

// Len returns the number of blocks in the registry.
func (r *BlockRegistry) Len() int {
	return len(r.blocks)
}

// IsFull reports whether another Put would fail with LimitExceeded. The call
// manager checks it before a send, so a return block always has room.
func (r *BlockRegistry) IsFull() bool {
	return uint32(len(r.blocks)) >= r.max
}

// Put adds b and returns its id: LimitExceeded if the registry is full, then
// (v2 and v3 registries) IllegalCodec for a codec outside its codecs. It does
// not touch the reachable set.
func (r *BlockRegistry) Put(b *Block) (uint32, error) {
	if r.IsFull() {
		return 0, Errorf(LimitExceeded, "too many blocks have been written")
	}
	// Quirk (ref-fvm v3 kernel/blocks.rs:152, v2 kernel/blocks.rs put): the
	// codec is checked here, so block_open and block_create report
	// IllegalCodec only after charging gas, and a send's return block with a
	// bad codec is fatal to the caller.
	if r.codecs != nil && !slices.Contains(r.codecs, b.Codec) {
		return 0, Errorf(IllegalCodec, "invalid or forbidden ipld codec %d", b.Codec)
	}
	r.blocks = append(r.blocks, b)
	return FirstBlockID + uint32(len(r.blocks)-1), nil
}

// PutReachable (v4) adds b, known to be reachable (opened from state, params,
// a return value), and marks all its links reachable.
func (r *BlockRegistry) PutReachable(b *Block) (uint32, error) {
	if r.IsFull() {
		return 0, Errorf(LimitExceeded, "too many blocks")
	}
	for _, l := range b.Links {
		r.MarkReachable(l)
	}
	return r.Put(b)
}

// PutCheckReachable (v4) adds a newly created block: LimitExceeded if full,
// NotFound if any of its links is not reachable. The block itself does not
// become reachable until it is linked.
func (r *BlockRegistry) PutCheckReachable(b *Block) (uint32, error) {
	if r.IsFull() {
		return 0, Errorf(LimitExceeded, "too many blocks")
	}
	for _, l := range b.Links {
		if !r.IsReachable(l) {
			return 0, Errorf(NotFound, "cannot put block: %s not reachable", l)
		}
	}
	return r.Put(b)
}

// MarkReachable (v4) records that the actor may open c.
func (r *BlockRegistry) MarkReachable(c cid.Cid) {
	r.reachable[c] = struct{}{}
}

// IsReachable (v4) reports whether c was marked reachable. Identity-hashed
// CIDs are never implicitly reachable (they may embed unreachable links).
func (r *BlockRegistry) IsReachable(c cid.Cid) bool {
	_, ok := r.reachable[c]
	return ok
}

// Get returns the block with handle id, or InvalidHandle.
func (r *BlockRegistry) Get(id uint32) (*Block, error) {
	if id < FirstBlockID || uint64(id-FirstBlockID) >= uint64(len(r.blocks)) {
		return nil, Errorf(InvalidHandle, "block handle %d does not exist, or is illegal", id)
	}
	return r.blocks[id-FirstBlockID], nil
}

// Stat returns the codec and size of block id, or InvalidHandle.
func (r *BlockRegistry) Stat(id uint32) (BlockStat, error) {
	b, err := r.Get(id)
	if err != nil {
		return BlockStat{}, err
	}
	return b.Stat(), nil
}
