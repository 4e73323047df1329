package executor

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
	"github.com/go-fvm/go-fvm/message"
)

// ErrFatal is returned (wrapped) when a message cannot be applied at all:
// the machine is in an impossible state. No receipt exists then.
var ErrFatal = errors.New("fatal")

// Actors the executor pays.
const (
	rewardActorID     = 2
	burntFundsActorID = 99
)

// ApplyKind says whether a message came from the chain or from the system.
type ApplyKind int

const (
	// Explicit messages are on chain: they pay inclusion gas and fees.
	Explicit ApplyKind = iota
	// Implicit messages (cron, block rewards) are made by the system: no
	// inclusion gas, nonce or fees.
	Implicit
)

// Receipt is a message receipt (lotus ReceiptV1).
type Receipt struct {
	ExitCode   exitcode.ExitCode
	Return     []byte
	GasUsed    int64
	EventsRoot *cid.Cid
}

// ApplyRet is the outcome of applying a message.
type ApplyRet struct {
	Receipt Receipt
	// Penalty is what the block's miner owes (reported, not moved).
	Penalty abi.TokenAmount
	// MinerTip is what the block's miner earned (paid to the reward actor).
	MinerTip           abi.TokenAmount
	BaseFeeBurn        abi.TokenAmount
	OverEstimationBurn abi.TokenAmount
	Refund             abi.TokenAmount
	GasRefund          int64
	GasBurned          int64
	// FailureInfo says why a message failed, for humans.
	FailureInfo string
	// Events are the events the message emitted.
	Events []kernel.StampedEvent
	// Trace is the message's call tree with every gas charge, when the
	// executor traces.
	Trace *callmanager.ExecutionTrace
}

// Executor applies messages to a machine. It is not safe for concurrent use.
type Executor struct {
	Machine *machine.Machine
	Invoker callmanager.Invoker
	// Trace records the call tree and its gas charges in ApplyRet.Trace.
	Trace bool
}

// ApplyMessage applies msg. rawLength is its on-chain size (see
// message.Decode). An error means the message could not be applied at all.
func (e *Executor) ApplyMessage(ctx context.Context, msg *message.Message, kind ApplyKind, rawLength int) (ret *ApplyRet, err error) {
	defer func() {
		if r := recover(); r != nil {
			ret, err = nil, fmt.Errorf("%w: panic applying message: %v", ErrFatal, r)
		}
	}()
	m := e.Machine
	// msg.check(): a zero or oversized gas limit cannot be applied.
	if msg.GasLimit == 0 || msg.GasLimit > math.MaxInt64 {
		return nil, fmt.Errorf("%w: gas limit %d out of range", ErrFatal, msg.GasLimit)
	}
	gasLimit := int64(msg.GasLimit)
	prices := m.Profile.Prices

	var inclusion *gas.GasCharge
	if kind == Explicit {
		c := prices.OnChainMessage(rawLength)
		cost := c.Total().RoundUp()
		if cost > uint64(gasLimit) {
			return prevalidationFailure(exitcode.SysErrOutOfGas, big.Mul(m.BaseFee, big.NewIntUnsigned(cost)),
				fmt.Sprintf("out of gas: inclusion cost %d exceeds gas limit %d", cost, gasLimit)), nil
		}
		inclusion = &c
	}
	limitPenalty := big.Mul(m.BaseFee, big.NewInt(gasLimit))
	senderID, found, err := m.Tree.LookupID(ctx, msg.From)
	if err != nil {
		return nil, fmt.Errorf("%w: resolve sender %s: %w", ErrFatal, msg.From, err)
	}
	if !found {
		if kind == Implicit {
			limitPenalty = big.Zero()
		}
		return prevalidationFailure(exitcode.SysErrSenderInvalid, limitPenalty, "sender "+msg.From.String()+" not found"), nil
	}
	if kind == Explicit {
		if ret, err := e.preflightExplicit(ctx, msg, senderID, limitPenalty); ret != nil || err != nil {
			return ret, err
		}
	}
	return e.execute(ctx, msg, kind, senderID, gasLimit, inclusion)
}

