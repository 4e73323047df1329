// Package syscalls is the WASM ABI glue: wasm memory <-> kernel arguments,
// error numbers, return pointers, gas-counter sync, with one file per import
// module.
//
// So far it holds the parts every module needs: Memory (the reference's
// bounds checks, CID, address and string reading, CID writing, the
// return-slot check) and the packed little-endian out-structs (plus the v4
// event entry input). The host modules themselves and the gas-counter
// synchronisation are still to come.
package syscalls
