//go:build unix

package engine

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time the process has used (user + system),
// so benchmarks can report a figure less distorted by a loaded machine.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
