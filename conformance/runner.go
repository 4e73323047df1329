package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/message"
)

// Status is how a vector ended.
type Status string

// Vector outcomes.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// SkipRule skips the vectors whose path matches, with the reason printed.
type SkipRule struct {
	Path   *regexp.Regexp
	Reason string
}

// ReferenceSkips are the vectors ref-fvm's own runner (testing/conformance
// at fvm@v3.14.1) skips: proofs are faked as valid there, so a successful
// PoSt dispute cannot be reproduced. (It also skips the nv17 corpus by its
// path, as v3 does not run nv17; go-fvm decides by each vector's network
// version instead, see Vector.UnsupportedVariant.)
var ReferenceSkips = []SkipRule{
	{regexp.MustCompile(`.*/DisputeWindowedPoSt/Ok/.*`), "the reference runner fakes PoSt verification as valid, so a successful dispute cannot be reproduced"},
}

// timestampPerEpoch is the block time the reference runner assumes.
const timestampPerEpoch = 30

// bundleVersions are the actors bundles the reference runners seed every
// vector's blockstore with (v9 in the v2 runner, v10 and v11 in v3's), and
// v8, the other nv16-17 bundle.
var bundleVersions = []int{8, 9, 10, 11}

// Runner runs message vectors through the public VM. It is safe for
// concurrent use: vectors share the bundles (read-only) and the engine's
// compiled code.
type Runner struct {
	// Profile records, per vector, where execution time goes (Result.Phases).
	Profile bool
	// Repeat runs each vector this many times (at least once) in the same
	// process, as a node meets the same kinds of messages again and again:
	// Result.Duration is then the best run and Result.Runs has every run.
	// Every run is checked against the vector.
	Repeat int

	bundles  *blockstore.Memory
	engine   *fvm.Engine
	skips    []SkipRule
	progress Progress
}

// Progress reports the compilation of a bundle's actors: done of total
// actors of actors version `version` are compiled (or loaded from the
// engine's cache), the last being name.
type Progress func(version, done, total int, name string)

// Option configures NewRunner.
type Option func(*Runner)

// WithProgress has NewRunner report each actor it compiles.
func WithProgress(p Progress) Option {
	return func(r *Runner) { r.progress = p }
}

// NewRunner loads the mainnet bundles the vectors need and compiles their
// actors on eng.
func NewRunner(ctx context.Context, eng *fvm.Engine, loc bundle.Locator, skips []SkipRule, opts ...Option) (*Runner, error) {
	r := &Runner{bundles: blockstore.NewMemory(), engine: eng, skips: skips}
	for _, o := range opts {
		o(r)
	}
	for _, v := range bundleVersions {
		path, err := loc.Path(ctx, v)
		if err != nil {
			return nil, err
		}
		bs, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: v, Networks: []string{"mainnet"}}, r.bundles)
		if err != nil {
			return nil, err
		}
		var report func(done, total int, name string)
		if r.progress != nil {
			report = func(done, total int, name string) { r.progress(v, done, total, name) }
		}
		if err := eng.Precompile(ctx, r.bundles, bs[0].Manifest.Root, report); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Result is the outcome of one vector.
type Result struct {
	Path   string
	ID     string
	Status Status
	// Reason is the first mismatch of a failure, or why a vector was
	// skipped. It does not repeat the path.
	Reason string
	// GasUsed is the gas the vector's messages used.
	GasUsed int64
	// Duration is the time spent applying messages and flushing (not
	// loading): the best of the runs when the runner repeats.
	Duration time.Duration
	// Runs is the execution time of each run, in order, when the runner
	// repeats vectors (Runner.Repeat > 1).
	Runs []time.Duration `json:",omitempty"`
	// CPU is the CPU time the process used while executing, the least of
	// the runs: a figure a loaded machine distorts less than Duration, but
	// one that means something only when vectors run one at a time (it
	// counts every thread: the garbage collector's, and other vectors').
	CPU time.Duration `json:",omitempty"`
	// Receipts and Roots are what the vector's messages produced, per
	// variant: for determinism checks.
	Receipts []fvm.Receipt `json:",omitempty"`
	Roots    []cid.Cid     `json:",omitempty"`
	// Phases splits Duration by machine.Phase, when the runner profiles.
	Phases map[string]time.Duration `json:",omitempty"`
}

