// Package engine owns the wazero runtime that runs instrumented actor code:
//
//   - Engine: one wazero runtime (compiler backend where available) with the
//     Wasm features the FVM allows, and a cache of compiled, instrumented
//     modules keyed by code CID (compiled once, shared by concurrent
//     machines), optionally backed by an on-disk cache of instrumented and
//     compiled code kept per instrumentation version. An Engine compiles
//     with one instrumentation; WithInstrumentation gives the sibling engine
//     of another (FVM v2 instruments differently from v3 and v4), so one
//     Engine serves every network version.
//   - Linker: one set of syscall host modules bound into the runtime, plus
//     the per-invocation "gas" module that exports the gas_counter global
//     (wazero host modules cannot export globals) and re-exports the gas
//     syscalls.
//   - Linker.Invoke: one actor invocation in a fresh instance, with the
//     FVM's memory limits (MemoryLimiter), the instantiation gas, the
//     gas-counter synchronisation with the host (Invocation.ChargeForExec,
//     Invocation.UpdateGasAvailable), and every way a call can end mapped to
//     an Outcome.
//
// The engine reads and writes Wasm only through the wasm package:
// moduleinfo.go keeps the interface of a compiled module (imports, defined
// tables and memories, exports; wasm.DecodeInterface), and the gas module is
// built with wasm.Module's builder.
//
// # How the layers above use it
//
// The machine creates one Engine (New) and preloads the manifest's actors
// (Preload). Each syscall set (version profile) gets a Linker (NewLinker)
// built from HostModules; a host function finds its invocation with
// InvocationFromContext, reads and writes actor memory through
// Invocation.Memory, and follows the FVM's protocol: ChargeForExec on entry,
// UpdateGasAvailable on exit (also on abort). It ends the invocation by
// panicking with an *Abort (Exit for vm.exit, AbortOutOfGas, AbortFatal);
// any other panic is Fatal. The call manager wraps each send in
// MemoryLimiter.WithStackFrame and calls Linker.Invoke; nested sends call
// Invoke from inside a host function with the same MemoryLimiter and gas
// tracker.
//
// # Instance memory
//
// On Linux and Windows every instance's linear memory is a region
// (region.go): the instance maximum (MaxInstanceMemoryBytes) reserved as
// virtual memory and committed as the memory grows, so growth never copies.
// A released region goes back to the engine's pool (shared with its
// siblings) without being cleared; the next instance zeroes only the
// resident pages it grows into (mincore on Linux), so the work is
// proportional to growth, which gas prices. Pooled memory stays resident up
// to Config.RetainedMemoryBytes of dirty pages no instance uses (default
// 2 GiB); past that, released pages are discarded (madvise, or decommitted
// on Windows). On Linux, memory past the first 16 MiB of a region uses
// transparent huge pages where the system allows them, which makes first
// touches of large memories far cheaper. The physical memory of instance
// memories is thus at most their live lengths (≤ MaxCallStackMemoryBytes
// per running message, enforced by MemoryLimiter exactly as before) plus
// the retained budget. Elsewhere (or with Config.HeapMemory) memories are
// Go heap buffers from a pool.
//
// # Safe points
//
// Compiled Wasm cannot be preempted by the Go runtime, so a long stretch of
// pure Wasm would hold up every stop-the-world pause of the process (garbage
// collection) until it ends. FVMInstrument and PipelineInstrumentation (every
// FVM version's instrumentation) therefore add wasm.InjectSafePoints'
// unmetered checks, which leave compiled code for a Go call about once per
// million gas; the instrumentation versions name them, so cached code of the
// plain rewrite is not reused.
//
// # Large fills
//
// wazero runs memory.fill as a loop of copies that reads what it writes, at
// a fraction of the bandwidth a plain clear gets, so an actor zeroing tens of
// MiB (EVM memory expansion, a growing Vec) ran slower than the 0.4 gas per
// byte the FVM charges. The engine's instrumentation therefore adds
// wasm.RouteLargeFills: in-bounds fills of wasm.FVMLargeFillThreshold bytes
// or more call the engine's own function in the gas module (linker.go), which
// clears (value 0) or fills by doubling copies at memory bandwidth. Gas,
// traps and memory contents are unchanged (the per-byte charge is still
// metered in Wasm).
//
// # Backends and the stack limit
//
// The compiler (wazevo) allows 400 MB of native stack, far beyond what the
// instrumented limit of 2048 stack units can reach. wazero's interpreter,
// used where the compiler is unavailable (or with Config.Interpreter), and
// by a tiered engine (Config.Tiered, tier.go) for code the compiler has not
// compiled yet, stops at 2,000 frames per call, which the FVM limit keeps
// out of reach:
// every counted frame costs at least 2 units (the activation cost), a
// function containing call_indirect at least 3 (its table index is on the
// operand stack), and only call_indirect adds an uncounted frame (the
// thunk), so at most about 2/3 x 2048 = 1,366 frames plus the entry thunk
// and the gas-metering function are ever live in one instance. A nested
// invocation runs in its own instance and its own interpreter call.
//
// # Known gaps
//
// wazero has no hook on table growth: table.grow is neither limited to
// 20,000 elements nor accounted in the MemoryLimiter (ref-fvm does both).
// Builtin actors never grow tables; the instrumented gas for table.grow is
// charged either way.
package engine
