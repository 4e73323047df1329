package rpc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"

	"github.com/go-fvm/go-fvm"
)

// Gas estimation constants (Lotus's messagepool and gasutils).
const (
	// gasLimitOverestimation scales an estimated gas limit (Lotus's default 1.25).
	gasLimitOverestimation = 1.25
	// minGasPremium is the least premium estimated (Lotus's MinGasPremium).
	minGasPremium = 100e3
	// maxGasHistory bounds the blocks GasEstimateGasPremium looks at.
	maxGasHistory = 20 * 2
	// baseFeeMaxChangeDenom is the base fee's most change per epoch, 1/8.
	baseFeeMaxChangeDenom = 8
	// blockGasTarget is half the block gas limit.
	blockGasTarget = fvm.BlockGasLimit / 2
)

// defaultMaxFee caps a message's total fee when the send spec has none (Lotus's 0.07 FIL).
var defaultMaxFee = big.Mul(big.NewInt(7), big.NewInt(1e16))

// ErrExecutionFailed is returned (wrapped) when estimation runs a message that fails.
var ErrExecutionFailed = errors.New("message execution failed")

// GasEstimateGasLimit estimates the gas a message uses: it runs it, after the
// sender's pending messages, on the state after the tipset of k.
func (a *FilecoinAPI) GasEstimateGasLimit(ctx context.Context, msg *Message, k TipSetKey) (int64, error) {
	m, err := msg.toMessage()
	if err != nil {
		return 0, err
	}
	ts, err := a.tipset(ctx, k)
	if err != nil {
		return 0, err
	}
	m.GasLimit = fvm.BlockGasLimit
	m.GasFeeCap, m.GasPremium = big.Zero(), big.Zero()
	if ts.Height == a.chain().Head().Height {
		// Lotus estimates at the nonce the message would get.
		if m.Sequence, err = a.chain().NextNonce(ctx, m.From); err != nil {
			return 0, err
		}
	}
	ret, err := a.chain().Estimate(ctx, m, chainLengthEstimate(m.From, len(m.Bytes())), ts)
	if err != nil {
		return 0, fmt.Errorf("gas estimation failed: %w", err)
	}
	if ret.Receipt.ExitCode != exitcode.Ok {
		return 0, fmt.Errorf("%w (exit=[%d], vm error=[%s])", ErrExecutionFailed, ret.Receipt.ExitCode, ret.FailureInfo)
	}
	return ret.Receipt.GasUsed, nil
}

// chainLengthEstimate is a message's on-chain size once signed: a secp256k1
// or delegated signature adds its 66 bytes and the signed message's framing
// (the unsigned length for BLS).
func chainLengthEstimate(from address.Address, unsigned int) int {
	if from.Protocol() == address.BLS {
		return unsigned
	}
	return unsigned + 1 + 2 + 66
}

// GasEstimateFeeCap estimates a fee cap that covers the base fee maxqueueblks
// epochs ahead, plus the message's premium (Lotus's rule).
func (a *FilecoinAPI) GasEstimateFeeCap(ctx context.Context, msg *Message, maxqueueblks int64, k TipSetKey) (abi.TokenAmount, error) {
	ts, err := a.tipset(ctx, k)
	if err != nil {
		return abi.TokenAmount{}, err
	}
	if maxqueueblks < 0 || maxqueueblks > 1000 {
		return abi.TokenAmount{}, errParam("maxqueueblks %d out of 0..1000", maxqueueblks)
	}
	increase := math.Pow(1+1.0/baseFeeMaxChangeDenom, float64(maxqueueblks))
	out := big.Div(big.Mul(ts.ParentBaseFee(), big.NewInt(int64(increase*(1<<8)))), big.NewInt(1<<8))
	if msg != nil && msg.GasPremium.Int != nil {
		out = big.Add(out, msg.GasPremium)
	}
	return out, nil
}

