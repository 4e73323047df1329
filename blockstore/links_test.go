package blockstore_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
)

func scan(data []byte) ([]cid.Cid, error) {
	var links []cid.Cid
	err := blockstore.ScanLinks(data, func(c cid.Cid) { links = append(links, c) })
	return links, err
}

// testCIDs returns n distinct CIDs of assorted kinds.
func testCIDs(t testing.TB) []cid.Cid {
	return []cid.Cid{
		mkBlock(t, prefixDagCBOR, cText("a")).Cid(),
		mkBlock(t, prefixRaw, []byte("b")).Cid(),
		mkBlock(t, prefixSHA256, cText("c")).Cid(),
		identityCID(t, cid.DagCBOR, cArray()),
		commitmentCID(t),
		cid.NewCidV0(mkBlock(t, cid.Prefix{Version: 0, Codec: cid.DagProtobuf, MhType: 0x12, MhLength: 32}, []byte("v0")).Cid().Hash()),
	}
}

func TestScanLinks(t *testing.T) {
	c := testCIDs(t)
	big := bytes.Repeat([]byte{0xaa}, 300)
	cases := []struct {
		name string
		data []byte
		want []cid.Cid
	}{
		{"uint", cUint(5), nil},
		{"uint64", cUint(1 << 40), nil},
		{"negative", cNeg(1000), nil},
		{"text", cText("hello"), nil},
		{"long bytes", cBytes(big), nil},
		{"null", cNull, nil},
		{"float64", cFloat, nil},
		{"float16", []byte{0xf9, 0x3c, 0x00}, nil},
		{"float32", []byte{0xfa, 0x3f, 0x80, 0x00, 0x00}, nil},
		{"simple value", []byte{0xf8, 0x20}, nil},
		{"empty array", cArray(), nil},
		{"empty map", cMap(), nil},
		{"bare link", cLink(c[0]), []cid.Cid{c[0]}},
		{"each kind of cid", cArray(cLink(c[0]), cLink(c[1]), cLink(c[2]), cLink(c[3]), cLink(c[4]), cLink(c[5])), c},
		{"links in order", cArray(cLink(c[1]), cMap(cText("k"), cLink(c[0])), cLink(c[2])), []cid.Cid{c[1], c[0], c[2]}},
		{"repeated link", cArray(cLink(c[0]), cLink(c[0])), []cid.Cid{c[0], c[0]}},
		{"nested", cArray(cArray(cArray(cArray(cMap(cText("deep"), cArray(cLink(c[1]))))))), []cid.Cid{c[1]}},
		{"map with link key", cMap(cLink(c[2]), cLink(c[1])), []cid.Cid{c[2], c[1]}},
		{"other tag wraps next item", cArray(cTag(1, cUint(1)), cTag(99999, cArray(cLink(c[0])))), []cid.Cid{c[0]}},
		{"tag on tag", cTag(5, cTag(6, cLink(c[1]))), []cid.Cid{c[1]}},
		{"bytes that look like a link are not", cBytes(cLink(c[0])), nil},
		{"text that looks like a link is not", cText(string(cLink(c[0]))), nil},
		{"mixed hamt-like node", cArray(cBytes([]byte{0x01}), cArray(cLink(c[0]), cArray(cArray(cBytes([]byte("key")), cArray(cLink(c[1]), cUint(3)))))), []cid.Cid{c[0], c[1]}},
		{"trailing bytes are ignored", append(cLink(c[0]), 0xff, 0xff), []cid.Cid{c[0]}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scan(tc.data)
			if err != nil {
				t.Fatalf("ScanLinks: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("links = %v, want %v", got, tc.want)
			}
			// cbor-gen's scanner is an independent implementation: it must
			// agree on well-formed input.
			var oracle []cid.Cid
			if err := cbg.ScanForLinks(bytes.NewReader(tc.data), func(c cid.Cid) { oracle = append(oracle, c) }); err != nil {
				t.Fatalf("cbor-gen ScanForLinks: %v", err)
			}
			if !slices.Equal(got, oracle) {
				t.Fatalf("links = %v, cbor-gen finds %v", got, oracle)
			}
			// Every strict prefix of a single CBOR item is incomplete.
			item := tc.data
			if tc.name == "trailing bytes are ignored" {
				item = item[:len(item)-2]
			}
			for n := range len(item) {
				if _, err := scan(item[:n]); !errors.Is(err, blockstore.ErrMalformedCBOR) {
					t.Fatalf("prefix of %d/%d bytes: err = %v, want ErrMalformedCBOR", n, len(item), err)
				}
			}
		})
	}
}

