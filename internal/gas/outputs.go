package gas

import (
	"math/bits"

	"github.com/filecoin-project/go-state-types/big"
)

// Over-estimation: gas limits more than 10% above the gas used are
// penalised (ratio 11/10).
const (
	gasOveruseNum   = 11
	gasOveruseDenom = 10
)

// GasOutputs is the fee split at the end of an explicit message, in
// attoFIL (amounts) and whole gas (GasRefund, GasBurned).
type GasOutputs struct {
	// BaseFeeBurn is burnt (sent to f099): base fee paid × gas used.
	BaseFeeBurn big.Int
	// OverEstimationBurn is burnt (sent to f099) for over-estimating the
	// gas limit.
	OverEstimationBurn big.Int
	// MinerPenalty is reported only; the FVM moves no funds for it.
	MinerPenalty big.Int
	// MinerTip goes to the reward actor (f02): tip per gas × gas LIMIT.
	MinerTip big.Int
	// Refund goes back to the sender.
	Refund big.Int

	// GasRefund is the gas refunded, in whole gas.
	GasRefund int64
	// GasBurned is the gas burnt for over-estimation, in whole gas.
	GasBurned int64
}

// ZeroGasOutputs returns outputs with every amount zero (implicit messages
// and pre-validation failures).
func ZeroGasOutputs() GasOutputs {
	return GasOutputs{
		BaseFeeBurn:        big.Zero(),
		OverEstimationBurn: big.Zero(),
		MinerPenalty:       big.Zero(),
		MinerTip:           big.Zero(),
		Refund:             big.Zero(),
	}
}

// ComputeGasOverestimationBurn splits the unused gas (gasLimit − gasUsed)
// into a refund and an over-estimation burn: it burns (N−10)% of the unused
// gas, clamped to [0%, 100%], where N is the over-estimation percentage.
// With gasUsed == 0 the whole limit is burnt. Negative inputs are treated
// as zero.
//
// The arithmetic is ref-fvm's (unsigned, 128-bit intermediate, saturating
// subtraction). It matches Lotus's ComputeGasOverestimationBurn whenever
// gasUsed <= gasLimit, which the FVM guarantees; for gasUsed > gasLimit
// Lotus would return a negative refund where ref-fvm returns (0, 0).
func ComputeGasOverestimationBurn(gasUsed, gasLimit int64) (refund, burn int64) {
	used, limit := nonNeg(gasUsed), nonNeg(gasLimit)
	if used == 0 {
		return 0, int64(limit)
	}
	// 11 × used fits in 128 bits; used < 2^63 so (11 × used) / 10 fits 64.
	hi, lo := bits.Mul64(gasOveruseNum, used)
	allowed, _ := bits.Div64(hi, lo, gasOveruseDenom)
	over := satSubU64(limit, allowed)
	if over > used {
		over = used
	}
	remaining := satSubU64(limit, used)
	// remaining × over < 2^126 and over <= used, so the quotient fits.
	hi, lo = bits.Mul64(remaining, over)
	toBurn, _ := bits.Div64(hi, lo, used)
	return int64(satSubU64(remaining, toBurn)), int64(toBurn)
}

// ComputeGasOutputs computes the fee split of an explicit message from the
// gas used and the gas limit (whole gas) and the base fee, fee cap and gas
// premium (attoFIL). chargeNetworkFee false leaves BaseFeeBurn at zero (a
// Lotus switch for pre-nv12 chains; the FVM always charges it, so FVM
// callers pass true). An uninitialised big.Int{} counts as zero. Everything else is ref-fvm's GasOutputs::compute,
// identical in v3.13.3 and v4.8.2.
func ComputeGasOutputs(gasUsed, gasLimit int64, baseFee, feeCap, premium big.Int, chargeNetworkFee bool) GasOutputs {
	baseFee, feeCap, premium = orZero(baseFee), orZero(feeCap), orZero(premium)
	out := ZeroGasOutputs()
	used := big.NewInt(gasUsed)
	limit := big.NewInt(gasLimit)

	baseFeeToPay := baseFee
	if baseFee.GreaterThan(feeCap) {
		baseFeeToPay = feeCap
		out.MinerPenalty = big.Mul(big.Sub(baseFee, feeCap), used)
	}
	if chargeNetworkFee {
		out.BaseFeeBurn = big.Mul(baseFeeToPay, used)
	}

	tip := premium
	if big.Add(baseFeeToPay, tip).GreaterThan(feeCap) {
		tip = big.Sub(feeCap, baseFeeToPay)
	}
	// Note: the tip is paid on the gas limit, not on the gas used.
	out.MinerTip = big.Mul(tip, limit)

	out.GasRefund, out.GasBurned = ComputeGasOverestimationBurn(gasUsed, gasLimit)
	if out.GasBurned != 0 {
		burned := big.NewInt(out.GasBurned)
		out.OverEstimationBurn = big.Mul(baseFeeToPay, burned)
		out.MinerPenalty = big.Add(out.MinerPenalty, big.Mul(big.Sub(baseFee, baseFeeToPay), burned))
	}

	required := big.Mul(feeCap, limit)
	out.Refund = big.Sub(big.Sub(big.Sub(required, out.BaseFeeBurn), out.MinerTip), out.OverEstimationBurn)
	return out
}

// orZero returns x, or zero if x is the uninitialised big.Int{} (whose
// methods would panic).
func orZero(x big.Int) big.Int {
	if x.Int == nil {
		return big.Zero()
	}
	return x
}

// nonNeg converts v to uint64, mapping negative values to zero.
func nonNeg(v int64) uint64 {
	if v < 0 {
		return 0
	}
	return uint64(v)
}

// satSubU64 returns a − b, saturating at zero.
func satSubU64(a, b uint64) uint64 {
	if b >= a {
		return 0
	}
	return a - b
}
