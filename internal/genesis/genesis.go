// Package genesis builds complete minimal state trees over a real
// builtin-actors bundle, for tests: the system actor naming the bundle's
// manifest, the init actor with an address map, and whatever actors a test
// adds (Builder). The engine layers share internal/testworld instead, built
// on the public genesis package.
// Embedders use the public genesis package instead.
package genesis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	"github.com/filecoin-project/go-address"
	hamt "github.com/filecoin-project/go-hamt-ipld/v3"
	"github.com/filecoin-project/go-state-types/big"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/internal/state"
)

// Builder assembles a state. Methods fail the test on any error.
type Builder struct {
	t testing.TB
	// Store holds the bundle's code and the state.
	Store *blockstore.Memory
	// Manifest is the bundle's manifest.
	Manifest *bundle.Manifest
	// Tree is the state being built; add actors with SetActor.
	Tree *state.StateTree
	// NextID is the init actor's next id.
	NextID uint64
	// NetworkName is the init actor's network name.
	NetworkName string

	addrs []registration
}

type registration struct {
	addr address.Address
	id   uint64
}

// New loads the mainnet bundle of an actors version and starts a state tree
// of the version those actors run on (4 for actors v8 and v9, nv16-17; 5
// from v10 on) with next id 1000.
func New(t testing.TB, actorsVersion int) *Builder {
	t.Helper()
	ctx := context.Background()
	bs := blockstore.NewMemory()
	path, err := bundle.Locator{}.Path(ctx, actorsVersion)
	if err != nil {
		t.Fatal(err)
	}
	bundles, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: actorsVersion, Networks: []string{"mainnet"}}, bs)
	if err != nil {
		t.Fatal(err)
	}
	version := uint64(state.Version5)
	if actorsVersion < 10 {
		version = state.Version4
	}
	tree, err := state.New(ctx, bs, version)
	if err != nil {
		t.Fatal(err)
	}
	return &Builder{t: t, Store: bs, Manifest: bundles[0].Manifest, Tree: tree, NextID: 1000, NetworkName: "test"}
}

// Code returns the code CID of a builtin actor.
func (b *Builder) Code(name string) cid.Cid {
	b.t.Helper()
	c, ok := b.Manifest.Code(name)
	if !ok {
		b.t.Fatalf("no %s in the manifest", name)
	}
	return c
}

// Put stores v as DAG-CBOR and returns its CID.
func (b *Builder) Put(v any) cid.Cid {
	b.t.Helper()
	c, err := cbor.NewCborStore(b.Store).Put(context.Background(), v)
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// Actor adds an actor of a builtin type with an empty head; edits, if
// any, adjust it before it is written.
func (b *Builder) Actor(id uint64, name string, balance big.Int, edits ...func(*state.ActorState)) {
	act := &state.ActorState{Code: b.Code(name), Head: state.EmptyArrayCID, Balance: balance}
	for _, e := range edits {
		e(act)
	}
	b.Tree.SetActor(id, act)
}

// Account adds an account actor whose state holds its key address, as real
// accounts' do (the 1-tuple [address]).
func (b *Builder) Account(id uint64, key address.Address, balance big.Int) {
	b.t.Helper()
	var buf bytes.Buffer
	buf.WriteByte(0x81)
	if err := key.MarshalCBOR(&buf); err != nil {
		b.t.Fatal(err)
	}
	head, err := dagCBOR.Sum(buf.Bytes())
	if err != nil {
		b.t.Fatal(err)
	}
	blk, err := blocks.NewBlockWithCid(buf.Bytes(), head)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.Store.Put(context.Background(), blk); err != nil {
		b.t.Fatal(err)
	}
	b.Tree.SetActor(id, &state.ActorState{Code: b.Code("account"), Head: head, Balance: balance})
}

// dagCBOR is the CID prefix of state blocks (DAG-CBOR, blake2b-256).
var dagCBOR = cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: 0xb220, MhLength: 32}

// Delegated sets an actor's delegated (f4) address.
func Delegated(a address.Address) func(*state.ActorState) {
	return func(act *state.ActorState) { act.DelegatedAddress = &a }
}

// Sequence sets an actor's sequence.
func Sequence(n uint64) func(*state.ActorState) {
	return func(act *state.ActorState) { act.Sequence = n }
}

// Register maps an address to an id in the init actor's address map.
func (b *Builder) Register(a address.Address, id uint64) {
	b.addrs = append(b.addrs, registration{a, id})
}

// Root writes the system and init actors and returns the state root.
func (b *Builder) Root() cid.Cid {
	b.t.Helper()
	ctx := context.Background()
	addrs, err := hamt.NewNode(cbor.NewCborStore(b.Store), hamt.UseTreeBitWidth(5),
		hamt.UseHashFunction(func(k []byte) []byte { h := sha256.Sum256(k); return h[:] }))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, r := range b.addrs {
		v := cbg.CborInt(r.id)
		if err := addrs.Set(ctx, string(r.addr.Bytes()), &v); err != nil {
			b.t.Fatal(err)
		}
	}
	addrsRoot, err := addrs.Write(ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	b.Tree.SetActor(state.SystemActorID, &state.ActorState{Code: b.Code("system"), Head: b.Put([]any{b.Manifest.Data}), Balance: big.Zero()})
	b.Tree.SetActor(state.InitActorID, &state.ActorState{Code: b.Code("init"), Head: b.Put([]any{addrsRoot, b.NextID, b.NetworkName}), Balance: big.Zero()})
	root, err := b.Tree.Flush(ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	return root
}
