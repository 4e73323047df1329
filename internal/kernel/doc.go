// Package kernel is one invocation's world: block registry, self state,
// actors, crypto, randomness, network and message context, events — all
// gas-charged through the price list.
//
// Its self-contained foundations are the syscall error model (ErrorNumber,
// SyscallError, and classifying an error as recoverable, out of gas or
// fatal) and the IPLD block registry (block ids and limits, the allowed
// codecs, the v3 codec check on put, the v4 link scanner and reachability
// set). The kernel operations themselves are built on top of these; v3/v4
// differences are switches, not copies.
package kernel
