package blockstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
)

func TestMemory(t *testing.T) {
	ctx := context.Background()
	m := blockstore.NewMemory()
	a := mkBlock(t, prefixDagCBOR, cArray(cUint(1)))
	b := mkBlock(t, prefixRaw, []byte("raw"))
	c := mkBlock(t, prefixDagCBOR, cText("c"))

	if _, err := m.Get(ctx, a.Cid()); !errors.Is(err, blockstore.ErrNotFound) {
		t.Fatalf("Get of a missing block: err = %v, want ErrNotFound", err)
	}
	if ok, err := m.Has(ctx, a.Cid()); ok || err != nil {
		t.Fatalf("Has of a missing block = %v, %v", ok, err)
	}
	if err := m.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := m.PutMany(ctx, []blocks.Block{b, c, a}); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	for _, want := range []blocks.Block{a, b, c} {
		got, err := m.Get(ctx, want.Cid())
		if err != nil {
			t.Fatalf("Get %s: %v", want.Cid(), err)
		}
		if got.Cid() != want.Cid() || !bytes.Equal(got.RawData(), want.RawData()) {
			t.Fatalf("Get %s returned %s %x", want.Cid(), got.Cid(), got.RawData())
		}
		if ok, _ := m.Has(ctx, want.Cid()); !ok {
			t.Fatalf("Has %s = false", want.Cid())
		}
	}
}

func TestBufferedReadsThroughAndBuffers(t *testing.T) {
	ctx := context.Background()
	base := blockstore.NewMemory()
	inBase := mkBlock(t, prefixDagCBOR, cText("base"))
	if err := base.Put(ctx, inBase); err != nil {
		t.Fatal(err)
	}
	b := blockstore.NewBuffered(base)
	if b.Base() != base {
		t.Fatal("Base() is not the base store")
	}
	buffered := mkBlock(t, prefixDagCBOR, cText("buffered"))
	if err := b.Put(ctx, buffered); err != nil {
		t.Fatal(err)
	}
	if ok, _ := base.Has(ctx, buffered.Cid()); ok {
		t.Fatal("Put reached the base store before Flush")
	}
	if b.Buffered() != 1 {
		t.Fatalf("Buffered = %d, want 1", b.Buffered())
	}
	for _, want := range []blocks.Block{inBase, buffered} {
		got, err := b.Get(ctx, want.Cid())
		if err != nil || !bytes.Equal(got.RawData(), want.RawData()) {
			t.Fatalf("Get %s = %v, %v", want.Cid(), got, err)
		}
		if ok, err := b.Has(ctx, want.Cid()); !ok || err != nil {
			t.Fatalf("Has %s = %v, %v", want.Cid(), ok, err)
		}
	}
	missing := mkBlock(t, prefixDagCBOR, cText("missing"))
	if _, err := b.Get(ctx, missing.Cid()); !errors.Is(err, blockstore.ErrNotFound) {
		t.Fatalf("Get of a missing block: %v", err)
	}
	if ok, _ := b.Has(ctx, missing.Cid()); ok {
		t.Fatal("Has of a missing block = true")
	}
}

// graph is a set of blocks for a flush test, and what Flush must do with them.
type flushCase struct {
	name string
	// build returns the blocks to buffer, the blocks to pre-load into the
	// base, the root to flush, and the blocks Flush must write.
	build func(t *testing.T) (buffer, base []blocks.Block, root cid.Cid, want []blocks.Block)
	// wantErr, when set, means Flush must fail with it and write nothing.
	wantErr error
}

