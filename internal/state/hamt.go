package state

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-varint"

	"github.com/go-fvm/go-fvm/blockstore"
)

// The state tree's HAMTs (the actors map and the init actor's address map)
// have the layout and the algorithms of go-hamt-ipld v3 and fvm_ipld_hamt:
// bit width 5, the SHA-256 of the key read from its most significant bit,
// buckets of at most 3 key-value pairs, a node [bitfield, pointers] whose
// pointers are child links or buckets [[key, value]...] sorted by key.
//
// Unlike go-hamt-ipld, which decodes every pair of every node it loads
// (copying each value), a node here is parsed in one pass over its block
// without copying: keys, values and links stay slices of the block, and a
// pointer that does not change is written back byte for byte. Reading an
// actor from a cold state costs a few microseconds per node instead of tens.
// A node is validated as go-hamt-ipld's loadNode validates it, and the
// headers must be canonical as cbor-gen requires, so that writing a pointer
// back unchanged gives exactly the bytes go-hamt-ipld would encode.

// hamtBucketSize is the most pairs a pointer holds before they move into a
// child node.
const hamtBucketSize = 3

// hamtWidth is the number of slots of a node (2^bit width).
const hamtWidth = 1 << hamtBitWidth

// Limits of the cbor-gen readers go-hamt-ipld decodes with.
const (
	cborMaxLength     = 8192    // array and map items (cbg.MaxLength)
	cborMaxByteLength = 2 << 20 // byte and text strings (cbg.ByteArrayMaxLen)
	cborMaxLinkLength = 512     // a pointer's CID bytes
	hamtMaxBucketRead = 32      // a bucket's pairs before the bucket-size check
	cborTagLink       = 42
	cborMajUnsigned   = 0
	cborMajBytes      = 2
	cborMajText       = 3
	cborMajArray      = 4
	cborMajMap        = 5
	cborMajTag        = 6
	cborNull          = 0xf6
)

// errMalformedHAMT is wrapped by every error about a node's encoding.
var errMalformedHAMT = errors.New("malformed HAMT node")

// errHAMTMaxDepth is returned when a key's hash runs out of bits.
var errHAMTMaxDepth = errors.New("HAMT deeper than the key hash allows")

// hamtMap is a HAMT over a blockstore. It is not safe for concurrent use.
type hamtMap struct {
	bs    blockstore.Blockstore
	cache *NodeCache // may be nil
	root  *hamtNode
}

// hamtNode is a node. As read, it is its block and where each pointer's
// encoding lies in it (the pointers are in slot order), with the children
// loaded so far: nothing per pointer that the garbage collector must scan.
// It becomes writable (ptrs) when a change goes through it.
type hamtNode struct {
	bitfield uint32
	// data and offs describe a node as read: pointer i is
	// data[offs[i]:offs[i+1]]. offs is nil once the node is writable.
	data []byte
	offs []uint32
	// children are the children loaded while the node is as read, by
	// pointer index (allocated at the first).
	children []*hamtNode
	// ptrs are the pointers of a writable node.
	ptrs []hamtPointer
}

// hamtPointer is a child link or a bucket. A pointer as read (or a link as
// written) is just its encoding: a bucket's pairs are read from it when
// needed, and only a changed bucket holds them decoded.
type hamtPointer struct {
	// raw is the pointer's encoding while it is as read or written (nil
	// once changed).
	raw []byte
	// kvs is a changed bucket's pairs (nil while raw holds them). It is
	// replaced, never modified in place.
	kvs []hamtKV
	// child is a link's node once loaded or created.
	child *hamtNode
	// link says the pointer is a child link, not a bucket.
	link bool
	// dirty says child changed since the link was written.
	dirty bool
}

type hamtKV struct {
	key, value []byte
}

// newHAMT returns an empty HAMT over bs that reads and writes nodes through
// cache (nil for none).
func newHAMT(bs blockstore.Blockstore, cache *NodeCache) *hamtMap {
	return &hamtMap{bs: bs, cache: cache, root: &hamtNode{}}
}

