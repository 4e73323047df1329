package engine

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/wasm"
)

// A tiered Engine (Config.Tiered) runs code the compiler has not compiled
// yet in wazero's interpreter, which prepares a module several times faster
// (the EVM actor: about 0.1 s against 0.7 s), while the compiler compiles it
// in the background; once compiled, the code runs compiled. What an actor
// does cannot depend on the tier: the code is the same instrumented code,
// both backends implement the same Wasm semantics (the engine tests run
// under both), gas is counted by the code itself, and the FVM's stack limit
// keeps the interpreter's call-depth cap out of reach (see the package
// notes). Only the first invocations of each actor of a fresh process are
// slower to run and much faster to start.

// interpTier is the interpreter runtime of a tiered Engine and the code it
// has prepared.
type interpTier struct {
	rt    wazero.Runtime
	empty api.Module

	mu      sync.Mutex
	modules map[cid.Cid]*moduleEntry
	// compilers bounds the background compilations, leaving a core to the
	// invocations that wait for them.
	compilers chan struct{}
}

// newInterpTier starts the interpreter runtime, with the FVM's features.
func newInterpTier(ctx context.Context) (*interpTier, error) {
	rc := wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(Features).WithCloseOnContextDone(false)
	t := &interpTier{rt: wazero.NewRuntimeWithConfig(ctx, rc), modules: map[cid.Cid]*moduleEntry{},
		compilers: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))}
	var empty wasm.Module
	var err error
	if t.empty, err = t.rt.InstantiateWithConfig(ctx, empty.Encode(), wazero.NewModuleConfig().WithName("").WithStartFunctions()); err != nil {
		_ = t.rt.Close(ctx)
		return nil, fmt.Errorf("engine: interpreter empty module: %w", err)
	}
	return t, nil
}

// LoadTiered returns the module to run code with: the compiled one when it
// is ready or the disk cache holds it (loading it is faster than preparing
// it for the interpreter); otherwise, on a tiered Engine, the interpreter's
// (prepared on first use), while the compiler compiles the code in the
// background. Code the interpreter refuses gets the compiler's answer, so
// errors are those of Load.
func (e *Engine) LoadTiered(ctx context.Context, code Code) (*Module, error) {
	if e.interp == nil || e.compiled(code.CID) || e.onDisk(code.CID) {
		return e.Load(ctx, code)
	}
	if e.closed.Load() {
		return nil, ErrClosed
	}
	e.compileInBackground(code)
	m, err := e.interp.load(ctx, e, code)
	if err != nil && !isContextError(err) {
		return e.Load(ctx, code)
	}
	return m, err
}

// compiled reports whether the compiler is done with c (compiled, or
// refused it).
func (e *Engine) compiled(c cid.Cid) bool {
	e.mu.Lock()
	ent := e.modules[c]
	e.mu.Unlock()
	if ent == nil {
		return false
	}
	select {
	case <-ent.done:
		return true
	default:
		return false
	}
}

// compileInBackground starts compiling code unless that has started.
func (e *Engine) compileInBackground(code Code) {
	e.mu.Lock()
	_, started := e.modules[code.CID]
	if started || e.closed.Load() {
		e.mu.Unlock()
		return
	}
	e.background.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.background.Done()
		select {
		case e.interp.compilers <- struct{}{}:
			defer func() { <-e.interp.compilers }()
		case <-e.backgroundCtx.Done():
			return
		}
		// One worker: the core left free is the invocations'.
		_, _ = e.load(withOneCompilationWorker(e.backgroundCtx), code)
	}()
}

// load prepares code for the interpreter once (concurrent callers wait for
// the first); errors are kept, context cancellation is not.
func (t *interpTier) load(ctx context.Context, e *Engine, code Code) (*Module, error) {
	for {
		t.mu.Lock()
		ent, ok := t.modules[code.CID]
		if !ok {
			ent = &moduleEntry{done: make(chan struct{})}
			t.modules[code.CID] = ent
			t.mu.Unlock()
			ent.mod, ent.err = t.prepare(ctx, e, code)
			if isContextError(ent.err) {
				t.mu.Lock()
				delete(t.modules, code.CID)
				t.mu.Unlock()
			}
			close(ent.done)
			return ent.mod, ent.err
		}
		t.mu.Unlock()
		select {
		case <-ent.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if !isContextError(ent.err) {
			return ent.mod, ent.err
		}
	}
}

// prepare instruments code (sharing the work with the compiler's) and
// compiles it for the interpreter.
func (t *interpTier) prepare(ctx context.Context, e *Engine, code Code) (m *Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: code %s: interpreter: panic: %v", ErrCompile, code.CID, r)
		}
	}()
	if err := checkCID(code); err != nil {
		return nil, err
	}
	inst, ok := e.readInstrumented(code.CID)
	if !ok {
		if inst, err = e.instrument(ctx, code); err != nil {
			return nil, err
		}
	}
	info, err := readModuleInfo(inst)
	if err != nil {
		return nil, fmt.Errorf("%w: code %s: %w", ErrCompile, code.CID, err)
	}
	cm, err := t.rt.CompileModule(ctx, inst)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("%w: code %s: interpreter: %w", ErrCompile, code.CID, err)
	}
	return &Module{Code: code.CID, OriginalSize: len(code.Bytes), InstrumentedSize: len(inst), compiled: cm, info: info, interp: t}, nil
}

// instrumentation is one code's instrumentation, shared by the tiers of a
// tiered Engine.
type instrumentation struct {
	done chan struct{}
	inst []byte
	err  error
}

// instrument runs the instrumenter on code once per tiered Engine (both
// tiers want it at the same time); other Engines just run it.
func (e *Engine) instrument(ctx context.Context, code Code) ([]byte, error) {
	if e.interp == nil {
		return e.instrumentNow(code)
	}
	v, loaded := e.instrumented.LoadOrStore(code.CID, &instrumentation{done: make(chan struct{})})
	in := v.(*instrumentation)
	if !loaded {
		in.inst, in.err = e.instrumentNow(code)
		close(in.done)
		return in.inst, in.err
	}
	select {
	case <-in.done:
		return in.inst, in.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (e *Engine) instrumentNow(code Code) ([]byte, error) {
	inst, err := e.cfg.Instrument(code.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: code %s: %w", ErrInstrument, code.CID, err)
	}
	return inst, nil
}

// binding is a Linker's host modules and gas module in one runtime.
type binding struct {
	rt    wazero.Runtime
	hosts map[string]api.Module
	shim  wazero.CompiledModule
	empty api.Module
}

// interpBinding binds the Linker's syscalls in the interpreter runtime, on
// first use.
func (l *Linker) interpBinding(ctx context.Context) (*binding, error) {
	l.interpOnce.Do(func() {
		b := &binding{rt: l.e.interp.rt, hosts: map[string]api.Module{}, empty: l.e.interp.empty}
		l.interpErr = l.bindIn(ctx, b, l.mods)
		l.interp = b
	})
	return l.interp, l.interpErr
}

// bindingFor returns the binding a module runs in.
func (l *Linker) bindingFor(ctx context.Context, m *Module) (*binding, error) {
	if m.interp == nil {
		return &l.main, nil
	}
	return l.interpBinding(ctx)
}
