package kernel_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/proof"

	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

// Skyr prices (ref-fvm v2.12.1 price_list.rs), in whole gas.
const (
	v2CreateActor = 1_108_454 + (36+40)*1300
	v2Hashing     = 31_355
)

// newFakeCMV2 is a fake call manager on an nv17 machine over a real actors
// v9 state (for create_actor's manifest and state-tree checks).
func newFakeCMV2(t *testing.T, gasLimit uint64) *fakeCM {
	t.Helper()
	w := testworld.NewWorld(t, testworld.WorldOptions{V2: true, Epoch: 1000, Externs: fakeRand{}})
	f := newFakeCM(t, gasLimit, fakeRand{})
	f.m = w.M
	return f
}

// v2's registry takes DAG-CBOR blocks only (after the charge), of any size.
func TestBlockCreateV2(t *testing.T) {
	f := newFakeCMV2(t, 1e12)
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	_, err := k.BlockCreate(raw, []byte("abcd"))
	wantErrNum(t, err, kernel.IllegalCodec)
	// 10.5 gas per byte (memret 10 + memcpy 0.5).
	wantCharges(t, f, charge{"OnBlockCreate", 4 * 10_500})
	big := bytes.Repeat([]byte{0x40}, 2<<20) // over v3's 1 MiB limit
	if id, err := k.BlockCreate(dagCBOR, big); err != nil || id != 1 {
		t.Fatalf("2 MiB DAG-CBOR block: %d %v", id, err)
	}
	wantCharges(t, f, charge{"OnBlockCreate", uint64(len(big)) * 10_500})
}

// v2's create_actor (ref-fvm v2 kernel/default.rs): any caller; builtin,
// non-singleton code (datacap passes: not in v2's singleton list); a free
// id; then OnCreateActor.
func TestCreateActorV2(t *testing.T) {
	ctx := context.Background()
	f := newFakeCMV2(t, 1e12)
	man := f.m.Manifest
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false) // not the init actor
	for _, tc := range []struct {
		name string
		code string
		id   uint64
		err  kernel.ErrorNumber
	}{
		{"not builtin", "", 3000, kernel.Forbidden},
		{"singleton", "storagepower", 3000, kernel.Forbidden},
		{"id taken", "storageminer", testworld.IDOther, kernel.Forbidden},
	} {
		c, ok := man.Code(tc.code)
		if !ok {
			c, _ = f.m.AccountCode.Prefix().Sum([]byte("not an actor"))
		}
		err := k.CreateActorV2(ctx, c, tc.id)
		wantErrNum(t, err, tc.err)
		wantCharges(t, f)
	}
	for id, c := range map[uint64]string{3000: "storageminer", 3001: "datacap"} {
		cc, _ := man.Code(c)
		if err := k.CreateActorV2(ctx, cc, id); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		wantCharges(t, f, charge{"OnCreateActor", g(v2CreateActor)})
		act, err := f.m.Tree.GetActor(ctx, id)
		if err != nil || act == nil || act.Code != cc || !act.Balance.IsZero() || act.Sequence != 0 {
			t.Errorf("actor %d: %+v %v", id, act, err)
		}
	}
}

// v2's new_actor_address hands out the address and advances the index.
func TestNewActorAddressV2(t *testing.T) {
	f := newFakeCMV2(t, 1e12)
	f.nextAddr = testworld.MustAddr(address.NewActorAddress([]byte("x")))
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	for i := 1; i <= 2; i++ {
		a, err := k.NewActorAddressV2()
		if err != nil || a != f.nextAddr || f.created != i {
			t.Fatalf("call %d: %s %v, %d counted", i, a, err, f.created)
		}
	}
}

// v2's gas.charge takes a signed amount: a negative one refunds.
func TestChargeGasV2(t *testing.T) {
	f := newFakeCMV2(t, 1000)
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	if err := k.ChargeGasV2("up", 600); err != nil {
		t.Fatal(err)
	}
	if err := k.ChargeGasV2("down", -500); err != nil {
		t.Fatal(err)
	}
	if f.gt.GasUsed() != gas.NewGas(100) {
		t.Fatalf("used %s, want 100", f.gt.GasUsed())
	}
	if err := k.ChargeGasV2("over", 901); !kernel.IsOutOfGas(err) {
		t.Fatalf("901 more of 1000: %v", err)
	}
}

// v2 charges hashing by a flat price before it checks the code.
func TestHashV2(t *testing.T) {
	f := newFakeCMV2(t, 1e12)
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	_, err := k.Hash(0x99, []byte("data"))
	wantErrNum(t, err, kernel.IllegalArgument)
	wantCharges(t, f, charge{"OnHashing", g(v2Hashing)})
	if d, err := k.Hash(0x12, bytes.Repeat([]byte{1}, 1000)); err != nil || len(d) != 32 {
		t.Fatalf("sha256: %x %v", d, err)
	}
	wantCharges(t, f, charge{"OnHashing", g(v2Hashing)})
}

// v2's batch_verify_seals charges nothing (the power actor prepaid).
func TestBatchVerifySealsV2(t *testing.T) {
	f := newFakeCMV2(t, 1e12)
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	f.m.Proofs = externs.AcceptAllProofs{}
	out, err := k.BatchVerifySeals(make([]proof.SealVerifyInfo, 3))
	if err != nil || len(out) != 3 {
		t.Fatalf("%v %v", out, err)
	}
	wantCharges(t, f)
}

// v2's verify_signature charges by signature type only, then resolves the
// signer through the call manager; a bad signature is false.
func TestVerifySignatureV2(t *testing.T) {
	f := newFakeCMV2(t, 1e12)
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	signer := testworld.MustAddr(address.NewBLSAddress(testworld.BLSKey(1)))
	ok, err := k.VerifySignatureV2(context.Background(), 2, make([]byte, 96), signer, bytes.Repeat([]byte{1}, 5000))
	if err != nil || ok {
		t.Fatalf("bad signature: %v %v", ok, err)
	}
	wantCharges(t, f, charge{"OnVerifySignature", g(16_598_605)})
}
