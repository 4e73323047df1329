package engine

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/wasm"
)

// Opcodes used by the hand-written test modules.
const (
	opUnreachable  = wasm.OpUnreachable
	opBlock        = wasm.OpBlock
	opLoop         = wasm.OpLoop
	opIf           = wasm.OpIf
	opEnd          = wasm.OpEnd
	opBr           = wasm.OpBr
	opBrIf         = wasm.OpBrIf
	opReturn       = wasm.OpReturn
	opCall         = wasm.OpCall
	opCallIndirect = wasm.OpCallIndirect
	opDrop         = wasm.OpDrop
	opLocalGet     = wasm.OpLocalGet
	opLocalTee     = wasm.OpLocalTee
	opGlobalGet    = wasm.OpGlobalGet
	opGlobalSet    = wasm.OpGlobalSet
	opI32Load      = wasm.OpI32Load
	opMemoryGrow   = wasm.OpMemoryGrow
	opI32Eqz       = wasm.OpI32Eqz
	opI32GtU       = wasm.OpI32GtU
	opI64LtS       = wasm.OpI64LtS
	opI32Add       = wasm.OpI32Add
	opI32Sub       = wasm.OpI32Sub
	opI64Sub       = wasm.OpI64Sub
	opMemoryCopy   = wasm.OpMemoryCopy
	opMemoryFill   = wasm.OpMemoryFill

	opI32Load8U    wasm.Opcode = 0x2d
	opI32DivS      wasm.Opcode = 0x6d
	opI32TruncF32S wasm.Opcode = 0xa8
)

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64

	// sigGas is the signature of the gas function.
	sigGas = wasm.FuncType{Params: []wasm.ValType{wasm.I64}}
)

