package machine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/state"
	"github.com/go-fvm/go-fvm/internal/wasm"
)

// ErrUnsupported is returned (wrapped) for a network version or state the
// machine cannot run.
var ErrUnsupported = errors.New("unsupported")

// DefaultMaxCallDepth is the deepest call stack (NetworkConfig default).
const DefaultMaxCallDepth = 1024

// TotalFilecoin returns the total supply, 2,000,000,000 FIL in attoFIL.
func TotalFilecoin() abi.TokenAmount {
	return big.Mul(big.NewInt(2_000_000_000), big.NewInt(1_000_000_000_000_000_000))
}

// Profile is what a network version selects: the FVM semantics (2 for
// nv16-17, 3 for nv18-20, 4 for nv21+), the price list, the limits, and the
// named switches and data where the reference FVM versions differ. Code
// consults these fields rather than comparing FVM versions; the syscall set
// (syscalls.HostModules) is chosen by FVMVersion.
type Profile struct {
	FVMVersion   int
	Prices       *gas.PriceList
	MaxCallDepth int
	// StateTreeVersion is the version of the state trees the machine runs on:
	// 4 (4-field actors) for v2, 5 (with delegated addresses) for v3 and v4.
	StateTreeVersion uint64
	// Instrumentation is how actor Wasm is rewritten before it is compiled
	// (fvm-wasm-instrument 0.2.0 with the v2 prices, or 0.4.0).
	Instrumentation wasm.Pipeline
	// InstantiationFailureExits makes a failure to instantiate actor code
	// (a trap in its start function) end the call with
	// SYS_ILLEGAL_INSTRUCTION (v3+); v2 treats it as fatal.
	InstantiationFailureExits bool
	// BlockCodecs are the codecs a block registry accepts on put, checked
	// after the charge (IllegalCodec): DAG-CBOR alone in v2, CBOR, DAG-CBOR
	// and raw in v3. Nil in v4, whose kernel checks codecs itself.
	BlockCodecs []uint64
	// MaxBlockSize is the largest block block_create accepts (1 MiB in v3
	// and v4); 0 means no limit (v2).
	MaxBlockSize int

	// DelegatedAddresses is FIP-0048/0055 (v3+): f4 addresses, placeholder
	// actors auto-created by sends, Ethereum accounts as message senders,
	// and create_actor's delegated address. Without it only account actors
	// send messages and a send to an unknown f4 address is NotFound.
	DelegatedAddresses bool
	// StateAccessCharges is FIP-0057 (v3+): the first read and the first
	// update of each actor in a message, and address resolutions, are
	// charged. v2 charges no state access.
	StateAccessCharges bool
	// Events is FIP-0049 (v3+): actors emit events and receipts carry the
	// events root.
	Events bool
	// SendChargedFirst selects v2's send charge (ref-fvm v2
	// call_manager/default.rs send_resolved): one OnSendV2 priced by value
	// and method, charged before any value moves, method 0 included, and
	// nothing for the transfer or the return value below the top level.
	// Without it (v3+), a transfer is charged OnValueTransfer and an
	// invocation OnMethodInvocation after the method-0 check.
	SendChargedFirst bool
	// CreateChargedBeforeBLSCheck is v2's order when a send auto-creates an
	// account: OnCreateActor is charged before the zero BLS address is
	// refused (v3+ refuses it first).
	CreateChargedBeforeBLSCheck bool
	// OriginKeyAddress makes new actor (f2) addresses derive from the key
	// address of the message's sender (v2 new_actor_address resolves it);
	// v3+ use the message's from address as given.
	OriginKeyAddress bool
	// BatchSealsPrepaid is v2's batch_verify_seals, which charges nothing
	// (the power actor paid when it queued the seals); v3+ charge
	// OnVerifySeal per seal.
	BatchSealsPrepaid bool
	// ParamsCodec is the codec of the params blocks the FVM itself makes (a
	// message's params, an auto-created account's constructor params): CBOR
	// in v3+, DAG-CBOR in v2.
	ParamsCodec uint64
	// RawSendParams makes a message's params to method 0 a raw block (v3+).
	RawSendParams bool

	// Reachability is v4's IPLD reachability (ref-fvm v4 kernel/default.rs):
	// an actor opens only blocks it can reach (its state root, its params,
	// the returns it received and the blocks it opened or linked), open and
	// create scan links and charge by size and links, and set_root refuses
	// an unreachable root. v2 and v3 track nothing.
	Reachability bool
	// RootCharges charges get_root and set_root (OnGetRoot, OnSetRoot: v4).
	RootCharges bool
	// UnlimitedTipsetLookback lets tipset_cid serve any past epoch (v4); v2
	// and v3 refuse finality and beyond.
	UnlimitedTipsetLookback bool
	// TraceAccountConstructor traces the constructor call of an account a
	// send creates (v2, v3); v4 traces only explicit invocations.
	TraceAccountConstructor bool
	// DepthFailurePopsLimit pops a send's gas limit when the call-depth check
	// refuses it (v4). Quirk (ref-fvm v3 call_manager/default.rs send): v3
	// returns early and leaves the limit pushed.
	DepthFailurePopsLimit bool
	// MissingInvokeFatal makes code without an invoke export a fatal error
	// (v2, v3); v4 ends the call with SYS_INVALID_RECEIVER.
	MissingInvokeFatal bool
	// CircSupplyDefaultsToTotal makes an unset circulating supply the total
	// supply (ref-fvm NetworkConfig::for_epoch in v2 and v3); it is zero in v4.
	CircSupplyDefaultsToTotal bool
}

