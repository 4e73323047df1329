package callmanager_test

import (
	"context"
	"testing"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

// Actor ids of the shared world (internal/testworld).
const (
	idSystem  = testworld.IDSystem
	idInit    = testworld.IDInit
	idReward  = testworld.IDReward
	idBurnt   = testworld.IDBurnt
	idRich    = testworld.IDRich
	idPoor    = testworld.IDPoor
	idOther   = testworld.IDOther
	idHolder  = testworld.IDHolder
	firstFree = testworld.FirstFree
	// firstFreeV2 is the first new id in the V2 world.
	firstFreeV2 = testworld.FirstFreeV2
)

var oneFIL = testworld.OneFIL

// world is the shared test world.
type world struct{ *testworld.World }

func newWorld(t *testing.T) *world {
	t.Helper()
	return &world{testworld.NewWorld(t, testworld.WorldOptions{})}
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

// Shared test helpers (internal/testworld).
var (
	mustAddr   = testworld.MustAddr
	idAddr     = testworld.IDAddr
	bytes48    = testworld.BLSKey
	bytes20    = testworld.EthAddr
	wantErrNum = testworld.WantErrNum
	used       = testworld.UsedGas
)