// code concatenates instructions.
func code(parts ...[]wasm.Instr) []wasm.Instr {
	var b []wasm.Instr
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// op is one instruction; imm are its index immediates (Instr.A, then Instr.B).
func op(o wasm.Opcode, imm ...uint32) []wasm.Instr {
	in := wasm.Instr{Op: o}
	if len(imm) > 0 {
		in.A = imm[0]
	}
	if len(imm) > 1 {
		in.B = imm[1]
	}
	return []wasm.Instr{in}
}

// blk opens a block, loop or if without parameters or results.
func blk(o wasm.Opcode) []wasm.Instr { return []wasm.Instr{{Op: o, V: wasm.BlockEmpty}} }

func i32c(v int32) []wasm.Instr {
	return []wasm.Instr{{Op: wasm.OpI32Const, V: uint64(int64(v))}}
}
func i64c(v int64) []wasm.Instr { return []wasm.Instr{{Op: wasm.OpI64Const, V: uint64(v)}} }
func f32c(v float32) []wasm.Instr {
	return []wasm.Instr{{Op: wasm.OpF32Const, V: uint64(math.Float32bits(v))}}
}
func call(f uint32) []wasm.Instr { return op(opCall, f) }
func gget(g uint32) []wasm.Instr { return op(opGlobalGet, g) }
func gset(g uint32) []wasm.Instr { return op(opGlobalSet, g) }
func lget(l uint32) []wasm.Instr { return op(opLocalGet, l) }

// body is a function body with no locals: the code, then end.
func body(parts ...[]wasm.Instr) wasm.Code {
	return wasm.Code{Body: append(code(parts...), wasm.Instr{Op: opEnd})}
}

// constExpr is a constant expression: the instructions, then end.
func constExpr(parts ...[]wasm.Instr) wasm.ConstExpr {
	return wasm.ConstExpr(append(code(parts...), wasm.Instr{Op: opEnd}))
}

// addGlobal adds a mutable global of type vt with the given initial value.
func addGlobal(m *wasm.Module, vt wasm.ValType, init []wasm.Instr) uint32 {
	return m.AddGlobal(wasm.Global{Type: wasm.GlobalType{Type: vt, Mutable: true}, Init: constExpr(init)})
}

// addFuncTable adds a funcref table and an element segment putting funcs at 0.
func addFuncTable(m *wasm.Module, l wasm.Limits, funcs ...uint32) {
	m.AddTable(wasm.TableType{Elem: wasm.FuncRef, Limits: l})
	m.AddElement(wasm.Element{Mode: wasm.ModeActive, Offset: constExpr(i32c(0)), Type: wasm.FuncRef, Funcs: funcs})
}

// actor is a hand-written "instrumented" actor: it imports gas.gas_counter
// (global 0) like the gas-metering pass leaves it, and defines the pass's
// gas function, so an identity instrumenter can run it.
type actor struct {
	b       wasm.Module
	counter uint32 // gas counter global
	gasFn   uint32 // the (i64) charging function
	pending []func()
}

// newActor starts an actor with the given imported host functions (in
// order, before the gas function), a memory of memPages exported as
// "memory" (memPages < 0: none).
func newActor(memPages int32, hostImports ...hostFuncImport) *actor {
	a := &actor{}
	for _, im := range hostImports {
		a.b.AddImport(wasm.Import{Module: im.module, Name: im.name, Kind: wasm.KindFunc}, im.sig)
	}
	a.counter = a.b.AddImport(wasm.Import{Module: GasModule, Name: GasCounterName, Kind: wasm.KindGlobal,
		Global: wasm.GlobalType{Type: wasm.I64, Mutable: true}}, wasm.FuncType{})
	if memPages >= 0 {
		a.b.AddExport("memory", wasm.KindMemory, a.b.AddMemory(wasm.Limits{Min: uint64(memPages)}))
	}
	a.gasFn = a.b.AddFunc(sigGas, body(
		gget(a.counter), lget(0), op(opI64Sub), gset(a.counter),
		gget(a.counter), i64c(0), op(opI64LtS), blk(opIf), op(opUnreachable), op(opEnd),
	))
	return a
}

// charge is the metering call the instrumenter puts at the start of a block.
func (a *actor) charge(mg int64) []wasm.Instr { return code(i64c(mg), call(a.gasFn)) }

// invoke defines the exported invoke(i32)->i32 with the given body.
func (a *actor) invoke(body wasm.Code) *actor {
	a.b.AddExport("invoke", wasm.KindFunc, a.b.AddFunc(invokeType, body))
	return a
}

func (a *actor) bytes() []byte { return a.b.Encode() }

// hostFuncImport is a host function an actor imports.
type hostFuncImport struct {
	module, name string
	sig          wasm.FuncType
}

func hostImport(module, name string, params, results []api.ValueType) hostFuncImport {
	return hostFuncImport{module: module, name: name, sig: funcTypeOf(params, results)}
}

// rawCID returns the CID of a raw block (sha2-256).
func rawCID(t testing.TB, b []byte) cid.Cid {
	t.Helper()
	c, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: 0x12, MhLength: -1}.Sum(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// identity is the instrumenter for hand-instrumented test modules.
func identity(b []byte) ([]byte, error) { return b, nil }

// tracker is the FVM's gas tracker, with trace, plus test conveniences.
type tracker struct {
	*gas.GasTracker
}

func newTracker(limitMilligas uint64) *tracker {
	return &tracker{gas.NewGasTracker(gas.FromMilligas(limitMilligas), gas.ZeroGas, gas.WithTrace())}
}

// used returns the milligas used.
func (t *tracker) used() uint64 { return t.GasUsed().Milligas() }

// charges returns the trace as name=milligas.
func (t *tracker) charges() []string {
	var out []string
	for _, c := range t.DrainTrace() {
		out = append(out, fmt.Sprintf("%s=%d", c.Name, c.Total().Milligas()))
	}
	return out
}

// prices are the Wasm prices of every FVM price list.
var prices = &gas.WatermelonPrices().WasmRules

// newTestEngine returns an engine with the identity instrumenter.
func newTestEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.Instrument == nil {
		cfg.Instrument = identity
	}
	e, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func newTestLinker(t testing.TB, e *Engine, mods ...HostModule) *Linker {
	t.Helper()
	l, err := e.NewLinker(context.Background(), mods)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	return l
}

// run loads code and invokes it once.
func run(t testing.TB, l *Linker, wasm []byte, gasLimit uint64, mem *MemoryLimiter) (Outcome, *tracker) {
	t.Helper()
	c := rawCID(t, wasm)
	if _, err := l.e.Load(context.Background(), Code{CID: c, Bytes: wasm}); err != nil {
		t.Fatal(err)
	}
	if mem == nil {
		mem = NewMemoryLimiter(MaxCallStackMemoryBytes)
	}
	tr := newTracker(gasLimit)
	o := l.Invoke(context.Background(), Call{Code: c, Params: 7, Gas: tr, Prices: prices, Memory: mem, FrameManaged: true})
	return o, tr
}

// counter counts calls of an instrumenter.
type counter struct{ n atomic.Int64 }

func (c *counter) instrument(b []byte) ([]byte, error) {
	c.n.Add(1)
	return b, nil
}

func exitCodeOf(v uint64) exitcode.ExitCode { return exitcode.ExitCode(uint32(v)) }

// cpuTimer reports CPU ns per op next to the wall-clock figure.
type cpuTimer struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuTimer {
	t, ok := processCPUTime()
	return cpuTimer{start: t, ok: ok}
}

func (c cpuTimer) report(b *testing.B) {
	end, ok := processCPUTime()
	if !c.ok || !ok || b.N == 0 {
		return
	}
	b.ReportMetric(float64((end-c.start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