// preflightExplicit checks the sender of a chain message and then takes its
// nonce and gas fee; a non-nil ApplyRet is a prevalidation failure.
func (e *Executor) preflightExplicit(ctx context.Context, msg *message.Message, senderID uint64, penalty abi.TokenAmount) (*ApplyRet, error) {
	m := e.Machine
	sender, err := m.Tree.GetActor(ctx, senderID)
	if err != nil {
		return nil, fmt.Errorf("%w: sender %d: %w", ErrFatal, senderID, err)
	}
	if sender == nil {
		return prevalidationFailure(exitcode.SysErrSenderInvalid, penalty, "sender actor not found"), nil
	}
	switch {
	case sender.Code == m.AccountCode:
	case !m.Profile.DelegatedAddresses:
		// v2: only account actors send messages.
		return prevalidationFailure(exitcode.SysErrSenderInvalid, penalty, "send not from account actor"), nil
	case sender.Code == m.EthAccountCode:
	case sender.Code == m.PlaceholderCode && sender.Sequence == 0 && isEthAddress(sender.DelegatedAddress):
		// A placeholder with an f410 address becomes an Ethereum account
		// when it first sends.
		sender.Code = m.EthAccountCode
	default:
		return prevalidationFailure(exitcode.SysErrSenderInvalid, penalty, "send not from valid sender"), nil
	}
	if msg.Sequence != sender.Sequence {
		return prevalidationFailure(exitcode.SysErrSenderStateInvalid, penalty,
			fmt.Sprintf("actor sequence invalid: %d != %d", msg.Sequence, sender.Sequence)), nil
	}
	gasCost := big.Mul(msg.GasFeeCap, big.NewIntUnsigned(msg.GasLimit))
	if sender.Balance.LessThan(gasCost) {
		return prevalidationFailure(exitcode.SysErrSenderStateInvalid, penalty,
			fmt.Sprintf("actor balance less than needed: %s < %s", sender.Balance, gasCost)), nil
	}
	sender.Sequence++
	sender.Balance = big.Sub(sender.Balance, gasCost)
	m.Tree.SetActor(senderID, sender)
	return nil, nil
}

func isEthAddress(a *address.Address) bool {
	if a == nil || a.Protocol() != address.Delegated {
		return false
	}
	payload := a.Payload()
	return len(payload) > 0 && payload[0] == eamNamespace
}

// eamNamespace is the EAM actor id, the namespace of f410 addresses (a
// one-byte varint).
const eamNamespace = 10

func (e *Executor) execute(ctx context.Context, msg *message.Message, kind ApplyKind, senderID uint64, gasLimit int64, inclusion *gas.GasCharge) (*ApplyRet, error) {
	m := e.Machine
	receiverID, receiverKnown, err := m.Tree.LookupID(ctx, msg.To)
	if err != nil {
		return nil, fmt.Errorf("%w: resolve receiver %s: %w", ErrFatal, msg.To, err)
	}
	var opts []gas.TrackerOption
	if e.Trace {
		opts = append(opts, gas.WithTrace())
	}
	tracker := gas.NewGasTracker(gas.NewGas(uint64(gasLimit)), gas.ZeroGas, opts...)
	cm := callmanager.New(m, tracker, callmanager.Message{
		Origin: senderID, OriginAddress: msg.From, Receiver: receiverID, ReceiverKnown: receiverKnown,
		Nonce: msg.Sequence, GasPremium: effectivePremium(msg, m.BaseFee), To: msg.To, From: msg.From,
	}, e.Invoker)

	res, callErr := e.topLevelCall(ctx, cm, msg, senderID, inclusion)
	ret := &ApplyRet{}
	gasUsed := int64(tracker.GasUsed().RoundUp())
	ret.Receipt, ret.FailureInfo = receiptFor(res, callErr, gasUsed, gasLimit)
	if ret.Receipt.ExitCode == exitcode.Ok && m.Profile.Events {
		ret.Events = cm.Events()
		if ret.Receipt.EventsRoot, err = eventsRoot(ctx, ret.Events); err != nil {
			return nil, err
		}
	}
	ret.Trace = cm.Trace()
	if kind == Implicit {
		ret.setZeroOutputs()
		return ret, nil
	}
	if err := e.finish(ctx, msg, senderID, ret); err != nil {
		return nil, err
	}
	return ret, nil
}

// topLevelCall charges the inclusion gas and runs the message's call. A Go
// panic below it (a bug in go-fvm, not in the actor) fails the message as
// fatally as any other FVM-internal failure: every open transaction is
// reverted and the receipt is SYS_ASSERTION_FAILED with the whole gas limit.
func (e *Executor) topLevelCall(ctx context.Context, cm *callmanager.CallManager, msg *message.Message, senderID uint64, inclusion *gas.GasCharge) (res callmanager.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			tree := e.Machine.Tree
			for tree.InTransaction() {
				_ = tree.EndTransaction(true)
			}
			res, err = callmanager.Result{}, fmt.Errorf("%w: panic in the top-level call: %v", kernel.ErrFatal, r)
		}
	}()
	if inclusion != nil {
		if err := cm.Charge(*inclusion); err != nil {
			return callmanager.Result{}, err
		}
	}
	var params *kernel.Block
	if len(msg.Params) > 0 {
		profile := e.Machine.Profile
		codec := profile.ParamsCodec
		if msg.Method == callmanager.MethodSend && profile.RawSendParams {
			codec = callmanager.CodecRaw
		}
		params = &kernel.Block{Codec: codec, Data: msg.Params}
	}
	return cm.Send(ctx, senderID, msg.To, msg.Method, params, msg.Value, nil, false)
}

