package chain

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/message"
)

func isNotFound(err error) bool { return errors.Is(err, fvm.ErrActorNotFound) }

// headVM is a VM over the state after the head, as the next tipset runs it.
func (c *Chain) headVM(ctx context.Context) (*fvm.VM, *Execution, error) {
	head, exec := c.headAndExec()
	vm, err := c.newVM(ctx, c.store, exec.StateRoot, head.Height+1, c.timestamp(head), exec.NextBaseFee, exec.CircSupply, false)
	return vm, exec, err
}

// VMAt returns a VM over the state after ts, set up as ts's child runs (its
// epoch, timestamp, base fee and circulating supply; predicted when ts is the
// head). Messages applied to it change nothing on chain. Close it when done.
func (c *Chain) VMAt(ctx context.Context, ts *TipSet, tracing bool) (*fvm.VM, error) {
	exec, err := c.Execution(ctx, ts)
	if err != nil {
		return nil, err
	}
	timestamp := c.timestamp(ts)
	if child, err := c.TipSetByHeight(ctx, ts.Height+1); err == nil {
		timestamp = child.Timestamp()
	}
	return c.newVM(ctx, c.store, exec.StateRoot, ts.Height+1, timestamp, exec.NextBaseFee, exec.CircSupply, tracing)
}

// parentVM is a VM over ts's parent state at ts's epoch and base fee, as ts's
// messages run (Lotus's StateCall runs there).
func (c *Chain) parentVM(ctx context.Context, ts *TipSet, tracing bool) (*fvm.VM, error) {
	if ts.Height == 0 {
		exec, err := c.Execution(ctx, ts)
		if err != nil {
			return nil, err
		}
		return c.newVM(ctx, c.store, exec.StateRoot, 0, ts.Timestamp(), ts.ParentBaseFee(), exec.CircSupply, tracing)
	}
	parent, err := c.TipSet(ctx, ts.Parents())
	if err != nil {
		return nil, err
	}
	pexec, err := c.Execution(ctx, parent)
	if err != nil {
		return nil, err
	}
	return c.newVM(ctx, c.store, ts.ParentState(), ts.Height, ts.Timestamp(), ts.ParentBaseFee(), pexec.CircSupply, tracing)
}

// Call runs msg on ts as Lotus's StateCall does: on ts's parent state at ts's
// epoch, after ts's own messages from the same sender, as an implicit message
// (no nonce, no fees) with its call traced; nothing is committed.
func (c *Chain) Call(ctx context.Context, msg *message.Message, ts *TipSet) (*fvm.ApplyRet, error) {
	vm, err := c.parentVM(ctx, ts, true)
	if err != nil {
		return nil, err
	}
	defer vm.Close(ctx)
	msgs, err := c.Messages(ctx, ts)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Signed.Message.From != msg.From {
			continue
		}
		if _, err := vm.ApplyMessage(ctx, &m.Signed.Message, m.Signed.ChainLength()); err != nil {
			return nil, fmt.Errorf("applying prior message %s: %w", m.Cid, err)
		}
	}
	return vm.Call(ctx, msg)
}

// Estimate runs msg as a chain message (nonce, balance and gas checked) on
// the state after ts, after the sender's pending messages, and reverts:
// gas estimation's dry run. chainLength is the message's on-chain size.
func (c *Chain) Estimate(ctx context.Context, msg *message.Message, chainLength int, ts *TipSet) (*fvm.ApplyRet, error) {
	vm, err := c.VMAt(ctx, ts, false)
	if err != nil {
		return nil, err
	}
	defer vm.Close(ctx)
	if ts.Height == c.Head().Height {
		for _, sm := range c.Pending() {
			if sm.Message.From != msg.From || sm.Message.Sequence >= msg.Sequence {
				continue
			}
			if _, err := vm.ApplyMessage(ctx, &sm.Message, sm.ChainLength()); err != nil {
				return nil, fmt.Errorf("applying pending message %s: %w", sm.Cid(), err)
			}
		}
	}
	return vm.Estimate(ctx, msg, chainLength)
}