func TestBufferedFlush(t *testing.T) {
	cases := []flushCase{
		{
			name: "tree with diamond, unreachable blocks stay",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				leaf := mkBlock(t, prefixRaw, []byte("leaf"))
				a := mkBlock(t, prefixDagCBOR, cArray(cLink(leaf.Cid()), cUint(1)))
				b := mkBlock(t, prefixDagCBOR, cMap(cText("x"), cLink(leaf.Cid()), cText("y"), cNull))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(a.Cid()), cMap(cText("b"), cLink(b.Cid()))))
				orphan := mkBlock(t, prefixDagCBOR, cArray(cLink(leaf.Cid()), cLink(a.Cid())))
				orphanRaw := mkBlock(t, prefixRaw, []byte("orphan"))
				return []blocks.Block{leaf, a, b, root, orphan, orphanRaw}, nil, root.Cid(),
					[]blocks.Block{leaf, a, b, root}
			},
		},
		{
			name: "links under non-42 tags, deep nesting",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				x := mkBlock(t, prefixDagCBOR, cText("x"))
				y := mkBlock(t, prefixDagCBOR, cUint(7))
				root := mkBlock(t, prefixDagCBOR, cArray(
					cTag(2, cBytes([]byte{1, 2})),
					cTag(1234, cArray(cArray(cMap(cText("k"), cLink(x.Cid()))))),
					cFloat, cTrue, cNeg(5),
					cMap(cLink(y.Cid()), cText("link as a map key")),
				))
				return []blocks.Block{x, y, root}, nil, root.Cid(), []blocks.Block{x, y, root}
			},
		},
		{
			name: "identity dag-cbor root: its inline digest is scanned",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				child := mkBlock(t, prefixDagCBOR, cArray(cUint(3)))
				other := mkBlock(t, prefixDagCBOR, cArray(cUint(4)))
				root := identityCID(t, cid.DagCBOR, cArray(cLink(child.Cid())))
				return []blocks.Block{child, other}, nil, root, []blocks.Block{child}
			},
		},
		{
			name: "identity dag-cbor link inside a block is scanned",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				child := mkBlock(t, prefixRaw, []byte("deep"))
				inline := identityCID(t, cid.DagCBOR, cMap(cText("c"), cLink(child.Cid())))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(inline)))
				return []blocks.Block{child, root}, nil, root.Cid(), []blocks.Block{child, root}
			},
		},
		{
			name: "identity raw link is not followed",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				inline := identityCID(t, cid.Raw, []byte("inline raw"))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(inline)))
				return []blocks.Block{root}, nil, root.Cid(), []blocks.Block{root}
			},
		},
		{
			name: "piece commitment links are skipped",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(commitmentCID(t)), cUint(1)))
				return []blocks.Block{root}, nil, root.Cid(), []blocks.Block{root}
			},
		},
		{
			name: "raw and plain cbor blocks are not scanned",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				hidden := mkBlock(t, prefixDagCBOR, cText("hidden"))
				plain := mkBlock(t, prefixCBOR, cArray(cLink(hidden.Cid())))
				raw := mkBlock(t, prefixRaw, cArray(cLink(hidden.Cid())))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(plain.Cid()), cLink(raw.Cid())))
				return []blocks.Block{hidden, plain, raw, root}, nil, root.Cid(), []blocks.Block{plain, raw, root}
			},
		},
		{
			name: "a reachable block already in the base is not walked",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				below := mkBlock(t, prefixDagCBOR, cText("below"))
				mid := mkBlock(t, prefixDagCBOR, cArray(cLink(below.Cid())))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(mid.Cid())))
				return []blocks.Block{below, root}, []blocks.Block{mid}, root.Cid(), []blocks.Block{root}
			},
		},
		{
			name: "root not buffered: nothing is written",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				child := mkBlock(t, prefixDagCBOR, cText("child"))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(child.Cid())))
				return []blocks.Block{child}, nil, root.Cid(), nil
			},
		},
		{
			name: "sha2-256 link is an error",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				bad := mkBlock(t, prefixSHA256, cText("sha"))
				ok := mkBlock(t, prefixDagCBOR, cText("ok"))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(ok.Cid()), cLink(bad.Cid())))
				return []blocks.Block{bad, ok, root}, nil, root.Cid(), nil
			},
			wantErr: blockstore.ErrUnexpectedCID,
		},
		{
			name: "sha2-256 link inside an identity cid is an error",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				bad := mkBlock(t, prefixSHA256, cText("sha"))
				inline := identityCID(t, cid.DagCBOR, cArray(cLink(bad.Cid())))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(inline)))
				return []blocks.Block{bad, root}, nil, root.Cid(), nil
			},
			wantErr: blockstore.ErrUnexpectedCID,
		},
		{
			name: "truncated blake2b is an error",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				bad := mkBlock(t, prefixShort, cText("short"))
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(bad.Cid())))
				return []blocks.Block{bad, root}, nil, root.Cid(), nil
			},
			wantErr: blockstore.ErrUnexpectedCID,
		},
		{
			name: "dag-pb codec is an error",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				bad := mkBlock(t, prefixDagPB, []byte{0x0a, 0x00})
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(bad.Cid())))
				return []blocks.Block{root}, nil, root.Cid(), nil
			},
			wantErr: blockstore.ErrUnexpectedCID,
		},
		{
			name: "sha2-256 root is an error",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				root := mkBlock(t, prefixSHA256, cArray())
				return []blocks.Block{root}, nil, root.Cid(), nil
			},
			wantErr: blockstore.ErrUnexpectedCID,
		},
		{
			name: "malformed reachable block is an error",
			build: func(t *testing.T) ([]blocks.Block, []blocks.Block, cid.Cid, []blocks.Block) {
				bad := mkBlock(t, prefixDagCBOR, []byte{0x82, 0x01}) // array of 2 with 1 item
				root := mkBlock(t, prefixDagCBOR, cArray(cLink(bad.Cid())))
				return []blocks.Block{bad, root}, nil, root.Cid(), nil
			},
			wantErr: blockstore.ErrMalformedCBOR,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			buffer, preloaded, root, want := tc.build(t)
			base := blockstore.NewMemory()
			if err := base.PutMany(ctx, preloaded); err != nil {
				t.Fatal(err)
			}
			b := blockstore.NewBuffered(base)
			for _, blk := range buffer {
				if err := b.Put(ctx, blk); err != nil {
					t.Fatal(err)
				}
			}
			err := b.Flush(ctx, root)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Flush: err = %v, want %v", err, tc.wantErr)
				}
				if !bytes.Contains([]byte(err.Error()), []byte(root.String())) {
					t.Errorf("error %q does not name the root %s", err, root)
				}
				if base.Len() != len(preloaded) {
					t.Errorf("failed Flush wrote %d blocks", base.Len()-len(preloaded))
				}
				if b.Buffered() != len(buffer) {
					t.Errorf("failed Flush changed the buffer: %d blocks, want %d", b.Buffered(), len(buffer))
				}
				return
			}
			if err != nil {
				t.Fatalf("Flush: %v", err)
			}
			if got := base.Len() - len(preloaded); got != len(want) {
				t.Errorf("Flush wrote %d blocks, want %d", got, len(want))
			}
			for _, w := range want {
				got, err := base.Get(ctx, w.Cid())
				if err != nil {
					t.Errorf("block %s not flushed: %v", w.Cid(), err)
					continue
				}
				if !bytes.Equal(got.RawData(), w.RawData()) {
					t.Errorf("block %s flushed with other bytes", w.Cid())
				}
			}
			if got, wantLeft := b.Buffered(), len(buffer)-len(want); got != wantLeft {
				t.Errorf("%d blocks left buffered, want %d", got, wantLeft)
			}
			// Everything is still readable through the buffered store.
			for _, blk := range append(buffer, preloaded...) {
				if _, err := b.Get(ctx, blk.Cid()); err != nil {
					t.Errorf("Get %s after Flush: %v", blk.Cid(), err)
				}
			}
			// A second flush of the same root has nothing left to write.
			n := base.Len()
			if err := b.Flush(ctx, root); err != nil {
				t.Fatalf("second Flush: %v", err)
			}
			if base.Len() != n {
				t.Errorf("second Flush wrote %d blocks", base.Len()-n)
			}
		})
	}
}

