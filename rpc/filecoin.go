package rpc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/chain/wallet"
	"github.com/go-fvm/go-fvm/message"
)

// apiVersion is the Lotus full-node API version we speak (FullAPIVersion1, 2.3.0).
const apiVersion = 2<<16 | 3<<8 | 0

// ErrBadParam is returned (wrapped) for a parameter the method cannot use.
var ErrBadParam = errors.New("bad parameter")

func errParam(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadParam, fmt.Sprintf(format, args...))
}

// Config is what the Filecoin API serves.
type Config struct {
	Chain  *chain.Chain
	Wallet *wallet.Wallet
	// Keys, when set, persists keys WalletNew makes.
	Keys func(*wallet.Key) error
	// EthSigning is what f410 keys sign for a message (the Ethereum codec's);
	// nil refuses to sign for f410 senders.
	EthSigning wallet.SigningBytes
	// Version is the devnet's version string.
	Version string
	// BlockDelay is the interval mining period (zero with automine).
	BlockDelay time.Duration
}

// FilecoinAPI is the "Filecoin" namespace: Lotus's full-node methods the
// devnet supports. Each exported method is a JSON-RPC method.
type FilecoinAPI struct {
	cfg Config
}

// NewFilecoinAPI returns the Filecoin namespace's handler.
func NewFilecoinAPI(cfg Config) *FilecoinAPI { return &FilecoinAPI{cfg: cfg} }

func (a *FilecoinAPI) chain() *chain.Chain { return a.cfg.Chain }

// Version says what is serving.
func (a *FilecoinAPI) Version(context.Context) (APIVersion, error) {
	return APIVersion{Version: a.cfg.Version, APIVersion: apiVersion, BlockDelay: uint64(a.cfg.BlockDelay / time.Second), Agent: "go-fvm-devnet"}, nil
}

// ChainHead returns the head tipset.
func (a *FilecoinAPI) ChainHead(context.Context) (*TipSet, error) {
	return tipSetJSON(a.chain().Head()), nil
}

// ChainGetGenesis returns the genesis tipset.
func (a *FilecoinAPI) ChainGetGenesis(context.Context) (*TipSet, error) {
	return tipSetJSON(a.chain().Genesis()), nil
}

// tipset resolves a key (empty: the head).
func (a *FilecoinAPI) tipset(ctx context.Context, k TipSetKey) (*chain.TipSet, error) {
	ts, err := a.chain().TipSet(ctx, chain.TipSetKey(k))
	if err != nil {
		return nil, fmt.Errorf("loading tipset %v: %w", []cid.Cid(k), err)
	}
	return ts, nil
}

// ChainGetTipSet returns the tipset of a key.
func (a *FilecoinAPI) ChainGetTipSet(ctx context.Context, k TipSetKey) (*TipSet, error) {
	ts, err := a.tipset(ctx, k)
	if err != nil {
		return nil, err
	}
	return tipSetJSON(ts), nil
}

// ChainGetTipSetByHeight returns the tipset at height h, at or below the tipset of k.
func (a *FilecoinAPI) ChainGetTipSetByHeight(ctx context.Context, h abi.ChainEpoch, k TipSetKey) (*TipSet, error) {
	from, err := a.tipset(ctx, k)
	if err != nil {
		return nil, err
	}
	if h < 0 {
		return nil, errParam("height %d is negative", h)
	}
	if h > from.Height {
		return nil, errParam("looking for tipset with height greater than start point (%d > %d)", h, from.Height)
	}
	ts, err := a.chain().TipSetByHeight(ctx, h)
	if err != nil {
		return nil, err
	}
	return tipSetJSON(ts), nil
}

// ChainGetBlock returns a block header.
func (a *FilecoinAPI) ChainGetBlock(ctx context.Context, bc cid.Cid) (*BlockHeader, error) {
	h, err := a.chain().Block(ctx, bc)
	if err != nil {
		return nil, err
	}
	return headerJSON(h), nil
}