// Replay executes ts's messages again, traced, up to the message c (signed or
// unsigned CID), and returns its result (Lotus's StateReplay). ts is the
// tipset that included the message.
func (c *Chain) Replay(ctx context.Context, ts *TipSet, msg cid.Cid) (*fvm.ApplyRet, *Message, error) {
	parent := ts
	var parentExec *Execution
	if ts.Height > 0 {
		var err error
		if parent, err = c.TipSet(ctx, ts.Parents()); err != nil {
			return nil, nil, err
		}
	}
	parentExec, err := c.Execution(ctx, parent)
	if err != nil {
		return nil, nil, err
	}
	var blockMsgs [][]chainMsg
	var found *Message
	for _, bc := range ts.Key {
		bls, secp, err := c.blockChainMsgs(ctx, bc)
		if err != nil {
			return nil, nil, err
		}
		msgs := append(bls, secp...)
		for _, m := range msgs {
			if m.cid.Equals(msg) || m.signed.Message.Cid().Equals(msg) {
				found = &Message{Cid: m.cid, Signed: m.signed}
			}
		}
		blockMsgs = append(blockMsgs, msgs)
	}
	if found == nil {
		return nil, nil, fmt.Errorf("message %s: %w in tipset %s", msg, ErrNotFound, ts.Key)
	}
	res, err := c.execute(ctx, c.store.NewBatch(), ts, parentExec, blockMsgs, execOptions{tracing: true, stopAt: found.Cid})
	if err != nil {
		return nil, nil, err
	}
	return res.stopped, found, nil
}

// Message is a chain message: its on-chain CID and the signed message (a BLS
// message's signature is known only while it is pending; on chain it is
// aggregated and Signed.Signature is empty).
type Message struct {
	Cid    cid.Cid
	Signed *message.SignedMessage
}

// GetMessage returns a message by its signed or unsigned CID.
func (c *Chain) GetMessage(ctx context.Context, mc cid.Cid) (*message.SignedMessage, error) {
	data, err := getBlock(ctx, c.store, mc)
	if err != nil {
		return nil, fmt.Errorf("message %s: %w", mc, ErrNotFound)
	}
	d, err := message.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("message %s: %w", mc, err)
	}
	sm := &message.SignedMessage{Message: d.Message}
	if d.Signature != nil {
		sm.Signature = *d.Signature
	}
	return sm, nil
}

func (c *Chain) blockChainMsgs(ctx context.Context, bc cid.Cid) (bls, secp []chainMsg, err error) {
	hdr, err := c.Block(ctx, bc)
	if err != nil {
		return nil, nil, err
	}
	blsCids, secpCids, err := readMsgMeta(ctx, c.store, hdr.Messages)
	if err != nil {
		return nil, nil, err
	}
	for _, mc := range blsCids {
		sm, err := c.GetMessage(ctx, mc)
		if err != nil {
			return nil, nil, err
		}
		sm.Signature.Type = 2 // BLS, aggregated in the block
		bls = append(bls, chainMsg{signed: sm, cid: mc})
	}
	for _, mc := range secpCids {
		sm, err := c.GetMessage(ctx, mc)
		if err != nil {
			return nil, nil, err
		}
		secp = append(secp, chainMsg{signed: sm, cid: mc})
	}
	return bls, secp, nil
}

// BlockMessages returns a block's messages: BLS ones (unsigned) and the
// others (signed), in block order.
func (c *Chain) BlockMessages(ctx context.Context, bc cid.Cid) (bls, secp []Message, err error) {
	b, s, err := c.blockChainMsgs(ctx, bc)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range b {
		bls = append(bls, Message{Cid: m.cid, Signed: m.signed})
	}
	for _, m := range s {
		secp = append(secp, Message{Cid: m.cid, Signed: m.signed})
	}
	return bls, secp, nil
}

