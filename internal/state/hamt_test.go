package state

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	hamt "github.com/filecoin-project/go-hamt-ipld/v3"
	"github.com/filecoin-project/go-state-types/big"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
)

// The HAMT must give, operation for operation, the roots go-hamt-ipld v3
// gives (the layout Lotus reads the state with), and find what it finds.

func goHAMTOptions() []hamt.Option {
	return []hamt.Option{
		hamt.UseTreeBitWidth(hamtBitWidth),
		hamt.UseHashFunction(func(b []byte) []byte {
			h := sha256.Sum256(b)
			return h[:]
		}),
	}
}

// hamtPair drives go-hamt-ipld and hamtMap side by side.
type hamtPair struct {
	t    *testing.T
	ctx  context.Context
	ref  *hamt.Node
	refS *blockstore.Memory
	ours *hamtMap
	ourS *blockstore.Memory
	keys map[string][]byte
}

func newHAMTPair(t *testing.T) *hamtPair {
	ctx := context.Background()
	refS, ourS := blockstore.NewMemory(), blockstore.NewMemory()
	ref, err := hamt.NewNode(cbor.NewCborStore(refS), goHAMTOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	return &hamtPair{t: t, ctx: ctx, ref: ref, refS: refS, ours: newHAMT(ourS, nil), ourS: ourS, keys: map[string][]byte{}}
}

func (p *hamtPair) set(key, value []byte) {
	p.t.Helper()
	if err := p.ref.SetRaw(p.ctx, string(key), value); err != nil {
		p.t.Fatal(err)
	}
	if err := p.ours.set(p.ctx, key, value); err != nil {
		p.t.Fatalf("set %x: %v", key, err)
	}
	p.keys[string(key)] = value
}

func (p *hamtPair) delete(key []byte) {
	p.t.Helper()
	want, err := p.ref.Delete(p.ctx, string(key))
	if err != nil {
		p.t.Fatal(err)
	}
	got, err := p.ours.delete(p.ctx, key)
	if err != nil || got != want {
		p.t.Fatalf("delete %x = %v, %v; go-hamt-ipld says %v", key, got, err, want)
	}
	delete(p.keys, string(key))
}

// flush writes both and compares the roots; with reload, ours continues
// from a fresh load of its root (so that later changes work on parsed
// nodes).
func (p *hamtPair) flush(reload bool) cid.Cid {
	p.t.Helper()
	want, err := p.ref.Write(p.ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	got, err := p.ours.flush(p.ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	if got != want {
		p.t.Fatalf("root %s, go-hamt-ipld %s", got, want)
	}
	if reload {
		if p.ours, err = loadHAMT(p.ctx, p.ourS, got, nil); err != nil {
			p.t.Fatal(err)
		}
	}
	return got
}

// check finds every key set, and a few that are not, in both.
func (p *hamtPair) check(absent [][]byte) {
	p.t.Helper()
	for k, v := range p.keys {
		got, found, err := p.ours.find(p.ctx, []byte(k))
		if err != nil || !found || !bytes.Equal(got, v) {
			p.t.Fatalf("find %x = %x, %v, %v; want %x", k, got, found, err, v)
		}
	}
	for _, k := range absent {
		if _, ok := p.keys[string(k)]; ok {
			continue
		}
		_, found, err := p.ours.find(p.ctx, k)
		if err != nil || found {
			p.t.Fatalf("find of absent %x = %v, %v", k, found, err)
		}
	}
	var got, want [][]byte
	if err := p.ours.forEach(p.ctx, func(k, v []byte) error {
		got = append(got, append(slices.Clone(k), v...))
		return nil
	}); err != nil {
		p.t.Fatal(err)
	}
	if err := p.ref.ForEach(p.ctx, func(k string, v *cbg.Deferred) error {
		want = append(want, append([]byte(k), v.Raw...))
		return nil
	}); err != nil {
		p.t.Fatal(err)
	}
	if !slices.EqualFunc(got, want, bytes.Equal) {
		p.t.Fatalf("forEach gave %d pairs, go-hamt-ipld %d, or another order", len(got), len(want))
	}
}

// collidingKeys returns n keys whose hashes share their first prefixBits
// bits, so that buckets fill and nodes split and collapse deep down.
func collidingKeys(rng *rand.Rand, n, prefixBits int) [][]byte {
	var out [][]byte
	var want uint32
	for len(out) < n {
		k := make([]byte, 1+rng.IntN(12))
		for i := range k {
			k[i] = byte(rng.UintN(256))
		}
		h := sha256.Sum256(k)
		prefix := (uint32(h[0])<<24 | uint32(h[1])<<16 | uint32(h[2])<<8 | uint32(h[3])) >> (32 - prefixBits)
		if len(out) == 0 {
			want = prefix
		}
		if prefix == want && !slices.ContainsFunc(out, func(o []byte) bool { return bytes.Equal(o, k) }) {
			out = append(out, k)
		}
	}
	return out
}

// cborValue returns a small CBOR value: an array holding a byte string.
func cborValue(rng *rand.Rand) []byte {
	n := rng.IntN(20)
	v := []byte{0x82, byte(rng.IntN(24)), 0x40 | byte(n)}
	for range n {
		v = append(v, byte(rng.UintN(256)))
	}
	return v
}

func TestHAMTMatchesGoHAMT(t *testing.T) {
	for _, tc := range []struct {
		name       string
		keys       int
		prefixBits int
		ops        int
	}{
		{"spread keys", 400, 0, 3000},
		{"keys sharing 5 bits", 60, 5, 1500},
		{"keys sharing 10 bits", 40, 10, 1500},
		{"keys sharing 15 bits", 12, 15, 800},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.keys), uint64(tc.prefixBits)))
			keys := collidingKeys(rng, tc.keys, tc.prefixBits)
			p := newHAMTPair(t)
			for i := range tc.ops {
				k := keys[rng.IntN(len(keys))]
				switch r := rng.IntN(10); {
				case r < 5:
					p.set(k, cborValue(rng))
				case r < 6:
					if v, ok := p.keys[string(k)]; ok {
						p.set(k, v) // the same bytes again: changes nothing
					}
				default:
					p.delete(k)
				}
				if i%97 == 0 {
					p.flush(i%2 == 0)
					p.check(keys[:5])
				}
			}
			// Delete everything: both collapse to the empty root.
			for _, k := range keys {
				p.delete(k)
			}
			if got := p.flush(true); got != dagCBORCID([]byte{0x82, 0x40, 0x80}) {
				t.Fatalf("empty HAMT root %s", got)
			}
		})
	}
}

