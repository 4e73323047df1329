package wasm

import "fmt"

// InstrumentationVersion identifies the exact rewrite Instrument performs. It changes
// whenever the output for some input could change, so the engine can use it as part of the
// key of compiled-module caches.
const InstrumentationVersion = "go-fvm/wasm v2 (fvm-wasm-instrument 0.4.0 stack+gas, inlined static gas charges, cranelift-36 nan canonicalisation)"

// InstrumentationVersionV2 identifies the rewrite InstrumentV2 performs (FVM v2, nv16-17).
const InstrumentationVersionV2 = "go-fvm/wasm v2 (fvm-wasm-instrument 0.2.0 stack+gas with the FVM v2 prices, inlined static gas charges, cranelift-36 nan canonicalisation)"

// FVMStackLimit is the FVM's max_wasm_stack (ref-fvm NetworkConfig, v2, v3 and v4).
const FVMStackLimit = 2048

// FVMGasModule is the import module of the FVM's gas counter global.
const FVMGasModule = "gas"

// Config selects the passes Instrument runs and their parameters.
type Config struct {
	// ValidateInput validates the original module first, as ref-fvm does with wasmtime's
	// Module::validate before instrumenting.
	ValidateInput bool
	// StackLimiter enables the stack-height limiter with limit StackLimit.
	StackLimiter bool
	StackLimit   uint32
	// StackCostCountsLocals selects fvm-wasm-instrument 0.2.0's stack costs (FVM v2):
	// see InjectStackLimiterV2.
	StackCostCountsLocals bool
	// MeterGas enables gas metering with Gas.
	MeterGas bool
	Gas      GasMeterConfig
	// CanonicalizeNaNs enables NaN canonicalisation (after gas metering).
	CanonicalizeNaNs bool
	// InlineGasCharges replaces the metering's static `i64.const C; call $gas_charge` by
	// the same arithmetic inline (InlineGasCharges), as the last rewrite. The gas charged
	// is identical; the code differs from the reference's, so tests comparing with
	// fvm-wasm-instrument's output turn it off. Needs MeterGas.
	InlineGasCharges bool
	// ValidateOutput re-decodes and validates the result, as wasmtime does when ref-fvm
	// compiles the instrumented bytes; a failure means the actor cannot be loaded.
	ValidateOutput bool
	// SafePointInterval, when not 0, adds safe points (InjectSafePoints) every that many
	// milligas, after everything else. They charge no gas, but the code differs from the
	// reference's, so FVMConfig leaves them off; the engine turns them on
	// (FVMSafePointInterval). Needs MeterGas.
	SafePointInterval uint64
	// LargeFillThreshold, when not 0, sends memory.fill of at least that many bytes to the
	// host (RouteLargeFills), with the safe points. Like them it charges no gas and is off
	// in FVMConfig; the engine turns it on (FVMLargeFillThreshold). Needs MeterGas.
	LargeFillThreshold uint32
	// KeepCustomSections keeps custom sections in the output. The FVM pipeline drops them:
	// they never affect execution, wasmtime ignores a malformed "name" section, but wazero
	// parses custom sections and refuses some that the WebAssembly spec allows.
	KeepCustomSections bool
}

// FVMConfig returns the pipeline ref-fvm's engine runs on every actor (Engine::load_raw in
// fvm/src/engine/mod.rs, v3.13.3 and v4.8.2): validate, stack limiter with limit 2048, gas
// metering with the FVM's instruction prices and the counter gas.gas_counter (milligas),
// then NaN canonicalisation (Cranelift's, done here as a rewrite), the inlining of static gas
// charges (same gas, faster code) and a final validation.
func FVMConfig() Config {
	return Config{
		ValidateInput:    true,
		StackLimiter:     true,
		StackLimit:       FVMStackLimit,
		MeterGas:         true,
		Gas:              GasMeterConfig{Module: FVMGasModule, Rules: FVMWasmGasPrices()},
		CanonicalizeNaNs: true,
		InlineGasCharges: true,
		ValidateOutput:   true,
	}
}