// ChainGetMessage returns a message (unsigned) by its signed or unsigned CID.
func (a *FilecoinAPI) ChainGetMessage(ctx context.Context, mc cid.Cid) (*Message, error) {
	sm, err := a.chain().GetMessage(ctx, mc)
	if err != nil {
		return nil, err
	}
	return messageJSON(&sm.Message), nil
}

// ChainGetBlockMessages returns a block's messages.
func (a *FilecoinAPI) ChainGetBlockMessages(ctx context.Context, bc cid.Cid) (*BlockMessages, error) {
	bls, secp, err := a.chain().BlockMessages(ctx, bc)
	if err != nil {
		return nil, err
	}
	out := &BlockMessages{BlsMessages: []*Message{}, SecpkMessages: []*SignedMessage{}, Cids: []cid.Cid{}}
	for _, m := range bls {
		out.BlsMessages = append(out.BlsMessages, messageJSON(&m.Signed.Message))
		out.Cids = append(out.Cids, m.Cid)
	}
	for _, m := range secp {
		out.SecpkMessages = append(out.SecpkMessages, signedJSON(m.Signed))
		out.Cids = append(out.Cids, m.Cid)
	}
	return out, nil
}

func cidMessages(msgs []chain.Message) []CidMessage {
	out := []CidMessage{}
	for _, m := range msgs {
		out = append(out, CidMessage{Cid: m.Cid, Message: messageJSON(&m.Signed.Message)})
	}
	return out
}

// ChainGetMessagesInTipset returns a tipset's messages in execution order.
func (a *FilecoinAPI) ChainGetMessagesInTipset(ctx context.Context, k TipSetKey) ([]CidMessage, error) {
	ts, err := a.tipset(ctx, k)
	if err != nil {
		return nil, err
	}
	msgs, err := a.chain().Messages(ctx, ts)
	if err != nil {
		return nil, err
	}
	return cidMessages(msgs), nil
}

// parentOf returns the parent tipset of a block.
func (a *FilecoinAPI) parentOf(ctx context.Context, bc cid.Cid) (*chain.TipSet, error) {
	h, err := a.chain().Block(ctx, bc)
	if err != nil {
		return nil, err
	}
	if h.Height == 0 {
		return nil, nil
	}
	return a.chain().TipSet(ctx, chain.TipSetKey(h.Parents))
}

// ChainGetParentMessages returns the messages of a block's parent tipset, in
// execution order (the receipts of ChainGetParentReceipts are theirs).
func (a *FilecoinAPI) ChainGetParentMessages(ctx context.Context, bc cid.Cid) ([]CidMessage, error) {
	parent, err := a.parentOf(ctx, bc)
	if err != nil || parent == nil {
		return []CidMessage{}, err
	}
	msgs, err := a.chain().Messages(ctx, parent)
	if err != nil {
		return nil, err
	}
	return cidMessages(msgs), nil
}

// ChainGetParentReceipts returns the receipts of a block's parent tipset's messages.
func (a *FilecoinAPI) ChainGetParentReceipts(ctx context.Context, bc cid.Cid) ([]*MessageReceipt, error) {
	parent, err := a.parentOf(ctx, bc)
	if err != nil || parent == nil {
		return []*MessageReceipt{}, err
	}
	exec, err := a.chain().Execution(ctx, parent)
	if err != nil {
		return nil, err
	}
	out := []*MessageReceipt{}
	for _, m := range exec.Messages {
		r := receiptJSON(&m.Receipt)
		out = append(out, &r)
	}
	return out, nil
}

