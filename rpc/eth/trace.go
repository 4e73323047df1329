package eth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/filecoin-project/go-address"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	eam "github.com/filecoin-project/go-state-types/builtin/v16/eam"
	evm "github.com/filecoin-project/go-state-types/builtin/v16/evm"
	initact "github.com/filecoin-project/go-state-types/builtin/v16/init"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
)

// EVM actor exit codes (builtin-actors' evm crate): 33 onwards.
const (
	exitReverted exitcode.ExitCode = 33 + iota
	exitInvalidInstruction
	exitUndefinedInstruction
	exitStackUnderflow
	exitStackOverflow
	exitIllegalMemoryAccess
	exitBadJumpdest
	exitSelfdestructFailed
)

// Payload codecs of FVM call parameters and returns.
const (
	codecIdentity = 0x00
	codecCBOR     = 0x51
	codecRaw      = 0x55
	codecDagCBOR  = 0x71
)

// ParityTrace is one call of a transaction in the Parity (OpenEthereum)
// trace shape Lotus serves from trace_block and trace_transaction. Action is
// a *CallAction or *CreateAction, Result a *CallResult or *CreateResult.
type ParityTrace struct {
	Type         string `json:"type"`
	Error        string `json:"error,omitempty"`
	Subtraces    int    `json:"subtraces"`
	TraceAddress []int  `json:"traceAddress"`
	Action       any    `json:"action"`
	Result       any    `json:"result"`
}

// ParityBlockTrace is a ParityTrace placed in its block and transaction.
type ParityBlockTrace struct {
	*ParityTrace
	BlockHash           common.Hash `json:"blockHash"`
	BlockNumber         int64       `json:"blockNumber"`
	TransactionHash     common.Hash `json:"transactionHash"`
	TransactionPosition int         `json:"transactionPosition"`
}

// CallAction is a call's action: callType is call, staticcall or
// delegatecall.
type CallAction struct {
	CallType string         `json:"callType"`
	From     common.Address `json:"from"`
	To       common.Address `json:"to"`
	Gas      hexutil.Uint64 `json:"gas"`
	Value    *hexutil.Big   `json:"value"`
	Input    hexutil.Bytes  `json:"input"`
}

// CallResult is a call's result.
type CallResult struct {
	GasUsed hexutil.Uint64 `json:"gasUsed"`
	Output  hexutil.Bytes  `json:"output"`
}

// CreateAction is a contract creation's action.
type CreateAction struct {
	From  common.Address `json:"from"`
	Gas   hexutil.Uint64 `json:"gas"`
	Value *hexutil.Big   `json:"value"`
	Init  hexutil.Bytes  `json:"init"`
}

// CreateResult is a contract creation's result.
type CreateResult struct {
	Address *common.Address `json:"address,omitempty"`
	GasUsed hexutil.Uint64  `json:"gasUsed"`
	Code    hexutil.Bytes   `json:"code"`
}

// CallFrame is one frame of go-ethereum's callTracer
// (debug_traceTransaction with {"tracer": "callTracer"}).
type CallFrame struct {
	Type         string          `json:"type"`
	From         common.Address  `json:"from"`
	To           *common.Address `json:"to,omitempty"`
	Value        *hexutil.Big    `json:"value,omitempty"`
	Gas          hexutil.Uint64  `json:"gas"`
	GasUsed      hexutil.Uint64  `json:"gasUsed"`
	Input        hexutil.Bytes   `json:"input"`
	Output       hexutil.Bytes   `json:"output,omitempty"`
	Error        string          `json:"error,omitempty"`
	RevertReason string          `json:"revertReason,omitempty"`
	Calls        []*CallFrame    `json:"calls,omitempty"`
}

// frame is one Ethereum-visible call of a FVM call tree, the common form of
// both trace shapes.
type frame struct {
	create   bool
	callType string // call, staticcall, delegatecall; create, create2 for creations
	from     common.Address
	to       *common.Address // the callee, or the created contract
	gas      uint64
	value    *big.Int
	input    []byte
	output   []byte
	ownGas   int64 // gas charged while the frame was innermost (Lotus's SumGas)
	subGas   int64 // gas charged in the whole subtree
	exit     exitcode.ExitCode
	evmLike  bool // the callee is an EVM actor or the EAM
	children []*frame
}

