package callmanager_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"golang.org/x/crypto/blake2b"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

const bigLimit = 100_000_000

var zero = big.Zero()

func TestSendMethodZero(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		to    address.Address
		value int64
		gas   uint64
	}{
		// The receiver (101) is primed Read and the origin (100) Updated:
		// a zero-value send costs nothing.
		{"zero value to the receiver", testworld.IDAddr(testworld.IDPoor), 0, 0},
		// Resolving the receiver's own key address is free too.
		{"zero value to the receiver's key address", testworld.MustAddr(address.NewSecp256k1Address([]byte("poor key"))), 0, 0},
		// Value to the receiver: OnValueTransfer + the receiver's update
		// (its lookup was primed; the origin was already updated).
		{"value to the receiver", testworld.IDAddr(testworld.IDPoor), 3, testworld.ValueTransfer + testworld.ActorUpdate},
		// Value to an actor nobody touched: its lookup and its update.
		{"value to an untouched actor", testworld.IDAddr(testworld.IDOther), 3, testworld.ValueTransfer + testworld.ActorLookup + testworld.ActorUpdate},
		// A zero-value send still looks the target up.
		{"zero value to an untouched actor", testworld.IDAddr(testworld.IDOther), 0, testworld.ActorLookup},
		// Preloaded actors are never charged.
		{"value to burnt funds", testworld.IDAddr(testworld.IDBurnt), 3, testworld.ValueTransfer},
		{"value to reward", testworld.IDAddr(testworld.IDReward), 3, testworld.ValueTransfer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			inv := &invokerFunc{}
			cm, tr := w.NewCM(w.Message(), inv, bigLimit)
			toID, _, _ := w.M.Tree.LookupID(ctx, tc.to)
			before := w.Balance(t, toID)
			res, err := cm.Send(ctx, testworld.IDRich, tc.to, callmanager.MethodSend, nil, big.NewInt(tc.value), nil, false)
			if err != nil || res.ExitCode != exitcode.Ok || res.Return != nil {
				t.Fatalf("send: %+v, %v", res, err)
			}
			if len(inv.calls) != 0 {
				t.Errorf("method 0 ran code: %+v", inv.calls)
			}
			if got := testworld.UsedGas(t, tr); got != tc.gas {
				t.Errorf("gas used %d, want %d", got, tc.gas)
			}
			if got := w.Balance(t, toID); !got.Equals(big.Add(before, big.NewInt(tc.value))) {
				t.Errorf("receiver balance %s, want %s + %d", got, before, tc.value)
			}
			if got := w.Balance(t, testworld.IDRich); !got.Equals(big.Sub(testworld.OneFIL, big.NewInt(tc.value))) {
				t.Errorf("sender balance %s", got)
			}
		})
	}
}

