package fvm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/internal/executor"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/message"
)

// ErrConfig is returned (wrapped) by New for a configuration it cannot run:
// a missing field, an unsupported network version, a state whose actor code
// is not in the blockstore.
var ErrConfig = errors.New("fvm: bad config")

// ErrFatal is returned (wrapped) when a message cannot be applied at all
// (the machine is in an impossible state); no receipt exists then.
var ErrFatal = executor.ErrFatal

// Config is what a VM runs against.
type Config struct {
	// NetworkVersion selects the FVM semantics and the price list.
	NetworkVersion network.Version
	// Epoch and Timestamp (seconds) are the chain's current ones.
	Epoch     abi.ChainEpoch
	Timestamp uint64
	// BaseFee is the tipset's base fee (zero when unset).
	BaseFee abi.TokenAmount
	// CircSupply is the circulating supply. Unset (a nil big.Int), it is the
	// reference's default: 2B FIL on nv16-20, zero from nv21.
	CircSupply abi.TokenAmount
	// ChainID is the EVM chain id (314 mainnet, 314159 calibnet).
	ChainID uint64
	// StateRoot is the state the VM starts from.
	StateRoot cid.Cid
	// Blockstore holds the state and the code of its actors. The VM buffers
	// its writes there and Flush writes only what the new root reaches.
	Blockstore blockstore.Blockstore
	// Externs supply randomness, tipset CIDs and consensus-fault checks
	// (externs.Synthetic for tests and devnets).
	Externs externs.Externs
	// Proofs verifies storage proofs. Nil refuses (fatally) to verify any;
	// externs.AcceptAllProofs is the devnet shortcut.
	Proofs externs.ProofVerifier
	// Engine compiles and runs actor code. Share one between VMs. Nil makes
	// a private engine with an in-memory cache, closed by VM.Close.
	Engine *Engine
	// Tracing records each message's call tree in ApplyRet.Trace.
	Tracing bool
	// Timings, when set, records where execution time goes.
	Timings *Timings
}

// VM applies messages to a state. It is not safe for concurrent use; run one
// VM per goroutine (they may share an Engine).
type VM struct {
	machine    *machine.Machine
	exec       *executor.Executor
	ownsEngine *Engine
	timings    *Timings
}

// New loads the state and prepares the syscalls of the network version. It
// fails, naming the problem, on an unsupported network version, a missing
// blockstore or externs, a state root it cannot load, or a state whose
// builtin actors' code the blockstore lacks.
func New(ctx context.Context, cfg Config) (*VM, error) {
	switch {
	case cfg.Blockstore == nil:
		return nil, fmt.Errorf("%w: no blockstore", ErrConfig)
	case cfg.Externs == nil:
		return nil, fmt.Errorf("%w: no externs", ErrConfig)
	case !cfg.StateRoot.Defined():
		return nil, fmt.Errorf("%w: no state root", ErrConfig)
	}
	nodes, manifests := cfg.Engine.caches()
	mc := machine.Config{
		NetworkVersion: cfg.NetworkVersion, Epoch: cfg.Epoch, Timestamp: cfg.Timestamp,
		BaseFee: cfg.BaseFee, CircSupply: cfg.CircSupply, ChainID: cfg.ChainID,
		StateRoot: cfg.StateRoot, Blockstore: cfg.Blockstore, Externs: cfg.Externs, Proofs: cfg.Proofs,
		Nodes: nodes, Manifests: manifests,
	}
	if cfg.Timings != nil {
		mc.Timings = &cfg.Timings.t
	}
	m, err := machine.New(ctx, mc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err := checkCode(ctx, cfg.Blockstore, m.Manifest); err != nil {
		return nil, err
	}
	vm := &VM{machine: m, timings: cfg.Timings}
	eng := cfg.Engine
	if eng == nil {
		if eng, err = NewEngine(ctx, EngineConfig{}); err != nil {
			return nil, err
		}
		vm.ownsEngine = eng
	}
	inv, err := eng.invoker(ctx, m.Profile.FVMVersion)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%w: %w", ErrConfig, err), vm.Close(ctx))
	}
	vm.exec = &executor.Executor{Machine: m, Invoker: inv, Trace: cfg.Tracing}
	return vm, nil
}