// FVMConfigV2 returns the pipeline of ref-fvm v2 (fvm@v2.12.1, nv16-17: Engine::load_raw in
// fvm/src/machine/engine.rs, with fvm-wasm-instrument 0.2.0): FVMConfig's passes, with
// 0.2.0's stack costs and br_table metering, and the v2 instruction prices (every
// instruction 4 gas but the eight free ones, memory growth and bulk-memory operations
// included; price_list.rs `impl Rules for WasmGasPrices`).
func FVMConfigV2() Config {
	c := FVMConfig()
	c.StackCostCountsLocals = true
	c.Gas.Rules = FVMWasmGasPricesV2()
	c.Gas.BrTableDefaultIsTarget = true
	return c
}

// Pipeline is a named instrumentation: the Config Instrument runs and the version that names
// its output (compiled-code caches are kept per version).
type Pipeline struct {
	Version string
	Config  Config
}

// FVMPipeline is the instrumentation of FVM v3 and v4 (nv18+): FVMConfig.
func FVMPipeline() Pipeline { return Pipeline{Version: InstrumentationVersion, Config: FVMConfig()} }

// FVMPipelineV2 is the instrumentation of FVM v2 (nv16-17): FVMConfigV2.
func FVMPipelineV2() Pipeline {
	return Pipeline{Version: InstrumentationVersionV2, Config: FVMConfigV2()}
}

// Instrument decodes code, runs the passes cfg selects in the reference's order, and
// returns the rewritten module. Errors wrap one of the package's sentinel errors; the
// engine treats any of them as "actor code cannot be loaded".
func Instrument(code []byte, cfg Config) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errorf(ErrInstrument, "internal error: %v", r)
		}
	}()
	m, err := Decode(code)
	if err != nil {
		return nil, err
	}
	return InstrumentModule(m, cfg)
}

// InstrumentModule runs the passes cfg selects on a decoded module (modifying it) and
// returns the encoded result.
func InstrumentModule(m *Module, cfg Config) ([]byte, error) {
	if cfg.ValidateInput {
		if err := Validate(m); err != nil {
			return nil, err
		}
	}
	if cfg.StackLimiter {
		if err := injectStackLimiter(m, cfg.StackLimit, cfg.StackCostCountsLocals); err != nil {
			return nil, err
		}
	}
	if cfg.MeterGas {
		if err := InjectGasMeter(m, cfg.Gas); err != nil {
			return nil, err
		}
	}
	if cfg.CanonicalizeNaNs {
		if err := CanonicalizeNaNs(m); err != nil {
			return nil, err
		}
	}
	// Inlined charges grow the code; keep the plain bodies to fall back to should the result
	// exceed MaxModuleSize (the output check would refuse a module the reference loads).
	var plain [][]Instr
	if cfg.InlineGasCharges && cfg.MeterGas {
		plain = make([][]Instr, len(m.Code))
		for i := range m.Code {
			plain[i] = m.Code[i].Body
		}
		if err := InlineGasCharges(m, cfg.Gas.Module); err != nil {
			return nil, err
		}
	}
	if !cfg.KeepCustomSections {
		m.Customs = nil
	}
	out := m.Encode()
	if len(out) > MaxModuleSize && plain != nil {
		for i := range m.Code {
			m.Code[i].Body = plain[i]
			m.markCodeDirty(i)
		}
		out = m.Encode()
	}
	if (cfg.SafePointInterval != 0 || cfg.LargeFillThreshold != 0) && cfg.MeterGas {
		var err error
		if out, err = withEngineSteps(m, out, cfg); err != nil {
			return nil, err
		}
	}
	if cfg.ValidateOutput {
		m2, err := Decode(out)
		if err == nil {
			err = Validate(m2)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: instrumented module is not valid: %w", ErrInstrument, err)
		}
	}
	return out, nil
}

// withEngineSteps runs the engine's own rewrites on m (encoded as out): large fills to the
// host, then safe points. It returns the new encoding, or out itself should they make the
// module exceed MaxModuleSize (the reference loads it, so it must stay loadable; it then
// runs without them).
func withEngineSteps(m *Module, out []byte, cfg Config) ([]byte, error) {
	if cfg.LargeFillThreshold != 0 {
		if err := RouteLargeFills(m, cfg.Gas.Module, cfg.LargeFillThreshold); err != nil {
			return nil, err
		}
	}
	if cfg.SafePointInterval != 0 {
		if err := InjectSafePoints(m, cfg.Gas.Module, cfg.SafePointInterval); err != nil {
			return nil, err
		}
	}
	if with := m.Encode(); len(with) <= MaxModuleSize {
		return with, nil
	}
	return out, nil
}
