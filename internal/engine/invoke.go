package engine

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/wasm"
)

// GasAccount is the message's gas tracker as the engine sees it;
// *gas.GasTracker implements it.
type GasAccount interface {
	// GasAvailable returns the gas still available (at most i64::MAX
	// milligas; the tracker caps its limit there).
	GasAvailable() gas.Gas
	// ChargeGas charges g under a trace name. When gas runs out it returns
	// an error wrapping gas.ErrOutOfGas (and has used up all gas); any other
	// error is fatal.
	ChargeGas(name string, g gas.Gas) error
}

// Call describes one actor invocation.
type Call struct {
	// Code is the actor's code CID.
	Code cid.Cid
	// LoadCode fetches the code when the engine has not compiled it yet
	// (nil: such code is a fatal error, as a missing code block is).
	LoadCode func(ctx context.Context, code cid.Cid) ([]byte, error)
	// Params is the params block id passed to invoke (0 = none).
	Params uint32
	// Gas is the message's gas tracker.
	Gas GasAccount
	// Prices are the Wasm prices of the network version (PriceList.WasmRules):
	// initial memory and table, and the memory-grow trace split.
	Prices *gas.WasmGasPrices
	// Memory is the call stack's memory limiter, shared by nested calls.
	Memory *MemoryLimiter
	// Data is anything the syscalls need (the kernel); see Invocation.Data.
	Data any
	// FrameManaged says the caller wraps the whole call-depth frame (the
	// send, including an implicit account constructor run at the same
	// depth) in Memory.WithStackFrame, as ref-fvm does. When false, Invoke
	// releases what its instances held on return, which differs from the
	// reference only when two invocations share a frame.
	FrameManaged bool
	// MissingInvokeFatal selects FVM v2 and v3 semantics (nv16-20): a
	// missing or mistyped invoke export is fatal. In v4 a missing invoke
	// export ends the call with SYS_INVALID_RECEIVER (a mistyped one is fatal
	// in all).
	MissingInvokeFatal bool
	// InstantiationFatal selects FVM v2 semantics (nv16-17): a failure to
	// instantiate the code is fatal; v3 and v4 end the call with
	// SYS_ILLEGAL_INSTRUCTION.
	InstantiationFatal bool
}

// Invocation is one running actor call: what the syscalls of that call work
// with. Get it in a host function with InvocationFromContext. It is only
// valid until its Invoke returns.
type Invocation struct {
	e        *Engine
	call     *Call
	gas      api.MutableGlobal
	memory   api.Memory
	instance api.Module

	lastGasAvailable uint64
	lastMemoryBytes  uint64
}

type invocationKey struct{}

// InvocationFromContext returns the invocation a host function runs in, or
// nil outside one.
func InvocationFromContext(ctx context.Context) *Invocation {
	inv, _ := ctx.Value(invocationKey{}).(*Invocation)
	return inv
}

// Data returns Call.Data.
func (inv *Invocation) Data() any { return inv.call.Data }

// Code returns the code CID being run.
func (inv *Invocation) Code() cid.Cid { return inv.call.Code }

// Memory returns the actor's exported memory, which all syscall pointers
// address. While the instance is being created (a start function making
// syscalls) it is an empty memory, as in the reference, so every non-empty
// pointer is out of bounds.
func (inv *Invocation) Memory() api.Memory { return inv.memory }

// Module returns the actor instance (nil until instantiated).
func (inv *Invocation) Module() api.Module { return inv.instance }

// GasCounter reads the Wasm gas counter (milligas; negative once Wasm ran out).
func (inv *Invocation) GasCounter() int64 { return int64(inv.gas.Get()) }

// SetGasCounter writes the Wasm gas counter.
func (inv *Invocation) SetGasCounter(v int64) { inv.gas.Set(uint64(v)) }

// LastGasAvailable returns the milligas written to the counter at the last
// UpdateGasAvailable.
func (inv *Invocation) LastGasAvailable() uint64 { return inv.lastGasAvailable }

