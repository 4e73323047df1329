package ffi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/message"
)

// ErrUnsupported is returned (wrapped) by CreateFVM for options filecoin-ffi accepts and
// go-fvm does not implement (actor debugging, FVM v2 network versions).
var ErrUnsupported = errors.New("not supported by go-fvm")

// FVMOpts configures an FVM (filecoin-ffi's FVMOpts, plus Proofs and Engine).
type FVMOpts struct {
	// FVMVersion is the registered FVM version; 0 (V1) is the only one, as in filecoin-ffi.
	FVMVersion uint64
	// Externs supply randomness, tipset CIDs, consensus-fault checks and the blockstore.
	Externs Externs

	Epoch     abi.ChainEpoch
	Timestamp uint64
	// ChainID is the EIP-155 chain id (314 mainnet, 314159 calibnet).
	ChainID uint64
	// BaseFee and BaseCircSupply must be set, non-negative and below 2^128 attoFIL.
	BaseFee        abi.TokenAmount
	BaseCircSupply abi.TokenAmount
	// NetworkVersion selects the semantics: nv18-20 ref-fvm v3, nv21-29 v4.
	NetworkVersion network.Version
	// StateBase is the state root the FVM starts from.
	StateBase cid.Cid
	// Tracing fills ApplyRet.ExecTraceBytes.
	Tracing bool
	// FlushAllBlocks asks Flush for every block written, reachable or not (ref-fvm v4).
	// Ignored before nv21, as filecoin-ffi ignores it there; refused from nv21.
	FlushAllBlocks bool

	// Debug enables actor debugging; go-fvm does not implement it and CreateFVM refuses it.
	Debug bool
	// ActorRedirect is a debug-mode code redirection table; used only with Debug.
	ActorRedirect cid.Cid

	// Proofs verifies storage proofs (go-fvm addition: filecoin-ffi verifies them itself).
	// A node passes its filecoin-ffi proof verifier, e.g. Lotus's ffiwrapper.ProofVerifier.
	// Nil refuses every proof, fatally (externs.NoProofVerifier).
	Proofs externs.ProofVerifier
	// Engine compiles and runs actor code (go-fvm addition). Nil uses one engine shared by
	// the whole process, as filecoin-ffi shares its engine pool.
	Engine *fvm.Engine
}

// FVM applies messages to a state (filecoin-ffi's FVM). It is safe for concurrent use:
// calls are serialised, as filecoin-ffi serialises them on its executor lock.
type FVM struct {
	mu      sync.Mutex
	ctx     context.Context
	vm      *fvm.VM
	tracing bool
}

// ApplyRet is the outcome of a message (filecoin-ffi's ApplyRet).
type ApplyRet struct {
	// Return is the receipt's return value (nil when empty).
	Return   []byte
	ExitCode uint64
	GasUsed  int64
	// MinerPenalty, MinerTip, BaseFeeBurn, OverEstimationBurn and Refund are where the
	// message's gas fees went (zero for an implicit message).
	MinerPenalty       abi.TokenAmount
	MinerTip           abi.TokenAmount
	BaseFeeBurn        abi.TokenAmount
	OverEstimationBurn abi.TokenAmount
	Refund             abi.TokenAmount
	GasRefund          int64
	GasBurned          int64
	// ExecTraceBytes is the call tree as the CBOR of Lotus's types.ExecutionTrace, when
	// tracing (nil otherwise, or when the message made no call).
	ExecTraceBytes []byte
	// FailureInfo says why the message failed ("" on success).
	FailureInfo string
	// EventsRoot is the root of the message's events AMT (nil when it emitted none).
	EventsRoot *cid.Cid
	// EventsBytes are the events as the CBOR list Lotus decodes into []types.Event (nil
	// when none).
	EventsBytes []byte
}

// lowestNV and highestNV bound the network versions filecoin-ffi v1.36 accepts; go-fvm runs
// nv18 and later of them.
const (
	lowestNV  = network.Version16
	firstNV   = network.Version18
	highestNV = network.Version29
)

