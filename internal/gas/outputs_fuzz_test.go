package gas

import (
	"math"
	mbig "math/big"
	"testing"

	"github.com/filecoin-project/go-state-types/big"
)

// FuzzGasOutputs checks the over-estimation split against a plain math/big
// evaluation of the reference formula, and that the outputs always add up
// to fee cap × limit, for any used <= limit.
func FuzzGasOutputs(f *testing.F) {
	f.Add(int64(100), int64(200), int64(10), int64(11), int64(1))
	f.Add(int64(0), int64(math.MaxInt64), int64(1), int64(0), int64(0))
	f.Add(int64(math.MaxInt64/3), int64(math.MaxInt64), int64(7), int64(3), int64(100))
	f.Fuzz(func(t *testing.T, used, limit, baseFee, feeCap, premium int64) {
		if used < 0 || limit < 0 || used > limit || baseFee < 0 || feeCap < 0 || premium < 0 {
			t.Skip()
		}
		refund, burn := ComputeGasOverestimationBurn(used, limit)
		wantRefund, wantBurn := overestimationReference(used, limit)
		if refund != wantRefund || burn != wantBurn {
			t.Fatalf("(%d, %d): got (%d, %d), want (%d, %d)", used, limit, refund, burn, wantRefund, wantBurn)
		}
		if refund < 0 || burn < 0 || refund+burn != limit-used && used != 0 {
			t.Fatalf("(%d, %d): refund %d + burn %d", used, limit, refund, burn)
		}
		out := ComputeGasOutputs(used, limit, big.NewInt(baseFee), big.NewInt(feeCap), big.NewInt(premium), true)
		sum := big.Sum(out.BaseFeeBurn, out.OverEstimationBurn, out.Refund, out.MinerTip)
		if !sum.Equals(big.Mul(big.NewInt(feeCap), big.NewInt(limit))) {
			t.Fatalf("outputs do not add up: %s", sum)
		}
	})
}

// overestimationReference evaluates the reference formula with math/big.
func overestimationReference(used, limit int64) (int64, int64) {
	if used == 0 {
		return 0, limit
	}
	u, l := mbig.NewInt(used), mbig.NewInt(limit)
	allowed := new(mbig.Int).Quo(new(mbig.Int).Mul(mbig.NewInt(11), u), mbig.NewInt(10))
	over := new(mbig.Int).Sub(l, allowed)
	if over.Sign() < 0 {
		over.SetInt64(0)
	}
	if over.Cmp(u) > 0 {
		over.Set(u)
	}
	remaining := new(mbig.Int).Sub(l, u)
	burn := new(mbig.Int).Quo(new(mbig.Int).Mul(remaining, over), u)
	return new(mbig.Int).Sub(remaining, burn).Int64(), burn.Int64()
}
