// Package fvm is go-fvm's public API: the Filecoin Virtual Machine in pure
// Go. A VM applies messages to a state tree by running the builtin actors'
// WASM, with ref-fvm's exit codes, return values, gas, events and state
// roots (FVM v2 semantics for nv16-17, v3 for nv18-20, v4 for nv21 and
// later).
//
// A VM runs over a blockstore that holds the state and the actors' code. The
// genesis package builds a complete state for any supported actors version;
// a node passes its own state root and blockstore instead:
//
//	eng, _ := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir}) // share it: compiled code
//	g, _ := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: 18, Accounts: accounts})
//	vm, _ := fvm.New(ctx, fvm.Config{NetworkVersion: 28, StateRoot: g.StateRoot, Blockstore: bs,
//		Externs: externs.Synthetic{}, Engine: eng})
//	ret, _ := vm.ApplyMessage(ctx, msg, msg.ChainLength(crypto.SigTypeSecp256k1))
//	root, _ := vm.Flush(ctx)
//
// ApplyMessage and ApplyImplicitMessage change the state; Call (what
// StateCall and eth_call do) and Estimate (a gas-estimation dry run) run on
// a snapshot and revert. Actor, Balance, LookupID, EVMBytecode and
// EVMStorageAt read the current state. CreateContractMessage,
// InvokeContractMessage and the EthAddress forms (f410, masked ids) are what
// an Ethereum tool's transaction becomes.
//
// # Bundles
//
// The actors' code comes from the builtin-actors bundles. The bundle package
// loads one from a file or any io.Reader (bundle.Load) into the blockstore;
// its Locator finds the bundles of the Lotus Go module in the module cache.
// A node ships the bundles it needs next to its binary (or embeds them with
// go:embed) and loads them at start-up; nothing needs the go tool at run
// time.
//
// # Layers
//
// The layers underneath follow ref-fvm's: executor → call manager → kernel
// → syscalls → engine, all under internal/ (see docs/ARCHITECTURE.md).
package fvm