func TestSendChargesOncePerMessage(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	cm, tr := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
	for i := 0; i < 3; i++ {
		if _, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 0, nil, big.NewInt(1), nil, false); err != nil {
			t.Fatal(err)
		}
	}
	// The first send pays lookup and update; all three pay the transfer.
	if got, want := testworld.UsedGas(t, tr), uint64(testworld.ActorLookup+testworld.ActorUpdate+3*testworld.ValueTransfer); got != want {
		t.Errorf("gas used %d, want %d", got, want)
	}
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for _, tc := range []struct {
		name     string
		from     uint64
		to       address.Address
		value    abi.TokenAmount
		readOnly bool
		num      kernel.ErrorNumber
		gas      uint64
	}{
		// The target's lookup, the transfer charge, then the empty sender.
		{"insufficient funds", testworld.IDPoor, testworld.IDAddr(testworld.IDOther), big.NewInt(1), false, kernel.InsufficientFunds, testworld.ActorLookup + testworld.ValueTransfer},
		// ref-fvm transfer: a missing sender is InsufficientFunds too (its
		// lookup is charged).
		{"missing sender", 555, testworld.IDAddr(testworld.IDOther), big.NewInt(1), false, kernel.InsufficientFunds, 2*testworld.ActorLookup + testworld.ValueTransfer},
		{"negative value", testworld.IDRich, testworld.IDAddr(testworld.IDOther), big.NewInt(-1), false, kernel.IllegalArgument, testworld.ActorLookup + testworld.ValueTransfer},
		// An ID address "resolves" even without an actor; the lookup is
		// charged and finds nothing.
		{"missing id", testworld.IDRich, testworld.IDAddr(555), zero, false, kernel.NotFound, testworld.ActorLookup},
		// Unknown f2 and f4 outside the EAM namespace cannot be created;
		// OnResolveAddress is free.
		{"unknown f2", testworld.IDRich, testworld.MustAddr(address.NewActorAddress([]byte("nobody"))), zero, false, kernel.NotFound, 0},
		{"f4 outside EAM", testworld.IDRich, testworld.MustAddr(address.NewDelegatedAddress(32, testworld.EthAddr(9))), zero, false, kernel.NotFound, 0},
		// Auto-creation is refused before anything is charged.
		{"read-only account creation", testworld.IDRich, testworld.MustAddr(address.NewSecp256k1Address([]byte("x"))), zero, true, kernel.ReadOnly, 0},
		{"read-only placeholder creation", testworld.IDRich, testworld.MustAddr(address.NewDelegatedAddress(10, testworld.EthAddr(8))), zero, true, kernel.ReadOnly, 0},
		{"BLS zero address", testworld.IDRich, testworld.MustAddr(address.NewBLSAddress(make([]byte, 48))), zero, false, kernel.IllegalArgument, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cm, tr := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
			root, err := w.M.Tree.Flush(ctx)
			if err != nil {
				t.Fatal(err)
			}
			res, err := cm.Send(ctx, tc.from, tc.to, 0, nil, tc.value, nil, tc.readOnly)
			testworld.WantErrNum(t, err, tc.num)
			if res.ExitCode != 0 || res.Return != nil {
				t.Errorf("result %+v alongside an error", res)
			}
			if got := testworld.UsedGas(t, tr); got != tc.gas {
				t.Errorf("gas used %d, want %d", got, tc.gas)
			}
			if after, err := w.M.Tree.Flush(ctx); err != nil || after != root {
				t.Errorf("a failed send changed the state (%v)", err)
			}
		})
	}
}

func TestFailedSendForgetsAccess(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	cm, tr := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
	_, err := cm.Send(ctx, testworld.IDPoor, testworld.IDAddr(testworld.IDOther), 0, nil, big.NewInt(1), nil, false)
	testworld.WantErrNum(t, err, kernel.InsufficientFunds)
	base := testworld.UsedGas(t, tr)
	// The lookup of 102 was made inside the reverted transaction: it is
	// charged again (FIP-0057 tracker is transactional).
	if _, err := cm.GetActor(ctx, testworld.IDOther); err != nil {
		t.Fatal(err)
	}
	if got := testworld.UsedGas(t, tr) - base; got != testworld.ActorLookup {
		t.Errorf("lookup after a reverted send cost %d, want %d", got, testworld.ActorLookup)
	}
	// Now it is Read: free; and an update costs the update only.
	act, _ := cm.GetActor(ctx, testworld.IDOther)
	base = testworld.UsedGas(t, tr)
	if err := cm.SetActor(ctx, testworld.IDOther, act); err != nil {
		t.Fatal(err)
	}
	if err := cm.SetActor(ctx, testworld.IDOther, act); err != nil {
		t.Fatal(err)
	}
	if got := testworld.UsedGas(t, tr) - base; got != testworld.ActorUpdate {
		t.Errorf("two updates of a read actor cost %d, want %d", got, testworld.ActorUpdate)
	}
	// Deleting an untouched actor costs lookup + update.
	base = testworld.UsedGas(t, tr)
	if err := cm.DeleteActor(ctx, 555); err != nil {
		t.Fatal(err)
	}
	if got := testworld.UsedGas(t, tr) - base; got != testworld.ActorLookup+testworld.ActorUpdate {
		t.Errorf("delete of an untouched actor cost %d, want %d", got, testworld.ActorLookup+testworld.ActorUpdate)
	}
}

