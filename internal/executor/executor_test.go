package executor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/filecoin-project/go-address"
	amt "github.com/filecoin-project/go-amt-ipld/v4"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/executor"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/testworld"
	"github.com/go-fvm/go-fvm/message"
)

// Fee parameters of most tests: base fee 100, fee cap 150, premium 10.
const (
	baseFee  = 100
	feeCap   = 150
	premium  = 10
	gasLimit = 2_000_000
	blsLen   = 95 // a BLS-signed message's chain length
	secpLen  = 129
)

func (w *world) msg(to address.Address, method abi.MethodNum, value int64) *message.Message {
	return &message.Message{From: w.BLS, To: to, Value: big.NewInt(value), GasLimit: gasLimit,
		GasFeeCap: big.NewInt(feeCap), GasPremium: big.NewInt(premium), Method: method}
}

func root(t *testing.T, w *world) cid.Cid {
	t.Helper()
	c, err := w.M.Tree.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func apply(t *testing.T, w *world, inv callmanager.Invoker, msg *message.Message, kind executor.ApplyKind, rawLen int) *executor.ApplyRet {
	t.Helper()
	e := &executor.Executor{Machine: w.M, Invoker: inv}
	ret, err := e.ApplyMessage(context.Background(), msg, kind, rawLen)
	if err != nil {
		t.Fatalf("ApplyMessage: %v", err)
	}
	return ret
}

func TestGasLimitOutOfRange(t *testing.T) {
	w := newWorld(t, baseFee)
	for _, limit := range []uint64{0, math.MaxInt64 + 1, math.MaxUint64} {
		m := w.msg(testworld.IDAddr(testworld.IDPoor), 0, 0)
		m.GasLimit = limit
		e := &executor.Executor{Machine: w.M, Invoker: &invokerFunc{}}
		if ret, err := e.ApplyMessage(context.Background(), m, executor.Explicit, blsLen); !errors.Is(err, executor.ErrFatal) || ret != nil {
			t.Errorf("gas limit %d: %v %v, want a fatal error and no receipt", limit, ret, err)
		}
	}
}

// Preflight failures in the order of executor.md §1.2: each row also
// breaks every later check, so the exit code shows which check ran first.
func TestPreflight(t *testing.T) {
	incl := int64(testworld.InclusionBase + testworld.InclusionPerByte*blsLen) // 684,163
	unknown := testworld.MustAddr(address.NewSecp256k1Address([]byte("unknown")))
	for _, tc := range []struct {
		name    string
		edit    func(w *world, m *message.Message)
		exit    exitcode.ExitCode
		penalty int64
	}{
		{"inclusion over the limit", func(w *world, m *message.Message) {
			m.GasLimit = uint64(incl - 1)
			m.From, m.Sequence = unknown, 9
		}, exitcode.SysErrOutOfGas, baseFee * incl},
		{"unknown sender", func(w *world, m *message.Message) { m.From, m.Sequence = unknown, 9 }, exitcode.SysErrSenderInvalid, baseFee * gasLimit},
		{"sender id without actor", func(w *world, m *message.Message) { m.From, m.Sequence = testworld.IDAddr(555), 9 }, exitcode.SysErrSenderInvalid, baseFee * gasLimit},
		{"multisig sender", func(w *world, m *message.Message) { m.From, m.Sequence = testworld.IDAddr(testworld.IDMultisg), 9 }, exitcode.SysErrSenderInvalid, baseFee * gasLimit},
		{"used placeholder", func(w *world, m *message.Message) { m.From = testworld.IDAddr(testworld.IDUsed) }, exitcode.SysErrSenderInvalid, baseFee * gasLimit},
		{"placeholder outside EAM", func(w *world, m *message.Message) { m.From = testworld.IDAddr(testworld.IDOther4) }, exitcode.SysErrSenderInvalid, baseFee * gasLimit},
		{"reward actor", func(w *world, m *message.Message) { m.From = testworld.IDAddr(testworld.IDReward) }, exitcode.SysErrSenderInvalid, baseFee * gasLimit},
		{"nonce", func(w *world, m *message.Message) {
			m.Sequence = 1
			m.GasFeeCap = big.Mul(testworld.OneFIL, testworld.OneFIL)
		}, exitcode.SysErrSenderStateInvalid, baseFee * gasLimit},
		{"balance below fee cap × limit", func(w *world, m *message.Message) {
			m.GasFeeCap = big.Add(big.Div(testworld.OneFIL, big.NewInt(gasLimit)), big.NewInt(1))
		}, exitcode.SysErrSenderStateInvalid, baseFee * gasLimit},
		{"poor sender", func(w *world, m *message.Message) { m.From = w.Secp }, exitcode.SysErrSenderStateInvalid, baseFee * gasLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, baseFee)
			m := w.msg(testworld.IDAddr(testworld.IDOther), 0, 0)
			tc.edit(w, m)
			before := root(t, w)
			inv := &invokerFunc{}
			ret := apply(t, w, inv, m, executor.Explicit, blsLen)
			r := ret.Receipt
			if r.ExitCode != tc.exit || r.GasUsed != 0 || r.Return != nil || r.EventsRoot != nil {
				t.Errorf("receipt %+v, want exit %d and nothing else", r, tc.exit)
			}
			if !ret.Penalty.Equals(big.NewInt(tc.penalty)) {
				t.Errorf("penalty %s, want %d", ret.Penalty, tc.penalty)
			}
			for name, v := range map[string]abi.TokenAmount{"tip": ret.MinerTip, "burn": ret.BaseFeeBurn, "over": ret.OverEstimationBurn, "refund": ret.Refund} {
				if !v.IsZero() {
					t.Errorf("%s %s, want 0", name, v)
				}
			}
			if ret.GasRefund != 0 || ret.GasBurned != 0 || ret.FailureInfo == "" {
				t.Errorf("gas refund %d burned %d info %q", ret.GasRefund, ret.GasBurned, ret.FailureInfo)
			}
			if root(t, w) != before || len(inv.calls) != 0 {
				t.Error("a prevalidation failure changed the state or ran code")
			}
		})
	}
}

