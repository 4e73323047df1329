//go:build windows

package engine

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// vmemSupported says this platform reserves instance memory as virtual
// memory (see regionPool).
const vmemSupported = true

// vmemPageBytes is the granularity of vmemResident.
var vmemPageBytes = 4096

var errNoResidency = errors.New("no residency query on this platform")

// vmemReserve reserves n bytes of address space, inaccessible until
// committed.
func vmemReserve(n uint64) ([]byte, error) {
	addr, err := windows.VirtualAlloc(0, uintptr(n), windows.MEM_RESERVE, windows.PAGE_NOACCESS)
	if err != nil {
		return nil, err
	}
	// The memory is outside the Go heap, so the address may become a pointer.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), n), nil
}

// vmemCommit makes b readable and writable; committed pages read as zero
// until written.
func vmemCommit(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := windows.VirtualAlloc(uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), windows.MEM_COMMIT, windows.PAGE_READWRITE)
	return err
}

// vmemDiscard gives b's physical pages back to the OS and commits them
// again, so they read as zero.
func vmemDiscard(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := windows.VirtualFree(uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), windows.MEM_DECOMMIT); err != nil {
		return err
	}
	return vmemCommit(b)
}

// vmemRelease releases a reservation.
func vmemRelease(b []byte) error {
	return windows.VirtualFree(uintptr(unsafe.Pointer(&b[0])), 0, windows.MEM_RELEASE)
}

// vmemResident is not available here: reused regions clear all their dirty
// bytes.
func vmemResident([]byte, []byte) error { return errNoResidency }