// Transfer is the call manager's transfer as the kernel uses it (v3
// self_destruct): the OnValueTransfer charge belongs to the send, not to
// the transfer (ref-fvm v3.13.3 send_resolved charges it, transfer does not).
func TestTransferChargesOnlyAccess(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	cm, tr := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
	if err := cm.Transfer(ctx, testworld.IDRich, testworld.IDOther, big.NewInt(10)); err != nil {
		t.Fatal(err)
	}
	// 100 is the origin (updated); 102 is looked up and updated.
	if got, want := testworld.UsedGas(t, tr), uint64(testworld.ActorLookup+testworld.ActorUpdate); got != want {
		t.Errorf("transfer cost %d, want %d", got, want)
	}
	if got := w.Balance(t, testworld.IDOther); !got.Equals(big.NewInt(1010)) {
		t.Errorf("balance %s, want 1010", got)
	}
	// A transfer to itself only checks the balance.
	if err := cm.Transfer(ctx, testworld.IDOther, testworld.IDOther, big.NewInt(1010)); err != nil {
		t.Fatal(err)
	}
	testworld.WantErrNum(t, cm.Transfer(ctx, testworld.IDOther, testworld.IDOther, big.NewInt(1011)), kernel.InsufficientFunds)
	testworld.WantErrNum(t, cm.Transfer(ctx, testworld.IDOther, 555, big.NewInt(1)), kernel.NotFound)
	testworld.WantErrNum(t, cm.Transfer(ctx, testworld.IDOther, testworld.IDRich, big.NewInt(-1)), kernel.IllegalArgument)
}

func TestAutoCreateAccount(t *testing.T) {
	ctx := context.Background()
	for _, proto := range []string{"secp", "bls"} {
		t.Run(proto, func(t *testing.T) {
			w := newWorld(t)
			to := w.NewSecp
			if proto == "bls" {
				to = w.NewBLS
			}
			inv := &invokerFunc{fn: func(context.Context, *callmanager.CallManager, callmanager.Call) (callmanager.Result, error) {
				// The constructor's exit code is ignored.
				return callmanager.Result{ExitCode: 16}, nil
			}}
			cm, tr := w.NewCM(w.Message(), inv, bigLimit)
			res, err := cm.Send(ctx, testworld.IDRich, to, 0, nil, big.NewInt(5), nil, false)
			if err != nil || res.ExitCode != 0 {
				t.Fatalf("send: %+v %v", res, err)
			}
			// OnCreateActor(true), the new actor's lookup and update, the
			// constructor's invocation, then the transfer (the new actor is
			// already updated, the origin too).
			want := uint64(testworld.CreateFromSend + testworld.ActorLookup + testworld.ActorUpdate + testworld.MethodInvocation + testworld.ValueTransfer)
			if got := testworld.UsedGas(t, tr); got != want {
				t.Errorf("gas used %d, want %d", got, want)
			}
			if len(inv.calls) != 1 {
				t.Fatalf("%d invocations, want the constructor only", len(inv.calls))
			}
			c := inv.calls[0]
			var buf bytes.Buffer
			_ = to.MarshalCBOR(&buf)
			if c.From != testworld.IDSystem || c.To != testworld.FirstFree || c.Method != 1 || !c.Value.IsZero() || c.ReadOnly ||
				c.Params == nil || c.Params.Codec != 0x51 || !bytes.Equal(c.Params.Data, buf.Bytes()) {
				t.Errorf("constructor call %+v", c)
			}
			if c.Actor.Code != w.Code(t, "account") {
				t.Errorf("constructor ran code %s", c.Actor.Code)
			}
			// The constructor runs at the send's depth (no increment).
			if inv.depths[0] != 1 {
				t.Errorf("constructor at depth %d, want 1", inv.depths[0])
			}
			id, found, err := w.M.Tree.LookupID(ctx, to)
			if err != nil || !found || id != testworld.FirstFree {
				t.Fatalf("%s resolves to %d,%v,%v; want %d", to, id, found, err, testworld.FirstFree)
			}
			act := w.Actor(t, testworld.FirstFree)
			if act.Code != w.Code(t, "account") || act.Head != testworld.EmptyArray() || act.Sequence != 0 || !act.Balance.Equals(big.NewInt(5)) || act.DelegatedAddress != nil {
				t.Errorf("new account %+v", act)
			}
			// Auto-creation does not count as create_actor.
			if cm.NumActorsCreated() != 0 {
				t.Errorf("NumActorsCreated %d", cm.NumActorsCreated())
			}
		})
	}
}

