package callmanager_test

import (
	"context"
	"testing"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

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