// receiptFor maps the top-level call's result to a receipt.
func receiptFor(res callmanager.Result, callErr error, gasUsed, gasLimit int64) (Receipt, string) {
	if callErr == nil {
		r := Receipt{ExitCode: res.ExitCode, GasUsed: gasUsed}
		if res.Return != nil {
			r.Return = res.Return.Data
		}
		info := ""
		if res.ExitCode != exitcode.Ok {
			info = fmt.Sprintf("call failed with exit code %d", res.ExitCode)
		}
		return r, info
	}
	code := callmanager.ErrorExitCode(callErr)
	if kernel.IsFatal(callErr) {
		// A fatal error uses the whole gas limit.
		gasUsed = gasLimit
	}
	return Receipt{ExitCode: code, GasUsed: gasUsed}, callErr.Error()
}

func effectivePremium(msg *message.Message, baseFee abi.TokenAmount) abi.TokenAmount {
	p := big.Min(msg.GasPremium, big.Sub(msg.GasFeeCap, baseFee))
	return big.Max(p, big.Zero())
}

// finish computes the gas outputs of an explicit message and moves the fees.
func (e *Executor) finish(ctx context.Context, msg *message.Message, senderID uint64, ret *ApplyRet) error {
	m := e.Machine
	out := gas.ComputeGasOutputs(ret.Receipt.GasUsed, int64(msg.GasLimit), m.BaseFee, msg.GasFeeCap, msg.GasPremium, true)
	ret.Penalty, ret.MinerTip = out.MinerPenalty, out.MinerTip
	ret.BaseFeeBurn, ret.OverEstimationBurn, ret.Refund = out.BaseFeeBurn, out.OverEstimationBurn, out.Refund
	ret.GasRefund, ret.GasBurned = out.GasRefund, out.GasBurned

	total := big.Sum(out.BaseFeeBurn, out.OverEstimationBurn, out.Refund, out.MinerTip)
	if !total.Equals(big.Mul(msg.GasFeeCap, big.NewIntUnsigned(msg.GasLimit))) {
		return fmt.Errorf("%w: gas outputs %s do not add up to fee cap × gas limit", ErrFatal, total)
	}
	for _, p := range []struct {
		to  uint64
		amt abi.TokenAmount
	}{{burntFundsActorID, out.BaseFeeBurn}, {rewardActorID, out.MinerTip}, {burntFundsActorID, out.OverEstimationBurn}, {senderID, out.Refund}} {
		if err := deposit(ctx, m.Tree, p.to, p.amt); err != nil {
			return err
		}
	}
	return nil
}

// deposit adds amt to an actor's balance, outside any transaction and free
// of gas. Zero is skipped; a negative amount or a missing actor is fatal.
func deposit(ctx context.Context, tree *state.StateTree, id uint64, amt abi.TokenAmount) error {
	if amt.IsZero() {
		return nil
	}
	if amt.Sign() < 0 {
		return fmt.Errorf("%w: negative transfer %s to %d", ErrFatal, amt, id)
	}
	act, err := tree.GetActor(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFatal, err)
	}
	if act == nil {
		return fmt.Errorf("%w: actor %d not found for deposit", ErrFatal, id)
	}
	act.DepositFunds(amt)
	tree.SetActor(id, act)
	return nil
}

// prevalidationFailure is the receipt of a message rejected before it ran:
// no gas used, nothing moved, the penalty reported.
func prevalidationFailure(code exitcode.ExitCode, penalty abi.TokenAmount, info string) *ApplyRet {
	ret := &ApplyRet{Receipt: Receipt{ExitCode: code}, FailureInfo: info}
	ret.setZeroOutputs()
	ret.Penalty = penalty
	return ret
}

func (r *ApplyRet) setZeroOutputs() {
	z := big.Zero()
	r.Penalty, r.MinerTip, r.BaseFeeBurn, r.OverEstimationBurn, r.Refund = z, z, z, z, z
	r.GasRefund, r.GasBurned = 0, 0
}
