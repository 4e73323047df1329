package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/go-fvm/go-fvm/internal/wasm"
)

var (
	// ErrBadConfig is returned (wrapped) by New for an unusable Config.
	ErrBadConfig = errors.New("bad engine config")
	// ErrCodeMismatch is returned (wrapped) when code bytes do not hash to their CID.
	ErrCodeMismatch = errors.New("code does not match its CID")
	// ErrInstrument is returned (wrapped) when the instrumenter rejects code.
	ErrInstrument = errors.New("instrumentation failed")
	// ErrCompile is returned (wrapped) when wazero rejects instrumented code.
	ErrCompile = errors.New("compilation failed")
	// ErrNotLoaded is returned (wrapped) when code is neither cached nor loadable.
	ErrNotLoaded = errors.New("code not loaded")
	// ErrClosed is returned (wrapped) after Close.
	ErrClosed = errors.New("engine closed")
)

// Engine compiles actor code and runs it. It is safe for concurrent use by
// many machines: each code CID is instrumented and compiled once
// (concurrent requests for the same CID wait for the first), and the result
// is shared.
//
// Compilation errors that come from the code itself (instrumentation or
// compilation rejects it, or the bytes do not match the CID) are cached:
// code is immutable, so retrying cannot succeed. Context cancellation is not
// cached.
type Engine struct {
	cfg    Config
	rt     wazero.Runtime
	cache  wazero.CompilationCache
	dir    string // per-version cache directory ("" = none)
	kind   string
	seq    atomic.Uint64
	closed atomic.Bool

	mu      sync.Mutex
	modules map[cid.Cid]*moduleEntry

	memories memoryPool
	// regions backs instance memories with virtual-memory reservations
	// (nil where the OS cannot, or Config.HeapMemory); sharesRegions says
	// it is the parent's (WithInstrumentation), closed by the parent.
	regions       *regionPool
	sharesRegions bool

	// dummyMemory is the zero-size memory syscalls see before the actor's own
	// memory exists (ref-fvm uses such a dummy while instantiating).
	dummyMemory api.Memory
	// empty is an instance with no exports: imports from module names that no
	// linker provides resolve to it, so they fail as missing exports instead
	// of falling back to the runtime's named modules.
	empty api.Module

	// siblings are the engines WithInstrumentation made, by version.
	siblingsMu sync.Mutex
	siblings   map[string]*Engine

	// interp is the interpreter tier of a tiered engine (Config.Tiered), and
	// instrumented its instrumentations, shared with the compiler's.
	interp       *interpTier
	instrumented sync.Map // cid.Cid -> *instrumentation
	// background compiles code for a tiered engine; Close waits for it.
	background       sync.WaitGroup
	backgroundCtx    context.Context
	cancelBackground context.CancelFunc
}

// Module is compiled, instrumented actor code.
type Module struct {
	// Code is the code CID.
	Code cid.Cid
	// OriginalSize and InstrumentedSize are the byte sizes of the code before
	// and after instrumentation.
	OriginalSize, InstrumentedSize int

	compiled wazero.CompiledModule
	info     *moduleInfo
	// interp is the interpreter tier that prepared the module (nil: the
	// engine's runtime compiled it).
	interp *interpTier
}

type moduleEntry struct {
	done chan struct{}
	mod  *Module
	err  error
}

// Code is a code CID with its bytes (a raw IPLD block).
type Code struct {
	CID   cid.Cid
	Bytes []byte
}

