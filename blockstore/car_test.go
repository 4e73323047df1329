package blockstore_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
)

// buildCARv1 writes a CARv1 by hand (from the CAR spec): a varint-framed
// DAG-CBOR header {"roots": [...], "version": 1}, then varint-framed
// CID ‖ data sections. It returns the bytes and the offsets where sections end.
func buildCARv1(roots []cid.Cid, bs []blocks.Block) ([]byte, []int) {
	links := make([][]byte, len(roots))
	for i, r := range roots {
		links[i] = cLink(r)
	}
	header := cMap(cText("roots"), cArray(links...), cText("version"), cUint(1))
	var out []byte
	out = binary.AppendUvarint(out, uint64(len(header)))
	out = append(out, header...)
	ends := []int{len(out)}
	for _, b := range bs {
		section := append(append([]byte{}, b.Cid().Bytes()...), b.RawData()...)
		out = binary.AppendUvarint(out, uint64(len(section)))
		out = append(out, section...)
		ends = append(ends, len(out))
	}
	return out, ends
}

func carFixture(t *testing.T) ([]cid.Cid, []blocks.Block) {
	leaf := mkBlock(t, prefixRaw, []byte("leaf"))
	mid := mkBlock(t, prefixDagCBOR, cArray(cLink(leaf.Cid())))
	root := mkBlock(t, prefixDagCBOR, cMap(cText("m"), cLink(mid.Cid())))
	other := mkBlock(t, prefixDagCBOR, cText("second root"))
	return []cid.Cid{root.Cid(), other.Cid()}, []blocks.Block{root, mid, leaf, other}
}

func TestLoadCAR(t *testing.T) {
	ctx := context.Background()
	roots, bs := carFixture(t)
	data, _ := buildCARv1(roots, bs)
	store := blockstore.NewMemory()
	gotRoots, n, err := blockstore.LoadCAR(ctx, bytes.NewReader(data), store)
	if err != nil {
		t.Fatalf("LoadCAR: %v", err)
	}
	if !slices.Equal(gotRoots, roots) {
		t.Errorf("roots = %v, want %v", gotRoots, roots)
	}
	if n != len(bs) || store.Len() != len(bs) {
		t.Errorf("read %d blocks, stored %d, want %d", n, store.Len(), len(bs))
	}
	for _, b := range bs {
		got, err := store.Get(ctx, b.Cid())
		if err != nil || !bytes.Equal(got.RawData(), b.RawData()) {
			t.Errorf("block %s: %v", b.Cid(), err)
		}
	}
}

func TestLoadCARMalformed(t *testing.T) {
	ctx := context.Background()
	roots, bs := carFixture(t)
	good, ends := buildCARv1(roots, bs)

	// A block whose bytes do not hash to its CID.
	garbledBlock := slices.Clone(good)
	garbledBlock[len(garbledBlock)-1] ^= 0xff

	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("this is not a CAR file at all")},
		{"header length beyond input", []byte{0x40, 0xa1}},
		{"header not a map", append([]byte{0x01}, 0x01)},
		{"header version 7", func() []byte {
			h := cMap(cText("roots"), cArray(cLink(roots[0])), cText("version"), cUint(7))
			return append(binary.AppendUvarint(nil, uint64(len(h))), h...)
		}()},
		{"block does not match its cid", garbledBlock},
		{"section with a bad cid", append(slices.Clone(good[:ends[0]]), 0x05, 0x01, 0x71, 0xff, 0xff, 0xff)},
		{"section length beyond input", append(slices.Clone(good[:ends[0]]), 0xff, 0x01, 0x01)},
	}
	// Every truncation inside the header or a section.
	for cut := 1; cut < len(good); cut++ {
		if slices.Contains(ends, cut) {
			continue // a cut between sections is a valid, shorter CAR
		}
		cases = append(cases, struct {
			name string
			data []byte
		}{"truncated at " + strconv.Itoa(cut), good[:cut]})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := blockstore.LoadCAR(ctx, bytes.NewReader(tc.data), blockstore.NewMemory())
			if !errors.Is(err, blockstore.ErrMalformedCAR) {
				t.Fatalf("LoadCAR: err = %v, want ErrMalformedCAR", err)
			}
		})
	}
}

// A cut exactly between sections gives a valid CAR holding fewer blocks.
func TestLoadCARCutBetweenSections(t *testing.T) {
	ctx := context.Background()
	roots, bs := carFixture(t)
	good, ends := buildCARv1(roots, bs)
	for i, end := range ends {
		store := blockstore.NewMemory()
		_, n, err := blockstore.LoadCAR(ctx, bytes.NewReader(good[:end]), store)
		if err != nil || n != i {
			t.Fatalf("CAR cut after %d sections: n = %d, err = %v", i, n, err)
		}
	}
}
