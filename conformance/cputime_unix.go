//go:build unix

package conformance

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time the process has used (user and
// system, every thread), or false where it cannot be read.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
