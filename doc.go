// Package fvm is go-fvm's public API: the Filecoin Virtual Machine in pure
// Go. A VM applies messages to a state tree by running the builtin actors'
// WASM, with ref-fvm's exit codes, return values, gas and state roots:
//
//	vm, err := fvm.New(ctx, fvm.Config{Config: machine.Config{NetworkVersion: 18, Epoch: epoch,
//		StateRoot: root, BaseFee: baseFee, CircSupply: circ, Blockstore: bs, Externs: node,
//		Proofs: verifier}, Engine: eng})
//	ret, err := vm.ApplyMessage(ctx, msg, chainLength)
//	root, err := vm.Flush(ctx)
//
// The layers underneath follow ref-fvm's: executor → call manager → kernel
// → syscalls → engine (see docs/ARCHITECTURE.md).
package fvm
