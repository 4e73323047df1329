package engine

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"

	"github.com/filecoin-project/go-state-types/exitcode"

	"github.com/go-fvm/go-fvm/internal/gas"
)

// OutcomeKind says how an invocation ended (ref-fvm: a block id or an Abort).
type OutcomeKind uint8

const (
	// Returned: invoke returned a block id (BlockID). The call manager maps
	// an id that is not in the callee's registry to SYS_MISSING_RETURN.
	Returned OutcomeKind = iota
	// Exited: the invocation ended with an exit code: an actor's vm.exit
	// (ExitCode and BlockID as the syscall layer gave them), a Wasm trap or a
	// failed instantiation (SYS_ILLEGAL_INSTRUCTION, with Trap set for traps),
	// or a missing entry point in v4 (SYS_INVALID_RECEIVER).
	Exited
	// OutOfGas: the gas ran out, in Wasm or in a host charge. Receipts show
	// SYS_OUT_OF_GAS.
	OutOfGas
	// Fatal: an FVM bug or an impossible state (missing import, missing
	// memory export, a Go panic in a host function, ...): the whole message
	// fails with SYS_ASSERTION_FAILED and gas_used = gas_limit.
	Fatal
)

func (k OutcomeKind) String() string {
	switch k {
	case Returned:
		return "returned"
	case Exited:
		return "exited"
	case OutOfGas:
		return "out of gas"
	case Fatal:
		return "fatal"
	}
	return fmt.Sprintf("OutcomeKind(%d)", uint8(k))
}

// Trap is the kind of a Wasm trap (diagnostics; every trap is
// SYS_ILLEGAL_INSTRUCTION, unless the gas counter is negative).
type Trap uint8

// Trap kinds, named after wazero's runtime errors.
const (
	// NoTrap: the outcome was not caused by a trap.
	NoTrap Trap = iota
	// TrapUnreachable: the unreachable instruction, which is also how the
	// instrumented stack limiter (height > 2048) and the gas counter (below
	// zero) trap, and how Rust panics end.
	TrapUnreachable
	// TrapStackOverflow: wazero's own call-stack limit (not the FVM's).
	TrapStackOverflow
	// TrapMemoryOutOfBounds: a load, store or bulk-memory access outside memory.
	TrapMemoryOutOfBounds
	// TrapTableOutOfBounds: call_indirect (or a table op) outside the table
	// or on a null entry.
	TrapTableOutOfBounds
	// TrapIndirectCallTypeMismatch: call_indirect with the wrong signature.
	TrapIndirectCallTypeMismatch
	// TrapIntegerOverflow: INT_MIN/-1, or a float too large for trunc.
	TrapIntegerOverflow
	// TrapIntegerDivideByZero: integer division or remainder by zero.
	TrapIntegerDivideByZero
	// TrapInvalidConversionToInteger: trunc of a NaN.
	TrapInvalidConversionToInteger
	// TrapOther is any other wazero runtime error (atomics and exceptions
	// cannot validate under the FVM's features).
	TrapOther
)

var trapNames = map[string]Trap{
	"unreachable":                   TrapUnreachable,
	"stack overflow":                TrapStackOverflow,
	"out of bounds memory access":   TrapMemoryOutOfBounds,
	"invalid table access":          TrapTableOutOfBounds,
	"indirect call type mismatch":   TrapIndirectCallTypeMismatch,
	"integer overflow":              TrapIntegerOverflow,
	"integer divide by zero":        TrapIntegerDivideByZero,
	"invalid conversion to integer": TrapInvalidConversionToInteger,
}

func (t Trap) String() string {
	for name, v := range trapNames {
		if v == t {
			return name
		}
	}
	if t == NoTrap {
		return "no trap"
	}
	return "other trap"
}

// ExitCode returns the exit code of a trap: ref-fvm maps every wasmtime trap
// it knows (out-of-bounds memory or table, null or mistyped indirect call,
// integer overflow and division by zero, bad float conversion, unreachable,
// stack overflow) to SYS_ILLEGAL_INSTRUCTION, and any other to a fatal
// error; all wazero traps are among the former.
func (t Trap) ExitCode() exitcode.ExitCode { return exitcode.SysErrIllegalInstruction }

