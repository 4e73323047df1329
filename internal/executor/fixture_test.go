package executor_test

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
	idUsed    = testworld.IDUsed
	idOther4  = testworld.IDOther4
	idMultisg = testworld.IDMultisg
	idEth     = testworld.IDEth
	firstFree = testworld.FirstFree
)

var oneFIL = testworld.OneFIL

// world is the shared test world, with the sender actors and a 1 FIL
// placeholder.
type world struct{ *testworld.World }

func newWorld(t *testing.T, baseFee int64) *world {
	t.Helper()
	return &world{testworld.NewWorld(t, testworld.WorldOptions{BaseFee: baseFee, HolderBalance: oneFIL, Senders: true})}
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

// Shared test helpers (internal/testworld).
var (
	mustAddr   = testworld.MustAddr
	idAddr     = testworld.IDAddr
	bytes48    = testworld.BLSKey
	bytes20    = testworld.EthAddr
	wantErrNum = testworld.WantErrNum
)
