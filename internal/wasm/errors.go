package wasm

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of them, so callers
// can classify failures with errors.Is. The engine maps all of them to "actor code cannot be
// loaded".
var (
	// ErrMalformed reports bytes that do not decode as a WebAssembly binary module.
	ErrMalformed = errors.New("wasm: malformed module")
	// ErrTooLarge reports input beyond one of the size limits (module bytes, counts, sizes).
	ErrTooLarge = errors.New("wasm: module exceeds a limit")
	// ErrUnsupported reports a WebAssembly feature the FVM engine does not enable (SIMD,
	// threads, multi-value, tail calls, memory64, multi-memory, exceptions, GC, ...).
	ErrUnsupported = errors.New("wasm: unsupported feature")
	// ErrInvalid reports a module that decodes but does not validate (type errors, bad
	// indices, bad constant expressions, ...).
	ErrInvalid = errors.New("wasm: invalid module")
	// ErrInstrument reports a module that the FVM's instrumentation passes refuse, exactly
	// where the reference instrumenter (fvm-wasm-instrument 0.4.0) fails.
	ErrInstrument = errors.New("wasm: instrumentation refused module")
)

// errorf wraps a sentinel with a formatted message.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