// UpdateGasAvailable writes the tracker's available gas into the Wasm
// counter and remembers it (ref-fvm update_gas_available). Call it at the
// end of every syscall, also when the syscall aborts. It returns nil or an
// *Abort.
func (inv *Invocation) UpdateGasAvailable() error {
	avail := inv.call.Gas.GasAvailable().Milligas()
	if avail > math.MaxInt64 {
		return AbortFatal(fmt.Errorf("available milligas %d exceeds i64::MAX", avail))
	}
	inv.SetGasCounter(int64(avail))
	inv.lastGasAvailable = avail
	inv.lastMemoryBytes = inv.call.Memory.MemoryUsed()
	return nil
}

// ExecGas returns the milligas Wasm used since the last UpdateGasAvailable:
// last - counter (saturating at 0), or last + |counter| when the counter is
// negative, which always exceeds what is left.
func (inv *Invocation) ExecGas() uint64 {
	g := inv.GasCounter()
	if g < 0 {
		return satAdd(inv.lastGasAvailable, uint64(-g)) // -MinInt64 wraps to 1<<63, as wanted
	}
	if uint64(g) >= inv.lastGasAvailable {
		return 0
	}
	return inv.lastGasAvailable - uint64(g)
}

// ChargeForExec charges the tracker for the Wasm execution since the last
// UpdateGasAvailable (ref-fvm charge_for_exec): "wasm_exec", and the part
// attributable to memory growth as "wasm_memory_grow" (a trace split only;
// the total is ExecGas). Call it at the start of every syscall. It does not
// update the remembered availability. It returns nil or an *Abort (out of
// gas, or fatal).
func (inv *Invocation) ChargeForExec() error {
	exec := inv.ExecGas()
	used := inv.call.Memory.MemoryUsed()
	var delta uint64
	if used > inv.lastMemoryBytes {
		delta = used - inv.lastMemoryBytes
	}
	mem := inv.call.Prices.GrowMemoryGas(clampInt(delta)).Milligas()
	if mem <= exec {
		exec -= mem
	} else {
		mem, exec = exec, 0
	}
	if err := inv.call.Gas.ChargeGas(gas.ChargeWasmExec, gas.FromMilligas(exec)); err != nil {
		return chargeAbort(err)
	}
	if mem != 0 {
		if err := inv.call.Gas.ChargeGas(gas.ChargeWasmMemoryGrow, gas.FromMilligas(mem)); err != nil {
			return chargeAbort(err)
		}
	}
	return nil
}

// chargeForInit charges for the initial table and memory (ref-fvm
// charge_for_init): 3.2 gas per element of a table exported as "table",
// then 0.4 gas per byte of the minimum of the memory exported as "memory";
// a module without that memory export is fatal.
func (inv *Invocation) chargeForInit(m *Module) error {
	pages, ok := m.info.exportedMemoryMin("memory")
	if !ok {
		return AbortFatal(fmt.Errorf("code %s: actor has no memory export", m.Code))
	}
	minBytes := uint64(pages) * WasmPageBytes
	// As ref-fvm's charge_for_init: the initial memory counts as already
	// charged for the memory-grow trace split.
	inv.lastMemoryBytes += minBytes
	if elems, ok := m.info.exportedTableMin("table"); ok {
		if err := inv.call.Gas.ChargeGas(gas.ChargeWasmTableInit, inv.call.Prices.InitTableGas(uint64(elems))); err != nil {
			return chargeAbort(err)
		}
	}
	if err := inv.call.Gas.ChargeGas(gas.ChargeWasmMemoryInit, inv.call.Prices.InitMemoryGas(clampInt(minBytes))); err != nil {
		return chargeAbort(err)
	}
	return nil
}

