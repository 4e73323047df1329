package fvm_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/network"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/internal/state"
	"github.com/go-fvm/go-fvm/internal/testworld"
	"github.com/go-fvm/go-fvm/message"
)

// v4Release is an actors version and a network version that runs it.
type v4Release struct {
	actors int
	nv     network.Version
}

// v4Releases are the FVM v4 network versions with their actors, one per
// actors version (lotus v1.36.2 ships bundles up to v19; nv29 runs as
// ref-fvm's nv29-dev feature does).
var v4Releases = []v4Release{
	{12, network.Version21}, {13, network.Version22}, {14, network.Version23},
	{15, network.Version24}, {16, network.Version25}, {17, network.Version27},
	{18, network.Version28}, {19, network.Version29},
}

// today is the release mainnet runs today (nv28 FireHorse, actors v18).
var today = v4Release{bundle.DefaultActorsVersion, bundle.DefaultNetworkVersion}

// v4World is a VM of an actors release (FVM v4) on the public genesis of its
// mainnet bundle (genesis.Build, as an embedder would build it) whose one
// account, the sender, is a funded secp256k1 account at f0100.
type v4World struct {
	vm     *fvm.VM
	bs     *blockstore.Memory
	man    *bundle.Manifest
	sender address.Address
}

const (
	// v4SenderID is the sender's ID: genesis gives the first Config
	// account the first account ID.
	v4SenderID = genesis.FirstAccountID
	// eamCreateExternal and evmInvokeContract are builtin-actors method
	// numbers (EAM CreateExternal = 4; EVM InvokeContract = FRC-42
	// "InvokeEVM").
	eamCreateExternal = abi.MethodNum(4)
	evmInvokeContract = abi.MethodNum(3844450837)
)

func fil(n int64) abi.TokenAmount { return big.Mul(big.NewInt(n), big.NewInt(1e18)) }

