package state_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"math/big"
	"os"
	"testing"

	"github.com/filecoin-project/go-address"
	hamt "github.com/filecoin-project/go-hamt-ipld/v3"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	"github.com/multiformats/go-multihash"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/internal/state"
)

// vectorFiles walks $FVM_TEST_VECTORS for *.json, or skips the test.
func vectorFiles(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set; skipping the vector corpus")
	}
	files, err := conformance.FindVectors([]string{dir})
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors under %s: %v", dir, err)
	}
	return files
}

// loadVector reads a vector and its CAR into a fresh store.
func loadVector(t *testing.T, file string) (*conformance.Vector, *blockstore.Memory) {
	t.Helper()
	v, err := conformance.LoadVector(file)
	if err != nil {
		t.Fatal(err)
	}
	bs := blockstore.NewMemory()
	if err := v.LoadCAR(context.Background(), bs); err != nil {
		t.Fatal(err)
	}
	return v, bs
}

// --- hand-written DAG-CBOR (RFC 8949), independent of the package ---------

func cbHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n <= 0xff:
		return []byte{major<<5 | 24, byte(n)}
	case n <= 0xffff:
		return []byte{major<<5 | 25, byte(n >> 8), byte(n)}
	case n <= 0xffffffff:
		return []byte{major<<5 | 26, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	default:
		b := []byte{major<<5 | 27}
		for i := 7; i >= 0; i-- {
			b = append(b, byte(n>>(8*i)))
		}
		return b
	}
}

func cbBytes(b []byte) []byte { return append(cbHead(2, uint64(len(b))), b...) }
func cbText(s string) []byte  { return append(cbHead(3, uint64(len(s))), s...) }

func cbLink(c cid.Cid) []byte {
	return append([]byte{0xd8, 42}, cbBytes(append([]byte{0}, c.Bytes()...))...)
}

func cbArray(items ...[]byte) []byte {
	out := cbHead(4, uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

// cbBigInt is Filecoin's big-integer encoding: a byte string of sign byte
// (0 positive, 1 negative) and big-endian magnitude; zero is empty.
func cbBigInt(v *big.Int) []byte {
	if v.Sign() == 0 {
		return cbBytes(nil)
	}
	sign := byte(0)
	if v.Sign() < 0 {
		sign = 1
	}
	return cbBytes(append([]byte{sign}, new(big.Int).Abs(v).Bytes()...))
}

// handActor encodes an actor as a 4-tuple (v4) or 5-tuple (v5).
func handActor(version int, code, head cid.Cid, seq uint64, bal *big.Int, delegated *address.Address) []byte {
	items := [][]byte{cbLink(code), cbLink(head), cbHead(0, seq), cbBigInt(bal)}
	if version == 5 {
		if delegated == nil {
			items = append(items, []byte{0xf6})
		} else {
			items = append(items, cbBytes(delegated.Bytes()))
		}
	}
	return cbArray(items...)
}

func dagCID(t testing.TB, data []byte) cid.Cid {
	c, err := cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func putBlock(t testing.TB, bs blockstore.Blockstore, data []byte) cid.Cid {
	c := dagCID(t, data)
	b, _ := blocks.NewBlockWithCid(data, c)
	if err := bs.Put(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return c
}

func hamtOpts() []hamt.Option {
	return []hamt.Option{
		hamt.UseTreeBitWidth(5),
		hamt.UseHashFunction(func(b []byte) []byte { h := sha256.Sum256(b); return h[:] }),
	}
}

// rootParts reads a state root block [version, actors, info] by hand.
func rootParts(t *testing.T, bs blockstore.Blockstore, root cid.Cid) (uint64, cid.Cid, cid.Cid) {
	t.Helper()
	blk, err := bs.Get(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	r := cbg.NewCborReader(bytes.NewReader(blk.RawData()))
	if maj, n, err := r.ReadHeader(); err != nil || maj != cbg.MajArray || n != 3 {
		t.Fatalf("root %s is not a 3-tuple", root)
	}
	maj, version, err := r.ReadHeader()
	if err != nil || maj != cbg.MajUnsignedInt {
		t.Fatalf("root %s: bad version", root)
	}
	actors, err := cbg.ReadCid(r)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cbg.ReadCid(r)
	if err != nil {
		t.Fatal(err)
	}
	return version, actors, info
}

// rawActor returns an actor's bytes read from the actors HAMT directly.
func rawActor(t *testing.T, bs blockstore.Blockstore, root cid.Cid, id uint64) []byte {
	t.Helper()
	ctx := context.Background()
	_, actors, _ := rootParts(t, bs, root)
	n, err := hamt.LoadNode(ctx, cbor.NewCborStore(bs), actors, hamtOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := address.NewIDAddress(id)
	found, raw, err := n.FindRaw(ctx, string(a.Bytes()))
	if err != nil || !found {
		t.Fatalf("actor %d not in HAMT %s: %v", id, actors, err)
	}
	return raw
}

// newInitTree returns a version-5 tree with a system actor, and an init actor
// whose address map is empty and whose next id is nextID.
func newInitTree(t *testing.T, nextID uint64) (*state.StateTree, *blockstore.Memory) {
	t.Helper()
	ctx := context.Background()
	bs := blockstore.NewMemory()
	tree, err := state.New(ctx, bs, state.Version5)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := hamt.NewNode(cbor.NewCborStore(bs), hamtOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	emptyMap, err := empty.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	initHead := putBlock(t, bs, cbArray(cbLink(emptyMap), cbHead(0, nextID), cbText("testnet")))
	tree.SetActor(state.InitActorID, &state.ActorState{Code: codeCID(t, "init"), Head: initHead, Balance: bigInt(0)})
	return tree, bs
}

// initNextID reads next_id from the init actor's state by hand.
func initNextID(t *testing.T, tree *state.StateTree) uint64 {
	t.Helper()
	act, err := tree.GetActor(context.Background(), state.InitActorID)
	if err != nil || act == nil {
		t.Fatalf("init actor: %v", err)
	}
	blk, err := tree.Blockstore().Get(context.Background(), act.Head)
	if err != nil {
		t.Fatal(err)
	}
	r := cbg.NewCborReader(bytes.NewReader(blk.RawData()))
	if _, _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	if _, err := cbg.ReadCid(r); err != nil {
		t.Fatal(err)
	}
	_, next, err := r.ReadHeader()
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func codeCID(t testing.TB, name string) cid.Cid {
	c, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}.Sum([]byte(name))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
