// Package wasm owns the FVM's treatment of actor WebAssembly before it is compiled: the
// module reader and writer, validation with the FVM's feature set, and the instrumentation
// passes that make execution gas-metered and deterministic.
//
// Gas is consensus. ref-fvm charges WASM execution by rewriting each actor module with
// fvm-wasm-instrument 0.4.0 (stack limiter, then gas metering) and compiling the result
// with wasmtime/Cranelift with NaN canonicalisation on. This package reproduces that rewrite
// exactly (the same metered blocks, the same costs, the same quirks), then adds a NaN
// canonicalisation rewrite so that float results under wazero match Cranelift's.
//
// FVM v2 (ref-fvm fvm@v2.12.1, nv16-17) used fvm-wasm-instrument 0.2.0 (parity-wasm) with
// its own prices; FVMConfigV2 is that pipeline. It differs from 0.4.0's in three places:
// every instruction but the eight free ones costs 4 gas, bulk-memory operations and
// memory.grow included (no per-byte or per-page part); a br_table's default label counts
// as a branch target when metered blocks are formed (0.4.0 leaves it out); and a
// function's stack cost counts its locals, not its local groups. The thunks, the charge
// function and the metered-block algorithm are otherwise the same, and so is the number
// of instructions each rewrite adds. 0.2.0 names its counter "gas_couner" and re-indexes
// exported globals; neither is observable by actors or changes gas, so the counter keeps
// its 0.4.0 name here.
//
// # Entry point for the engine
//
//	code, err := wasm.Instrument(raw, wasm.FVMConfig())
//
// runs, in ref-fvm's order (Engine::load_raw): Decode, Validate, InjectStackLimiter
// (limit 2048), InjectGasMeter (FVM prices in milligas, counter imported as the mutable i64
// global "gas"."gas_counter"), CanonicalizeNaNs, InlineGasCharges, Encode, and a final
// Decode+Validate of the output (wasmtime validates again when it compiles). Any error means "actor code cannot be
// loaded"; errors wrap ErrMalformed, ErrTooLarge, ErrUnsupported, ErrInvalid or
// ErrInstrument. InstrumentationVersion identifies the rewrite for compiled-code caches.
//
// The instrumented module:
//   - imports "gas"."gas_counter" (mut i64) as its last import; the host writes the
//     available milligas into it before running Wasm and reads it back after;
//   - traps with unreachable when the counter would go negative (exactly 0 is fine), and
//     when the stack height would exceed the limit;
//   - exports the same names, but exported functions are thunks that account for the stack
//     height and cost 52 + 4·params gas on entry; exported globals keep their old indices
//     (a reference quirk).
//
// # Building blocks
//
// InstrumentModule does the same on an already decoded Module. Module.ExportedLimits gives
// the minimum of the exported "memory" and "table", which ref-fvm's charge_for_init prices.
//
// Module is also the builder of the small modules the engine generates (the per-invocation
// "gas" module, the dummy memory) and its tests write by hand: AddType, AddImport, AddFunc,
// AddTable, AddMemory, AddGlobal, AddExport, SetStart and AddElement append to an empty
// Module and Encode writes it; this package is the only Wasm writer in go-fvm.
//
// Decode/Module.Encode keep untouched sections byte-identical. Validate implements
// wasmtime's validation under the FVM's engine config. InjectStackLimiter, InjectGasMeter
// and CanonicalizeNaNs are parameterised (stack limit; gas import module, Rules, charge
// costs), so the golden tests of fvm-wasm-instrument run with their own parameters (limit
// 1024; ConstantRules{Cost: 1}; module "env").
//
// Reference quirks that change gas are copied and marked in the code with
// "Quirk (fvm-wasm-instrument ...)" comments.
//
// InlineGasCharges is our own last step, not the reference's: it replaces each static block
// charge (i64.const C; call $gas_charge) by the same counter arithmetic inline, which
// charges exactly the same milligas and traps at the same point, but avoids a call per
// metered block (×2.5 on tight loops under wazero). Dynamic charges stay calls, so
// $gas_charge keeps its index. Config.InlineGasCharges turns it off to get the reference's
// code, as the golden and reference-comparison tests do.
//
// InjectSafePoints (Config.SafePointInterval, off in FVMConfig) is a second step of our own,
// run last: an unmetered check at loop headers and the entries of calling functions that
// leaves compiled code for a host call (memory.grow 0) once per interval of gas, so the Go
// runtime can stop a goroutine running Wasm. It charges nothing; the engine turns it on.
//
// RouteLargeFills (Config.LargeFillThreshold, off in FVMConfig) is a third: it sends
// in-bounds memory.fill instructions of at least the threshold to a host function the
// engine provides, which fills at memory bandwidth; gas and traps are unchanged.
//
// # How exactness is checked
//
// Besides the 12 golden fixtures and per-block milligas tests run under wazero (with and
// without inlined charges; a differential test also runs generated modules both ways and
// compares counters and traps),
// TestAgainstReferenceOutputs compares our output with the real fvm-wasm-instrument 0.4.0
// (built from source, FVM parameters) given a directory of its outputs
// (FVM_WASM_REFERENCE_DIR): all 959 distinct builtin-actor modules of bundles v8-v17 and
// thousands of generated modules (gen_test.go, dumped with FVM_WASM_DUMP_DIR) produced
// identical code sections.
package wasm
