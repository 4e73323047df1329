package callmanager

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
)

// Method numbers the call manager itself knows.
const (
	// MethodSend transfers value and runs no code.
	MethodSend abi.MethodNum = 0
	// MethodConstructor is the constructor, which auto-creation invokes.
	MethodConstructor abi.MethodNum = 1
)

// eamActorID is the namespace of f410 (Ethereum) addresses.
const eamActorID = 10

// Codecs of parameter blocks.
const (
	CodecRaw  = 0x55
	CodecCBOR = 0x51
)

// ErrFatal is returned (wrapped) for failures that are bugs or impossible
// states: the message fails with SYS_ASSERTION_FAILED and uses its whole
// gas limit.
var ErrFatal = kernel.ErrFatal

// Invoker runs actor code: the kernel and engine layers.
type Invoker interface {
	Invoke(ctx context.Context, cm *CallManager, call Call) (Result, error)
}

// Call is one resolved invocation.
type Call struct {
	From, To uint64
	Actor    *state.ActorState
	Method   abi.MethodNum
	Params   *kernel.Block
	Value    abi.TokenAmount
	ReadOnly bool
}

// Result is how a call ended without error: an exit code and an optional
// return block.
type Result = kernel.CallResult

// Message is what the call manager knows of the message it runs.
type Message struct {
	Origin        uint64
	OriginAddress address.Address
	Receiver      uint64
	ReceiverKnown bool
	Nonce         uint64
	GasPremium    abi.TokenAmount
	To, From      address.Address
}

// CallManager runs one message's call stack. It is not safe for concurrent use.
type CallManager struct {
	machine *machine.Machine
	gas     *gas.GasTracker
	msg     Message

	invoker          Invoker
	memory           *engine.MemoryLimiter
	access           *accessTracker
	depth            int
	numActorsCreated uint64
	events           []kernel.StampedEvent
	eventLayers      []int
	trace            *tracer
}

// New returns the call manager of one message, with the state-access tracker
// primed as the reference primes it: the origin updated (its inclusion cost
// paid for that), the receiver read, the from and to addresses resolved.
func New(m *machine.Machine, tracker *gas.GasTracker, msg Message, invoker Invoker) *CallManager {
	cm := &CallManager{machine: m, gas: tracker, msg: msg, invoker: invoker,
		memory: engine.NewMemoryLimiter(engine.MaxCallStackMemoryBytes), access: newAccessTracker()}
	cm.access.raise(msg.Origin, accessUpdated)
	if msg.ReceiverKnown {
		cm.access.raise(msg.Receiver, accessRead)
	}
	cm.access.markResolved(msg.From)
	cm.access.markResolved(msg.To)
	if tracker.Tracing() {
		cm.trace = &tracer{}
	}
	return cm
}

// Machine returns the machine the message runs on.
func (cm *CallManager) Machine() *machine.Machine { return cm.machine }

// GasTracker returns the message's gas tracker.
func (cm *CallManager) GasTracker() *gas.GasTracker { return cm.gas }

// MemoryLimiter returns the limiter of the call stack's Wasm memory.
func (cm *CallManager) MemoryLimiter() *engine.MemoryLimiter { return cm.memory }

// Origin returns the id of the message's sender.
func (cm *CallManager) Origin() uint64 { return cm.msg.Origin }

// Nonce returns the message's sequence number (before the bump).
func (cm *CallManager) Nonce() uint64 { return cm.msg.Nonce }

// GasPremium returns the effective gas premium.
func (cm *CallManager) GasPremium() abi.TokenAmount { return cm.msg.GasPremium }

// Prices returns the machine's price list.
func (cm *CallManager) Prices() *gas.PriceList { return cm.machine.Profile.Prices }

// Charge applies a gas charge.
func (cm *CallManager) Charge(c gas.GasCharge) error { return cm.gas.ApplyCharge(c) }

// Depth returns the current call depth (the top-level call runs at 1).
func (cm *CallManager) Depth() int { return cm.depth }

// NumActorsCreated returns how many actors create_actor made so far.
func (cm *CallManager) NumActorsCreated() uint64 { return cm.numActorsCreated }

