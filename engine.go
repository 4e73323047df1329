package fvm

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
)

// EngineConfig configures an Engine.
type EngineConfig struct {
	// CacheDir keeps instrumented and compiled actor code on disk, so a new
	// process does not compile again. "" keeps it in memory only;
	// DefaultCacheDir gives the usual place.
	CacheDir string
	// Interpreter forces wazero's interpreter (slow; for tests and
	// platforms without the compiler).
	Interpreter bool
	// InterpretWhileCompiling runs an actor whose code is neither compiled
	// nor in the disk cache in wazero's interpreter, which prepares code
	// several times faster, while the compiler compiles it in the
	// background (on all cores but one); once compiled, the actor runs
	// compiled. Results do not depend on it: the same instrumented code
	// runs, and counts its own gas. With a cold cache a fresh process runs
	// its first messages without waiting seconds for their actors to
	// compile (BenchmarkFirstEVMCall).
	InterpretWhileCompiling bool
	// StateCacheBytes bounds the state-tree nodes the Engine keeps parsed
	// for its VMs (see Engine): 0 means DefaultStateCacheBytes, a negative
	// value keeps none.
	StateCacheBytes int
}

// DefaultStateCacheBytes is the default EngineConfig.StateCacheBytes.
const DefaultStateCacheBytes = 64 << 20

// DefaultCacheDir is the usual EngineConfig.CacheDir: the go-fvm folder
// under the user's cache directory.
func DefaultCacheDir() (string, error) { return engine.DefaultCacheDir() }

// Engine compiles actor code and runs it. It is safe for concurrent use:
// share one between VMs, so that each actor is compiled once and each FVM
// version's syscalls are bound once, which keeps New cheap. Its VMs also
// share the state-tree nodes they read and write, kept parsed by CID (a node
// is immutable, named by the hash of its bytes): the VM of the next tipset
// finds the nodes of the last one's state without reading or parsing them
// again; likewise the builtin-actors manifests their states name. Results
// never depend on either.
type Engine struct {
	eng   *engine.Engine
	nodes *state.NodeCache // nil: none
	// manifests keeps the builtin-actors manifests its VMs read, decoded.
	manifests *machine.ManifestCache

	mu       sync.Mutex
	invokers map[int]*callmanager.WasmInvoker
}

// NewEngine creates an Engine. An actor that is neither compiled nor in the
// cache when it is first called is compiled then, its functions on every
// core, while the call waits (unless InterpretWhileCompiling); Precompile
// compiles a bundle's actors beforehand.
func NewEngine(ctx context.Context, cfg EngineConfig) (*Engine, error) {
	eng, err := engine.New(ctx, engine.Config{CacheDir: cfg.CacheDir, Interpreter: cfg.Interpreter,
		Tiered: cfg.InterpretWhileCompiling, CompilationWorkers: runtime.GOMAXPROCS(0)})
	if err != nil {
		return nil, fmt.Errorf("fvm: engine: %w", err)
	}
	e := &Engine{eng: eng, invokers: map[int]*callmanager.WasmInvoker{}, manifests: machine.NewManifestCache()}
	switch {
	case cfg.StateCacheBytes == 0:
		e.nodes = state.NewNodeCache(DefaultStateCacheBytes)
	case cfg.StateCacheBytes > 0:
		e.nodes = state.NewNodeCache(cfg.StateCacheBytes)
	}
	return e, nil
}

// caches returns the state-node and manifest caches of e's VMs (none for a
// nil Engine: a VM that owns its engine has no other VM to share with).
func (e *Engine) caches() (*state.NodeCache, *machine.ManifestCache) {
	if e == nil {
		return nil, nil
	}
	return e.nodes, e.manifests
}

// invoker returns the syscall bindings of an FVM version, binding them on
// first use.
func (e *Engine) invoker(ctx context.Context, fvmVersion int) (*callmanager.WasmInvoker, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if inv, ok := e.invokers[fvmVersion]; ok {
		return inv, nil
	}
	inv, err := callmanager.NewWasmInvoker(ctx, e.eng, fvmVersion)
	if err != nil {
		return nil, err
	}
	e.invokers[fvmVersion] = inv
	return inv, nil
}

// Precompile compiles every actor of a bundle's manifest (its root CID,
// lotus's ManifestCid) whose code bs holds, in parallel, reporting each
// finished actor to progress (which may be nil). Actors are otherwise
// compiled on their first call; precompiling moves that wait to start-up.
// A known bundle is compiled for the FVM version that runs it (actors v8
// and v9 for FVM v2, whose Wasm metering differs); an unknown one for v3
// and later.
func (e *Engine) Precompile(ctx context.Context, bs blockstore.Blockstore, manifest cid.Cid, progress func(done, total int, name string)) error {
	m, err := bundle.LoadManifest(ctx, bs, manifest)
	if err != nil {
		return fmt.Errorf("fvm: precompile: %w", err)
	}
	eng, err := e.engineFor(ctx, manifest)
	if err != nil {
		return fmt.Errorf("fvm: precompile: %w", err)
	}
	codes := make([]engine.Code, 0, len(m.Entries))
	for _, ent := range m.Entries {
		blk, err := bs.Get(ctx, ent.Code)
		if err != nil {
			return fmt.Errorf("fvm: precompile: code of %s (%s): %w", ent.Name, ent.Code, err)
		}
		codes = append(codes, engine.Code{CID: ent.Code, Bytes: blk.RawData()})
	}
	var mu sync.Mutex
	done := 0
	report := func(i int) {
		if progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		progress(done, len(codes), m.Entries[i].Name)
	}
	if err := eng.PreloadEach(ctx, codes, report); err != nil {
		return fmt.Errorf("fvm: precompile %s: %w", manifest, err)
	}
	return nil
}

// engineFor returns the engine whose instrumentation runs a manifest's
// actors: that of the first network version of a known bundle's actors
// version, the default one otherwise.
func (e *Engine) engineFor(ctx context.Context, manifest cid.Cid) (*engine.Engine, error) {
	k, ok := bundle.Identify(manifest)
	if !ok {
		return e.eng, nil
	}
	nvs := bundle.NetworkVersionsFor(k.Version)
	if len(nvs) == 0 {
		return e.eng, nil
	}
	p, err := machine.ProfileFor(nvs[0])
	if err != nil {
		return e.eng, nil
	}
	return e.eng.WithInstrumentation(ctx, engine.PipelineInstrumentation(p.Instrumentation))
}

// Close releases the compiled code and the syscall bindings.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, inv := range e.invokers {
		errs = append(errs, inv.Close(ctx))
	}
	e.invokers = nil
	errs = append(errs, e.eng.Close(ctx))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fvm: close engine: %w", err)
	}
	return nil
}
