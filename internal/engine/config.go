package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/wasm"
)

// FVM limits (ref-fvm NetworkConfig defaults, identical in v3 and v4).
const (
	// MaxInstanceMemoryBytes is the most linear memory one instance may have
	// (ref-fvm max_inst_memory_bytes, 512 MiB).
	MaxInstanceMemoryBytes = 512 << 20
	// MaxCallStackMemoryBytes is the most memory (linear memories plus 8 bytes
	// per table element) all live instances of one call stack may hold
	// together (ref-fvm max_memory_bytes, 2 GiB).
	MaxCallStackMemoryBytes = 2 << 30
	// MaxTableElements is the most elements a table may start with (ref-fvm's
	// pooling allocator table_elements).
	MaxTableElements = 20_000
	// TableElementBytes is what the memory limiter counts per table element.
	TableElementBytes = 8
	// WasmPageBytes is the size of a Wasm page.
	WasmPageBytes = 65536
)

// Features are the Wasm features actor code may use: MVP, mutable globals,
// bulk memory, sign extension, non-trapping float-to-int conversions and
// reference types, as ref-fvm's wasmtime configuration (SIMD and multi-value
// off). wazero couples bulk memory with reference types; the instrumenter
// rejects the ref.* instructions anyway.
const Features = api.CoreFeaturesV2 &^ (api.CoreFeatureSIMD | api.CoreFeatureMultiValue)

// Config configures an Engine.
type Config struct {
	// Instrument rewrites original actor code into the instrumented code that
	// is compiled (stack limiter, gas metering with the gas.gas_counter
	// import, NaN canonicalisation). nil means FVMInstrument, with
	// FVMInstrumentationVersion.
	Instrument func(code []byte) ([]byte, error)
	// InstrumentationVersion names the instrumenter's output format. Compiled
	// code on disk is kept per version, so a change of rewrite never reuses
	// stale code. Required with a custom Instrument and a CacheDir.
	InstrumentationVersion string
	// CacheDir is the on-disk compilation cache root; "" keeps compiled code
	// in memory only. DefaultCacheDir gives the usual location.
	CacheDir string
	// Interpreter forces wazero's interpreter even where the compiler is
	// available (for tests). See the package notes on its call-depth cap.
	Interpreter bool
	// CompilationWorkers, when > 1, lets wazero compile one module's
	// functions in parallel, that many at a time (not in Preload, which
	// compiles modules side by side).
	CompilationWorkers int
	// Tiered runs code the compiler has not compiled yet in wazero's
	// interpreter while the compiler compiles it in the background (see
	// LoadTiered): a fresh process starts running actors sooner.
	Tiered bool
	// RetainedMemoryBytes bounds the physical memory that instance
	// memories no longer in use keep resident for reuse (released memory is
	// reset lazily, so reusing resident pages costs no page faults). 0 means
	// DefaultRetainedMemoryBytes; negative retains nothing. Instance
	// memories in use take at most MaxCallStackMemoryBytes per running
	// message on top of it.
	RetainedMemoryBytes int64
	// HeapMemory backs instance memories with Go heap buffers even where
	// virtual-memory reservations are available (for comparison).
	HeapMemory bool
}

// DefaultRetainedMemoryBytes is the default Config.RetainedMemoryBytes:
// one call stack's worth (MaxCallStackMemoryBytes), so a message that
// fills the call stack's memory finds it resident the next time.
const DefaultRetainedMemoryBytes = MaxCallStackMemoryBytes

// DefaultCacheDir returns os.UserCacheDir()/go-fvm/wasm, the usual CacheDir.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("engine: no user cache directory: %w", err)
	}
	return filepath.Join(dir, "go-fvm", "wasm"), nil
}

// versionDir returns the cache directory for the instrumentation version:
// a digest of it, so any version string names a safe directory.
func (c Config) versionDir() (string, error) {
	if c.InstrumentationVersion == "" {
		return "", errors.New("engine: an on-disk cache needs an InstrumentationVersion")
	}
	sum := sha256.Sum256([]byte(c.InstrumentationVersion))
	return filepath.Join(c.CacheDir, "instrumentation-"+hex.EncodeToString(sum[:8])), nil
}

// withDefaults fills in the wasm package's FVM instrumentation when no
// instrumenter is given.
func (c Config) withDefaults() Config {
	switch {
	case c.RetainedMemoryBytes == 0:
		c.RetainedMemoryBytes = DefaultRetainedMemoryBytes
	case c.RetainedMemoryBytes < 0:
		c.RetainedMemoryBytes = 0
	}
	if c.Instrument == nil {
		c.Instrument = FVMInstrument
		c.InstrumentationVersion = FVMInstrumentationVersion
	}
	return c
}

// Instrumentation is one rewrite of actor code before it is compiled: the
// rewrite and the name of its output format (see Config.Instrument and
// Config.InstrumentationVersion).
type Instrumentation struct {
	Version    string
	Instrument func(code []byte) ([]byte, error)
}

// PipelineInstrumentation is the instrumentation that runs a wasm
// pipeline (what a machine.Profile names) plus the engine's own steps,
// which charge no gas: large fills in the host (wasm.RouteLargeFills from
// wasm.FVMLargeFillThreshold bytes), so that zeroing memory runs at memory
// bandwidth, and safe points (wasm.InjectSafePoints every
// wasm.FVMSafePointInterval milligas of execution), which let the Go
// runtime stop a goroutine running a long stretch of Wasm. Its version is
// the pipeline's with the steps' appended.
func PipelineInstrumentation(p wasm.Pipeline) Instrumentation {
	cfg := withEngineSteps(p.Config)
	return Instrumentation{Version: engineStepsVersion(p.Version), Instrument: func(code []byte) ([]byte, error) {
		return wasm.Instrument(code, cfg)
	}}
}

// withEngineSteps adds the engine's own steps to a wasm configuration.
func withEngineSteps(cfg wasm.Config) wasm.Config {
	cfg.LargeFillThreshold = wasm.FVMLargeFillThreshold
	cfg.SafePointInterval = wasm.FVMSafePointInterval
	return cfg
}

// engineStepsVersion names a pipeline's output with the engine's steps.
func engineStepsVersion(pipeline string) string { return pipeline + engineSteps }

// engineSteps is what the engine's steps append to an instrumentation version.
const engineSteps = "; " + wasm.LargeFillVersion + "; " + wasm.SafePointsVersion

// FVMInstrumentation is the instrumentation of FVM v3 and v4 (nv18+), the
// default.
func FVMInstrumentation() Instrumentation {
	return Instrumentation{Version: FVMInstrumentationVersion, Instrument: FVMInstrument}
}

// FVMInstrumentationV2 is the instrumentation of FVM v2 (nv16-17):
// wasm.Instrument with wasm.FVMConfigV2, plus safe points.
func FVMInstrumentationV2() Instrumentation {
	return PipelineInstrumentation(wasm.FVMPipelineV2())
}

// FVMInstrumentationVersion names FVMInstrument's output: the wasm
// package's rewrite plus the engine's steps.
const FVMInstrumentationVersion = wasm.InstrumentationVersion + engineSteps

// FVMInstrument is the FVM's instrumentation (wasm.Instrument with
// wasm.FVMConfig: validate, stack limiter 2048, gas metering with the
// gas.gas_counter import, NaN canonicalisation, inlined charges, validate),
// plus the engine's steps (see PipelineInstrumentation), which charge no
// gas.
func FVMInstrument(code []byte) ([]byte, error) {
	return wasm.Instrument(code, withEngineSteps(wasm.FVMConfig()))
}
