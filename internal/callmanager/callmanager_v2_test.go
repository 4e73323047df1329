package callmanager_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"golang.org/x/crypto/blake2b"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

// Skyr prices (ref-fvm v2.12.1 fvm/src/gas/price_list.rs), in whole gas,
// written out here so that the tests do not read them back from the code
// under test.
const (
	v2SendBase         = 29_233
	v2TransferFunds    = 27_500
	v2TransferOnly     = 159_672
	v2InvokeMethod     = -5_377
	v2CreateActor      = 1_108_454 + (36+40)*1300 // compute + storage
	v2BlockOpenBase    = 21_000 + 114_617         // extern_cost + block_open_base
	v2BlockOpenPerByte = 10.5                     // memret 10 + memcpy 0.5
)

// newWorldV2 is newWorld at nv17 over actors v9 (a version-4 tree): no
// placeholder, so testworld.IDHolder is a multisig (testworld.WorldOptions.V2).
func newWorldV2(t *testing.T) *world {
	t.Helper()
	return &world{testworld.NewWorld(t, testworld.WorldOptions{V2: true})}
}

// v2 charges one OnMethodInvocation by value and method before the
// transfer (ref-fvm v2 send_resolved), and no state access.
func TestSendChargesV2(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		method uint64
		value  int64
		gas    int64
	}{
		{"nothing to method 0", 0, 0, v2SendBase},
		{"value to method 0", 0, 3, v2SendBase + v2TransferFunds + v2TransferOnly},
		{"invoke without value", 2, 0, v2SendBase + v2InvokeMethod},
		{"invoke with value", 2, 3, v2SendBase + v2TransferFunds + v2InvokeMethod},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorldV2(t)
			inv := &invokerFunc{}
			cm, tr := w.NewCM(w.Message(), inv, bigLimit)
			res, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), abi.MethodNum(tc.method), nil, big.NewInt(tc.value), nil, false)
			if err != nil || res.ExitCode != exitcode.Ok {
				t.Fatalf("send: %+v %v", res, err)
			}
			if got := testworld.UsedGas(t, tr); int64(got) != tc.gas {
				t.Errorf("gas used %d, want %d", got, tc.gas)
			}
			if got := w.Balance(t, testworld.IDOther); !got.Equals(big.NewInt(1000 + tc.value)) {
				t.Errorf("receiver balance %s", got)
			}
			if ran := len(inv.calls) == 1; ran != (tc.method != 0) {
				t.Errorf("method %d ran %d times", tc.method, len(inv.calls))
			}
		})
	}
}

// A v2 auto-created account: OnCreateActor, the constructor's send (DAG-CBOR
// params), then the send itself; no address or state-access charges.
func TestAutoCreateAccountV2(t *testing.T) {
	ctx := context.Background()
	w := newWorldV2(t)
	inv := &invokerFunc{}
	cm, tr := w.NewCM(w.Message(), inv, bigLimit)
	res, err := cm.Send(ctx, testworld.IDRich, w.NewSecp, 0, nil, big.NewInt(5), nil, false)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("send: %+v %v", res, err)
	}
	want := int64(v2CreateActor + (v2SendBase + v2InvokeMethod) + (v2SendBase + v2TransferFunds + v2TransferOnly))
	if got := testworld.UsedGas(t, tr); int64(got) != want {
		t.Errorf("gas used %d, want %d", got, want)
	}
	if len(inv.calls) != 1 || inv.calls[0].Method != 1 || inv.calls[0].Params == nil || inv.calls[0].Params.Codec != 0x71 {
		t.Fatalf("constructor calls %+v", inv.calls)
	}
	var buf bytes.Buffer
	_ = w.NewSecp.MarshalCBOR(&buf)
	if !bytes.Equal(inv.calls[0].Params.Data, buf.Bytes()) {
		t.Errorf("constructor params %x", inv.calls[0].Params.Data)
	}
	if act := w.Actor(t, testworld.FirstFreeV2); act == nil || act.Code != w.Code(t, "account") || !act.Balance.Equals(big.NewInt(5)) {
		t.Errorf("new account %+v", act)
	}
}

// Quirk (ref-fvm v2 create_account_actor): the zero BLS address is charged
// OnCreateActor before it is refused; v3 refuses it for free.
func TestZeroBLSChargedV2(t *testing.T) {
	ctx := context.Background()
	zeroBLS := testworld.MustAddr(address.NewBLSAddress(make([]byte, 48)))
	for _, tc := range []struct {
		name  string
		world func(*testing.T) *world
		gas   int64
	}{{"v2", newWorldV2, v2CreateActor}, {"v3", newWorld, 0}} {
		w := tc.world(t)
		cm, tr := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
		_, err := cm.Send(ctx, testworld.IDRich, zeroBLS, 0, nil, big.NewInt(1), nil, false)
		testworld.WantErrNum(t, err, kernel.IllegalArgument)
		if got := testworld.UsedGas(t, tr); int64(got) != tc.gas {
			t.Errorf("%s: gas used %d, want %d", tc.name, got, tc.gas)
		}
	}
}

