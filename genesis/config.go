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

	fvm "github.com/go-fvm/go-fvm"
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
	// Miners are the storage providers to create, in order, once every
	// other actor is in place: each by the power actor's CreateMiner, run
	// by the actors themselves. They get IDs from FirstMinerID.
	Miners []Miner
	// Engine runs the actors that create the Miners. Nil makes a private
	// engine for the Build (compiling the actors it runs, in memory);
	// share one to compile them once. Unused without Miners.
	Engine *fvm.Engine
}

// Miner is a storage provider created at genesis: a miner actor with no
// sectors and no power.
type Miner struct {
	// Owner is the miner's owner: the Address of one of Config.Accounts
	// (an f1, f3 or f410 account). It sends the CreateMiner message.
	Owner address.Address
	// Worker is the miner's worker: the Address of a BLS account of
	// Config.Accounts (the miner actor takes only a BLS worker key).
	Worker address.Address
	// SectorSize is the size of the miner's sectors, which sets its window
	// PoSt proof type: 2 KiB, 8 MiB, 512 MiB, 32 GiB or 64 GiB. Zero means
	// DefaultSectorSize. Which sizes an actor accepts depends on the
	// bundle's network (mainnet and calibrationnet take 32 and 64 GiB only;
	// devnet and testing bundles take 2 KiB too).
	SectorSize abi.SectorSize
	// PeerID is the libp2p peer ID the miner advertises (its bytes, at
	// most 128). Empty means none.
	PeerID []byte
}

// DefaultSectorSize is the sector size of a Miner that names none: 32 GiB,
// which every bundle network accepts.
const DefaultSectorSize = abi.SectorSize(32 << 30)

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
	// Miners are Config.Miners in order, with the actors created for them.
	Miners []CreatedMiner
}

// CreatedMiner is a Config miner as the genesis state holds it.
type CreatedMiner struct {
	// Miner is the miner as configured (SectorSize filled in).
	Miner Miner
	// ID is the miner actor's ID address: FirstMinerID for the first miner,
	// then one more for each.
	ID address.Address
	// Robust is the miner actor's robust (f2) address.
	Robust address.Address
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
	// FirstMinerID is the ID of the first Config miner (Lotus's
	// MinerStart): the init actor's next ID once the accounts have theirs.
	// The Ethereum null account (from actors v10) takes the ID after the
	// last miner's, as in Lotus.
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
