package syscalls

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/machine"
)

// Wasm value types of syscall parameters.
const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// call is what a syscall handler works with.
type call struct {
	ctx context.Context
	inv *engine.Invocation
	k   *kernel.Kernel
	mem Memory
}

// handler runs a syscall on its arguments (the return pointer excluded).
// For a value syscall it returns the bytes to write at the return pointer.
// Errors: *kernel.SyscallError becomes the error number; gas.ErrOutOfGas
// and *engine.Abort end the invocation; anything else is fatal.
type handler func(c *call, args []uint64) ([]byte, error)

// syscall declares one host function.
type syscall struct {
	name   string
	params []api.ValueType
	// ret is the size of the value a value syscall writes at its return
	// pointer (its first wasm parameter); 0 for unit syscalls.
	ret uint32
	fn  handler
}

// module builds a host module from syscall declarations.
func module(name string, calls ...syscall) engine.HostModule {
	m := engine.HostModule{Name: name}
	for _, s := range calls {
		params := s.params
		if s.ret > 0 {
			params = append([]api.ValueType{i32}, params...)
		}
		m.Funcs = append(m.Funcs, engine.HostFunc{
			Name: s.name, Params: params, Results: []api.ValueType{i32},
			Fn: wrap(s),
		})
	}
	return m
}

// wrap is the glue every syscall runs through (ref-fvm syscalls/bind):
// charge the Wasm execution so far and the syscall's base cost, check the
// return slot, run the handler, write its value, resynchronise the gas
// counter, and turn errors into error numbers or aborts.
func wrap(s syscall) api.GoModuleFunction {
	return api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) {
		inv := engine.InvocationFromContext(ctx)
		if inv == nil {
			panic(engine.AbortFatal(fmt.Errorf("syscall %s outside an invocation", s.name)))
		}
		k, ok := inv.Data().(*kernel.Kernel)
		if !ok {
			panic(engine.AbortFatal(fmt.Errorf("syscall %s: invocation has no kernel", s.name)))
		}
		timings := k.CM.Machine().Timings
		timings.Enter(machine.PhaseSyscalls)
		defer timings.Exit()
		if err := inv.ChargeForExec(); err != nil {
			panic(err)
		}
		if err := k.CM.Charge(k.CM.Machine().Profile.Prices.OnSyscall()); err != nil {
			syncGas(inv)
			panic(abortFor(err))
		}
		c := &call{ctx: ctx, inv: inv, k: k, mem: Memory{inv.Memory()}}
		args := stack[:len(s.params)]
		var retPtr uint32
		if s.ret > 0 {
			retPtr = uint32(stack[0])
			args = stack[1 : 1+len(s.params)]
			if err := c.mem.CheckReturn(retPtr, s.ret); err != nil {
				// Quirk (ref-fvm syscalls bind): a bad return slot returns
				// at once, without resynchronising the gas counter, so the
				// next syscall charges this stretch of Wasm again.
				stack[0] = uint64(kernel.IllegalArgument)
				return
			}
		}
		val, err := s.fn(c, args)
		if err == nil && s.ret > 0 {
			if uint32(len(val)) != s.ret {
				err = fmt.Errorf("%w: syscall %s returned %d bytes, not %d", kernel.ErrFatal, s.name, len(val), s.ret)
			} else {
				err = c.mem.WriteBytes(retPtr, val)
			}
		}
		syncGas(inv)
		if err == nil {
			stack[0] = 0
			return
		}
		// Only a recoverable error becomes an error number: a fatal error
		// aborts even if its chain holds a syscall error (kernel.IsFatal).
		var se *kernel.SyscallError
		if !errors.Is(err, gas.ErrOutOfGas) && !kernel.IsFatal(err) && errors.As(err, &se) {
			stack[0] = uint64(se.Num)
			return
		}
		panic(abortFor(err))
	})
}

// syncGas writes the tracker's available gas into the Wasm counter.
func syncGas(inv *engine.Invocation) {
	if err := inv.UpdateGasAvailable(); err != nil {
		panic(err)
	}
}

// abortFor turns a non-syscall error into the abort that ends the invocation.
func abortFor(err error) *engine.Abort {
	var a *engine.Abort
	switch {
	case errors.As(err, &a):
		return a
	case errors.Is(err, gas.ErrOutOfGas):
		return engine.AbortOutOfGas()
	default:
		return engine.AbortFatal(err)
	}
}

// u32 and the other helpers read wasm arguments.
func u32(v uint64) uint32 { return uint32(v) }

func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

func le64(v uint64) []byte {
	return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24), byte(v >> 32), byte(v >> 40), byte(v >> 48), byte(v >> 56)}
}
