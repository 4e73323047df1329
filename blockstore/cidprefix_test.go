package blockstore

import (
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// parseCID accepts exactly the CID bytes cid.Cast accepts, with the same
// prefix.
func FuzzParseCID(f *testing.F) {
	for _, p := range []cid.Prefix{
		{Version: 1, Codec: cid.DagCBOR, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32},
		{Version: 1, Codec: cid.Raw, MhType: multihash.IDENTITY, MhLength: -1},
		{Version: 1, Codec: cid.FilCommitmentUnsealed, MhType: multihash.SHA2_256, MhLength: 32},
		{Version: 0, Codec: cid.DagProtobuf, MhType: multihash.SHA2_256, MhLength: 32},
	} {
		c, err := p.Sum([]byte("seed"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.Bytes())
	}
	f.Add([]byte{0x01, 0x71, 0xa0, 0xe4, 0x02, 0x00})
	f.Add([]byte{0x01, 0x80, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseCID(b)
		c, castErr := cid.Cast(b)
		if (err == nil) != (castErr == nil) {
			t.Fatalf("parseCID(%x) error %v, cid.Cast %v", b, err, castErr)
		}
		if err != nil {
			return
		}
		p := c.Prefix()
		want := cidPrefix{codec: p.Codec, mhType: p.MhType, mhLength: uint64(p.MhLength)}
		if got != want {
			t.Fatalf("parseCID(%x) = %+v, cid.Cast gives %+v", b, got, want)
		}
	})
}
