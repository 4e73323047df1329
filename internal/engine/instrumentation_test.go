package engine

import (
	"context"
	"errors"
	"testing"
)

// An engine keeps compiled code per instrumentation: the same code CID
// loaded through a sibling made for another instrumentation is rewritten by
// that instrumentation, and the sibling is made once and closed with its
// parent.
func TestWithInstrumentation(t *testing.T) {
	ctx := context.Background()
	var base, other counter
	e := newTestEngine(t, Config{Instrument: base.instrument, InstrumentationVersion: "base"})
	if s, err := e.WithInstrumentation(ctx, Instrumentation{Version: "base", Instrument: other.instrument}); err != nil || s != e {
		t.Fatalf("own version: %v %v", s, err)
	}
	s, err := e.WithInstrumentation(ctx, Instrumentation{Version: "other", Instrument: other.instrument})
	if err != nil || s == e {
		t.Fatalf("other version: %v %v", s, err)
	}
	if again, _ := e.WithInstrumentation(ctx, Instrumentation{Version: "other", Instrument: other.instrument}); again != s {
		t.Error("a second sibling was made for the same version")
	}
	if got := s.Instrumentation().Version; got != "other" {
		t.Errorf("sibling instrumentation %q", got)
	}
	wasm := newActor(1).invoke(body(i32c(0))).bytes()
	c := Code{CID: rawCID(t, wasm), Bytes: wasm}
	for _, eng := range []*Engine{e, s, e, s} {
		if _, err := eng.Load(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if base.n.Load() != 1 || other.n.Load() != 1 {
		t.Errorf("instrumented %d times with base, %d with other; want once each", base.n.Load(), other.n.Load())
	}
	for _, bad := range []Instrumentation{{Version: "x"}, {Instrument: identity}} {
		if _, err := e.WithInstrumentation(ctx, bad); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%+v: %v, want ErrBadConfig", bad, err)
		}
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, Code{CID: rawCID(t, []byte("x")), Bytes: []byte("x")}); !errors.Is(err, ErrClosed) {
		t.Errorf("sibling after closing its parent: %v, want ErrClosed", err)
	}
	if _, err := e.WithInstrumentation(ctx, Instrumentation{Version: "third", Instrument: identity}); !errors.Is(err, ErrClosed) {
		t.Errorf("closed engine made a sibling: %v", err)
	}
}
