package history

import (
	"maps"
	"testing"
)

func TestSetGetRollback(t *testing.T) {
	h := NewMap[string, int]()
	if _, ok := h.Get("a"); ok {
		t.Fatal("empty map has a")
	}
	h.Set("a", 1)
	h.Set("b", 2)
	base := h.Height()
	if base != 2 {
		t.Fatalf("height %d after two writes, want 2", base)
	}
	snap := maps.Clone(h.M)

	h.Set("a", 10) // overwrite
	h.Set("c", 3)  // new key
	h.Set("a", 11) // second overwrite of the same key
	if v, _ := h.Get("a"); v != 11 {
		t.Fatalf("a = %d, want 11", v)
	}
	h.Rollback(base)
	if !maps.Equal(h.M, snap) {
		t.Fatalf("after rollback %v, want %v", h.M, snap)
	}
	if h.Height() != base {
		t.Fatalf("height %d after rollback, want %d", h.Height(), base)
	}
	// Rolling back to the current height changes nothing.
	h.Rollback(h.Height())
	if !maps.Equal(h.M, snap) {
		t.Fatalf("no-op rollback changed %v", h.M)
	}
	// Back to zero: the key that did not exist before is deleted, not zeroed.
	h.Rollback(0)
	if len(h.M) != 0 {
		t.Fatalf("after full rollback %v, want empty", h.M)
	}
}

func TestNestedSnapshots(t *testing.T) {
	h := NewMap[int, string]()
	h.Set(1, "one")
	outer := h.Height()
	h.Set(2, "two")
	inner := h.Height()
	h.Set(1, "uno")
	h.Set(3, "three")
	h.Rollback(inner) // undo the inner layer only
	want := map[int]string{1: "one", 2: "two"}
	if !maps.Equal(h.M, want) {
		t.Fatalf("after inner rollback %v, want %v", h.M, want)
	}
	h.Rollback(outer)
	want = map[int]string{1: "one"}
	if !maps.Equal(h.M, want) {
		t.Fatalf("after outer rollback %v, want %v", h.M, want)
	}
}

func TestDiscardHistory(t *testing.T) {
	h := NewMap[int, int]()
	h.Set(1, 1)
	h.Set(1, 2)
	h.DiscardHistory()
	if h.Height() != 0 {
		t.Fatalf("height %d after discard, want 0", h.Height())
	}
	// The contents stay; a rollback to 0 now keeps them.
	h.Rollback(0)
	if v, ok := h.Get(1); !ok || v != 2 {
		t.Fatalf("1 = %d,%v after discard and rollback, want 2,true", v, ok)
	}
	// New writes after the discard roll back to the discarded state.
	h.Set(1, 3)
	h.Set(2, 4)
	h.Rollback(0)
	if !maps.Equal(h.M, map[int]int{1: 2}) {
		t.Fatalf("after rollback %v, want map[1:2]", h.M)
	}
}
