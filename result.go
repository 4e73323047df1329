package fvm

import (
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/executor"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/state"
)

// Receipt is a message receipt, as it goes on chain (Lotus's
// types.MessageReceipt, version 1).
type Receipt struct {
	ExitCode exitcode.ExitCode
	Return   []byte
	GasUsed  int64
	// EventsRoot is the root of the AMT of the message's events; nil when
	// it emitted none.
	EventsRoot *cid.Cid
}

// ApplyRet is the outcome of applying a message: the receipt, where the
// fees went, the events, why it failed and, when tracing, its call tree.
type ApplyRet struct {
	Receipt Receipt
	// MinerPenalty is what the block's miner owes for including the message
	// (reported, not moved).
	MinerPenalty abi.TokenAmount
	// MinerTip is what the block's miner earned (paid to the reward actor).
	MinerTip abi.TokenAmount
	// BaseFeeBurn and OverEstimationBurn went to the burnt-funds actor.
	BaseFeeBurn        abi.TokenAmount
	OverEstimationBurn abi.TokenAmount
	// Refund went back to the sender.
	Refund    abi.TokenAmount
	GasRefund int64
	GasBurned int64
	// FailureInfo says why the message failed, for humans ("" on success).
	FailureInfo string
	// Events are the events the message emitted, in order.
	Events []Event
	// Trace is the message's call tree, when Config.Tracing is set.
	Trace *ExecutionTrace
}

// Event is an actor event (FIP-0049): the emitting actor and its entries.
type Event struct {
	Emitter abi.ActorID
	Entries []EventEntry
}

// EventEntry is one key-value pair of an event. Flags mark which entries
// are indexed (by key, by value); Codec is the value's IPLD codec (0x55 raw
// for EVM logs, whose keys are t1..t4 for topics and d for data).
type EventEntry struct {
	Flags uint64
	Key   string
	Codec uint64
	Value []byte
}

// Actor is an actor's entry in the state tree.
type Actor struct {
	// Code is the CID of the actor's code; Kind names it ("account", "evm",
	// ...) when it is a builtin actor of the state's bundle.
	Code cid.Cid
	// Head is the root of the actor's own state.
	Head cid.Cid
	// Nonce is the sequence of an account, or a counter of other actors.
	Nonce   uint64
	Balance abi.TokenAmount
	// DelegatedAddress is the f4 address the actor was created with, if any.
	DelegatedAddress *address.Address
}

// ExecutionTrace is one call of a message's call tree, in the shape of
// Lotus's types.ExecutionTrace: the message, its receipt, the actor invoked,
// the gas charged while it was the innermost call, and its sub-calls.
type ExecutionTrace struct {
	Msg          MessageTrace
	MsgRct       ReturnTrace
	InvokedActor *ActorTrace `json:",omitempty"`
	GasCharges   []GasTrace  `json:",omitempty"`
	Subcalls     []ExecutionTrace
}

// MessageTrace is a call as it was made.
type MessageTrace struct {
	From        address.Address
	To          address.Address
	Value       abi.TokenAmount
	Method      abi.MethodNum
	Params      []byte
	ParamsCodec uint64
	// GasLimit is the call's own limit, or the gas available when it had none.
	GasLimit uint64
	ReadOnly bool
}

// ReturnTrace is how a call ended.
type ReturnTrace struct {
	ExitCode    exitcode.ExitCode
	Return      []byte
	ReturnCodec uint64
}

// ActorTrace is the actor a call ran, as it was when invoked.
type ActorTrace struct {
	ID    abi.ActorID
	State Actor
}

// GasTrace is one gas charge, in gas units.
type GasTrace struct {
	Name       string
	TotalGas   int64
	ComputeGas int64
	StorageGas int64
}

func applyRetFrom(r *executor.ApplyRet) *ApplyRet {
	if r == nil {
		return nil
	}
	return &ApplyRet{
		Receipt: Receipt{
			ExitCode: r.Receipt.ExitCode, Return: r.Receipt.Return,
			GasUsed: r.Receipt.GasUsed, EventsRoot: r.Receipt.EventsRoot,
		},
		MinerPenalty:       r.Penalty,
		MinerTip:           r.MinerTip,
		BaseFeeBurn:        r.BaseFeeBurn,
		OverEstimationBurn: r.OverEstimationBurn,
		Refund:             r.Refund,
		GasRefund:          r.GasRefund,
		GasBurned:          r.GasBurned,
		FailureInfo:        r.FailureInfo,
		Events:             eventsFrom(r.Events),
		Trace:              traceFrom(r.Trace),
	}
}

func eventsFrom(evs []kernel.StampedEvent) []Event {
	if len(evs) == 0 {
		return nil
	}
	out := make([]Event, len(evs))
	for i, ev := range evs {
		entries := make([]EventEntry, len(ev.Entries))
		for j, e := range ev.Entries {
			entries[j] = EventEntry{Flags: e.Flags, Key: e.Key, Codec: e.Codec, Value: e.Value}
		}
		out[i] = Event{Emitter: abi.ActorID(ev.Emitter), Entries: entries}
	}
	return out
}

func actorFrom(a *state.ActorState) Actor {
	return Actor{Code: a.Code, Head: a.Head, Nonce: a.Sequence, Balance: a.Balance, DelegatedAddress: a.DelegatedAddress}
}

func traceFrom(t *callmanager.ExecutionTrace) *ExecutionTrace {
	if t == nil {
		return nil
	}
	out := &ExecutionTrace{
		Msg: MessageTrace{
			From: t.Msg.From, To: t.Msg.To, Value: t.Msg.Value, Method: t.Msg.Method,
			Params: t.Msg.Params, ParamsCodec: t.Msg.ParamsCodec, GasLimit: t.Msg.GasLimit, ReadOnly: t.Msg.ReadOnly,
		},
		MsgRct: ReturnTrace{ExitCode: t.MsgRct.ExitCode, Return: t.MsgRct.Return, ReturnCodec: t.MsgRct.ReturnCodec},
	}
	if t.InvokedActor != nil {
		out.InvokedActor = &ActorTrace{ID: t.InvokedActor.ID, State: actorFrom(&t.InvokedActor.State)}
	}
	for _, g := range t.GasCharges {
		out.GasCharges = append(out.GasCharges, GasTrace(g))
	}
	for i := range t.Subcalls {
		out.Subcalls = append(out.Subcalls, *traceFrom(&t.Subcalls[i]))
	}
	return out
}
