package chain

import (
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"

	"github.com/go-fvm/go-fvm/message"
)

func msgs(t *testing.T, spec ...[3]int64) []*message.Message {
	t.Helper()
	var out []*message.Message
	for i, s := range spec {
		from, err := address.NewIDAddress(uint64(100 + i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &message.Message{From: from, To: from, Value: big.Zero(), GasLimit: uint64(s[0]),
			GasFeeCap: big.NewInt(s[1]), GasPremium: big.NewInt(s[2])})
	}
	return out
}

func TestNextBaseFeeFromUtilization(t *testing.T) {
	base := abi.NewTokenAmount(100_000_000)
	for name, tc := range map[string]struct {
		msgs []*message.Message
		want int64
	}{
		// No gas used: down by 1/8.
		"empty": {nil, 87_500_000},
		// Exactly the target: unchanged.
		"target": {msgs(t, [3]int64{blockGasTarget, 1e9, 1}), 100_000_000},
		// A full block: up by 1/8.
		"full": {msgs(t, [3]int64{blockGasTarget, 1e9, 1}, [3]int64{blockGasTarget, 1e9, 1}), 112_500_000},
	} {
		if got := nextBaseFeeFromUtilization(base, tc.msgs, 1); !got.Equals(big.NewInt(tc.want)) {
			t.Errorf("%s: %s, want %d", name, got, tc.want)
		}
	}
	if got := nextBaseFeeFromUtilization(big.NewInt(100), nil, 1); !got.Equals(big.NewInt(minimumBaseFee)) {
		t.Errorf("below the minimum: %s", got)
	}
}

func TestNextBaseFeeFromPremiums(t *testing.T) {
	base := abi.NewTokenAmount(800)
	for name, tc := range map[string]struct {
		msgs []*message.Message
		want int64
	}{
		// No messages: the percentile premium is zero, the fee falls by its 1/8 (rounded up).
		"empty": {nil, 700},
		// Messages below the 80% gas index: the premium counted is zero.
		"light": {msgs(t, [3]int64{1_000_000, 2000, 500}), 700},
		// A premium at the index of 50 pulls the fee down by 100-50.
		"pull": {msgs(t, [3]int64{blockGasTargetIndex + 1, 2000, 50}), 750},
		// A large premium moves it up by at most 1/8.
		"capped": {msgs(t, [3]int64{blockGasTargetIndex + 1, 10_000, 5000}), 900},
		// The premium is capped at fee cap - base fee.
		"effective": {msgs(t, [3]int64{blockGasTargetIndex + 1, 830, 5000}), 730},
		// Highest premiums first: the 80th percentile by gas is the second message's.
		"percentile": {msgs(t, [3]int64{blockGasTargetIndex / 2, 10_000, 150}, [3]int64{blockGasTargetIndex, 10_000, 120}), 820},
	} {
		if got := nextBaseFeeFromPremiums(base, tc.msgs); !got.Equals(big.NewInt(tc.want)) {
			t.Errorf("%s: %s, want %d", name, got, tc.want)
		}
	}
}