// TraceEnv is what the trace conversion needs to know of the chain.
type TraceEnv struct {
	// IsEVM reports whether code is the EVM actor's code.
	IsEVM func(code cid.Cid) bool
}

// builder walks a FVM call tree as Lotus's buildTraces does, one level of
// callers at a time.
type builder struct {
	env          TraceEnv
	caller       common.Address
	callerIsEVM  bool
	lastBytecode *common.Address
}

// buildFrames converts a message's execution trace into the Ethereum-visible
// frames (at most one at the top), from the top-level sender from.
func buildFrames(env TraceEnv, from common.Address, et *fvm.ExecutionTrace) ([]*frame, error) {
	b := &builder{env: env, caller: from}
	return b.walk(et, true)
}

// walk converts one call; it returns nothing for calls Ethereum would not
// show.
func (b *builder) walk(et *fvm.ExecutionTrace, top bool) ([]*frame, error) {
	f, recurse, err := b.frame(et, top)
	if err != nil || f == nil {
		return nil, err
	}
	f.subGas = subtreeGas(et)
	if recurse == nil || recurse.InvokedActor == nil {
		return []*frame{f}, nil
	}
	sub := &builder{env: b.env, caller: actorAddress(recurse.InvokedActor),
		callerIsEVM: b.env.IsEVM(recurse.InvokedActor.State.Code)}
	for i := range recurse.Subcalls {
		kids, err := sub.walk(&recurse.Subcalls[i], false)
		if err != nil {
			return nil, err
		}
		f.children = append(f.children, kids...)
	}
	return []*frame{f}, nil
}

// frame is Lotus's buildTrace: the frame for et (nil to drop it) and the
// call whose sub-calls are its children.
func (b *builder) frame(et *fvm.ExecutionTrace, top bool) (*frame, *fvm.ExecutionTrace, error) {
	// Calls that failed before running (insufficient funds, fatal errors)
	// are not Ethereum calls; nor are calls that never reached an actor.
	if !top && (et.MsgRct.ExitCode == exitcode.SysErrInsufficientFunds || et.MsgRct.ExitCode == exitcode.SysErrFatal) {
		return nil, nil, nil
	}
	if et.InvokedActor == nil {
		return nil, nil, nil
	}
	if et.Msg.Method == builtin.MethodsEVM.InvokeContract {
		return b.evmCall(et), et, nil
	}
	switch et.Msg.To {
	case builtin.InitActorAddr:
		if et.Msg.Method == builtin.MethodsInit.Exec || et.Msg.Method == builtin.MethodsInit.Exec4 {
			return b.nativeCreate(et)
		}
	case builtin.EthereumAddressManagerActorAddr:
		switch et.Msg.Method {
		case builtin.MethodsEAM.Create, builtin.MethodsEAM.Create2, builtin.MethodsEAM.CreateExternal:
			return b.ethCreate(et)
		}
	}
	// EVM contracts cannot call methods 1..1023: such calls are the EVM's
	// own machinery (DELEGATECALL, EXTCODE*), shown only as DELEGATECALL.
	if b.callerIsEVM && et.Msg.Method > 0 && et.Msg.Method < 1024 {
		return b.evmPrivate(et)
	}
	return b.nativeCall(et), et, nil
}

func (b *builder) call(et *fvm.ExecutionTrace, input, output []byte) *frame {
	to := actorAddress(et.InvokedActor)
	callType := "call"
	if et.Msg.ReadOnly {
		callType = "staticcall"
	}
	return &frame{
		callType: callType, from: b.caller, to: &to, gas: et.Msg.GasLimit, value: amount(et.Msg.Value),
		input: input, output: output, ownGas: ownGas(et), exit: et.MsgRct.ExitCode, evmLike: b.evmLike(et),
	}
}

