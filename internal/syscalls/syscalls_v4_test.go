package syscalls

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
)

// v4TestCM is a kernel.CallManager at today's nv28 (FVM v4) that records charges
// and events; nothing else is used by the handlers tested here.
type v4TestCM struct {
	m      *machine.Machine
	gt     *gas.GasTracker
	events []kernel.StampedEvent
	// self is the invoked actor (nil: none); burnt and deleted record
	// what self_destruct did.
	self    *state.ActorState
	burnt   abi.TokenAmount
	deleted bool
}

func newV4TestCall(t *testing.T, memory []byte) (*call, *v4TestCM) {
	t.Helper()
	p, err := machine.ProfileFor(bundle.DefaultNetworkVersion)
	if err != nil {
		t.Fatal(err)
	}
	cm := &v4TestCM{
		m:  &machine.Machine{Config: machine.Config{NetworkVersion: bundle.DefaultNetworkVersion, Epoch: 10}, Profile: p, Blocks: blockstore.NewBuffered(blockstore.NewMemory())},
		gt: gas.NewGasTracker(gas.NewGas(1e10), gas.Gas{}, gas.WithTrace()),
	}
	k := kernel.New(cm, 1, 1000, 2, big.Zero(), false)
	return &call{ctx: context.Background(), k: k, mem: Memory{&v4FakeMemory{buf: memory}}}, cm
}

type v4FakeMemory struct {
	api.Memory
	buf []byte
}

func (f *v4FakeMemory) Size() uint32 { return uint32(len(f.buf)) }

func (f *v4FakeMemory) Read(off, n uint32) ([]byte, bool) {
	if uint64(off)+uint64(n) > uint64(len(f.buf)) {
		return nil, false
	}
	return f.buf[off : off+n : off+n], true
}

func (c *v4TestCM) Machine() *machine.Machine                  { return c.m }
func (c *v4TestCM) GasTracker() *gas.GasTracker                { return c.gt }
func (c *v4TestCM) Charge(g gas.GasCharge) error               { return c.gt.ApplyCharge(g) }
func (c *v4TestCM) Origin() uint64                             { return 1 }
func (c *v4TestCM) Nonce() uint64                              { return 0 }
func (c *v4TestCM) GasPremium() abi.TokenAmount                { return big.Zero() }
func (c *v4TestCM) EmitEvent(ev kernel.StampedEvent)           { c.events = append(c.events, ev) }
func (c *v4TestCM) NextActorAddress() (address.Address, error) { return address.Undef, nil }
func (c *v4TestCM) CountActorCreated()                         {}
func (c *v4TestCM) ResolveKeyAddress(_ context.Context, a address.Address, _ bool) (address.Address, error) {
	return a, nil
}
func (c *v4TestCM) Send(context.Context, uint64, address.Address, abi.MethodNum, *kernel.Block, abi.TokenAmount, *gas.Gas, bool) (kernel.CallResult, error) {
	return kernel.CallResult{}, errors.New("unused")
}
func (c *v4TestCM) GetActor(context.Context, uint64) (*state.ActorState, error) { return c.self, nil }
func (c *v4TestCM) SetActor(context.Context, uint64, *state.ActorState) error   { return nil }
func (c *v4TestCM) DeleteActor(context.Context, uint64) error {
	c.deleted, c.self = true, nil
	return nil
}
func (c *v4TestCM) ResolveAddress(context.Context, address.Address) (uint64, bool, error) {
	return 0, false, nil
}
func (c *v4TestCM) Transfer(_ context.Context, _, to uint64, v abi.TokenAmount) error {
	if to == kernel.BurntFundsActorID {
		c.burnt = v
	}
	return nil
}
func (c *v4TestCM) CreateActor(context.Context, cid.Cid, uint64, *address.Address) error {
	return nil
}

func (c *v4TestCM) chargeNames() []string {
	var out []string
	for _, ch := range c.gt.DrainTrace() {
		out = append(out, ch.Name)
	}
	return out
}

func wantV4Err(t *testing.T, err error, num kernel.ErrorNumber) {
	t.Helper()
	se, ok := kernel.AsSyscallError(err)
	if !ok || se.Num != num {
		t.Fatalf("error %v, want %s", err, num)
	}
}

