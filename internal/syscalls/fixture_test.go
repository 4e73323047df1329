package syscalls_test

import (
	"testing"

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

func newWorld(t testing.TB) *world {
	t.Helper()
	return &world{genesis.NewWorld(t, genesis.WorldOptions{})}
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
