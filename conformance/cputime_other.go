//go:build !unix

package conformance

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
