package callmanager_test

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
	firstFree = genesis.FirstFree
)

var oneFIL = genesis.OneFIL

// world is the shared test world.
type world struct{ *genesis.World }

func newWorld(t *testing.T) *world {
	t.Helper()
	return &world{genesis.NewWorld(t, genesis.WorldOptions{})}
}

// invokerFunc is a scripted Invoker: it records every call with the depth
// it ran at, then runs the script (nil: exit 0, nothing returned).
type invokerFunc struct {
	calls  []callmanager.Call
	depths []int
	fn     func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error)
}

func (f *invokerFunc) Invoke(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
	f.calls = append(f.calls, c)
	f.depths = append(f.depths, cm.Depth())
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
	used       = genesis.UsedGas
)
