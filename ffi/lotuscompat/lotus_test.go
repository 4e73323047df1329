package lotuscompat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/filecoin-project/lotus/chain/types"
	boxo "github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/ffi"
)

// What filecoin-ffi's Externs embeds (boxo's Blockstore and Viewer) is an ffi.Blockstore.
var _ ffi.Blockstore = (interface {
	boxo.Blockstore
	boxo.Viewer
})(nil)

type nodeStore struct{ blockstore.Blockstore }

func (s nodeStore) View(ctx context.Context, c cid.Cid, cb func([]byte) error) error {
	b, err := s.Get(ctx, c)
	if errors.Is(err, blockstore.ErrNotFound) {
		return ipld.ErrNotFound{Cid: c}
	}
	if err != nil {
		return err
	}
	return cb(b.RawData())
}

func (s nodeStore) PutMany(ctx context.Context, bs []blocks.Block) error {
	for _, b := range bs {
		if err := s.Put(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

type replay struct{ v *conformance.Vector }

func (r replay) GetChainRandomness(_ context.Context, e abi.ChainEpoch) ([32]byte, error) {
	return [32]byte(r.v.ReplayRandomness(conformance.RandomnessChain, int64(e))), nil
}

func (r replay) GetBeaconRandomness(_ context.Context, e abi.ChainEpoch) ([32]byte, error) {
	return [32]byte(r.v.ReplayRandomness(conformance.RandomnessBeacon, int64(e))), nil
}

func (replay) TipsetCid(context.Context, abi.ChainEpoch) (cid.Cid, error) {
	return cid.Undef, errors.New("no tipsets")
}

type ffiExterns struct {
	nodeStore
	replay
}

func (ffiExterns) VerifyConsensusFault(context.Context, []byte, []byte, []byte) (*ffi.ConsensusFault, int64) {
	return &ffi.ConsensusFault{}, 0
}

type vmExterns struct{ replay }

func (vmExterns) VerifyConsensusFault(context.Context, []byte, []byte, []byte) (externs.ConsensusFault, error) {
	return externs.ConsensusFault{}, nil
}

// TestTracesDecodeWithLotusTypes runs every nv18 vector through ffi with tracing and through
// the VM: Lotus's types.ExecutionTrace decodes ExecTraceBytes, encodes them back to the same
// bytes, and holds what the VM's trace holds.
func TestTracesDecodeWithLotusTypes(t *testing.T) {
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set")
	}
	files, err := conformance.FindVectors([]string{filepath.Join(dir, "extracted", "0002-hygge-01")})
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	ctx := context.Background()
	cache, err := fvm.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	bundles := blockstore.NewMemory()
	for _, v := range []int{10, 11} {
		path, err := bundle.Locator{}.Path(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: v, Networks: []string{"mainnet"}}, bundles); err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	for _, f := range files {
		n, err := compareVector(ctx, eng, bundles, f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		calls += n
	}
	t.Logf("%d vectors, %d calls decoded with lotus types", len(files), calls)
}

func compareVector(ctx context.Context, eng *fvm.Engine, bundles blockstore.Blockstore, file string) (int, error) {
	v, err := conformance.LoadVector(file)
	if err != nil {
		return 0, err
	}
	msgs, err := v.Messages()
	if err != nil {
		return 0, err
	}
	variant := v.Preconditions.Variants[0]
	ffiStore, vmStore := blockstore.NewBuffered(bundles), blockstore.NewBuffered(bundles)
	for _, s := range []blockstore.Blockstore{ffiStore, vmStore} {
		if err := v.LoadCAR(ctx, s); err != nil {
			return 0, err
		}
	}
	fv, err := ffi.CreateFVM(&ffi.FVMOpts{Externs: ffiExterns{nodeStore{ffiStore}, replay{v}},
		Epoch: abi.ChainEpoch(variant.Epoch), Timestamp: uint64(variant.Epoch) * 30, BaseFee: v.BaseFee(),
		BaseCircSupply: v.CircSupply(), NetworkVersion: network.Version(variant.NV), StateBase: v.PreRoot(),
		Tracing: true, Proofs: externs.AcceptAllProofs{}, Engine: eng})
	if err != nil {
		return 0, err
	}
	vm, err := fvm.New(ctx, fvm.Config{NetworkVersion: network.Version(variant.NV), Epoch: abi.ChainEpoch(variant.Epoch),
		Timestamp: uint64(variant.Epoch) * 30, BaseFee: v.BaseFee(), CircSupply: v.CircSupply(), StateRoot: v.PreRoot(),
		Blockstore: vmStore, Externs: vmExterns{replay{v}}, Proofs: externs.AcceptAllProofs{}, Engine: eng, Tracing: true})
	if err != nil {
		return 0, err
	}
	calls := 0
	for i, d := range msgs {
		ret, err := fv.ApplyMessage(d.Message.Bytes(), uint(d.ChainLength))
		if err != nil {
			return calls, err
		}
		want, err := vm.ApplyMessage(ctx, &d.Message, d.ChainLength)
		if err != nil {
			return calls, err
		}
		var lt types.ExecutionTrace
		if err := lt.UnmarshalCBOR(bytes.NewReader(ret.ExecTraceBytes)); err != nil {
			return calls, fmt.Errorf("message %d: lotus decode: %w", i, err)
		}
		var again bytes.Buffer
		if err := lt.MarshalCBOR(&again); err != nil {
			return calls, err
		}
		if !bytes.Equal(again.Bytes(), ret.ExecTraceBytes) {
			return calls, fmt.Errorf("message %d: lotus re-encodes the trace differently:\n%x\n%x", i, again.Bytes(), ret.ExecTraceBytes)
		}
		n, err := sameTrace(&lt, want.Trace, "root")
		if err != nil {
			return calls, fmt.Errorf("message %d: %w", i, err)
		}
		calls += n
	}
	return calls, nil
}

// sameTrace compares Lotus's decoded trace with the VM's, recursively, and counts the calls.
func sameTrace(l *types.ExecutionTrace, w *fvm.ExecutionTrace, path string) (int, error) {
	m, wm := l.Msg, w.Msg
	switch {
	case m.From != wm.From || m.To != wm.To || !m.Value.Equals(wm.Value) || m.Method != wm.Method ||
		!bytes.Equal(m.Params, wm.Params) || m.ParamsCodec != wm.ParamsCodec || m.GasLimit != wm.GasLimit || m.ReadOnly != wm.ReadOnly:
		return 0, fmt.Errorf("%s: msg %+v, want %+v", path, m, wm)
	case l.MsgRct.ExitCode != w.MsgRct.ExitCode || !bytes.Equal(l.MsgRct.Return, w.MsgRct.Return) || l.MsgRct.ReturnCodec != w.MsgRct.ReturnCodec:
		return 0, fmt.Errorf("%s: receipt %+v, want %+v", path, l.MsgRct, w.MsgRct)
	case (l.InvokedActor == nil) != (w.InvokedActor == nil):
		return 0, fmt.Errorf("%s: invoked actor %v, want %v", path, l.InvokedActor, w.InvokedActor)
	case len(l.GasCharges) != len(w.GasCharges) || len(l.Subcalls) != len(w.Subcalls):
		return 0, fmt.Errorf("%s: %d charges, %d subcalls; want %d, %d", path, len(l.GasCharges), len(l.Subcalls), len(w.GasCharges), len(w.Subcalls))
	case len(l.Logs) != 0 || len(l.IpldOps) != 0:
		return 0, fmt.Errorf("%s: %d logs, %d ipld ops in a v3 trace", path, len(l.Logs), len(l.IpldOps))
	}
	if a, wa := l.InvokedActor, w.InvokedActor; a != nil {
		s, ws := a.State, wa.State
		if a.Id != wa.ID || s.Code != ws.Code || s.Head != ws.Head || s.Nonce != ws.Nonce || !s.Balance.Equals(ws.Balance) ||
			(s.DelegatedAddress == nil) != (ws.DelegatedAddress == nil) {
			return 0, fmt.Errorf("%s: invoked actor %+v, want %+v", path, a, wa)
		}
	}
	for i, g := range l.GasCharges {
		wg := w.GasCharges[i]
		if g.Name != wg.Name || g.TotalGas != wg.TotalGas || g.ComputeGas != wg.ComputeGas || g.StorageGas != wg.StorageGas || g.TimeTaken != 0 {
			return 0, fmt.Errorf("%s: charge %d %+v, want %+v", path, i, g, wg)
		}
	}
	calls := 1
	for i := range l.Subcalls {
		n, err := sameTrace(&l.Subcalls[i], &w.Subcalls[i], fmt.Sprintf("%s/%d", path, i))
		if err != nil {
			return 0, err
		}
		calls += n
	}
	return calls, nil
}

// TestEventsDecodeWithLotusTypes decodes EventsBytes the way Lotus's chain/vm decodeEvents
// does (a CBOR list header, then types.Event after types.Event).
func TestEventsDecodeWithLotusTypes(t *testing.T) {
	evs := []fvm.Event{
		{Emitter: 1000, Entries: []fvm.EventEntry{
			{Flags: 3, Key: "t1", Codec: 0x55, Value: bytes.Repeat([]byte{0xab}, 32)},
			{Flags: 3, Key: "d", Codec: 0x55, Value: []byte("data")},
		}},
		{Emitter: 7, Entries: []fvm.EventEntry{{Flags: 1, Key: "$type", Codec: 0x51, Value: []byte{0x63, 'a', 'b', 'c'}}}},
		{Emitter: 8},
	}
	data := ffi.EncodeEvents(evs)
	r := bytes.NewReader(data)
	typ, n, err := cbg.NewCborReader(r).ReadHeader()
	if err != nil || typ != cbg.MajArray || int(n) != len(evs) {
		t.Fatalf("header: major %d length %d (%v)", typ, n, err)
	}
	var again bytes.Buffer
	_ = cbg.WriteMajorTypeHeader(&again, cbg.MajArray, n)
	for i, want := range evs {
		var ev types.Event
		if err := ev.UnmarshalCBOR(r); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if ev.Emitter != want.Emitter || len(ev.Entries) != len(want.Entries) {
			t.Fatalf("event %d: %+v, want %+v", i, ev, want)
		}
		for j, e := range ev.Entries {
			w := want.Entries[j]
			if uint64(e.Flags) != w.Flags || e.Key != w.Key || e.Codec != w.Codec || !bytes.Equal(e.Value, w.Value) {
				t.Errorf("event %d entry %d: %+v, want %+v", i, j, e, w)
			}
		}
		if err := ev.MarshalCBOR(&again); err != nil {
			t.Fatal(err)
		}
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left", r.Len())
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Errorf("lotus re-encodes the events differently:\n%x\n%x", again.Bytes(), data)
	}
}