// TestVerifyBLSAggregateArgs follows ref-fvm v4 syscalls/crypto.rs
// verify_bls_aggregate: n×48 overflow, then the signature, keys and
// lengths buffers, then the plaintexts by the (u32, wrapping) sum of the
// lengths — all before the kernel charges anything.
func TestVerifyBLSAggregateArgs(t *testing.T) {
	const size = 1024
	lensAt := func(lens ...uint32) []byte {
		m := make([]byte, size)
		for i, l := range lens {
			binary.LittleEndian.PutUint32(m[512+4*i:], l)
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		memory []byte
		args   []uint64 // n, sig, keys, plaintexts, lens
		want   kernel.ErrorNumber
	}{
		{"n×48 overflows", make([]byte, size), []uint64{math.MaxUint32/48 + 1, 0, 0, 0, 0}, kernel.IllegalArgument},
		{"signature out of bounds", make([]byte, size), []uint64{0, size - 95, 0, 0, 0}, kernel.IllegalArgument},
		{"keys out of bounds", make([]byte, size), []uint64{2, 0, size - 95, 0, 0}, kernel.IllegalArgument},
		{"lengths out of bounds", make([]byte, size), []uint64{1, 0, 0, 0, size - 3}, kernel.IllegalArgument},
		{"plaintexts out of bounds", lensAt(300, 300), []uint64{2, 0, 100, 500, 512}, kernel.IllegalArgument},
		// The lengths wrap to 0: the empty plaintext buffer is in bounds, the
		// kernel charges, then its split fails.
		{"wrapped length sum", lensAt(math.MaxUint32, 1), []uint64{2, 0, 100, 0, 512}, kernel.IllegalArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, cm := newV4TestCall(t, tc.memory)
			_, err := cryptoVerifyBLSAggregate(c, tc.args)
			wantV4Err(t, err, tc.want)
			names := cm.chargeNames()
			if tc.name == "wrapped length sum" {
				if len(names) != 1 || names[0] != "OnVerifyBlsAggregateSignature" {
					t.Errorf("charges %v, want the aggregate charge", names)
				}
			} else if len(names) != 0 {
				t.Errorf("charged %v before the argument checks passed", names)
			}
		})
	}
	// No signers: valid (0), after the charge for one pairing.
	c, cm := newV4TestCall(t, make([]byte, size))
	out, err := cryptoVerifyBLSAggregate(c, []uint64{0, 0, 0, 0, 0})
	if err != nil || binary.LittleEndian.Uint32(out) != 0 {
		t.Fatalf("empty aggregate: %x %v", out, err)
	}
	if n := cm.chargeNames(); len(n) != 1 {
		t.Errorf("charges %v", n)
	}
	// An undecodable signature over one plaintext: invalid (-1), no error.
	c, _ = newV4TestCall(t, lensAt(3))
	out, err = cryptoVerifyBLSAggregate(c, []uint64{1, 0, 100, 200, 512})
	if err != nil || binary.LittleEndian.Uint32(out) != math.MaxUint32 {
		t.Fatalf("bad signature: %x %v", out, err)
	}
}

// TestEmitEventV4Args: the 24-byte headers, keys and values are read from
// wasm memory and bounds-checked before the kernel (which charges first).
func TestEmitEventV4Args(t *testing.T) {
	m := make([]byte, 256)
	// One header at 0: flags 3, codec 0x55, key_len 1, val_len 2.
	binary.LittleEndian.PutUint64(m[0:], 3)
	binary.LittleEndian.PutUint64(m[8:], 0x55)
	binary.LittleEndian.PutUint32(m[16:], 1)
	binary.LittleEndian.PutUint32(m[20:], 2)
	copy(m[100:], "k")
	copy(m[200:], []byte{7, 8})
	for _, tc := range []struct {
		name string
		args []uint64
		want kernel.ErrorNumber
	}{
		{"count×24 overflows", []uint64{0, math.MaxUint32/24 + 1, 100, 1, 200, 2}, kernel.IllegalArgument},
		{"headers out of bounds", []uint64{240, 1, 100, 1, 200, 2}, kernel.IllegalArgument},
		{"keys out of bounds", []uint64{0, 1, 256, 1, 200, 2}, kernel.IllegalArgument},
		{"values out of bounds", []uint64{0, 1, 100, 1, 255, 2}, kernel.IllegalArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, cm := newV4TestCall(t, m)
			_, err := emitEventV4(c, tc.args)
			wantV4Err(t, err, tc.want)
			if n := cm.chargeNames(); len(n) != 0 {
				t.Errorf("charged %v", n)
			}
		})
	}
	c, cm := newV4TestCall(t, m)
	if _, err := emitEventV4(c, []uint64{0, 1, 100, 1, 200, 2}); err != nil {
		t.Fatal(err)
	}
	if len(cm.events) != 1 {
		t.Fatalf("events %+v", cm.events)
	}
	e := cm.events[0].Entries[0]
	if e.Flags != 3 || e.Codec != 0x55 || e.Key != "k" || string(e.Value) != "\x07\x08" {
		t.Errorf("entry %+v", e)
	}
	// The value was copied out of wasm memory.
	m[200] = 0
	if e.Value[0] != 7 {
		t.Error("the event aliases wasm memory")
	}
}

// TestSelfDestructV4Arg: any non-zero burn_unspent is true (ref-fvm v4
// syscalls/sself.rs: burn_unspent > 0).
func TestSelfDestructV4Arg(t *testing.T) {
	for _, tc := range []struct {
		arg  uint64
		want kernel.ErrorNumber
	}{{0, kernel.IllegalOperation}, {1, 0}, {7, 0}, {math.MaxUint32, 0}} {
		c, cm := newV4TestCall(t, nil)
		cm.self = &state.ActorState{Balance: big.NewInt(9)}
		_, err := selfDestructV4Syscall().fn(c, []uint64{tc.arg})
		if tc.want != 0 {
			wantV4Err(t, err, tc.want)
			if cm.deleted {
				t.Errorf("burn_unspent %d: deleted", tc.arg)
			}
			continue
		}
		if err != nil || !cm.deleted || !cm.burnt.Equals(big.NewInt(9)) {
			t.Errorf("burn_unspent %d: err %v deleted %t burnt %v", tc.arg, err, cm.deleted, cm.burnt)
		}
	}
}
