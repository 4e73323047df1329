package syscalls_test

import (
	"context"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/genesis"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
)

// Gas prices of the Hygge list (ref-fvm v3.13.3 fvm/src/gas/price_list.rs),
// in whole gas, written out here so that the tests do not read them back
// from the code under test.
const (
	actorLookup      = 500_000
	actorUpdate      = 475_000
	valueTransfer    = 6_000
	methodInvocation = 75_000
	// on_create_actor(true): actor_create_storage + address_assignment +
	// address_lookup = 650,000 + 1,000,000 + 1,050,000.
	createFromSend = 650_000 + 1_000_000 + 1_050_000
	// on_create_actor(false): actor_create_storage.
	createExplicit = 650_000
	returnPerByte  = 1_300
)

// Actor ids of the fixture.
const (
	idSystem  = 0
	idInit    = 1
	idReward  = 2
	idBurnt   = 99
	idRich    = 100 // BLS account with 1 FIL, the usual origin
	idPoor    = 101 // secp account with nothing, the usual receiver
	idOther   = 102 // account with 1000 atto, not preloaded, not primed
	idHolder  = 103 // f410 placeholder with 5 atto
	firstFree = 1000
)

var oneFIL = big.NewInt(1_000_000_000_000_000_000)

// world is a machine on a complete minimal v10 state.
type world struct {
	m                     *machine.Machine
	man                   *bundle.Manifest
	bls, secp, f410       address.Address
	newSecp, newBLS, new4 address.Address // not in the state
}

func (w *world) code(t testing.TB, name string) cid.Cid {
	t.Helper()
	c, ok := w.man.Code(name)
	if !ok {
		t.Fatalf("no %s in the manifest", name)
	}
	return c
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	g := genesis.New(t, 10)
	g.NextID = firstFree
	w := &world{man: g.Manifest}
	w.bls = mustAddr(address.NewBLSAddress(bytes48(1)))
	w.secp = mustAddr(address.NewSecp256k1Address([]byte("poor key")))
	w.f410 = mustAddr(address.NewDelegatedAddress(10, bytes20(3)))
	w.newSecp = mustAddr(address.NewSecp256k1Address([]byte("fresh key")))
	w.newBLS = mustAddr(address.NewBLSAddress(bytes48(2)))
	w.new4 = mustAddr(address.NewDelegatedAddress(10, bytes20(4)))
	g.Register(w.bls, idRich)
	g.Register(w.secp, idPoor)
	g.Register(w.f410, idHolder)
	g.Actor(idReward, "reward", big.Zero())
	g.Actor(idBurnt, "account", big.Zero())
	g.Actor(idRich, "account", oneFIL)
	g.Actor(idPoor, "account", big.Zero())
	g.Actor(idOther, "account", big.NewInt(1000))
	g.Actor(idHolder, "placeholder", big.NewInt(5), genesis.Delegated(w.f410))
	root := g.Root()
	var err error
	w.m, err = machine.New(ctx, machine.Config{NetworkVersion: network.Version18, StateRoot: root, Blockstore: g.Store, Externs: genesis.NoExterns{}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// defaultMessage is a message from the rich BLS account to idOther (which
// is not primed in the tracker unless the receiver is set).
func (w *world) message() callmanager.Message {
	return callmanager.Message{Origin: idRich, OriginAddress: w.bls, Receiver: idPoor, ReceiverKnown: true,
		Nonce: 7, GasPremium: big.Zero(), From: w.bls, To: w.secp}
}

func newCM(w *world, msg callmanager.Message, inv callmanager.Invoker, limit uint64, opts ...gas.TrackerOption) (*callmanager.CallManager, *gas.GasTracker) {
	tr := gas.NewGasTracker(gas.NewGas(limit), gas.ZeroGas, opts...)
	return callmanager.New(w.m, tr, msg, inv), tr
}

// used returns the gas used in whole gas, failing on fractions (every
// charge in these tests is whole).
func used(t *testing.T, tr *gas.GasTracker) uint64 {
	t.Helper()
	mg := tr.GasUsed().Milligas()
	if mg%1000 != 0 {
		t.Fatalf("gas used %d milligas is not whole gas", mg)
	}
	return mg / 1000
}

func actor(t *testing.T, w *world, id uint64) *state.ActorState {
	t.Helper()
	act, err := w.m.Tree.GetActor(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return act
}

func balance(t *testing.T, w *world, id uint64) abi.TokenAmount {
	t.Helper()
	act := actor(t, w, id)
	if act == nil {
		t.Fatalf("actor %d does not exist", id)
	}
	return act.Balance
}

// emptyArray is the CID of the DAG-CBOR empty array (0x80), computed here.
func emptyArray() cid.Cid {
	c, err := cid.V1Builder{Codec: cid.DagCBOR, MhType: 0xb220}.Sum([]byte{0x80})
	if err != nil {
		panic(err)
	}
	return c
}

// Shared test helpers (internal/genesis).
var (
	mustAddr   = genesis.MustAddr
	idAddr     = genesis.IDAddr
	bytes48    = genesis.BLSKey
	bytes20    = genesis.EthAddr
	wantErrNum = genesis.WantErrNum
)