// failingStore is a base store whose Put fails after a number of writes.
type failingStore struct {
	*blockstore.Memory
	okPuts int
}

var errDiskFull = errors.New("disk full")

func (f *failingStore) Put(ctx context.Context, b blocks.Block) error {
	if f.okPuts == 0 {
		return errDiskFull
	}
	f.okPuts--
	return f.Memory.Put(ctx, b)
}

// A base that fails mid-flush must not lose blocks: every block stays
// readable, and a later flush writes what is missing.
func TestBufferedFlushBaseError(t *testing.T) {
	ctx := context.Background()
	base := &failingStore{Memory: blockstore.NewMemory(), okPuts: 1}
	b := blockstore.NewBuffered(base)
	c1 := mkBlock(t, prefixDagCBOR, cText("one"))
	c2 := mkBlock(t, prefixDagCBOR, cText("two"))
	c3 := mkBlock(t, prefixDagCBOR, cText("three"))
	root := mkBlock(t, prefixDagCBOR, cArray(cLink(c1.Cid()), cLink(c2.Cid()), cLink(c3.Cid())))
	all := []blocks.Block{c1, c2, c3, root}
	for _, blk := range all {
		if err := b.Put(ctx, blk); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(ctx, root.Cid()); !errors.Is(err, errDiskFull) {
		t.Fatalf("Flush: err = %v, want the base's error", err)
	}
	for _, blk := range all {
		if _, err := b.Get(ctx, blk.Cid()); err != nil {
			t.Fatalf("block %s lost after a failed flush: %v", blk.Cid(), err)
		}
	}
	base.okPuts = 100
	if err := b.Flush(ctx, root.Cid()); err != nil {
		t.Fatalf("retried Flush: %v", err)
	}
	for _, blk := range all {
		if ok, _ := base.Memory.Has(ctx, blk.Cid()); !ok {
			t.Errorf("block %s not in the base after the retried flush", blk.Cid())
		}
	}
}