// checkCode fails unless bs holds the code of every actor of the manifest.
func checkCode(ctx context.Context, bs blockstore.Blockstore, man *bundle.Manifest) error {
	for _, e := range man.Entries {
		ok, err := bs.Has(ctx, e.Code)
		if err != nil {
			return fmt.Errorf("%w: code of the %s actor (%s): %w", ErrConfig, e.Name, e.Code, err)
		}
		if !ok {
			return fmt.Errorf("%w: the blockstore lacks the code of the %s actor (%s) of manifest %s; load the bundle into it (bundle.Load)",
				ErrConfig, e.Name, e.Code, man.Root)
		}
	}
	return nil
}

// ApplyMessage applies a chain message. chainLength is its size on chain
// (message.Decode gives it; message.ChainLength computes it). An error means
// the message could not be applied at all; failures of the message itself
// are in the receipt.
func (vm *VM) ApplyMessage(ctx context.Context, msg *message.Message, chainLength int) (*ApplyRet, error) {
	return vm.apply(ctx, msg, executor.Explicit, chainLength)
}

// ApplyImplicitMessage applies a message the system makes (cron, block
// rewards): no inclusion gas, nonce or fees.
func (vm *VM) ApplyImplicitMessage(ctx context.Context, msg *message.Message) (*ApplyRet, error) {
	return vm.apply(ctx, msg, executor.Implicit, 0)
}

// Call runs msg as an implicit message (no nonce check, no fees, as
// Lotus's StateCall and eth_call do) on the current state and reverts every
// change it made: the state is as before.
func (vm *VM) Call(ctx context.Context, msg *message.Message) (*ApplyRet, error) {
	return vm.reverting(ctx, msg, executor.Implicit, 0)
}

// Estimate runs msg as ApplyMessage does (nonce, balance and inclusion
// gas checked, fees computed) and reverts every change it made: gas
// estimation's dry run.
func (vm *VM) Estimate(ctx context.Context, msg *message.Message, chainLength int) (*ApplyRet, error) {
	return vm.reverting(ctx, msg, executor.Explicit, chainLength)
}

func (vm *VM) reverting(ctx context.Context, msg *message.Message, kind executor.ApplyKind, chainLength int) (*ApplyRet, error) {
	tree := vm.machine.Tree
	tree.BeginTransaction()
	ret, err := vm.apply(ctx, msg, kind, chainLength)
	if rerr := tree.EndTransaction(true); rerr != nil {
		return nil, fmt.Errorf("%w: revert call: %w", ErrFatal, rerr)
	}
	return ret, err
}

func (vm *VM) apply(ctx context.Context, msg *message.Message, kind executor.ApplyKind, chainLength int) (*ApplyRet, error) {
	t := vm.machine.Timings
	t.Enter(machine.PhaseOther)
	defer t.Exit()
	ret, err := vm.exec.ApplyMessage(ctx, msg, kind, chainLength)
	return applyRetFrom(ret), err
}

// Flush writes the state and returns its root. Only the blocks the root
// reaches reach the Config's blockstore.
func (vm *VM) Flush(ctx context.Context) (cid.Cid, error) {
	return vm.machine.Flush(ctx)
}

// NetworkVersion is the network version the VM runs.
func (vm *VM) NetworkVersion() network.Version { return vm.machine.NetworkVersion }

// Manifest is the builtin-actors manifest of the state's system actor.
func (vm *VM) Manifest() *bundle.Manifest { return vm.machine.Manifest }

// Close releases the VM (and the engine, if the VM made it).
func (vm *VM) Close(ctx context.Context) error {
	if vm.ownsEngine == nil {
		return nil
	}
	return vm.ownsEngine.Close(ctx)
}

// Timings splits execution time into phases (diagnostics only: nothing
// consensus-critical reads it). Not safe for concurrent use.
type Timings struct{ t machine.Timings }

// Phases returns the time recorded per phase: "wasm" (actor code), "syscalls",
// "blocks" (block reads and writes, flush) and "other".
func (t *Timings) Phases() map[string]time.Duration {
	out := map[string]time.Duration{}
	for p := machine.PhaseOther; p <= machine.PhaseBlocks; p++ {
		out[p.String()] = t.t.Total(p)
	}
	return out
}
