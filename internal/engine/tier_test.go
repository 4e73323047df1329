package engine

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
)

// invokeTiered invokes wasm's invoke(7) through l without loading the code
// first (so a tiered engine picks the tier).
func invokeTiered(l *Linker, wasm []byte, c Code) (Outcome, *tracker) {
	tr := newTracker(bigGas)
	o := l.Invoke(context.Background(), Call{Code: c.CID, Params: 7, Gas: tr, Prices: prices,
		Memory: NewMemoryLimiter(MaxCallStackMemoryBytes), FrameManaged: true,
		LoadCode: func(context.Context, cid.Cid) ([]byte, error) { return wasm, nil }})
	return o, tr
}

// A tiered engine runs code in the interpreter until the compiler is done
// with it, then compiled, and either way an invocation ends as on an engine
// without tiers, with the same gas charges.
func TestTieredSameOutcome(t *testing.T) {
	ret := newActor(1)
	ret.invoke(body(ret.charge(12_345), lget(0), i32c(1), op(opI32Add)))
	trap := newActor(2)
	trap.invoke(body(trap.charge(777), op(opUnreachable), i32c(0)))
	for name, a := range map[string]*actor{"returns": ret, "traps": trap} {
		t.Run(name, func(t *testing.T) {
			wasm := a.bytes()
			want, wantTr := run(t, newTestLinker(t, newTestEngine(t, Config{})), wasm, bigGas, nil)
			wantCharges := wantTr.charges()

			ctx := context.Background()
			e := newTestEngine(t, Config{Tiered: true})
			if e.interp == nil {
				t.Skip("the compiler is not available here: nothing to tier")
			}
			l := newTestLinker(t, e)
			code := Code{CID: rawCID(t, wasm), Bytes: wasm}
			if m, err := e.interp.load(ctx, e, code); err != nil || m.interp == nil {
				t.Fatalf("interpreter load: %v", err)
			}
			interpreted, interpretedTr := invokeTiered(l, wasm, code)
			if l.interp == nil {
				t.Fatal("the first invocation did not run in the interpreter")
			}
			m, err := e.Load(ctx, code) // waits for the background compilation
			if err != nil || m.interp != nil {
				t.Fatalf("compiled module: %v", err)
			}
			compiled, compiledTr := invokeTiered(l, wasm, code)
			for tier, got := range map[string]struct {
				o  Outcome
				tr *tracker
			}{"interpreted": {interpreted, interpretedTr}, "compiled": {compiled, compiledTr}} {
				if got.o.Kind != want.Kind || got.o.ExitCode != want.ExitCode || got.o.BlockID != want.BlockID || got.o.Trap != want.Trap {
					t.Errorf("%s: outcome %v, untiered %v", tier, got.o, want)
				}
				if charges := got.tr.charges(); !slices.Equal(charges, wantCharges) {
					t.Errorf("%s: charges %v, untiered %v", tier, charges, wantCharges)
				}
			}
		})
	}
}

// The two tiers share one instrumentation of each code.
func TestTieredInstrumentsOnce(t *testing.T) {
	var n counter
	e := newTestEngine(t, Config{Tiered: true, Instrument: n.instrument})
	if e.interp == nil {
		t.Skip("the compiler is not available here: nothing to tier")
	}
	l := newTestLinker(t, e)
	a := newActor(1)
	a.invoke(body(a.charge(5), i32c(0)))
	wasm := a.bytes()
	code := Code{CID: rawCID(t, wasm), Bytes: wasm}
	if o, _ := invokeTiered(l, wasm, code); o.Kind != Returned {
		t.Fatalf("outcome %v", o)
	}
	if _, err := e.Load(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	if got := n.n.Load(); got != 1 {
		t.Fatalf("instrumented %d times, want once", got)
	}
}

// Preload on a tiered engine compiles in the slots of the background
// compilations, which leave a core to the messages: while they are all
// taken it compiles nothing, and it gives up waiting when its context ends.
func TestTieredPreloadSharesCompileSlots(t *testing.T) {
	e := newTestEngine(t, Config{Tiered: true})
	if e.interp == nil {
		t.Skip("the compiler is not available here: nothing to tier")
	}
	a := newActor(1)
	a.invoke(body(a.charge(5), i32c(0)))
	wasm := a.bytes()
	code := Code{CID: rawCID(t, wasm), Bytes: wasm}
	for range cap(e.interp.compilers) {
		e.interp.compilers <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan error)
	go func() { waiting <- e.Preload(ctx, []Code{code}) }()
	time.Sleep(100 * time.Millisecond)
	if e.compiled(code.CID) {
		t.Fatal("Preload compiled while every compile slot was taken")
	}
	cancel()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("Preload with its context ended: %v, want context.Canceled", err)
	}
	<-e.interp.compilers
	if err := e.Preload(context.Background(), []Code{code}); err != nil {
		t.Fatal(err)
	}
	if !e.compiled(code.CID) {
		t.Fatal("Preload returned without compiling")
	}
}