// The inclusion cost exactly at the gas limit passes.
func TestInclusionAtLimit(t *testing.T) {
	w := newWorld(t, baseFee)
	m := w.msg(testworld.IDAddr(testworld.IDPoor), 0, 0)
	m.GasLimit = testworld.InclusionBase + testworld.InclusionPerByte*blsLen
	ret := apply(t, w, &invokerFunc{}, m, executor.Explicit, blsLen)
	// A zero-value send to the (primed) receiver costs nothing more.
	if ret.Receipt.ExitCode != 0 || ret.Receipt.GasUsed != int64(m.GasLimit) {
		t.Errorf("receipt %+v, want exit 0 using the whole %d", ret.Receipt, m.GasLimit)
	}
}

// Fund movements of executor.md §1.5 for a value send (the Send-Ok-2 shape).
func TestValueSendFees(t *testing.T) {
	w := newWorld(t, baseFee)
	m := w.msg(testworld.IDAddr(testworld.IDOther), 0, 1234)
	ret := apply(t, w, &invokerFunc{}, m, executor.Explicit, blsLen)
	// 560,663 + 1,300×95 + OnValueTransfer 6,000 + the receiver's update
	// 475,000 (it was primed Read; the origin's update is in the inclusion
	// cost) = 1,165,163, the gas of vector Send-Ok-2.
	const used = testworld.InclusionBase + testworld.InclusionPerByte*blsLen + testworld.ValueTransfer + testworld.ActorUpdate
	if used != 1_165_163 || ret.Receipt.ExitCode != 0 || ret.Receipt.GasUsed != used {
		t.Fatalf("receipt %+v, want exit 0 gas %d", ret.Receipt, used)
	}
	// GasOutputs, by hand:
	// base_fee_burn = 100 × 1,165,163 = 116,516,300
	// miner_tip = premium 10 (100+10 <= 150) × limit 2,000,000 = 20,000,000
	// over = min(2,000,000 − 11×1,165,163/10 = 2,000,000 − 1,281,679, used) = 718,321
	// gas_burned = (2,000,000 − 1,165,163) × 718,321 / 1,165,163 = 834,837 × 718,321 / 1,165,163 = 514,675
	// gas_refund = 834,837 − 514,675 = 320,162
	// over_estimation_burn = 100 × 514,675 = 51,467,500
	// refund = 150 × 2,000,000 − 116,516,300 − 20,000,000 − 51,467,500 = 112,016,200
	checkOutputs(t, ret, 0, 116_516_300, 20_000_000, 51_467_500, 112_016_200, 320_162, 514_675)

	senderWant := big.Sub(big.Sub(testworld.OneFIL, big.NewInt(feeCap*gasLimit-112_016_200)), big.NewInt(1234))
	if got := w.Balance(t, testworld.IDRich); !got.Equals(senderWant) {
		t.Errorf("sender balance %s, want %s", got, senderWant)
	}
	if got := w.Actor(t, testworld.IDRich).Sequence; got != 1 {
		t.Errorf("sender nonce %d, want 1", got)
	}
	if got := w.Balance(t, testworld.IDBurnt); !got.Equals(big.NewInt(116_516_300 + 51_467_500)) {
		t.Errorf("burnt funds %s", got)
	}
	if got := w.Balance(t, testworld.IDReward); !got.Equals(big.Add(testworld.RewardBalance(), big.NewInt(20_000_000))) {
		t.Errorf("reward %s", got)
	}
	if got := w.Balance(t, testworld.IDOther); !got.Equals(big.NewInt(1000 + 1234)) {
		t.Errorf("receiver %s", got)
	}
}