func TestAutoCreatePlaceholder(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	inv := &invokerFunc{}
	cm, tr := w.NewCM(w.Message(), inv, bigLimit)
	if _, err := cm.Send(ctx, testworld.IDRich, w.New4, 0, nil, zero, nil, false); err != nil {
		t.Fatal(err)
	}
	// No constructor runs for a placeholder.
	if got, want := testworld.UsedGas(t, tr), uint64(testworld.CreateFromSend+testworld.ActorLookup+testworld.ActorUpdate); got != want {
		t.Errorf("gas used %d, want %d", got, want)
	}
	if len(inv.calls) != 0 {
		t.Errorf("placeholder creation ran code")
	}
	act := w.Actor(t, testworld.FirstFree)
	if act == nil || act.Code != w.Code(t, "placeholder") || act.DelegatedAddress == nil || *act.DelegatedAddress != w.New4 {
		t.Errorf("placeholder %+v", act)
	}
}

// A failing call reverts everything its subtree did: transfers, created
// actors, the init actor's next id, events; gas stays spent and create_actor
// stays counted.
func TestTransactionRollback(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ev := func(key string) kernel.StampedEvent {
		return kernel.StampedEvent{Emitter: testworld.IDOther, Entries: []kernel.EventEntry{{Key: key, Codec: 0x55}}}
	}
	evm := w.Code(t, "evm")
	inv := &invokerFunc{}
	inv.fn = func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
		switch c.Method {
		case 2: // the top-level call
			cm.EmitEvent(ev("A"))
			for _, m := range []abi.MethodNum{3, 4} {
				res, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDOther), m, nil, zero, nil, false)
				if err != nil {
					return res, err
				}
			}
			return callmanager.Result{}, nil
		case 3: // fails after doing everything
			cm.EmitEvent(ev("B"))
			if _, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDPoor), 0, nil, big.NewInt(7), nil, false); err != nil {
				return callmanager.Result{}, err
			}
			if _, err := cm.Send(ctx, testworld.IDOther, w.NewSecp, 0, nil, zero, nil, false); err != nil {
				return callmanager.Result{}, err
			}
			if err := cm.CreateActor(ctx, evm, 2000, nil); err != nil {
				return callmanager.Result{}, err
			}
			return callmanager.Result{ExitCode: 16}, nil
		case 4: // succeeds
			cm.EmitEvent(ev("C"))
			_, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDPoor), 0, nil, big.NewInt(5), nil, false)
			return callmanager.Result{}, err
		}
		return callmanager.Result{}, nil // the account constructor
	}
	msg := w.Message()
	msg.Receiver = testworld.IDOther
	cm, _ := w.NewCM(msg, inv, bigLimit)
	res, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("send: %+v %v", res, err)
	}
	if got := w.Balance(t, testworld.IDPoor); !got.Equals(big.NewInt(5)) {
		t.Errorf("receiver balance %s, want 5 (the 7 of the failed call reverted)", got)
	}
	if _, found, _ := w.M.Tree.LookupID(ctx, w.NewSecp); found {
		t.Error("the account created in the failed call survived")
	}
	if w.Actor(t, testworld.FirstFree) != nil || w.Actor(t, 2000) != nil {
		t.Error("an actor created in the failed call survived")
	}
	if cm.NumActorsCreated() != 1 {
		t.Errorf("NumActorsCreated %d after a revert, want 1 (not transactional)", cm.NumActorsCreated())
	}
	var keys []string
	for _, e := range cm.Events() {
		keys = append(keys, e.Entries[0].Key)
	}
	if len(keys) != 2 || keys[0] != "A" || keys[1] != "C" {
		t.Errorf("events %v, want [A C]", keys)
	}
	// The init actor's next id was rolled back: the next account gets it.
	if _, err := cm.Send(ctx, testworld.IDRich, w.NewBLS, 0, nil, zero, nil, false); err != nil {
		t.Fatal(err)
	}
	if id, _, _ := w.M.Tree.LookupID(ctx, w.NewBLS); id != testworld.FirstFree {
		t.Errorf("next account got id %d, want %d", id, testworld.FirstFree)
	}

	// A top-level failure drops every event.
	inv.fn = func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
		cm.EmitEvent(ev("D"))
		return callmanager.Result{ExitCode: 17}, nil
	}
	cm, _ = w.NewCM(msg, inv, bigLimit)
	if res, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false); err != nil || res.ExitCode != 17 {
		t.Fatalf("send: %+v %v", res, err)
	}
	if len(cm.Events()) != 0 {
		t.Errorf("events %v survived a failed top-level call", cm.Events())
	}
}

