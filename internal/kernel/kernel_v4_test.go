package kernel_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
)

// The expected charges below are derived from ref-fvm fvm@v4.8.2
// gas/price_list.rs (TEEP_PRICES = WATERMELON_PRICES for everything used
// here), in whole gas:
//
//	OnBlockOpenBase    compute ipld_link_checked 300 + other block_open.flat 187,440
//	OnScanIpldLinks    35 per CBOR header read + 400 per tag-42 link (ipld/cbor.rs)
//	OnBlockOpen(n, l)  compute 300·l; other 0·n + 2n (alloc) + 0.4n (memcpy),
//	                   topped up to the retention minimum 10n
//	OnBlockCreate(n,l) compute 0.4n + 2n + 300·l; other max(0, 10n − compute)
//	OnGetRandomness(l) other lookback_cost = 5,800·19 + 15,000 + 21,000 + 75·l = 146,200 + 75·l
//	OnActorEvent       see TestEmitEventV4Charge
const (
	openBase    = 187_740
	fieldCharge = 35
	linkCharge  = 400
)

// fakeCM is a kernel.CallManager over an in-memory machine at today's nv28 (FVM
// v4, Teep prices) with a tracing gas tracker.
type fakeCM struct {
	m         *machine.Machine
	gt        *gas.GasTracker
	actors    map[uint64]*state.ActorState
	events    []kernel.StampedEvent
	transfers []string
	deleted   []uint64
	// transferErr, when set, is what Transfer returns.
	transferErr error
	// sendResult is what Send returns; sentParams records the params.
	sendResult kernel.CallResult
	sentParams *kernel.Block
	// created counts CountActorCreated; nextAddr is what NextActorAddress
	// returns.
	created  int
	nextAddr address.Address
}

type fakeRand struct{ err error }

func (r fakeRand) GetChainRandomness(_ context.Context, round abi.ChainEpoch) ([32]byte, error) {
	return [32]byte{1, byte(round)}, r.err
}

func (r fakeRand) GetBeaconRandomness(_ context.Context, round abi.ChainEpoch) ([32]byte, error) {
	return [32]byte{2, byte(round)}, r.err
}

func (fakeRand) TipsetCid(context.Context, abi.ChainEpoch) (cid.Cid, error) {
	return cid.Undef, errors.New("no tipsets")
}

func (fakeRand) VerifyConsensusFault(context.Context, []byte, []byte, []byte) (externs.ConsensusFault, error) {
	return externs.ConsensusFault{}, errors.New("no faults")
}

const receiver = 1000

func newFakeCM(t *testing.T, gasLimit uint64, rnd fakeRand) *fakeCM {
	t.Helper()
	profile, err := machine.ProfileFor(bundle.DefaultNetworkVersion)
	if err != nil {
		t.Fatal(err)
	}
	if profile.FVMVersion != 4 {
		t.Fatalf("nv%d runs FVM v%d", bundle.DefaultNetworkVersion, profile.FVMVersion)
	}
	m := &machine.Machine{
		Config:  machine.Config{NetworkVersion: bundle.DefaultNetworkVersion, Epoch: 1000, Externs: rnd},
		Profile: profile,
		Blocks:  blockstore.NewBuffered(blockstore.NewMemory()),
	}
	return &fakeCM{m: m, gt: gas.NewGasTracker(gas.NewGas(gasLimit), gas.Gas{}, gas.WithTrace()),
		actors: map[uint64]*state.ActorState{receiver: {Head: cid.Undef, Balance: big.Zero()}}}
}