func checkOutputs(t *testing.T, ret *executor.ApplyRet, penalty, burn, tip, over, refund, gasRefund, gasBurned int64) {
	t.Helper()
	for _, c := range []struct {
		name string
		got  abi.TokenAmount
		want int64
	}{{"penalty", ret.Penalty, penalty}, {"base fee burn", ret.BaseFeeBurn, burn}, {"miner tip", ret.MinerTip, tip},
		{"over-estimation burn", ret.OverEstimationBurn, over}, {"refund", ret.Refund, refund}} {
		if !c.got.Equals(big.NewInt(c.want)) {
			t.Errorf("%s %s, want %d", c.name, c.got, c.want)
		}
	}
	if ret.GasRefund != gasRefund || ret.GasBurned != gasBurned {
		t.Errorf("gas refund %d burned %d, want %d %d", ret.GasRefund, ret.GasBurned, gasRefund, gasBurned)
	}
}

// A base fee above the fee cap: the miner is penalised, no tip.
func TestBaseFeeAboveCap(t *testing.T) {
	w := newWorld(t, 200)
	ret := apply(t, w, &invokerFunc{}, w.msg(testworld.IDAddr(testworld.IDOther), 0, 1), executor.Explicit, blsLen)
	// Same gas as above (1,165,163; gas_burned 514,675). base_fee_to_pay =
	// min(200, 150) = 150; tip per gas = 150 − 150 = 0 (150 + 10 > 150).
	// penalty = (200 − 150) × 1,165,163 + (200 − 150) × 514,675 = 83,991,900
	// burn = 150 × 1,165,163 = 174,774,450; over = 150 × 514,675 = 77,201,250
	// refund = 300,000,000 − 174,774,450 − 0 − 77,201,250 = 48,024,300
	checkOutputs(t, ret, 83_991_900, 174_774_450, 0, 77_201_250, 48_024_300, 320_162, 514_675)
}

