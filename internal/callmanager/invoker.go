package callmanager

import (
	"context"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/syscalls"
)

// WasmInvoker runs actor code on an engine with the syscalls and the Wasm
// instrumentation of one FVM version: it implements Invoker.
type WasmInvoker struct {
	linker *engine.Linker
}

// NewWasmInvoker binds the syscalls of an FVM version into the engine. The
// code runs with the version's instrumentation: e's own, or that of the
// sibling engine e.WithInstrumentation keeps for it.
func NewWasmInvoker(ctx context.Context, e *engine.Engine, fvmVersion int) (*WasmInvoker, error) {
	mods, err := syscalls.HostModules(fvmVersion)
	if err != nil {
		return nil, err
	}
	instr, err := machine.InstrumentationFor(fvmVersion)
	if err != nil {
		return nil, err
	}
	if e, err = e.WithInstrumentation(ctx, engine.PipelineInstrumentation(instr)); err != nil {
		return nil, err
	}
	l, err := e.NewLinker(ctx, mods)
	if err != nil {
		return nil, err
	}
	return &WasmInvoker{linker: l}, nil
}

// Close releases the syscall bindings.
func (iv *WasmInvoker) Close(ctx context.Context) error { return iv.linker.Close(ctx) }

// Invoke runs one call's actor code in a fresh instance with a fresh kernel
// and maps how it ended to a call result.
func (iv *WasmInvoker) Invoke(ctx context.Context, cm *CallManager, c Call) (Result, error) {
	k := kernel.New(cm, c.From, c.To, c.Method, c.Value, c.ReadOnly)
	params := kernel.NoDataBlockID
	if c.Params != nil {
		// v4 (ref-fvm call_actor_resolved): the params' links become
		// reachable in the callee.
		put := k.Blocks.Put
		if cm.Machine().Profile.Reachability {
			put = k.Blocks.PutReachable
		}
		id, err := put(c.Params)
		if err != nil {
			return Result{}, err
		}
		params = id
	}
	m := cm.Machine()
	m.Timings.Enter(machine.PhaseWasm)
	defer m.Timings.Exit()
	out := iv.linker.Invoke(ctx, engine.Call{
		Code:               c.Actor.Code,
		LoadCode:           loadCode(m.Blocks),
		Params:             params,
		Gas:                cm.GasTracker(),
		Prices:             &m.Profile.Prices.WasmRules,
		Memory:             cm.MemoryLimiter(),
		Data:               k,
		FrameManaged:       true,
		MissingInvokeFatal: m.Profile.MissingInvokeFatal,
		InstantiationFatal: !m.Profile.InstantiationFailureExits,
	})
	return outcomeResult(k, out)
}

// outcomeResult maps an engine outcome to a call result (ref-fvm
// call_actor_resolved).
func outcomeResult(k *kernel.Kernel, out engine.Outcome) (Result, error) {
	switch out.Kind {
	case engine.Returned:
		if out.BlockID == kernel.NoDataBlockID {
			return Result{ExitCode: exitcode.Ok}, nil
		}
		b, err := k.Blocks.Get(out.BlockID)
		if err != nil {
			return Result{ExitCode: exitcode.SysErrMissingReturn}, nil
		}
		return Result{ExitCode: exitcode.Ok, Return: b}, nil
	case engine.Exited:
		if out.BlockID == kernel.NoDataBlockID {
			return Result{ExitCode: out.ExitCode}, nil
		}
		b, err := k.Blocks.Get(out.BlockID)
		if err != nil {
			// Unlike a bad id returned from invoke, a bad id passed to
			// vm.exit is fatal.
			return Result{}, fmt.Errorf("%w: exit with block %d: %w", kernel.ErrFatal, out.BlockID, err)
		}
		return Result{ExitCode: out.ExitCode, Return: b}, nil
	case engine.OutOfGas:
		return Result{}, gas.ErrOutOfGas
	default:
		return Result{}, fatalOutcomeError(out)
	}
}

// fatalOutcomeError is the error of a fatal outcome, marked fatal once: a
// cause that already is (a nested call's, a syscall's) keeps its message as
// it is, so a failure deep in the call stack does not read "fatal: fatal
// error: fatal: ..." once per frame.
func fatalOutcomeError(out engine.Outcome) error {
	switch {
	case errors.Is(out.Err, kernel.ErrFatal):
		return out.Err
	case out.Err == nil:
		return fmt.Errorf("%w: %s", kernel.ErrFatal, out.Message)
	}
	return fmt.Errorf("%w: %w", kernel.ErrFatal, out.Err)
}

// loadCode fetches actor code the engine has not compiled yet.
func loadCode(bs blockstore.Blockstore) func(context.Context, cid.Cid) ([]byte, error) {
	return func(ctx context.Context, c cid.Cid) ([]byte, error) {
		blk, err := bs.Get(ctx, c)
		if err != nil {
			return nil, err
		}
		return blk.RawData(), nil
	}
}
