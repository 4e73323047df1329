package chain

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	"github.com/filecoin-project/go-state-types/builtin/v17/reward"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/message"
)

// Execution is what executing a tipset gave.
type Execution struct {
	// StateRoot is the state after the tipset (its child's ParentStateRoot).
	StateRoot cid.Cid
	// ReceiptsRoot is the AMT of its messages' receipts (its child's
	// ParentMessageReceipts).
	ReceiptsRoot cid.Cid
	// NextBaseFee is the base fee its child's messages pay (the child's ParentBaseFee).
	NextBaseFee abi.TokenAmount
	// CircSupply is the circulating supply after the tipset, which its child runs with.
	CircSupply abi.TokenAmount
	// Messages are the tipset's messages in execution order, with their results.
	Messages []Applied
}

// Applied is one message's result.
type Applied struct {
	// Cid is the message's CID on chain: the signed message's for secp256k1 and
	// delegated signatures, the unsigned one's for BLS.
	Cid cid.Cid
	// MsgCid is the unsigned message's CID (the one receipts and Lotus's
	// lookups are keyed by).
	MsgCid   cid.Cid
	Receipt  fvm.Receipt
	GasCosts GasCosts
	// Events are the events the message emitted, in order (its receipt's
	// EventsRoot holds them too).
	Events []fvm.Event `json:",omitempty"`
}

// GasCosts is where a message's fees went (Lotus's MsgGasCost, without the
// message and totals).
type GasCosts struct {
	BaseFeeBurn        abi.TokenAmount
	OverEstimationBurn abi.TokenAmount
	MinerPenalty       abi.TokenAmount
	MinerTip           abi.TokenAmount
	Refund             abi.TokenAmount
}

// TotalCost is what the sender paid in fees.
func (g GasCosts) TotalCost() abi.TokenAmount {
	return big.Sum(g.BaseFeeBurn, g.OverEstimationBurn, g.MinerTip)
}

// chainMsg is a message as a block carries it.
type chainMsg struct {
	signed *message.SignedMessage
	cid    cid.Cid // on-chain CID
}

func (m chainMsg) bls() bool { return m.signed.Signature.Type == 2 }

// Implicit messages' gas limits (Lotus's RewardFunc and runCron).
const (
	rewardGasLimit = 1 << 30
	cronGasLimit   = fvm.BlockGasLimit * 10000
)

// execOptions changes how a tipset is executed (for replay).
type execOptions struct {
	tracing bool
	// stopAt, when defined, stops after applying that message and returns its result.
	stopAt cid.Cid
}

// execResult is what execute gives.
type execResult struct {
	exec    *Execution
	stopped *fvm.ApplyRet // the stopAt message's result
	stopIdx int
}

// newVM makes a VM for executing at epoch over root.
func (c *Chain) newVM(ctx context.Context, bs blockstore.Blockstore, root cid.Cid, epoch abi.ChainEpoch, timestamp uint64, baseFee, circ abi.TokenAmount, tracing bool) (*fvm.VM, error) {
	return fvm.New(ctx, fvm.Config{
		NetworkVersion: c.cfg.NetworkVersion,
		Epoch:          epoch,
		Timestamp:      timestamp,
		BaseFee:        baseFee,
		CircSupply:     circ,
		ChainID:        c.cfg.ChainID,
		StateRoot:      root,
		Blockstore:     bs,
		Externs:        c.externs,
		// Devnet-only shortcut: storage proofs are accepted unchecked.
		Proofs:  externs.AcceptAllProofs{},
		Engine:  c.cfg.Engine,
		Tracing: tracing,
	})
}

