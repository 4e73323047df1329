package genesis

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
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
)

// Actor ids of the shared test world.
const (
	IDSystem  = 0
	IDInit    = 1
	IDReward  = 2
	IDBurnt   = 99
	IDRich    = 100 // BLS account with 1 FIL, the usual origin
	IDPoor    = 101 // secp account with nothing, the usual receiver
	IDOther   = 102 // account with 1000 atto, not preloaded, not primed
	IDHolder  = 103 // f410 placeholder (WorldOptions.HolderBalance)
	IDUsed    = 104 // with Senders: f410 placeholder with 1 FIL, sequence 1
	IDOther4  = 105 // with Senders: placeholder with an f4 outside the EAM namespace, 1 FIL
	IDMultisg = 106 // with Senders: a multisig with 1 FIL (not a valid sender)
	IDEth     = 107 // with Senders: an ethaccount with 1 FIL, sequence 3
	FirstFree = 1000
)

// OneFIL is 10^18 attoFIL.
var OneFIL = big.NewInt(1_000_000_000_000_000_000)

// WorldOptions vary the shared world.
type WorldOptions struct {
	// BaseFee is the machine's base fee (zero when unset).
	BaseFee int64
	// HolderBalance is the f410 placeholder's balance; unset, 5 atto.
	HolderBalance abi.TokenAmount
	// Senders adds the actors that test message senders (IDUsed to IDEth).
	Senders bool
}

// World is a machine at nv18 on a complete minimal actors-v10 state: the
// system and init actors, the reward and burnt-funds actors, and the
// accounts and placeholders of the ids above. The callmanager, executor and
// syscalls tests share it.
type World struct {
	M        *machine.Machine
	Manifest *bundle.Manifest
	// BLS, Secp and F410 are the addresses of IDRich, IDPoor and IDHolder.
	BLS, Secp, F410 address.Address
	// NewSecp, NewBLS and New4 are addresses no actor has yet.
	NewSecp, NewBLS, New4 address.Address
}

// NewWorld builds the world; any error fails the test.
func NewWorld(t testing.TB, opt WorldOptions) *World {
	t.Helper()
	g := New(t, 10)
	g.NextID = FirstFree
	w := &World{Manifest: g.Manifest,
		BLS:     MustAddr(address.NewBLSAddress(BLSKey(1))),
		Secp:    MustAddr(address.NewSecp256k1Address([]byte("poor key"))),
		F410:    MustAddr(address.NewDelegatedAddress(10, EthAddr(3))),
		NewSecp: MustAddr(address.NewSecp256k1Address([]byte("fresh key"))),
		NewBLS:  MustAddr(address.NewBLSAddress(BLSKey(2))),
		New4:    MustAddr(address.NewDelegatedAddress(10, EthAddr(4))),
	}
	holder := opt.HolderBalance
	if holder.Int == nil {
		holder = big.NewInt(5)
	}
	g.Register(w.BLS, IDRich)
	g.Register(w.Secp, IDPoor)
	g.Register(w.F410, IDHolder)
	g.Actor(IDReward, "reward", big.Zero())
	g.Actor(IDBurnt, "account", big.Zero())
	g.Actor(IDRich, "account", OneFIL)
	g.Actor(IDPoor, "account", big.Zero())
	g.Actor(IDOther, "account", big.NewInt(1000))
	g.Actor(IDHolder, "placeholder", holder, Delegated(w.F410))
	if opt.Senders {
		g.Actor(IDUsed, "placeholder", OneFIL, Sequence(1), Delegated(MustAddr(address.NewDelegatedAddress(10, EthAddr(5)))))
		g.Actor(IDOther4, "placeholder", OneFIL, Delegated(MustAddr(address.NewDelegatedAddress(32, EthAddr(6)))))
		g.Actor(IDMultisg, "multisig", OneFIL)
		g.Actor(IDEth, "ethaccount", OneFIL, Sequence(3))
	}
	var err error
	w.M, err = machine.New(context.Background(), machine.Config{NetworkVersion: network.Version18, StateRoot: g.Root(),
		Blockstore: g.Store, Externs: NoExterns{}, BaseFee: big.NewInt(opt.BaseFee)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Code returns the code CID of a builtin actor of the world's bundle.
func (w *World) Code(t testing.TB, name string) cid.Cid {
	t.Helper()
	c, ok := w.Manifest.Code(name)
	if !ok {
		t.Fatalf("no %s in the manifest", name)
	}
	return c
}

// Actor returns an actor of the machine's state (nil when there is none).
func (w *World) Actor(t testing.TB, id uint64) *state.ActorState {
	t.Helper()
	act, err := w.M.Tree.GetActor(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return act
}

// Balance returns an actor's balance, failing the test when it does not exist.
func (w *World) Balance(t testing.TB, id uint64) abi.TokenAmount {
	t.Helper()
	act := w.Actor(t, id)
	if act == nil {
		t.Fatalf("actor %d does not exist", id)
	}
	return act.Balance
}

// EmptyArray is the CID of the DAG-CBOR empty array (0x80), computed here
// rather than read from the state package under test.
func EmptyArray() cid.Cid {
	c, err := cid.V1Builder{Codec: cid.DagCBOR, MhType: 0xb220}.Sum([]byte{0x80})
	if err != nil {
		panic(err)
	}
	return c
}

// Message is the usual message context: from the rich BLS account to the
// poor secp one (which is not primed in the tracker unless the receiver is
// set).
func (w *World) Message() callmanager.Message {
	return callmanager.Message{Origin: IDRich, OriginAddress: w.BLS, Receiver: IDPoor, ReceiverKnown: true,
		Nonce: 7, GasPremium: big.Zero(), From: w.BLS, To: w.Secp}
}

// NewCM returns a call manager on the world's machine with a fresh gas
// tracker of limit (whole gas).
func (w *World) NewCM(msg callmanager.Message, inv callmanager.Invoker, limit uint64, opts ...gas.TrackerOption) (*callmanager.CallManager, *gas.GasTracker) {
	tr := gas.NewGasTracker(gas.NewGas(limit), gas.ZeroGas, opts...)
	return callmanager.New(w.M, tr, msg, inv), tr
}

// UsedGas returns the gas a tracker used in whole gas, failing the test on
// fractions (every charge these tests make is whole).
func UsedGas(t testing.TB, tr *gas.GasTracker) uint64 {
	t.Helper()
	mg := tr.GasUsed().Milligas()
	if mg%1000 != 0 {
		t.Fatalf("gas used %d milligas is not whole gas", mg)
	}
	return mg / 1000
}