// Outcome is how an invocation ended.
type Outcome struct {
	Kind OutcomeKind
	// BlockID: for Returned, the id invoke returned; for Exited, the block
	// passed to vm.exit (0 = none).
	BlockID uint32
	// ExitCode: for Exited, the exit code; for OutOfGas and Fatal, the code
	// a top-level receipt shows (SYS_OUT_OF_GAS, SYS_ASSERTION_FAILED); 0
	// for Returned. Turning OutOfGas into an exit code part-way up the call
	// stack (a send with its own gas limit) is the call manager's business.
	ExitCode exitcode.ExitCode
	// Message describes an exit (for the backtrace; not consensus).
	Message string
	// Trap is set when a Wasm trap caused the exit.
	Trap Trap
	// Err is the cause of a Fatal outcome.
	Err error
}

func (o Outcome) String() string {
	switch o.Kind {
	case Returned:
		return fmt.Sprintf("returned block %d", o.BlockID)
	case Exited:
		return fmt.Sprintf("exit %d (%s), block %d", o.ExitCode, o.Message, o.BlockID)
	case Fatal:
		return fmt.Sprintf("fatal: %v", o.Err)
	}
	return o.Kind.String()
}

// Abort ends the running invocation from a host function: panic with it
// (panic(engine.Exit(...))) and Invoke returns the corresponding Outcome. A
// host function may also panic with an error wrapping an *Abort. Any other
// panic in a host function, Go runtime errors included, becomes Fatal.
type Abort struct {
	Outcome
}

func (a *Abort) Error() string { return "abort: " + a.Outcome.String() }

// Unwrap returns the cause of a fatal abort.
func (a *Abort) Unwrap() error { return a.Err }

// Exit is the Abort of vm.exit: end with code and block (0 = none). The
// engine does not remap codes; the syscall layer turns system codes 1..15
// from actors into SYS_ILLEGAL_EXIT_CODE as the reference does.
func Exit(code exitcode.ExitCode, blockID uint32, message string) *Abort {
	return &Abort{Outcome{Kind: Exited, ExitCode: code, BlockID: blockID, Message: message}}
}

// AbortOutOfGas is the Abort of a host charge that ran out of gas.
func AbortOutOfGas() *Abort {
	return &Abort{Outcome{Kind: OutOfGas, ExitCode: exitcode.SysErrOutOfGas, Message: "out of gas"}}
}

// AbortFatal is the Abort of an FVM-internal failure.
func AbortFatal(err error) *Abort {
	if err == nil {
		err = errors.New("fatal abort without a cause")
	}
	return &Abort{Outcome{Kind: Fatal, ExitCode: exitcode.SysErrFatal, Message: "fatal error", Err: err}}
}

// chargeAbort turns a GasAccount charge error into an Abort (ref-fvm
// from_error_as_fatal: out of gas stays out of gas, anything else is fatal).
func chargeAbort(err error) *Abort {
	if errors.Is(err, gas.ErrOutOfGas) {
		return AbortOutOfGas()
	}
	return AbortFatal(err)
}

// wazeroTrapType is the type of wazero's runtime errors
// (internal/wasmruntime.Error), which cannot be imported.
const wazeroTrapType = "*wasmruntime.Error"

// classifyCallError maps an error from calling into Wasm to an Outcome.
// Traps are recognised only when wazero raised them in Wasm code (the error
// directly wraps a wasmruntime.Error), so a host function that panics with
// some error carrying a trap is not mistaken for a trap of its own.
func classifyCallError(err error) Outcome {
	var ab *Abort
	if errors.As(err, &ab) {
		return ab.Outcome
	}
	if t, ok := directTrap(err); ok {
		return Outcome{Kind: Exited, ExitCode: t.ExitCode(), Trap: t, Message: t.String()}
	}
	var re runtime.Error
	if errors.As(err, &re) {
		return Outcome{Kind: Fatal, ExitCode: exitcode.SysErrFatal, Message: "panic in host function",
			Err: fmt.Errorf("go runtime error during invocation: %w", err)}
	}
	return Outcome{Kind: Fatal, ExitCode: exitcode.SysErrFatal, Message: "fatal error",
		Err: fmt.Errorf("invocation failed: %w", err)}
}

// directTrap reports the trap that err (or the error it directly wraps) is.
func directTrap(err error) (Trap, bool) {
	for _, e := range []error{err, errors.Unwrap(err)} {
		if e == nil || reflect.TypeOf(e).String() != wazeroTrapType {
			continue
		}
		if t, ok := trapNames[e.Error()]; ok {
			return t, true
		}
		return TrapOther, true
	}
	return NoTrap, false
}
