// Package kernel is one invocation's world: block registry, self state,
// actors, crypto, randomness, network and message context, events — all
// gas-charged through the price list.
//
// So far it holds the self-contained parts: the syscall error model
// (ErrorNumber, SyscallError and how an error is classified as recoverable,
// out of gas or fatal) and the IPLD block registry (block ids and limits, the
// allowed codecs, v4 link scanning and reachability). The kernel proper, with
// its gas charges and the v3/v4 switches, is still to come.
package kernel
