package chain

import (
	"slices"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/message"
)

// Base-fee constants (Lotus's buildconstants).
const (
	blockGasTarget        = fvm.BlockGasLimit / 2
	blockGasTargetIndex   = fvm.BlockGasLimit*80/100 - 1
	baseFeeMaxChangeDenom = 8 // 12.5%
	minimumBaseFee        = 100
)

// PremiumBaseFeeVersion is the first network version whose base fee follows
// the premiums of the parent's messages (FIP-0115, Lotus's
// ComputeNextBaseFeeFromPremiums, from the FireHorse upgrade); before it, the
// base fee follows the gas limits the parent's messages used.
const PremiumBaseFeeVersion = network.Version28

// nextBaseFee is the base fee of ts's child, from ts's base fee and messages
// (Lotus's ComputeBaseFee, past the Smoke upgrade and outside Breeze).
func (c *Chain) nextBaseFee(ts *TipSet, msgs []*message.Message) abi.TokenAmount {
	if c.cfg.NetworkVersion >= PremiumBaseFeeVersion {
		return nextBaseFeeFromPremiums(ts.ParentBaseFee(), msgs)
	}
	return nextBaseFeeFromUtilization(ts.ParentBaseFee(), msgs, len(ts.Blocks))
}

// nextBaseFeeFromUtilization is Lotus's ComputeNextBaseFee: the base fee moves
// by up to 12.5% towards the block gas target, by the gas limits of the
// tipset's distinct messages.
func nextBaseFeeFromUtilization(baseFee abi.TokenAmount, msgs []*message.Message, blocks int) abi.TokenAmount {
	seen := map[cid.Cid]bool{}
	var used int64
	for _, m := range msgs {
		c := m.Cid()
		if seen[c] {
			continue
		}
		seen[c] = true
		used += int64(m.GasLimit)
	}
	delta := used/int64(max(blocks, 1)) - blockGasTarget
	delta = min(max(delta, -blockGasTarget), blockGasTarget)
	change := big.Div(big.Div(big.Mul(baseFee, big.NewInt(delta)), big.NewInt(blockGasTarget)), big.NewInt(baseFeeMaxChangeDenom))
	return big.Max(big.Add(baseFee, change), big.NewInt(minimumBaseFee))
}

type senderNonce struct {
	from  address.Address
	nonce uint64
}

// nextBaseFeeFromPremiums is Lotus's ComputeNextBaseFeeFromPremiums: the
// premium at the gas-weighted 80th percentile of the tipset's distinct (by
// sender and nonce) messages pulls the base fee, by up to 12.5%.
func nextBaseFeeFromPremiums(baseFee abi.TokenAmount, msgs []*message.Message) abi.TokenAmount {
	type weighted struct {
		premium abi.TokenAmount
		limit   int64
	}
	seen := map[senderNonce]bool{}
	var ws []weighted
	for _, m := range msgs {
		k := senderNonce{m.From, m.Sequence}
		if seen[k] {
			continue
		}
		seen[k] = true
		ws = append(ws, weighted{effectivePremium(m, baseFee), int64(m.GasLimit)})
	}
	// Lotus's weighted quick-select finds the premium whose cumulative gas
	// weight, counting from the highest premium, passes blockGasTargetIndex;
	// sorting gives the same premium.
	slices.SortStableFunc(ws, func(a, b weighted) int { return b.premium.Cmp(a.premium.Int) })
	premium := big.Zero()
	index := int64(blockGasTargetIndex)
	for _, w := range ws {
		if index < w.limit {
			premium = w.premium
			break
		}
		index -= w.limit
	}
	denom := big.NewInt(baseFeeMaxChangeDenom)
	maxAdj := big.Div(big.Add(baseFee, big.Sub(denom, big.NewInt(1))), denom)
	return big.Max(big.NewInt(minimumBaseFee), big.Add(baseFee, big.Min(maxAdj, big.Sub(premium, maxAdj))))
}

// effectivePremium is the premium a miner gets: the message's premium, capped
// at its fee cap less the base fee, and never below zero.
func effectivePremium(m *message.Message, baseFee abi.TokenAmount) abi.TokenAmount {
	available := big.Sub(m.GasFeeCap, baseFee)
	if available.Sign() < 0 {
		available = big.Zero()
	}
	return big.Min(m.GasPremium, available)
}
