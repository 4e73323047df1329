package chain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/crypto"
	"github.com/go-fvm/go-fvm/message"
)

// ErrRejected is returned (wrapped, with the reason) for a message the
// mempool refuses.
var ErrRejected = errors.New("message rejected")

// Mempool limits (Lotus's messagepool).
const (
	// MaxMessageSize is the largest signed message accepted, in bytes.
	MaxMessageSize = 64 << 10
	// MaxNonceGap is how far past a sender's next nonce a message may be.
	MaxNonceGap = 4
	// maxPendingPerSender bounds one sender's pending messages.
	maxPendingPerSender = 1000
	// blockMessageLimit bounds the messages of a block.
	blockMessageLimit = 10000
	// rbfNumerator/100 is the least premium ratio that replaces a pending message.
	rbfNumerator = 110
)

// pending is a message in the pool.
type pending struct {
	sm  *message.SignedMessage
	cid cid.Cid
	seq uint64 // arrival order
}

// mpool holds pending messages by sender and nonce.
type mpool struct {
	mu       sync.Mutex
	bySender map[address.Address]map[uint64]*pending
	seq      uint64
}

func newMpool() *mpool { return &mpool{bySender: map[address.Address]map[uint64]*pending{}} }

// Why the mempool rejects a message: a rejection wraps ErrRejected and one
// of these (match with errors.Is), so that the RPC layers can word it as
// their clients expect.
var (
	ErrInvalidMessage    = errors.New("invalid message")
	ErrBadSignature      = errors.New("bad signature")
	ErrGasLimit          = errors.New("gas limit out of range")
	ErrFeeCapTooLow      = errors.New("gas fee cap too low")
	ErrNonceTooLow       = errors.New("nonce too low")
	ErrNonceTooHigh      = errors.New("nonce too high")
	ErrInsufficientFunds = errors.New("insufficient funds")
	ErrKnown             = errors.New("already known")
	ErrUnderpriced       = errors.New("replacement underpriced")
	ErrPoolFull          = errors.New("too many pending messages")
)

// Rejection is the error of a rejected message: Reason is one of the Err*
// reasons above, Detail says what was wrong.
type Rejection struct {
	Reason error
	Detail string
}

// Error is "message rejected: " and the detail.
func (r *Rejection) Error() string { return ErrRejected.Error() + ": " + r.Detail }

// Unwrap gives ErrRejected and the reason.
func (r *Rejection) Unwrap() []error { return []error{ErrRejected, r.Reason} }

