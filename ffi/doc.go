// Package ffi is the FVM surface of filecoin-ffi (github.com/filecoin-project/filecoin-ffi,
// files fvm.go and cgo/interface.go) in pure Go, on go-fvm's public VM: a node that reaches
// the FVM through filecoin-ffi's CreateFVM, ApplyMessage, ApplyImplicitMessage and Flush can
// import this package instead and run without cgo or Rust for execution.
//
// The exported names, fields and meanings are filecoin-ffi's:
//
//   - FVMOpts selects the FVM version and the network version (nv18-20 run ref-fvm v3
//     semantics, nv21 and later v4), and carries the chain context, the state root and the
//     Externs (randomness, tipset CIDs, consensus faults, and the blockstore);
//   - ApplyMessage and ApplyImplicitMessage take the message as its CBOR bytes (the unsigned
//     message, as Lotus serialises it) and return an ApplyRet whose ExecTraceBytes and
//     EventsBytes are the CBOR Lotus decodes into types.ExecutionTrace and []types.Event;
//   - Flush writes the new state and returns its root.
//
// Lotus's chain/vm imports filecoin-ffi twice, as ffi and as ffi_cgo (for Externs and
// ConsensusFault); both names are in this one package, so both imports can point here.
//
// What go-fvm adds, because filecoin-ffi has them built in: FVMOpts.Proofs (the storage-proof
// verifier; a node keeps filecoin-ffi's proofs for it) and FVMOpts.Engine (compiled actor
// code, shared; nil shares one engine per process, as filecoin-ffi's engine pool does).
//
// What differs, and why:
//
//   - GasTrace durations (TimeTaken) are zero: the reference records wall-clock time there,
//     which no two runs agree on.
//   - FailureInfo is go-fvm's account of the failure, not ref-fvm's backtrace text (Lotus
//     shows it to people and never compares it).
//   - Actor debugging (Debug, ActorRedirect) is not implemented: CreateFVM refuses it.
//   - FlushAllBlocks is refused from nv21, where ref-fvm v4 would write unreachable blocks
//     too; before nv21 filecoin-ffi ignores it, and so does this package.
//   - In v4 traces (nv21+) the IPLD operations and actor logs are not recorded (the lists
//     are empty).
//   - Network versions 16 and 17 (FVM v2) are not supported by go-fvm.
package ffi