// IPLD codecs of the block registries (the kernel's constants).
const (
	codecCBOR    = 0x51
	codecDagCBOR = 0x71
	codecRaw     = 0x55
)

// ProfileFor returns the profile of a network version.
//
// Quirk (ref-fvm v4.8.2 machine/default.rs): a default build runs nv21-28 and
// refuses nv29; its nv29-dev feature adds nv29 with nothing else changed (the
// Teep prices, the same syscalls). We run nv29 as that feature does: it is
// the upgrade lotus schedules next (actors v19).
func ProfileFor(nv network.Version) (*Profile, error) {
	var build func(*gas.PriceList) *Profile
	switch {
	case nv >= network.Version16 && nv <= network.Version17:
		build = profileV2
	case nv >= network.Version18 && nv <= network.Version20:
		build = profileV3
	case nv >= network.Version21 && nv <= network.Version29:
		build = profileV4
	default:
		return nil, fmt.Errorf("%w: network version %d (go-fvm runs nv16-29)", ErrUnsupported, nv)
	}
	prices, err := gas.PriceListByNetworkVersion(nv)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return build(prices), nil
}

// InstrumentationFor returns the Wasm instrumentation of an FVM version's
// profiles (Profile.Instrumentation), for engines set up before any machine.
func InstrumentationFor(fvmVersion int) (wasm.Pipeline, error) {
	switch fvmVersion {
	case 2:
		return wasm.FVMPipelineV2(), nil
	case 3, 4:
		return wasm.FVMPipeline(), nil
	default:
		return wasm.Pipeline{}, fmt.Errorf("%w: FVM v%d", ErrUnsupported, fvmVersion)
	}
}

// profileV3 is FVM v3 (ref-fvm fvm@v3.14.1, nv18-20), the base of v4.
func profileV3(prices *gas.PriceList) *Profile {
	return &Profile{
		FVMVersion: 3, Prices: prices, MaxCallDepth: DefaultMaxCallDepth,
		StateTreeVersion: state.Version5, Instrumentation: wasm.FVMPipeline(),
		InstantiationFailureExits: true,
		BlockCodecs:               []uint64{codecCBOR, codecDagCBOR, codecRaw}, MaxBlockSize: 1 << 20,
		DelegatedAddresses: true, StateAccessCharges: true, Events: true,
		ParamsCodec: codecCBOR, RawSendParams: true,
		TraceAccountConstructor: true, MissingInvokeFatal: true, CircSupplyDefaultsToTotal: true,
	}
}

// profileV4 is FVM v4 (ref-fvm fvm@v4.8.2, nv21+): v3's switches, with the
// codec checks in the kernel.
func profileV4(prices *gas.PriceList) *Profile {
	p := profileV3(prices)
	p.FVMVersion = 4
	p.BlockCodecs = nil
	p.Reachability, p.RootCharges, p.UnlimitedTipsetLookback, p.DepthFailurePopsLimit = true, true, true, true
	p.TraceAccountConstructor, p.MissingInvokeFatal, p.CircSupplyDefaultsToTotal = false, false, false
	return p
}

// profileV2 is FVM v2 (ref-fvm fvm@v2.12.1, nv16-17, actors v8 and v9).
func profileV2(prices *gas.PriceList) *Profile {
	return &Profile{
		FVMVersion: 2, Prices: prices,
		// Quirk (ref-fvm v2 call_manager/default.rs send): the depth is
		// checked before it is incremented and the top-level call is not
		// counted, so 1025 nested calls run where v3 allows 1024.
		MaxCallDepth:     DefaultMaxCallDepth + 1,
		StateTreeVersion: state.Version4, Instrumentation: wasm.FVMPipelineV2(),
		BlockCodecs: []uint64{codecDagCBOR},
		// ref-fvm v2 executor/default.rs and call_manager/default.rs: message
		// params (to method 0 too) and account constructor params are DAG-CBOR.
		ParamsCodec:      codecDagCBOR,
		SendChargedFirst: true, CreateChargedBeforeBLSCheck: true,
		OriginKeyAddress: true, BatchSealsPrepaid: true,
		TraceAccountConstructor: true, MissingInvokeFatal: true, CircSupplyDefaultsToTotal: true,
	}
}