func rejected(reason error, format string, args ...any) error {
	return &Rejection{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// checkStatic checks what needs no state: the message's fields, size and signature.
func (c *Chain) checkStatic(sm *message.SignedMessage) error {
	m := &sm.Message
	switch {
	case m.Version != 0:
		return rejected(ErrInvalidMessage, "message version %d, want 0", m.Version)
	case m.To == address.Undef || m.From == address.Undef:
		return rejected(ErrInvalidMessage, "message has no sender or no recipient")
	case m.GasLimit == 0:
		return rejected(ErrGasLimit, "gas limit is zero")
	case m.GasLimit > fvm.BlockGasLimit:
		return rejected(ErrGasLimit, "gas limit %d exceeds the block gas limit %d", m.GasLimit, int64(fvm.BlockGasLimit))
	case m.Value.Int == nil || m.Value.Sign() < 0:
		return rejected(ErrInvalidMessage, "value must be a non-negative amount")
	case m.Value.GreaterThan(c.cfg.TotalSupply):
		return rejected(ErrInvalidMessage, "value %s exceeds the total supply", m.Value)
	case m.GasFeeCap.Int == nil || m.GasPremium.Int == nil || m.GasFeeCap.Sign() < 0 || m.GasPremium.Sign() < 0:
		return rejected(ErrInvalidMessage, "gas fee cap and gas premium must be non-negative amounts")
	case m.GasFeeCap.LessThan(m.GasPremium):
		return rejected(ErrInvalidMessage, "gas fee cap %s is less than gas premium %s", m.GasFeeCap, m.GasPremium)
	case m.GasFeeCap.LessThan(big.NewInt(minimumBaseFee)):
		return rejected(ErrFeeCapTooLow, "gas fee cap %s is below the minimum base fee %d", m.GasFeeCap, minimumBaseFee)
	}
	if n := len(sm.Bytes()); n > MaxMessageSize {
		return rejected(ErrInvalidMessage, "message is %d bytes, more than %d", n, MaxMessageSize)
	}
	return c.checkSignature(sm)
}

// checkSignature verifies the signature by the sender's key: secp256k1 and
// BLS over the message CID's bytes, delegated through Config.Delegated.
func (c *Chain) checkSignature(sm *message.SignedMessage) error {
	from, sig := sm.Message.From, sm.Signature
	want := map[address.Protocol]crypto.SignatureType{
		address.SECP256K1: crypto.SigTypeSecp256k1,
		address.BLS:       crypto.SigTypeBLS,
		address.Delegated: crypto.SigTypeDelegated,
	}
	t, ok := want[from.Protocol()]
	if !ok {
		return rejected(ErrBadSignature, "sender %s is not a key address (f1, f3 or f410): messages are signed by their sender's key", from)
	}
	if crypto.SignatureType(sig.Type) != t {
		return rejected(ErrBadSignature, "sender %s needs a %s signature, the message has a %s one", from, t, crypto.SignatureType(sig.Type))
	}
	if t == crypto.SigTypeDelegated {
		if c.cfg.Delegated == nil {
			return rejected(ErrBadSignature, "sender %s is an f410 address: delegated signatures need the Ethereum transaction codec, which this chain was not given", from)
		}
		if err := c.cfg.Delegated(sm, c.cfg.ChainID); err != nil {
			return rejected(ErrBadSignature, "invalid delegated signature by %s: %v", from, err)
		}
		return nil
	}
	ok, err := crypto.VerifySignature(t, sig.Data, from, sm.Message.Cid().Bytes())
	if err != nil || !ok {
		return rejected(ErrBadSignature, "invalid %s signature by %s", t, from)
	}
	return nil
}

// senderState is what the pool checks a message against.
type senderState struct {
	nonce   uint64
	balance abi.TokenAmount
	baseFee abi.TokenAmount
}

// add checks a message against its sender's state and pending messages and
// adds it, replacing a pending one of the same nonce when its premium is high
// enough.
func (p *mpool) add(sm *message.SignedMessage, st senderState) error {
	m := &sm.Message
	p.mu.Lock()
	defer p.mu.Unlock()
	msgs := p.bySender[m.From]
	next := nextNonce(st.nonce, msgs)
	switch {
	case m.Sequence < st.nonce:
		return rejected(ErrNonceTooLow, "nonce too low: message nonce %d, sender %s's next nonce is %d", m.Sequence, m.From, st.nonce)
	case m.Sequence > next+MaxNonceGap:
		return rejected(ErrNonceTooHigh, "nonce too high: message nonce %d, sender %s's next nonce is %d (a gap of at most %d is accepted)", m.Sequence, m.From, next, MaxNonceGap)
	case m.GasFeeCap.LessThan(st.baseFee):
		return rejected(ErrFeeCapTooLow, "gas fee cap %s is below the base fee %s: the message could not be included", m.GasFeeCap, st.baseFee)
	}
	c := sm.Cid()
	old := msgs[m.Sequence]
	if old != nil {
		if old.cid.Equals(c) {
			return rejected(ErrKnown, "message %s from %s with nonce %d is already in the mempool", c, m.From, m.Sequence)
		}
		minPremium := big.Add(big.Div(big.Mul(old.sm.Message.GasPremium, big.NewInt(rbfNumerator)), big.NewInt(100)), big.NewInt(1))
		if m.GasPremium.LessThan(minPremium) {
			return rejected(ErrUnderpriced, "a message from %s with nonce %d is already in the mempool: a replacement needs a gas premium of at least %s, not %s", m.From, m.Sequence, minPremium, m.GasPremium)
		}
	}
	if old == nil && len(msgs) >= maxPendingPerSender {
		return rejected(ErrPoolFull, "sender %s has %d pending messages, the most accepted", m.From, len(msgs))
	}
	if err := checkFunds(sm, st.balance, msgs); err != nil {
		return err
	}
	if msgs == nil {
		msgs = map[uint64]*pending{}
		p.bySender[m.From] = msgs
	}
	p.seq++
	msgs[m.Sequence] = &pending{sm: sm, cid: c, seq: p.seq}
	return nil
}

// requiredFunds is what a message may cost its sender in gas (Lotus's RequiredFunds).
func requiredFunds(m *message.Message) abi.TokenAmount {
	return big.Mul(m.GasFeeCap, big.NewIntUnsigned(m.GasLimit))
}

func checkFunds(sm *message.SignedMessage, balance abi.TokenAmount, msgs map[uint64]*pending) error {
	m := &sm.Message
	gas := requiredFunds(m)
	if balance.LessThan(gas) {
		return rejected(ErrInsufficientFunds, "not enough funds: sender %s has %s attoFIL, the gas limit × gas fee cap is %s", m.From, balance, gas)
	}
	need := big.Add(gas, m.Value)
	others := big.Zero()
	for n, pm := range msgs {
		if n != m.Sequence {
			others = big.Sum(others, requiredFunds(&pm.sm.Message), pm.sm.Message.Value)
		}
	}
	if total := big.Add(need, others); balance.LessThan(total) {
		return rejected(ErrInsufficientFunds, "not enough funds: sender %s has %s attoFIL, the message needs %s (value + gas limit × gas fee cap) and its pending messages %s", m.From, balance, need, others)
	}
	return nil
}

// nextNonce is the nonce after the run of pending messages from the state's nonce.
func nextNonce(stateNonce uint64, msgs map[uint64]*pending) uint64 {
	n := stateNonce
	for msgs[n] != nil {
		n++
	}
	return n
}

// pendingList returns every pending message, in arrival order.
func (p *mpool) pendingList() []*pending {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*pending
	for _, msgs := range p.bySender {
		for _, pm := range msgs {
			out = append(out, pm)
		}
	}
	slices.SortFunc(out, func(a, b *pending) int { return cmpUint(a.seq, b.seq) })
	return out
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// senders returns the senders with pending messages.
func (p *mpool) senders() []address.Address {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]address.Address, 0, len(p.bySender))
	for a := range p.bySender {
		out = append(out, a)
	}
	return out
}

// run returns a sender's pending messages with nonces stateNonce, stateNonce+1, ...
func (p *mpool) run(from address.Address, stateNonce uint64) []*pending {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*pending
	for n := stateNonce; p.bySender[from][n] != nil; n++ {
		out = append(out, p.bySender[from][n])
	}
	return out
}

// prune drops a sender's messages below its state nonce.
func (p *mpool) prune(from address.Address, stateNonce uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := range p.bySender[from] {
		if n < stateNonce {
			delete(p.bySender[from], n)
		}
	}
	if len(p.bySender[from]) == 0 {
		delete(p.bySender, from)
	}
}

// clear empties the pool.
func (p *mpool) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bySender = map[address.Address]map[uint64]*pending{}
}