// Send runs a call from actor `from` to address `to`, inside a transaction
// that reverts if the call fails or exits non-zero. gasLimit, when not nil,
// limits the gas the call may use. Syscall errors come back as
// *kernel.SyscallError, out of gas as gas.ErrOutOfGas; anything else is fatal.
func (cm *CallManager) Send(ctx context.Context, from uint64, to address.Address, method abi.MethodNum,
	params *kernel.Block, value abi.TokenAmount, gasLimit *gas.Gas, readOnly bool) (Result, error) {
	cm.beginTransaction()
	cm.traceBegin(from, to, method, params, value, gasLimit, readOnly)
	res, err := cm.send(ctx, from, to, method, params, value, gasLimit, readOnly)
	cm.traceEnd(res, err)
	if endErr := cm.endTransaction(err != nil || res.ExitCode != exitcode.Ok); endErr != nil {
		return Result{}, endErr
	}
	return res, err
}

func (cm *CallManager) send(ctx context.Context, from uint64, to address.Address, method abi.MethodNum,
	params *kernel.Block, value abi.TokenAmount, gasLimit *gas.Gas, readOnly bool) (Result, error) {
	if gasLimit != nil {
		cm.gas.PushLimit(*gasLimit)
	}
	if cm.depth >= cm.machine.Profile.MaxCallDepth {
		// Quirk (ref-fvm v3 call_manager send): the depth check follows
		// push_limit and its early return never pops the limit.
		if cm.machine.Profile.DepthFailurePopsLimit && gasLimit != nil {
			if err := cm.gas.PopLimit(); err != nil {
				return Result{}, fmt.Errorf("%w: %w", ErrFatal, err)
			}
		}
		return Result{}, kernel.Errorf(kernel.LimitExceeded, "current depth %d exceeds the call depth limit", cm.depth)
	}
	cm.depth++
	// The call-depth frame owns the Wasm memory of every instance it runs
	// (an implicit account constructor included) until it ends, as the
	// reference's with_stack_frame.
	var (
		res Result
		err error
	)
	cm.memory.WithStackFrame(func() {
		res, err = cm.sendUnchecked(ctx, from, to, method, params, value, readOnly)
	})
	cm.depth--
	if gasLimit != nil {
		if perr := cm.gas.PopLimit(); perr != nil {
			return Result{}, fmt.Errorf("%w: %w", ErrFatal, perr)
		}
	}
	// Running out of a send's own limit is an exit code to the caller.
	if errors.Is(err, gas.ErrOutOfGas) && !cm.gas.GasAvailable().IsZero() {
		return Result{ExitCode: exitcode.SysErrOutOfGas}, nil
	}
	return res, err
}

func (cm *CallManager) sendUnchecked(ctx context.Context, from uint64, to address.Address, method abi.MethodNum,
	params *kernel.Block, value abi.TokenAmount, readOnly bool) (Result, error) {
	toID, found, err := cm.ResolveAddress(ctx, to)
	if err != nil {
		return Result{}, err
	}
	if !found {
		if toID, err = cm.createFromSend(ctx, to, readOnly); err != nil {
			return Result{}, err
		}
	}
	return cm.sendResolved(ctx, from, toID, method, params, value, readOnly, true)
}

// createFromSend auto-creates the actor of an address a send targets: an
// account for f1/f3 (its constructor runs), a placeholder for f410 (with
// Profile.DelegatedAddresses).
func (cm *CallManager) createFromSend(ctx context.Context, to address.Address, readOnly bool) (uint64, error) {
	profile := cm.machine.Profile
	switch to.Protocol() {
	case address.SECP256K1, address.BLS:
		if readOnly {
			return 0, kernel.Errorf(kernel.ReadOnly, "cannot auto-create account %s in read-only mode", to)
		}
		if profile.CreateChargedBeforeBLSCheck {
			// Quirk (ref-fvm v2 call_manager/default.rs create_account_actor):
			// the creation is charged before the zero BLS address is refused.
			if err := cm.Charge(cm.Prices().OnCreateActor(true)); err != nil {
				return 0, err
			}
		}
		if to.Protocol() == address.BLS && isZeroBLS(to) {
			return 0, kernel.Errorf(kernel.IllegalArgument, "cannot create the zero BLS account")
		}
		id, err := cm.createActorFromSend(ctx, to, &state.ActorState{Code: cm.machine.AccountCode, Head: state.EmptyArrayCID, Balance: big.Zero()}, !profile.CreateChargedBeforeBLSCheck)
		if err != nil {
			return 0, err
		}
		var buf bytes.Buffer
		if err := to.MarshalCBOR(&buf); err != nil {
			return 0, fmt.Errorf("%w: encode %s: %w", ErrFatal, to, err)
		}
		params := &kernel.Block{Codec: profile.ParamsCodec, Data: buf.Bytes()}
		// The constructor's exit code is ignored; only errors propagate.
		if _, err := cm.sendResolved(ctx, state.SystemActorID, id, MethodConstructor, params, big.Zero(), readOnly, profile.TraceAccountConstructor); err != nil {
			return 0, err
		}
		return id, nil
	case address.Delegated:
		if !profile.DelegatedAddresses {
			break
		}
		ns, _, err := kernel.ReadUvarint(to.Payload())
		if err == nil && ns == eamActorID {
			if readOnly {
				return 0, kernel.Errorf(kernel.ReadOnly, "cannot auto-create placeholder %s in read-only mode", to)
			}
			delegated := to
			return cm.createActorFromSend(ctx, to, &state.ActorState{Code: cm.machine.PlaceholderCode, Head: state.EmptyArrayCID, Balance: big.Zero(), DelegatedAddress: &delegated}, true)
		}
	}
	return 0, kernel.Errorf(kernel.NotFound, "actor %s does not exist and cannot be created", to)
}

