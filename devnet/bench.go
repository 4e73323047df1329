package devnet

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/chain/wallet"
	"github.com/go-fvm/go-fvm/message"
)

// counterInitcode deploys a contract whose every call increments storage slot
// 0 and returns the new count (hand-assembled: SLOAD, ADD, SSTORE, RETURN).
const counterInitcode = "6012600c60003960126000f3" + "6000546001018060005560005260206000f3"

// BenchResult is what Bench measured.
type BenchResult struct {
	// Transfers value transfers took TransferTime, each pushed and mined
	// (automine) before the next.
	Transfers    int
	TransferTime time.Duration
	// EVMCalls contract calls (a storage write each) took EVMTime.
	EVMCalls int
	EVMTime  time.Duration
	// Stats are the chain's counters over both runs: the gas of the applied
	// messages and the time ApplyMessage took give the execution's gas/ns.
	Stats chain.Stats
}

// TransfersPerSecond is transfers per wall-clock second.
func (r *BenchResult) TransfersPerSecond() float64 {
	return float64(r.Transfers) / r.TransferTime.Seconds()
}

// EVMCallsPerSecond is EVM calls per wall-clock second.
func (r *BenchResult) EVMCallsPerSecond() float64 { return float64(r.EVMCalls) / r.EVMTime.Seconds() }

// GasPerNs is the gas the applied messages used per nanosecond of ApplyMessage.
func (r *BenchResult) GasPerNs() float64 {
	return float64(r.Stats.MessageGas) / float64(r.Stats.MessageTime.Nanoseconds())
}

// Bench pushes transfers between the first two secp256k1 dev accounts, then
// deploys a counter contract and calls it calls times, each message through
// the mempool and mined at once (the devnet must automine).
func Bench(ctx context.Context, d *Devnet, transfers, calls int) (*BenchResult, error) {
	var keys []*wallet.Key
	for _, a := range d.Accounts {
		if a.Key.Type == wallet.Secp256k1 {
			keys = append(keys, a.Key)
		}
	}
	if len(keys) < 2 {
		return nil, fmt.Errorf("%w: the bench needs two secp256k1 accounts", ErrConfig)
	}
	from, to := keys[0], keys[1]
	res := &BenchResult{Transfers: transfers, EVMCalls: calls}
	nonce, err := d.Chain.NextNonce(ctx, from.Address)
	if err != nil {
		return nil, err
	}
	before := d.Chain.Stats()
	start := time.Now()
	for range transfers {
		m := benchMessage(from.Address, to.Address, nonce, 0, nil)
		if err := push(ctx, d.Chain, from, m); err != nil {
			return nil, err
		}
		nonce++
	}
	res.TransferTime = time.Since(start)
	contract, err := deployCounter(ctx, d.Chain, from, nonce)
	if err != nil {
		return nil, err
	}
	nonce++
	start = time.Now()
	for range calls {
		m := fvm.InvokeContractMessage(from.Address, contract, nonce, nil, big.Zero())
		setGas(m, 30_000_000)
		if err := push(ctx, d.Chain, from, m); err != nil {
			return nil, err
		}
		nonce++
	}
	res.EVMTime = time.Since(start)
	after := d.Chain.Stats()
	res.Stats = chain.Stats{
		Tipsets: after.Tipsets - before.Tipsets, Messages: after.Messages - before.Messages,
		MessageGas: after.MessageGas - before.MessageGas, MessageTime: after.MessageTime - before.MessageTime,
		MineTime: after.MineTime - before.MineTime,
	}
	return res, nil
}

func benchMessage(from, to address.Address, nonce uint64, method abi.MethodNum, params []byte) *message.Message {
	m := &message.Message{From: from, To: to, Sequence: nonce, Value: big.NewInt(1), Method: method, Params: params}
	setGas(m, 5_000_000)
	return m
}

func setGas(m *message.Message, limit uint64) {
	m.GasLimit = limit
	m.GasFeeCap = big.NewInt(1_000_000_000)
	m.GasPremium = big.NewInt(100_000)
}

// push signs, pushes and checks a message succeeded.
func push(ctx context.Context, c *chain.Chain, k *wallet.Key, m *message.Message) error {
	sm, err := k.SignMessage(m, nil, c.ChainID())
	if err != nil {
		return err
	}
	mc, err := c.Push(ctx, sm)
	if err != nil {
		return err
	}
	l, err := c.SearchMessage(ctx, mc)
	if err != nil {
		return err
	}
	if l.Applied.Receipt.ExitCode != 0 {
		return fmt.Errorf("bench message %s failed with exit code %d", mc, l.Applied.Receipt.ExitCode)
	}
	return nil
}

func deployCounter(ctx context.Context, c *chain.Chain, k *wallet.Key, nonce uint64) (address.Address, error) {
	initcode, err := hex.DecodeString(counterInitcode)
	if err != nil {
		return address.Undef, err
	}
	m := fvm.CreateContractMessage(k.Address, nonce, initcode)
	setGas(m, 100_000_000)
	sm, err := k.SignMessage(m, nil, c.ChainID())
	if err != nil {
		return address.Undef, err
	}
	mc, err := c.Push(ctx, sm)
	if err != nil {
		return address.Undef, err
	}
	l, err := c.SearchMessage(ctx, mc)
	if err != nil {
		return address.Undef, err
	}
	if l.Applied.Receipt.ExitCode != 0 {
		return address.Undef, fmt.Errorf("deploying the bench contract: exit code %d", l.Applied.Receipt.ExitCode)
	}
	created, err := fvm.DecodeCreateReturn(l.Applied.Receipt.Return)
	if err != nil {
		return address.Undef, err
	}
	return address.NewIDAddress(uint64(created.ID))
}
