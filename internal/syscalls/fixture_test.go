package syscalls_test

import (
	"testing"

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
