//go:build !unix

package fvm_test

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
