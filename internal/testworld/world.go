package testworld

import (
	"context"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
)

// Actor ids of the test world. The accounts are genesis.Build's, in the
// order of the world's genesis.Config; the rest are added after it.
const (
	IDSystem  = 0
	IDInit    = 1
	IDReward  = 2
	IDBurnt   = 99
	IDRich    = 100 // BLS account with 1 FIL, the usual origin
	IDPoor    = 101 // secp account with nothing, the usual receiver
	IDOther   = 102 // secp account with 1000 atto
	IDUsed    = 104 // with Senders: f410 placeholder with 1 FIL, sequence 1
	IDOther4  = 105 // with Senders: placeholder with an f4 outside the EAM namespace, 1 FIL
	IDMultisg = 106 // with Senders: a multisig with 1 FIL (not a valid sender)
	IDEth     = 107 // with Senders: an ethaccount with 1 FIL, sequence 3
	// IDEthNull is the EthAccount genesis gives the Ethereum null address
	// (actors v10 on), the first ID after the Config's accounts (the world
	// has no genesis miners, which would come first).
	IDEthNull = genesis.FirstMinerID
	// IDHolder is the f410 placeholder (WorldOptions.HolderBalance): the
	// first ID the init actor assigns after genesis.
	IDHolder = IDEthNull + 1
	// FirstFree is the next ID the init actor assigns.
	FirstFree = IDHolder + 1
	// FirstFreeV2 is the next ID the init actor assigns in the V2 world
	// (no Ethereum null account, no registered placeholder).
	FirstFreeV2 = genesis.FirstMinerID
)

// RewardBalance is the reward actor's balance at genesis
// (genesis.InitialRewardBalance).
func RewardBalance() abi.TokenAmount { return genesis.InitialRewardBalance() }

// OneFIL is 10^18 attoFIL.
var OneFIL = big.NewInt(1_000_000_000_000_000_000)

// WorldOptions vary the world.
type WorldOptions struct {
	// BaseFee is the machine's base fee (zero when unset).
	BaseFee int64
	// HolderBalance is the f410 placeholder's balance; unset, 5 atto.
	HolderBalance abi.TokenAmount
	// Senders adds the actors that test message senders (IDUsed to IDEth;
	// only IDMultisg before actors v10, which have no placeholder or
	// EthAccount).
	Senders bool
	// V2 builds the world at nv17 on actors v9 (FVM v2, a version 4 state
	// tree) instead of nv18 on actors v10. Those actors have no placeholder:
	// IDHolder is a multisig (an actor with no key address) of
	// HolderBalance, F410 unregistered.
	V2 bool
	// Epoch is the machine's epoch.
	Epoch abi.ChainEpoch
	// Externs are the machine's externs; nil means NoExterns.
	Externs externs.Externs
}

// World is a machine at nv18 on an actors v10 genesis with the accounts and
// placeholders of the ids above.
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
	w := &World{
		BLS:     MustAddr(address.NewBLSAddress(BLSKey(1))),
		Secp:    MustAddr(address.NewSecp256k1Address([]byte("poor key"))),
		F410:    MustAddr(address.NewDelegatedAddress(10, EthAddr(3))),
		NewSecp: MustAddr(address.NewSecp256k1Address([]byte("fresh key"))),
		NewBLS:  MustAddr(address.NewBLSAddress(BLSKey(2))),
		New4:    MustAddr(address.NewDelegatedAddress(10, EthAddr(4))),
	}
	bs := blockstore.NewMemory()
	g, err := genesis.Build(context.Background(), bs, w.config(opt))
	if err != nil {
		t.Fatal(err)
	}
	w.Manifest = g.Manifest
	root := w.addActors(t, bs, g.StateRoot, opt)
	nv := network.Version18
	if opt.V2 {
		nv = network.Version17
	}
	ext := opt.Externs
	if ext == nil {
		ext = NoExterns{}
	}
	w.M, err = machine.New(context.Background(), machine.Config{NetworkVersion: nv, Epoch: opt.Epoch, StateRoot: root,
		Blockstore: bs, Externs: ext, BaseFee: big.NewInt(opt.BaseFee)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// config is the world's genesis: three accounts at IDRich, IDPoor, IDOther.
func (w *World) config(opt WorldOptions) genesis.Config {
	other := MustAddr(address.NewSecp256k1Address([]byte("other key")))
	av := 10
	if opt.V2 {
		av = 9
	}
	return genesis.Config{ActorsVersion: av, Accounts: []genesis.Account{
		{Kind: genesis.BLS, Address: w.BLS, Balance: OneFIL},
		{Kind: genesis.Secp256k1, Address: w.Secp},
		{Kind: genesis.Secp256k1, Address: other, Balance: big.NewInt(1000)},
	}}
}

// addActors adds the placeholder (registered at IDHolder) and, with
// Senders, the sender actors, whose heads are the empty array.
func (w *World) addActors(t testing.TB, bs blockstore.Blockstore, root cid.Cid, opt WorldOptions) cid.Cid {
	t.Helper()
	ctx := context.Background()
	tree, err := state.Load(ctx, bs, root)
	if err != nil {
		t.Fatal(err)
	}
	holder := opt.HolderBalance
	if holder.Int == nil {
		holder = big.NewInt(5)
	}
	if opt.V2 {
		w.set(t, tree, IDHolder, "multisig", holder, 0, address.Undef)
		if opt.Senders {
			w.set(t, tree, IDMultisg, "multisig", OneFIL, 0, address.Undef)
		}
		return w.flush(t, tree)
	}
	id, err := tree.RegisterNewAddress(ctx, w.F410)
	if err != nil || id != IDHolder {
		t.Fatalf("registering the placeholder: id %d (%v), want %d", id, err, IDHolder)
	}
	w.set(t, tree, IDHolder, "placeholder", holder, 0, w.F410)
	if opt.Senders {
		w.set(t, tree, IDUsed, "placeholder", OneFIL, 1, MustAddr(address.NewDelegatedAddress(10, EthAddr(5))))
		w.set(t, tree, IDOther4, "placeholder", OneFIL, 0, MustAddr(address.NewDelegatedAddress(32, EthAddr(6))))
		w.set(t, tree, IDMultisg, "multisig", OneFIL, 0, address.Undef)
		w.set(t, tree, IDEth, "ethaccount", OneFIL, 3, address.Undef)
	}
	return w.flush(t, tree)
}

func (w *World) flush(t testing.TB, tree *state.StateTree) cid.Cid {
	t.Helper()
	root, err := tree.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// set writes an actor of a builtin type with an empty head.
func (w *World) set(t testing.TB, tree *state.StateTree, id uint64, name string, balance abi.TokenAmount, seq uint64, delegated address.Address) {
	t.Helper()
	act := &state.ActorState{Code: w.Code(t, name), Head: EmptyArray(), Balance: balance, Sequence: seq}
	if delegated != address.Undef {
		act.DelegatedAddress = &delegated
	}
	tree.SetActor(id, act)
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
