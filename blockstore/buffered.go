package blockstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// Codecs and hashes the reachability walk knows.
const (
	codecRaw          = cid.Raw     // 0x55
	codecCBOR         = 0x51        // plain CBOR: never has links
	codecDagCBOR      = cid.DagCBOR // 0x71
	codecFilUnsealed  = cid.FilCommitmentUnsealed
	codecFilSealed    = cid.FilCommitmentSealed
	hashBlake2b256    = multihash.BLAKE2B_MIN + 31
	hashBlake2b256Len = 32
)

// ErrUnexpectedCID is returned (wrapped) by Flush when a reachable CID has a
// codec or multihash the FVM never writes.
var ErrUnexpectedCID = errors.New("unexpected cid")

// Buffered keeps every Put in an in-memory write buffer over a base store.
// Reads see the buffer first. Flush(root) moves to the base only the buffered
// blocks reachable from root; the rest stay buffered.
type Buffered struct {
	base Blockstore

	mu    sync.RWMutex
	write map[cid.Cid][]byte
}

// NewBuffered returns a buffered store over base.
func NewBuffered(base Blockstore) *Buffered {
	return &Buffered{base: base, write: make(map[cid.Cid][]byte)}
}

// Base returns the store that Flush writes to.
func (b *Buffered) Base() Blockstore { return b.base }

// Get returns a block from the write buffer, or else from the base store.
func (b *Buffered) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	b.mu.RLock()
	data, ok := b.write[c]
	b.mu.RUnlock()
	if ok {
		return blocks.NewBlockWithCid(data, c)
	}
	return b.base.Get(ctx, c)
}

// Put adds a block to the write buffer.
func (b *Buffered) Put(_ context.Context, blk blocks.Block) error {
	b.mu.Lock()
	b.write[blk.Cid()] = blk.RawData()
	b.mu.Unlock()
	return nil
}

// Has reports whether c is buffered or in the base store.
func (b *Buffered) Has(ctx context.Context, c cid.Cid) (bool, error) {
	b.mu.RLock()
	_, ok := b.write[c]
	b.mu.RUnlock()
	if ok {
		return true, nil
	}
	return b.base.Has(ctx, c)
}

// Buffered returns how many blocks wait in the write buffer.
func (b *Buffered) Buffered() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.write)
}

// Flush writes to the base store every buffered block reachable from root and
// removes them from the buffer. It walks DAG-CBOR blocks for links; raw and
// plain CBOR blocks have none; the inline digest of an identity-hashed
// DAG-CBOR CID is scanned too; Filecoin piece commitments are skipped. A
// reachable block that is not buffered is assumed to be in the base already.
// As in the reference, any other codec, or a hash other than blake2b-256 or
// identity, is an error (and then nothing is written).
func (b *Buffered) Flush(ctx context.Context, root cid.Cid) error {
	b.mu.Lock()
	defer b.mu.Unlock()

	reachable, err := b.takeReachable(root)
	if err != nil {
		return fmt.Errorf("flush %s: %w", root, err)
	}
	for _, blk := range reachable {
		if err := b.base.Put(ctx, blk); err != nil {
			// Keep every taken block buffered, so that none is lost and a
			// later Flush can write what the base refused.
			for _, taken := range reachable {
				b.write[taken.Cid()] = taken.RawData()
			}
			return fmt.Errorf("flush %s: write %s: %w", root, blk.Cid(), err)
		}
	}
	return nil
}

// takeReachable removes from the buffer, and returns, the blocks reachable
// from root. On error the buffer is left as it was.
func (b *Buffered) takeReachable(root cid.Cid) ([]blocks.Block, error) {
	var (
		stack = []cid.Cid{root}
		taken []blocks.Block
	)
	restore := func() {
		for _, blk := range taken {
			b.write[blk.Cid()] = blk.RawData()
		}
	}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]

		follow, err := checkFlushable(c)
		if err != nil {
			restore()
			return nil, err
		}
		if !follow {
			continue
		}
		prefix := c.Prefix()
		if prefix.MhType == multihash.IDENTITY {
			if prefix.Codec == codecDagCBOR {
				dec, _ := multihash.Decode(c.Hash())
				if err := ScanLinks(dec.Digest, func(l cid.Cid) { stack = append(stack, l) }); err != nil {
					restore()
					return nil, fmt.Errorf("inline block %s: %w", c, err)
				}
			}
			continue
		}
		data, ok := b.write[c]
		if !ok {
			continue
		}
		delete(b.write, c)
		blk, _ := blocks.NewBlockWithCid(data, c)
		taken = append(taken, blk)
		if prefix.Codec == codecDagCBOR {
			if err := ScanLinks(data, func(l cid.Cid) { stack = append(stack, l) }); err != nil {
				restore()
				return nil, fmt.Errorf("block %s: %w", c, err)
			}
		}
	}
	return taken, nil
}

// checkFlushable reports whether the walk should follow c, or why c cannot be
// part of a state the FVM flushes.
func checkFlushable(c cid.Cid) (bool, error) {
	prefix := c.Prefix()
	switch prefix.Codec {
	case codecFilUnsealed, codecFilSealed:
		return false, nil
	case codecRaw, codecDagCBOR, codecCBOR:
	default:
		return false, fmt.Errorf("%w: %s has codec 0x%x", ErrUnexpectedCID, c, prefix.Codec)
	}
	switch {
	case prefix.MhType == hashBlake2b256 && prefix.MhLength == hashBlake2b256Len:
	case prefix.MhType == multihash.IDENTITY:
	default:
		return false, fmt.Errorf("%w: %s has multihash 0x%x of length %d", ErrUnexpectedCID, c, prefix.MhType, prefix.MhLength)
	}
	return true, nil
}
