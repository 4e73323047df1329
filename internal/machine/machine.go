package machine

import (
	"context"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/state"
)

// ErrUnsupported is returned (wrapped) for a network version or state the
// machine cannot run.
var ErrUnsupported = errors.New("unsupported")

// DefaultMaxCallDepth is the deepest call stack (NetworkConfig default).
const DefaultMaxCallDepth = 1024

// TotalFilecoin returns the total supply, 2,000,000,000 FIL in attoFIL.
func TotalFilecoin() abi.TokenAmount {
	return big.Mul(big.NewInt(2_000_000_000), big.NewInt(1_000_000_000_000_000_000))
}

// Profile is what a network version selects: the FVM semantics (3 for
// nv18-20, 4 for nv21+), the price list and the call-depth limit.
type Profile struct {
	FVMVersion   int
	Prices       *gas.PriceList
	MaxCallDepth int
}

// ProfileFor returns the profile of a network version.
//
// Quirk (ref-fvm v4.8.2 machine/default.rs): a default build runs nv21-28 and
// refuses nv29; its nv29-dev feature adds nv29 with nothing else changed (the
// Teep prices, the same syscalls). We run nv29 as that feature does: it is
// the upgrade lotus schedules next (actors v19).
func ProfileFor(nv network.Version) (*Profile, error) {
	var fvm int
	switch {
	case nv >= network.Version18 && nv <= network.Version20:
		fvm = 3
	case nv >= network.Version21 && nv <= network.Version29:
		fvm = 4
	default:
		return nil, fmt.Errorf("%w: network version %d (go-fvm runs nv18-29)", ErrUnsupported, nv)
	}
	prices, err := gas.PriceListByNetworkVersion(nv)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return &Profile{FVMVersion: fvm, Prices: prices, MaxCallDepth: DefaultMaxCallDepth}, nil
}

// Config is the context a machine runs messages in.
type Config struct {
	NetworkVersion network.Version
	Epoch          abi.ChainEpoch
	Timestamp      uint64
	BaseFee        abi.TokenAmount
	// CircSupply is the circulating supply. Unset (a nil big.Int), it is
	// TotalFilecoin for FVM v3 (nv18-20) and 0 for v4, as in the reference.
	CircSupply abi.TokenAmount
	ChainID    uint64
	// StateRoot is the state the machine starts from.
	StateRoot cid.Cid
	// Blockstore holds the state and the actor code; the machine buffers its
	// writes and flushes only what the new state root reaches.
	Blockstore blockstore.Blockstore
	// Externs supply randomness, tipset CIDs and consensus-fault checks.
	Externs externs.Externs
	// Proofs verifies storage proofs. Nil means externs.NoProofVerifier,
	// which refuses (fatally) to verify anything.
	Proofs externs.ProofVerifier
	// Timings, when set, records where execution time goes.
	Timings *Timings
}

// Machine is the state a sequence of messages runs against.
type Machine struct {
	Config
	Profile  *Profile
	Blocks   *blockstore.Buffered
	Tree     *state.StateTree
	Manifest *bundle.Manifest

	// Codes of the builtin actors the machine itself needs.
	AccountCode, PlaceholderCode, EthAccountCode cid.Cid
}

// New loads the state root and the manifest its system actor names.
func New(ctx context.Context, cfg Config) (*Machine, error) {
	profile, err := ProfileFor(cfg.NetworkVersion)
	if err != nil {
		return nil, err
	}
	if cfg.BaseFee.Int == nil {
		cfg.BaseFee = big.Zero()
	}
	if cfg.Proofs == nil {
		cfg.Proofs = externs.NoProofVerifier{}
	}
	if cfg.Externs == nil {
		return nil, fmt.Errorf("%w: machine config has no externs", ErrUnsupported)
	}
	if cfg.CircSupply.Int == nil {
		// ref-fvm NetworkConfig::for_epoch: TOTAL_FILECOIN in v3, zero in v4.
		cfg.CircSupply = big.Zero()
		if profile.FVMVersion < 4 {
			cfg.CircSupply = TotalFilecoin()
		}
	}
	buf := blockstore.NewBuffered(cfg.Blockstore)
	// The empty array is the info of every root and the head of new actors;
	// some CARs lack it.
	empty, _ := blocks.NewBlockWithCid([]byte{0x80}, state.EmptyArrayCID)
	if err := buf.Put(ctx, empty); err != nil {
		return nil, err
	}
	tree, err := state.Load(ctx, buf, cfg.StateRoot)
	if err != nil {
		return nil, err
	}
	if tree.Version() != state.Version5 {
		return nil, fmt.Errorf("%w: state tree version %d (nv18+ needs 5)", ErrUnsupported, tree.Version())
	}
	data, err := tree.ManifestData(ctx)
	if err != nil {
		return nil, err
	}
	manifest, err := bundle.LoadManifestData(ctx, buf, data)
	if err != nil {
		return nil, err
	}
	m := &Machine{Config: cfg, Profile: profile, Blocks: buf, Tree: tree, Manifest: manifest}
	for name, dst := range map[string]*cid.Cid{"account": &m.AccountCode, "placeholder": &m.PlaceholderCode, "ethaccount": &m.EthAccountCode} {
		c, ok := manifest.Code(name)
		if !ok {
			return nil, fmt.Errorf("%w: manifest %s has no %s actor", ErrUnsupported, data, name)
		}
		*dst = c
	}
	return m, nil
}

// Flush writes the state tree and moves the blocks its root reaches to the
// base blockstore. It returns the new state root.
func (m *Machine) Flush(ctx context.Context) (cid.Cid, error) {
	m.Timings.Enter(PhaseBlocks)
	defer m.Timings.Exit()
	root, err := m.Tree.Flush(ctx)
	if err != nil {
		return cid.Undef, err
	}
	if err := m.Blocks.Flush(ctx, root); err != nil {
		return cid.Undef, err
	}
	return root, nil
}
