//go:build linux

package engine

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

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
	// Transparent huge pages past the first hugePagesFrom bytes, where the
	// system allows them for advised ranges: a fault there brings in 2 MiB
	// instead of 4 KiB, which makes first touches of large memories many
	// times cheaper. Below, small pages keep the resident set (and what
	// vmemResident reports, so what a reused region must clear) close to
	// what instances really touch. Advice only; its failure changes nothing.
	if n > hugePagesFrom {
		_ = unix.Madvise(b[hugePagesFrom:], unix.MADV_HUGEPAGE)
	}
	return b, nil
}

// hugePagesFrom is where a region's transparent huge pages start.
const hugePagesFrom = 16 << 20

// vmemPageBytes is the granularity of vmemResident.
var vmemPageBytes = unix.Getpagesize()

// vmemResident fills vec with one byte per page of b (page-aligned): its
// low bit says whether the page is resident. Pages never touched are not,
// and read as zero.
func vmemResident(b []byte, vec []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return errno
	}
	return nil
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
