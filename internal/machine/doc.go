// Package machine owns what a message runs against: the network context
// (version, epoch, timestamp, base fee, circulating supply, chain id), the
// version profile that picks syscall semantics and price list, the state
// tree over a buffered blockstore, and the builtin-actors manifest the
// system actor names.
package machine
