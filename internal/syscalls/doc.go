// Package syscalls is the WASM ABI glue: wasm memory <-> kernel arguments,
// error numbers, return pointers, gas-counter sync, with one file per import
// module.
//
// Every module shares Memory (the reference's bounds checks; CID, address,
// string and event-entry reading; CID writing; the value-result return-slot
// check) and the packed little-endian out-structs. The host modules and the
// gas-counter synchronisation build on these.
//
// HostModules gives the import set of an FVM version. v2 (nv16-17, v2.go)
// has its own vm (abort, context), network (base_fee) and actor
// (new_actor_address, a create_actor without delegated address) calls,
// crypto.verify_seal, a signed gas.charge, a send without gas limit or flags,
// and no event, gas.available or delegated-address calls. v4 (nv21+) differs from
// v3 (nv18-20) in four imports only: rand.* take the epoch alone and return
// the raw digest, self.self_destruct takes burn_unspent, event.emit_event
// takes entry headers with separate key and value buffers, and
// crypto.verify_bls_aggregate exists. The invoker registers params (and the
// kernel send registers return blocks) as reachable in v4.
package syscalls
