package rpc

import (
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/message"
)

// TipSetKey is a tipset key in JSON: the blocks' CIDs ([] or null for the head).
type TipSetKey []cid.Cid

// TipSet is Lotus's TipSet JSON (ExpTipSet).
type TipSet struct {
	Cids   []cid.Cid
	Blocks []*BlockHeader
	Height abi.ChainEpoch
}

// Ticket is a block's VRF ticket.
type Ticket struct {
	VRFProof []byte
}

// ElectionProof is a block's election proof.
type ElectionProof struct {
	WinCount int64
	VRFProof []byte
}

// BeaconEntry is a drand entry.
type BeaconEntry struct {
	Round uint64
	Data  []byte
}

// BlockHeader is Lotus's BlockHeader JSON.
type BlockHeader struct {
	Miner                 address.Address
	Ticket                *Ticket
	ElectionProof         *ElectionProof
	BeaconEntries         []BeaconEntry
	WinPoStProof          []proof.PoStProof
	Parents               []cid.Cid
	ParentWeight          big.Int
	Height                abi.ChainEpoch
	ParentStateRoot       cid.Cid
	ParentMessageReceipts cid.Cid
	Messages              cid.Cid
	BLSAggregate          *gscrypto.Signature
	Timestamp             uint64
	BlockSig              *gscrypto.Signature
	ForkSignaling         uint64
	ParentBaseFee         abi.TokenAmount
}

// Message is Lotus's Message JSON (with its CID, which input ignores).
type Message struct {
	Version    uint64
	To         address.Address
	From       address.Address
	Nonce      uint64
	Value      abi.TokenAmount
	GasLimit   int64
	GasFeeCap  abi.TokenAmount
	GasPremium abi.TokenAmount
	Method     abi.MethodNum
	Params     []byte
	CID        *cid.Cid `json:",omitempty"`
}

// SignedMessage is Lotus's SignedMessage JSON.
type SignedMessage struct {
	Message   Message
	Signature gscrypto.Signature
	CID       *cid.Cid `json:",omitempty"`
}

// MessageReceipt is Lotus's MessageReceipt JSON.
type MessageReceipt struct {
	ExitCode   exitcode.ExitCode
	Return     []byte
	GasUsed    int64
	EventsRoot *cid.Cid
}

// CidMessage is Lotus's api.Message: a message with its CID.
type CidMessage struct {
	Cid     cid.Cid
	Message *Message
}

// BlockMessages is Lotus's api.BlockMessages.
type BlockMessages struct {
	BlsMessages   []*Message
	SecpkMessages []*SignedMessage
	Cids          []cid.Cid
}

// Actor is Lotus's types.Actor (ActorV5) JSON.
type Actor struct {
	Code             cid.Cid
	Head             cid.Cid
	Nonce            uint64
	Balance          abi.TokenAmount
	DelegatedAddress *address.Address
}

// ActorState is Lotus's api.ActorState.
type ActorState struct {
	Balance abi.TokenAmount
	Code    cid.Cid
	State   any
}

// MsgLookup is Lotus's api.MsgLookup.
type MsgLookup struct {
	Message   cid.Cid
	Receipt   MessageReceipt
	ReturnDec any
	TipSet    TipSetKey
	Height    abi.ChainEpoch
}

// MsgGasCost is Lotus's api.MsgGasCost.
type MsgGasCost struct {
	Message            cid.Cid
	GasUsed            abi.TokenAmount
	BaseFeeBurn        abi.TokenAmount
	OverEstimationBurn abi.TokenAmount
	MinerPenalty       abi.TokenAmount
	MinerTip           abi.TokenAmount
	Refund             abi.TokenAmount
	TotalCost          abi.TokenAmount
}

// InvocResult is Lotus's api.InvocResult.
type InvocResult struct {
	MsgCid         cid.Cid
	Msg            *Message
	MsgRct         *MessageReceipt
	GasCost        MsgGasCost
	ExecutionTrace ExecutionTrace
	Error          string
	Duration       time.Duration
}

// ExecutionTrace is Lotus's types.ExecutionTrace JSON.
type ExecutionTrace struct {
	Msg          MessageTrace
	MsgRct       ReturnTrace
	InvokedActor *ActorTrace `json:",omitempty"`
	GasCharges   []*GasTrace
	Subcalls     []ExecutionTrace
}

// MessageTrace is a call as made (Lotus's types.MessageTrace).
type MessageTrace struct {
	From        address.Address
	To          address.Address
	Value       abi.TokenAmount
	Method      abi.MethodNum
	Params      []byte
	ParamsCodec uint64
	GasLimit    uint64
	ReadOnly    bool
}

// ReturnTrace is how a call ended (Lotus's types.ReturnTrace).
type ReturnTrace struct {
	ExitCode    exitcode.ExitCode
	Return      []byte
	ReturnCodec uint64
}

// ActorTrace is the invoked actor (Lotus's types.ActorTrace).
type ActorTrace struct {
	Id    abi.ActorID //nolint:revive // Lotus's JSON name
	State Actor
}

// GasTrace is one gas charge (Lotus's types.GasTrace, with its short JSON names).
type GasTrace struct {
	Name       string
	TotalGas   int64         `json:"tg"`
	ComputeGas int64         `json:"cg"`
	StorageGas int64         `json:"sg"`
	TimeTaken  time.Duration `json:"tt"`
}

// HeadChange is Lotus's api.HeadChange.
type HeadChange struct {
	Type string
	Val  *TipSet
}

// APIVersion is Lotus's api.APIVersion.
type APIVersion struct {
	Version    string
	APIVersion uint32
	BlockDelay uint64
	Agent      string
}