// nativeCall shows a call to a non-EVM method with its parameters and
// return ABI-encoded as Lotus does.
func (b *builder) nativeCall(et *fvm.ExecutionTrace) *frame {
	return b.call(et, NativeParamsABI(uint64(et.Msg.Method), et.Msg.ParamsCodec, et.Msg.Params),
		NativeReturnABI(et.MsgRct.ExitCode, et.MsgRct.ReturnCodec, et.MsgRct.Return))
}

// evmCall shows InvokeContract with its input and output (a native call if
// they do not decode).
func (b *builder) evmCall(et *fvm.ExecutionTrace) *frame {
	input, err := decodePayload(et.Msg.Params, et.Msg.ParamsCodec)
	if err != nil {
		return b.nativeCall(et)
	}
	output, err := decodePayload(et.MsgRct.Return, et.MsgRct.ReturnCodec)
	if err != nil {
		return b.nativeCall(et)
	}
	return b.call(et, input, output)
}

// nativeCreate shows a direct Init Exec as a creation with the invalid
// initcode 0xfe (there is no EVM initcode).
func (b *builder) nativeCreate(et *fvm.ExecutionTrace) (*frame, *fvm.ExecutionTrace, error) {
	if et.Msg.ReadOnly {
		return nil, nil, nil
	}
	ctor := findCall(et.Subcalls, func(c *fvm.ExecutionTrace) bool { return c.Msg.Method == builtin.MethodConstructor })
	if ctor == nil {
		if et.MsgRct.ExitCode.IsSuccess() {
			return nil, nil, errors.New("a successful Init Exec constructed no actor")
		}
		return nil, nil, nil
	}
	if et.Msg.Method == builtin.MethodsInit.Exec4 {
		return nil, nil, errors.New("a direct Init Exec4 constructed an actor")
	}
	f := &frame{create: true, callType: "create", from: b.caller, gas: et.Msg.GasLimit, value: amount(et.Msg.Value),
		input: []byte{0xfe}, ownGas: ownGas(et), exit: et.MsgRct.ExitCode, evmLike: b.evmLike(et)}
	if et.MsgRct.ExitCode.IsSuccess() {
		var ret initact.ExecReturn
		if err := ret.UnmarshalCBOR(bytes.NewReader(et.MsgRct.Return)); err != nil {
			return nil, nil, fmt.Errorf("init Exec return: %w", err)
		}
		id, err := address.IDFromAddress(ret.IDAddress)
		if err != nil {
			return nil, nil, fmt.Errorf("init Exec return: %w", err)
		}
		created := maskedID(id)
		f.to, f.output = &created, []byte{0xfe}
	}
	return f, ctor, nil
}

// ethCreate shows the EAM's Create, Create2 and CreateExternal as a CREATE
// or CREATE2 with its initcode; the children are the constructor's calls.
func (b *builder) ethCreate(et *fvm.ExecutionTrace) (*frame, *fvm.ExecutionTrace, error) {
	if et.Msg.ReadOnly {
		return nil, nil, nil
	}
	ctor := findCall(et.Subcalls, func(c *fvm.ExecutionTrace) bool {
		if c.Msg.To == builtin.InitActorAddr {
			return findCall(c.Subcalls, func(cc *fvm.ExecutionTrace) bool { return cc.Msg.Method == builtin.MethodConstructor }) != nil
		}
		return c.Msg.Method == builtin.MethodsEVM.Resurrect
	})
	if ctor != nil && ctor.Msg.To == builtin.InitActorAddr {
		ctor = findCall(ctor.Subcalls, func(cc *fvm.ExecutionTrace) bool { return cc.Msg.Method == builtin.MethodConstructor })
	}
	if ctor == nil {
		if et.MsgRct.ExitCode.IsSuccess() {
			return nil, nil, errors.New("a successful EAM create constructed no contract")
		}
		return nil, nil, nil
	}
	initcode, created, err := decodeEAMCreate(et)
	if err != nil {
		return nil, nil, fmt.Errorf("EAM create constructed a contract from undecodable params or return: %w", err)
	}
	callType := "create"
	if et.Msg.Method == builtin.MethodsEAM.Create2 {
		callType = "create2"
	}
	f := &frame{create: true, callType: callType, from: b.caller, to: created, gas: et.Msg.GasLimit,
		value: amount(et.Msg.Value), input: initcode, ownGas: ownGas(et), exit: et.MsgRct.ExitCode, evmLike: true}
	switch et.MsgRct.ExitCode {
	case exitcode.Ok:
		// Quirk (Lotus trace.go): the deployed code is not shown; 0xfe (the
		// EIP-3541 invalid code) stands for it.
		f.output = []byte{0xfe}
	case exitReverted:
		f.output, _ = decodePayload(ctor.MsgRct.Return, ctor.MsgRct.ReturnCodec)
	}
	return f, ctor, nil
}