// newV4World builds the world of rel; each extra function then changes its
// state tree (to add actors a genesis has no reason to make) before the VM
// starts on it. It skips the test when the release's bundle is missing.
func newV4World(t *testing.T, eng *fvm.Engine, rel v4Release, tracing bool, extra ...func(tree *state.StateTree, bs *blockstore.Memory)) *v4World {
	t.Helper()
	ctx := context.Background()
	if _, err := (bundle.Locator{}).Path(ctx, rel.actors); err != nil {
		t.Skipf("no v%d bundle: %v", rel.actors, err)
	}
	sender, err := address.NewSecp256k1Address([]byte("go-fvm v4 test sender"))
	if err != nil {
		t.Fatal(err)
	}
	bs := blockstore.NewMemory()
	g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: rel.actors, Accounts: []genesis.Account{
		{Kind: genesis.Secp256k1, Address: sender, Balance: fil(1000)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if id := g.Accounts[0].ID; id != testworld.IDAddr(v4SenderID) {
		t.Fatalf("genesis put the sender at %s, want f0%d", id, v4SenderID)
	}
	root := g.StateRoot
	if len(extra) > 0 {
		tree, err := state.Load(ctx, bs, root)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range extra {
			f(tree, bs)
		}
		if root, err = tree.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	vm, err := fvm.New(ctx, fvm.Config{
		NetworkVersion: rel.nv, Epoch: 5_000_000, Timestamp: 5_000_000 * 30,
		BaseFee: big.NewInt(100), CircSupply: fil(1_000_000), ChainID: 314,
		StateRoot: root, Blockstore: bs, Externs: v4Externs{},
		Engine: eng, Tracing: tracing})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vm.Close(ctx) })
	return &v4World{vm: vm, bs: bs, man: g.Manifest, sender: sender}
}

// apply sends one explicit message from the sender with the next nonce.
func (w *v4World) apply(t *testing.T, nonce uint64, to address.Address, method abi.MethodNum, params []byte, value abi.TokenAmount) *fvm.ApplyRet {
	t.Helper()
	msg := &message.Message{To: to, From: w.sender, Sequence: nonce, Value: value, GasLimit: 3_000_000_000,
		GasFeeCap: big.NewInt(200), GasPremium: big.NewInt(10), Method: method, Params: params}
	ret, err := w.vm.ApplyMessage(context.Background(), msg, len(msg.Bytes())+67)
	if err != nil {
		t.Fatal(err)
	}
	return ret
}

// tree flushes the VM and loads the state it wrote.
func (w *v4World) tree(t *testing.T) *state.StateTree {
	t.Helper()
	ctx := context.Background()
	root, err := w.vm.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := state.Load(ctx, w.bs, root)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// counterInitCode deploys a contract whose every call increments storage
// slot 0, logs the new value (LOG0) and returns it as a 32-byte word.
var counterInitCode = func() []byte {
	runtime := []byte{
		0x60, 0x00, 0x54, // PUSH1 0 SLOAD
		0x60, 0x01, 0x01, // PUSH1 1 ADD
		0x80,             // DUP1
		0x60, 0x00, 0x55, // PUSH1 0 SSTORE
		0x60, 0x00, 0x52, // PUSH1 0 MSTORE
		0x60, 0x20, 0x60, 0x00, 0xa0, // PUSH1 32 PUSH1 0 LOG0
		0x60, 0x20, 0x60, 0x00, 0xf3, // PUSH1 32 PUSH1 0 RETURN
	}
	n := byte(len(runtime))
	// CODECOPY the runtime (which follows this 12-byte prefix) and RETURN it.
	prefix := []byte{0x60, n, 0x60, 12, 0x60, 0x00, 0x39, 0x60, n, 0x60, 0x00, 0xf3}
	return append(prefix, runtime...)
}()

func cborBytes(b []byte) []byte {
	var buf bytes.Buffer
	if err := cbg.WriteByteArray(&buf, b); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// v4Outcome is what a scenario observed, compared across runs.
type v4Outcome struct {
	gas      []int64
	contract uint64
}

// runV4Scenario applies the scenario's messages to a fresh world and checks
// each result.
func runV4Scenario(t *testing.T, eng *fvm.Engine, rel v4Release, tracing bool) v4Outcome {
	ctx := context.Background()
	w := newV4World(t, eng, rel, tracing)
	var out v4Outcome
	nonce := uint64(0)
	next := func() uint64 { n := nonce; nonce++; return n }

	// 1. A transfer to a new f1 address: the account is auto-created and
	// its constructor runs under v4.
	newKey, _ := address.NewSecp256k1Address([]byte("go-fvm v4 new account"))
	ret := w.apply(t, next(), newKey, 0, nil, fil(1))
	if ret.Receipt.ExitCode != exitcode.Ok {
		t.Fatalf("transfer to a new f1: %+v (%s)\n%s", ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
	}
	out.gas = append(out.gas, ret.Receipt.GasUsed)

	// 2. A transfer to an unknown f410 address: a placeholder is created.
	f410, err := address.NewDelegatedAddress(10, bytes.Repeat([]byte{0xab}, 20))
	if err != nil {
		t.Fatal(err)
	}
	ret = w.apply(t, next(), f410, 0, nil, fil(2))
	if ret.Receipt.ExitCode != exitcode.Ok {
		t.Fatalf("transfer to a new f410: %+v (%s)\n%s", ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
	}
	out.gas = append(out.gas, ret.Receipt.GasUsed)

	// 3. Deploy an EVM contract through the EAM: CreateExternal from an
	// account (the EAM asks the account for its key address, a read-only
	// send whose return block comes back to it).
	eam, _ := address.NewIDAddress(10)
	ret = w.apply(t, next(), eam, eamCreateExternal, cborBytes(counterInitCode), big.Zero())
	if ret.Receipt.ExitCode != exitcode.Ok {
		t.Fatalf("EAM CreateExternal: %+v (%s)\n%s", ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
	}
	out.gas = append(out.gas, ret.Receipt.GasUsed)
	out.contract = createReturnID(t, ret.Receipt.Return)

	// 4. Call it twice: the second call opens the storage the first wrote
	// (block_open of reachable links), and each emits one event.
	contract, _ := address.NewIDAddress(out.contract)
	for want := uint64(1); want <= 2; want++ {
		ret = w.apply(t, next(), contract, evmInvokeContract, cborBytes(nil), big.Zero())
		if ret.Receipt.ExitCode != exitcode.Ok {
			t.Fatalf("InvokeContract %d: %+v (%s)\n%s", want, ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
		}
		var word [32]byte
		binary.BigEndian.PutUint64(word[24:], want)
		if !bytes.Equal(ret.Receipt.Return, cborBytes(word[:])) {
			t.Errorf("InvokeContract %d returned %x, want %x", want, ret.Receipt.Return, cborBytes(word[:]))
		}
		// LOG0 becomes one event with one entry: key "d", raw codec, the
		// data, indexed by key and value (flags 0b11) — emit_event v4.
		if len(ret.Events) != 1 || uint64(ret.Events[0].Emitter) != out.contract || ret.Receipt.EventsRoot == nil {
			t.Fatalf("InvokeContract %d: events %+v root %v, want one event from %d", want, ret.Events, ret.Receipt.EventsRoot, out.contract)
		}
		if e := ret.Events[0].Entries; len(e) != 1 || e[0].Key != "d" || e[0].Codec != 0x55 || e[0].Flags != 3 || !bytes.Equal(e[0].Value, word[:]) {
			t.Errorf("InvokeContract %d: event entries %+v", want, e)
		}
		out.gas = append(out.gas, ret.Receipt.GasUsed)
	}

	tree := w.tree(t)
	acct, id, err := tree.GetActorByAddress(ctx, newKey)
	if err != nil || acct == nil {
		t.Fatalf("new account: %v %v", acct, err)
	}
	if c, _ := w.man.Code("account"); acct.Code != c || !acct.Balance.Equals(fil(1)) {
		t.Errorf("new account f0%d: code %s balance %s", id, acct.Code, acct.Balance)
	}
	ph, _, err := tree.GetActorByAddress(ctx, f410)
	if err != nil || ph == nil {
		t.Fatalf("placeholder: %v %v", ph, err)
	}
	if c, _ := w.man.Code("placeholder"); ph.Code != c || ph.DelegatedAddress == nil || *ph.DelegatedAddress != f410 || !ph.Balance.Equals(fil(2)) {
		t.Errorf("placeholder: %+v", ph)
	}
	evm, err := tree.GetActor(ctx, out.contract)
	if err != nil || evm == nil {
		t.Fatalf("contract f0%d: %v %v", out.contract, evm, err)
	}
	if c, _ := w.man.Code("evm"); evm.Code != c || evm.DelegatedAddress == nil {
		t.Errorf("contract: %+v", evm)
	}
	sender, err := tree.GetActor(ctx, v4SenderID)
	if err != nil || sender.Sequence != nonce {
		t.Errorf("sender nonce %d, want %d (%v)", sender.Sequence, nonce, err)
	}
	return out
}

// createReturnID decodes the actor id of an EAM CreateReturn
// [actor_id, robust_address, eth_address].
func createReturnID(t testing.TB, b []byte) uint64 {
	t.Helper()
	r := cbg.NewCborReader(bytes.NewReader(b))
	maj, n, err := r.ReadHeader()
	if err != nil || maj != cbg.MajArray || n != 3 {
		t.Fatalf("CreateReturn %x: not a 3-tuple", b)
	}
	maj, id, err := r.ReadHeader()
	if err != nil || maj != cbg.MajUnsignedInt {
		t.Fatalf("CreateReturn %x: actor id", b)
	}
	return id
}

// TestV4ActorsEndToEnd runs real actors v12-v19 on their network versions
// (FVM v4): account auto-creation, a placeholder, an EVM deployment through
// the EAM and two calls to it. Gas must be plausible and identical across
// runs (the first traced, the second not).
func TestV4ActorsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the v12-v19 actors")
	}
	forEachV4Release(t, func(t *testing.T, eng *fvm.Engine, rel v4Release) {
		first := runV4Scenario(t, eng, rel, true)
		// Plausibility: a transfer that creates an account costs a few
		// million gas; an EVM deployment tens of millions at most.
		lo := []int64{1_000_000, 1_000_000, 5_000_000, 1_000_000, 1_000_000}
		hi := []int64{20_000_000, 10_000_000, 200_000_000, 50_000_000, 50_000_000}
		for i, g := range first.gas {
			if g < lo[i] || g > hi[i] {
				t.Errorf("message %d used %d gas, outside [%d, %d]", i, g, lo[i], hi[i])
			}
		}
		second := runV4Scenario(t, eng, rel, false)
		if len(first.gas) != len(second.gas) || first.contract != second.contract {
			t.Fatalf("runs differ: %+v vs %+v", first, second)
		}
		for i := range first.gas {
			if first.gas[i] != second.gas[i] {
				t.Errorf("message %d: gas %d then %d", i, first.gas[i], second.gas[i])
			}
		}
		t.Logf("gas used: %v; contract f0%d", first.gas, first.contract)
	})
}

// forEachV4Release runs a scenario as a subtest on every v4 release, with
// one engine (and so one compiled-code cache) for all.
func forEachV4Release(t *testing.T, scenario func(t *testing.T, eng *fvm.Engine, rel v4Release)) {
	eng := testEngine(t)
	for _, rel := range v4Releases {
		t.Run(fmt.Sprintf("v%d-nv%d", rel.actors, rel.nv), func(t *testing.T) { scenario(t, eng, rel) })
	}
}

// dumpTrace renders a call tree with its kernel charges, for failure
// messages.
func dumpTrace(tr *fvm.ExecutionTrace, depth int) string {
	if tr == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s -> %s m%d params %x => %d ret %x\n", strings.Repeat("  ", depth), tr.Msg.From, tr.Msg.To, tr.Msg.Method, tr.Msg.Params, tr.MsgRct.ExitCode, tr.MsgRct.Return)
	for _, g := range tr.GasCharges {
		if strings.HasPrefix(g.Name, "OnSyscall") || g.Name == "wasm_exec" {
			continue
		}
		fmt.Fprintf(&b, "%s  . %s %d\n", strings.Repeat("  ", depth), g.Name, g.TotalGas)
	}
	for i := range tr.Subcalls {
		b.WriteString(dumpTrace(&tr.Subcalls[i], depth+1))
	}
	return b.String()
}

// v4Externs supplies deterministic randomness digests (the epoch's sha256,
// prefixed by the kind); it has no tipsets and proves no faults.
type v4Externs struct{ testworld.NoExterns }

func (v4Externs) digest(kind byte, round abi.ChainEpoch) [32]byte {
	var b [9]byte
	b[0] = kind
	binary.BigEndian.PutUint64(b[1:], uint64(round))
	return sha256.Sum256(b[:])
}

func (e v4Externs) GetChainRandomness(_ context.Context, round abi.ChainEpoch) ([32]byte, error) {
	return e.digest('c', round), nil
}

func (e v4Externs) GetBeaconRandomness(_ context.Context, round abi.ChainEpoch) ([32]byte, error) {
	return e.digest('b', round), nil
}

// deploy deploys initcode through EAM CreateExternal and returns the new
// actor's id.
func (w *v4World) deploy(t *testing.T, nonce uint64, initcode []byte) uint64 {
	t.Helper()
	eam, _ := address.NewIDAddress(10)
	ret := w.apply(t, nonce, eam, eamCreateExternal, cborBytes(initcode), big.Zero())
	if ret.Receipt.ExitCode != exitcode.Ok {
		t.Fatalf("EAM CreateExternal: %+v (%s)\n%s", ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
	}
	return createReturnID(t, ret.Receipt.Return)
}

// initCodeFor wraps EVM runtime code in init code that returns it.
func initCodeFor(runtime []byte) []byte {
	n := byte(len(runtime))
	prefix := []byte{0x60, n, 0x60, 12, 0x60, 0x00, 0x39, 0x60, n, 0x60, 0x00, 0xf3}
	return append(prefix, runtime...)
}

// TestV4EVMPrevRandao: PREVRANDAO makes the EVM actor call the v4
// rand.get_beacon_randomness(epoch) syscall, which returns the raw digest;
// the actor draws from it itself (FIP-0075): blake2b-256(EvmPrevRandao 10 ‖
// digest ‖ epoch ‖ "prevrandao").
func TestV4EVMPrevRandao(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the v12-v19 actors")
	}
	forEachV4Release(t, testPrevRandao)
}

func testPrevRandao(t *testing.T, eng *fvm.Engine, rel v4Release) {
	w := newV4World(t, eng, rel, true)
	// PREVRANDAO PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
	id := w.deploy(t, 0, initCodeFor([]byte{0x44, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3}))
	contract, _ := address.NewIDAddress(id)
	ret := w.apply(t, 1, contract, evmInvokeContract, cborBytes(nil), big.Zero())
	if ret.Receipt.ExitCode != exitcode.Ok {
		t.Fatalf("InvokeContract: %+v (%s)\n%s", ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
	}
	const epoch = 5_000_000
	want := externs.DrawRandomness(v4Externs{}.digest('b', epoch), 10, epoch, []byte("prevrandao"))
	if !bytes.Equal(ret.Receipt.Return, cborBytes(want[:])) {
		t.Errorf("PREVRANDAO returned %x, want %x", ret.Receipt.Return, cborBytes(want[:]))
	}
}

// noInvokeWasm is a module with a memory, one (unexported) function and no
// invoke export.
var noInvokeWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
	0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
	0x05, 0x03, 0x01, 0x00, 0x01, // memory section: one memory, min 1 page
	0x07, 0x0a, 0x01, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00, // export "memory"
	0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code section: an empty body
}

// TestV4MissingInvokeExport: in v4 an actor without an invoke export exits
// with SYS_INVALID_RECEIVER (ref-fvm call_manager/default.rs:772); v3 made
// it fatal.
func TestV4MissingInvokeExport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs today's actors")
	}
	code, err := cid.Prefix{Version: 1, Codec: 0x55, MhType: 0xb220, MhLength: 32}.Sum(noInvokeWasm)
	if err != nil {
		t.Fatal(err)
	}
	const id = 300 // between the genesis accounts (f0100…) and FirstMinerID
	w := newV4World(t, testEngine(t), today, true, func(tree *state.StateTree, bs *blockstore.Memory) {
		blk, err := blocks.NewBlockWithCid(noInvokeWasm, code)
		if err != nil {
			t.Fatal(err)
		}
		if err := bs.Put(context.Background(), blk); err != nil {
			t.Fatal(err)
		}
		tree.SetActor(id, &state.ActorState{Code: code, Head: state.EmptyArrayCID, Balance: big.Zero()})
	})
	to, _ := address.NewIDAddress(id)
	ret := w.apply(t, 0, to, 2, nil, big.Zero())
	if ret.Receipt.ExitCode != exitcode.SysErrInvalidReceiver {
		t.Fatalf("receipt %+v (%s), want SYS_INVALID_RECEIVER\n%s", ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
	}
}

// TestV4EVMCallsEVM: one contract CALLs the counter contract and returns
// what it returned. The inner InvokeContract is a send from an actor: its
// return block comes back to the caller's registry, and the event the
// callee emits is kept.
func TestV4EVMCallsEVM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the v12-v19 actors")
	}
	forEachV4Release(t, testEVMCallsEVM)
}

func testEVMCallsEVM(t *testing.T, eng *fvm.Engine, rel v4Release) {
	w := newV4World(t, eng, rel, true)
	counter := w.deploy(t, 0, counterInitCode)
	// The counter's Ethereum address is its masked id: 0xff, 11 zero bytes,
	// then the id (big-endian).
	var ethAddr [20]byte
	ethAddr[0] = 0xff
	binary.BigEndian.PutUint64(ethAddr[12:], counter)
	runtime := []byte{
		0x60, 0x20, // PUSH1 32 (ret length)
		0x60, 0x00, // PUSH1 0 (ret offset)
		0x60, 0x00, // PUSH1 0 (args length)
		0x60, 0x00, // PUSH1 0 (args offset)
		0x60, 0x00, // PUSH1 0 (value)
		0x73, // PUSH20 address
	}
	runtime = append(runtime, ethAddr[:]...)
	runtime = append(runtime,
		0x5a,       // GAS
		0xf1,       // CALL
		0x50,       // POP (the success flag)
		0x60, 0x20, // PUSH1 32
		0x60, 0x00, // PUSH1 0
		0xf3, // RETURN
	)
	caller := w.deploy(t, 1, initCodeFor(runtime))
	to, _ := address.NewIDAddress(caller)
	var gasUsed []int64
	for want := uint64(1); want <= 2; want++ {
		ret := w.apply(t, want+1, to, evmInvokeContract, cborBytes(nil), big.Zero())
		if ret.Receipt.ExitCode != exitcode.Ok {
			t.Fatalf("call %d: %+v (%s)\n%s", want, ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
		}
		var word [32]byte
		binary.BigEndian.PutUint64(word[24:], want)
		if !bytes.Equal(ret.Receipt.Return, cborBytes(word[:])) {
			t.Errorf("call %d returned %x, want %x", want, ret.Receipt.Return, cborBytes(word[:]))
		}
		if len(ret.Events) != 1 || uint64(ret.Events[0].Emitter) != counter {
			t.Errorf("call %d: events %+v, want one from the counter f0%d", want, ret.Events, counter)
		}
		if ret.Trace == nil || len(ret.Trace.Subcalls) != 1 || ret.Trace.Subcalls[0].Msg.Method != evmInvokeContract {
			t.Errorf("call %d: the trace has no InvokeContract subcall", want)
		}
		gasUsed = append(gasUsed, ret.Receipt.GasUsed)
	}
	t.Logf("gas used: %v", gasUsed)
}
