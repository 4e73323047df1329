package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/gas"
)

// Opcodes used by the hand-written test modules.
const (
	opUnreachable  = 0x00
	opBlock        = 0x02
	opLoop         = 0x03
	opIf           = 0x04
	opEnd          = 0x0b
	opBr           = 0x0c
	opBrIf         = 0x0d
	opCall         = 0x10
	opCallIndirect = 0x11
	opDrop         = 0x1a
	opLocalGet     = 0x20
	opLocalSet     = 0x21
	opGlobalGet    = 0x23
	opGlobalSet    = 0x24
	opI32Load      = 0x28
	opI32Store     = 0x36
	opMemoryGrow   = 0x40
	opI32Const     = 0x41
	opI64Const     = 0x42
	opF32Const     = 0x43
	opI32Eqz       = 0x45
	opI32GtU       = 0x4b
	opI64LtS       = 0x53
	opI32Add       = 0x6a
	opI32Sub       = 0x6b
	opI32DivS      = 0x6d
	opI64Sub       = 0x7d
	opI32TruncF32S = 0xa8
	opBlockEmpty   = 0x40
)

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// code concatenates instruction bytes.
func code(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func op(bs ...byte) []byte { return bs }

func i32c(v int32) []byte  { return appendS64([]byte{opI32Const}, int64(v)) }
func i64c(v int64) []byte  { return appendS64([]byte{opI64Const}, v) }
func call(f uint32) []byte { return appendU32([]byte{opCall}, f) }
func gget(g uint32) []byte { return appendU32([]byte{opGlobalGet}, g) }
func gset(g uint32) []byte { return appendU32([]byte{opGlobalSet}, g) }
func lget(l uint32) []byte { return appendU32([]byte{opLocalGet}, l) }
func f32c(v float32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{opF32Const}, math.Float32bits(v))
}

// body wraps code into a function body with no locals.
func body(parts ...[]byte) []byte {
	return append(append([]byte{0}, code(parts...)...), opEnd)
}

// actor is a hand-written "instrumented" actor: it imports gas.gas_counter
// (global 0) like the gas-metering pass leaves it, and defines the pass's
// gas function, so an identity instrumenter can run it.
type actor struct {
	b       moduleBuilder
	counter uint32 // gas counter global
	gasFn   uint32 // the (i64) charging function
	pending []func()
}

// newActor starts an actor with the given imported host functions (in
// order, before the gas function), a memory of memPages exported as
// "memory" (memPages < 0: none).
func newActor(memPages int32, hostImports ...importEntry) *actor {
	a := &actor{}
	for _, im := range hostImports {
		a.b.importFunc(im.module, im.name, im.funcType)
	}
	a.counter = a.b.importGlobal(GasModule, GasCounterName, i64, true)
	if memPages >= 0 {
		a.b.memories = []limits{{min: uint32(memPages)}}
		a.b.export("memory", kindMemory, 0)
	}
	a.gasFn = a.b.function(funcType{params: []api.ValueType{i64}}, body(
		gget(a.counter), lget(0), op(opI64Sub), gset(a.counter),
		gget(a.counter), i64c(0), op(opI64LtS), op(opIf, opBlockEmpty, opUnreachable, opEnd),
	))
	return a
}

// charge is the metering call the instrumenter puts at the start of a block.
func (a *actor) charge(mg int64) []byte { return code(i64c(mg), call(a.gasFn)) }

// invoke defines the exported invoke(i32)->i32 with the given body.
func (a *actor) invoke(body []byte) *actor {
	f := a.b.function(funcType{params: []api.ValueType{i32}, results: []api.ValueType{i32}}, body)
	a.b.export("invoke", kindFunc, f)
	return a
}

func (a *actor) bytes() []byte { return a.b.bytes() }

func hostImport(module, name string, params, results []api.ValueType) importEntry {
	return importEntry{module: module, name: name, kind: kindFunc, funcType: funcType{params: params, results: results}}
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