// Push checks a signed message and adds it to the mempool; with automine it
// is mined (and its receipt visible) before Push returns. The result is the
// message's CID on chain. Rejections wrap ErrRejected and say why.
func (c *Chain) Push(ctx context.Context, sm *message.SignedMessage) (cid.Cid, error) {
	if err := c.checkStatic(sm); err != nil {
		return cid.Undef, err
	}
	st, err := c.senderState(ctx, sm.Message.From)
	if err != nil {
		return cid.Undef, err
	}
	if err := c.pool.add(sm, st); err != nil {
		return cid.Undef, err
	}
	if c.cfg.Automine {
		if err := c.automine(ctx); err != nil {
			return cid.Undef, err
		}
	}
	return sm.Cid(), nil
}

// senderState reads a sender's nonce and balance at the head, and the base
// fee the next tipset pays.
func (c *Chain) senderState(ctx context.Context, from address.Address) (senderState, error) {
	vm, exec, err := c.headVM(ctx)
	if err != nil {
		return senderState{}, err
	}
	defer vm.Close(ctx)
	_, act, err := vm.Actor(ctx, from)
	if errors.Is(err, fvm.ErrActorNotFound) {
		return senderState{}, rejected(ErrInsufficientFunds, "sender %s has no actor on chain: send it funds first", from)
	}
	if err != nil {
		return senderState{}, err
	}
	return senderState{nonce: act.Nonce, balance: act.Balance, baseFee: exec.NextBaseFee}, nil
}

// Pending returns the mempool's messages in arrival order.
func (c *Chain) Pending() []*message.SignedMessage {
	var out []*message.SignedMessage
	for _, pm := range c.pool.pendingList() {
		out = append(out, pm.sm)
	}
	return out
}

// NextNonce is the nonce a new message from addr should carry: the sender's
// nonce at the head, past its pending messages.
func (c *Chain) NextNonce(ctx context.Context, addr address.Address) (uint64, error) {
	vm, _, err := c.headVM(ctx)
	if err != nil {
		return 0, err
	}
	defer vm.Close(ctx)
	var stateNonce uint64
	_, act, err := vm.Actor(ctx, addr)
	switch {
	case errors.Is(err, fvm.ErrActorNotFound):
	case err != nil:
		return 0, err
	default:
		stateNonce = act.Nonce
	}
	c.pool.mu.Lock()
	defer c.pool.mu.Unlock()
	return nextNonce(stateNonce, c.pool.bySender[addr]), nil
}
