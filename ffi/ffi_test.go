package ffi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/ffi"
)

// nodeStore is a node's blockstore as filecoin-ffi sees it: reads through View, a missing
// block is go-ipld-format's ErrNotFound (as boxo and Lotus stores answer).
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

// vectorExterns replays a vector's randomness, as the conformance runner does, behind
// filecoin-ffi's Externs.
type vectorExterns struct {
	nodeStore
	v *conformance.Vector
}

func (e vectorExterns) GetChainRandomness(_ context.Context, epoch abi.ChainEpoch) ([32]byte, error) {
	return replay(e.v.ReplayRandomness(conformance.RandomnessChain, int64(epoch)))
}

func (e vectorExterns) GetBeaconRandomness(_ context.Context, epoch abi.ChainEpoch) ([32]byte, error) {
	return replay(e.v.ReplayRandomness(conformance.RandomnessBeacon, int64(epoch)))
}

func replay(b []byte) ([32]byte, error) {
	if len(b) != 32 {
		return [32]byte{}, fmt.Errorf("no replayed randomness (%d bytes)", len(b))
	}
	return [32]byte(b), nil
}

func (vectorExterns) VerifyConsensusFault(context.Context, []byte, []byte, []byte) (*ffi.ConsensusFault, int64) {
	return &ffi.ConsensusFault{Type: ffi.ConsensusFaultNone}, 0
}

func (vectorExterns) TipsetCid(context.Context, abi.ChainEpoch) (cid.Cid, error) {
	return cid.Undef, errors.New("conformance vectors carry no tipset CIDs")
}

// env is what every test shares: the bundles the vectors run (v10 and v11 mainnet, as the
// reference runner seeds them) and an engine with the on-disk compiled-code cache.
type env struct {
	bundles *blockstore.Memory
	engine  *fvm.Engine
}

var testEnv = sync.OnceValues(func() (*env, error) {
	ctx := context.Background()
	dir, err := fvm.DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		return nil, err
	}
	e := &env{bundles: blockstore.NewMemory(), engine: eng}
	for _, v := range []int{10, 11} {
		path, err := bundle.Locator{}.Path(ctx, v)
		if err != nil {
			return nil, err
		}
		if _, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: v, Networks: []string{"mainnet"}}, e.bundles); err != nil {
			return nil, err
		}
	}
	return e, nil
})

func getEnv(t *testing.T) *env {
	t.Helper()
	e, err := testEnv()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// nv18Vectors lists the nv18 vectors under $FVM_TEST_VECTORS (corpus 0002-hygge-01).
func nv18Vectors(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set: point it at a folder of conformance vectors (CI: ../shared/test-vectors)")
	}
	files, err := conformance.FindVectors([]string{filepath.Join(dir, "extracted", "0002-hygge-01")})
	if err != nil || len(files) == 0 {
		t.Fatalf("no nv18 vectors under %s: %v", dir, err)
	}
	return files
}

// vectorOpts returns the FVMOpts of a vector's variant over a fresh node store.
func (e *env) vectorOpts(ctx context.Context, v *conformance.Vector, variant conformance.Variant) (*ffi.FVMOpts, error) {
	store := blockstore.NewBuffered(e.bundles)
	if err := v.LoadCAR(ctx, store); err != nil {
		return nil, err
	}
	return &ffi.FVMOpts{
		Externs:        vectorExterns{nodeStore{store}, v},
		Epoch:          abi.ChainEpoch(variant.Epoch),
		Timestamp:      uint64(variant.Epoch) * 30,
		BaseFee:        v.BaseFee(),
		BaseCircSupply: v.CircSupply(),
		NetworkVersion: network.Version(variant.NV),
		StateBase:      v.PreRoot(),
		Tracing:        true,
		Proofs:         externs.AcceptAllProofs{},
		Engine:         e.engine,
	}, nil
}

// TestVectors runs every nv18 vector through the ffi surface: the message goes in as its
// CBOR bytes, and the receipt (exit code, return, gas used) and the state root after Flush
// must be the vector's. With tracing on, every message has a trace, which starts with the
// top-level call to the message's receiver.
func TestVectors(t *testing.T) {
	e := getEnv(t)
	ctx := context.Background()
	passed := 0
	for _, f := range nv18Vectors(t) {
		name := filepath.Base(f)
		if skipped(f) {
			continue
		}
		v, err := conformance.LoadVector(f)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := runVector(ctx, e, v); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		passed++
	}
	t.Logf("%d vectors passed through ffi", passed)
}