// Config is the context a machine runs messages in.
type Config struct {
	NetworkVersion network.Version
	Epoch          abi.ChainEpoch
	Timestamp      uint64
	BaseFee        abi.TokenAmount
	// CircSupply is the circulating supply. Unset (a nil big.Int), it is
	// TotalFilecoin for FVM v2 and v3 (nv16-20) and 0 for v4, as in the
	// reference.
	CircSupply abi.TokenAmount
	ChainID    uint64
	// StateRoot is the state the machine starts from.
	StateRoot cid.Cid
	// Blockstore holds the state and the actor code; the machine buffers its
	// writes and flushes only what the new state root reaches.
	Blockstore blockstore.Blockstore
	// Externs supply randomness, tipset CIDs and consensus-fault checks.
	Externs externs.Externs
	// Proofs verifies storage proofs. Nil means externs.NoProofVerifier,
	// which refuses (fatally) to verify anything.
	Proofs externs.ProofVerifier
	// Timings, when set, records where execution time goes.
	Timings *Timings
	// Nodes, when set, keeps the state tree's parsed nodes across machines.
	Nodes *state.NodeCache
	// Manifests, when set, keeps decoded manifests across machines.
	Manifests *ManifestCache
}

// Machine is the state a sequence of messages runs against.
type Machine struct {
	Config
	Profile  *Profile
	Blocks   *blockstore.Buffered
	Tree     *state.StateTree
	Manifest *bundle.Manifest

	// Codes of the builtin actors the machine itself needs (the placeholder
	// and Ethereum account codes only with Profile.DelegatedAddresses).
	AccountCode, PlaceholderCode, EthAccountCode cid.Cid
}

// New loads the state root and the manifest its system actor names.
func New(ctx context.Context, cfg Config) (*Machine, error) {
	profile, err := ProfileFor(cfg.NetworkVersion)
	if err != nil {
		return nil, err
	}
	if cfg.BaseFee.Int == nil {
		cfg.BaseFee = big.Zero()
	}
	if cfg.Proofs == nil {
		cfg.Proofs = externs.NoProofVerifier{}
	}
	if cfg.Externs == nil {
		return nil, fmt.Errorf("%w: machine config has no externs", ErrUnsupported)
	}
	if cfg.CircSupply.Int == nil {
		// ref-fvm NetworkConfig::for_epoch: TOTAL_FILECOIN in v2 and v3, zero
		// in v4.
		cfg.CircSupply = big.Zero()
		if profile.CircSupplyDefaultsToTotal {
			cfg.CircSupply = TotalFilecoin()
		}
	}
	buf := blockstore.NewBuffered(cfg.Blockstore)
	// The empty array is the info of every root and the head of new actors;
	// some CARs lack it.
	empty, _ := blocks.NewBlockWithCid([]byte{0x80}, state.EmptyArrayCID)
	if err := buf.Put(ctx, empty); err != nil {
		return nil, err
	}
	tree, err := state.LoadCached(ctx, buf, cfg.StateRoot, cfg.Nodes)
	if err != nil {
		return nil, err
	}
	if tree.Version() != profile.StateTreeVersion {
		return nil, fmt.Errorf("%w: state tree version %d (nv%d needs %d)", ErrUnsupported, tree.Version(), cfg.NetworkVersion, profile.StateTreeVersion)
	}
	data, err := tree.ManifestData(ctx)
	if err != nil {
		return nil, err
	}
	manifest, err := cfg.Manifests.Load(ctx, buf, data)
	if err != nil {
		return nil, err
	}
	m := &Machine{Config: cfg, Profile: profile, Blocks: buf, Tree: tree, Manifest: manifest}
	codes := map[string]*cid.Cid{"account": &m.AccountCode}
	if profile.DelegatedAddresses {
		codes["placeholder"], codes["ethaccount"] = &m.PlaceholderCode, &m.EthAccountCode
	}
	for _, name := range slices.Sorted(maps.Keys(codes)) {
		c, ok := manifest.Code(name)
		if !ok {
			return nil, fmt.Errorf("%w: manifest %s has no %s actor", ErrUnsupported, data, name)
		}
		*codes[name] = c
	}
	return m, nil
}

// Flush writes the state tree and moves the blocks its root reaches to the
// base blockstore. It returns the new state root.
func (m *Machine) Flush(ctx context.Context) (cid.Cid, error) {
	m.Timings.Enter(PhaseBlocks)
	defer m.Timings.Exit()
	root, err := m.Tree.Flush(ctx)
	if err != nil {
		return cid.Undef, err
	}
	if err := m.Blocks.Flush(ctx, root); err != nil {
		return cid.Undef, err
	}
	return root, nil
}