func (f *fakeCM) Machine() *machine.Machine                  { return f.m }
func (f *fakeCM) GasTracker() *gas.GasTracker                { return f.gt }
func (f *fakeCM) Charge(c gas.GasCharge) error               { return f.gt.ApplyCharge(c) }
func (f *fakeCM) Origin() uint64                             { return 100 }
func (f *fakeCM) Nonce() uint64                              { return 0 }
func (f *fakeCM) GasPremium() abi.TokenAmount                { return big.Zero() }
func (f *fakeCM) EmitEvent(ev kernel.StampedEvent)           { f.events = append(f.events, ev) }
func (f *fakeCM) NextActorAddress() (address.Address, error) { return f.nextAddr, nil }
func (f *fakeCM) CountActorCreated()                         { f.created++ }
func (f *fakeCM) ResolveKeyAddress(_ context.Context, a address.Address, _ bool) (address.Address, error) {
	return a, nil
}
func (f *fakeCM) Send(_ context.Context, _ uint64, _ address.Address, _ abi.MethodNum, params *kernel.Block, _ abi.TokenAmount, _ *gas.Gas, _ bool) (kernel.CallResult, error) {
	f.sentParams = params
	return f.sendResult, nil
}
func (f *fakeCM) GetActor(_ context.Context, id uint64) (*state.ActorState, error) {
	return f.actors[id], nil
}
func (f *fakeCM) SetActor(_ context.Context, id uint64, act *state.ActorState) error {
	f.actors[id] = act
	return nil
}
func (f *fakeCM) DeleteActor(_ context.Context, id uint64) error {
	f.deleted = append(f.deleted, id)
	delete(f.actors, id)
	return nil
}
func (f *fakeCM) ResolveAddress(context.Context, address.Address) (uint64, bool, error) {
	return 0, false, nil
}
func (f *fakeCM) Transfer(_ context.Context, from, to uint64, value abi.TokenAmount) error {
	if f.transferErr != nil {
		return f.transferErr
	}
	f.transfers = append(f.transfers, big.NewInt(int64(from)).String()+"->"+big.NewInt(int64(to)).String()+":"+value.String())
	return nil
}
func (f *fakeCM) CreateActor(context.Context, cid.Cid, uint64, *address.Address) error {
	return errors.New("no creation")
}

// charges returns the names and whole-gas totals (in milligas) of the
// charges since the last call.
func (f *fakeCM) charges() []charge {
	var out []charge
	for _, c := range f.gt.DrainTrace() {
		out = append(out, charge{c.Name, c.Total().Milligas()})
	}
	return out
}

type charge struct {
	name string
	mg   uint64
}

