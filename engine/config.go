package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/tetratelabs/wazero/api"
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
	// import, NaN canonicalisation). Required.
	Instrument func(code []byte) ([]byte, error)
	// InstrumentationVersion names the instrumenter's output format. Compiled
	// code on disk is kept per version, so a change of rewrite never reuses
	// stale code. Required when CacheDir is set.
	InstrumentationVersion string
	// CacheDir is the on-disk compilation cache root; "" keeps compiled code
	// in memory only. DefaultCacheDir gives the usual location.
	CacheDir string
	// Interpreter forces wazero's interpreter even where the compiler is
	// available (for tests). See the package notes on its call-depth cap.
	Interpreter bool
	// CompilationWorkers, when > 1, lets wazero compile one module's
	// functions in parallel.
	CompilationWorkers int
}

// DefaultCacheDir returns os.UserCacheDir()/go-fvm/wasm, the usual CacheDir.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("engine: no user cache directory: %w", err)
	}
	return filepath.Join(dir, "go-fvm", "wasm"), nil
}

// safeVersion is what an instrumentation version may look like, so it can
// name a directory.
var safeVersion = regexp.MustCompile(`^[A-Za-z0-9._+-]{1,128}$`)

// versionDir returns the cache directory for the instrumentation version.
func (c Config) versionDir() (string, error) {
	if !safeVersion.MatchString(c.InstrumentationVersion) {
		return "", fmt.Errorf("engine: instrumentation version %q cannot name a cache directory (want %s)",
			c.InstrumentationVersion, safeVersion)
	}
	return filepath.Join(c.CacheDir, "instrumentation-"+c.InstrumentationVersion), nil
}
