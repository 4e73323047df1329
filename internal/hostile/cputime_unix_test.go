//go:build unix

package hostile

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time the process has used (user + system),
// a figure less distorted than wall time on a loaded machine.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