// Invoke runs one actor invocation in a fresh instance, following ref-fvm's
// call_actor_resolved: charge the initial memory, sync the gas counter,
// instantiate (start function metered), charge exec gas, find invoke, sync,
// call invoke(Params), charge exec gas before looking at the result (so any
// trap with a negative counter is out of gas), then map the result.
//
// With Call.FrameManaged, memory accounted in call.Memory stays accounted
// after Invoke returns: the call manager releases it by wrapping each send
// (the call-depth frame) in call.Memory.WithStackFrame, as the reference
// does, so an implicit account constructor and the call that follows it at
// the same depth share a frame. Without it, Invoke releases it on return.
// Invoke never panics: panics become Fatal outcomes.
func (l *Linker) Invoke(ctx context.Context, call Call) (out Outcome) {
	if call.Gas == nil || call.Memory == nil || call.Prices == nil {
		return AbortFatal(errors.New("engine: Call needs Gas, Prices and Memory")).Outcome
	}
	saved := call.Memory.used
	defer func() {
		if !call.FrameManaged {
			call.Memory.used = saved
		}
		if r := recover(); r != nil {
			out = panicOutcome(r)
		}
	}()
	inv := &Invocation{e: l.e, call: &call, memory: l.e.dummyMemory, lastMemoryBytes: call.Memory.MemoryUsed()}
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	defer inv.close(ctx)
	id, err := l.run(ctx, inv)
	if err != nil {
		return abortOutcome(err)
	}
	return Outcome{Kind: Returned, BlockID: id}
}

// run does the invocation: it returns invoke's result, or an *Abort.
func (l *Linker) run(ctx context.Context, inv *Invocation) (uint32, error) {
	m, err := l.module(ctx, inv.call)
	if err != nil {
		return 0, AbortFatal(err)
	}
	b, err := l.bindingFor(ctx, m)
	if err != nil {
		return 0, AbortFatal(err)
	}
	// The gas module imports the gas host functions by their private name:
	// no import resolver (a nested call's ctx carries its caller's).
	gasCtx := experimental.WithImportResolver(ctx, func(string) api.Module { return nil })
	gasMod, err := b.rt.InstantiateModule(gasCtx, b.shim, gasModuleConfig())
	if err != nil {
		return 0, AbortFatal(fmt.Errorf("engine: gas module: %w", err))
	}
	defer gasMod.Close(ctx)
	g, ok := gasMod.ExportedGlobal(GasCounterName).(api.MutableGlobal)
	if !ok {
		return 0, AbortFatal(errors.New("engine: gas counter is not a mutable global"))
	}
	inv.gas = g
	if err := inv.chargeForInit(m); err != nil {
		return 0, err
	}
	if err := l.Check(m); err != nil {
		return 0, AbortFatal(err)
	}
	if err := inv.UpdateGasAvailable(); err != nil {
		return 0, err
	}
	instErr := l.instantiate(ctx, inv, m, b, gasMod)
	if err := inv.ChargeForExec(); err != nil {
		return 0, err
	}
	if instErr != nil {
		if inv.call.InstantiationFatal {
			return 0, AbortFatal(fmt.Errorf("code %s: failed to instantiate module: %w", m.Code, instErr))
		}
		return 0, Exit(exitcode.SysErrIllegalInstruction, 0, fmt.Sprintf("failed to instantiate module: %v", instErr))
	}
	inv.memory = inv.instance.ExportedMemory("memory")
	if inv.memory == nil {
		return 0, AbortFatal(fmt.Errorf("code %s: actor has no memory export", m.Code))
	}
	return l.callInvoke(ctx, inv, m)
}

// callInvoke finds the invoke export, syncs the gas counter, calls it and
// charges the execution before looking at the result.
func (l *Linker) callInvoke(ctx context.Context, inv *Invocation, m *Module) (uint32, error) {
	fn := inv.instance.ExportedFunction("invoke")
	if fn == nil {
		if inv.call.MissingInvokeFatal {
			return 0, AbortFatal(fmt.Errorf("code %s: no invoke export", m.Code))
		}
		return 0, Exit(exitcode.SysErrInvalidReceiver, 0, fmt.Sprintf("cannot upgrade to %s", m.Code))
	}
	def := fn.Definition()
	if !hasType(def.ParamTypes(), def.ResultTypes(), invokeType) {
		have := funcTypeOf(def.ParamTypes(), def.ResultTypes())
		return 0, AbortFatal(fmt.Errorf("code %s: invoke has type %s, want %s", m.Code, have, invokeType))
	}
	if err := inv.UpdateGasAvailable(); err != nil {
		return 0, err
	}
	res, callErr := fn.Call(ctx, uint64(inv.call.Params))
	if err := inv.ChargeForExec(); err != nil {
		return 0, err
	}
	if callErr != nil {
		return 0, &Abort{classifyCallError(callErr)}
	}
	return uint32(res[0]), nil
}