// execute runs a tipset's messages (BLS, then secp256k1, per block; a
// message applied already in the tipset skipped), the block reward and cron,
// as Lotus's ApplyBlocks does, writing the new state, receipts and events to bs.
func (c *Chain) execute(ctx context.Context, bs blockstore.Blockstore, ts *TipSet, parentExec *Execution, blockMsgs [][]chainMsg, opts execOptions) (*execResult, error) {
	vm, err := c.newVM(ctx, bs, ts.ParentState(), ts.Height, ts.Timestamp(), ts.ParentBaseFee(), parentExec.CircSupply, opts.tracing)
	if err != nil {
		return nil, fmt.Errorf("tipset %d: %w", ts.Height, err)
	}
	defer vm.Close(ctx)
	exec := &Execution{}
	seen := map[cid.Cid]bool{}
	for bi, msgs := range blockMsgs {
		penalty, gasReward := big.Zero(), big.Zero()
		for _, m := range msgs {
			msgCid := m.signed.Message.Cid()
			if seen[msgCid] {
				continue
			}
			seen[msgCid] = true
			start := time.Now()
			ret, err := vm.ApplyMessage(ctx, &m.signed.Message, m.signed.ChainLength())
			if !opts.stopAt.Defined() {
				c.stats.addMessage(ret, time.Since(start))
			}
			if err != nil {
				return nil, fmt.Errorf("tipset %d: applying message %s: %w", ts.Height, m.cid, err)
			}
			penalty = big.Add(penalty, ret.MinerPenalty)
			gasReward = big.Add(gasReward, ret.MinerTip)
			if opts.stopAt.Defined() && (opts.stopAt.Equals(m.cid) || opts.stopAt.Equals(msgCid)) {
				return &execResult{stopped: ret, stopIdx: len(exec.Messages)}, nil
			}
			exec.Messages = append(exec.Messages, applied(m, msgCid, ret))
		}
		if err := c.applyReward(ctx, vm, ts, ts.Blocks[bi].Miner, penalty, gasReward); err != nil {
			return nil, err
		}
	}
	if opts.stopAt.Defined() {
		return nil, fmt.Errorf("message %s: %w in tipset %d", opts.stopAt, ErrNotFound, ts.Height)
	}
	if err := c.applyCron(ctx, vm, ts.Height); err != nil {
		return nil, err
	}
	if exec.StateRoot, err = vm.Flush(ctx); err != nil {
		return nil, fmt.Errorf("tipset %d: flushing the state: %w", ts.Height, err)
	}
	if err := c.finishExecution(ctx, bs, vm, ts, exec, blockMsgs); err != nil {
		return nil, err
	}
	return &execResult{exec: exec}, nil
}

func applied(m chainMsg, msgCid cid.Cid, ret *fvm.ApplyRet) Applied {
	return Applied{
		Cid:     m.cid,
		MsgCid:  msgCid,
		Receipt: ret.Receipt,
		GasCosts: GasCosts{
			BaseFeeBurn:        ret.BaseFeeBurn,
			OverEstimationBurn: ret.OverEstimationBurn,
			MinerPenalty:       ret.MinerPenalty,
			MinerTip:           ret.MinerTip,
			Refund:             ret.Refund,
		},
		Events: ret.Events,
	}
}

// finishExecution stores the receipts and events AMTs and computes the next
// base fee and circulating supply.
func (c *Chain) finishExecution(ctx context.Context, bs blockstore.Blockstore, vm *fvm.VM, ts *TipSet, exec *Execution, blockMsgs [][]chainMsg) error {
	receipts := make([][]byte, len(exec.Messages))
	for i := range exec.Messages {
		a := &exec.Messages[i]
		receipts[i] = encodeReceipt(&a.Receipt)
		if len(a.Events) == 0 {
			continue
		}
		root, err := storeEvents(ctx, bs, a.Events)
		if err != nil {
			return fmt.Errorf("tipset %d: storing events: %w", ts.Height, err)
		}
		// As Lotus's ApplyBlocks asserts: the events AMT we store is the one the receipt names.
		if a.Receipt.EventsRoot == nil || !root.Equals(*a.Receipt.EventsRoot) {
			return fmt.Errorf("tipset %d: message %s: events root %v, receipt says %v", ts.Height, a.Cid, root, a.Receipt.EventsRoot)
		}
	}
	var err error
	if exec.ReceiptsRoot, err = buildAMT0(ctx, bs, receipts); err != nil {
		return err
	}
	var flat []*message.Message
	for _, msgs := range blockMsgs {
		for _, m := range msgs {
			flat = append(flat, &m.signed.Message)
		}
	}
	exec.NextBaseFee = c.nextBaseFee(ts, flat)
	exec.CircSupply, err = c.circSupply(ctx, vm)
	return err
}