// loadHAMT opens the HAMT whose root node is root, reading nodes through
// cache (nil for none).
func loadHAMT(ctx context.Context, bs blockstore.Blockstore, root cid.Cid, cache *NodeCache) (*hamtMap, error) {
	h := &hamtMap{bs: bs, cache: cache}
	n, err := h.loadNode(ctx, root, true)
	if err != nil {
		return nil, err
	}
	h.root = n
	return h, nil
}

// find returns the value of key (a slice of a block or of a value set
// here: do not modify it).
func (h *hamtMap) find(ctx context.Context, key []byte) ([]byte, bool, error) {
	hb := newHashBits(key)
	n := h.root
	for {
		idx, err := hb.next()
		if err != nil {
			return nil, false, err
		}
		if n.bitfield&(1<<idx) == 0 {
			return nil, false, nil
		}
		ci := n.index(idx)
		if n.offs != nil {
			raw := n.rawPointer(ci)
			if !isLinkEncoding(raw) {
				return findInBucket(raw, key)
			}
			if n, err = h.readChild(ctx, n, ci); err != nil {
				return nil, false, err
			}
			continue
		}
		p := &n.ptrs[ci]
		if !p.link {
			return p.find(key)
		}
		if n, err = h.child(ctx, p); err != nil {
			return nil, false, err
		}
	}
}

// rawPointer returns the encoding of pointer i of a node as read.
func (n *hamtNode) rawPointer(i int) []byte {
	return n.data[n.offs[i]:n.offs[i+1]:n.offs[i+1]]
}

// isLinkEncoding tells a link's encoding (tag 42) from a bucket's (an
// array).
func isLinkEncoding(raw []byte) bool { return raw[0] == 0xd8 }

// readChild returns child i of a node as read, loading it on first use.
func (h *hamtMap) readChild(ctx context.Context, n *hamtNode, i int) (*hamtNode, error) {
	if n.children == nil {
		n.children = make([]*hamtNode, len(n.offs)-1)
	}
	if c := n.children[i]; c != nil {
		return c, nil
	}
	c, err := h.loadLink(ctx, n.rawPointer(i))
	if err != nil {
		return nil, err
	}
	n.children[i] = c
	return c, nil
}

// writable turns a node as read into a writable one, keeping its loaded
// children.
func (n *hamtNode) writable() {
	if n.offs == nil {
		return
	}
	n.ptrs = make([]hamtPointer, len(n.offs)-1)
	for i := range n.ptrs {
		raw := n.rawPointer(i)
		n.ptrs[i] = hamtPointer{raw: raw, link: isLinkEncoding(raw)}
		if n.children != nil {
			n.ptrs[i].child = n.children[i]
		}
	}
	n.offs, n.children = nil, nil
}

// set sets key to value (its CBOR encoding, kept without copying).
func (h *hamtMap) set(ctx context.Context, key, value []byte) error {
	if len(value) == 0 {
		return fmt.Errorf("HAMT set %x: empty value", key)
	}
	hb := newHashBits(key)
	_, err := h.modify(ctx, h.root, &hb, key, value)
	return err
}

// delete removes key and reports whether it was there.
func (h *hamtMap) delete(ctx context.Context, key []byte) (bool, error) {
	hb := newHashBits(key)
	return h.modify(ctx, h.root, &hb, key, nil)
}

// flush writes every changed node, children first, and then the root, and
// returns the root's CID (go-hamt-ipld's Write).
func (h *hamtMap) flush(ctx context.Context) (cid.Cid, error) {
	if err := h.flushChildren(ctx, h.root); err != nil {
		return cid.Undef, err
	}
	return h.put(ctx, h.root)
}

func (h *hamtMap) flushChildren(ctx context.Context, n *hamtNode) error {
	for i := range n.ptrs { // a node as read has no changed child
		p := &n.ptrs[i]
		if p.child == nil || !p.dirty {
			continue
		}
		if err := h.flushChildren(ctx, p.child); err != nil {
			return err
		}
		c, err := h.put(ctx, p.child)
		if err != nil {
			return err
		}
		p.raw, p.dirty = appendLink(nil, c.Bytes()), false
	}
	return nil
}

