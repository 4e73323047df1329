package blockstore_test

import (
	"encoding/binary"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// A tiny DAG-CBOR encoder for hand-built test blocks. It is written from the
// CBOR spec (RFC 8949) so that the tests do not reuse the code under test.

func cborHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n <= 0xff:
		return []byte{major<<5 | 24, byte(n)}
	case n <= 0xffff:
		return []byte{major<<5 | 25, byte(n >> 8), byte(n)}
	case n <= 0xffffffff:
		b := []byte{major<<5 | 26, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[1:], uint32(n))
		return b
	default:
		b := []byte{major<<5 | 27, 0, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint64(b[1:], n)
		return b
	}
}

func cUint(n uint64) []byte { return cborHead(0, n) }
func cNeg(n uint64) []byte  { return cborHead(1, n) }

func cBytes(b []byte) []byte { return append(cborHead(2, uint64(len(b))), b...) }
func cText(s string) []byte  { return append(cborHead(3, uint64(len(s))), s...) }

func cArray(items ...[]byte) []byte {
	out := cborHead(4, uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

// cMap takes alternating keys and values.
func cMap(kv ...[]byte) []byte {
	out := cborHead(5, uint64(len(kv)/2))
	for _, it := range kv {
		out = append(out, it...)
	}
	return out
}

func cTag(tag uint64, item []byte) []byte { return append(cborHead(6, tag), item...) }

// cLink is a DAG-CBOR link: tag 42 around 0x00 ‖ binary CID.
func cLink(c cid.Cid) []byte { return cTag(42, cBytes(append([]byte{0}, c.Bytes()...))) }

var (
	cNull  = []byte{0xf6}
	cTrue  = []byte{0xf5}
	cFloat = []byte{0xfb, 0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a} // 1.1
)

// Prefixes of the CIDs the tests build.
var (
	prefixDagCBOR = cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}
	prefixRaw     = cid.Prefix{Version: 1, Codec: cid.Raw, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}
	prefixCBOR    = cid.Prefix{Version: 1, Codec: 0x51, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}
	prefixSHA256  = cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: multihash.SHA2_256, MhLength: 32}
	prefixDagPB   = cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}
	prefixShort   = cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 20}
)

func mkBlock(t testing.TB, p cid.Prefix, data []byte) blocks.Block {
	t.Helper()
	c, err := p.Sum(data)
	if err != nil {
		t.Fatalf("sum: %v", err)
	}
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		t.Fatalf("block: %v", err)
	}
	return b
}

// identityCID inlines data in a CID with the identity multihash.
func identityCID(t testing.TB, codec uint64, data []byte) cid.Cid {
	t.Helper()
	h, err := multihash.Sum(data, multihash.IDENTITY, -1)
	if err != nil {
		t.Fatalf("identity: %v", err)
	}
	return cid.NewCidV1(codec, h)
}

// commitmentCID is a Filecoin piece commitment (unsealed) CID.
func commitmentCID(t testing.TB) cid.Cid {
	t.Helper()
	digest := make([]byte, 32)
	for i := range digest {
		digest[i] = byte(i)
	}
	h, err := multihash.Encode(digest, multihash.SHA2_256_TRUNC254_PADDED)
	if err != nil {
		t.Fatalf("commitment: %v", err)
	}
	return cid.NewCidV1(cid.FilCommitmentUnsealed, h)
}
