package callmanager_test

import (
	"context"
	"testing"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/genesis"
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
