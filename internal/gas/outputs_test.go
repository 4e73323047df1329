package gas

import (
	"math"
	"testing"

	"github.com/filecoin-project/go-state-types/big"
)

func TestComputeGasOverestimationBurn(t *testing.T) {
	// The reference's own table (ref-fvm outputs.rs, adapted from Lotus).
	tests := []struct{ used, limit, refund, burn int64 }{
		{100, 200, 10, 90},
		{100, 150, 30, 20},
		{1_000, 1_300, 240, 60},
		{500, 700, 140, 60},
		{200, 200, 0, 0},
		{20_000, 21_000, 1_000, 0},
		{0, 2_000, 0, 2_000},
		{500, 651, 121, 30},
		{500, 5_000, 0, 4_500},
		{7_499_000_000, 7_500_000_000, 1_000_000, 0},
		{7_500_000_000 / 2, 7_500_000_000, 375_000_000, 3_375_000_000},
		{1, 7_500_000_000, 0, 7_499_999_999},
		// Edges: used > limit (never happens in the FVM) gives (0, 0); the
		// largest limits do not overflow.
		{300, 200, 0, 0},
		{1, math.MaxInt64, 0, math.MaxInt64 - 1},
		{math.MaxInt64 / 2, math.MaxInt64, 461168601842738790, 4150517416584649114},
		{math.MaxInt64, math.MaxInt64, 0, 0},
		{-5, 100, 0, 100},
	}
	for _, tc := range tests {
		refund, burn := ComputeGasOverestimationBurn(tc.used, tc.limit)
		if refund != tc.refund || burn != tc.burn {
			t.Errorf("(%d, %d): got (%d, %d), want (%d, %d)", tc.used, tc.limit, refund, burn, tc.refund, tc.burn)
		}
	}
}

func bi(v int64) big.Int { return big.NewInt(v) }

