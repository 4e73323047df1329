// Package devnet assembles a local Filecoin chain on the real builtin actors:
// dev keys derived from a mnemonic (or a seed), a genesis funding them, the
// chain (package chain) in a pebble store, and the Filecoin JSON-RPC server
// (package rpc). With Config.Miner, genesis also creates a storage miner,
// f01000, as on a Lotus devnet (Devnet.Miner; no sectors, the bundle's
// default sector size), whose owner and worker is a BLS key derived from the
// same seed (wallet.BLSPath, index 0); every block names it and the reward
// actor pays it the block reward, and the Ethereum null account follows it,
// at f01001. Without it (the default, about 1 ms a tipset faster) blocks name
// f099 and the reward is burnt. The `fvm devnet` command is a thin layer
// over it; tests and programs can start one in a line:
//
//	d, err := devnet.Open(ctx, devnet.Config{})   // in memory, automine, 10+10 accounts
//	defer d.Close(ctx)
//	err = d.Serve(ctx, listener)                  // JSON-RPC at /rpc/v1 until ctx ends
package devnet