func TestSecpSender(t *testing.T) {
	w := newWorld(t, baseFee)
	m := w.msg(testworld.IDAddr(testworld.IDOther), 0, 1)
	m.From = testworld.IDAddr(testworld.IDEth) // any valid sender; the raw length is what matters
	m.Sequence = 3
	ret := apply(t, w, &invokerFunc{}, m, executor.Explicit, secpLen)
	// Vector Send-Ok-1: 560,663 + 1,300×129 + 481,000 = 1,209,363.
	if ret.Receipt.GasUsed != 1_209_363 {
		t.Errorf("gas %d, want 1,209,363", ret.Receipt.GasUsed)
	}
	if w.Actor(t, testworld.IDEth).Sequence != 4 {
		t.Error("nonce not bumped")
	}
}

func TestPlaceholderSenderBecomesEthAccount(t *testing.T) {
	w := newWorld(t, baseFee)
	m := w.msg(testworld.IDAddr(testworld.IDPoor), 0, 0)
	m.From = w.F410
	ret := apply(t, w, &invokerFunc{}, m, executor.Explicit, blsLen)
	if ret.Receipt.ExitCode != 0 {
		t.Fatalf("receipt %+v", ret.Receipt)
	}
	act := w.Actor(t, testworld.IDHolder)
	if act.Code != w.Code(t, "ethaccount") || act.Sequence != 1 || act.DelegatedAddress == nil || *act.DelegatedAddress != w.F410 {
		t.Errorf("sender %+v, want an ethaccount with nonce 1 keeping its f4 address", act)
	}
	// The promotion is part of preflight: it survives a failing call.
	w = newWorld(t, baseFee)
	m = w.msg(testworld.IDAddr(555), 0, 0)
	m.From = w.F410
	ret = apply(t, w, &invokerFunc{}, m, executor.Explicit, blsLen)
	if ret.Receipt.ExitCode != exitcode.SysErrInvalidReceiver || w.Actor(t, testworld.IDHolder).Code != w.Code(t, "ethaccount") {
		t.Errorf("receipt %+v code %s", ret.Receipt, w.Actor(t, testworld.IDHolder).Code)
	}
}

