package chain

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain/wallet"
	"github.com/go-fvm/go-fvm/externs"
)

// Mine mines n tipsets now, each with the mempool's messages that fit, and
// returns them.
func (c *Chain) Mine(ctx context.Context, n int) ([]*TipSet, error) {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	var out []*TipSet
	for range n {
		ts, _, err := c.mineOne(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, ts)
	}
	return out, nil
}

// automine mines while the mempool has messages ready. The child that
// carries the last tipset's receipts is mined by the next push, or by the
// next reader of Head (mineDueChild), whichever comes first.
func (c *Chain) automine(ctx context.Context) error {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	for len(c.pool.senders()) > 0 {
		_, count, err := c.mineOne(ctx)
		if err != nil || count == 0 {
			return err
		}
	}
	return nil
}

// mineDueChild mines the child of a head whose messages no child has
// executed yet (automine). A failure leaves the head as it is; the next
// tipset mined meets the same error and reports it.
func (c *Chain) mineDueChild() {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	if !c.childDue.Load() {
		return // another reader mined it
	}
	_, _, _ = c.mineOne(context.Background())
}

// RunInterval mines a tipset every d until ctx ends.
func (c *Chain) RunInterval(ctx context.Context, d time.Duration) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := c.Mine(ctx, 1); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

// mineOne produces, executes and commits a tipset on the head; the caller
// holds mineMu. It returns the tipset and how many messages it holds.
func (c *Chain) mineOne(ctx context.Context) (*TipSet, int, error) {
	start := time.Now()
	defer func() { c.stats.addTipset(time.Since(start)) }()
	parent, parentExec := c.headAndExec()
	height := parent.Height + 1
	msgs, err := c.selectMessages(ctx, parent, parentExec)
	if err != nil {
		return nil, 0, err
	}
	batch := c.store.NewBatch()
	hdr, err := c.header(ctx, batch, parent, parentExec, height, msgs)
	if err != nil {
		return nil, 0, err
	}
	ts, err := c.putTipSet(ctx, batch, hdr)
	if err != nil {
		return nil, 0, err
	}
	res, err := c.execute(ctx, batch, ts, parentExec, [][]chainMsg{msgs}, execOptions{})
	if err != nil {
		return nil, 0, err
	}
	if err := c.putExecution(batch, ts, res.exec); err != nil {
		return nil, 0, err
	}
	if err := batch.Commit(); err != nil {
		return nil, 0, err
	}
	c.mu.Lock()
	c.head, c.headExec = ts, res.exec
	c.mu.Unlock()
	c.childDue.Store(c.cfg.Automine && len(msgs) > 0)
	c.pruneIncluded(ctx, msgs)
	c.subs.publish([]HeadChange{{Type: HCApply, TipSet: ts}})
	return ts, len(msgs), nil
}

// header builds the header of a block at height on parent, storing its
// messages and their lists.
func (c *Chain) header(ctx context.Context, batch *Batch, parent *TipSet, parentExec *Execution, height abi.ChainEpoch, msgs []chainMsg) (*externs.BlockHeader, error) {
	var blsCids, secpCids []cid.Cid
	var blsSigs [][]byte
	for _, m := range msgs {
		if m.bls() {
			if _, err := putCBOR(ctx, batch, m.signed.Message.Bytes()); err != nil {
				return nil, err
			}
			blsCids = append(blsCids, m.cid)
			blsSigs = append(blsSigs, m.signed.Signature.Data)
			continue
		}
		if _, err := putCBOR(ctx, batch, m.signed.Bytes()); err != nil {
			return nil, err
		}
		if _, err := putCBOR(ctx, batch, m.signed.Message.Bytes()); err != nil {
			return nil, err
		}
		secpCids = append(secpCids, m.cid)
	}
	meta, err := msgMeta(ctx, batch, blsCids, secpCids)
	if err != nil {
		return nil, err
	}
	agg, err := wallet.AggregateBLS(blsSigs)
	if err != nil {
		return nil, fmt.Errorf("aggregating the block's BLS signatures: %w", err)
	}
	ticket, err := c.externs.GetChainRandomness(ctx, height)
	if err != nil {
		return nil, err
	}
	beacon, err := c.externs.GetBeaconRandomness(ctx, height)
	if err != nil {
		return nil, err
	}
	return &externs.BlockHeader{
		Miner:                 c.cfg.Miner,
		Ticket:                &externs.Ticket{VRFProof: ticket[:]},
		ElectionProof:         &externs.ElectionProof{WinCount: 1, VRFProof: beacon[:]},
		Parents:               parent.Key,
		ParentWeight:          big.NewInt(int64(parent.Height)),
		Height:                height,
		ParentStateRoot:       parentExec.StateRoot,
		ParentMessageReceipts: parentExec.ReceiptsRoot,
		Messages:              meta,
		BLSAggregate:          &gscrypto.Signature{Type: gscrypto.SigTypeBLS, Data: agg},
		Timestamp:             c.timestamp(parent),
		ParentBaseFee:         parentExec.NextBaseFee,
	}, nil
}