// ChainReadObj returns the raw bytes of a block of the store.
func (a *FilecoinAPI) ChainReadObj(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := a.chain().Blockstore().Get(ctx, c)
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// ChainHasObj reports whether the store holds a block.
func (a *FilecoinAPI) ChainHasObj(ctx context.Context, c cid.Cid) (bool, error) {
	return a.chain().Blockstore().Has(ctx, c)
}

// ChainNotify streams head changes: the current head first, then each change
// (WebSocket only).
func (a *FilecoinAPI) ChainNotify(ctx context.Context) (<-chan []*HeadChange, error) {
	in := a.chain().SubscribeHeads(ctx)
	out := make(chan []*HeadChange, 16)
	go func() {
		defer close(out)
		for changes := range in {
			var hc []*HeadChange
			for _, c := range changes {
				hc = append(hc, &HeadChange{Type: c.Type, Val: tipSetJSON(c.TipSet)})
			}
			select {
			case out <- hc:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// MpoolPush adds a signed message to the mempool and returns its CID.
func (a *FilecoinAPI) MpoolPush(ctx context.Context, sm *SignedMessage) (cid.Cid, error) {
	if sm == nil {
		return cid.Undef, errParam("signed message is missing")
	}
	m, err := sm.Message.toMessage()
	if err != nil {
		return cid.Undef, err
	}
	return a.chain().Push(ctx, &message.SignedMessage{Message: *m, Signature: sm.Signature})
}

// MpoolGetNonce returns the next nonce of an address.
func (a *FilecoinAPI) MpoolGetNonce(ctx context.Context, addr address.Address) (uint64, error) {
	return a.chain().NextNonce(ctx, addr)
}

// MpoolPending returns the mempool's messages.
func (a *FilecoinAPI) MpoolPending(context.Context, TipSetKey) ([]*SignedMessage, error) {
	out := []*SignedMessage{}
	for _, sm := range a.chain().Pending() {
		out = append(out, signedJSON(sm))
	}
	return out, nil
}

// MpoolPushMessage fills in the nonce and any unset gas values of a message,
// signs it with the wallet's key of its sender, and pushes it.
func (a *FilecoinAPI) MpoolPushMessage(ctx context.Context, msg *Message, spec *MessageSendSpec) (*SignedMessage, error) {
	if msg == nil {
		return nil, errParam("message is missing")
	}
	if !a.cfg.Wallet.Has(msg.From) {
		return nil, errParam("the wallet has no key for the sender %s", msg.From)
	}
	nonce, err := a.chain().NextNonce(ctx, msg.From)
	if err != nil {
		return nil, err
	}
	msg.Nonce = nonce
	est, err := a.GasEstimateMessageGas(ctx, msg, spec, nil)
	if err != nil {
		return nil, err
	}
	m, err := est.toMessage()
	if err != nil {
		return nil, err
	}
	sm, err := a.cfg.Wallet.SignMessage(m, a.cfg.EthSigning, a.chain().ChainID())
	if err != nil {
		return nil, err
	}
	if _, err := a.chain().Push(ctx, sm); err != nil {
		return nil, err
	}
	return signedJSON(sm), nil
}

// WalletList returns the wallet's addresses.
func (a *FilecoinAPI) WalletList(context.Context) ([]address.Address, error) {
	return a.cfg.Wallet.List(), nil
}

// WalletHas reports whether the wallet holds an address's key.
func (a *FilecoinAPI) WalletHas(_ context.Context, addr address.Address) (bool, error) {
	return a.cfg.Wallet.Has(addr), nil
}

// WalletDefaultAddress returns the wallet's first address.
func (a *FilecoinAPI) WalletDefaultAddress(context.Context) (address.Address, error) {
	list := a.cfg.Wallet.List()
	if len(list) == 0 {
		return address.Undef, errors.New("the wallet is empty")
	}
	return list[0], nil
}

// WalletBalance returns an address's balance at the head (zero when it has no actor).
func (a *FilecoinAPI) WalletBalance(ctx context.Context, addr address.Address) (abi.TokenAmount, error) {
	vm, err := a.chain().VMAt(ctx, a.chain().Head(), false)
	if err != nil {
		return abi.TokenAmount{}, err
	}
	defer vm.Close(ctx)
	return vm.Balance(ctx, addr)
}

// WalletSign signs data with an address's key.
func (a *FilecoinAPI) WalletSign(_ context.Context, addr address.Address, data []byte) (*gscrypto.Signature, error) {
	sig, err := a.cfg.Wallet.Sign(addr, data)
	if err != nil {
		return nil, err
	}
	return &sig, nil
}

// WalletSignMessage signs a message with its sender's key.
func (a *FilecoinAPI) WalletSignMessage(_ context.Context, addr address.Address, msg *Message) (*SignedMessage, error) {
	m, err := msg.toMessage()
	if err != nil {
		return nil, err
	}
	if m.From != addr {
		return nil, errParam("message sender %s is not the signer %s", m.From, addr)
	}
	sm, err := a.cfg.Wallet.SignMessage(m, a.cfg.EthSigning, a.chain().ChainID())
	if err != nil {
		return nil, err
	}
	return signedJSON(sm), nil
}

// WalletNew makes a key of a type ("secp256k1", "bls", "delegated") and returns its address.
func (a *FilecoinAPI) WalletNew(_ context.Context, typ string) (address.Address, error) {
	t := wallet.KeyType(typ)
	if typ == "secp256k1-ledger" {
		return address.Undef, errParam("ledger keys are not supported")
	}
	k, err := wallet.Generate(t, nil)
	if err != nil {
		return address.Undef, errParam("%v", err)
	}
	if a.cfg.Keys != nil {
		if err := a.cfg.Keys(k); err != nil {
			return address.Undef, err
		}
	}
	a.cfg.Wallet.Add(k)
	return k.Address, nil
}

// StateNetworkVersion returns the network version.
func (a *FilecoinAPI) StateNetworkVersion(ctx context.Context, k TipSetKey) (network.Version, error) {
	if _, err := a.tipset(ctx, k); err != nil {
		return 0, err
	}
	return a.chain().NetworkVersion(), nil
}

// vmAt is a VM over the parent state of the tipset of k (Lotus's state
// methods read ts.ParentState()).
func (a *FilecoinAPI) vmAt(ctx context.Context, k TipSetKey) (*fvm.VM, *chain.TipSet, error) {
	ts, err := a.tipset(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	at := ts
	if ts.Height > 0 {
		if at, err = a.chain().TipSet(ctx, ts.Parents()); err != nil {
			return nil, nil, err
		}
	}
	vm, err := a.chain().VMAt(ctx, at, false)
	if err != nil {
		return nil, nil, err
	}
	return vm, ts, nil
}

// StateGetActor returns an actor.
func (a *FilecoinAPI) StateGetActor(ctx context.Context, addr address.Address, k TipSetKey) (*Actor, error) {
	vm, _, err := a.vmAt(ctx, k)
	if err != nil {
		return nil, err
	}
	defer vm.Close(ctx)
	_, act, err := vm.Actor(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", addr, err)
	}
	out := actorJSON(act)
	return &out, nil
}

// StateLookupID resolves an address to its ID address.
func (a *FilecoinAPI) StateLookupID(ctx context.Context, addr address.Address, k TipSetKey) (address.Address, error) {
	vm, _, err := a.vmAt(ctx, k)
	if err != nil {
		return address.Undef, err
	}
	defer vm.Close(ctx)
	id, err := vm.LookupID(ctx, addr)
	if err != nil {
		return address.Undef, fmt.Errorf("resolving %s: %w", addr, err)
	}
	return address.NewIDAddress(uint64(id))
}

// StateWaitMsg waits until a message's receipt is confidence tipsets deep.
func (a *FilecoinAPI) StateWaitMsg(ctx context.Context, mc cid.Cid, confidence uint64, limit abi.ChainEpoch, allowReplaced bool) (*MsgLookup, error) {
	l, err := a.chain().WaitMessage(ctx, mc, confidence)
	if err != nil {
		return nil, err
	}
	return lookupJSON(l), nil
}

// StateSearchMsg finds a message on chain; null when it is not there (yet).
func (a *FilecoinAPI) StateSearchMsg(ctx context.Context, from TipSetKey, mc cid.Cid, limit abi.ChainEpoch, allowReplaced bool) (*MsgLookup, error) {
	l, err := a.chain().SearchMessage(ctx, mc)
	if errors.Is(err, chain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if l.Executed == nil {
		return nil, nil
	}
	return lookupJSON(l), nil
}

// StateGetReceipt returns a message's receipt (the method Lotus had before StateSearchMsg).
func (a *FilecoinAPI) StateGetReceipt(ctx context.Context, mc cid.Cid, k TipSetKey) (*MessageReceipt, error) {
	l, err := a.chain().SearchMessage(ctx, mc)
	if err != nil {
		return nil, err
	}
	r := receiptJSON(&l.Applied.Receipt)
	return &r, nil
}

func lookupJSON(l *chain.Lookup) *MsgLookup {
	out := &MsgLookup{Message: l.Applied.Cid, Receipt: receiptJSON(&l.Applied.Receipt), Height: l.Included.Height + 1}
	if l.Executed != nil {
		out.TipSet, out.Height = TipSetKey(l.Executed.Key), l.Executed.Height
	}
	return out
}

// StateCall runs a message on a tipset's state without committing it.
func (a *FilecoinAPI) StateCall(ctx context.Context, msg *Message, k TipSetKey) (*InvocResult, error) {
	m, err := msg.toMessage()
	if err != nil {
		return nil, err
	}
	if m.GasLimit == 0 {
		m.GasLimit = fvm.BlockGasLimit
	}
	ts, err := a.tipset(ctx, k)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ret, err := a.chain().Call(ctx, m, ts)
	if err != nil {
		return nil, err
	}
	return invocResult(m.Cid(), m, ret, nil, time.Since(start)), nil
}

// StateReplay re-executes a message, traced. With an empty key the message is
// looked up on chain; otherwise the key names the tipset that included it.
func (a *FilecoinAPI) StateReplay(ctx context.Context, k TipSetKey, mc cid.Cid) (*InvocResult, error) {
	var ts *chain.TipSet
	if len(k) == 0 {
		l, err := a.chain().SearchMessage(ctx, mc)
		if err != nil {
			return nil, err
		}
		ts = l.Included
	} else {
		var err error
		if ts, err = a.tipset(ctx, k); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	ret, m, err := a.chain().Replay(ctx, ts, mc)
	if err != nil {
		return nil, err
	}
	costs := chain.GasCosts{BaseFeeBurn: ret.BaseFeeBurn, OverEstimationBurn: ret.OverEstimationBurn,
		MinerPenalty: ret.MinerPenalty, MinerTip: ret.MinerTip, Refund: ret.Refund}
	return invocResult(m.Cid, &m.Signed.Message, ret, &costs, time.Since(start)), nil
}

func invocResult(mc cid.Cid, m *message.Message, ret *fvm.ApplyRet, costs *chain.GasCosts, d time.Duration) *InvocResult {
	r := receiptJSON(&ret.Receipt)
	out := &InvocResult{MsgCid: mc, Msg: messageJSON(m), MsgRct: &r, ExecutionTrace: traceJSON(ret.Trace),
		Error: ret.FailureInfo, Duration: d}
	if costs == nil {
		costs = &chain.GasCosts{BaseFeeBurn: ret.BaseFeeBurn, OverEstimationBurn: ret.OverEstimationBurn,
			MinerPenalty: ret.MinerPenalty, MinerTip: ret.MinerTip, Refund: ret.Refund}
	}
	out.GasCost = gasCostJSON(mc, ret.Receipt.GasUsed, *costs)
	return out
}
