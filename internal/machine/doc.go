// Package machine owns what a message runs against: the network context
// (version, epoch, timestamp, base fee, circulating supply, chain id), the
// version profile (FVM v2 for nv16-17, v3 for nv18-20, v4 for nv21+) that
// picks syscall semantics, price list, Wasm instrumentation and the named
// switches where the reference versions differ, the state
// tree over a buffered blockstore, and the builtin-actors manifest the
// system actor names.
package machine