// A node parses exactly when go-hamt-ipld loads it, and what parses is
// written back byte for byte as go-hamt-ipld writes it.
func FuzzHAMTNode(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := newHAMTPair(&testing.T{})
	for _, k := range collidingKeys(rng, 30, 3) {
		p.set(k, cborValue(rng))
	}
	root := p.flush(false)
	blk, _ := p.ourS.Get(context.Background(), root)
	f.Add(blk.RawData())
	f.Add([]byte{0x82, 0x40, 0x80})
	f.Add([]byte{0x82, 0x41, 0x01, 0x81, 0x81, 0x82, 0x41, 0x00, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		ref, refErr := loadWithGoHAMT(data)
		ours, err := parseHAMTNode(data, true)
		if refErr == nil && ref.Bitfield.BitLen() > hamtWidth {
			// Deliberately refused: a bitfield beyond the node's 32 slots.
			if err == nil {
				t.Fatalf("parsed a node with bitfield %x", ref.Bitfield.Bytes())
			}
			return
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("parse error %v, go-hamt-ipld %v", err, refErr)
		}
		if err != nil {
			return
		}
		var want bytes.Buffer
		if err := ref.MarshalCBOR(&want); err != nil {
			t.Fatal(err)
		}
		got := ours.encode()
		if !bytes.Equal(got.data, want.Bytes()) {
			t.Fatalf("encoded\n%x\ngo-hamt-ipld\n%x", got.data, want.Bytes())
		}
		// What encode gives the node cache is what parsing its bytes gives.
		if again, err := parseNode(got.data); err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("encoded node %+v, parsed again %+v (%v)", got, again, err)
		}
	})
}

