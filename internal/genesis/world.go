package genesis

import "github.com/ipfs/go-cid"

// EmptyArray is the CID of the DAG-CBOR empty array (0x80), computed here
// rather than read from the state package under test.
func EmptyArray() cid.Cid {
	c, err := cid.V1Builder{Codec: cid.DagCBOR, MhType: 0xb220}.Sum([]byte{0x80})
	if err != nil {
		panic(err)
	}
	return c
}