// createActorFromSend registers addr and stores act under its new id,
// charging OnCreateActor first when charge is set.
func (cm *CallManager) createActorFromSend(ctx context.Context, addr address.Address, act *state.ActorState, charge bool) (uint64, error) {
	if charge {
		if err := cm.Charge(cm.Prices().OnCreateActor(true)); err != nil {
			return 0, err
		}
	}
	id, err := cm.machine.Tree.RegisterNewAddress(ctx, addr)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	cm.access.markResolved(addr)
	if err := cm.SetActor(ctx, id, act); err != nil {
		return 0, err
	}
	return id, nil
}

func isZeroBLS(a address.Address) bool {
	for _, b := range a.Payload() {
		if b != 0 {
			return false
		}
	}
	return true
}

// sendResolved runs a call to an existing actor id: value transfer, then
// (unless method 0) the actor's code. traceInvoke records the invoked actor
// in the trace, as it was before the transfer (ref-fvm records it for every
// resolved send, method 0 included).
func (cm *CallManager) sendResolved(ctx context.Context, from, to uint64, method abi.MethodNum,
	params *kernel.Block, value abi.TokenAmount, readOnly, traceInvoke bool) (Result, error) {
	act, err := cm.GetActor(ctx, to)
	if err != nil {
		return Result{}, err
	}
	if act == nil {
		return Result{}, kernel.Errorf(kernel.NotFound, "actor %d does not exist", to)
	}
	if traceInvoke {
		cm.traceInvoked(to, act)
	}
	sendFirst := cm.machine.Profile.SendChargedFirst
	if sendFirst {
		// v2 (ref-fvm v2 call_manager/default.rs send_resolved): one charge
		// by value and method, before the transfer.
		if err := cm.Charge(cm.Prices().OnSendV2(!value.IsZero(), method)); err != nil {
			return Result{}, err
		}
	}
	if !value.IsZero() {
		if readOnly {
			return Result{}, kernel.Errorf(kernel.ReadOnly, "cannot transfer value in read-only mode")
		}
		// The transfer charge belongs to the send: ref-fvm transfer (also
		// used by v3 self_destruct) charges nothing of its own.
		if !sendFirst {
			if err := cm.Charge(cm.Prices().OnValueTransfer()); err != nil {
				return Result{}, err
			}
		}
		if err := cm.Transfer(ctx, from, to, value); err != nil {
			return Result{}, err
		}
		// The receiver may have changed (a transfer to itself).
		if act, err = cm.GetActor(ctx, to); err != nil {
			return Result{}, err
		}
	}
	if method == MethodSend {
		return Result{ExitCode: exitcode.Ok}, nil
	}
	if !sendFirst {
		nLinks, size := 0, 0
		if params != nil {
			nLinks, size = len(params.Links), len(params.Data)
		}
		if err := cm.Charge(cm.Prices().OnMethodInvocation(size, nLinks)); err != nil {
			return Result{}, err
		}
	}
	res, err := cm.invoker.Invoke(ctx, cm, Call{From: from, To: to, Actor: act, Method: method, Params: params, Value: value, ReadOnly: readOnly})
	if err != nil {
		return Result{}, err
	}
	if res.Return != nil {
		if c, ok := cm.Prices().OnMethodReturn(uint32(cm.depth), len(res.Return.Data), len(res.Return.Links)); ok {
			if err := cm.Charge(c); err != nil {
				return Result{}, err
			}
		}
	}
	return res, nil
}