func TestScanLinksMalformed(t *testing.T) {
	c := testCIDs(t)[0]
	linkBody := append([]byte{0}, c.Bytes()...)
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"reserved additional info 28", []byte{0x1c}},
		{"reserved additional info 30", []byte{0x5e}},
		{"indefinite-length array", []byte{0x9f, 0x01, 0xff}},
		{"indefinite-length bytes", []byte{0x5f, 0x41, 0x00, 0xff}},
		{"break byte alone", []byte{0xff}},
		{"bytes longer than input", []byte{0x5a, 0xff, 0xff, 0xff, 0xff, 0x00}},
		{"huge text length", []byte{0x7b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"huge array", []byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"huge map", []byte{0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"map with 2^62+1 entries", []byte{0xbb, 0x40, 0, 0, 0, 0, 0, 0, 1}},
		{"array with 2^40 items", []byte{0x9b, 0, 0, 1, 0, 0, 0, 0, 0, 0x01}},
		{"array with too few items", cborHead(4, 3)},
		{"map missing a value", append(cborHead(5, 1), cText("k")...)},
		{"tag with no item", cborHead(6, 7)},
		{"link tag with no item", cborHead(6, 42)},
		{"link is text", cTag(42, cText(string(linkBody)))},
		{"link is an integer", cTag(42, cUint(1))},
		{"link is an array", cTag(42, cArray(cBytes(linkBody)))},
		{"link without 0x00 prefix", cTag(42, cBytes(c.Bytes()))},
		{"link with 0x01 prefix", cTag(42, cBytes(append([]byte{1}, c.Bytes()...)))},
		{"empty link", cTag(42, cBytes(nil))},
		{"link of only the prefix", cTag(42, cBytes([]byte{0}))},
		{"link with a bad cid", cTag(42, cBytes([]byte{0, 0x01, 0x71, 0xa0, 0xe4, 0x02, 0x20, 0x01}))},
		{"link with trailing bytes in its cid", cTag(42, cBytes(append(append([]byte{}, linkBody...), 0x00)))},
		{"link length beyond input", append(cborHead(6, 42), 0x58, 0xff, 0x00)},
		{"truncated uint16", []byte{0x19, 0x01}},
		{"truncated uint64 header", []byte{0x1b, 0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			links, err := scan(tc.data)
			if !errors.Is(err, blockstore.ErrMalformedCBOR) {
				t.Fatalf("ScanLinks(%x) = %v, %v; want ErrMalformedCBOR", tc.data, links, err)
			}
		})
	}
}

// FuzzScanLinks checks that ScanLinks never panics, and that when it and
// cbor-gen's scanner both accept an input they report the same links.
func FuzzScanLinks(f *testing.F) {
	c := testCIDs(f)
	seeds := [][]byte{
		nil,
		cUint(1),
		cArray(cLink(c[0]), cMap(cText("k"), cLink(c[1]))),
		cTag(7, cArray(cLink(c[2]), cBytes([]byte{1, 2, 3}))),
		cMap(cLink(c[3]), cArray(cLink(c[4]), cNull, cFloat)),
		cArray(cBytes([]byte{0x01}), cArray(cLink(c[0]), cArray(cArray(cBytes([]byte("key")), cArray(cLink(c[5]), cUint(3)))))),
		{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		links, err := scan(data)
		if err != nil {
			if !errors.Is(err, blockstore.ErrMalformedCBOR) {
				t.Fatalf("error %v does not wrap ErrMalformedCBOR", err)
			}
			return
		}
		for _, l := range links {
			if !l.Defined() {
				t.Fatal("ScanLinks reported an undefined CID")
			}
		}
		var oracle []cid.Cid
		if cbg.ScanForLinks(bytes.NewReader(data), func(c cid.Cid) { oracle = append(oracle, c) }) == nil {
			if !slices.Equal(links, oracle) {
				t.Fatalf("links = %v, cbor-gen finds %v", links, oracle)
			}
		}
	})
}

// BenchmarkFlushLeaf flushes a node shaped like a full leaf of the state
// tree's actors HAMT (32 buckets of 3 actors, each with a code and a head
// link, in the base store): the reachability walk scans every link of what
// a small message changed, mostly such leaves.
func BenchmarkFlushLeaf(b *testing.B) {
	var buckets [][]byte
	for i := range 32 {
		var pairs [][]byte
		for j := range 3 {
			code := mkBlock(b, prefixRaw, []byte("code")).Cid()
			head := mkBlock(b, prefixDagCBOR, cUint(uint64(i*3+j))).Cid()
			actor := cArray(cLink(code), cLink(head), cUint(uint64(j)), cBytes([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8}), cNull)
			pairs = append(pairs, cArray(cBytes([]byte{0, byte(i), byte(j)}), actor))
		}
		buckets = append(buckets, cArray(pairs...))
	}
	leaf := mkBlock(b, prefixDagCBOR, cArray(cBytes([]byte{0xff, 0xff, 0xff, 0xff}), cArray(buckets...)))
	ctx := context.Background()
	base := blockstore.NewMemory()
	b.SetBytes(int64(len(leaf.RawData())))
	for b.Loop() {
		buf := blockstore.NewBuffered(base)
		if err := buf.Put(ctx, leaf); err != nil {
			b.Fatal(err)
		}
		if err := buf.Flush(ctx, leaf.Cid()); err != nil {
			b.Fatal(err)
		}
	}
}
