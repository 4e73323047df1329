// Package gas owns the FVM's gas accounting: the Gas quantity (integer
// milligas, saturating), a GasCharge (a named compute + other amount), the
// per-message GasTracker with its stack of per-send limits, the price lists
// (Skyr for nv16–17, Hygge for nv18–20, Watermelon for nv21–24 and Teep for
// nv25–29), the Wasm instruction prices the instrumenter uses, and the
// end-of-message fee split (GasOutputs).
//
// Everything here follows ref-fvm (fvm@v2.12.1 for nv16–17, fvm@v3.14.1 for
// nv18–20, fvm@v4.8.2 for nv21+), which is the consensus reference:
// fvm/src/gas/{mod,charge,price_list,outputs}.rs. Where the versions compute
// a charge differently, a PriceList carries its FVMVersion and the charge
// method picks the matching formula, so the kernel and call manager call one
// method regardless of the network version (v2's send charge, OnSendV2, is
// the exception: it replaces two v3 charges at another place).
//
// Units: a Gas value is held in milligas (1 gas = 1000 milligas) in an
// unsigned 64-bit integer, exactly like the reference's Gas(u64) in v3 and
// v4. All arithmetic saturates; nothing here wraps or panics. FVM v2's gas
// is a signed i64: its negative prices (deleting an actor, a negative
// gas.charge) are a GasCharge's Credit, and the tracker holds the gas used
// as signed milligas, which only v2 takes below zero.
package gas