func TestDepthLimit(t *testing.T) {
	ctx := context.Background()
	for _, fvm := range []int{3, 4} {
		t.Run("v"+string(rune('0'+fvm)), func(t *testing.T) {
			w := newWorld(t)
			w.M.Profile.MaxCallDepth = 4
			w.M.Profile.DepthFailurePopsLimit = fvm >= 4
			limit := gas.NewGas(1_000_000)
			var limitsBefore, limitsAfter int
			var depthErr error
			inv := &invokerFunc{}
			inv.fn = func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
				before := cm.GasTracker().LimitDepth()
				res, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDOther), 2, nil, zero, &limit, false)
				if err != nil {
					limitsBefore, limitsAfter, depthErr = before, cm.GasTracker().LimitDepth(), err
					return callmanager.Result{}, nil
				}
				return res, nil
			}
			msg := w.Message()
			msg.Receiver = testworld.IDOther
			cm, _ := w.NewCM(msg, inv, bigLimit)
			if _, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false); err != nil {
				t.Fatal(err)
			}
			// Depths 1..4 run; the send from depth 4 is refused.
			if len(inv.depths) != 4 || inv.depths[0] != 1 || inv.depths[3] != 4 {
				t.Fatalf("ran at depths %v, want [1 2 3 4]", inv.depths)
			}
			testworld.WantErrNum(t, depthErr, kernel.LimitExceeded)
			// Quirk (ref-fvm v3 send): the refused send's limit stays pushed.
			want := limitsBefore
			if fvm == 3 {
				want++
			}
			if limitsAfter != want {
				t.Errorf("gas limits %d -> %d across the refused send, want %d", limitsBefore, limitsAfter, want)
			}
			if cm.Depth() != 0 {
				t.Errorf("depth %d after the call, want 0", cm.Depth())
			}
		})
	}
}

// The default limit is 1024 frames: the top-level call runs at depth 1 and
// a send from depth 1024 is refused.
func TestDefaultDepthLimit(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
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
	msg := w.Message()
	msg.Receiver = testworld.IDOther
	cm, tr := w.NewCM(msg, inv, bigLimit)
	if _, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false); err != nil {
		t.Fatal(err)
	}
	if n := len(inv.depths); n != 1024 || inv.depths[n-1] != 1024 {
		t.Fatalf("%d invocations, deepest at %d; want 1024", n, inv.depths[len(inv.depths)-1])
	}
	testworld.WantErrNum(t, refused, kernel.LimitExceeded)
	// 1024 invocations of the primed receiver, nothing for the refused send.
	if got := testworld.UsedGas(t, tr); got != 1024*testworld.MethodInvocation {
		t.Errorf("gas used %d, want %d", got, 1024*testworld.MethodInvocation)
	}
}