// Receipts of executor.md §1.4, with fees on the reported gas.
func TestReceiptMapping(t *testing.T) {
	incl := int64(testworld.InclusionBase + testworld.InclusionPerByte*blsLen)
	ret10 := &kernel.Block{Codec: 0x51, Data: []byte("0123456789")}
	for _, tc := range []struct {
		name   string
		to     address.Address
		value  int64
		fn     func(cm *callmanager.CallManager) (callmanager.Result, error)
		exit   exitcode.ExitCode
		gas    int64
		retVal []byte
	}{
		// The receiver (102) was primed: invocation 75,000 + 1,300 × 10 bytes.
		{"ok with data", testworld.IDAddr(testworld.IDOther), 0, func(*callmanager.CallManager) (callmanager.Result, error) {
			return callmanager.Result{Return: ret10}, nil
		}, 0, incl + testworld.MethodInvocation + 10*testworld.ReturnPerByte, ret10.Data},
		// Data returned with an abort is still returned (and charged).
		{"abort with data", testworld.IDAddr(testworld.IDOther), 0, func(*callmanager.CallManager) (callmanager.Result, error) {
			return callmanager.Result{ExitCode: 18, Return: ret10}, nil
		}, 18, incl + testworld.MethodInvocation + 10*testworld.ReturnPerByte, ret10.Data},
		{"out of gas", testworld.IDAddr(testworld.IDOther), 0, func(cm *callmanager.CallManager) (callmanager.Result, error) {
			return callmanager.Result{}, cm.Charge(gas.NewGasCharge("all", gas.NewGas(gasLimit), gas.ZeroGas))
		}, exitcode.SysErrOutOfGas, gasLimit, nil},
		// Value beyond the balance left after the gas deduction: lookup
		// skipped (primed), transfer charged, then InsufficientFunds.
		{"insufficient funds", testworld.IDAddr(testworld.IDOther), 1_000_000_000_000_000_000, nil, exitcode.SysErrInsufficientFunds, incl + testworld.ValueTransfer, nil},
		// A missing id: an ID address "resolves" to itself, so the executor
		// primes it Read and its failed lookup is free.
		{"invalid receiver", testworld.IDAddr(555), 0, nil, exitcode.SysErrInvalidReceiver, incl, nil},
		{"other syscall error", testworld.IDAddr(testworld.IDOther), 0, func(*callmanager.CallManager) (callmanager.Result, error) {
			return callmanager.Result{}, kernel.Errorf(kernel.LimitExceeded, "too deep")
		}, exitcode.SysErrFatal, incl + testworld.MethodInvocation, nil},
		// A fatal error uses the whole gas limit.
		{"fatal", testworld.IDAddr(testworld.IDOther), 0, func(*callmanager.CallManager) (callmanager.Result, error) {
			return callmanager.Result{}, callmanager.ErrFatal
		}, exitcode.SysErrFatal, gasLimit, nil},
		// Still fatal when the chain also holds a syscall error.
		{"fatal wrapping a syscall error", testworld.IDAddr(testworld.IDOther), 0, func(*callmanager.CallManager) (callmanager.Result, error) {
			return callmanager.Result{}, fmt.Errorf("%w: exit block: %w", kernel.ErrFatal, kernel.Errorf(kernel.NotFound, "no block"))
		}, exitcode.SysErrFatal, gasLimit, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, baseFee)
			inv := &invokerFunc{}
			if tc.fn != nil {
				inv.fn = func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
					cm.EmitEvent(kernel.StampedEvent{Emitter: c.To})
					if _, err := cm.Send(ctx, c.To, testworld.IDAddr(testworld.IDBurnt), 0, nil, big.NewInt(1), nil, false); err != nil {
						return callmanager.Result{}, err
					}
					return tc.fn(cm)
				}
			}
			method := abi.MethodNum(2)
			if tc.fn == nil {
				method = 0
			}
			ret := apply(t, w, inv, w.msg(tc.to, method, tc.value), executor.Explicit, blsLen)
			r := ret.Receipt
			if tc.fn != nil && tc.gas != gasLimit {
				// The nested transfer to the preloaded f099: the transfer and
				// the update of 102 (primed Read only).
				tc.gas += testworld.ValueTransfer + testworld.ActorUpdate
			}
			if r.ExitCode != tc.exit || r.GasUsed != tc.gas || !bytes.Equal(r.Return, tc.retVal) {
				t.Errorf("receipt %+v (%s), want exit %d gas %d return %q", r, ret.FailureInfo, tc.exit, tc.gas, tc.retVal)
			}
			if tc.exit != 0 {
				if r.EventsRoot != nil || len(ret.Events) != 0 {
					t.Errorf("a failed message kept its events")
				}
				if !w.Balance(t, testworld.IDOther).Equals(big.NewInt(1000)) {
					t.Errorf("a failed message kept its transfer")
				}
				if ret.FailureInfo == "" {
					t.Error("no failure info")
				}
			}
			// Fees are on the receipt's gas; the nonce is bumped regardless.
			out := gas.ComputeGasOutputs(r.GasUsed, gasLimit, big.NewInt(baseFee), big.NewInt(feeCap), big.NewInt(premium), true)
			if !ret.Refund.Equals(out.Refund) || !ret.BaseFeeBurn.Equals(out.BaseFeeBurn) {
				t.Errorf("fees not computed on the receipt's gas")
			}
			if w.Actor(t, testworld.IDRich).Sequence != 1 {
				t.Error("nonce not bumped")
			}
			wantSender := big.Sub(big.Sub(testworld.OneFIL, big.NewInt(feeCap*gasLimit)), ret.Refund.Neg())
			if tc.exit == 0 {
				wantSender = big.Sub(wantSender, big.NewInt(tc.value))
			}
			if got := w.Balance(t, testworld.IDRich); !got.Equals(wantSender) {
				t.Errorf("sender balance %s, want %s", got, wantSender)
			}
		})
	}
}

