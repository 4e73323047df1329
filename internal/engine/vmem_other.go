//go:build !linux && !windows

package engine

import "errors"

// vmemSupported says this platform reserves instance memory as virtual
// memory: not here (elsewhere than Linux and Windows, instances get heap
// buffers from memoryPool).
const vmemSupported = false

var errNoVMem = errors.New("no virtual-memory reservations on this platform")

func vmemReserve(uint64) ([]byte, error) { return nil, errNoVMem }
func vmemCommit([]byte) error            { return errNoVMem }
func vmemDiscard([]byte) error           { return errNoVMem }
func vmemRelease([]byte) error           { return errNoVMem }
func vmemResident([]byte, []byte) error  { return errNoVMem }

var vmemPageBytes = 4096