func TestSendGasLimit(t *testing.T) {
	ctx := context.Background()
	const childLimit = 100_000
	burn := func(cm *callmanager.CallManager) error {
		return cm.Charge(gas.NewGasCharge("burn", gas.NewGas(200_000), gas.ZeroGas))
	}
	script := func(got *callmanager.Result, gotErr *error) *invokerFunc {
		inv := &invokerFunc{}
		inv.fn = func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
			if c.Method == 3 {
				return callmanager.Result{}, burn(cm)
			}
			l := gas.NewGas(childLimit)
			*got, *gotErr = cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDOther), 3, nil, zero, &l, false)
			return *got, *gotErr
		}
		return inv
	}
	w := newWorld(t)
	msg := w.Message()
	msg.Receiver = testworld.IDOther

	// The child exhausts its own limit: the parent sees exit 7.
	var child callmanager.Result
	var childErr error
	cm, tr := w.NewCM(msg, script(&child, &childErr), bigLimit)
	res, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false)
	if childErr != nil || child.ExitCode != exitcode.SysErrOutOfGas {
		t.Errorf("child result %+v %v, want exit 7", child, childErr)
	}
	if err != nil || res.ExitCode != exitcode.SysErrOutOfGas {
		t.Errorf("top result %+v %v", res, err)
	}
	// Parent invocation 75,000 + the child's whole limit.
	if got := testworld.UsedGas(t, tr); got != testworld.MethodInvocation+childLimit {
		t.Errorf("gas used %d, want %d", got, testworld.MethodInvocation+childLimit)
	}
	if tr.LimitDepth() != 0 {
		t.Errorf("limit depth %d", tr.LimitDepth())
	}

	// The message's own gas runs out inside the child: an error all the way.
	cm, tr = w.NewCM(msg, script(&child, &childErr), testworld.MethodInvocation+childLimit/2)
	_, err = cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false)
	if !errors.Is(childErr, gas.ErrOutOfGas) || !errors.Is(err, gas.ErrOutOfGas) {
		t.Errorf("child %v, top %v; want out of gas", childErr, err)
	}
	if got := testworld.UsedGas(t, tr); got != testworld.MethodInvocation+childLimit/2 {
		t.Errorf("gas used %d, want the whole limit", got)
	}
}

func TestReturnValueCharge(t *testing.T) {
	ctx := context.Background()
	ret := &kernel.Block{Codec: 0x51, Data: make([]byte, 10)}
	for _, tc := range []struct {
		name string
		exit exitcode.ExitCode
	}{{"ok", 0}, {"abort with data", 16}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			inv := &invokerFunc{}
			inv.fn = func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
				if c.Method == 2 {
					// A nested call returning 10 bytes: no charge at depth 2 in v3.
					if _, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDOther), 3, nil, zero, nil, false); err != nil {
						return callmanager.Result{}, err
					}
				}
				return callmanager.Result{ExitCode: tc.exit, Return: ret}, nil
			}
			msg := w.Message()
			msg.Receiver = testworld.IDOther
			cm, tr := w.NewCM(msg, inv, bigLimit)
			res, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, nil, zero, nil, false)
			if err != nil || res.ExitCode != tc.exit || res.Return != ret {
				t.Fatalf("send: %+v %v", res, err)
			}
			// Two invocations; OnChainReturnValue 1,300/byte on the top-level
			// return only (also with a non-zero exit code).
			if got, want := testworld.UsedGas(t, tr), uint64(2*testworld.MethodInvocation+10*testworld.ReturnPerByte); got != want {
				t.Errorf("gas used %d, want %d", got, want)
			}
		})
	}
}