// GasEstimateGasPremium estimates a premium from the premiums of the last
// 2×nblocksincl tipsets (Lotus's rule, without its random noise: the devnet
// is deterministic).
func (a *FilecoinAPI) GasEstimateGasPremium(ctx context.Context, nblocksincl uint64, sender address.Address, gaslimit int64, k TipSetKey) (abi.TokenAmount, error) {
	nblocksincl = min(max(nblocksincl, 1), maxGasHistory)
	ts, err := a.tipset(ctx, k)
	if err != nil {
		return abi.TokenAmount{}, err
	}
	type meta struct {
		price abi.TokenAmount
		limit int64
	}
	var prices []meta
	blocks := 0
	for i := uint64(0); i < nblocksincl*2 && ts.Height > 0; i++ {
		parent, err := a.chain().TipSet(ctx, ts.Parents())
		if err != nil {
			return abi.TokenAmount{}, err
		}
		blocks += len(parent.Blocks)
		msgs, err := a.chain().Messages(ctx, parent)
		if err != nil {
			return abi.TokenAmount{}, err
		}
		for _, m := range msgs {
			prices = append(prices, meta{m.Signed.Message.GasPremium, int64(m.Signed.Message.GasLimit)})
		}
		ts = parent
	}
	slices.SortStableFunc(prices, func(x, y meta) int { return y.price.Cmp(x.price.Int) })
	at := blockGasTarget*int64(blocks)/2 + blockGasTarget*int64(blocks)/(2*20)
	prev1, prev2 := big.Zero(), big.Zero()
	for _, p := range prices {
		prev1, prev2 = p.price, prev1
		at -= p.limit
		if at < 0 {
			break
		}
	}
	premium := prev1
	if prev2.Sign() != 0 {
		premium = big.Div(big.Add(prev1, prev2), big.NewInt(2))
	}
	if premium.LessThan(big.NewInt(minGasPremium)) {
		switch nblocksincl {
		case 1:
			premium = big.NewInt(2 * minGasPremium)
		case 2:
			premium = big.NewInt(1.5 * minGasPremium)
		default:
			premium = big.NewInt(minGasPremium)
		}
	}
	return premium, nil
}

// GasEstimateMessageGas fills in a message's unset gas limit, premium and fee
// cap, then caps the fee at the spec's MaxFee (0.07 FIL by default).
func (a *FilecoinAPI) GasEstimateMessageGas(ctx context.Context, msg *Message, spec *MessageSendSpec, k TipSetKey) (*Message, error) {
	if msg == nil {
		return nil, errParam("message is missing")
	}
	if msg.To == address.Undef || msg.From == address.Undef {
		return nil, errParam("message To and From addresses must be set")
	}
	out := *msg
	if out.GasLimit == 0 {
		limit, err := a.GasEstimateGasLimit(ctx, msg, k)
		if err != nil {
			return nil, err
		}
		out.GasLimit = min(int64(float64(limit)*gasLimitOverestimation), int64(fvm.BlockGasLimit))
	}
	if out.GasPremium.Int == nil || out.GasPremium.Sign() == 0 {
		p, err := a.GasEstimateGasPremium(ctx, 10, out.From, out.GasLimit, k)
		if err != nil {
			return nil, err
		}
		out.GasPremium = p
	}
	if out.GasFeeCap.Int == nil || out.GasFeeCap.Sign() == 0 {
		f, err := a.GasEstimateFeeCap(ctx, &out, 20, k)
		if err != nil {
			return nil, err
		}
		out.GasFeeCap = f
	}
	capGasFee(&out, spec)
	out.CID = nil
	return &out, nil
}

// capGasFee keeps fee cap × gas limit within the max fee (Lotus's CapGasFee).
func capGasFee(m *Message, spec *MessageSendSpec) {
	maxFee, maximize := big.Zero(), false
	if spec != nil {
		maxFee, maximize = zeroIfNil(spec.MaxFee), spec.MaximizeFeeCap
	}
	if maxFee.Sign() == 0 {
		maxFee = defaultMaxFee
	}
	limit := big.NewInt(m.GasLimit)
	if limit.Sign() > 0 && (maximize || big.Mul(m.GasFeeCap, limit).GreaterThan(maxFee)) {
		m.GasFeeCap = big.Div(maxFee, limit)
	}
	m.GasPremium = big.Min(m.GasFeeCap, m.GasPremium)
}