// New creates an Engine.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	rc, kind := runtimeConfig(cfg)
	var cache wazero.CompilationCache
	if cfg.CacheDir != "" {
		dir, err := cfg.versionDir()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
		cache, err = wazero.NewCompilationCacheWithDir(filepath.Join(dir, "compiled"))
		if err != nil {
			return nil, fmt.Errorf("%w: compilation cache %s: %w", ErrBadConfig, dir, err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	if cfg.CompilationWorkers > 1 {
		ctx = experimental.WithCompilationWorkers(ctx, cfg.CompilationWorkers)
	}
	e := &Engine{
		cfg:     cfg,
		dir:     cacheVersionDir(cfg),
		rt:      wazero.NewRuntimeWithConfig(ctx, rc),
		cache:   cache,
		kind:    kind,
		modules: map[cid.Cid]*moduleEntry{},
	}
	e.backgroundCtx, e.cancelBackground = context.WithCancel(context.Background())
	if vmemSupported && !cfg.HeapMemory {
		e.regions = &regionPool{keep: cfg.RetainedMemoryBytes}
	}
	if err := e.initHelpers(ctx); err != nil {
		_ = e.Close(ctx)
		return nil, err
	}
	if cfg.Tiered && kind == "compiler" {
		t, err := newInterpTier(ctx)
		if err != nil {
			_ = e.Close(ctx)
			return nil, err
		}
		e.interp = t
	}
	return e, nil
}

// runtimeConfig is the wazero configuration of the FVM: compiler where
// available, FVM features, the default 65,536-page memory cap (the FVM limits
// are enforced by the memory allocator, so a declared maximum above 512 MiB
// still compiles, as in wasmtime), and no context-driven closing (it would
// make execution depend on timing).
func runtimeConfig(cfg Config) (wazero.RuntimeConfig, string) {
	rc, kind := wazero.NewRuntimeConfig(), "compiler"
	if cfg.Interpreter || !compilerLikely() {
		rc, kind = wazero.NewRuntimeConfigInterpreter(), "interpreter"
	}
	return rc.WithCoreFeatures(Features).WithCloseOnContextDone(false), kind
}

// compilerLikely mirrors wazero's own choice of backend closely enough to
// report it (wazero decides by GOOS/GOARCH and CPU features; amd64 without
// SSE4.1 falls back to the interpreter silently).
func compilerLikely() bool {
	switch runtime.GOARCH {
	case "amd64", "arm64":
	default:
		return false
	}
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "netbsd", "windows":
		return true
	}
	return runtime.GOARCH == "amd64"
}

// Backend names the wazero backend in use: "compiler" or "interpreter".
func (e *Engine) Backend() string { return e.kind }

// initHelpers instantiates the dummy memory and the empty module.
func (e *Engine) initHelpers(ctx context.Context) error {
	var dummy wasm.Module
	dummy.AddExport("memory", wasm.KindMemory, dummy.AddMemory(wasm.Limits{HasMax: true}))
	m, err := e.rt.InstantiateWithConfig(ctx, dummy.Encode(), wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return fmt.Errorf("engine: dummy memory: %w", err)
	}
	e.dummyMemory = m.ExportedMemory("memory")
	var empty wasm.Module
	e.empty, err = e.rt.InstantiateWithConfig(ctx, empty.Encode(), wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return fmt.Errorf("engine: empty module: %w", err)
	}
	return nil
}

// Instrumentation returns the rewrite this engine compiles code with.
func (e *Engine) Instrumentation() Instrumentation {
	return Instrumentation{Version: e.cfg.InstrumentationVersion, Instrument: e.cfg.Instrument}
}

// WithInstrumentation returns an engine that compiles code with instr and
// is otherwise configured as e (cache directory, backend, workers): e itself
// when instr is e's, otherwise a sibling made on first use, kept (one per
// instrumentation version) and closed with e. Compiled code is kept per
// instrumentation: a code CID compiled for one FVM version is never run with
// another's gas metering.
func (e *Engine) WithInstrumentation(ctx context.Context, instr Instrumentation) (*Engine, error) {
	if instr.Version == "" || instr.Instrument == nil {
		return nil, fmt.Errorf("%w: an instrumentation needs a version and a rewrite", ErrBadConfig)
	}
	if instr.Version == e.cfg.InstrumentationVersion {
		return e, nil
	}
	if e.closed.Load() {
		return nil, ErrClosed
	}
	e.siblingsMu.Lock()
	defer e.siblingsMu.Unlock()
	if s, ok := e.siblings[instr.Version]; ok {
		return s, nil
	}
	cfg := e.cfg
	cfg.Instrument, cfg.InstrumentationVersion = instr.Instrument, instr.Version
	s, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// One pool of instance memories (and one retained-memory budget) for
	// the engine and its siblings; e closes it.
	if e.regions != nil {
		s.regions, s.sharesRegions = e.regions, true
	}
	// And one bound on background compilations.
	if e.interp != nil {
		s.interp.compilers = e.interp.compilers
	}
	if e.siblings == nil {
		e.siblings = map[string]*Engine{}
	}
	e.siblings[instr.Version] = s
	return s, nil
}

// Close waits for the compilations a tiered engine started in the
// background, then releases the runtime and every compiled module (and those
// of the engines WithInstrumentation made). Instances still running are not
// interrupted, but nothing new may start.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock() // compileInBackground starts nothing once closed
	closed := e.closed.Swap(true)
	e.mu.Unlock()
	if closed {
		return nil
	}
	// Background compilations finish (they fill the disk cache, which is
	// what makes the next process start fast).
	e.background.Wait()
	e.cancelBackground()
	e.siblingsMu.Lock()
	var err error
	for _, v := range slices.Sorted(maps.Keys(e.siblings)) {
		err = errors.Join(err, e.siblings[v].Close(ctx))
	}
	e.siblingsMu.Unlock()
	err = errors.Join(err, e.rt.Close(ctx))
	if e.interp != nil {
		err = errors.Join(err, e.interp.rt.Close(ctx))
	}
	if e.regions != nil && !e.sharesRegions {
		e.regions.close()
	}
	if e.cache != nil {
		err = errors.Join(err, e.cache.Close(ctx))
	}
	return err
}

// Lookup returns the compiled module of a code CID, if it was loaded
// successfully.
func (e *Engine) Lookup(c cid.Cid) (*Module, bool) {
	e.mu.Lock()
	ent := e.modules[c]
	e.mu.Unlock()
	if ent == nil {
		return nil, false
	}
	select {
	case <-ent.done:
		return ent.mod, ent.err == nil
	default:
		return nil, false
	}
}

// Load returns the compiled module of code, instrumenting and compiling it
// on first use (after checking that the bytes hash to the CID). Concurrent
// calls for the same CID compile once; later calls return the cached module
// (or error) without looking at the bytes.
func (e *Engine) Load(ctx context.Context, code Code) (*Module, error) {
	if e.closed.Load() {
		return nil, ErrClosed
	}
	return e.load(ctx, code)
}

