package eth

import (
	"context"
	"math/big"
	"sort"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	fbig "github.com/filecoin-project/go-state-types/big"

	fvm "github.com/go-fvm/go-fvm"
)

// Limits of eth_feeHistory (Lotus's).
const (
	maxFeeHistoryBlocks      = 1024
	maxFeeHistoryPercentiles = 100
)

// feeHistory is eth_feeHistory as Lotus computes it: per block (oldest
// first) its base fee, gas used over the block's limit, and the premiums
// paid at each percentile of gas used; the base fees end with the next
// block's.
func (s *Service) feeHistory(ctx context.Context, count uint64, newest BlockRef, percentiles []float64) (*FeeHistory, error) {
	if count > maxFeeHistoryBlocks {
		return nil, invalidParams("block count should be smaller than %d", maxFeeHistoryBlocks)
	}
	if len(percentiles) > maxFeeHistoryPercentiles {
		return nil, invalidParams("length of the reward percentile array cannot be greater than %d", maxFeeHistoryPercentiles)
	}
	for i, p := range percentiles {
		if p < 0 || p > 100 || (i > 0 && p < percentiles[i-1]) {
			return nil, invalidParams("invalid reward percentile %v: percentiles rise from 0 to 100", p)
		}
	}
	ts, err := s.tipset(ctx, newest)
	if err != nil {
		return nil, err
	}
	exec, err := s.chain.Execution(ctx, ts)
	if err != nil {
		return nil, err
	}
	out := &FeeHistory{OldestBlock: hexutil.Uint64(ts.Height), BaseFeePerGas: []*hexutil.Big{bigOf(exec.NextBaseFee)}, GasUsedRatio: []float64{}}
	var rewards [][]*hexutil.Big
	for h := ts.Height; h >= 0 && uint64(ts.Height-h) < count; h-- {
		b, err := s.chain.TipSetByHeight(ctx, h)
		if err != nil {
			return nil, err
		}
		bd, err := s.blockData(ctx, b)
		if err != nil {
			return nil, err
		}
		bd.close(ctx)
		baseFee := b.ParentBaseFee()
		var used int64
		var paid []premiumGas
		for i, m := range bd.msgs {
			g := bd.exec.Messages[i].Receipt.GasUsed
			used += g
			paid = append(paid, premiumGas{effectivePremium(m.Signed.Message.GasFeeCap, m.Signed.Message.GasPremium, baseFee), g})
		}
		out.OldestBlock = hexutil.Uint64(h)
		out.BaseFeePerGas = append(out.BaseFeePerGas, bigOf(baseFee))
		out.GasUsedRatio = append(out.GasUsedRatio, float64(used)/float64(fvm.BlockGasLimit*int64(len(b.Blocks))))
		rewards = append(rewards, percentileRewards(percentiles, paid, used))
	}
	reverse(out.BaseFeePerGas)
	reverse(out.GasUsedRatio)
	reverse(rewards)
	if percentiles != nil {
		out.Reward = rewards
	}
	return out, nil
}

type premiumGas struct {
	premium *big.Int
	gas     int64
}

// effectivePremium is what a message pays the miner per gas: its premium,
// capped by its fee cap less the base fee, never negative.
func effectivePremium(feeCap, premium, baseFee fbig.Int) *big.Int {
	room := new(big.Int).Sub(feeCap.Int, baseFee.Int)
	p := new(big.Int).Set(premium.Int)
	if room.Cmp(p) < 0 {
		p = room
	}
	if p.Sign() < 0 {
		p.SetInt64(0)
	}
	return p
}

// percentileRewards is Lotus's calculateRewardsAndGasUsed: for each
// percentile, the premium of the message at which the gas used (messages in
// rising premium order) reaches that share; the minimum premium for a block
// without messages.
func percentileRewards(percentiles []float64, paid []premiumGas, total int64) []*hexutil.Big {
	out := make([]*hexutil.Big, len(percentiles))
	for i := range out {
		out[i] = hexBig(big.NewInt(minGasPremium))
	}
	if len(paid) == 0 {
		return out
	}
	sort.SliceStable(paid, func(i, j int) bool { return paid[i].premium.Cmp(paid[j].premium) < 0 })
	idx, sum := 0, int64(0)
	for i, p := range percentiles {
		threshold := int64(float64(total) * p / 100)
		for sum < threshold && idx < len(paid)-1 {
			sum += paid[idx].gas
			idx++
		}
		out[i] = hexBig(new(big.Int).Set(paid[idx].premium))
	}
	return out
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// pendingNonce is the nonce of an address's next transaction, past its
// pending ones.
func (s *Service) pendingNonce(ctx context.Context, a common.Address) (uint64, error) {
	fa, err := fvm.EthAddress(a).FilecoinAddress()
	if err != nil {
		return 0, invalidParams("address %s: %v", a.Hex(), err)
	}
	return s.chain.NextNonce(ctx, fa)
}
