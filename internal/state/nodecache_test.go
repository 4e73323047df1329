package state

import (
	"context"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// TestNodeCacheSharedByTrees writes a HAMT through a cache, then reads it
// back through the cache (the written nodes, as put) and without it: the
// values and the roots must be the same, every cached node must be what
// parsing its block gives, and a change made through one tree must not show
// in another over the same nodes.
func TestNodeCacheSharedByTrees(t *testing.T) {
	ctx := context.Background()
	bs := blockstore.NewMemory()
	cache := NewNodeCache(1 << 30)
	key := func(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }
	value := func(i, gen int) []byte { return []byte{0x82, byte(i), byte(gen)} } // [i, gen]

	h := newHAMT(bs, cache)
	for i := range 2000 {
		if err := h.set(ctx, key(i), value(i%20, 0)); err != nil {
			t.Fatal(err)
		}
	}
	root, err := h.flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cache.cur) < 10 {
		t.Fatalf("%d nodes cached after writing 2000 keys", len(cache.cur))
	}
	for k, p := range cache.cur {
		blk, err := bs.Get(ctx, mustCast(t, k))
		if err != nil {
			t.Fatal(err)
		}
		want, err := parseNode(blk.RawData())
		if err != nil || !reflect.DeepEqual(p, want) {
			t.Fatalf("cached node %+v, parsed %+v (%v)", p, want, err)
		}
	}

	cached, err := loadHAMT(ctx, bs, root, cache)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := loadHAMT(ctx, bs, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cached.set(ctx, key(7), value(7, 1)); err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		got, _, err := plain.find(ctx, key(i))
		if err != nil || string(got) != string(value(i%20, 0)) {
			t.Fatalf("key %d: %x (%v) after a change in another tree", i, got, err)
		}
	}
	other, err := loadHAMT(ctx, bs, root, cache)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := other.find(ctx, key(7)); string(got) != string(value(7, 0)) {
		t.Fatalf("a tree over the cache sees %x, another tree's unflushed change", got)
	}
	again, err := other.flush(ctx)
	if err != nil || again != root {
		t.Fatalf("unchanged tree flushed to %s (%v), want %s", again, err, root)
	}
}

// TestNodeCacheGenerations checks the budget, here one node per generation:
// the newer generation turns old when full, a hit in the old one moves the
// node back, and what the old one holds at the next turn is dropped.
func TestNodeCacheGenerations(t *testing.T) {
	c := NewNodeCache(2 * (100 + 4 + 1 + 64))
	node := func() *parsedNode { return &parsedNode{data: make([]byte, 100), offs: []uint32{0}} }
	c.add("a", node())
	c.add("b", node())     // new: b, old: a
	if c.get("a") == nil { // new: a, old: b
		t.Fatal("a was dropped after one turn")
	}
	c.add("c", node()) // new: c, old: a; b is dropped
	if c.get("b") != nil {
		t.Fatal("b outlived two turns without a hit")
	}
	if c.get("a") == nil || c.get("c") == nil {
		t.Fatal("a node of the last two generations is gone")
	}
	var none *NodeCache
	none.add("x", node())
	if none.get("x") != nil {
		t.Fatal("a nil cache returned a node")
	}
}

func mustCast(t *testing.T, key string) cid.Cid {
	t.Helper()
	c, err := cid.Cast([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDagCBORCID checks the state's CIDs against go-cid's Prefix.Sum.
func TestDagCBORCID(t *testing.T) {
	prefix := cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: mh.BLAKE2B_MIN + 31, MhLength: 32}
	for _, data := range [][]byte{{0x80}, {0x82, 0x40, 0x80}, make([]byte, 5000)} {
		want, err := prefix.Sum(data)
		if err != nil {
			t.Fatal(err)
		}
		if got := dagCBORCID(data); got != want {
			t.Fatalf("CID of %d bytes: %s, go-cid %s", len(data), got, want)
		}
	}
}
