package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/filecoin-project/go-state-types/abi"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/google/pprof/profile"
	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/internal/state"
	"github.com/go-fvm/go-fvm/message"
	"github.com/go-fvm/go-fvm/trace"
)

// traceFlags are the options of fvm trace.
type traceFlags struct {
	asJSON   bool
	pprof    string
	index    int
	message  string
	car      string
	root     string
	nv       uint
	epoch    int64
	baseFee  string
	cacheDir string
}

func newTraceCmd() *cobra.Command {
	var f traceFlags
	cmd := &cobra.Command{
		Use:   "trace [VECTOR]",
		Short: "Run a message and print its call tree decoded: methods by name, params and returns by field, gas, events",
		Long: "Run a vector's messages (fvm trace VECTOR), or one message over a state of your own\n" +
			"(fvm trace --message HEX|BASE64|@FILE --car STATE.car), and print each message's call tree:\n" +
			"for each call the actor (address, kind, actors version), the method's name, the params and\n" +
			"return decoded into their fields (go-state-types' types of that actors version), the exit\n" +
			"code and the gas with its charges; EVM calls with their selector and calldata; the events.\n" +
			"--json prints one JSON object per message; --pprof FILE writes the gas charges as a pprof\n" +
			"profile (go tool pprof -http=: FILE draws the flame graph).\n" +
			"With --message, the state's actors code comes from the bundle its manifest names, randomness\n" +
			"is synthetic and proofs are accepted unchecked.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 1 && f.message != "":
				return errors.New("give a VECTOR or --message, not both")
			case len(args) == 0 && f.message == "":
				return errors.New("give a VECTOR, or --message with --car")
			}
			return runTrace(cmd, args, &f)
		},
	}
	defaultCache, _ := fvm.DefaultCacheDir()
	fl := cmd.Flags()
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per message")
	fl.StringVar(&f.pprof, "pprof", "", "write the gas charges as a pprof profile to this file")
	fl.IntVar(&f.index, "index", -1, "trace only this message of the vector (0-based; the ones before it still run)")
	fl.StringVar(&f.message, "message", "", "the message's chain bytes (signed or not): hex, base64, or @FILE of raw bytes")
	fl.StringVar(&f.car, "car", "", "with --message: a CAR holding the state")
	fl.StringVar(&f.root, "root", "", "with --message: the state root (default: the CAR's first root)")
	fl.UintVar(&f.nv, "nv", 0, "with --message: the network version (default: the newest that runs the state's actors)")
	fl.Int64Var(&f.epoch, "epoch", 0, "with --message: the epoch")
	fl.StringVar(&f.baseFee, "base-fee", "100", "with --message: the base fee in attoFIL")
	fl.StringVar(&f.cacheDir, "cache-dir", defaultCache, "compiled-code cache (empty: none)")
	return cmd
}

// traced is one message's decoded execution, as --json prints it.
type traced struct {
	Index    int               `json:"index"`
	Message  cid.Cid           `json:"message"`
	ExitCode exitcode.ExitCode `json:"exit_code"`
	GasUsed  int64             `json:"gas_used"`
	Return   trace.Bytes       `json:"return,omitempty"`
	Failure  string            `json:"failure,omitempty"`
	Call     *trace.Call       `json:"call"`
	Events   []trace.Event     `json:"events,omitempty"`
}

// traceRun is what the messages run against.
type traceRun struct {
	name string
	cfg  fvm.Config
	msgs []*message.Decoded
}

