package engine

import (
	"bytes"
	"testing"
)

func newRegionPool(t *testing.T, keep int64) *regionPool {
	t.Helper()
	if !vmemSupported {
		t.Skip("no virtual-memory regions on this platform")
	}
	p := &regionPool{keep: keep}
	t.Cleanup(p.close)
	return p
}

// scribble writes non-zero bytes at the start, the end and every 4 KiB of
// mem[from:to].
func scribble(mem []byte, from, to int) {
	for i := from; i < to; i += 4096 {
		mem[i] = 0xa5
	}
	mem[to-1] = 0x5a
}

func allZero(b []byte) bool { return bytes.IndexFunc(b, func(r rune) bool { return r != 0 }) < 0 }

// TestRegionReuseReadsZero: a region comes back from the pool dirty, and
// every byte an instance grows into reads zero, whether it was touched by
// the previous instance, discarded, or never touched.
func TestRegionReuseReadsZero(t *testing.T) {
	p := newRegionPool(t, 1<<30)
	r := p.get()
	if r == nil {
		t.Fatal("no region")
	}
	mem := p.grow(r, 3<<20)
	if len(mem) != 3<<20 || cap(mem) != 3<<20 {
		t.Fatalf("grown to len %d cap %d", len(mem), cap(mem))
	}
	scribble(mem, 0, 3<<20)
	p.put(r)
	if n, g := p.stats(); n != 1 || g != 3<<20 {
		t.Fatalf("pool holds %d regions, %d garbage bytes; want 1 and %d", n, g, 3<<20)
	}
	r2 := p.get()
	if r2 != r {
		t.Fatal("the pool did not hand back the released region")
	}
	// Grow in uneven steps past the dirty part.
	for _, size := range []uint64{17 * WasmPageBytes, 2 << 20, 2<<20 + WasmPageBytes, 5 << 20} {
		mem = p.grow(r2, size)
		if !allZero(mem) {
			t.Fatalf("after growing to %d, memory is not all zero", size)
		}
		scribble(mem, 0, int(size))
		clear(mem)
	}
	if _, g := p.stats(); g != 0 {
		t.Fatalf("garbage %d with the whole dirty part in use", g)
	}
	p.put(r2)
}

// TestRegionGarbageBudget: released regions keep at most the budget of
// dirty memory; the rest is discarded, and reads zero when reused.
func TestRegionGarbageBudget(t *testing.T) {
	const keep = 1 << 20
	p := newRegionPool(t, keep)
	a, b := p.get(), p.get()
	scribble(p.grow(a, 4<<20), 0, 4<<20)
	scribble(p.grow(b, 2<<20), 0, 2<<20)
	p.put(a)
	if _, g := p.stats(); g > keep {
		t.Fatalf("garbage %d after one release, budget %d", g, keep)
	}
	p.put(b)
	if _, g := p.stats(); g > keep {
		t.Fatalf("garbage %d after two releases, budget %d", g, keep)
	}
	for range 2 {
		r := p.get()
		if mem := p.grow(r, 4<<20); !allZero(mem) {
			t.Fatal("a reused region is not all zero")
		}
	}
}

// TestLimiterWithRegions: the limiter's accounting is the same whatever
// backs the memory: initial size prepaid, growth accounted, refusal past the
// call-stack limit, refusal (still accounted, the reference's quirk) past
// the instance limit.
func TestLimiterWithRegions(t *testing.T) {
	for _, heap := range []bool{false, true} {
		p := newRegionPool(t, 1<<30)
		lim := NewMemoryLimiter(MaxInstanceMemoryBytes + 4*WasmPageBytes)
		a := &allocator{limiter: lim, regions: p, pool: &memoryPool{}, reserved: WasmPageBytes}
		if heap {
			a.regions = nil
		}
		lim.GrowMemory(WasmPageBytes) // prepaid by instantiate
		m := a.Allocate(WasmPageBytes, MaxInstanceMemoryBytes).(*linearMemory)
		if (m.reg != nil) == heap {
			t.Fatalf("heap=%v: region %v", heap, m.reg != nil)
		}
		if b := m.Reallocate(WasmPageBytes); len(b) != WasmPageBytes || lim.MemoryUsed() != WasmPageBytes {
			t.Fatalf("heap=%v: initial %d bytes, %d accounted", heap, len(b), lim.MemoryUsed())
		}
		if b := m.Reallocate(3 * WasmPageBytes); len(b) != 3*WasmPageBytes || lim.MemoryUsed() != 3*WasmPageBytes {
			t.Fatalf("heap=%v: grown %d bytes, %d accounted", heap, len(b), lim.MemoryUsed())
		}
		if b := m.Reallocate(MaxInstanceMemoryBytes + WasmPageBytes); b != nil || lim.MemoryUsed() != MaxInstanceMemoryBytes+WasmPageBytes {
			t.Fatalf("heap=%v: past the instance limit: %d bytes, %d accounted", heap, len(b), lim.MemoryUsed())
		}
		if b := m.Reallocate(MaxInstanceMemoryBytes + 8*WasmPageBytes); b != nil {
			t.Fatalf("heap=%v: past the call-stack limit: %d bytes", heap, len(b))
		}
		m.Free()
	}
}