// CreateFVM creates an FVM over opts.StateBase. It fails, naming the problem, on a missing
// Externs, a bad base fee or circulating supply, an unknown FVM or network version, actor
// debugging, or a state the blockstore cannot load.
func CreateFVM(opts *FVMOpts) (*FVM, error) {
	if opts == nil {
		return nil, errors.New("ffi: CreateFVM: no options")
	}
	if err := checkOpts(opts); err != nil {
		return nil, err
	}
	ctx := context.Background()
	eng := opts.Engine
	if eng == nil {
		var err error
		if eng, err = sharedEngine(ctx); err != nil {
			return nil, fmt.Errorf("ffi: create the engine: %w", err)
		}
	}
	bs := vmBlockstore{bs: opts.Externs}
	vm, err := fvm.New(ctx, fvm.Config{
		NetworkVersion: opts.NetworkVersion,
		Epoch:          opts.Epoch,
		Timestamp:      opts.Timestamp,
		BaseFee:        opts.BaseFee,
		CircSupply:     opts.BaseCircSupply,
		ChainID:        opts.ChainID,
		StateRoot:      opts.StateBase,
		Blockstore:     bs,
		Externs:        vmExterns{ctx: ctx, x: opts.Externs},
		Proofs:         opts.Proofs,
		Engine:         eng,
		Tracing:        opts.Tracing,
	})
	if err != nil {
		return nil, fmt.Errorf("ffi: create the FVM (nv%d, state %s): %w", opts.NetworkVersion, opts.StateBase, err)
	}
	return &FVM{ctx: ctx, vm: vm, tracing: opts.Tracing}, nil
}

// checkOpts refuses what filecoin-ffi refuses, and what go-fvm does not implement.
func checkOpts(opts *FVMOpts) error {
	switch {
	case opts.Externs == nil:
		return errors.New("ffi: FVMOpts.Externs is nil: the FVM needs externs and their blockstore")
	case opts.FVMVersion != 0:
		return fmt.Errorf("ffi: unsupported FVM registered version %d (only 0, V1)", opts.FVMVersion)
	case !opts.StateBase.Defined():
		return errors.New("ffi: invalid state root: FVMOpts.StateBase is undefined")
	}
	if err := checkAmount("basefee", opts.BaseFee); err != nil {
		return err
	}
	if err := checkAmount("circ supply", opts.BaseCircSupply); err != nil {
		return err
	}
	nv := opts.NetworkVersion
	switch {
	case nv < lowestNV || nv > highestNV:
		return fmt.Errorf("ffi: network version %d not supported (filecoin-ffi runs nv%d-%d)", nv, lowestNV, highestNV)
	case nv < firstNV:
		return fmt.Errorf("ffi: network version %d runs FVM v2, %w (nv%d and later are)", nv, ErrUnsupported, firstNV)
	case opts.Debug:
		return fmt.Errorf("ffi: actor debugging (FVMOpts.Debug) is %w", ErrUnsupported)
	case opts.FlushAllBlocks && nv >= network.Version21:
		return fmt.Errorf("ffi: FVMOpts.FlushAllBlocks is %w: Flush writes the blocks the state root reaches", ErrUnsupported)
	}
	return nil
}

// checkAmount refuses what filecoin-ffi's splitBigInt refuses (and a nil amount, on which
// it would panic).
func checkAmount(name string, a abi.TokenAmount) error {
	switch {
	case a.Int == nil:
		return fmt.Errorf("ffi: invalid %s: not set", name)
	case a.Sign() < 0:
		return fmt.Errorf("ffi: invalid %s: negative number: %s", name, a)
	case a.BitLen() > 128:
		return fmt.Errorf("ffi: invalid %s: exceeds max bigint size: %s", name, a)
	}
	return nil
}

// ApplyMessage applies a chain message: msgBytes is the CBOR of the unsigned message and
// chainLen its size on chain (Lotus's ChainLength). An error means the message could not
// be applied at all (it does not decode, or the machine failed); a failing message has its
// exit code in the ApplyRet.
func (f *FVM) ApplyMessage(msgBytes []byte, chainLen uint) (*ApplyRet, error) {
	return f.apply(msgBytes, func(vm *fvm.VM, msg *message.Message) (*fvm.ApplyRet, error) {
		return vm.ApplyMessage(f.ctx, msg, int(chainLen))
	})
}