func runTrace(cmd *cobra.Command, args []string, f *traceFlags) error {
	ctx := cmd.Context()
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: f.cacheDir})
	if err != nil {
		return err
	}
	defer eng.Close(ctx)
	var run *traceRun
	if len(args) == 1 {
		run, err = vectorRun(ctx, cmd, args[0])
	} else {
		run, err = messageRun(ctx, cmd, f)
	}
	if err != nil {
		return err
	}
	if f.index >= len(run.msgs) {
		return fmt.Errorf("--index %d: %s has %d messages", f.index, run.name, len(run.msgs))
	}
	run.cfg.Engine, run.cfg.Tracing, run.cfg.Proofs = eng, true, externs.AcceptAllProofs{}
	vm, err := fvm.New(ctx, run.cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", run.name, err)
	}
	defer vm.Close(ctx)
	lookup, err := trace.VMLookup(vm)
	if err != nil {
		return fmt.Errorf("%s: %w", run.name, err)
	}
	var profiles []*profile.Profile
	for i, d := range run.msgs {
		ret, err := vm.ApplyMessage(ctx, &d.Message, d.ChainLength)
		if err != nil {
			return fmt.Errorf("%s: message %d: %w", run.name, i, err)
		}
		if f.index >= 0 && i != f.index {
			continue
		}
		t := traced{Index: i, Message: d.Message.Cid(), ExitCode: ret.Receipt.ExitCode, GasUsed: ret.Receipt.GasUsed,
			Return: ret.Receipt.Return, Failure: ret.FailureInfo, Call: trace.Decode(ret.Trace, lookup), Events: trace.DecodeEvents(ret.Events)}
		if err := printTraced(cmd.OutOrStdout(), &t, f.asJSON); err != nil {
			return err
		}
		profiles = append(profiles, trace.Profile(t.Call))
	}
	if f.pprof != "" {
		return writeProfile(f.pprof, profiles)
	}
	return nil
}

func printTraced(out io.Writer, t *traced, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(out).Encode(t)
	}
	fmt.Fprintf(out, "message %d %s: exit %d, gas used %d", t.Index, t.Message, t.ExitCode, t.GasUsed)
	if len(t.Return) > 0 {
		fmt.Fprintf(out, ", return %s", t.Return)
	}
	fmt.Fprintln(out)
	if t.Failure != "" {
		fmt.Fprintf(out, "failure: %s\n", t.Failure)
	}
	if t.Call == nil {
		fmt.Fprintln(out, "no call was made")
	} else if err := trace.WriteText(out, t.Call); err != nil {
		return err
	}
	return trace.WriteEventsText(out, t.Events)
}

func writeProfile(path string, profiles []*profile.Profile) error {
	if len(profiles) == 0 {
		return errors.New("--pprof: no message was traced")
	}
	p, err := profile.Merge(profiles)
	if err != nil {
		return fmt.Errorf("--pprof: %w", err)
	}
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--pprof: %w", err)
	}
	if err := p.Write(file); err != nil {
		file.Close()
		return fmt.Errorf("--pprof %s: %w", path, err)
	}
	return file.Close()
}

// vectorRun sets a vector up as the conformance runner does (its first variant).
func vectorRun(ctx context.Context, cmd *cobra.Command, path string) (*traceRun, error) {
	v, err := conformance.LoadVector(path)
	if err != nil {
		return nil, err
	}
	msgs, err := v.Messages()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	variant := v.Preconditions.Variants[0]
	nv := network.Version(variant.NV)
	bs, err := stateStore(ctx, cmd, nv, v.PreRoot(), func(bs blockstore.Blockstore) error { return v.LoadCAR(ctx, bs) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	circ := v.CircSupply()
	if nv >= network.Version21 {
		circ = fbig.Zero() // the v4 reference harness keeps the default, zero
	}
	return &traceRun{name: path, msgs: msgs, cfg: fvm.Config{
		NetworkVersion: nv, Epoch: abi.ChainEpoch(variant.Epoch), Timestamp: uint64(variant.Epoch) * 30,
		BaseFee: v.BaseFee(), CircSupply: circ, StateRoot: v.PreRoot(), Blockstore: bs, Externs: v.Externs(),
	}}, nil
}

// messageRun sets up one message over a CAR's state.
func messageRun(ctx context.Context, cmd *cobra.Command, f *traceFlags) (*traceRun, error) {
	if f.car == "" {
		return nil, errors.New("--message needs --car, the state to run it on")
	}
	data, err := messageBytes(f.message)
	if err != nil {
		return nil, err
	}
	d, err := message.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("--message: %w", err)
	}
	baseFee, err := fbig.FromString(f.baseFee)
	if err != nil || baseFee.Sign() < 0 {
		return nil, fmt.Errorf("--base-fee %q: not a non-negative integer", f.baseFee)
	}
	var roots []cid.Cid
	load := func(bs blockstore.Blockstore) error {
		file, err := os.Open(f.car)
		if err != nil {
			return err
		}
		defer file.Close()
		roots, _, err = blockstore.LoadCAR(ctx, file, bs)
		return err
	}
	if err := load(blockstore.NewMemory()); err != nil {
		return nil, fmt.Errorf("--car %s: %w", f.car, err)
	}
	root, err := stateRoot(f.root, roots)
	if err != nil {
		return nil, fmt.Errorf("--car %s: %w", f.car, err)
	}
	bs, err := stateStore(ctx, cmd, network.Version(f.nv), root, load)
	if err != nil {
		return nil, fmt.Errorf("--car %s: %w", f.car, err)
	}
	nv := network.Version(f.nv)
	if nv == 0 {
		if nv, err = newestNV(ctx, bs, root); err != nil {
			return nil, err
		}
	}
	return &traceRun{name: "--message " + d.Message.Cid().String(), msgs: []*message.Decoded{d}, cfg: fvm.Config{
		NetworkVersion: nv, Epoch: abi.ChainEpoch(f.epoch), Timestamp: uint64(max(f.epoch, 0)) * 30,
		BaseFee: baseFee, StateRoot: root, Blockstore: bs, Externs: externs.Synthetic{},
	}}, nil
}

// messageBytes reads --message: @FILE, hex (0x optional) or base64.
func messageBytes(s string) ([]byte, error) {
	if name, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--message: %w", err)
		}
		return b, nil
	}
	if b, err := hex.DecodeString(strings.TrimPrefix(s, "0x")); err == nil {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, fmt.Errorf("--message %.20q: neither hex nor base64 (nor @FILE)", s)
}