// timestamp is the clock's time, but always after the parent's, so that
// every tipset has its own second as Ethereum tools expect.
func (c *Chain) timestamp(parent *TipSet) uint64 {
	return max(uint64(c.cfg.Clock().Unix()), parent.Timestamp()+1)
}

// selectMessages picks the mempool's messages for the next tipset: per sender
// (in order of arrival of their first ready message) the run of nonces from
// its state nonce, while the block's gas limit and message limit allow and
// the fee cap covers the base fee.
func (c *Chain) selectMessages(ctx context.Context, parent *TipSet, parentExec *Execution) ([]chainMsg, error) {
	senders := c.pool.senders()
	if len(senders) == 0 {
		return nil, nil
	}
	vm, err := c.newVM(ctx, c.store, parentExec.StateRoot, parent.Height+1, 0, parentExec.NextBaseFee, parentExec.CircSupply, false)
	if err != nil {
		return nil, err
	}
	defer vm.Close(ctx)
	var runs [][]*pending
	for _, from := range senders {
		nonce, err := stateNonce(ctx, vm, from)
		if err != nil {
			return nil, err
		}
		c.pool.prune(from, nonce)
		if run := c.pool.run(from, nonce); len(run) > 0 {
			runs = append(runs, run)
		}
	}
	slices.SortFunc(runs, func(a, b []*pending) int { return cmpUint(a[0].seq, b[0].seq) })
	var out []chainMsg
	var gas uint64
	for _, run := range runs {
		for _, pm := range run {
			m := &pm.sm.Message
			if m.GasFeeCap.LessThan(parentExec.NextBaseFee) || gas+m.GasLimit > fvm.BlockGasLimit || len(out) >= blockMessageLimit {
				break
			}
			gas += m.GasLimit
			out = append(out, chainMsg{signed: pm.sm, cid: pm.cid})
		}
	}
	// A block lists its BLS messages first, then the others.
	slices.SortStableFunc(out, func(a, b chainMsg) int {
		switch {
		case a.bls() == b.bls():
			return 0
		case a.bls():
			return -1
		}
		return 1
	})
	return out, nil
}

func stateNonce(ctx context.Context, vm *fvm.VM, from address.Address) (uint64, error) {
	_, act, err := vm.Actor(ctx, from)
	if err != nil {
		if isNotFound(err) {
			return 0, nil
		}
		return 0, err
	}
	return act.Nonce, nil
}

// pruneIncluded drops the included messages (and any they replaced) from the pool.
func (c *Chain) pruneIncluded(_ context.Context, msgs []chainMsg) {
	next := map[address.Address]uint64{}
	for _, m := range msgs {
		from := m.signed.Message.From
		next[from] = max(next[from], m.signed.Message.Sequence+1)
	}
	for from, n := range next {
		c.pool.prune(from, n)
	}
}
