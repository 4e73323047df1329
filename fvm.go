package fvm

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/executor"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/message"
)

// ApplyRet is the outcome of applying a message: the receipt, the gas
// outputs, the events, the failure reason and (when tracing) the call tree.
type ApplyRet = executor.ApplyRet

// Receipt is a message receipt.
type Receipt = executor.Receipt

// Config is what a VM runs against: the machine's context (network
// version, epoch, base fee, state root, blockstore, externs, proof
// verifier), the engine and whether to trace.
type Config struct {
	machine.Config
	// Engine compiles and runs actor code. Share one between VMs: it caches
	// compiled code. Nil makes a private engine with an in-memory cache.
	Engine *engine.Engine
	// Tracing records each message's call tree in ApplyRet.Trace.
	Tracing bool
}

// VM applies messages. It is not safe for concurrent use; run one VM per
// goroutine (they may share an Engine).
type VM struct {
	machine    *machine.Machine
	exec       *executor.Executor
	invoker    *callmanager.WasmInvoker
	ownsEngine *engine.Engine
}

// New loads the state and prepares the syscalls of the network version.
func New(ctx context.Context, cfg Config) (*VM, error) {
	m, err := machine.New(ctx, cfg.Config)
	if err != nil {
		return nil, err
	}
	vm := &VM{machine: m}
	eng := cfg.Engine
	if eng == nil {
		if eng, err = engine.New(ctx, engine.Config{}); err != nil {
			return nil, err
		}
		vm.ownsEngine = eng
	}
	if vm.invoker, err = callmanager.NewWasmInvoker(ctx, eng, m.Profile.FVMVersion); err != nil {
		return nil, errors.Join(err, vm.Close(ctx))
	}
	vm.exec = &executor.Executor{Machine: m, Invoker: vm.invoker, Trace: cfg.Tracing}
	return vm, nil
}

// ApplyMessage applies a chain message. chainLength is its size on chain
// (message.Decode computes it from the chain bytes). An error means the
// message could not be applied at all; failures of the message itself are in
// the receipt.
func (vm *VM) ApplyMessage(ctx context.Context, msg *message.Message, chainLength int) (*ApplyRet, error) {
	return vm.exec.ApplyMessage(ctx, msg, executor.Explicit, chainLength)
}

// ApplyImplicitMessage applies a message the system makes (cron, block
// rewards): no inclusion gas, nonce or fees.
func (vm *VM) ApplyImplicitMessage(ctx context.Context, msg *message.Message) (*ApplyRet, error) {
	return vm.exec.ApplyMessage(ctx, msg, executor.Implicit, 0)
}

// Flush writes the state and returns its root. Only the blocks the root
// reaches reach the Config's blockstore.
func (vm *VM) Flush(ctx context.Context) (cid.Cid, error) {
	return vm.machine.Flush(ctx)
}

// Close releases the syscall bindings (and the engine, if the VM made it).
func (vm *VM) Close(ctx context.Context) error {
	var errs []error
	if vm.invoker != nil {
		errs = append(errs, vm.invoker.Close(ctx))
	}
	if vm.ownsEngine != nil {
		errs = append(errs, vm.ownsEngine.Close(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fvm: close: %w", err)
	}
	return nil
}

// ExecutionTrace is a message's call tree (Lotus's ExecutionTrace shape).
type ExecutionTrace = callmanager.ExecutionTrace
