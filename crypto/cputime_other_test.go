//go:build !linux

package crypto

// processCPUTime is unavailable off Linux; benchmarks then report wall time only.
func processCPUTime() (int64, bool) { return 0, false }
