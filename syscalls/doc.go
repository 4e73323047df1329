// Package syscalls is the WASM ABI glue: wasm memory <-> kernel arguments,
// error numbers, return pointers, gas-counter sync, with one file per import
// module.
//
// Every module shares Memory (the reference's bounds checks; CID, address,
// string and event-entry reading; CID writing; the value-result return-slot
// check) and the packed little-endian out-structs. The host modules and the
// gas-counter synchronisation build on these.
package syscalls