// invokeType is the type of the invoke export: (i32) -> i32.
var invokeType = wasm.FuncType{Params: []wasm.ValType{wasm.I32}, Results: []wasm.ValType{wasm.I32}}

// abortOutcome returns the outcome an error from run stands for.
func abortOutcome(err error) Outcome {
	var ab *Abort
	if errors.As(err, &ab) {
		return ab.Outcome
	}
	return AbortFatal(err).Outcome
}

func panicOutcome(r any) Outcome {
	if ab, ok := r.(*Abort); ok {
		return ab.Outcome
	}
	return AbortFatal(fmt.Errorf("engine: panic during invocation: %v", r)).Outcome
}

// module returns the compiled code of the call, loading it if needed.
func (l *Linker) module(ctx context.Context, call *Call) (*Module, error) {
	if m, ok := l.e.Lookup(call.Code); ok {
		return m, nil
	}
	if call.LoadCode == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotLoaded, call.Code)
	}
	b, err := call.LoadCode(ctx, call.Code)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotLoaded, call.Code, err)
	}
	return l.e.LoadTiered(ctx, Code{CID: call.Code, Bytes: b})
}

// instantiate creates the actor instance under the FVM's limits. The
// initial memory and tables are accounted first (wazero cannot refuse an
// initial allocation); the start function, if any, runs metered.
func (l *Linker) instantiate(ctx context.Context, inv *Invocation, m *Module, b *binding, gasMod api.Module) error {
	info := m.info
	if len(info.tables) > 1 || len(info.memories) > 1 {
		return fmt.Errorf("%d tables and %d memories; at most one of each", len(info.tables), len(info.memories))
	}
	var memBytes uint64
	for _, mem := range info.memories {
		memBytes = mem.Min * WasmPageBytes
		if memBytes > MaxInstanceMemoryBytes {
			return fmt.Errorf("initial memory of %d pages exceeds the instance limit", mem.Min)
		}
		if !inv.call.Memory.GrowMemory(memBytes) {
			return fmt.Errorf("initial memory of %d pages exceeds the call stack limit", mem.Min)
		}
	}
	for _, t := range info.tables {
		if t.Min > MaxTableElements {
			return fmt.Errorf("initial table of %d elements exceeds the limit of %d", t.Min, MaxTableElements)
		}
		if !inv.call.Memory.GrowInstanceTable(0, t.Min) {
			return fmt.Errorf("initial table of %d elements exceeds the call stack limit", t.Min)
		}
	}
	ictx := experimental.WithMemoryAllocator(ctx, &allocator{limiter: inv.call.Memory, regions: l.e.regions, pool: &l.e.memories, reserved: memBytes})
	ictx = experimental.WithImportResolver(ictx, b.resolver(gasMod))
	inst, err := b.rt.InstantiateModule(ictx, m.compiled, gasModuleConfig())
	if err != nil {
		return err
	}
	inv.instance = inst
	return nil
}

// gasModuleConfig is the configuration of every per-invocation instance:
// no name (many instances of one module may be live: nested and recursive
// calls) and no _start export call (the Wasm start section still runs).
func gasModuleConfig() wazero.ModuleConfig {
	// A fixed random source also spares wazero seeding its default one on
	// every instantiation (actors have no WASI, so nothing reads it).
	return wazero.NewModuleConfig().WithName("").WithStartFunctions().WithRandSource(zeroReader{})
}

// zeroReader reads zeros.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func (inv *Invocation) close(ctx context.Context) {
	if inv.instance != nil {
		_ = inv.instance.Close(ctx)
	}
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}

// clampInt converts a byte count for the gas package's int-sized prices.
func clampInt(v uint64) int {
	if v > math.MaxInt {
		return math.MaxInt
	}
	return int(v)
}