// MessageSendSpec is Lotus's api.MessageSendSpec.
type MessageSendSpec struct {
	MaxFee         abi.TokenAmount
	MsgUuid        string //nolint:revive // Lotus's JSON name
	MaximizeFeeCap bool
}

// Conversions from the chain's types.

func tipSetJSON(ts *chain.TipSet) *TipSet {
	if ts == nil {
		return nil
	}
	out := &TipSet{Cids: ts.Key, Height: ts.Height}
	for _, b := range ts.Blocks {
		out.Blocks = append(out.Blocks, headerJSON(b))
	}
	return out
}

func headerJSON(h *externs.BlockHeader) *BlockHeader {
	out := &BlockHeader{
		Miner: h.Miner, WinPoStProof: h.WinPoStProof, Parents: h.Parents, ParentWeight: h.ParentWeight,
		Height: h.Height, ParentStateRoot: h.ParentStateRoot, ParentMessageReceipts: h.ParentMessageReceipts,
		Messages: h.Messages, BLSAggregate: h.BLSAggregate, Timestamp: h.Timestamp, BlockSig: h.BlockSig,
		ForkSignaling: h.ForkSignaling, ParentBaseFee: h.ParentBaseFee,
	}
	if h.Ticket != nil {
		out.Ticket = &Ticket{VRFProof: h.Ticket.VRFProof}
	}
	if h.ElectionProof != nil {
		out.ElectionProof = &ElectionProof{WinCount: h.ElectionProof.WinCount, VRFProof: h.ElectionProof.VRFProof}
	}
	for _, e := range h.BeaconEntries {
		out.BeaconEntries = append(out.BeaconEntries, BeaconEntry{Round: e.Round, Data: e.Data})
	}
	return out
}

func messageJSON(m *message.Message) *Message {
	c := m.Cid()
	return &Message{
		Version: m.Version, To: m.To, From: m.From, Nonce: m.Sequence, Value: m.Value,
		GasLimit: int64(m.GasLimit), GasFeeCap: m.GasFeeCap, GasPremium: m.GasPremium,
		Method: m.Method, Params: m.Params, CID: &c,
	}
}

func signedJSON(sm *message.SignedMessage) *SignedMessage {
	c := sm.Cid()
	return &SignedMessage{Message: *messageJSON(&sm.Message), Signature: sm.Signature, CID: &c}
}

func receiptJSON(r *fvm.Receipt) MessageReceipt {
	return MessageReceipt{ExitCode: r.ExitCode, Return: r.Return, GasUsed: r.GasUsed, EventsRoot: r.EventsRoot}
}

func actorJSON(a *fvm.Actor) Actor {
	return Actor{Code: a.Code, Head: a.Head, Nonce: a.Nonce, Balance: a.Balance, DelegatedAddress: a.DelegatedAddress}
}

func traceJSON(t *fvm.ExecutionTrace) ExecutionTrace {
	if t == nil {
		return ExecutionTrace{}
	}
	out := ExecutionTrace{
		Msg: MessageTrace{From: t.Msg.From, To: t.Msg.To, Value: t.Msg.Value, Method: t.Msg.Method,
			Params: t.Msg.Params, ParamsCodec: t.Msg.ParamsCodec, GasLimit: t.Msg.GasLimit, ReadOnly: t.Msg.ReadOnly},
		MsgRct:     ReturnTrace{ExitCode: t.MsgRct.ExitCode, Return: t.MsgRct.Return, ReturnCodec: t.MsgRct.ReturnCodec},
		GasCharges: []*GasTrace{},
		Subcalls:   []ExecutionTrace{},
	}
	if t.InvokedActor != nil {
		out.InvokedActor = &ActorTrace{Id: t.InvokedActor.ID, State: actorJSON(&t.InvokedActor.State)}
	}
	for _, g := range t.GasCharges {
		out.GasCharges = append(out.GasCharges, &GasTrace{Name: g.Name, TotalGas: g.TotalGas, ComputeGas: g.ComputeGas, StorageGas: g.StorageGas})
	}
	for i := range t.Subcalls {
		out.Subcalls = append(out.Subcalls, traceJSON(&t.Subcalls[i]))
	}
	return out
}

func gasCostJSON(mc cid.Cid, gasUsed int64, g chain.GasCosts) MsgGasCost {
	return MsgGasCost{
		Message: mc, GasUsed: big.NewInt(gasUsed), BaseFeeBurn: g.BaseFeeBurn,
		OverEstimationBurn: g.OverEstimationBurn, MinerPenalty: g.MinerPenalty, MinerTip: g.MinerTip,
		Refund: g.Refund, TotalCost: g.TotalCost(),
	}
}

// zeroIfNil makes an absent amount zero.
func zeroIfNil(a abi.TokenAmount) abi.TokenAmount {
	if a.Int == nil {
		return big.Zero()
	}
	return a
}

// toMessage converts a JSON message; absent amounts are zero.
func (m *Message) toMessage() (*message.Message, error) {
	if m == nil {
		return nil, errParam("message is missing")
	}
	if m.GasLimit < 0 {
		return nil, errParam("gas limit %d is negative", m.GasLimit)
	}
	return &message.Message{
		Version: m.Version, To: m.To, From: m.From, Sequence: m.Nonce, Value: zeroIfNil(m.Value),
		GasLimit: uint64(m.GasLimit), GasFeeCap: zeroIfNil(m.GasFeeCap), GasPremium: zeroIfNil(m.GasPremium),
		Method: m.Method, Params: m.Params,
	}, nil
}
