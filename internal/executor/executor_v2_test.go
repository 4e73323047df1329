package executor_test

import (
	"context"
	"testing"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/executor"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

// Skyr prices (ref-fvm v2.12.1 fvm/src/gas/price_list.rs), in whole gas.
const (
	// on_chain_message(len): compute 38,863 + (36 + len)×1,300 storage.
	v2InclusionBase    = 38_863 + 36*1_300
	v2InclusionPerByte = 1_300
	v2SendBase         = 29_233
	v2TransferFunds    = 27_500
	v2TransferOnly     = 159_672
	v2InvokeMethod     = -5_377
	v2ReturnPerByte    = 1_300
)

// newWorldV2 is the test world at nv17 on an actors v9 genesis (a
// version-4 tree), with a 1 FIL multisig at testworld.IDMultisg.
func newWorldV2(t *testing.T) *world {
	t.Helper()
	return &world{testworld.NewWorld(t, testworld.WorldOptions{V2: true, BaseFee: baseFee, Senders: true})}
}

// A v2 message pays its inclusion and one send charge, with no state
// access charges; a return value is charged at the top level; the receipt
// has no events, even if the actor emitted some.
func TestApplyV2(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method uint64
		value  int64
		ret    []byte
		gas    int64
	}{
		{"value send", 0, 1234, nil, v2InclusionBase + v2InclusionPerByte*blsLen + v2SendBase + v2TransferFunds + v2TransferOnly},
		{"invoke", 2, 0, nil, v2InclusionBase + v2InclusionPerByte*blsLen + v2SendBase + v2InvokeMethod},
		{"invoke returning 10 bytes", 2, 7, make([]byte, 10),
			v2InclusionBase + v2InclusionPerByte*blsLen + v2SendBase + v2TransferFunds + v2InvokeMethod + 10*v2ReturnPerByte},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorldV2(t)
			inv := &invokerFunc{fn: func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
				cm.EmitEvent(kernel.StampedEvent{Emitter: c.To})
				if tc.ret == nil {
					return callmanager.Result{}, nil
				}
				return callmanager.Result{Return: &kernel.Block{Codec: 0x71, Data: tc.ret}}, nil
			}}
			m := w.msg(testworld.IDAddr(testworld.IDOther), abi.MethodNum(tc.method), tc.value)
			m.Params = []byte{0x80}
			ret := apply(t, w, inv, m, executor.Explicit, blsLen)
			if ret.Receipt.ExitCode != exitcode.Ok || ret.Receipt.GasUsed != tc.gas {
				t.Fatalf("receipt %+v (%s), want exit 0 gas %d", ret.Receipt, ret.FailureInfo, tc.gas)
			}
			if ret.Receipt.EventsRoot != nil || ret.Events != nil {
				t.Errorf("events %v %v", ret.Receipt.EventsRoot, ret.Events)
			}
			// v2 passes message params as DAG-CBOR (to method 0 too).
			for _, c := range inv.calls {
				if c.Params == nil || c.Params.Codec != 0x71 {
					t.Errorf("params %+v", c.Params)
				}
			}
			if got := w.Balance(t, testworld.IDOther); !got.Equals(big.NewInt(1000 + tc.value)) {
				t.Errorf("receiver %s", got)
			}
		})
	}
}

// Only account actors send v2 messages.
func TestNonAccountSenderV2(t *testing.T) {
	w := newWorldV2(t)
	m := w.msg(testworld.IDAddr(testworld.IDOther), 0, 1)
	m.From = testworld.IDAddr(testworld.IDMultisg)
	ret := apply(t, w, &invokerFunc{}, m, executor.Explicit, blsLen)
	if ret.Receipt.ExitCode != exitcode.SysErrSenderInvalid || ret.Receipt.GasUsed != 0 {
		t.Fatalf("receipt %+v", ret.Receipt)
	}
}