func mustBig(t *testing.T, s string) big.Int {
	t.Helper()
	v, err := big.FromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestComputeGasOutputs(t *testing.T) {
	type want struct{ baseFeeBurn, overBurn, penalty, tip, refund int64 }
	// The reference's own table: base fee 10.
	tests := []struct {
		used, limit, feeCap, premium int64
		want                         want
	}{
		{100, 110, 11, 1, want{1000, 0, 0, 110, 100}},
		{100, 130, 11, 1, want{1000, 60, 0, 130, 240}},
		{100, 110, 10, 1, want{1000, 0, 0, 0, 100}},
		{100, 110, 6, 1, want{600, 0, 400, 0, 60}},
		// Fee cap below base fee with over-estimation: the penalty covers
		// (10 − 6) × (used + burned) = 4 × (100 + 90).
		{100, 200, 6, 1, want{600, 540, 760, 0, 60}},
		// Nothing used: the whole limit is burnt.
		{0, 1000, 20, 5, want{0, 10000, 0, 5000, 5000}},
	}
	for _, tc := range tests {
		out := ComputeGasOutputs(tc.used, tc.limit, bi(10), bi(tc.feeCap), bi(tc.premium), true)
		got := want{out.BaseFeeBurn.Int64(), out.OverEstimationBurn.Int64(), out.MinerPenalty.Int64(), out.MinerTip.Int64(), out.Refund.Int64()}
		if got != tc.want {
			t.Errorf("%+v: got %+v", tc, got)
		}
		checkConservation(t, out, bi(tc.feeCap), tc.limit)
	}
}

// The worked examples of executor.md §1.7, with the message fields and base
// fee of the hygge vectors (fvm-test-vectors 0002-hygge-01).
func TestGasOutputsWorkedExamples(t *testing.T) {
	t.Run("storageminer-Send-Ok-2", func(t *testing.T) {
		// gas_used 1,165,163 = 560,663 + 1300·95 + 6,000 + 475,000.
		p := HyggePrices()
		used := p.OnChainMessage(95).Total().Add(p.OnValueTransfer().Total()).Add(p.OnActorUpdate().Total())
		if used.RoundUp() != 1_165_163 {
			t.Fatalf("gas used = %d", used.RoundUp())
		}
		// limit 1,445,078; 11·used/10 = 1,281,679; over = 163,399;
		// remaining = 279,915; burned = 279,915·163,399 / 1,165,163 = 39,254.
		out := ComputeGasOutputs(1_165_163, 1_445_078, bi(371_785_367), bi(4_503_855_581), bi(100_000_782), true)
		if out.GasBurned != 39_254 || out.GasRefund != 240_661 {
			t.Fatalf("gas burned/refund = %d/%d", out.GasBurned, out.GasRefund)
		}
		expect(t, "base fee burn", out.BaseFeeBurn, mustBig(t, "433190553569821"))              // 371,785,367 × 1,165,163
		expect(t, "over-estimation burn", out.OverEstimationBurn, mustBig(t, "14594062796218")) // × 39,254
		expect(t, "miner tip", out.MinerTip, mustBig(t, "144508930050996"))                     // 100,000,782 × 1,445,078
		expect(t, "penalty", out.MinerPenalty, big.Zero())
		expect(t, "refund", out.Refund, mustBig(t, "5916129068863283"))
		checkConservation(t, out, bi(4_503_855_581), 1_445_078)
	})
	t.Run("storageminer-PreCommitSector-SysErrOutOfGas-1", func(t *testing.T) {
		// Out of gas: gas used = limit = 43,141,671. base fee + premium
		// exceeds the fee cap, so the tip is fee cap − base fee = 68,299,476
		// per gas, and the refund is zero.
		out := ComputeGasOutputs(43_141_671, 43_141_671, bi(145_137_209), bi(213_436_685), bi(203_658_477), true)
		expect(t, "base fee burn", out.BaseFeeBurn, mustBig(t, "6261461720536239"))
		expect(t, "miner tip", out.MinerTip, mustBig(t, "2946553523064396"))
		expect(t, "over-estimation burn", out.OverEstimationBurn, big.Zero())
		expect(t, "refund", out.Refund, big.Zero())
		expect(t, "penalty", out.MinerPenalty, big.Zero())
		if out.GasBurned != 0 || out.GasRefund != 0 {
			t.Fatalf("gas burned/refund = %d/%d", out.GasBurned, out.GasRefund)
		}
	})
}

func TestGasOutputsWithoutNetworkFee(t *testing.T) {
	out := ComputeGasOutputs(100, 130, bi(10), bi(11), bi(1), false)
	expect(t, "base fee burn", out.BaseFeeBurn, big.Zero())
	expect(t, "over-estimation burn", out.OverEstimationBurn, bi(60))
	expect(t, "refund", out.Refund, bi(1430-130-60))
}

func TestGasOutputsUninitialisedInts(t *testing.T) {
	out := ComputeGasOutputs(100, 200, big.Int{}, bi(5), big.Int{}, true)
	expect(t, "base fee burn", out.BaseFeeBurn, big.Zero())
	expect(t, "refund", out.Refund, bi(1000))
	z := ZeroGasOutputs()
	for _, v := range []big.Int{z.BaseFeeBurn, z.OverEstimationBurn, z.MinerPenalty, z.MinerTip, z.Refund} {
		if !v.IsZero() {
			t.Fatal("ZeroGasOutputs is not zero")
		}
	}
}

func expect(t *testing.T, what string, got, want big.Int) {
	t.Helper()
	if !got.Equals(want) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// checkConservation is the FVM's sanity check: burns + refund + tip equal
// fee cap × limit.
func checkConservation(t *testing.T, out GasOutputs, feeCap big.Int, limit int64) {
	t.Helper()
	sum := big.Sum(out.BaseFeeBurn, out.OverEstimationBurn, out.Refund, out.MinerTip)
	if !sum.Equals(big.Mul(feeCap, bi(limit))) {
		t.Errorf("outputs sum to %s, want %s", sum, big.Mul(feeCap, bi(limit)))
	}
}
