package genesis

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/bundle"
)

// ErrBadConfig is returned (wrapped) for a Config that Build cannot build:
// an unsupported actors version or network, or an invalid account.
var ErrBadConfig = errors.New("bad genesis config")

// AccountKind is the kind of a funded account.
type AccountKind int

const (
	// Secp256k1 is an account actor with an f1 (secp256k1 key) address.
	Secp256k1 AccountKind = iota + 1
	// BLS is an account actor with an f3 (BLS key) address.
	BLS
	// Ethereum is an EthAccount actor with an f410 address (an Ethereum
	// address in the Ethereum Address Manager's namespace); the actor's
	// delegated address is set to it.
	Ethereum
	// Multisig is a multisig actor with signers and a threshold; it has no
	// address of its own besides its ID.
	Multisig
)

// String names the kind.
func (k AccountKind) String() string {
	switch k {
	case Secp256k1:
		return "secp256k1"
	case BLS:
		return "bls"
	case Ethereum:
		return "ethereum"
	case Multisig:
		return "multisig"
	case 0:
		return "unset"
	default:
		return fmt.Sprintf("AccountKind(%d)", int(k))
	}
}

// Account is a funded actor of the genesis state.
type Account struct {
	// Kind says which actor the account is.
	Kind AccountKind
	// Address is the account's key address: f1 for Secp256k1, f3 for BLS,
	// f410 for Ethereum. Leave it empty for a Multisig.
	Address address.Address
	// Balance is the account's balance in attoFIL. Nil means zero.
	Balance abi.TokenAmount
	// Signers are a Multisig's signers, each an f1, f3 or f410 address. A
	// signer that is not itself one of the Accounts gets an actor (account
	// or EthAccount) with no balance.
	Signers []address.Address
	// Threshold is how many signers a Multisig's transaction needs, from 1
	// to len(Signers).
	Threshold uint64
}

// Config says what genesis state to build.
type Config struct {
	// ActorsVersion is the builtin-actors version (see Versions).
	ActorsVersion int
	// Network picks the bundle's manifest: one of bundle.Networks for the
	// version. Empty means "mainnet".
	Network string
	// NetworkName is the name the init actor keeps. Empty means "devnet".
	NetworkName string
	// Bundle, when set, is the builtin-actors bundle to load (a zstd
	// tarball of per-network CARs as Lotus ships it, or the network's CAR);
	// its manifest must be the known one for ActorsVersion and Network.
	// Build reads it once, to the network's bundle or to its end. Nil
	// means bundle.Locator's file for the version (the Lotus module's, in the
	// Go module cache).
	Bundle io.Reader
	// Accounts are the funded actors. They get IDs from 100 in order (a
	// multisig's new signers when the multisig is met, the multisigs
	// themselves after every key account), as in Lotus.
	Accounts []Account
	// VerifiedRegistryRoot, when set (f1, f3 or f410), is the key of the
	// verified registry's root key holder: an actor with no balance at f080
	// (the root key the registry names). It must not be one of the Accounts
	// or their signers. Unset, f080 is a 1-of-1 multisig whose signer is
	// DefaultSigner, as in Lotus.
	VerifiedRegistryRoot address.Address
}

// Genesis is a built genesis state.
type Genesis struct {
	// StateRoot is the root of the state tree.
	StateRoot cid.Cid
	// ActorsVersion is the builtin-actors version of the state.
	ActorsVersion int
	// Network is the bundle network whose manifest the state uses.
	Network string
	// Manifest is the bundle's manifest (its code is in the blockstore).
	Manifest *bundle.Manifest
	// Accounts are Config.Accounts in order, with what genesis gave them.
	Accounts []Allocated
}

// Allocated is a Config account as the genesis state holds it.
type Allocated struct {
	// Account is the account as configured.
	Account Account
	// ID is the actor's ID address.
	ID address.Address
	// Address is the account's robust address: its key address (f1, f3,
	// f410), or the ID address for a multisig, which has no other.
	Address address.Address
}

// Well-known actors of a genesis state.
const (
	// RootKeyID is the actor ID of the verified registry's root key holder.
	RootKeyID = 80
	// ReserveID is the actor ID of the reserve, which holds whatever FIL the
	// reward actor and the accounts do not.
	ReserveID = 90
	// FirstAccountID is the actor ID of the first account.
	FirstAccountID = 100
	// FirstMinerID is the init actor's next ID after genesis: the first ID
	// left for storage providers and actors created later (Lotus's
	// MinerStart).
	FirstMinerID = 1000
)

// DefaultSigner is the signer of the reserve multisig f090, and of the root
// key multisig f080 when Config.VerifiedRegistryRoot is unset: the key Lotus's
// genesis templates use for both (chain/gen's remainder account).
const DefaultSigner = "f1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy"

// TotalFilecoin is the total supply, 2,000,000,000 FIL in attoFIL.
func TotalFilecoin() abi.TokenAmount { return fil(2_000_000_000) }

// InitialRewardBalance is the reward actor's balance at genesis,
// 1,100,000,000 FIL in attoFIL (Lotus's InitialRewardBalance).
func InitialRewardBalance() abi.TokenAmount { return fil(1_100_000_000) }

func fil(n int64) abi.TokenAmount { return big.Mul(big.NewInt(n), big.NewInt(1e18)) }

// Versions returns the actors versions Build supports, ascending. Building
// also needs the version's bundle (bundle.Versions lists the known ones).
func Versions() []int {
	vs := make([]int, 0, len(releases))
	for v := range releases {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}