// put writes a node whose changed children are written, and caches it as
// parsed.
func (h *hamtMap) put(ctx context.Context, n *hamtNode) (cid.Cid, error) {
	p := n.encode()
	c := dagCBORCID(p.data)
	blk, _ := blocks.NewBlockWithCid(p.data, c)
	if err := h.bs.Put(ctx, blk); err != nil {
		return cid.Undef, fmt.Errorf("put HAMT node %s: %w", c, err)
	}
	h.cache.add(c.KeyString(), p)
	return c, nil
}

// forEach calls fn for every pair, in HAMT order (slot order, children
// before the pointers after them).
func (h *hamtMap) forEach(ctx context.Context, fn func(key, value []byte) error) error {
	return h.forEachIn(ctx, h.root, fn)
}

func (h *hamtMap) forEachIn(ctx context.Context, n *hamtNode, fn func(key, value []byte) error) error {
	if n.offs != nil {
		return h.forEachRead(ctx, n, fn)
	}
	for i := range n.ptrs {
		p := &n.ptrs[i]
		if !p.link {
			if err := p.eachPair(fn); err != nil {
				return err
			}
			continue
		}
		child, err := h.child(ctx, p)
		if err != nil {
			return err
		}
		if err := h.forEachIn(ctx, child, fn); err != nil {
			return err
		}
	}
	return nil
}

// forEachRead is forEachIn over a node as read.
func (h *hamtMap) forEachRead(ctx context.Context, n *hamtNode, fn func(key, value []byte) error) error {
	for i := range len(n.offs) - 1 {
		raw := n.rawPointer(i)
		if !isLinkEncoding(raw) {
			if err := eachPairIn(raw, fn); err != nil {
				return err
			}
			continue
		}
		child, err := h.readChild(ctx, n, i)
		if err != nil {
			return err
		}
		if err := h.forEachIn(ctx, child, fn); err != nil {
			return err
		}
	}
	return nil
}

// child returns a link pointer's node, loading it on first use.
func (h *hamtMap) child(ctx context.Context, p *hamtPointer) (*hamtNode, error) {
	if p.child != nil {
		return p.child, nil
	}
	n, err := h.loadLink(ctx, p.raw)
	if err != nil {
		return nil, err
	}
	p.child = n
	return n, nil
}