func stateRoot(flag string, roots []cid.Cid) (cid.Cid, error) {
	if flag != "" {
		c, err := cid.Parse(flag)
		if err != nil {
			return cid.Undef, fmt.Errorf("--root %q: %w", flag, err)
		}
		return c, nil
	}
	if len(roots) == 0 {
		return cid.Undef, errors.New("the CAR names no root: give --root")
	}
	return roots[0], nil
}

// stateStore returns a store holding the state (put there by load) and the code of the
// bundle its system actor names.
func stateStore(ctx context.Context, cmd *cobra.Command, nv network.Version, root cid.Cid, load func(blockstore.Blockstore) error) (blockstore.Blockstore, error) {
	state0 := blockstore.NewMemory()
	if err := load(state0); err != nil {
		return nil, err
	}
	k, err := stateBundle(ctx, state0, root)
	if err != nil {
		return nil, err
	}
	version := k.Version
	if nv != 0 {
		if v, err := bundle.ActorsVersionFor(nv); err == nil {
			version = v // a manifest shared by two versions (v18, v19) is the network version's
		}
	}
	path, err := locator(cmd).Path(ctx, version)
	if err != nil {
		return nil, err
	}
	bundles := blockstore.NewMemory()
	if _, err := bundle.LoadFile(ctx, path, bundle.Selector{Version: version, Networks: []string{k.Network}}, bundles); err != nil {
		return nil, err
	}
	bs := blockstore.NewBuffered(bundles)
	return bs, load(bs)
}

// stateBundle says which known bundle a state's system actor names.
func stateBundle(ctx context.Context, bs blockstore.Blockstore, root cid.Cid) (bundle.Known, error) {
	tree, err := state.Load(ctx, bs, root)
	if err != nil {
		return bundle.Known{}, fmt.Errorf("state %s: %w", root, err)
	}
	data, err := tree.ManifestData(ctx)
	if err != nil {
		return bundle.Known{}, fmt.Errorf("state %s: %w", root, err)
	}
	k, ok := bundle.IdentifyData(data)
	if !ok {
		return bundle.Known{}, fmt.Errorf("state %s: its manifest (data %s) is not a known bundle", root, data)
	}
	return k, nil
}

// newestNV is the newest network version that runs the state's actors version.
func newestNV(ctx context.Context, bs blockstore.Blockstore, root cid.Cid) (network.Version, error) {
	k, err := stateBundle(ctx, bs, root)
	if err != nil {
		return 0, err
	}
	nvs := bundle.NetworkVersionsFor(k.Version)
	if len(nvs) == 0 {
		return 0, fmt.Errorf("actors v%d: no network version runs it", k.Version)
	}
	return nvs[len(nvs)-1], nil
}