func TestPanicIsFatal(t *testing.T) {
	w := newWorld(t, baseFee)
	inv := &invokerFunc{fn: func(context.Context, *callmanager.CallManager, callmanager.Call) (callmanager.Result, error) {
		panic("actor bug")
	}}
	e := &executor.Executor{Machine: w.M, Invoker: inv}
	ret, err := e.ApplyMessage(context.Background(), w.msg(testworld.IDAddr(testworld.IDOther), 2, 0), executor.Explicit, blsLen)
	if err != nil {
		t.Fatalf("a panic in execution should give a fatal receipt, got error %v", err)
	}
	// Like any fatal error (executor.md §1.4): SYS_ASSERTION_FAILED, the
	// whole gas limit used and paid for, nothing of the call kept.
	if ret.Receipt.ExitCode != exitcode.SysErrFatal || ret.Receipt.GasUsed != gasLimit {
		t.Errorf("receipt %+v, want exit %d with gas used %d", ret.Receipt, exitcode.SysErrFatal, gasLimit)
	}
	if w.M.Tree.InTransaction() {
		t.Fatal("a transaction is still open after the panic")
	}
	// The machine goes on: the next message applies normally.
	next := w.msg(testworld.IDAddr(testworld.IDOther), 0, 1)
	next.Sequence = 1
	ret, err = (&executor.Executor{Machine: w.M, Invoker: &invokerFunc{}}).ApplyMessage(context.Background(), next, executor.Explicit, blsLen)
	if err != nil || ret.Receipt.ExitCode != exitcode.Ok {
		t.Errorf("next message: %+v %v, want exit 0", ret, err)
	}
}

// The effective premium, origin and nonce the actors see (executor.md §1.3).
func TestMessageContext(t *testing.T) {
	for _, tc := range []struct{ feeCap, premium, want int64 }{
		{150, 10, 10}, // premium fits under the cap
		{150, 80, 50}, // capped at fee cap − base fee
		{90, 10, 0},   // fee cap below the base fee: never negative
	} {
		w := newWorld(t, baseFee)
		var seen abi.TokenAmount
		var origin, nonce uint64
		var params *kernel.Block
		inv := &invokerFunc{fn: func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
			seen, origin, nonce, params = cm.GasPremium(), cm.Origin(), cm.Nonce(), c.Params
			return callmanager.Result{}, nil
		}}
		m := w.msg(testworld.IDAddr(testworld.IDOther), 2, 0)
		m.GasFeeCap, m.GasPremium, m.Params = big.NewInt(tc.feeCap), big.NewInt(tc.premium), []byte{0x80}
		apply(t, w, inv, m, executor.Explicit, blsLen)
		if !seen.Equals(big.NewInt(tc.want)) || origin != testworld.IDRich || nonce != 0 {
			t.Errorf("cap %d premium %d: actor saw premium %s origin %d nonce %d; want %d, %d, 0", tc.feeCap, tc.premium, seen, origin, nonce, tc.want, testworld.IDRich)
		}
		if params == nil || params.Codec != 0x51 || !bytes.Equal(params.Data, []byte{0x80}) {
			t.Errorf("params %+v, want CBOR 0x80", params)
		}
	}
	// No params: no block.
	w := newWorld(t, baseFee)
	inv := &invokerFunc{}
	apply(t, w, inv, w.msg(testworld.IDAddr(testworld.IDOther), 2, 0), executor.Explicit, blsLen)
	if inv.calls[0].Params != nil {
		t.Errorf("empty params became block %+v", inv.calls[0].Params)
	}
	// Method 0 params are raw bytes (seen in the trace).
	w = newWorld(t, baseFee)
	m := w.msg(testworld.IDAddr(testworld.IDOther), 0, 0)
	m.Params = []byte{1, 2}
	e := &executor.Executor{Machine: w.M, Invoker: &invokerFunc{}, Trace: true}
	ret, err := e.ApplyMessage(context.Background(), m, executor.Explicit, blsLen)
	if err != nil || ret.Trace == nil || ret.Trace.Msg.ParamsCodec != 0x55 || ret.Trace.GasCharges[0].Name != "OnChainMessage" {
		t.Errorf("trace %+v %v, want raw params and the inclusion charge first", ret.Trace, err)
	}
}

