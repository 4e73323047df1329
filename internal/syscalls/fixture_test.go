package syscalls_test

import (
	"testing"

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
)

var oneFIL = testworld.OneFIL

// world is the shared test world.
type world struct{ *testworld.World }

func newWorld(t testing.TB) *world {
	t.Helper()
	return &world{testworld.NewWorld(t, testworld.WorldOptions{})}
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