// evmPrivate reconstructs DELEGATECALL from the EVM's GetBytecode (which
// names the code's contract) and InvokeContractDelegate (the caller running
// it); every other private method call is dropped.
func (b *builder) evmPrivate(et *fvm.ExecutionTrace) (*frame, *fvm.ExecutionTrace, error) {
	switch et.Msg.Method {
	case builtin.MethodsEVM.GetBytecode:
		b.lastBytecode = nil
		if et.MsgRct.ExitCode.IsSuccess() {
			to := actorAddress(et.InvokedActor)
			b.lastBytecode = &to
		}
		return nil, nil, nil
	case builtin.MethodsEVM.InvokeContractDelegate:
		if b.lastBytecode == nil {
			return nil, nil, errors.New("delegate call without a preceding GetBytecode")
		}
		if self := actorAddress(et.InvokedActor); self != b.caller {
			return nil, nil, fmt.Errorf("delegate call from %s to %s, not to itself", b.caller, self)
		}
		var params evm.DelegateCallParams
		if err := params.UnmarshalCBOR(bytes.NewReader(et.Msg.Params)); err != nil {
			return nil, nil, fmt.Errorf("delegate call params: %w", err)
		}
		output, err := decodePayload(et.MsgRct.Return, et.MsgRct.ReturnCodec)
		if err != nil {
			return nil, nil, fmt.Errorf("delegate call return: %w", err)
		}
		to := *b.lastBytecode
		return &frame{callType: "delegatecall", from: b.caller, to: &to, gas: et.Msg.GasLimit, value: amount(et.Msg.Value),
			input: params.Input, output: output, ownGas: ownGas(et), exit: et.MsgRct.ExitCode, evmLike: true}, et, nil
	}
	return nil, nil, nil
}

func (b *builder) evmLike(et *fvm.ExecutionTrace) bool {
	return et.InvokedActor != nil && (b.env.IsEVM(et.InvokedActor.State.Code) || uint64(et.InvokedActor.ID) == builtin.EthereumAddressManagerActorID)
}

// decodeEAMCreate reads an EAM creation's initcode and, when it succeeded,
// the created contract's address.
func decodeEAMCreate(et *fvm.ExecutionTrace) ([]byte, *common.Address, error) {
	var initcode []byte
	switch et.Msg.Method {
	case builtin.MethodsEAM.Create:
		var p eam.CreateParams
		if err := p.UnmarshalCBOR(bytes.NewReader(et.Msg.Params)); err != nil {
			return nil, nil, err
		}
		initcode = p.Initcode
	case builtin.MethodsEAM.Create2:
		var p eam.Create2Params
		if err := p.UnmarshalCBOR(bytes.NewReader(et.Msg.Params)); err != nil {
			return nil, nil, err
		}
		initcode = p.Initcode
	default:
		in, err := decodePayload(et.Msg.Params, et.Msg.ParamsCodec)
		if err != nil {
			return nil, nil, err
		}
		initcode = in
	}
	if !et.MsgRct.ExitCode.IsSuccess() {
		return initcode, nil, nil
	}
	var ret eam.CreateReturn
	if err := ret.UnmarshalCBOR(bytes.NewReader(et.MsgRct.Return)); err != nil {
		return nil, nil, err
	}
	a := common.Address(ret.EthAddress)
	return initcode, &a, nil
}

