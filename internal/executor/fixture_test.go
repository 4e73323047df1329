package executor_test

import (
	"context"
	"testing"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/genesis"
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
	// on_chain_message(len): compute 38,863 + storage actor_update 475,000 +
	// 36×1,300 + 1,300×len = 560,663 + 1,300×len.
	inclusionBase    = 38_863 + 475_000 + 36*1_300
	inclusionPerByte = 1_300
)

// Actor ids of the shared world (internal/genesis).
const (
	idSystem  = genesis.IDSystem
	idInit    = genesis.IDInit
	idReward  = genesis.IDReward
	idBurnt   = genesis.IDBurnt
	idRich    = genesis.IDRich
	idPoor    = genesis.IDPoor
	idOther   = genesis.IDOther
	idHolder  = genesis.IDHolder
	idUsed    = genesis.IDUsed
	idOther4  = genesis.IDOther4
	idMultisg = genesis.IDMultisg
	idEth     = genesis.IDEth
	firstFree = genesis.FirstFree
)

var oneFIL = genesis.OneFIL

// world is the shared test world, with the sender actors and a 1 FIL
// placeholder.
type world struct{ *genesis.World }

func newWorld(t *testing.T, baseFee int64) *world {
	t.Helper()
	return &world{genesis.NewWorld(t, genesis.WorldOptions{BaseFee: baseFee, HolderBalance: oneFIL, Senders: true})}
}

// invokerFunc is a scripted Invoker: it records every call, then runs the
// script (nil: exit 0, nothing returned).
type invokerFunc struct {
	calls []callmanager.Call
	fn    func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error)
}

func (f *invokerFunc) Invoke(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
	f.calls = append(f.calls, c)
	if f.fn == nil {
		return callmanager.Result{}, nil
	}
	return f.fn(ctx, cm, c)
}

// Shared test helpers (internal/genesis).
var (
	mustAddr   = genesis.MustAddr
	idAddr     = genesis.IDAddr
	bytes48    = genesis.BLSKey
	bytes20    = genesis.EthAddr
	wantErrNum = genesis.WantErrNum
)