// load is Load, also while Close waits for background compilations.
func (e *Engine) load(ctx context.Context, code Code) (*Module, error) {
	for {
		e.mu.Lock()
		ent, ok := e.modules[code.CID]
		if !ok {
			ent = &moduleEntry{done: make(chan struct{})}
			e.modules[code.CID] = ent
			e.mu.Unlock()
			e.fill(ctx, ent, code)
			return ent.mod, ent.err
		}
		e.mu.Unlock()
		select {
		case <-ent.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if !isContextError(ent.err) {
			return ent.mod, ent.err
		}
		// The compiling caller was cancelled; its entry is gone: try again.
	}
}

// fill compiles code into ent and publishes it. A context error removes the
// entry instead of caching it.
func (e *Engine) fill(ctx context.Context, ent *moduleEntry, code Code) {
	defer close(ent.done)
	defer func() {
		if r := recover(); r != nil {
			ent.mod, ent.err = nil, fmt.Errorf("%w: code %s: panic: %v", ErrCompile, code.CID, r)
		}
	}()
	ent.mod, ent.err = e.compile(ctx, code)
	if isContextError(ent.err) {
		e.mu.Lock()
		delete(e.modules, code.CID)
		e.mu.Unlock()
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// compile instruments and compiles code.
func (e *Engine) compile(ctx context.Context, code Code) (*Module, error) {
	if err := checkCID(code); err != nil {
		return nil, err
	}
	if inst, ok := e.readInstrumented(code.CID); ok {
		if m, err := e.compileInstrumented(ctx, code, inst); err == nil || isContextError(err) {
			return m, err
		}
		// A bad cached copy: instrument afresh.
	}
	inst, err := e.instrument(ctx, code)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := e.compileInstrumented(ctx, code, inst)
	if err == nil {
		e.writeInstrumented(code.CID, inst)
	}
	return m, err
}

// oneWorker is the context key of withOneCompilationWorker.
type oneWorker struct{}

// withOneCompilationWorker returns ctx with the code it compiles compiled
// by one worker, whatever Config.CompilationWorkers says.
func withOneCompilationWorker(ctx context.Context) context.Context {
	return context.WithValue(ctx, oneWorker{}, true)
}

// compilationWorkers is how many workers compile a module for ctx.
func (e *Engine) compilationWorkers(ctx context.Context) int {
	if ctx.Value(oneWorker{}) != nil {
		return 1
	}
	return e.cfg.CompilationWorkers
}

// compileInstrumented compiles instrumented code.
func (e *Engine) compileInstrumented(ctx context.Context, code Code, inst []byte) (*Module, error) {
	info, err := readModuleInfo(inst)
	if err != nil {
		return nil, fmt.Errorf("%w: code %s: %w", ErrCompile, code.CID, err)
	}
	if n := e.compilationWorkers(ctx); n > 1 {
		ctx = experimental.WithCompilationWorkers(ctx, n)
	}
	cm, err := e.rt.CompileModule(ctx, inst)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("%w: code %s: %w", ErrCompile, code.CID, err)
	}
	return &Module{
		Code:             code.CID,
		OriginalSize:     len(code.Bytes),
		InstrumentedSize: len(inst),
		compiled:         cm,
		info:             info,
	}, nil
}

// checkCID checks that the code bytes hash to the CID.
func checkCID(code Code) error {
	if !code.CID.Defined() {
		return fmt.Errorf("%w: undefined CID", ErrCodeMismatch)
	}
	got, err := code.CID.Prefix().Sum(code.Bytes)
	if err != nil {
		return fmt.Errorf("%w: code %s: %w", ErrCodeMismatch, code.CID, err)
	}
	if !got.Equals(code.CID) {
		return fmt.Errorf("%w: code %s hashes to %s", ErrCodeMismatch, code.CID, got)
	}
	return nil
}

// Preload compiles every code (use manifest order). Codes are compiled
// concurrently, up to GOMAXPROCS at a time; on a tiered engine, in the
// slots of its background compilations (all cores but one), so that the
// messages running meanwhile keep a core. The error reported is that of
// the first failing code in the given order, so it does not depend on
// timing. Already loaded codes cost nothing.
func (e *Engine) Preload(ctx context.Context, codes []Code) error {
	return e.PreloadEach(ctx, codes, nil)
}

// PreloadEach is Preload that calls done (when not nil) with the index of
// each code as it finishes, from the compiling goroutine.
func (e *Engine) PreloadEach(ctx context.Context, codes []Code, done func(i int)) error {
	errs := make([]error, len(codes))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	if e.interp != nil {
		sem = e.interp.compilers
	}
	// Codes compile side by side, each with one worker.
	ctx = withOneCompilationWorker(ctx)
	var wg sync.WaitGroup
	for i, c := range codes {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
		}
		if errs[i] != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, errs[i] = e.Load(ctx, c)
			if done != nil {
				done(i)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("engine: preload: %w", err)
		}
	}
	return nil
}