// parityError is Lotus's traceErrMsg.
func parityError(f *frame) string {
	switch {
	case f.exit.IsSuccess():
		return ""
	case f.exit == exitcode.SysErrOutOfGas:
		return "out of gas"
	case f.exit < exitcode.FirstActorErrorCode:
		return "vm error: " + f.exit.String()
	}
	if f.evmLike {
		if msg, ok := evmErrors[f.exit]; ok {
			if f.exit == exitReverted {
				return "Reverted" // Quirk (Lotus trace.go): capitalised, as EVM tools expect.
			}
			return msg
		}
	}
	return "actor error: " + f.exit.Error()
}

// evmErrors are the EVM's exit codes as go-ethereum words them.
var evmErrors = map[exitcode.ExitCode]string{
	exitReverted:             "execution reverted",
	exitInvalidInstruction:   "invalid instruction",
	exitUndefinedInstruction: "undefined instruction",
	exitStackUnderflow:       "stack underflow",
	exitStackOverflow:        "stack overflow",
	exitIllegalMemoryAccess:  "illegal memory access",
	exitBadJumpdest:          "invalid jump destination",
	exitSelfdestructFailed:   "self destruct failed",
}

// ParityTraces converts a message's execution trace into Lotus's Parity
// traces (depth-first, with trace addresses and sub-trace counts), from the
// top-level sender from. Gas used per trace is Lotus's: the gas charged
// while the call was innermost, not counting its sub-calls.
func ParityTraces(env TraceEnv, from common.Address, et *fvm.ExecutionTrace) ([]*ParityTrace, error) {
	frames, err := buildFrames(env, from, et)
	if err != nil {
		return nil, err
	}
	var out []*ParityTrace
	var flatten func(f *frame, addr []int)
	flatten = func(f *frame, addr []int) {
		out = append(out, parityOf(f, addr))
		for i, c := range f.children {
			flatten(c, append(addr[:len(addr):len(addr)], i))
		}
	}
	for _, f := range frames {
		flatten(f, []int{})
	}
	return out, nil
}

func parityOf(f *frame, addr []int) *ParityTrace {
	t := &ParityTrace{Error: parityError(f), Subtraces: len(f.children), TraceAddress: addr}
	if f.create {
		t.Type = "create"
		t.Action = &CreateAction{From: f.from, Gas: hexutil.Uint64(f.gas), Value: (*hexutil.Big)(f.value), Init: f.input}
		t.Result = &CreateResult{Address: f.to, GasUsed: hexutil.Uint64(f.ownGas), Code: f.output}
		return t
	}
	t.Type = "call"
	t.Action = &CallAction{CallType: f.callType, From: f.from, To: *f.to, Gas: hexutil.Uint64(f.gas),
		Value: (*hexutil.Big)(f.value), Input: f.input}
	t.Result = &CallResult{GasUsed: hexutil.Uint64(f.ownGas), Output: f.output}
	return t
}

// CallTrace converts a message's execution trace into go-ethereum's
// callTracer frame, from the top-level sender from; gasUsed is the
// receipt's at the top and the whole subtree's gas below. It returns nil
// when the message made no Ethereum-visible call.
func CallTrace(env TraceEnv, from common.Address, et *fvm.ExecutionTrace, gasUsed int64) (*CallFrame, error) {
	frames, err := buildFrames(env, from, et)
	if err != nil || len(frames) == 0 {
		return nil, err
	}
	top := callFrameOf(frames[0])
	top.GasUsed = hexutil.Uint64(gasUsed)
	return top, nil
}