func TestInvocationCall(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	inv := &invokerFunc{}
	cm, tr := w.NewCM(w.Message(), inv, bigLimit)
	params := &kernel.Block{Codec: 0x51, Data: []byte{0x80}}
	// By key address, with value, read-only off.
	if _, err := cm.Send(ctx, testworld.IDRich, w.Secp, 5, params, big.NewInt(9), nil, false); err != nil {
		t.Fatal(err)
	}
	if len(inv.calls) != 1 {
		t.Fatalf("%d calls", len(inv.calls))
	}
	c := inv.calls[0]
	if c.From != testworld.IDRich || c.To != testworld.IDPoor || c.Method != 5 || c.Params != params || !c.Value.Equals(big.NewInt(9)) || c.ReadOnly {
		t.Errorf("call %+v", c)
	}
	// The actor the invoker sees already holds the value.
	if !c.Actor.Balance.Equals(big.NewInt(9)) {
		t.Errorf("invoked actor balance %s, want 9", c.Actor.Balance)
	}
	// Transfer + the receiver's update + the invocation.
	if got, want := testworld.UsedGas(t, tr), uint64(testworld.ValueTransfer+testworld.ActorUpdate+testworld.MethodInvocation); got != want {
		t.Errorf("gas used %d, want %d", got, want)
	}
	// Read-only sends are passed on as such; they may not move value.
	if _, err := cm.Send(ctx, testworld.IDRich, w.Secp, 5, nil, zero, nil, true); err != nil {
		t.Fatal(err)
	}
	if !inv.calls[1].ReadOnly {
		t.Error("read-only flag lost")
	}
	_, err := cm.Send(ctx, testworld.IDRich, w.Secp, 5, nil, big.NewInt(1), nil, true)
	testworld.WantErrNum(t, err, kernel.ReadOnly)
	// An invoker error comes back unchanged.
	boom := errors.New("boom")
	inv.fn = func(context.Context, *callmanager.CallManager, callmanager.Call) (callmanager.Result, error) {
		return callmanager.Result{}, boom
	}
	if _, err := cm.Send(ctx, testworld.IDRich, w.Secp, 5, nil, zero, nil, false); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}

func TestCreateActor(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	cm, tr := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
	evm := w.Code(t, "evm")
	f4 := w.F410

	// A new id: lookup, OnCreateActor(false), update.
	if err := cm.CreateActor(ctx, evm, 2000, &f4); err != nil {
		t.Fatal(err)
	}
	if got, want := testworld.UsedGas(t, tr), uint64(testworld.ActorLookup+testworld.CreateExplicit+testworld.ActorUpdate); got != want {
		t.Errorf("create cost %d, want %d", got, want)
	}
	act := w.Actor(t, 2000)
	if act.Code != evm || act.Head != testworld.EmptyArray() || !act.Balance.IsZero() || act.DelegatedAddress == nil || *act.DelegatedAddress != f4 {
		t.Errorf("created %+v", act)
	}
	if cm.NumActorsCreated() != 1 {
		t.Errorf("NumActorsCreated %d", cm.NumActorsCreated())
	}

	base := testworld.UsedGas(t, tr)
	testworld.WantErrNum(t, cm.CreateActor(ctx, w.Code(t, "placeholder"), 2001, nil), kernel.Forbidden)
	testworld.WantErrNum(t, cm.CreateActor(ctx, evm, 2000, nil), kernel.Forbidden) // exists
	if testworld.UsedGas(t, tr) != base {
		t.Errorf("refused creations cost %d", testworld.UsedGas(t, tr)-base)
	}

	// A placeholder becomes the new code if the delegated address matches.
	other := testworld.MustAddr(address.NewDelegatedAddress(10, testworld.EthAddr(77)))
	testworld.WantErrNum(t, cm.CreateActor(ctx, evm, testworld.IDHolder, &other), kernel.Forbidden)
	testworld.WantErrNum(t, cm.CreateActor(ctx, evm, testworld.IDHolder, nil), kernel.Forbidden)
	base = testworld.UsedGas(t, tr)
	if err := cm.CreateActor(ctx, evm, testworld.IDHolder, &f4); err != nil {
		t.Fatal(err)
	}
	// Already read by the refused attempts: the update only.
	if got := testworld.UsedGas(t, tr) - base; got != testworld.ActorUpdate {
		t.Errorf("placeholder replacement cost %d, want %d", got, testworld.ActorUpdate)
	}
	act = w.Actor(t, testworld.IDHolder)
	if act.Code != evm || !act.Balance.Equals(big.NewInt(5)) || *act.DelegatedAddress != f4 {
		t.Errorf("replaced placeholder %+v", act)
	}
	if cm.NumActorsCreated() != 2 {
		t.Errorf("NumActorsCreated %d, want 2", cm.NumActorsCreated())
	}
}

