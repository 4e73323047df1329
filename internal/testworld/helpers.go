package testworld

import igen "github.com/go-fvm/go-fvm/internal/genesis"

// The shared test helpers, until internal/genesis's other users move here.
var (
	// MustAddr returns a, panicking on err.
	MustAddr = igen.MustAddr
	// IDAddr is the ID address of id.
	IDAddr = igen.IDAddr
	// BLSKey is a 48-byte BLS public key (not a valid point) starting with b.
	BLSKey = igen.BLSKey
	// EthAddr is a 20-byte Ethereum address ending with b.
	EthAddr = igen.EthAddr
	// WantErrNum fails the test unless err carries the error number.
	WantErrNum = igen.WantErrNum
)

// NoExterns answers every extern with an error, as a node without chain
// access would.
type NoExterns = igen.NoExterns