// Transfer moves value from one actor to another (ref-fvm transfer),
// charging only the state access; a send charges OnValueTransfer itself.
func (cm *CallManager) Transfer(ctx context.Context, from, to uint64, value abi.TokenAmount) error {
	if value.Sign() < 0 {
		return kernel.Errorf(kernel.IllegalArgument, "attempted to transfer negative value %s", value)
	}
	fromAct, err := cm.GetActor(ctx, from)
	if err != nil {
		return err
	}
	if fromAct == nil || fromAct.Balance.LessThan(value) {
		return kernel.Errorf(kernel.InsufficientFunds, "sender %d does not have %s to transfer", from, value)
	}
	if from == to {
		return nil
	}
	toAct, err := cm.GetActor(ctx, to)
	if err != nil {
		return err
	}
	if toAct == nil {
		return kernel.Errorf(kernel.NotFound, "transfer recipient %d does not exist", to)
	}
	fromAct.Balance = big.Sub(fromAct.Balance, value)
	toAct.Balance = big.Add(toAct.Balance, value)
	if err := cm.SetActor(ctx, from, fromAct); err != nil {
		return err
	}
	return cm.SetActor(ctx, to, toAct)
}

// GetActor returns actor id (nil if none), charging the first lookup
// (Profile.StateAccessCharges).
func (cm *CallManager) GetActor(ctx context.Context, id uint64) (*state.ActorState, error) {
	if cm.machine.Profile.StateAccessCharges && cm.access.level(id) < accessRead {
		if err := cm.Charge(cm.Prices().OnActorLookup()); err != nil {
			return nil, err
		}
		cm.access.raise(id, accessRead)
	}
	act, err := cm.machine.Tree.GetActor(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	return act, nil
}

// SetActor writes actor id, charging the first lookup and update.
func (cm *CallManager) SetActor(ctx context.Context, id uint64, act *state.ActorState) error {
	if err := cm.chargeUpdate(id); err != nil {
		return err
	}
	cm.machine.Tree.SetActor(id, act)
	return nil
}

// DeleteActor removes actor id, charged as an update.
func (cm *CallManager) DeleteActor(ctx context.Context, id uint64) error {
	if err := cm.chargeUpdate(id); err != nil {
		return err
	}
	cm.machine.Tree.DeleteActor(id)
	return nil
}

func (cm *CallManager) chargeUpdate(id uint64) error {
	if !cm.machine.Profile.StateAccessCharges {
		return nil
	}
	if cm.access.level(id) < accessRead {
		if err := cm.Charge(cm.Prices().OnActorLookup()); err != nil {
			return err
		}
	}
	if cm.access.level(id) < accessUpdated {
		if err := cm.Charge(cm.Prices().OnActorUpdate()); err != nil {
			return err
		}
	}
	cm.access.raise(id, accessUpdated)
	return nil
}

// ResolveAddress resolves an address to an actor id, charging non-ID
// resolutions the first time (Profile.StateAccessCharges).
func (cm *CallManager) ResolveAddress(ctx context.Context, a address.Address) (uint64, bool, error) {
	if cm.machine.Profile.StateAccessCharges && a.Protocol() != address.ID && !cm.access.isResolved(a) {
		if err := cm.Charge(cm.Prices().OnResolveAddress()); err != nil {
			return 0, false, err
		}
	}
	id, found, err := cm.machine.Tree.LookupID(ctx, a)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	if found && a.Protocol() != address.ID {
		cm.access.markResolved(a)
	}
	return id, found, nil
}

// CreateActor is the create_actor syscall's state change: make actor id with
// code (or turn a matching placeholder into it). Only the init actor may.
func (cm *CallManager) CreateActor(ctx context.Context, code cid.Cid, id uint64, delegated *address.Address) error {
	if code == cm.machine.PlaceholderCode {
		return kernel.Errorf(kernel.Forbidden, "cannot explicitly construct a placeholder actor")
	}
	existing, err := cm.GetActor(ctx, id)
	if err != nil {
		return err
	}
	var act *state.ActorState
	switch {
	case existing == nil:
		if err := cm.Charge(cm.Prices().OnCreateActor(false)); err != nil {
			return err
		}
		act = &state.ActorState{Code: code, Head: state.EmptyArrayCID, Balance: big.Zero(), DelegatedAddress: delegated}
	case existing.Code == cm.machine.PlaceholderCode:
		if existing.DelegatedAddress == nil {
			return fmt.Errorf("%w: placeholder %d has no delegated address", ErrFatal, id)
		}
		if delegated == nil || *delegated != *existing.DelegatedAddress {
			return kernel.Errorf(kernel.Forbidden, "placeholder %d has a different delegated address", id)
		}
		act = existing
		act.Code = code
	default:
		return kernel.Errorf(kernel.Forbidden, "actor %d already exists", id)
	}
	if err := cm.SetActor(ctx, id, act); err != nil {
		return err
	}
	cm.CountActorCreated()
	return nil
}

// CountActorCreated advances the index of the next actor address.
func (cm *CallManager) CountActorCreated() { cm.numActorsCreated++ }

// NextActorAddress is the f2 address the next created actor gets:
// blake2b-160 of cbor(origin address) ‖ u64be(nonce) ‖ u64be(actors created).
// The origin address is the message's from address, or with
// Profile.OriginKeyAddress (v2) its key address; failing to resolve it is
// fatal.
func (cm *CallManager) NextActorAddress() (address.Address, error) {
	origin := cm.msg.OriginAddress
	if cm.machine.Profile.OriginKeyAddress {
		key, err := cm.ResolveKeyAddress(context.Background(), origin, false)
		if err != nil {
			return address.Undef, fmt.Errorf("%w: origin key address: %v", ErrFatal, err)
		}
		origin = key
	}
	var buf bytes.Buffer
	if err := origin.MarshalCBOR(&buf); err != nil {
		return address.Undef, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	var be [16]byte
	putU64(be[:8], cm.msg.Nonce)
	putU64(be[8:], cm.numActorsCreated)
	buf.Write(be[:])
	return address.NewActorAddress(buf.Bytes())
}

// ResolveKeyAddress returns the key address of a: a itself for f1/f3,
// otherwise the address in the state of the account actor a names (ref-fvm
// v2 kernel/default.rs resolve_to_key_addr). An unknown actor is NotFound, a
// non-account IllegalArgument; with charge, reading the account's state is
// charged as a block open (OnBlockOpenBase, then by its size). The state
// tree is read without state-access charges; a missing or malformed account
// state is fatal.
func (cm *CallManager) ResolveKeyAddress(ctx context.Context, a address.Address, charge bool) (address.Address, error) {
	if a.Protocol() == address.BLS || a.Protocol() == address.SECP256K1 {
		return a, nil
	}
	tree := cm.machine.Tree
	act, _, err := tree.GetActorByAddress(ctx, a)
	if err != nil {
		return address.Undef, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	if act == nil {
		return address.Undef, kernel.Errorf(kernel.NotFound, "state tree doesn't contain actor %s", a)
	}
	if act.Code != cm.machine.AccountCode {
		return address.Undef, kernel.Errorf(kernel.IllegalArgument, "target actor is not an account")
	}
	if charge {
		if err := cm.Charge(cm.Prices().OnBlockOpenBase()); err != nil {
			return address.Undef, err
		}
	}
	blk, err := cm.machine.Blocks.Get(ctx, act.Head)
	if err != nil {
		return address.Undef, fmt.Errorf("%w: account state %s: %w", ErrFatal, act.Head, err)
	}
	if charge {
		if err := cm.Charge(cm.Prices().OnBlockOpen(len(blk.RawData()), 0)); err != nil {
			return address.Undef, err
		}
	}
	key, err := state.DecodeAccountState(blk.RawData())
	if err != nil {
		return address.Undef, fmt.Errorf("%w: account state %s: %w", ErrFatal, act.Head, err)
	}
	return key, nil
}

func putU64(b []byte, v uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

func (cm *CallManager) beginTransaction() {
	cm.machine.Tree.BeginTransaction()
	cm.access.begin()
	cm.eventLayers = append(cm.eventLayers, len(cm.events))
}

func (cm *CallManager) endTransaction(revert bool) error {
	if err := cm.machine.Tree.EndTransaction(revert); err != nil {
		return fmt.Errorf("%w: %w", ErrFatal, err)
	}
	cm.access.end(revert)
	n := cm.eventLayers[len(cm.eventLayers)-1]
	cm.eventLayers = cm.eventLayers[:len(cm.eventLayers)-1]
	if revert {
		cm.events = cm.events[:n]
	}
	return nil
}

var _ kernel.CallManager = (*CallManager)(nil)