// loadWithGoHAMT loads data as a root node with go-hamt-ipld (decoding and
// loadNode's checks).
func loadWithGoHAMT(data []byte) (*hamt.Node, error) {
	ctx := context.Background()
	c := dagCBORCID(data)
	bs := blockstore.NewMemory()
	blk, _ := blocks.NewBlockWithCid(data, c)
	if err := bs.Put(ctx, blk); err != nil {
		return nil, err
	}
	return hamt.LoadNode(ctx, cbor.NewCborStore(bs), c, goHAMTOptions()...)
}

// benchHAMT writes a HAMT of n actor-like entries (ID-address keys, 5-field
// actor values of about 90 bytes) and returns its store, root and keys.
func benchHAMT(b *testing.B, n int) (*blockstore.Memory, cid.Cid, [][]byte) {
	b.Helper()
	ctx := context.Background()
	bs := blockstore.NewMemory()
	h := newHAMT(bs, nil)
	code := dagCBORCID([]byte("code"))
	keys := make([][]byte, n)
	for i := range n {
		keys[i] = idKey(uint64(1000 + i*7))
		act := &ActorState{Code: code, Head: dagCBORCID([]byte(fmt.Sprint(i))), Sequence: uint64(i), Balance: big.NewInt(int64(i) * 1e15)}
		v, err := encodeActor(act, Version5)
		if err != nil {
			b.Fatal(err)
		}
		if err := h.set(ctx, keys[i], v); err != nil {
			b.Fatal(err)
		}
	}
	root, err := h.flush(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return bs, root, keys
}

// BenchmarkHAMTColdFind opens a 200,000-entry HAMT and finds one key: the
// state-tree read of a message's first access to an actor.
func BenchmarkHAMTColdFind(b *testing.B) {
	ctx := context.Background()
	bs, root, keys := benchHAMT(b, 200_000)
	i := 0
	for b.Loop() {
		h, err := loadHAMT(ctx, bs, root, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, found, err := h.find(ctx, keys[i%len(keys)]); !found || err != nil {
			b.Fatal(found, err)
		}
		i += 7919
	}
}

// BenchmarkHAMTColdSetFlush opens the HAMT, changes three entries and
// writes it: the state-tree flush of a simple message (sender, reward and
// burnt-funds actors).
func BenchmarkHAMTColdSetFlush(b *testing.B) {
	ctx := context.Background()
	bs, root, keys := benchHAMT(b, 200_000)
	i := 0
	for b.Loop() {
		h, err := loadHAMT(ctx, blockstore.NewBuffered(bs), root, nil)
		if err != nil {
			b.Fatal(err)
		}
		for range 3 {
			k := keys[i%len(keys)]
			v, _, err := h.find(ctx, k)
			if err != nil {
				b.Fatal(err)
			}
			v = slices.Clone(v)
			v[len(v)-2]++ // another balance byte
			if err := h.set(ctx, k, v); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
		if _, err := h.flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHAMTParse parses a full internal node (32 links) and a leaf
// node (32 buckets of actors), the two kinds a state-tree lookup reads.
func BenchmarkHAMTParse(b *testing.B) {
	ctx := context.Background()
	bs, root, keys := benchHAMT(b, 200_000)
	h, err := loadHAMT(ctx, bs, root, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := h.find(ctx, keys[0]); err != nil {
		b.Fatal(err)
	}
	// Walk the first key's path: the root is internal, the last node a leaf.
	var internal, leaf []byte
	n := h.root
	for n != nil {
		var next *hamtNode
		for _, c := range n.children {
			if c != nil {
				next = c
			}
		}
		if next == nil {
			leaf = n.data
		} else if internal == nil {
			internal = n.data
		}
		n = next
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"internal", internal}, {"leaf", leaf}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			for b.Loop() {
				if _, err := parseHAMTNode(tc.data, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
