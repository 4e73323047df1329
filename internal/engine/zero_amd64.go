package engine

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasNTZero says ntZero can run here (it uses AVX2 registers).
var hasNTZero = cpu.X86.HasAVX2

// ntZero clears n bytes at p with non-temporal stores, then fences them.
// p is 32-byte aligned and n a positive multiple of 128.
//
//go:noescape
func ntZero(p unsafe.Pointer, n uintptr)
