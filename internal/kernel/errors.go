package kernel

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/go-fvm/go-fvm/internal/gas"
)

// ErrorNumber is the value a failed syscall returns to the actor (1-13; 0
// means success and is never an ErrorNumber). The numbering is consensus: it
// follows ref-fvm's shared/src/error/mod.rs and the SDK panics on any other
// value.
type ErrorNumber uint32

// The syscall error numbers, in the reference's order.
const (
	// IllegalArgument: a bad pointer, buffer, encoding, CID, address or value.
	IllegalArgument ErrorNumber = 1
	// IllegalOperation: the actor is not in a state that allows the operation.
	IllegalOperation ErrorNumber = 2
	// LimitExceeded: a system limit (call depth, block size or count, events).
	LimitExceeded ErrorNumber = 3
	// AssertionFailed: a system assertion; never returned to user actors.
	AssertionFailed ErrorNumber = 4
	// InsufficientFunds: a value transfer exceeds the balance.
	InsufficientFunds ErrorNumber = 5
	// NotFound: an actor, address or (v4) reachable CID was not found.
	NotFound ErrorNumber = 6
	// InvalidHandle: an unknown IPLD block id.
	InvalidHandle ErrorNumber = 7
	// IllegalCid: an unsupported CID shape (multihash code or length).
	IllegalCid ErrorNumber = 8
	// IllegalCodec: an unsupported IPLD codec.
	IllegalCodec ErrorNumber = 9
	// Serialization: a block does not match its codec.
	Serialization ErrorNumber = 10
	// Forbidden: the caller is not allowed to do this.
	Forbidden ErrorNumber = 11
	// BufferTooSmall: an output buffer is too short for the result.
	BufferTooSmall ErrorNumber = 12
	// ReadOnly: a state mutation in a read-only context.
	ReadOnly ErrorNumber = 13
)

// errorNames are the reference's Display strings, indexed by ErrorNumber.
var errorNames = [...]string{
	IllegalArgument:   "illegal argument",
	IllegalOperation:  "illegal operation",
	LimitExceeded:     "limit exceeded",
	AssertionFailed:   "filecoin assertion failed",
	InsufficientFunds: "insufficient funds",
	NotFound:          "resource not found",
	InvalidHandle:     "invalid ipld block handle",
	IllegalCid:        "illegal cid specification",
	IllegalCodec:      "illegal ipld codec",
	Serialization:     "serialization error",
	Forbidden:         "operation forbidden",
	BufferTooSmall:    "buffer too small",
	ReadOnly:          "execution context is read-only",
}

// Valid reports whether n is one of the thirteen defined error numbers.
func (n ErrorNumber) Valid() bool {
	return n >= IllegalArgument && n <= ReadOnly
}

// String returns the reference's description of n, or "error number N" for
// an undefined value.
func (n ErrorNumber) String() string {
	if !n.Valid() {
		return "error number " + strconv.FormatUint(uint64(n), 10)
	}
	return errorNames[n]
}

// SyscallError is a recoverable syscall failure: the syscall returns Num to
// the actor, which may handle it. Msg is diagnostic only (it ends up in
// backtraces, never in consensus data).
type SyscallError struct {
	Num ErrorNumber
	Msg string
}

// Error implements error.
func (e *SyscallError) Error() string {
	return fmt.Sprintf("syscall error: %s (%s)", e.Msg, e.Num)
}

// Errorf returns a *SyscallError with error number num and a formatted
// message. Wrapped errors in args (%w) are flattened into the message: a
// syscall error never carries a cause, so errors.Is cannot see through it.
func Errorf(num ErrorNumber, format string, args ...any) error {
	return &SyscallError{Num: num, Msg: fmt.Sprintf(format, args...)}
}

// AsSyscallError returns the *SyscallError in err's chain, if any.
func AsSyscallError(err error) (*SyscallError, bool) {
	var se *SyscallError
	if errors.As(err, &se) {
		return se, true
	}
	return nil, false
}

// IsOutOfGas reports whether err is (or wraps) gas.ErrOutOfGas.
func IsOutOfGas(err error) bool {
	return errors.Is(err, gas.ErrOutOfGas)
}

// IsFatal reports whether err is fatal to the message: any non-nil error that
// is neither out of gas nor a syscall error. Out of gas takes precedence over a
// syscall error found in the same chain.
//
// An error marked ErrFatal is fatal even if it wraps a syscall error (say,
// vm.exit with a block id that does not exist: InvalidHandle, made fatal).
func IsFatal(err error) bool {
	if err == nil || IsOutOfGas(err) {
		return false
	}
	if errors.Is(err, ErrFatal) {
		return true
	}
	_, ok := AsSyscallError(err)
	return !ok
}

// IsRecoverable reports whether an actor can observe and handle err: only
// syscall errors are; out of gas and fatal errors abort.
func IsRecoverable(err error) bool {
	return err != nil && !IsOutOfGas(err) && !IsFatal(err)
}

// WithContext prefixes the message of a syscall error with context, keeping
// its error number (as the reference's Context does); other errors are wrapped
// with %w so their classification is unchanged.
func WithContext(err error, context string) error {
	if err == nil {
		return nil
	}
	if se, ok := err.(*SyscallError); ok {
		return &SyscallError{Num: se.Num, Msg: context + ": " + se.Msg}
	}
	return fmt.Errorf("%s: %w", context, err)
}

// ErrFatal is wrapped by kernel errors that are not the actor's fault: the
// message fails with SYS_ASSERTION_FAILED.
var ErrFatal = errors.New("fatal")
