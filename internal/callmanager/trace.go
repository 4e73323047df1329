package callmanager

import (
	"errors"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/exitcode"

	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/state"
)

// ExecutionTrace is one call of a message's call tree, in the shape Lotus's
// types.ExecutionTrace has: the message, its receipt, the actor invoked, the
// gas charged while it was the innermost call, and its sub-calls in order.
type ExecutionTrace struct {
	Msg          MessageTrace
	MsgRct       ReturnTrace
	InvokedActor *ActorTrace `json:",omitempty"`
	GasCharges   []GasTrace  `json:",omitempty"`
	Subcalls     []ExecutionTrace
}

// MessageTrace is a call as it was made.
type MessageTrace struct {
	From        address.Address
	To          address.Address
	Value       abi.TokenAmount
	Method      abi.MethodNum
	Params      []byte
	ParamsCodec uint64
	// GasLimit is the send's own limit, or the gas available when it has none.
	GasLimit uint64
	ReadOnly bool
}

// ReturnTrace is how a call ended. A call that failed before returning (a
// syscall error, out of gas, a fatal error) shows the exit code the
// top level would give it.
type ReturnTrace struct {
	ExitCode    exitcode.ExitCode
	Return      []byte
	ReturnCodec uint64
}

// ActorTrace is the actor a call ran, as it was when invoked.
type ActorTrace struct {
	ID    abi.ActorID
	State state.ActorState
}

// GasTrace is one gas charge.
type GasTrace struct {
	Name       string
	TotalGas   int64
	ComputeGas int64
	StorageGas int64
}

// tracer builds the call tree when tracing is on.
type tracer struct {
	stack []*ExecutionTrace
	root  *ExecutionTrace
}

// traceBegin opens a call frame; charges made so far belong to the caller.
func (cm *CallManager) traceBegin(from uint64, to address.Address, method abi.MethodNum, params *kernel.Block,
	value abi.TokenAmount, gasLimit *gas.Gas, readOnly bool) {
	if cm.trace == nil {
		return
	}
	cm.traceCharges()
	fromAddr, _ := address.NewIDAddress(from)
	limit := cm.gas.GasAvailable()
	if gasLimit != nil {
		limit = limit.Min(*gasLimit)
	}
	// ref-fvm traces min(limit, available) rounded up to whole gas.
	mt := MessageTrace{From: fromAddr, To: to, Value: value, Method: method, GasLimit: limit.RoundUp(), ReadOnly: readOnly}
	if params != nil {
		mt.Params, mt.ParamsCodec = params.Data, params.Codec
	}
	cm.trace.stack = append(cm.trace.stack, &ExecutionTrace{Msg: mt})
}

// traceInvoked records the actor a frame runs.
func (cm *CallManager) traceInvoked(id uint64, act *state.ActorState) {
	if cm.trace == nil || len(cm.trace.stack) == 0 {
		return
	}
	cm.trace.stack[len(cm.trace.stack)-1].InvokedActor = &ActorTrace{ID: abi.ActorID(id), State: *act.Clone()}
}

// traceEnd closes the innermost frame with its result.
func (cm *CallManager) traceEnd(res Result, err error) {
	if cm.trace == nil || len(cm.trace.stack) == 0 {
		return
	}
	cm.traceCharges()
	n := len(cm.trace.stack)
	frame := cm.trace.stack[n-1]
	cm.trace.stack = cm.trace.stack[:n-1]
	frame.MsgRct = returnTrace(res, err)
	if n == 1 {
		cm.trace.root = frame
		return
	}
	parent := cm.trace.stack[n-2]
	parent.Subcalls = append(parent.Subcalls, *frame)
}

// traceCharges moves the tracker's recorded charges to the innermost frame.
// Charges made before the top-level frame opens (the inclusion cost) wait
// for it.
func (cm *CallManager) traceCharges() {
	if len(cm.trace.stack) == 0 {
		return
	}
	charges := cm.gas.DrainTrace()
	frame := cm.trace.stack[len(cm.trace.stack)-1]
	for _, c := range charges {
		frame.GasCharges = append(frame.GasCharges, GasTrace{
			Name: c.Name, TotalGas: int64(c.Total().RoundUp()),
			ComputeGas: int64(c.ComputeGas.RoundUp()), StorageGas: int64(c.OtherGas.RoundUp()),
		})
	}
}

func returnTrace(res Result, err error) ReturnTrace {
	if err == nil {
		rt := ReturnTrace{ExitCode: res.ExitCode}
		if res.Return != nil {
			rt.Return, rt.ReturnCodec = res.Return.Data, res.Return.Codec
		}
		return rt
	}
	return ReturnTrace{ExitCode: ErrorExitCode(err)}
}

// ErrorExitCode is the receipt exit code of a call that failed with err
// instead of returning: out of gas is SYS_OUT_OF_GAS; the syscall errors
// InsufficientFunds and NotFound are SYS_INSUFFICIENT_FUNDS and
// SYS_INVALID_RECEIVER; anything else is SYS_ASSERTION_FAILED.
func ErrorExitCode(err error) exitcode.ExitCode {
	var se *kernel.SyscallError
	switch {
	case errors.Is(err, gas.ErrOutOfGas):
		return exitcode.SysErrOutOfGas
	case kernel.IsFatal(err):
		return exitcode.SysErrFatal
	case errors.As(err, &se) && se.Num == kernel.InsufficientFunds:
		return exitcode.SysErrInsufficientFunds
	case errors.As(err, &se) && se.Num == kernel.NotFound:
		return exitcode.SysErrInvalidReceiver
	default:
		return exitcode.SysErrFatal
	}
}

// Trace returns the message's call tree, when tracing is on and the
// top-level call has ended.
func (cm *CallManager) Trace() *ExecutionTrace {
	if cm.trace == nil {
		return nil
	}
	return cm.trace.root
}