// RunFile loads and runs the vector at path. Any problem with the vector is
// a failed result, never an error or a panic.
func (r *Runner) RunFile(ctx context.Context, path string) (res Result) {
	res = Result{Path: path}
	defer func() {
		if p := recover(); p != nil {
			res.Status, res.Reason = Fail, fmt.Sprintf("panic: %v", p)
		}
	}()
	for _, s := range r.skips {
		if s.Path.MatchString(path) {
			res.Status, res.Reason = Skip, s.Reason
			return res
		}
	}
	v, err := loadVector(path) // Result.Path names the file
	if err != nil {
		res.Status, res.Reason = Fail, err.Error()
		return res
	}
	res.ID = v.ID()
	if reason, skip := unsupportedSelector(v); skip {
		res.Status, res.Reason = Skip, reason
		return res
	}
	if reason, skip := v.UnsupportedVariant(); skip {
		res.Status, res.Reason = Skip, reason
		return res
	}
	lv, err := load(ctx, v)
	if err != nil {
		res.Status, res.Reason = Fail, err.Error()
		return res
	}
	if err := r.runLoaded(ctx, lv, &res); err != nil {
		res.Status, res.Reason = Fail, err.Error()
		return res
	}
	res.Status = Pass
	return res
}

// loaded is a vector with its messages and CAR decoded. The CAR is decoded
// once; each run gets a store of its own holding its blocks, so that no run
// finds the blocks an earlier one wrote.
type loaded struct {
	v    *Vector
	msgs []*message.Decoded
	car  blockList
}

func load(ctx context.Context, v *Vector) (*loaded, error) {
	msgs, err := v.Messages()
	if err != nil {
		return nil, err
	}
	lv := &loaded{v: v, msgs: msgs}
	if err := v.LoadCAR(ctx, &lv.car); err != nil {
		return nil, err
	}
	return lv, nil
}

// runLoaded runs every variant of a vector Repeat times, keeping the best
// run's time and phases. The receipts and roots are the first run's.
func (r *Runner) runLoaded(ctx context.Context, lv *loaded, res *Result) error {
	for i := range max(1, r.Repeat) {
		run := Result{}
		for _, variant := range lv.v.Preconditions.Variants {
			if err := r.runVariant(ctx, lv, variant, &run); err != nil {
				return fmt.Errorf("variant %s: %w", variant.ID, err)
			}
		}
		if i == 0 || run.Duration < res.Duration {
			res.Duration, res.Phases = run.Duration, run.Phases
		}
		if i == 0 || run.CPU < res.CPU {
			res.CPU = run.CPU
		}
		if i == 0 {
			res.GasUsed, res.Receipts, res.Roots = run.GasUsed, run.Receipts, run.Roots
		}
		if r.Repeat > 1 {
			res.Runs = append(res.Runs, run.Duration)
		}
	}
	return nil
}

// unsupportedSelector mirrors the reference runner's selector checks.
func unsupportedSelector(v *Vector) (string, bool) {
	switch {
	case v.Selector["chaos_actor"] == "true":
		return "needs the chaos actor", true
	case v.Selector["requires:consensus_fault_extern"] == "true":
		return "needs a consensus-fault extern", true
	case v.Selector["min_protocol_version"] == "chocolate":
		return "needs protocol version chocolate", true
	}
	return "", false
}

