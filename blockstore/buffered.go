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

	mu sync.RWMutex
	// write is keyed by the CID's bytes (cid.Cid.KeyString), so that the
	// flush walk looks links up without making a cid.Cid of each.
	write map[string][]byte
	// maybe has a bit set for each CID ever buffered (by the last bytes of
	// its digest): a clear bit says a link is not in write without a map
	// lookup. Bits are never cleared; a stale one only costs a lookup.
	maybe [filterWords]uint64
}

// filterWords sizes Buffered.maybe: 16,384 bits.
const filterWords = 256

// filterBit is the filter bit of CID bytes: their last 14 bits (the end of
// the digest, uniform for the hashes the FVM uses).
func filterBit[T string | []byte](c T) (word int, mask uint64) {
	if len(c) < 2 {
		return 0, 1
	}
	v := int(c[len(c)-1]) | int(c[len(c)-2])<<8
	v &= filterWords*64 - 1
	return v / 64, 1 << (v % 64)
}

// note marks c in the filter. The caller holds the write lock.
func (b *Buffered) note(c string) {
	w, m := filterBit(c)
	b.maybe[w] |= m
}

// buffered reports whether the CID bytes c are in the write buffer. The
// caller holds the lock.
func (b *Buffered) buffered(c []byte) bool {
	if w, m := filterBit(c); b.maybe[w]&m == 0 {
		return false
	}
	_, ok := b.write[string(c)]
	return ok
}

// NewBuffered returns a buffered store over base.
func NewBuffered(base Blockstore) *Buffered {
	return &Buffered{base: base, write: make(map[string][]byte)}
}

// Base returns the store that Flush writes to.
func (b *Buffered) Base() Blockstore { return b.base }

// Get returns a block from the write buffer, or else from the base store.
func (b *Buffered) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	b.mu.RLock()
	data, ok := b.write[c.KeyString()]
	b.mu.RUnlock()
	if ok {
		return blocks.NewBlockWithCid(data, c)
	}
	return b.base.Get(ctx, c)
}

// Put adds a block to the write buffer.
func (b *Buffered) Put(_ context.Context, blk blocks.Block) error {
	b.mu.Lock()
	k := blk.Cid().KeyString()
	b.write[k] = blk.RawData()
	b.note(k)
	b.mu.Unlock()
	return nil
}

// Has reports whether c is buffered or in the base store.
func (b *Buffered) Has(ctx context.Context, c cid.Cid) (bool, error) {
	b.mu.RLock()
	_, ok := b.write[c.KeyString()]
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
				k := taken.Cid().KeyString()
				b.write[k] = taken.RawData()
				b.note(k)
			}
			return fmt.Errorf("flush %s: write %s: %w", root, blk.Cid(), err)
		}
	}
	return nil
}

// takeReachable removes from the buffer, and returns, the blocks reachable
// from root. On error the buffer is left as it was.
//
// Every link met is checked (checkFlushable) as the reference checks each
// CID it pops, but only a buffered block, or an identity-hashed DAG-CBOR
// CID, is walked further: the links of a state-tree node mostly point at
// blocks the base holds, and looking those up by their bytes costs no
// allocation.
func (b *Buffered) takeReachable(root cid.Cid) ([]blocks.Block, error) {
	var taken []blocks.Block
	restore := func() {
		for _, blk := range taken {
			k := blk.Cid().KeyString()
			b.write[k] = blk.RawData()
			b.note(k)
		}
	}
	var stack []string
	push := func(link []byte) error {
		p, err := parseCID(link)
		if err != nil {
			return fmt.Errorf("%w: link: %w", ErrMalformedCBOR, err)
		}
		follow, err := p.flushable(link)
		if err != nil || !follow {
			return err
		}
		if p.mhType == multihash.IDENTITY || b.buffered(link) {
			stack = append(stack, string(link))
		}
		return nil
	}
	if err := push([]byte(root.KeyString())); err != nil {
		return nil, err
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c, data, err := b.take(k, &taken)
		if err != nil {
			restore()
			return nil, err
		}
		if data == nil {
			continue
		}
		if err := scanLinkBytes(data, push); err != nil {
			restore()
			return nil, fmt.Errorf("block %s: %w", c, err)
		}
	}
	return taken, nil
}

// take handles a CID the walk reached (checked by push): an identity CID
// gives its inline DAG-CBOR digest to scan; a buffered block is taken out of
// the buffer, and given to scan when it is DAG-CBOR. A CID already taken
// gives nothing.
func (b *Buffered) take(k string, taken *[]blocks.Block) (cid.Cid, []byte, error) {
	c, err := cid.Cast([]byte(k))
	if err != nil {
		return cid.Undef, nil, fmt.Errorf("%w: link: %w", ErrMalformedCBOR, err)
	}
	prefix := c.Prefix()
	if prefix.MhType == multihash.IDENTITY {
		if prefix.Codec != codecDagCBOR {
			return c, nil, nil
		}
		dec, _ := multihash.Decode(c.Hash())
		return c, dec.Digest, nil
	}
	data, ok := b.write[k]
	if !ok {
		return c, nil, nil
	}
	delete(b.write, k)
	blk, _ := blocks.NewBlockWithCid(data, c)
	*taken = append(*taken, blk)
	if prefix.Codec != codecDagCBOR {
		return c, nil, nil
	}
	return c, data, nil
}

// flushable reports whether the walk should follow a CID with prefix p
// (the bytes are for the error), or why it cannot be part of a state the
// FVM flushes.
func (p cidPrefix) flushable(c []byte) (bool, error) {
	switch p.codec {
	case codecFilUnsealed, codecFilSealed:
		return false, nil
	case codecRaw, codecDagCBOR, codecCBOR:
	default:
		return false, fmt.Errorf("%w: %s has codec 0x%x", ErrUnexpectedCID, cidString(c), p.codec)
	}
	switch {
	case p.mhType == hashBlake2b256 && p.mhLength == hashBlake2b256Len:
	case p.mhType == multihash.IDENTITY:
	default:
		return false, fmt.Errorf("%w: %s has multihash 0x%x of length %d", ErrUnexpectedCID, cidString(c), p.mhType, p.mhLength)
	}
	return true, nil
}

func cidString(b []byte) string {
	c, err := cid.Cast(b)
	if err != nil {
		return fmt.Sprintf("cid %x", b)
	}
	return c.String()
}
