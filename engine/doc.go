// Package engine owns the wazero runtime that runs instrumented actor code:
//
//   - Engine: one wazero runtime (compiler backend where available) with the
//     Wasm features the FVM allows, and a cache of compiled, instrumented
//     modules keyed by code CID, optionally backed by an on-disk compilation
//     cache that is keyed by instrumentation version.
//   - Linker: a set of syscall host modules bound into the runtime, plus the
//     per-invocation "gas" module that exports the gas_counter global.
//   - Invoke: one actor invocation (a fresh instance), with the FVM's memory
//     limits (MemoryLimiter), the instantiation gas, the gas-counter
//     synchronisation with the host (Invocation.ChargeForExec and
//     Invocation.UpdateGasAvailable), and every way a call can end mapped to
//     an Outcome.
//
// The engine knows nothing about kernels, block registries or price lists
// beyond the few Wasm prices it charges itself (Prices).
package engine