// applyReward sends the reward actor's AwardBlockReward for one block (Lotus's RewardFunc).
func (c *Chain) applyReward(ctx context.Context, vm *fvm.VM, ts *TipSet, miner address.Address, penalty, gasReward abi.TokenAmount) error {
	var params bytes.Buffer
	p := reward.AwardBlockRewardParams{Miner: miner, Penalty: penalty, GasReward: gasReward, WinCount: 1}
	if err := p.MarshalCBOR(&params); err != nil {
		return err
	}
	msg := &message.Message{
		From:       builtin.SystemActorAddr,
		To:         builtin.RewardActorAddr,
		Sequence:   uint64(ts.Height),
		Value:      big.Zero(),
		GasFeeCap:  big.Zero(),
		GasPremium: big.Zero(),
		GasLimit:   rewardGasLimit,
		Method:     builtin.MethodsReward.AwardBlockReward,
		Params:     params.Bytes(),
	}
	return implicitOK(ctx, vm, msg, "reward", ts.Height)
}

// applyCron runs the cron actor's EpochTick (Lotus's runCron).
func (c *Chain) applyCron(ctx context.Context, vm *fvm.VM, epoch abi.ChainEpoch) error {
	msg := &message.Message{
		From:       builtin.SystemActorAddr,
		To:         builtin.CronActorAddr,
		Sequence:   uint64(epoch),
		Value:      big.Zero(),
		GasFeeCap:  big.Zero(),
		GasPremium: big.Zero(),
		GasLimit:   cronGasLimit,
		Method:     builtin.MethodsCron.EpochTick,
	}
	return implicitOK(ctx, vm, msg, "cron", epoch)
}

func implicitOK(ctx context.Context, vm *fvm.VM, msg *message.Message, what string, epoch abi.ChainEpoch) error {
	ret, err := vm.ApplyImplicitMessage(ctx, msg)
	if err != nil {
		return fmt.Errorf("epoch %d: applying the %s message: %w", epoch, what, err)
	}
	if ret.Receipt.ExitCode != exitcode.Ok {
		return fmt.Errorf("epoch %d: the %s message failed with exit code %d: %s", epoch, what, ret.Receipt.ExitCode, ret.FailureInfo)
	}
	return nil
}

// Actors whose balances are not circulating.
var (
	reserveActor = mustID(90)
)

// circSupply approximates Lotus's circulating supply for a devnet without
// vesting schedules or storage providers: the total supply less what the reward
// actor has not paid out, what the reserve holds and what was burnt.
func (c *Chain) circSupply(ctx context.Context, vm *fvm.VM) (abi.TokenAmount, error) {
	circ := c.cfg.TotalSupply
	for _, a := range []address.Address{builtin.RewardActorAddr, reserveActor, builtin.BurntFundsActorAddr} {
		bal, err := vm.Balance(ctx, a)
		if err != nil {
			return big.Zero(), fmt.Errorf("circulating supply: balance of %s: %w", a, err)
		}
		circ = big.Sub(circ, bal)
	}
	if circ.Sign() < 0 {
		circ = big.Zero()
	}
	return circ, nil
}

func (c *Chain) circSupplyAt(ctx context.Context, bs blockstore.Blockstore, root cid.Cid, epoch abi.ChainEpoch) (abi.TokenAmount, error) {
	vm, err := c.newVM(ctx, bs, root, epoch, 0, big.Zero(), big.Zero(), false)
	if err != nil {
		return big.Zero(), err
	}
	defer vm.Close(ctx)
	return c.circSupply(ctx, vm)
}

// Stats counts what the chain executed (diagnostics: nothing consensus-critical reads it).
type Stats struct {
	// Tipsets is how many tipsets were mined since Open.
	Tipsets int64
	// Messages is how many messages they applied, MessageGas the gas those
	// used and MessageTime the wall time ApplyMessage took for them.
	Messages    int64
	MessageGas  int64
	MessageTime time.Duration
	// MineTime is the wall time of mining (selection, execution, commit).
	MineTime time.Duration
}

type stats struct {
	mu sync.Mutex
	s  Stats
}

func (s *stats) addMessage(ret *fvm.ApplyRet, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.Messages++
	s.s.MessageTime += d
	if ret != nil {
		s.s.MessageGas += ret.Receipt.GasUsed
	}
}

func (s *stats) addTipset(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.Tipsets++
	s.s.MineTime += d
}

// Stats returns what the chain executed since Open.
func (c *Chain) Stats() Stats {
	c.stats.mu.Lock()
	defer c.stats.mu.Unlock()
	return c.stats.s
}
