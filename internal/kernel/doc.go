// Package kernel is one invocation's world: block registry, self state,
// actors, crypto, randomness, network and message context, events — all
// gas-charged through the price list.
//
// Its self-contained foundations are the syscall error model (ErrorNumber,
// SyscallError, and classifying an error as recoverable, out of gas or
// fatal) and the IPLD block registry (block ids and limits, the allowed
// codecs, the v2 and v3 codec check on put, the v4 link scanner and
// reachability set). The kernel operations themselves are built on top of
// these; version differences are switches of the machine's Profile, not
// copies. Where a syscall of one FVM version has its own shape, the kernel
// has an operation for it named after the version (SelfDestructV4,
// CreateActorV2, ...).
package kernel