func callFrameOf(f *frame) *CallFrame {
	c := &CallFrame{Type: strings.ToUpper(f.callType), From: f.from, To: f.to, Gas: hexutil.Uint64(f.gas),
		GasUsed: hexutil.Uint64(f.subGas), Input: f.input, Output: f.output}
	if f.callType != "staticcall" && f.callType != "delegatecall" {
		c.Value = (*hexutil.Big)(f.value)
	}
	if f.create && f.exit.IsSuccess() {
		c.Output = nil // the deployed code is not known (see ethCreate)
	}
	if !f.exit.IsSuccess() {
		c.Error = callTracerError(f)
		if f.exit == exitReverted && f.evmLike {
			if reason, err := abi.UnpackRevert(f.output); err == nil {
				c.RevertReason = reason
			}
		}
	}
	for _, k := range f.children {
		c.Calls = append(c.Calls, callFrameOf(k))
	}
	return c
}

// callTracerError words a failure as go-ethereum's callTracer does where
// the EVM has the same failure, as Lotus does otherwise.
func callTracerError(f *frame) string {
	if f.evmLike {
		if msg, ok := evmErrors[f.exit]; ok {
			return msg
		}
	}
	return parityError(f)
}

func findCall(calls []fvm.ExecutionTrace, match func(*fvm.ExecutionTrace) bool) *fvm.ExecutionTrace {
	for i := range calls {
		if match(&calls[i]) {
			return &calls[i]
		}
	}
	return nil
}

// ownGas is the gas charged while et was the innermost call.
func ownGas(et *fvm.ExecutionTrace) int64 {
	var sum int64
	for _, g := range et.GasCharges {
		sum += g.TotalGas
	}
	return sum
}

// subtreeGas is the gas charged in et and all its sub-calls.
func subtreeGas(et *fvm.ExecutionTrace) int64 {
	sum := ownGas(et)
	for i := range et.Subcalls {
		sum += subtreeGas(&et.Subcalls[i])
	}
	return sum
}

// actorAddress is the Ethereum address of an invoked actor: its f410
// address, else its masked ID.
func actorAddress(a *fvm.ActorTrace) common.Address {
	if d := a.State.DelegatedAddress; d != nil {
		if e, err := fvm.EthAddressOf(*d); err == nil {
			return common.Address(e)
		}
	}
	return maskedID(uint64(a.ID))
}

// maskedID is the masked-ID Ethereum address 0xff00…00<id> of actor id.
func maskedID(id uint64) common.Address {
	var a common.Address
	a[0] = 0xff
	binary.BigEndian.PutUint64(a[12:], id)
	return a
}

// amount copies a token amount (nil is zero).
func amount(v fbig.Int) *big.Int {
	if v.Int == nil {
		return new(big.Int)
	}
	return new(big.Int).Set(v.Int)
}

// decodePayload reads call parameters or a return as the EVM passes them:
// a CBOR byte string (CBOR and DAG-CBOR codecs), raw bytes, or nothing.
func decodePayload(payload []byte, codec uint64) ([]byte, error) {
	switch codec {
	case codecIdentity:
		return nil, nil
	case codecCBOR, codecDagCBOR:
		return cbg.ReadByteArray(bytes.NewReader(payload), uint64(len(payload)))
	case codecRaw:
		return payload, nil
	}
	return nil, fmt.Errorf("unsupported payload codec %#x", codec)
}

// NativeParamsABI is how Lotus shows a non-EVM call's input to Ethereum
// tools: the selector 0x868e10c4, then ABI words method, codec, offset 96,
// length, and the parameters padded to a whole word.
func NativeParamsABI(method, codec uint64, params []byte) []byte {
	return append([]byte{0x86, 0x8e, 0x10, 0xc4}, abiTriple(method, codec, params)...)
}

// NativeReturnABI is how Lotus shows a non-EVM call's output: ABI words exit
// code, codec, offset 96, length, and the return padded to a whole word.
func NativeReturnABI(exit exitcode.ExitCode, codec uint64, ret []byte) []byte {
	return abiTriple(uint64(exit), codec, ret)
}

func abiTriple(a, b uint64, data []byte) []byte {
	words := 4 + (len(data)+31)/32
	out := make([]byte, words*32)
	for i, v := range []uint64{a, b, 96, uint64(len(data))} {
		binary.BigEndian.PutUint64(out[i*32+24:], v)
	}
	copy(out[128:], data)
	return out
}
