package chain

import (
	"bytes"
	"fmt"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/externs"
)

// TipSetKey is the CIDs of a tipset's blocks (Lotus's types.TipSetKey).
type TipSetKey []cid.Cid

// Bytes is the key's binary form: its CIDs' bytes, concatenated.
func (k TipSetKey) Bytes() []byte {
	var out []byte
	for _, c := range k {
		out = append(out, c.Bytes()...)
	}
	return out
}

// Cid is the key's CID as the FVM's tipset_cid syscall returns it (Lotus's
// TipSetKey.Cid): DAG-CBOR blake2b-256 of the CBOR byte string of Bytes.
func (k TipSetKey) Cid() cid.Cid {
	var buf bytes.Buffer
	w := cbg.NewCborWriter(&buf)
	writeBytes(w, k.Bytes())
	c, err := cidBuilder.Sum(buf.Bytes())
	must(err) // blake2b over any bytes succeeds
	return c
}

// Equal reports whether two keys name the same blocks in the same order.
func (k TipSetKey) Equal(o TipSetKey) bool {
	if len(k) != len(o) {
		return false
	}
	for i := range k {
		if !k[i].Equals(o[i]) {
			return false
		}
	}
	return true
}

// String is the key's CIDs in braces, as Lotus prints keys.
func (k TipSetKey) String() string { return fmt.Sprint([]cid.Cid(k)) }

func parseTipSetKey(b []byte) (TipSetKey, error) {
	var k TipSetKey
	for len(b) > 0 {
		n, c, err := cid.CidFromBytes(b)
		if err != nil {
			return nil, fmt.Errorf("tipset key: %w", err)
		}
		k = append(k, c)
		b = b[n:]
	}
	return k, nil
}

// TipSet is a set of blocks at one height with the same parents; the devnet's
// tipsets have one block.
type TipSet struct {
	Key    TipSetKey
	Blocks []*externs.BlockHeader
	Height abi.ChainEpoch
}

// ParentState is the state root the tipset's messages run on: the state after
// its parent.
func (ts *TipSet) ParentState() cid.Cid { return ts.Blocks[0].ParentStateRoot }

// Parents is the parent tipset's key.
func (ts *TipSet) Parents() TipSetKey { return TipSetKey(ts.Blocks[0].Parents) }

// ParentBaseFee is the base fee the tipset's messages pay.
func (ts *TipSet) ParentBaseFee() abi.TokenAmount { return ts.Blocks[0].ParentBaseFee }

// Timestamp is the tipset's timestamp (seconds).
func (ts *TipSet) Timestamp() uint64 { return ts.Blocks[0].Timestamp }
