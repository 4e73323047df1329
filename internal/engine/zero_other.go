//go:build !amd64

package engine

import "unsafe"

// hasNTZero says ntZero can run here: not on this architecture.
const hasNTZero = false

func ntZero(unsafe.Pointer, uintptr) { panic("unreachable") }
