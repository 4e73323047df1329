#include "textflag.h"

// func ntZero(p unsafe.Pointer, n uintptr)
TEXT ·ntZero(SB), NOSPLIT, $0-16
	MOVQ	p+0(FP), DI
	MOVQ	n+8(FP), BX
	VPXOR	Y0, Y0, Y0
loop:
	VMOVNTDQ	Y0, 0(DI)
	VMOVNTDQ	Y0, 32(DI)
	VMOVNTDQ	Y0, 64(DI)
	VMOVNTDQ	Y0, 96(DI)
	ADDQ	$128, DI
	SUBQ	$128, BX
	JA	loop
	// Order the non-temporal stores before whatever follows, on any core.
	SFENCE
	VZEROUPPER
	RET
