package engine

import "unsafe"

// ntZeroMin is the size from which zero clears with non-temporal stores
// where the CPU has them. A region's dirty pages and the large fills of
// memory an actor grows into are cleared far from where the caches hold
// them (the previous instance wrote them, megabytes ago), and Go's clear
// uses ordinary stores below 32 MiB: each cache line is then read from
// memory before it is written. Non-temporal stores skip that read.
const ntZeroMin = 4 << 20

// zero clears b: with non-temporal stores from ntZeroMin bytes where the
// CPU has them, else with Go's clear.
func zero(b []byte) {
	if len(b) < ntZeroMin || !hasNTZero {
		clear(b)
		return
	}
	// The stores need 32-byte alignment and whole 128-byte blocks: the
	// ends go to clear.
	head := int(-uintptr(unsafe.Pointer(unsafe.SliceData(b))) & 31)
	clear(b[:head])
	b = b[head:]
	body := len(b) &^ (ntZeroChunk - 1)
	for off := 0; off < body; off += ntZeroChunk { // a Go loop: preemptible
		ntZero(unsafe.Pointer(&b[off]), ntZeroChunk)
	}
	rest := b[body:]
	tail := len(rest) &^ 127
	if tail > 0 {
		ntZero(unsafe.Pointer(&rest[0]), uintptr(tail))
	}
	clear(rest[tail:])
}

// ntZeroChunk is how much one ntZero call clears inside zero's loop (a
// multiple of 128).
const ntZeroChunk = 1 << 20