// v2 has no f410 placeholders: a send to an unknown f410 address is
// NotFound, and no actor is created.
func TestNoPlaceholderV2(t *testing.T) {
	w := newWorldV2(t)
	cm, tr := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
	_, err := cm.Send(context.Background(), testworld.IDRich, w.New4, 0, nil, big.NewInt(1), nil, false)
	testworld.WantErrNum(t, err, kernel.NotFound)
	if testworld.UsedGas(t, tr) != 0 || w.Actor(t, testworld.FirstFreeV2) != nil {
		t.Errorf("gas %d, actor %+v", testworld.UsedGas(t, tr), w.Actor(t, testworld.FirstFreeV2))
	}
}

// v2 allows 1025 nested calls: the top-level call at depth 1 and a send
// from depth 1025 refused.
func TestDepthLimitV2(t *testing.T) {
	ctx := context.Background()
	w := newWorldV2(t)
	var refused error
	inv := &invokerFunc{}
	inv.fn = func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
		res, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false)
		if err != nil {
			refused = err
			return callmanager.Result{}, nil
		}
		return res, nil
	}
	cm, _ := w.NewCM(w.Message(), inv, bigLimit)
	if _, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false); err != nil {
		t.Fatal(err)
	}
	if n := len(inv.depths); n != 1025 || inv.depths[n-1] != 1025 {
		t.Fatalf("%d invocations, deepest at %d; want 1025", n, inv.depths[len(inv.depths)-1])
	}
	testworld.WantErrNum(t, refused, kernel.LimitExceeded)
}

// v2 derives f2 addresses from the origin's key address: a message from an
// ID address gives the same address as one from the key address (v3 hashes
// the address as given).
func TestNextActorAddressV2(t *testing.T) {
	want := func(origin address.Address) address.Address {
		var b bytes.Buffer
		_ = origin.MarshalCBOR(&b)
		b.Write([]byte{0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0})
		h, _ := blake2b.New(20, nil)
		h.Write(b.Bytes())
		return testworld.MustAddr(address.NewFromBytes(append([]byte{2}, h.Sum(nil)...)))
	}
	for _, tc := range []struct {
		name  string
		world func(*testing.T) *world
		key   bool
	}{{"v2", newWorldV2, true}, {"v3", newWorld, false}} {
		w := tc.world(t)
		msg := w.Message()
		msg.OriginAddress = testworld.IDAddr(testworld.IDRich)
		cm, tr := w.NewCM(msg, &invokerFunc{}, bigLimit)
		got, err := cm.NextActorAddress()
		exp := want(testworld.IDAddr(testworld.IDRich))
		if tc.key {
			exp = want(w.BLS)
		}
		if err != nil || got != exp {
			t.Errorf("%s: %s %v, want %s", tc.name, got, err, exp)
		}
		if testworld.UsedGas(t, tr) != 0 {
			t.Errorf("%s: resolving the origin charged %d", tc.name, testworld.UsedGas(t, tr))
		}
	}
}

// ResolveKeyAddress (ref-fvm v2 resolve_to_key_addr): key addresses as
// they are; an account's from its state, charged as a block open when
// asked; not an account IllegalArgument; no actor NotFound.
func TestResolveKeyAddress(t *testing.T) {
	ctx := context.Background()
	w := newWorldV2(t)
	cm, tr := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
	if a, err := cm.ResolveKeyAddress(ctx, w.NewBLS, true); err != nil || a != w.NewBLS || testworld.UsedGas(t, tr) != 0 {
		t.Errorf("key address: %s %v, gas %d", a, err, testworld.UsedGas(t, tr))
	}
	a, err := cm.ResolveKeyAddress(ctx, testworld.IDAddr(testworld.IDRich), true)
	if err != nil || a != w.BLS {
		t.Fatalf("account: %s %v", a, err)
	}
	var st bytes.Buffer
	_ = w.BLS.MarshalCBOR(&st)
	stateLen := 1 + st.Len() // [address]
	if got, want := float64(tr.GasUsed().Milligas())/1000, v2BlockOpenBase+v2BlockOpenPerByte*float64(stateLen); got != want {
		t.Errorf("charged %v gas, want %v", got, want)
	}
	_, err = cm.ResolveKeyAddress(ctx, testworld.IDAddr(testworld.IDHolder), false)
	testworld.WantErrNum(t, err, kernel.IllegalArgument)
	_, err = cm.ResolveKeyAddress(ctx, testworld.IDAddr(5000), false)
	testworld.WantErrNum(t, err, kernel.NotFound)
}
