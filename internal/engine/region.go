package engine

import (
	"sync"
	"sync/atomic"
)

// region is one instance's linear memory reserved as virtual memory: the
// whole MaxInstanceMemoryBytes is reserved up front, so growth never moves
// or copies the memory; only the accessible prefix is committed.
type region struct {
	mem []byte // the reservation (len = cap = MaxInstanceMemoryBytes)
	// committed is the accessible prefix, in bytes.
	committed uint64
	// dirty is the prefix that may hold non-zero bytes (the largest length
	// any instance reached since the pages were last discarded). Bytes past
	// it read as zero.
	dirty uint64
	// size is the current instance's length (0 while pooled).
	size uint64
	// resident is clear's scratch residency vector.
	resident []byte
}

// regionPool hands out regions and takes them back without clearing them:
// a region is zeroed lazily, as its next instance grows into the dirty
// part (the work is then proportional to the growth, which gas prices), and
// its physical pages stay resident for the next instance, up to a budget.
//
// The budget bounds the garbage: dirty bytes no instance uses (all of a
// pooled region's dirty bytes; a live region's dirty bytes past its
// length). When a region comes back and the garbage exceeds the budget,
// pooled regions' pages are discarded (madvise) until it fits, so the
// physical memory of all linear memories stays below their live lengths
// plus the budget. Live regions are never trimmed (their goroutine owns
// them).
//
// A regionPool is safe for concurrent use (one engine serves many
// machines).
type regionPool struct {
	keep    int64        // garbage budget in bytes
	garbage atomic.Int64 // current garbage in bytes

	mu     sync.Mutex
	free   []*region // LIFO: the most recently released region first
	closed bool
}

// get returns a pooled region, or a new reservation; nil when the OS
// refuses one (the caller falls back to heap buffers).
func (p *regionPool) get() *region {
	p.mu.Lock()
	if n := len(p.free); n > 0 && !p.closed {
		r := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return r
	}
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil
	}
	mem, err := vmemReserve(MaxInstanceMemoryBytes)
	if err != nil {
		return nil
	}
	return &region{mem: mem}
}

// grow makes the region size bytes long: it commits what is missing and
// zeroes the dirty bytes the instance grows into. It returns the memory, or
// nil when the OS refuses to commit.
func (p *regionPool) grow(r *region, size uint64) []byte {
	if size > r.committed {
		if vmemCommit(r.mem[r.committed:size]) != nil {
			return nil
		}
		r.committed = size
	}
	cur := r.size
	if r.dirty > cur {
		r.clear(cur, min(size, r.dirty))
	}
	before := garbageOf(r.dirty, cur)
	r.dirty = max(r.dirty, size)
	r.size = size
	p.garbage.Add(garbageOf(r.dirty, size) - before)
	return r.mem[:size:size]
}

// clear zeroes mem[from:to], skipping the pages that are not resident (never
// touched since they were last discarded, so zero already).
func (r *region) clear(from, to uint64) {
	page := uint64(vmemPageBytes)
	start := from / page * page
	n := (to - start + page - 1) / page
	if cap(r.resident) < int(n) {
		r.resident = make([]byte, n)
	}
	vec := r.resident[:n]
	if vmemResident(r.mem[start:start+n*page], vec) != nil {
		zero(r.mem[from:to])
		return
	}
	for i := uint64(0); i < n; {
		if vec[i]&1 == 0 {
			i++
			continue
		}
		j := i + 1
		for j < n && vec[j]&1 != 0 {
			j++
		}
		zero(r.mem[max(from, start+i*page):min(to, start+j*page)])
		i = j
	}
}

func garbageOf(dirty, size uint64) int64 {
	if dirty <= size {
		return 0
	}
	return int64(dirty - size)
}

// put takes a region back. Its used bytes become garbage; if the garbage
// then exceeds the budget, pooled regions (this one first) give their pages
// back to the OS.
func (p *regionPool) put(r *region) {
	p.garbage.Add(int64(r.size))
	r.size = 0
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.garbage.Add(-int64(r.dirty))
		_ = vmemRelease(r.mem)
		return
	}
	p.free = append(p.free, r)
	for i := len(p.free) - 1; i >= 0 && p.garbage.Load() > p.keep; i-- {
		p.trim(p.free[i], p.garbage.Load()-p.keep)
	}
}

// trim discards up to excess dirty bytes from the end of a pooled region's
// dirty prefix (whole Wasm pages).
func (p *regionPool) trim(r *region, excess int64) {
	keep := uint64(0)
	if int64(r.dirty) > excess {
		keep = (r.dirty - uint64(excess)) / WasmPageBytes * WasmPageBytes
	}
	if keep >= r.dirty {
		return
	}
	if vmemDiscard(r.mem[keep:r.dirty]) != nil {
		return
	}
	p.garbage.Add(-int64(r.dirty - keep))
	r.dirty = keep
}

// close releases the pooled regions; regions still in use are released
// when they come back.
func (p *regionPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, r := range p.free {
		p.garbage.Add(-int64(r.dirty))
		_ = vmemRelease(r.mem)
	}
	p.free = nil
}

// stats returns the pooled regions and the garbage (for tests).
func (p *regionPool) stats() (pooled int, garbage int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free), p.garbage.Load()
}
