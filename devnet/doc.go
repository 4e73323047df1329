// Package devnet assembles a local Filecoin chain on the real builtin actors:
// dev keys derived from a mnemonic (or a seed), a genesis funding them, the
// chain (package chain) in a pebble store, and the Filecoin JSON-RPC server
// (package rpc). The `fvm devnet` command is a thin layer over it; tests and
// programs can start one in a line:
//
//	d, err := devnet.Open(ctx, devnet.Config{})   // in memory, automine, 10+10 accounts
//	defer d.Close(ctx)
//	err = d.Serve(ctx, listener)                  // JSON-RPC at /rpc/v1 until ctx ends
package devnet
