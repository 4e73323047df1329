package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/go-fvm/go-fvm/internal/wasm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// GasModule is the import module of the gas counter global, and also of the
// gas syscalls (gas.charge, gas.available).
const GasModule = "gas"

// GasCounterName is the name of the gas counter global: a mutable i64 that
// holds the available milligas and goes negative when Wasm runs out.
const GasCounterName = "gas_counter"

// ErrLink is returned (wrapped) when actor code imports something the linker
// does not provide, or with another type. ref-fvm treats this as fatal.
var ErrLink = errors.New("link error")

// HostFunc is one syscall: a Go function with its Wasm signature. Inside
// Fn, InvocationFromContext(ctx) gives the running Invocation (its memory,
// gas counter and the caller's Data). To end the invocation, panic with an
// *Abort (Exit, AbortOutOfGas, AbortFatal).
type HostFunc struct {
	Name            string
	Params, Results []api.ValueType
	Fn              api.GoModuleFunction
}

// HostModule is one syscall namespace (an import module name such as "vm",
// "ipld" or "gas") with its functions.
type HostModule struct {
	Name  string
	Funcs []HostFunc
}

// Linker binds one set of syscalls into an Engine's runtime. Actors are
// invoked through a Linker (Linker.Invoke). Machines that share a syscall
// set (a network version profile) can share a Linker; a Linker is safe for
// concurrent use. Different Linkers share the Engine's compiled code.
type Linker struct {
	e     *Engine
	id    uint64
	funcs map[[2]string]wasm.FuncType
	mods  []HostModule
	// main binds the syscalls in the engine's runtime; interp, on a tiered
	// engine, in its interpreter runtime (bound at the first invocation
	// there).
	main       binding
	interpOnce sync.Once
	interp     *binding
	interpErr  error

	checks sync.Map // *Module -> error (nil = links)
}

// NewLinker instantiates the host modules in the engine's runtime under
// private names and prepares the per-invocation gas module, which exports
// gas_counter and re-exports the "gas" host functions.
func (e *Engine) NewLinker(ctx context.Context, mods []HostModule) (*Linker, error) {
	if e.closed.Load() {
		return nil, ErrClosed
	}
	l := &Linker{
		e:     e,
		id:    e.seq.Add(1),
		funcs: map[[2]string]wasm.FuncType{},
		main:  binding{rt: e.rt, hosts: map[string]api.Module{}, empty: e.empty},
	}
	if err := l.bind(ctx, withLargeFill(mods)); err != nil {
		_ = l.Close(ctx)
		return nil, err
	}
	return l, nil
}

func (l *Linker) privateName(module string) string {
	return fmt.Sprintf("go-fvm/linker-%d/%s", l.id, module)
}

func (l *Linker) bind(ctx context.Context, mods []HostModule) error {
	if err := l.checkHostModules(mods); err != nil {
		return err
	}
	l.mods = mods
	return l.bindIn(ctx, &l.main, mods)
}

// checkHostModules refuses host modules without a name or given twice,
// functions given twice or without Fn, and a function named as the gas
// counter; it records each function's type.
func (l *Linker) checkHostModules(mods []HostModule) error {
	names := map[string]bool{}
	for _, m := range mods {
		if m.Name == "" {
			return fmt.Errorf("%w: host module without a name", ErrBadConfig)
		}
		if names[m.Name] {
			return fmt.Errorf("%w: host module %q given twice", ErrBadConfig, m.Name)
		}
		names[m.Name] = true
		for _, f := range m.Funcs {
			key := [2]string{m.Name, f.Name}
			if _, dup := l.funcs[key]; dup {
				return fmt.Errorf("%w: host function %s.%s given twice", ErrBadConfig, m.Name, f.Name)
			}
			if f.Fn == nil {
				return fmt.Errorf("%w: host function %s.%s has no Fn", ErrBadConfig, m.Name, f.Name)
			}
			if m.Name == GasModule && f.Name == GasCounterName {
				return fmt.Errorf("%w: %s.%s is the gas counter global", ErrBadConfig, m.Name, f.Name)
			}
			l.funcs[key] = funcTypeOf(f.Params, f.Results)
		}
	}
	return nil
}

// bindIn instantiates the host modules in b's runtime and compiles its gas
// module.
func (l *Linker) bindIn(ctx context.Context, b *binding, mods []HostModule) error {
	var gasFuncs []HostFunc
	for _, m := range mods {
		hb := b.rt.NewHostModuleBuilder(l.privateName(m.Name))
		for _, f := range m.Funcs {
			hb.NewFunctionBuilder().WithGoModuleFunction(f.Fn, f.Params, f.Results).WithName(f.Name).Export(f.Name)
		}
		// Compile and instantiate separately: Instantiate wraps the instance in
		// a type the import resolver does not accept.
		compiled, err := hb.Compile(ctx)
		if err != nil {
			return fmt.Errorf("%w: host module %q: %w", ErrBadConfig, m.Name, err)
		}
		inst, err := b.rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(l.privateName(m.Name)))
		if err != nil {
			return fmt.Errorf("%w: host module %q: %w", ErrBadConfig, m.Name, err)
		}
		b.hosts[m.Name] = inst
		if m.Name == GasModule {
			gasFuncs = m.Funcs
		}
	}
	shim, err := b.rt.CompileModule(ctx, gasShim(l.privateName(GasModule), gasFuncs))
	if err != nil {
		return fmt.Errorf("engine: gas module: %w", err)
	}
	b.shim = shim
	return nil
}