// runVariant applies the vector's messages at one variant and checks the
// receipts and the post-state root.
func (r *Runner) runVariant(ctx context.Context, lv *loaded, variant Variant, res *Result) error {
	v, msgs := lv.v, lv.msgs
	store := blockstore.NewBuffered(r.bundles)
	for _, b := range lv.car {
		if err := store.Put(ctx, b); err != nil {
			return err
		}
	}
	var timings *fvm.Timings
	if r.Profile {
		timings = &fvm.Timings{}
		defer res.addPhases(timings)
	}
	nv := network.Version(variant.NV)
	circSupply := v.CircSupply()
	if nv >= network.Version21 {
		// The v4 reference harness does not take the circulating supply from
		// the vector: it keeps the MachineContext default, zero.
		circSupply = fbig.Zero()
	}
	vm, err := fvm.New(ctx, fvm.Config{
		NetworkVersion: nv,
		Epoch:          abi.ChainEpoch(variant.Epoch),
		Timestamp:      uint64(variant.Epoch) * timestampPerEpoch,
		BaseFee:        v.BaseFee(),
		CircSupply:     circSupply,
		StateRoot:      v.PreRoot(),
		Blockstore:     store,
		Externs:        v.Externs(),
		Proofs:         externs.AcceptAllProofs{},
		Engine:         r.engine,
		Timings:        timings,
	})
	if err != nil {
		return err
	}
	start := time.Now()
	cpuStart, cpuOK := processCPUTime()
	defer func() {
		res.Duration += time.Since(start)
		if cpuEnd, ok := processCPUTime(); ok && cpuOK {
			res.CPU += cpuEnd - cpuStart
		}
	}()
	for i, d := range msgs {
		ret, err := vm.ApplyMessage(ctx, &d.Message, d.ChainLength)
		if err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		res.GasUsed += ret.Receipt.GasUsed
		res.Receipts = append(res.Receipts, ret.Receipt)
		if err := compareReceipt(ret, v.Postconditions.Receipts[i]); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	root, err := vm.Flush(ctx)
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	res.Roots = append(res.Roots, root)
	if root != v.PostRoot() {
		return fmt.Errorf("state root %s, expected %s%s", root, v.PostRoot(), diffRoots(ctx, store, root, v.PostRoot(), touched(ctx, vm, msgs)))
	}
	return nil
}

func compareReceipt(ret *fvm.ApplyRet, want Receipt) error {
	got := ret.Receipt
	switch {
	case int64(got.ExitCode) != want.ExitCode:
		return fmt.Errorf("exit code %d, expected %d (%s)", got.ExitCode, want.ExitCode, ret.FailureInfo)
	case !bytes.Equal(got.Return, want.Return):
		return fmt.Errorf("return %x, expected %x", got.Return, []byte(want.Return))
	case got.GasUsed != want.GasUsed:
		return fmt.Errorf("gas used %d, expected %d (%+d)", got.GasUsed, want.GasUsed, got.GasUsed-want.GasUsed)
	}
	return nil
}

// Externs returns the externs the reference runner gives a vector: its
// randomness replayed, no tipset CIDs, no consensus fault.
func (v *Vector) Externs() externs.Externs { return replayExterns{v} }

// blockList collects the blocks of a CAR, in order.
type blockList []blocks.Block

func (l *blockList) Put(_ context.Context, b blocks.Block) error {
	*l = append(*l, b)
	return nil
}

func (l *blockList) Get(_ context.Context, c cid.Cid) (blocks.Block, error) {
	return nil, fmt.Errorf("%w: %s (a block list is written, not read)", blockstore.ErrNotFound, c)
}

func (l *blockList) Has(context.Context, cid.Cid) (bool, error) { return false, nil }

// replayExterns replays a vector's randomness; the rest of the externs are
// what the reference runner provides: no consensus fault, no tipset CIDs.
type replayExterns struct{ v *Vector }

func (e replayExterns) GetChainRandomness(_ context.Context, round abi.ChainEpoch) ([32]byte, error) {
	return replay(e.v.ReplayRandomness(RandomnessChain, int64(round)))
}

func (e replayExterns) GetBeaconRandomness(_ context.Context, round abi.ChainEpoch) ([32]byte, error) {
	return replay(e.v.ReplayRandomness(RandomnessBeacon, int64(round)))
}

func replay(b []byte) ([32]byte, error) {
	if len(b) != 32 {
		return [32]byte{}, fmt.Errorf("replayed randomness has %d bytes, not 32", len(b))
	}
	return [32]byte(b), nil
}

// errNoTipsets is what the runner answers for tipset CIDs, as the reference's.
var errNoTipsets = errors.New("conformance vectors carry no tipset CIDs")

func (replayExterns) TipsetCid(context.Context, abi.ChainEpoch) (cid.Cid, error) {
	return cid.Undef, errNoTipsets
}

func (replayExterns) VerifyConsensusFault(context.Context, []byte, []byte, []byte) (externs.ConsensusFault, error) {
	return externs.ConsensusFault{Type: externs.FaultNone}, nil
}

// touched lists the actors a root mismatch is checked on, as the reference
// runner does: each message's sender and receiver, and actors 0 to 99.
func touched(ctx context.Context, vm *fvm.VM, msgs []*message.Decoded) []uint64 {
	var ids []uint64
	for _, d := range msgs {
		for _, a := range []address.Address{d.Message.From, d.Message.To} {
			if id, err := vm.LookupID(ctx, a); err == nil {
				ids = append(ids, uint64(id))
			}
		}
	}
	for id := uint64(0); id < 100; id++ {
		ids = append(ids, id)
	}
	return ids
}

// addPhases adds a variant's timings to the result.
func (res *Result) addPhases(t *fvm.Timings) {
	if res.Phases == nil {
		res.Phases = map[string]time.Duration{}
	}
	for p, d := range t.Phases() {
		res.Phases[p] += d
	}
}