// Messages returns a tipset's distinct messages in execution order (the i-th
// is the i-th of Execution(ts).Messages).
func (c *Chain) Messages(ctx context.Context, ts *TipSet) ([]Message, error) {
	var out []Message
	seen := map[cid.Cid]bool{}
	for _, bc := range ts.Key {
		bls, secp, err := c.BlockMessages(ctx, bc)
		if err != nil {
			return nil, err
		}
		for _, m := range append(bls, secp...) {
			mc := m.Signed.Message.Cid()
			if !seen[mc] {
				seen[mc] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// Lookup is where a message is on chain and what it did.
type Lookup struct {
	// Included is the tipset whose block holds the message.
	Included *TipSet
	// Executed is Included's child, whose ParentMessageReceipts hold the
	// receipt (Lotus's MsgLookup.TipSet); nil until it is mined.
	Executed *TipSet
	// Index is the message's position in Included's execution.
	Index int
	// Message is the message as included.
	Message Message
	// Applied is its result.
	Applied Applied
}

// SearchMessage finds a message (by signed or unsigned CID) on chain; it
// returns an error wrapping ErrNotFound when the chain does not hold it.
func (c *Chain) SearchMessage(ctx context.Context, mc cid.Cid) (*Lookup, error) {
	v, err := c.store.get(msgKey(mc))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("message %s: %w on chain", mc, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if len(v) != 12 {
		return nil, fmt.Errorf("message index entry of %s: %d bytes", mc, len(v))
	}
	height, idx := abi.ChainEpoch(binary.BigEndian.Uint64(v)), int(binary.BigEndian.Uint32(v[8:]))
	ts, err := c.TipSetByHeight(ctx, height)
	if err != nil {
		return nil, err
	}
	exec, err := c.Execution(ctx, ts)
	if err != nil {
		return nil, err
	}
	msgs, err := c.Messages(ctx, ts)
	if err != nil {
		return nil, err
	}
	if idx >= len(exec.Messages) || idx >= len(msgs) {
		return nil, fmt.Errorf("message index entry of %s points past tipset %d's messages", mc, height)
	}
	l := &Lookup{Included: ts, Index: idx, Message: msgs[idx], Applied: exec.Messages[idx]}
	if c.rawHead().Height == height {
		c.Head() // with automine, mines the child that executes it
	}
	if child, err := c.TipSetByHeight(ctx, height+1); err == nil {
		l.Executed = child
	}
	return l, nil
}

// WaitMessage waits until a message is on chain with its receipt in a tipset
// at least confidence tipsets below the head, or ctx ends.
func (c *Chain) WaitMessage(ctx context.Context, mc cid.Cid, confidence uint64) (*Lookup, error) {
	sub, cancel := context.WithCancel(ctx)
	defer cancel()
	heads := c.SubscribeHeads(sub)
	for {
		l, err := c.SearchMessage(ctx, mc)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err == nil && l.Executed != nil && uint64(c.Head().Height-l.Executed.Height) >= confidence {
			return l, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for message %s: %w", mc, ctx.Err())
		case _, ok := <-heads:
			if !ok {
				heads = c.SubscribeHeads(sub)
			}
		}
	}
}

// Snapshot records the head, for Revert (evm_snapshot); the id is the head's height.
func (c *Chain) Snapshot() uint64 { return uint64(c.Head().Height) }

// Revert takes the chain back to the tipset at height id (a Snapshot),
// dropping every later tipset and emptying the mempool (evm_revert).
func (c *Chain) Revert(ctx context.Context, id uint64) error {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	head := c.rawHead()
	target := abi.ChainEpoch(id)
	if target > head.Height {
		return fmt.Errorf("revert to height %d: the head is at %d", target, head.Height)
	}
	batch := c.store.NewBatch()
	var reverted []HeadChange
	for h := head.Height; h > target; h-- {
		ts, err := c.TipSetByHeight(ctx, h)
		if err != nil {
			return err
		}
		exec, err := c.Execution(ctx, ts)
		if err != nil {
			return err
		}
		for _, a := range exec.Messages {
			batch.delete(msgKey(a.Cid))
			batch.delete(msgKey(a.MsgCid))
		}
		batch.delete(heightKey(prefixHeight, h))
		batch.delete(heightKey(prefixExec, h))
		reverted = append(reverted, HeadChange{Type: HCRevert, TipSet: ts})
	}
	newHead, err := c.TipSetByHeight(ctx, target)
	if err != nil {
		return err
	}
	exec, err := c.Execution(ctx, newHead)
	if err != nil {
		return err
	}
	batch.set([]byte(keyHead), binary.BigEndian.AppendUint64(nil, uint64(target)))
	if err := batch.Commit(); err != nil {
		return err
	}
	c.mu.Lock()
	c.head, c.headExec = newHead, exec
	c.mu.Unlock()
	c.childDue.Store(c.cfg.Automine && len(exec.Messages) > 0)
	c.pool.clear()
	if len(reverted) > 0 {
		c.subs.publish(append(reverted, HeadChange{Type: HCApply, TipSet: newHead}))
	}
	return nil
}