// withLargeFill returns the host modules with the engine's own function
// added to the gas module: the target of the large fills the
// instrumentation sends out of Wasm (wasm.RouteLargeFills).
func withLargeFill(mods []HostModule) []HostModule {
	fill := HostFunc{Name: wasm.LargeFillName, Params: []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}, Fn: api.GoModuleFunc(largeFill)}
	out := slices.Clone(mods)
	for i := range out {
		if out[i].Name == GasModule {
			out[i].Funcs = append(slices.Clip(out[i].Funcs), fill)
			return out
		}
	}
	return append(out, HostModule{Name: GasModule, Funcs: []HostFunc{fill}})
}

// largeFill is the memory.fill of Wasm for large, in-bounds fills (the
// instrumentation checks both): zeroing is a clear, which runs at memory
// bandwidth; another value is doubled into place with large copies.
func largeFill(ctx context.Context, _ api.Module, stack []uint64) {
	buf, ok := InvocationFromContext(ctx).Memory().Read(uint32(stack[0]), uint32(stack[2]))
	if !ok {
		panic(AbortFatal(fmt.Errorf("engine: large fill of %d bytes at %d out of bounds", uint32(stack[2]), uint32(stack[0]))))
	}
	if len(buf) == 0 {
		return
	}
	v := byte(stack[1])
	if v == 0 {
		zero(buf)
		return
	}
	buf[0] = v
	for done := 1; done < len(buf); done *= 2 {
		copy(buf[done:], buf[:done])
	}
}

// gasShim generates the "gas" module each invocation instantiates: it
// defines and exports the mutable i64 gas_counter (host modules cannot
// export globals) and re-exports the gas host functions, imported from their
// private host module.
func gasShim(hostName string, funcs []HostFunc) []byte {
	var m wasm.Module
	for _, f := range funcs {
		ft := funcTypeOf(f.Params, f.Results)
		idx := m.AddImport(wasm.Import{Module: hostName, Name: f.Name, Kind: wasm.KindFunc}, ft)
		m.AddExport(f.Name, wasm.KindFunc, idx)
	}
	g := m.AddGlobal(wasm.Global{Type: wasm.GlobalType{Type: wasm.I64, Mutable: true},
		Init: wasm.ConstExpr{{Op: wasm.OpI64Const}, {Op: wasm.OpEnd}}})
	m.AddExport(GasCounterName, wasm.KindGlobal, g)
	return m.Encode()
}

// Close releases the host modules. Invocations must have finished.
func (l *Linker) Close(ctx context.Context) error {
	err := l.main.close(ctx)
	if l.interp != nil {
		err = errors.Join(err, l.interp.close(ctx))
	}
	return err
}

func (b *binding) close(ctx context.Context) error {
	var err error
	for _, m := range b.hosts {
		err = errors.Join(err, m.Close(ctx))
	}
	if b.shim != nil {
		err = errors.Join(err, b.shim.Close(ctx))
	}
	return err
}

// resolver maps import module names for one invocation: "gas" to its own
// gas module, syscall namespaces to the host modules, and anything else to
// an empty module (so it fails as a missing import).
func (b *binding) resolver(gas api.Module) func(string) api.Module {
	return func(name string) api.Module {
		if name == GasModule {
			return gas
		}
		if m, ok := b.hosts[name]; ok {
			return m
		}
		return b.empty
	}
}

// Check reports whether every import of m is provided with its exact type
// (ref-fvm's instantiate_pre). The answer is cached per module.
func (l *Linker) Check(m *Module) error {
	if v, ok := l.checks.Load(m); ok {
		err, _ := v.(error)
		return err
	}
	err := l.check(m)
	l.checks.Store(m, err)
	return err
}

func (l *Linker) check(m *Module) error {
	for _, im := range m.info.imports {
		switch im.Kind {
		case wasm.KindFunc:
			have, ok := l.funcs[[2]string{im.Module, im.Name}]
			if !ok {
				return fmt.Errorf("%w: code %s imports unknown function %s.%s", ErrLink, m.Code, im.Module, im.Name)
			}
			if !have.Equal(im.funcType) {
				return fmt.Errorf("%w: code %s imports %s.%s as %s, provided as %s",
					ErrLink, m.Code, im.Module, im.Name, im.funcType, have)
			}
		case wasm.KindGlobal:
			if im.Module != GasModule || im.Name != GasCounterName {
				return fmt.Errorf("%w: code %s imports unknown global %s.%s", ErrLink, m.Code, im.Module, im.Name)
			}
			if g := im.Global; g.Type != wasm.I64 || !g.Mutable {
				return fmt.Errorf("%w: code %s imports %s.%s as %s (mutable %t), want a mutable i64",
					ErrLink, m.Code, im.Module, im.Name, api.ValueTypeName(api.ValueType(g.Type)), g.Mutable)
			}
		default:
			return fmt.Errorf("%w: code %s imports %s.%s of kind %d; only functions and the gas counter are provided",
				ErrLink, m.Code, im.Module, im.Name, im.Kind)
		}
	}
	return nil
}