func TestImplicit(t *testing.T) {
	w := newWorld(t, baseFee)
	inv := &invokerFunc{fn: func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
		return callmanager.Result{}, nil
	}}
	// A cron-like call from the system actor with a stale nonce, a fee cap
	// it cannot pay and value it has not got.
	m := &message.Message{From: testworld.IDAddr(testworld.IDSystem), To: testworld.IDAddr(testworld.IDOther), Sequence: 77, Value: big.Zero(), GasLimit: gasLimit,
		GasFeeCap: big.NewInt(1000), GasPremium: big.NewInt(1000), Method: 2}
	ret := apply(t, w, inv, m, executor.Implicit, 1000)
	// No inclusion gas: the invocation of the primed receiver only.
	if ret.Receipt.ExitCode != 0 || ret.Receipt.GasUsed != testworld.MethodInvocation {
		t.Errorf("receipt %+v, want exit 0 gas %d", ret.Receipt, testworld.MethodInvocation)
	}
	checkOutputs(t, ret, 0, 0, 0, 0, 0, 0, 0)
	if w.Balance(t, testworld.IDBurnt).Sign() != 0 || !w.Balance(t, testworld.IDReward).Equals(testworld.RewardBalance()) || w.Actor(t, testworld.IDSystem).Sequence != 0 {
		t.Error("an implicit message moved fees or bumped a nonce")
	}
	// A failing implicit message: a receipt, still no fees.
	m.Value = big.NewInt(1)
	ret = apply(t, w, inv, m, executor.Implicit, 0)
	if ret.Receipt.ExitCode != exitcode.SysErrInsufficientFunds {
		t.Errorf("receipt %+v, want exit 6", ret.Receipt)
	}
	checkOutputs(t, ret, 0, 0, 0, 0, 0, 0, 0)
	// Unknown sender: exit 1, no penalty.
	m.From = testworld.MustAddr(address.NewSecp256k1Address([]byte("unknown")))
	ret = apply(t, w, inv, m, executor.Implicit, 0)
	if ret.Receipt.ExitCode != exitcode.SysErrSenderInvalid || !ret.Penalty.IsZero() {
		t.Errorf("receipt %+v penalty %s", ret.Receipt, ret.Penalty)
	}
	// An implicit sender is only resolved: an ID address with no actor is
	// accepted (executor.md §1.2 steps 5-8 are skipped).
	m.From, m.Value, m.Method = testworld.IDAddr(555), big.Zero(), 0
	ret = apply(t, w, inv, m, executor.Implicit, 0)
	if ret.Receipt.ExitCode != 0 {
		t.Errorf("receipt %+v, want exit 0 from a sender without actor", ret.Receipt)
	}
	m.Method = 2
	// Out of gas is still enforced.
	m.From, m.Value, m.GasLimit = testworld.IDAddr(testworld.IDSystem), big.Zero(), testworld.MethodInvocation-1
	ret = apply(t, w, inv, m, executor.Implicit, 0)
	if ret.Receipt.ExitCode != exitcode.SysErrOutOfGas || ret.Receipt.GasUsed != testworld.MethodInvocation-1 {
		t.Errorf("receipt %+v, want out of gas using the limit", ret.Receipt)
	}
}

// eventBytes is a StampedEvent in DAG-CBOR, written out by hand:
// [emitter, [[flags, key, codec, value]]].
func eventBytes(emitter byte, key byte, value byte) []byte {
	return []byte{
		0x82,          // array(2)
		0x18, emitter, // uint emitter (24..255)
		0x81,      // array(1): the entries
		0x84,      // array(4)
		0x03,      // flags 3
		0x61, key, // text(1)
		0x18, 0x55, // codec 0x55
		0x42, value, value, // bytes(2)
	}
}