func TestNextActorAddress(t *testing.T) {
	w := newWorld(t)
	cm, _ := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
	// blake2b-160 of cbor(origin) ‖ u64be(nonce 7) ‖ u64be(created), written
	// out: a BLS address is 49 bytes, a CBOR byte string of 49 has the
	// header 0x58 0x31.
	want := func(created byte) address.Address {
		var b []byte
		b = append(b, 0x58, 49)
		b = append(b, w.BLS.Bytes()...)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 7)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, created)
		h, _ := blake2b.New(20, nil)
		h.Write(b)
		return testworld.MustAddr(address.NewFromBytes(append([]byte{2}, h.Sum(nil)...)))
	}
	got, err := cm.NextActorAddress()
	if err != nil || got != want(0) {
		t.Fatalf("first address %s %v, want %s", got, err, want(0))
	}
	if err := cm.CreateActor(context.Background(), w.Code(t, "evm"), 3000, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := cm.NextActorAddress(); got != want(1) {
		t.Errorf("second address %s, want %s", got, want(1))
	}
}

func TestErrorExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want exitcode.ExitCode
	}{
		{gas.ErrOutOfGas, exitcode.SysErrOutOfGas},
		{kernel.Errorf(kernel.InsufficientFunds, "x"), exitcode.SysErrInsufficientFunds},
		{kernel.Errorf(kernel.NotFound, "x"), exitcode.SysErrInvalidReceiver},
		{kernel.Errorf(kernel.LimitExceeded, "x"), exitcode.SysErrFatal},
		{kernel.Errorf(kernel.ReadOnly, "x"), exitcode.SysErrFatal},
		{callmanager.ErrFatal, exitcode.SysErrFatal},
		{errors.New("a bug"), exitcode.SysErrFatal},
		// A fatal error stays fatal with a syscall error in its chain.
		{fmt.Errorf("%w: %w", kernel.ErrFatal, kernel.Errorf(kernel.NotFound, "x")), exitcode.SysErrFatal},
		{fmt.Errorf("%w: %w", callmanager.ErrFatal, kernel.Errorf(kernel.InsufficientFunds, "x")), exitcode.SysErrFatal},
		{fmt.Errorf("context: %w", kernel.Errorf(kernel.NotFound, "x")), exitcode.SysErrInvalidReceiver},
	} {
		if got := callmanager.ErrorExitCode(tc.err); got != tc.want {
			t.Errorf("%v -> %d, want %d", tc.err, got, tc.want)
		}
		// Fatal means exit 10 and not a recoverable syscall error.
		wantFatal := tc.want == exitcode.SysErrFatal && !errors.Is(tc.err, gas.ErrOutOfGas)
		if _, isSyscall := tc.err.(*kernel.SyscallError); isSyscall {
			wantFatal = false
		}
		if got := kernel.IsFatal(tc.err); got != wantFatal {
			t.Errorf("IsFatal(%v) = %v, want %v", tc.err, got, wantFatal)
		}
	}
	if kernel.IsFatal(nil) || kernel.IsFatal(gas.ErrOutOfGas) {
		t.Error("nil or out of gas reported fatal")
	}
}