func skipped(path string) bool {
	for _, s := range conformance.ReferenceSkips {
		if s.Path.MatchString(path) {
			return true
		}
	}
	return false
}

func runVector(ctx context.Context, e *env, v *conformance.Vector) error {
	msgs, err := v.Messages()
	if err != nil {
		return err
	}
	for _, variant := range v.Preconditions.Variants {
		opts, err := e.vectorOpts(ctx, v, variant)
		if err != nil {
			return err
		}
		vm, err := ffi.CreateFVM(opts)
		if err != nil {
			return err
		}
		for i, d := range msgs {
			ret, err := vm.ApplyMessage(d.Message.Bytes(), uint(d.ChainLength))
			if err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
			if err := checkRet(ret, v.Postconditions.Receipts[i], &d.Message.To); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		root, err := vm.Flush()
		if err != nil {
			return err
		}
		if root != v.PostRoot() {
			return fmt.Errorf("state root %s, want %s", root, v.PostRoot())
		}
	}
	return nil
}

func checkRet(ret *ffi.ApplyRet, want conformance.Receipt, to fmt.Stringer) error {
	switch {
	case ret.ExitCode != uint64(want.ExitCode):
		return fmt.Errorf("exit code %d, want %d (%s)", ret.ExitCode, want.ExitCode, ret.FailureInfo)
	case !bytes.Equal(ret.Return, want.Return):
		return fmt.Errorf("return %x, want %x", ret.Return, []byte(want.Return))
	case ret.GasUsed != want.GasUsed:
		return fmt.Errorf("gas used %d, want %d", ret.GasUsed, want.GasUsed)
	case len(want.Return) == 0 && ret.Return != nil:
		return fmt.Errorf("empty return is %#v, want nil as filecoin-ffi gives", ret.Return)
	case len(ret.ExecTraceBytes) == 0:
		return errors.New("tracing on, but no trace")
	case ret.ExecTraceBytes[0] != 0x87:
		return fmt.Errorf("trace does not start with a 7-tuple: %x", ret.ExecTraceBytes[:1])
	case ret.MinerTip.Int == nil || ret.Refund.Int == nil || ret.MinerPenalty.Int == nil || ret.BaseFeeBurn.Int == nil || ret.OverEstimationBurn.Int == nil:
		return errors.New("a nil fee amount")
	}
	return nil
}

// TestApplyImplicitMessage applies a vector's message as implicit: no fees move, so every
// fee output is zero, and the receipt has no inclusion gas.
func TestApplyImplicitMessage(t *testing.T) {
	e := getEnv(t)
	ctx := context.Background()
	f := nv18Vectors(t)[0]
	v, err := conformance.LoadVector(f)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := v.Messages()
	if err != nil {
		t.Fatal(err)
	}
	opts, err := e.vectorOpts(ctx, v, v.Preconditions.Variants[0])
	if err != nil {
		t.Fatal(err)
	}
	vm, err := ffi.CreateFVM(opts)
	if err != nil {
		t.Fatal(err)
	}
	ret, err := vm.ApplyImplicitMessage(msgs[0].Message.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]abi.TokenAmount{"penalty": ret.MinerPenalty, "tip": ret.MinerTip,
		"base fee burn": ret.BaseFeeBurn, "over-estimation burn": ret.OverEstimationBurn, "refund": ret.Refund} {
		if !a.IsZero() {
			t.Errorf("%s: %s, want 0 for an implicit message", name, a)
		}
	}
	if want := v.Postconditions.Receipts[0]; ret.ExitCode == 0 && ret.GasUsed >= want.GasUsed {
		t.Errorf("implicit gas used %d, explicit %d: the inclusion gas should be missing", ret.GasUsed, want.GasUsed)
	}
}

// TestBadInput checks the errors that name the problem: a message that does not decode,
// options filecoin-ffi refuses, and what go-fvm does not implement.
func TestBadInput(t *testing.T) {
	e := getEnv(t)
	ctx := context.Background()
	v, err := conformance.LoadVector(nv18Vectors(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	good := func() *ffi.FVMOpts {
		o, err := e.vectorOpts(ctx, v, v.Preconditions.Variants[0])
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	huge := big.Lsh(big.NewInt(1), 128)
	cases := []struct {
		name   string
		change func(*ffi.FVMOpts)
		want   string
	}{
		{"no externs", func(o *ffi.FVMOpts) { o.Externs = nil }, "FVMOpts.Externs is nil"},
		{"nil blockstore", func(o *ffi.FVMOpts) { o.Externs = vectorExterns{nodeStore{}, v} }, "panicked"},
		{"unknown network version", func(o *ffi.FVMOpts) { o.NetworkVersion = 30 }, "network version 30 not supported"},
		{"FVM v2 network version", func(o *ffi.FVMOpts) { o.NetworkVersion = 17 }, "network version 17 runs FVM v2, not supported by go-fvm"},
		{"FVM version", func(o *ffi.FVMOpts) { o.FVMVersion = 1 }, "unsupported FVM registered version 1"},
		{"no state root", func(o *ffi.FVMOpts) { o.StateBase = cid.Undef }, "invalid state root"},
		{"state not in store", func(o *ffi.FVMOpts) {
			o.StateBase = v.PostRoot()
			o.Externs = vectorExterns{nodeStore{blockstore.NewMemory()}, v}
		}, "create the FVM (nv18, state " + v.PostRoot().String()},
		{"negative base fee", func(o *ffi.FVMOpts) { o.BaseFee = big.NewInt(-1) }, "invalid basefee: negative number: -1"},
		{"unset base fee", func(o *ffi.FVMOpts) { o.BaseFee = big.Int{} }, "invalid basefee: not set"},
		{"huge circ supply", func(o *ffi.FVMOpts) { o.BaseCircSupply = huge }, "invalid circ supply: exceeds max bigint size"},
		{"debug", func(o *ffi.FVMOpts) { o.Debug = true }, "actor debugging (FVMOpts.Debug) is not supported by go-fvm"},
		{"flush all blocks at nv21", func(o *ffi.FVMOpts) { o.NetworkVersion = 21; o.FlushAllBlocks = true }, "FlushAllBlocks is not supported"},
	}
	for _, c := range cases {
		o := good()
		c.change(o)
		_, err := ffi.CreateFVM(o)
		t.Logf("%s: %v", c.name, err)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := ffi.CreateFVM(nil); err == nil {
		t.Error("CreateFVM(nil): no error")
	}

	o := good()
	o.FlushAllBlocks = true // ignored at nv18, as filecoin-ffi ignores it before nv21
	vm, err := ffi.CreateFVM(o)
	if err != nil {
		t.Fatalf("FlushAllBlocks at nv18: %v", err)
	}
	msgs, _ := v.Messages()
	signed := append([]byte{0x82}, msgs[0].Message.Bytes()...)
	signed = append(signed, 0x43, 0x01, 0xaa, 0xbb) // a byte-string "signature"
	for name, data := range map[string][]byte{
		"empty":          nil,
		"garbage":        {0xff, 0x00},
		"truncated":      msgs[0].Message.Bytes()[:20],
		"trailing bytes": append(msgs[0].Message.Bytes(), 0x00),
		"signed message": signed,
	} {
		if _, err := vm.ApplyMessage(data, 100); err == nil || !bytes.Contains([]byte(err.Error()), []byte("message does not decode")) {
			t.Errorf("%s: error %v, want \"message does not decode\"", name, err)
		}
		if _, err := vm.ApplyImplicitMessage(data); err == nil {
			t.Errorf("%s: implicit: no error", name)
		}
	}
	var none *ffi.FVM
	if _, err := none.ApplyMessage(msgs[0].Message.Bytes(), 100); err == nil {
		t.Error("nil FVM: no error")
	}
	if _, err := none.Flush(); err == nil {
		t.Error("nil FVM flush: no error")
	}
}

// TestSharedEngine creates an FVM without an engine: the process's shared one runs it, and
// gives the same receipt.
func TestSharedEngine(t *testing.T) {
	e := getEnv(t)
	ctx := context.Background()
	v, err := conformance.LoadVector(nv18Vectors(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	opts, err := e.vectorOpts(ctx, v, v.Preconditions.Variants[0])
	if err != nil {
		t.Fatal(err)
	}
	opts.Engine = nil
	opts.Tracing = false
	vm, err := ffi.CreateFVM(opts)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := v.Messages()
	ret, err := vm.ApplyMessage(msgs[0].Message.Bytes(), uint(msgs[0].ChainLength))
	if err != nil {
		t.Fatal(err)
	}
	if want := v.Postconditions.Receipts[0]; ret.ExitCode != uint64(want.ExitCode) || ret.GasUsed != want.GasUsed {
		t.Errorf("exit %d gas %d, want %d %d", ret.ExitCode, ret.GasUsed, want.ExitCode, want.GasUsed)
	}
	if ret.ExecTraceBytes != nil {
		t.Errorf("tracing off, but %d trace bytes", len(ret.ExecTraceBytes))
	}
}
