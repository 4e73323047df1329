package syscalls

import (
	"context"
	"fmt"

	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/callmanager"
	"github.com/go-fvm/go-fvm/engine"
	"github.com/go-fvm/go-fvm/gas"
	"github.com/go-fvm/go-fvm/kernel"
	"github.com/go-fvm/go-fvm/machine"
)

// HostModules returns the syscall namespaces of an FVM version: 3 (nv18-20)
// or 4 (nv21+, the import set of ref-fvm's DefaultFilecoinKernel with its
// default features: verify_signature linked, upgrade_actor and
// install_actor not).
func HostModules(fvmVersion int) ([]engine.HostModule, error) {
	switch fvmVersion {
	case 3:
		return []engine.HostModule{
			vmModule(), networkModule(), ipldModule(), selfModule(selfDestructV3Syscall()), actorModule(),
			cryptoModule(), randModuleV3(), gasModule(), sendModule(), debugModule(), eventModuleV3(),
		}, nil
	case 4:
		return []engine.HostModule{
			vmModule(), networkModule(), ipldModule(), selfModule(selfDestructV4Syscall()), actorModule(),
			cryptoModule(verifyBLSAggregateSyscall()), randModuleV4(), gasModule(), sendModule(), debugModule(), eventModuleV4(),
		}, nil
	default:
		return nil, fmt.Errorf("syscalls: FVM v%d is not implemented (only v3, nv18-20, and v4, nv21+)", fvmVersion)
	}
}

// Invoker runs actor code on an engine with the syscalls of one FVM version:
// it implements callmanager.Invoker.
type Invoker struct {
	linker     *engine.Linker
	fvmVersion int
}

// NewInvoker binds the syscalls of an FVM version into the engine.
func NewInvoker(ctx context.Context, e *engine.Engine, fvmVersion int) (*Invoker, error) {
	mods, err := HostModules(fvmVersion)
	if err != nil {
		return nil, err
	}
	l, err := e.NewLinker(ctx, mods)
	if err != nil {
		return nil, err
	}
	return &Invoker{linker: l, fvmVersion: fvmVersion}, nil
}

// Close releases the syscall bindings.
func (iv *Invoker) Close(ctx context.Context) error { return iv.linker.Close(ctx) }

// Invoke runs one call's actor code in a fresh instance with a fresh kernel
// and maps how it ended to a call result.
func (iv *Invoker) Invoke(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
	k := kernel.New(cm, c.From, c.To, c.Method, c.Value, c.ReadOnly)
	params := kernel.NoDataBlockID
	if c.Params != nil {
		// v4 (ref-fvm call_actor_resolved): the params' links become
		// reachable in the callee.
		put := k.Blocks.Put
		if iv.fvmVersion >= 4 {
			put = k.Blocks.PutReachable
		}
		id, err := put(c.Params)
		if err != nil {
			return callmanager.Result{}, err
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
		MissingInvokeFatal: iv.fvmVersion < 4,
	})
	return outcomeResult(k, out)
}

// outcomeResult maps an engine outcome to a call result (ref-fvm
// call_actor_resolved).
func outcomeResult(k *kernel.Kernel, out engine.Outcome) (callmanager.Result, error) {
	switch out.Kind {
	case engine.Returned:
		if out.BlockID == kernel.NoDataBlockID {
			return callmanager.Result{ExitCode: exitcode.Ok}, nil
		}
		b, err := k.Blocks.Get(out.BlockID)
		if err != nil {
			return callmanager.Result{ExitCode: exitcode.SysErrMissingReturn}, nil
		}
		return callmanager.Result{ExitCode: exitcode.Ok, Return: b}, nil
	case engine.Exited:
		if out.BlockID == kernel.NoDataBlockID {
			return callmanager.Result{ExitCode: out.ExitCode}, nil
		}
		b, err := k.Blocks.Get(out.BlockID)
		if err != nil {
			// Unlike a bad id returned from invoke, a bad id passed to
			// vm.exit is fatal.
			return callmanager.Result{}, fmt.Errorf("%w: exit with block %d: %w", kernel.ErrFatal, out.BlockID, err)
		}
		return callmanager.Result{ExitCode: out.ExitCode, Return: b}, nil
	case engine.OutOfGas:
		return callmanager.Result{}, gas.ErrOutOfGas
	default:
		return callmanager.Result{}, fmt.Errorf("%w: %s: %w", kernel.ErrFatal, out.Message, out.Err)
	}
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