// loadLink loads the child node a link pointer's encoding names.
func (h *hamtMap) loadLink(ctx context.Context, raw []byte) (*hamtNode, error) {
	c, err := cid.Cast(linkOf(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: link: %w", errMalformedHAMT, err)
	}
	return h.loadNode(ctx, c, false)
}

func (h *hamtMap) loadNode(ctx context.Context, c cid.Cid, isRoot bool) (*hamtNode, error) {
	p := h.cache.get(c.KeyString())
	if p == nil {
		blk, err := h.bs.Get(ctx, c)
		if err != nil {
			return nil, err
		}
		if p, err = parseNode(blk.RawData()); err != nil {
			return nil, fmt.Errorf("HAMT node %s: %w", c, err)
		}
		h.cache.add(c.KeyString(), p)
	}
	n, err := p.node(isRoot)
	if err != nil {
		return nil, fmt.Errorf("HAMT node %s: %w", c, err)
	}
	return n, nil
}

// find looks key up in a bucket.
func (p *hamtPointer) find(key []byte) ([]byte, bool, error) {
	if p.raw != nil {
		return findInBucket(p.raw, key)
	}
	for _, kv := range p.kvs {
		if bytes.Equal(kv.key, key) {
			return kv.value, true, nil
		}
	}
	return nil, false, nil
}

// findInBucket looks key up in a bucket's encoding.
func findInBucket(raw, key []byte) ([]byte, bool, error) {
	var value []byte
	found := false
	err := eachPairIn(raw, func(k, v []byte) error {
		if bytes.Equal(k, key) {
			value, found = v, true
			return errStopPairs
		}
		return nil
	})
	if err != nil && err != errStopPairs {
		return nil, false, err
	}
	return value, found, nil
}

// errStopPairs ends eachPair early.
var errStopPairs = errors.New("stop")

// eachPair calls fn for each pair of a bucket, in key order.
func (p *hamtPointer) eachPair(fn func(key, value []byte) error) error {
	if p.raw != nil {
		return eachPairIn(p.raw, fn)
	}
	for _, kv := range p.kvs {
		if err := fn(kv.key, kv.value); err != nil {
			return err
		}
	}
	return nil
}

// eachPairIn calls fn for each pair of a bucket's encoding.
func eachPairIn(raw []byte, fn func(key, value []byte) error) error {
	r := cborScanner{buf: raw}
	_, n, err := r.head()
	if err != nil {
		return err
	}
	for range n {
		kv, err := r.pair()
		if err != nil {
			return err
		}
		if err := fn(kv.key, kv.value); err != nil {
			return err
		}
	}
	return nil
}

// pairs returns a bucket's pairs, decoding them from raw if needed. The
// slice must not be modified in place.
func (p *hamtPointer) pairs() ([]hamtKV, error) {
	if p.raw == nil {
		return p.kvs, nil
	}
	var kvs []hamtKV
	err := p.eachPair(func(k, v []byte) error {
		kvs = append(kvs, hamtKV{key: k, value: v})
		return nil
	})
	return kvs, err
}

// setPairs replaces a bucket's pairs.
func (p *hamtPointer) setPairs(kvs []hamtKV) {
	p.kvs, p.raw = kvs, nil
}

// modify sets key to value, or deletes it when value is nil, below n
// (go-hamt-ipld's modifyValue, overwriting). It reports whether anything
// changed: setting a key to the bytes it has changes nothing.
func (h *hamtMap) modify(ctx context.Context, n *hamtNode, hb *hashBits, key, value []byte) (bool, error) {
	idx, err := hb.next()
	if err != nil {
		return false, err
	}
	n.writable()
	if n.bitfield&(1<<idx) == 0 {
		if value == nil {
			return false, nil
		}
		n.insert(idx, hamtPointer{kvs: []hamtKV{{key: key, value: value}}})
		return true, nil
	}
	ci := n.index(idx)
	p := &n.ptrs[ci]
	if p.link {
		return h.modifyChild(ctx, n, ci, hb, key, value)
	}
	kvs, err := p.pairs()
	if err != nil {
		return false, err
	}
	if value == nil {
		return n.deleteFromBucket(ci, idx, kvs, key), nil
	}
	for i, kv := range kvs {
		if !bytes.Equal(kv.key, key) {
			continue
		}
		if bytes.Equal(kv.value, value) {
			return false, nil
		}
		kvs = slices.Clone(kvs)
		kvs[i].value = value
		p.setPairs(kvs)
		return true, nil
	}
	if len(kvs) >= hamtBucketSize {
		return true, h.split(ctx, n, ci, hb, kvs, key, value)
	}
	at, _ := slices.BinarySearchFunc(kvs, key, func(kv hamtKV, k []byte) int { return bytes.Compare(kv.key, k) })
	p.setPairs(slices.Insert(slices.Clip(kvs), at, hamtKV{key: key, value: value}))
	return true, nil
}

// modifyChild modifies below the link pointer ci of n, then, on a delete,
// pulls the child's pairs up when few enough are left.
func (h *hamtMap) modifyChild(ctx context.Context, n *hamtNode, ci int, hb *hashBits, key, value []byte) (bool, error) {
	p := &n.ptrs[ci]
	child, err := h.child(ctx, p)
	if err != nil {
		return false, err
	}
	modified, err := h.modify(ctx, child, hb, key, value)
	if err != nil {
		return false, err
	}
	if modified {
		p.dirty, p.raw = true, nil
	}
	if value == nil {
		return modified, n.cleanChild(ci, child)
	}
	return modified, nil
}

// split replaces the full bucket ci of n, holding kvs, by a child node
// holding them and the new pair.
func (h *hamtMap) split(ctx context.Context, n *hamtNode, ci int, hb *hashBits, kvs []hamtKV, key, value []byte) error {
	sub := &hamtNode{}
	at := *hb
	if _, err := h.modify(ctx, sub, &at, key, value); err != nil {
		return err
	}
	for _, kv := range kvs {
		khb := newHashBits(kv.key)
		khb.consumed = hb.consumed
		if _, err := h.modify(ctx, sub, &khb, kv.key, kv.value); err != nil {
			return err
		}
	}
	n.ptrs[ci] = hamtPointer{child: sub, link: true, dirty: true}
	return nil
}

// deleteFromBucket removes key from the bucket ci (slot idx) of n, whose
// pairs are kvs, and the bucket itself when it was the last pair.
func (n *hamtNode) deleteFromBucket(ci, idx int, kvs []hamtKV, key []byte) bool {
	for i, kv := range kvs {
		if !bytes.Equal(kv.key, key) {
			continue
		}
		if len(kvs) == 1 {
			n.ptrs = slices.Delete(n.ptrs, ci, ci+1)
			n.bitfield &^= 1 << idx
			return true
		}
		n.ptrs[ci].setPairs(slices.Delete(slices.Clone(kvs), i, i+1))
		return true
	}
	return false
}

// cleanChild replaces the link ci of n by a bucket when its child has no
// children and at most a bucket's worth of pairs (go-hamt-ipld cleanChild).
func (n *hamtNode) cleanChild(ci int, child *hamtNode) error {
	child.writable()
	var all []hamtKV
	for i := range child.ptrs {
		p := &child.ptrs[i]
		if p.link {
			return nil
		}
		kvs, err := p.pairs()
		if err != nil {
			return err
		}
		all = append(all, kvs...)
	}
	if len(all) > hamtBucketSize {
		return nil
	}
	if len(child.ptrs) == 1 {
		n.ptrs[ci] = child.ptrs[0]
		return nil
	}
	slices.SortFunc(all, func(a, b hamtKV) int { return bytes.Compare(a.key, b.key) })
	n.ptrs[ci] = hamtPointer{}
	n.ptrs[ci].setPairs(all)
	return nil
}

// index is the position among the pointers of slot idx.
func (n *hamtNode) index(idx int) int {
	return bits.OnesCount32(n.bitfield & (1<<idx - 1))
}

func (n *hamtNode) insert(idx int, p hamtPointer) {
	n.ptrs = slices.Insert(n.ptrs, n.index(idx), p)
	n.bitfield |= 1 << idx
}

// encode writes the node: [bitfield as minimal big-endian bytes, pointers],
// as parsed. Its changed children must have been written.
func (n *hamtNode) encode() *parsedNode {
	n.writable()
	size := 16
	for i := range n.ptrs {
		size += n.ptrs[i].encodedSize()
	}
	buf := make([]byte, 0, size)
	buf = append(buf, 0x82)
	var bf [4]byte
	bf[0], bf[1], bf[2], bf[3] = byte(n.bitfield>>24), byte(n.bitfield>>16), byte(n.bitfield>>8), byte(n.bitfield)
	lead := bits.LeadingZeros32(n.bitfield) / 8
	buf = appendHead(buf, cborMajBytes, uint64(4-lead))
	buf = append(buf, bf[lead:]...)
	buf = appendHead(buf, cborMajArray, uint64(len(n.ptrs)))
	p := &parsedNode{bitfield: n.bitfield, offs: make([]uint32, len(n.ptrs)+1)}
	for i := range n.ptrs {
		p.offs[i] = uint32(len(buf))
		buf = n.ptrs[i].appendEncoding(buf)
		p.count(&n.ptrs[i])
	}
	p.offs[len(n.ptrs)] = uint32(len(buf))
	p.data = buf
	return p
}

// encodedSize is the size of the pointer's encoding, or a bound on it.
func (p *hamtPointer) encodedSize() int {
	if p.raw != nil {
		return len(p.raw)
	}
	size := 9
	for _, kv := range p.kvs {
		size += 10 + len(kv.key) + len(kv.value)
	}
	return size
}

func (p *hamtPointer) appendEncoding(buf []byte) []byte {
	if p.raw != nil {
		return append(buf, p.raw...)
	}
	if p.link {
		panic("state: HAMT node encoded before its changed child was written")
	}
	buf = appendHead(buf, cborMajArray, uint64(len(p.kvs)))
	for _, kv := range p.kvs {
		buf = append(buf, 0x82)
		buf = appendHead(buf, cborMajBytes, uint64(len(kv.key)))
		buf = append(buf, kv.key...)
		buf = append(buf, kv.value...)
	}
	return buf
}

// appendLink appends a link pointer's encoding: tag 42 over the CID bytes
// after a 0 byte.
func appendLink(buf, c []byte) []byte {
	buf = append(buf, 0xd8, cborTagLink)
	buf = appendHead(buf, cborMajBytes, uint64(len(c)+1))
	buf = append(buf, 0)
	return append(buf, c...)
}

// linkOf returns the CID bytes of a link pointer's encoding (checked when
// it was parsed or written).
func linkOf(raw []byte) []byte {
	r := cborScanner{buf: raw, pos: 2} // past the tag
	b, _ := r.bytes(cborMaxLinkLength)
	if len(b) == 0 {
		return nil
	}
	return b[1:]
}

// appendHead appends a canonical CBOR header.
func appendHead(buf []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(buf, m|byte(n))
	case n <= 0xff:
		return append(buf, m|24, byte(n))
	case n <= 0xffff:
		return append(buf, m|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(buf, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(buf, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// hashBits reads a key's SHA-256 digest hamtBitWidth bits at a time, most
// significant bit first.
type hashBits struct {
	digest   [sha256.Size]byte
	consumed int
}

func newHashBits(key []byte) hashBits {
	return hashBits{digest: sha256.Sum256(key)}
}

func (hb *hashBits) next() (int, error) {
	if hb.consumed+hamtBitWidth > 8*sha256.Size {
		return 0, errHAMTMaxDepth
	}
	i := hb.consumed / 8
	// The 5 bits lie within the 16 bits starting at byte i.
	w := uint(hb.digest[i]) << 8
	if i+1 < sha256.Size {
		w |= uint(hb.digest[i+1])
	}
	shift := 16 - hamtBitWidth - hb.consumed%8
	hb.consumed += hamtBitWidth
	return int(w>>shift) & (hamtWidth - 1), nil
}

// parseHAMTNode decodes and validates a node (go-hamt-ipld's Node decoding
// and loadNode checks). Each pointer keeps its encoding, a slice of data.
func parseHAMTNode(data []byte, isRoot bool) (*hamtNode, error) {
	p, err := parseNode(data)
	if err != nil {
		return nil, err
	}
	return p.node(isRoot)
}

// node returns a node as read over p, checking that a child node holds
// more than a bucket's worth of pairs (go-hamt-ipld's loadNode check).
func (p *parsedNode) node(isRoot bool) (*hamtNode, error) {
	if !isRoot && (len(p.offs) == 1 || p.links == 0 && p.pairs <= hamtBucketSize) {
		return nil, fmt.Errorf("%w: a child node with %d pairs and no children", errMalformedHAMT, p.pairs)
	}
	return &hamtNode{bitfield: p.bitfield, data: p.data, offs: p.offs}, nil
}

// count adds a written pointer to the node's link and pair counts.
func (p *parsedNode) count(ptr *hamtPointer) {
	switch {
	case ptr.link:
		p.links++
	case ptr.raw != nil:
		r := cborScanner{buf: ptr.raw}
		_, n, _ := r.head() // checked when read
		p.pairs += int(n)
	default:
		p.pairs += len(ptr.kvs)
	}
}

// parseNode decodes and validates a node's encoding (go-hamt-ipld's Node
// decoding).
func parseNode(data []byte) (*parsedNode, error) {
	r := cborScanner{buf: data}
	if err := r.expect(cborMajArray, 2); err != nil {
		return nil, fmt.Errorf("%w: %w", errMalformedHAMT, err)
	}
	bitfield, err := r.bitfield()
	if err != nil {
		return nil, fmt.Errorf("%w: bitfield: %w", errMalformedHAMT, err)
	}
	maj, count, err := r.head()
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: pointers: %w", errMalformedHAMT, err)
	case count > cborMaxLength:
		return nil, fmt.Errorf("%w: %d pointers", errMalformedHAMT, count)
	case maj != cborMajArray:
		return nil, fmt.Errorf("%w: pointers are not an array", errMalformedHAMT)
	case count > hamtWidth || int(count) != bits.OnesCount32(bitfield):
		return nil, fmt.Errorf("%w: %d pointers for bitfield %032b", errMalformedHAMT, count, bitfield)
	}
	if len(data) > math.MaxUint32 {
		return nil, fmt.Errorf("%w: a node of %d bytes", errMalformedHAMT, len(data))
	}
	p := &parsedNode{bitfield: bitfield, data: data, offs: make([]uint32, count+1)}
	for i := range count {
		p.offs[i] = uint32(r.pos)
		kvs, err := r.pointer()
		if err != nil {
			return nil, fmt.Errorf("%w: pointer %d: %w", errMalformedHAMT, i, err)
		}
		if kvs == 0 {
			p.links++
		}
		p.pairs += kvs
	}
	p.offs[count] = uint32(r.pos)
	return p, nil
}

// cborScanner reads canonical CBOR from a byte slice, as cbor-gen's readers
// accept it.
type cborScanner struct {
	buf []byte
	pos int
}

var errShortCBOR = errors.New("unexpected end of CBOR")

// head reads a header, refusing non-minimal arguments and additional
// information 28-31 (cbor-gen's CborReadHeader).
func (r *cborScanner) head() (byte, uint64, error) {
	if r.pos >= len(r.buf) {
		return 0, 0, errShortCBOR
	}
	first := r.buf[r.pos]
	r.pos++
	if low := first & 0x1f; low < 24 {
		return first >> 5, uint64(low), nil
	}
	return r.longHead(first)
}

// longHead reads the argument bytes of a header whose first byte is first.
func (r *cborScanner) longHead(first byte) (byte, uint64, error) {
	maj, low := first>>5, first&0x1f
	var size int
	var min uint64
	switch {
	case low == 24:
		size, min = 1, 24
	case low == 25:
		size, min = 2, 0x100
	case low == 26:
		size, min = 4, 0x10000
	case low == 27:
		size, min = 8, 0x100000000
	default:
		return 0, 0, fmt.Errorf("invalid CBOR header %#x", first)
	}
	if len(r.buf)-r.pos < size {
		return 0, 0, errShortCBOR
	}
	var v uint64
	for _, b := range r.buf[r.pos : r.pos+size] {
		v = v<<8 | uint64(b)
	}
	r.pos += size
	if v < min {
		return 0, 0, fmt.Errorf("non-canonical CBOR header %#x with argument %d", first, v)
	}
	return maj, v, nil
}

func (r *cborScanner) expect(maj byte, n uint64) error {
	m, v, err := r.head()
	switch {
	case err != nil:
		return err
	case m != maj:
		return fmt.Errorf("major type %d, expected %d", m, maj)
	case v != n:
		return fmt.Errorf("%d items, expected %d", v, n)
	}
	return nil
}

// bytes reads a byte string of at most max bytes.
func (r *cborScanner) bytes(max uint64) ([]byte, error) {
	maj, n, err := r.head()
	switch {
	case err != nil:
		return nil, err
	case maj != cborMajBytes:
		return nil, fmt.Errorf("major type %d, expected a byte string", maj)
	case n > max:
		return nil, fmt.Errorf("byte string of %d bytes (at most %d)", n, max)
	case uint64(len(r.buf)-r.pos) < n:
		return nil, errShortCBOR
	}
	b := r.buf[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b, nil
}

// bitfield reads the node's bitfield: big-endian bytes whose value must fit
// the node's 32 slots.
func (r *cborScanner) bitfield() (uint32, error) {
	b, err := r.bytes(cborMaxByteLength)
	if err != nil {
		return 0, err
	}
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) > 4 {
		return 0, fmt.Errorf("bitfield of %d bytes for %d slots", len(b), hamtWidth)
	}
	var v uint32
	for _, x := range b {
		v = v<<8 | uint32(x)
	}
	return v, nil
}

// pointer checks a pointer: a link to a DAG-CBOR child (0 is returned),
// or a bucket of 1 to 3 pairs with strictly increasing keys (the number of
// pairs is returned).
func (r *cborScanner) pointer() (int, error) {
	if r.pos < len(r.buf) && r.buf[r.pos] == cborNull {
		return 0, errors.New("null pointer")
	}
	maj, n, err := r.head()
	if err != nil {
		return 0, err
	}
	switch maj {
	case cborMajTag:
		if n != cborTagLink {
			return 0, fmt.Errorf("tag %d, expected %d", n, cborTagLink)
		}
		_, err := r.link()
		return 0, err
	case cborMajArray:
		if n > hamtMaxBucketRead {
			return 0, fmt.Errorf("bucket of %d pairs", n)
		}
		if n == 0 || n > hamtBucketSize {
			return 0, fmt.Errorf("bucket of %d pairs (1 to %d)", n, hamtBucketSize)
		}
		var last []byte
		for i := range n {
			kv, err := r.pair()
			if err != nil {
				return 0, err
			}
			if i > 0 && bytes.Compare(last, kv.key) >= 0 {
				return 0, errors.New("bucket keys out of order")
			}
			last = kv.key
		}
		return int(n), nil
	}
	return 0, fmt.Errorf("major type %d, expected a link or a bucket", maj)
}

// link reads a link's bytes (a 0 byte, then the CID) and checks that the
// CID is a whole DAG-CBOR CIDv1 (the only children a HAMT has).
func (r *cborScanner) link() ([]byte, error) {
	b, err := r.bytes(cborMaxLinkLength)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != 0 {
		return nil, errors.New("link without the identity multibase prefix")
	}
	b = b[1:]
	if len(b) == len(dagCBORBlake2bPrefix)+32 && bytes.HasPrefix(b, dagCBORBlake2bPrefix) {
		return b, nil // what the FVM writes
	}
	rest := b
	var fields [4]uint64 // version, codec, multihash code, digest length
	for i := range fields {
		v, n, err := varint.FromUvarint(rest)
		if err != nil {
			return nil, fmt.Errorf("link: %w", err)
		}
		fields[i], rest = v, rest[n:]
	}
	switch {
	case fields[0] != 1:
		return nil, fmt.Errorf("link of CID version %d", fields[0])
	case fields[1] != cid.DagCBOR:
		return nil, fmt.Errorf("link to codec %#x, not DAG-CBOR", fields[1])
	case fields[3] != uint64(len(rest)):
		return nil, fmt.Errorf("link digest of %d bytes, %d given", fields[3], len(rest))
	}
	return b, nil
}

// dagCBORBlake2bPrefix is the prefix of a DAG-CBOR, BLAKE2b-256 CIDv1:
// version 1, codec 0x71, multihash 0xb220 of 32 bytes.
var dagCBORBlake2bPrefix = []byte{0x01, 0x71, 0xa0, 0xe4, 0x02, 0x20}

// pair reads [key, value].
func (r *cborScanner) pair() (hamtKV, error) {
	if err := r.expect(cborMajArray, 2); err != nil {
		return hamtKV{}, err
	}
	key, err := r.bytes(cborMaxByteLength)
	if err != nil {
		return hamtKV{}, fmt.Errorf("key: %w", err)
	}
	start := r.pos
	if err := r.skip(); err != nil {
		return hamtKV{}, fmt.Errorf("value: %w", err)
	}
	return hamtKV{key: key, value: r.buf[start:r.pos]}, nil
}

// skip passes over one complete item (cbor-gen's Deferred decoding).
func (r *cborScanner) skip() error {
	for remaining := uint64(1); remaining > 0; remaining-- {
		maj, n, err := r.head()
		if err != nil {
			return err
		}
		switch maj {
		case cborMajBytes, cborMajText:
			if n > cborMaxByteLength {
				return fmt.Errorf("string of %d bytes", n)
			}
			if uint64(len(r.buf)-r.pos) < n {
				return errShortCBOR
			}
			r.pos += int(n)
		case cborMajTag:
			remaining++
		case cborMajArray, cborMajMap:
			if n > cborMaxLength {
				return fmt.Errorf("%d items", n)
			}
			if maj == cborMajMap {
				n *= 2
			}
			remaining += n
		}
	}
	return nil
}