func TestEventsRoot(t *testing.T) {
	ctx := context.Background()
	emit := func(exit exitcode.ExitCode, n int) *invokerFunc {
		return &invokerFunc{fn: func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
			for i := 0; i < n; i++ {
				cm.EmitEvent(kernel.StampedEvent{Emitter: c.To, Entries: []kernel.EventEntry{{Flags: 3, Key: string(rune('0' + i)), Codec: 0x55, Value: []byte{byte(i), byte(i)}}}})
			}
			return callmanager.Result{ExitCode: exit}, nil
		}}
	}
	// The expected root: an AMT of bit width 5 over the hand-encoded events.
	want := func(n int) cid.Cid {
		vals := make([]cbg.CBORMarshaler, n)
		for i := range vals {
			vals[i] = &cbg.Deferred{Raw: eventBytes(testworld.IDOther, byte('0'+i), byte(i))}
		}
		c, err := amt.FromArray(ctx, cbor.NewCborStore(blockstore.NewMemory()), vals, amt.UseTreeBitWidth(5))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, n := range []int{1, 3, 40} { // 40 > 32: a two-level AMT
		w := newWorld(t, baseFee)
		ret := apply(t, w, emit(0, n), w.msg(testworld.IDAddr(testworld.IDOther), 2, 0), executor.Explicit, blsLen)
		if ret.Receipt.EventsRoot == nil || *ret.Receipt.EventsRoot != want(n) || len(ret.Events) != n {
			t.Errorf("%d events: root %v, want %s", n, ret.Receipt.EventsRoot, want(n))
		}
		// The FVM does not keep the AMT's blocks.
		if ok, _ := w.M.Blocks.Has(ctx, want(n)); ok {
			t.Errorf("%d events: the events AMT was stored", n)
		}
	}
	w := newWorld(t, baseFee)
	if ret := apply(t, w, emit(0, 0), w.msg(testworld.IDAddr(testworld.IDOther), 2, 0), executor.Explicit, blsLen); ret.Receipt.EventsRoot != nil {
		t.Error("a root without events")
	}
	if ret := apply(t, w, emit(16, 2), w.msg(testworld.IDAddr(testworld.IDOther), 2, 0), executor.Explicit, blsLen); ret.Receipt.EventsRoot != nil || len(ret.Events) != 0 {
		t.Error("a failed message kept its events")
	}
}

// A message to a key address with no actor creates the account first.
func TestSendToNewAccount(t *testing.T) {
	w := newWorld(t, baseFee)
	inv := &invokerFunc{}
	m := w.msg(w.NewSecp, 0, 5)
	m.GasLimit = 10_000_000
	ret := apply(t, w, inv, m, executor.Explicit, blsLen)
	// 560,663 + 1,300×95 inclusion; OnCreateActor(true) 2,700,000; the new
	// actor's lookup and update 975,000; its constructor's invocation
	// 75,000 (the fake constructor does nothing else); the transfer 6,000
	// (both ends already updated) = 4,440,163.
	const want = testworld.InclusionBase + testworld.InclusionPerByte*blsLen + testworld.CreateFromSend + testworld.ActorLookup + testworld.ActorUpdate + testworld.MethodInvocation + testworld.ValueTransfer
	if want != 4_440_163 || ret.Receipt.ExitCode != 0 || ret.Receipt.GasUsed != want {
		t.Fatalf("receipt %+v, want exit 0 gas %d", ret.Receipt, want)
	}
	if len(inv.calls) != 1 || inv.calls[0].Method != 1 || inv.calls[0].From != testworld.IDSystem {
		t.Errorf("calls %+v, want the account constructor from f00", inv.calls)
	}
	if got := w.Balance(t, testworld.FirstFree); !got.Equals(big.NewInt(5)) {
		t.Errorf("new account balance %s, want 5", got)
	}
}