// ApplyImplicitMessage applies a message the system makes (cron, rewards), or one a node
// simulates without checking its sender: no inclusion gas, nonce or fees.
func (f *FVM) ApplyImplicitMessage(msgBytes []byte) (*ApplyRet, error) {
	return f.apply(msgBytes, func(vm *fvm.VM, msg *message.Message) (*fvm.ApplyRet, error) {
		return vm.ApplyImplicitMessage(f.ctx, msg)
	})
}

func (f *FVM) apply(msgBytes []byte, run func(*fvm.VM, *message.Message) (*fvm.ApplyRet, error)) (*ApplyRet, error) {
	if f == nil || f.vm == nil {
		return nil, errors.New("ffi: missing executor: the FVM was not created by CreateFVM")
	}
	msg, err := decodeMessage(msgBytes)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ret, err := run(f.vm, msg)
	if err != nil {
		return nil, fmt.Errorf("ffi: apply message %s: %w", msg.Cid(), err)
	}
	return f.applyRet(ret)
}

// decodeMessage reads an unsigned message, as filecoin-ffi does: a signed message, or
// trailing bytes, do not decode.
func decodeMessage(data []byte) (*message.Message, error) {
	var msg message.Message
	r := bytes.NewReader(data)
	if err := msg.UnmarshalCBOR(r); err != nil {
		return nil, fmt.Errorf("ffi: message does not decode (%d bytes, want the CBOR of an unsigned message): %w", len(data), err)
	}
	if r.Len() > 0 {
		return nil, fmt.Errorf("ffi: message does not decode: %d trailing bytes after the message", r.Len())
	}
	return &msg, nil
}

func (f *FVM) applyRet(r *fvm.ApplyRet) (*ApplyRet, error) {
	out := &ApplyRet{
		ExitCode:    uint64(r.Receipt.ExitCode),
		GasUsed:     r.Receipt.GasUsed,
		GasRefund:   r.GasRefund,
		GasBurned:   r.GasBurned,
		FailureInfo: r.FailureInfo,
		EventsRoot:  r.Receipt.EventsRoot,
	}
	if len(r.Receipt.Return) > 0 {
		out.Return = r.Receipt.Return
	}
	amounts := []struct {
		name string
		in   abi.TokenAmount
		out  *abi.TokenAmount
	}{
		{"penalty", r.MinerPenalty, &out.MinerPenalty},
		{"miner tip", r.MinerTip, &out.MinerTip},
		{"base fee burn", r.BaseFeeBurn, &out.BaseFeeBurn},
		{"overestimation burn", r.OverEstimationBurn, &out.OverEstimationBurn},
		{"refund", r.Refund, &out.Refund},
	}
	for _, a := range amounts {
		v := a.in
		if v.Int == nil {
			v = big.Zero()
		}
		if v.Sign() < 0 || v.BitLen() > 128 {
			return nil, fmt.Errorf("ffi: %s exceeds u128 attoFIL: %s", a.name, v)
		}
		*a.out = v
	}
	if len(r.Events) > 0 {
		out.EventsBytes = EncodeEvents(r.Events)
	}
	if f.tracing && r.Trace != nil {
		out.ExecTraceBytes = EncodeTrace(r.Trace)
	}
	return out, nil
}

// Flush writes the state to the blockstore and returns its root.
func (f *FVM) Flush() (cid.Cid, error) {
	if f == nil || f.vm == nil {
		return cid.Undef, errors.New("ffi: missing executor: the FVM was not created by CreateFVM")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	root, err := f.vm.Flush(f.ctx)
	if err != nil {
		return cid.Undef, fmt.Errorf("ffi: flush: %w", err)
	}
	return root, nil
}

// shared is the process's engine for FVMs created without one: compiled actor code lives
// as long as the process, as in filecoin-ffi's engine pool.
var shared struct {
	once sync.Once
	eng  *fvm.Engine
	err  error
}

func sharedEngine(ctx context.Context) (*fvm.Engine, error) {
	shared.once.Do(func() {
		shared.eng, shared.err = fvm.NewEngine(ctx, fvm.EngineConfig{})
	})
	return shared.eng, shared.err
}
