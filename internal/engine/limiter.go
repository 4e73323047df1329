package engine

import (
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// MemoryLimiter accounts the memory of every live instance of one call stack
// (one message): linear memories, plus TableElementBytes per table element,
// from their initial sizes on. Growth beyond the limit is refused: a refused
// memory.grow returns -1 (its gas is already paid), and a refused initial
// allocation fails instantiation with SYS_ILLEGAL_INSTRUCTION.
//
// A call stack is one goroutine at a time, so MemoryLimiter is not safe for
// concurrent use. The call manager wraps every send in WithStackFrame
// (ref-fvm's with_stack_frame, together with the call depth), which releases
// what the frame's instances held when it returns, and sets
// Call.FrameManaged; otherwise Invoke releases its own usage on return.
type MemoryLimiter struct {
	max  uint64
	used uint64
}

// NewMemoryLimiter returns a limiter allowing maxBytes in total; use
// MaxCallStackMemoryBytes for the FVM.
func NewMemoryLimiter(maxBytes uint64) *MemoryLimiter {
	return &MemoryLimiter{max: maxBytes}
}

// MemoryUsed returns the bytes currently accounted.
func (l *MemoryLimiter) MemoryUsed() uint64 { return l.used }

// GrowMemory accounts delta more bytes, or refuses if that would exceed the
// limit (saturating arithmetic, as the reference).
func (l *MemoryLimiter) GrowMemory(delta uint64) bool {
	total := l.used + delta
	if total < l.used {
		total = ^uint64(0)
	}
	if total > l.max {
		return false
	}
	l.used = total
	return true
}

// GrowInstanceTable accounts a table growing from..to elements.
func (l *MemoryLimiter) GrowInstanceTable(from, to uint64) bool {
	if to <= from {
		return l.GrowMemory(0)
	}
	d := to - from
	if d > ^uint64(0)/TableElementBytes {
		return l.GrowMemory(^uint64(0))
	}
	return l.GrowMemory(d * TableElementBytes)
}

// WithStackFrame runs fn and then restores the usage to what it was before.
func (l *MemoryLimiter) WithStackFrame(fn func()) {
	saved := l.used
	defer func() { l.used = saved }()
	fn()
}

// linearMemory backs one instance's memory. Its initial size is reserved in
// the limiter before instantiation (wazero cannot fail the first
// allocation); every later growth asks the limiter first, then is refused
// past MaxInstanceMemoryBytes.
//
// Where the OS allows it (vmemSupported), the memory is a region: the
// instance's maximum reserved as virtual memory, committed as it grows, so
// growth never copies; otherwise a heap buffer from memoryPool, copied when
// it outgrows its capacity.
type linearMemory struct {
	limiter *MemoryLimiter
	// Exactly one of reg (with regions) and buf (with pool) is in use.
	regions *regionPool
	reg     *region
	pool    *memoryPool
	buf     []byte
	// prepaid is the initial size already accounted in the limiter.
	prepaid uint64
}

var _ experimental.LinearMemory = (*linearMemory)(nil)

// Reallocate implements experimental.LinearMemory. wazero has already
// refused growth past the module's declared maximum, as ref-fvm's limiter
// does before accounting anything.
func (m *linearMemory) Reallocate(size uint64) []byte {
	cur := m.length()
	if size < cur {
		return nil
	}
	switch {
	case m.prepaid > 0 && cur == 0 && size == m.prepaid:
		m.prepaid = 0
	case !m.limiter.GrowMemory(size - cur):
		return nil
	}
	// Quirk (ref-fvm engine/mod.rs with wasmtime's pooling allocator): the
	// limiter is asked (and accounts the growth) before wasmtime finds that
	// the memory cannot grow past its 512 MiB slot, and nothing gives the
	// bytes back when that grow then fails; they stay accounted until the
	// call-stack frame ends.
	if size > MaxInstanceMemoryBytes {
		return nil
	}
	if m.reg != nil {
		return m.regions.grow(m.reg, size)
	}
	return m.growBuffer(size)
}

// length is the current memory size in bytes.
func (m *linearMemory) length() uint64 {
	if m.reg != nil {
		return m.reg.size
	}
	return uint64(len(m.buf))
}

// growBuffer grows a heap buffer, copying it when it outgrows its capacity.
func (m *linearMemory) growBuffer(size uint64) []byte {
	if size <= uint64(cap(m.buf)) {
		// Never shrinks, so bytes past len are still zero.
		m.buf = m.buf[:size]
		return m.buf
	}
	newCap := uint64(cap(m.buf)) * 2
	if newCap < size {
		newCap = size
	}
	if newCap > MaxInstanceMemoryBytes {
		newCap = MaxInstanceMemoryBytes
	}
	nb := make([]byte, size, newCap)
	copy(nb, m.buf)
	m.buf = nb
	return m.buf
}

// Free implements experimental.LinearMemory.
func (m *linearMemory) Free() {
	if m.reg != nil {
		m.regions.put(m.reg)
		m.reg = nil
		return
	}
	m.pool.put(m.buf)
	m.buf = nil
}

// allocator hands out linearMemory for one instantiation.
type allocator struct {
	limiter  *MemoryLimiter
	regions  *regionPool // nil: heap buffers only
	pool     *memoryPool
	reserved uint64
}

// Allocate implements experimental.MemoryAllocator.
func (a *allocator) Allocate(capBytes, _ uint64) experimental.LinearMemory {
	m := &linearMemory{limiter: a.limiter, regions: a.regions, pool: a.pool, prepaid: a.reserved}
	if a.regions != nil {
		if m.reg = a.regions.get(); m.reg != nil {
			return m
		}
	}
	if capBytes > MaxInstanceMemoryBytes {
		capBytes = MaxInstanceMemoryBytes
	}
	m.buf = a.pool.get(capBytes)
	return m
}

// memoryPool recycles linear-memory heap buffers between instances where
// regions are not available (see linearMemory): a fresh
// instance's memory costs a large allocation, its zeroing and, later, its
// garbage collection, which dominate instantiation otherwise. Returned
// buffers are zeroed up to the length they reached (nothing past the length
// is ever written), so a recycled buffer is all zeros.
type memoryPool struct {
	p sync.Pool // *[]byte, length 0
}

// maxPooledBytes bounds the buffers kept for reuse.
const maxPooledBytes = 64 << 20

// poolGrain rounds new buffers up, so small actors' memories fit each other.
const poolGrain = 2 << 20

func (p *memoryPool) get(capBytes uint64) []byte {
	if v, ok := p.p.Get().(*[]byte); ok && uint64(cap(*v)) >= capBytes {
		return (*v)[:0]
	}
	c := (capBytes + poolGrain - 1) / poolGrain * poolGrain
	if c > MaxInstanceMemoryBytes {
		c = capBytes
	}
	return make([]byte, 0, c)
}

func (p *memoryPool) put(buf []byte) {
	if buf == nil || cap(buf) > maxPooledBytes {
		return
	}
	clear(buf)
	buf = buf[:0]
	p.p.Put(&buf)
}
