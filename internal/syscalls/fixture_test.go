package syscalls_test

import (
	"testing"

	"github.com/go-fvm/go-fvm/internal/testworld"
)

// world is the shared test world.
type world struct{ *testworld.World }

func newWorld(t testing.TB) *world {
	t.Helper()
	return &world{testworld.NewWorld(t, testworld.WorldOptions{})}
}