func wantCharges(t *testing.T, f *fakeCM, want ...charge) {
	t.Helper()
	got := f.charges()
	if len(got) != len(want) {
		t.Fatalf("charges %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("charge %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func g(n uint64) uint64 { return n * 1000 }

func wantErrNum(t *testing.T, err error, num kernel.ErrorNumber) {
	t.Helper()
	se, ok := kernel.AsSyscallError(err)
	if !ok || se.Num != num {
		t.Fatalf("error %v, want syscall error %v", err, num)
	}
}

// putBlock stores data under a DAG-CBOR (or codec) blake2b-256 CID.
func putBlock(t *testing.T, f *fakeCM, codec uint64, data []byte) cid.Cid {
	t.Helper()
	c, err := cid.Prefix{Version: 1, Codec: codec, MhType: mh.BLAKE2B_MIN + 31, MhLength: 32}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := blocks.NewBlockWithCid(data, c)
	if err := f.m.Blocks.Put(context.Background(), blk); err != nil {
		t.Fatal(err)
	}
	return c
}

// pairWithLink is DAG-CBOR [1, link]: four items are read (array, 1, tag,
// and the link's byte string under the tag charge).
func pairWithLink(link cid.Cid) []byte {
	b := []byte{0x82, 0x01, 0xd8, 0x2a}
	raw := append([]byte{0}, link.Bytes()...)
	b = append(b, 0x58, byte(len(raw)))
	return append(b, raw...)
}

const (
	dagCBOR = 0x71
	raw     = 0x55
)

func TestBlockOpenV4(t *testing.T) {
	ctx := context.Background()
	f := newFakeCM(t, 1e10, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	leaf := putBlock(t, f, raw, []byte("leaf"))
	parentData := pairWithLink(leaf)
	parent := putBlock(t, f, dagCBOR, parentData)

	// Not reachable: NotFound after the base charge only.
	_, _, err := k.BlockOpen(ctx, parent)
	wantErrNum(t, err, kernel.NotFound)
	wantCharges(t, f, charge{"OnBlockOpenBase", g(openBase)})

	// Reachable: base, scan (array, 1, tag fields + one link), then open
	// with one link; the child becomes reachable.
	k.Blocks.MarkReachable(parent)
	id, stat, err := k.BlockOpen(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	if id != 1 || stat.Codec != dagCBOR || stat.Size != uint32(len(parentData)) {
		t.Errorf("open: id %d stat %+v", id, stat)
	}
	n := uint64(len(parentData))
	// OnBlockOpen: compute 300·1, other 2.4n plus the surcharge up to the
	// retention minimum 10n: the total is max(300 + 2.4n, 10n).
	openTotal := max(g(300)+2400*n, 10_000*n)
	wantCharges(t, f,
		charge{"OnBlockOpenBase", g(openBase)},
		charge{"OnScanIpldLinks", g(3*fieldCharge + linkCharge)},
		charge{"OnBlockOpen", openTotal})
	if !k.Blocks.IsReachable(leaf) {
		t.Error("the opened block's link is not reachable")
	}
	// A raw child: no scan gas (nothing to scan) but the charge is made.
	if _, _, err := k.BlockOpen(ctx, leaf); err != nil {
		t.Fatal(err)
	}
	wantCharges(t, f,
		charge{"OnBlockOpenBase", g(openBase)},
		charge{"OnScanIpldLinks", 0},
		charge{"OnBlockOpen", 10_000 * 4})

	// Reachable but missing from the store: fatal.
	missing := blockCID(t, dagCBOR, []byte{0x80, 0x80})
	k.Blocks.MarkReachable(missing)
	if _, _, err := k.BlockOpen(ctx, missing); !kernel.IsFatal(err) {
		t.Errorf("missing block: %v, want fatal", err)
	}
}

func blockCID(t *testing.T, codec uint64, data []byte) cid.Cid {
	t.Helper()
	c, err := cid.Prefix{Version: 1, Codec: codec, MhType: mh.BLAKE2B_MIN + 31, MhLength: 32}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBlockOpenV4ScanOutOfGas: the scanner spends from a budget equal to
// the gas available; when it runs dry, exactly all of it is charged as
// OnScanIpldLinks and the result is out of gas (ref-fvm ipld/mod.rs).
func TestBlockOpenV4ScanOutOfGas(t *testing.T) {
	ctx := context.Background()
	// Enough for the base charge and two header reads, not the third.
	limit := uint64(openBase + 2*fieldCharge + 10)
	f := newFakeCM(t, limit, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	parent := putBlock(t, f, dagCBOR, pairWithLink(blockCID(t, raw, []byte("x"))))
	k.Blocks.MarkReachable(parent)
	_, _, err := k.BlockOpen(ctx, parent)
	if !kernel.IsOutOfGas(err) {
		t.Fatalf("error %v, want out of gas", err)
	}
	wantCharges(t, f,
		charge{"OnBlockOpenBase", g(openBase)},
		charge{"OnScanIpldLinks", g(2*fieldCharge + 10)})
	if !f.gt.GasAvailable().IsZero() {
		t.Errorf("gas left: %s", f.gt.GasAvailable())
	}
}

func TestBlockCreateV4(t *testing.T) {
	ctx := context.Background()
	f := newFakeCM(t, 1e10, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)

	// Size, then codec: both before any charge.
	_, err := k.BlockCreate(dagCBOR, make([]byte, kernel.MaxBlockSize+1))
	wantErrNum(t, err, kernel.LimitExceeded)
	_, err = k.BlockCreate(0x70, []byte{0x80})
	wantErrNum(t, err, kernel.IllegalCodec)
	wantCharges(t, f)

	// Malformed DAG-CBOR: Serialization after the scan charge. Each item
	// is charged before its header is read: the array, the 1, and the
	// missing second element (ref-fvm ipld/cbor.rs:41).
	_, err = k.BlockCreate(dagCBOR, []byte{0x82, 0x01})
	wantErrNum(t, err, kernel.Serialization)
	wantCharges(t, f, charge{"OnScanIpldLinks", g(3 * fieldCharge)})

	// An unreachable link: NotFound after the scan and the create charge.
	leaf := blockCID(t, raw, []byte("leaf"))
	data := pairWithLink(leaf)
	n := uint64(len(data))
	createTotal := max(g(300)+2400*n, 10_000*n)
	_, err = k.BlockCreate(dagCBOR, data)
	wantErrNum(t, err, kernel.NotFound)
	wantCharges(t, f,
		charge{"OnScanIpldLinks", g(3*fieldCharge + linkCharge)},
		charge{"OnBlockCreate", createTotal})

	// Reachable: created, but the new block is not reachable until linked.
	k.Blocks.MarkReachable(leaf)
	id, err := k.BlockCreate(dagCBOR, data)
	if err != nil {
		t.Fatal(err)
	}
	f.charges()
	own := blockCID(t, dagCBOR, data)
	if k.Blocks.IsReachable(own) {
		t.Error("a created block is reachable before block_link")
	}
	if err := k.SetRoot(ctx, own); err == nil {
		t.Error("set_root accepted an unlinked block")
	}
	link, err := k.BlockLink(ctx, id, kernel.MhBlake2b256, 32)
	if err != nil {
		t.Fatal(err)
	}
	if link != own || !k.Blocks.IsReachable(own) {
		t.Errorf("block_link gave %s (reachable %t), want %s", link, k.Blocks.IsReachable(own), own)
	}
	if err := k.SetRoot(ctx, own); err != nil {
		t.Errorf("set_root of a linked block: %v", err)
	}
}

func TestSelfDestructV4(t *testing.T) {
	ctx := context.Background()
	f := newFakeCM(t, 1e10, fakeRand{})
	f.actors[receiver].Balance = big.NewInt(5)

	// Read-only: refused before any charge.
	ro := kernel.New(f, 100, receiver, 2, big.Zero(), true)
	wantErrNum(t, ro.SelfDestructV4(ctx, true), kernel.ReadOnly)
	wantCharges(t, f)

	// Unspent funds without burn_unspent: IllegalOperation after the (zero)
	// delete and balance charges; nothing moved or deleted.
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	wantErrNum(t, k.SelfDestructV4(ctx, false), kernel.IllegalOperation)
	wantCharges(t, f, charge{"OnDeleteActor", 0}, charge{"OnSelfBalance", 0})
	if len(f.transfers)+len(f.deleted) != 0 {
		t.Fatalf("moved %v deleted %v", f.transfers, f.deleted)
	}

	// A failing burn is fatal, even out of gas (or_fatal).
	f.transferErr = gas.ErrOutOfGas
	if err := k.SelfDestructV4(ctx, true); !kernel.IsFatal(err) {
		t.Errorf("failed burn: %v, want fatal", err)
	}
	f.transferErr = nil
	f.charges()

	// Burn: the balance goes to f099, then the actor is deleted.
	if err := k.SelfDestructV4(ctx, true); err != nil {
		t.Fatal(err)
	}
	if len(f.transfers) != 1 || f.transfers[0] != "1000->99:5" || len(f.deleted) != 1 || f.deleted[0] != receiver {
		t.Errorf("transfers %v deleted %v", f.transfers, f.deleted)
	}
	// Idempotent: a deleted actor has no balance; deleting again is fine.
	if err := k.SelfDestructV4(ctx, false); err != nil {
		t.Errorf("second self-destruct: %v", err)
	}
}

func TestRandomnessV4(t *testing.T) {
	ctx := context.Background()
	f := newFakeCM(t, 1e10, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)

	// The raw digest, charged by lookback: 146,200 + 75·(1000 − 990).
	r, err := k.RandomnessV4(ctx, false, 990)
	if err != nil || r != [32]byte{1, 990 % 256} {
		t.Fatalf("chain randomness %x, %v", r, err)
	}
	wantCharges(t, f, charge{"OnGetRandomness", g(146_200 + 75*10)})
	r, err = k.RandomnessV4(ctx, true, 1000)
	if err != nil || r != [32]byte{2, 1000 % 256} {
		t.Fatalf("beacon randomness %x, %v", r, err)
	}
	wantCharges(t, f, charge{"OnGetRandomness", g(146_200)})

	// Only an i64 overflow of the lookback is refused (before charging).
	_, err = k.RandomnessV4(ctx, false, math.MinInt64)
	wantErrNum(t, err, kernel.IllegalArgument)
	wantCharges(t, f)

	// A future epoch: the negative lookback, as a u64, saturates the
	// charge: out of gas, not IllegalArgument.
	if _, err = k.RandomnessV4(ctx, false, 1001); !kernel.IsOutOfGas(err) {
		t.Errorf("future epoch: %v, want out of gas", err)
	}

	// An extern error is IllegalArgument, after the charge.
	f = newFakeCM(t, 1e10, fakeRand{err: errors.New("no randomness")})
	k = kernel.New(f, 100, receiver, 2, big.Zero(), false)
	_, err = k.RandomnessV4(ctx, true, 999)
	wantErrNum(t, err, kernel.IllegalArgument)
	wantCharges(t, f, charge{"OnGetRandomness", g(146_200 + 75)})
}

func TestTipsetCIDV4NoFinalityLimit(t *testing.T) {
	f := newFakeCM(t, 1e10, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	// 1000 epochs back (beyond v3's 900): charged by lookback, then the
	// extern (which fails here, fatally) is asked.
	_, err := k.TipsetCID(context.Background(), 0)
	if !kernel.IsFatal(err) {
		t.Fatalf("error %v, want the extern's fatal error", err)
	}
	wantCharges(t, f, charge{"OnTipsetCid", g(146_200 + 75*1000)})
}

func TestEmitEventV4(t *testing.T) {
	hdr := func(flags, codec uint64, k, v uint32) kernel.EventHeader {
		return kernel.EventHeader{Flags: flags, Codec: codec, KeyLen: k, ValLen: v}
	}
	many := make([]kernel.EventHeader, 256)
	for i := range many {
		many[i] = hdr(0, raw, 0, 0)
	}
	for _, tc := range []struct {
		name    string
		headers []kernel.EventHeader
		keys    string
		values  []byte
		want    kernel.ErrorNumber // 0: accepted
	}{
		{"ok", []kernel.EventHeader{hdr(3, raw, 1, 2), hdr(1, 0x51, 2, 0)}, "abc", []byte{1, 2}, 0},
		{"empty event", nil, "", nil, 0},
		{"too many entries", many, "", nil, kernel.LimitExceeded},
		{"values too long", []kernel.EventHeader{hdr(0, raw, 0, 8193)}, "", make([]byte, 8193), kernel.LimitExceeded},
		{"keys not utf-8", []kernel.EventHeader{hdr(0, raw, 1, 0)}, "\xff", nil, kernel.IllegalArgument},
		{"unknown flag", []kernel.EventHeader{hdr(4, raw, 0, 0)}, "", nil, kernel.IllegalArgument},
		{"key too long", []kernel.EventHeader{hdr(0, raw, 32, 0)}, string(make([]byte, 32)), nil, kernel.LimitExceeded},
		// Checked before the codec: an oversized single value is IllegalArgument.
		{"value too long", []kernel.EventHeader{hdr(0, 0x70, 0, 8193)}, "", nil, kernel.IllegalArgument},
		{"key not on a char boundary", []kernel.EventHeader{hdr(0, raw, 1, 0), hdr(0, raw, 1, 0)}, "é", nil, kernel.IllegalArgument},
		{"key past the buffer", []kernel.EventHeader{hdr(0, raw, 2, 0)}, "a", nil, kernel.IllegalArgument},
		{"value past the buffer", []kernel.EventHeader{hdr(0, raw, 0, 2)}, "", []byte{1}, kernel.IllegalArgument},
		{"bad codec", []kernel.EventHeader{hdr(0, 0x71, 0, 0)}, "", nil, kernel.IllegalCodec},
		{"keys left over", []kernel.EventHeader{hdr(0, raw, 1, 0)}, "ab", nil, kernel.IllegalArgument},
		{"values left over", []kernel.EventHeader{hdr(0, raw, 0, 1)}, "", []byte{1, 2}, kernel.IllegalArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCM(t, 1e10, fakeRand{})
			k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
			err := k.EmitEventV4(tc.headers, []byte(tc.keys), tc.values)
			// The charge always comes first, whatever fails after it.
			ch := f.charges()
			if len(ch) != 1 || ch[0].name != "OnActorEvent" {
				t.Errorf("charges %v", ch)
			}
			if tc.want == 0 {
				if err != nil || len(f.events) != 1 || f.events[0].Emitter != receiver || len(f.events[0].Entries) != len(tc.headers) {
					t.Fatalf("err %v events %+v", err, f.events)
				}
				return
			}
			wantErrNum(t, err, tc.want)
			if len(f.events) != 0 {
				t.Errorf("events recorded: %+v", f.events)
			}
		})
	}
	// Read-only: refused before the charge.
	f := newFakeCM(t, 1e10, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), true)
	wantErrNum(t, k.EmitEventV4(nil, nil, nil), kernel.ReadOnly)
	wantCharges(t, f)
}

// TestEmitEventV4Charge checks OnActorEvent(2 entries, 3 key bytes, 2 value
// bytes) against ref-fvm on_actor_event (gas/price_list.rs:1041): with the
// estimated size S = EVENT_OVERHEAD 12 + 2·EVENT_ENTRY_OVERHEAD 9 + 3 + 2 =
// 35 and mem = (memcpy 0.4 + alloc 2)·S = 84,
//
//	compute = 2·mem + (2,000 + 1,400·2) + (500 + 16·3) = 168 + 4,800 + 548 = 5,516
//	other   = blake2b 10·S + mem = 350 + 84 = 434
func TestEmitEventV4Charge(t *testing.T) {
	f := newFakeCM(t, 1e10, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	headers := []kernel.EventHeader{{Flags: 3, Codec: raw, KeyLen: 1, ValLen: 2}, {Codec: raw, KeyLen: 2}}
	if err := k.EmitEventV4(headers, []byte("abc"), []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	wantCharges(t, f, charge{"OnActorEvent", g(5_516 + 434)})
	e := f.events[0].Entries
	if e[0].Key != "a" || !bytes.Equal(e[0].Value, []byte{1, 2}) || e[1].Key != "bc" || len(e[1].Value) != 0 {
		t.Errorf("entries %+v", e)
	}
}

// TestSendV4ReturnReachable: a return block's links become reachable in the
// caller (ref-fvm kernel/default.rs send: put_reachable); the params block
// is handed on with its recorded links.
func TestSendV4ReturnReachable(t *testing.T) {
	ctx := context.Background()
	f := newFakeCM(t, 1e10, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	leaf := blockCID(t, raw, []byte("leaf"))
	k.Blocks.MarkReachable(leaf)
	params, err := k.BlockCreate(dagCBOR, pairWithLink(leaf))
	if err != nil {
		t.Fatal(err)
	}
	child := blockCID(t, raw, []byte("returned child"))
	ret := &kernel.Block{Codec: dagCBOR, Data: pairWithLink(child), Links: []cid.Cid{child}}
	f.sendResult = kernel.CallResult{ExitCode: 0, Return: ret}
	to, _ := address.NewIDAddress(5)
	code, id, stat, err := k.Send(ctx, to, 2, params, big.Zero(), nil, false)
	if err != nil || code != 0 || id != params+1 || stat.Size != uint32(len(ret.Data)) {
		t.Fatalf("send: code %d id %d stat %+v err %v", code, id, stat, err)
	}
	if f.sentParams == nil || len(f.sentParams.Links) != 1 || f.sentParams.Links[0] != leaf {
		t.Errorf("params sent %+v", f.sentParams)
	}
	if !k.Blocks.IsReachable(child) {
		t.Error("the return block's link is not reachable in the caller")
	}
}

// TestVerifyBLSAggregateV4Kernel: the charge (one pairing per signer plus
// one, and 7 gas per plaintext byte: ref-fvm price_list.rs
// on_verify_aggregate_signature) comes before the plaintext split.
func TestVerifyBLSAggregateV4Kernel(t *testing.T) {
	f := newFakeCM(t, 1e11, fakeRand{})
	k := kernel.New(f, 100, receiver, 2, big.Zero(), false)
	var sig [96]byte
	keys := make([][48]byte, 2)
	// Lengths 2 + 2 over a 3-byte buffer: IllegalArgument after charging
	// 3·8,299,302 + 7·3.
	_, err := k.VerifyBLSAggregate(&sig, keys, []byte{1, 2, 3}, []uint32{2, 2})
	wantErrNum(t, err, kernel.IllegalArgument)
	wantCharges(t, f, charge{"OnVerifyBlsAggregateSignature", g(3*8_299_302 + 7*3)})
	// Well-formed but undecodable keys and signature: false, no error.
	ok, err := k.VerifyBLSAggregate(&sig, keys, []byte{1, 2, 3, 4}, []uint32{2, 2})
	if ok || err != nil {
		t.Errorf("garbage aggregate: %t %v", ok, err)
	}
	// Unequal counts: refused before the charge.
	f.charges()
	_, err = k.VerifyBLSAggregate(&sig, keys, nil, []uint32{0})
	wantErrNum(t, err, kernel.IllegalArgument)
	wantCharges(t, f)
}
