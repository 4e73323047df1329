//go:build linux

package engine

import "golang.org/x/sys/unix"

// vmemSupported says this platform reserves instance memory as virtual
// memory (see regionPool).
const vmemSupported = true

// vmemReserve reserves n bytes of address space, inaccessible until
// committed (no physical memory, no commit charge).
func vmemReserve(n uint64) ([]byte, error) {
	b, err := unix.Mmap(-1, 0, int(n), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return nil, err
	}
	// Transparent huge pages where the system allows them for advised
	// ranges: a fault then brings in 2 MiB instead of 4 KiB, which makes
	// first touches of large memories many times cheaper. Advice only; its
	// failure changes nothing.
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
	return b, nil
}

// vmemCommit makes b readable and writable; pages read as zero until
// written, and take physical memory when first touched.
func vmemCommit(b []byte) error {
	return unix.Mprotect(b, unix.PROT_READ|unix.PROT_WRITE)
}

// vmemDiscard gives b's physical pages back to the OS; they read as zero
// afterwards (Linux private anonymous memory), and are faulted in afresh
// when touched.
func vmemDiscard(b []byte) error {
	return unix.Madvise(b, unix.MADV_DONTNEED)
}

// vmemRelease unmaps a reservation.
func vmemRelease(b []byte) error {
	return unix.Munmap(b)
}
