package executor_test

import (
	"context"
	"testing"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

// world is the shared test world, with the sender actors and a 1 FIL
// placeholder.
type world struct{ *testworld.World }

func newWorld(t *testing.T, baseFee int64) *world {
	t.Helper()
	return &world{testworld.NewWorld(t, testworld.WorldOptions{BaseFee: baseFee, HolderBalance: testworld.OneFIL, Senders: true})}
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
