package genesis_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	multisig17 "github.com/filecoin-project/go-state-types/builtin/v17/multisig"
	reward17 "github.com/filecoin-project/go-state-types/builtin/v17/reward"
	verifreg17 "github.com/filecoin-project/go-state-types/builtin/v17/verifreg"
	"github.com/filecoin-project/go-state-types/builtin/v8/util/adt"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/message"
)

// testRelease is an actors version and the network version that first runs
// it on mainnet.
type testRelease struct {
	actors int
	nv     network.Version
}

var testReleases = []testRelease{
	{10, network.Version18}, {11, network.Version20}, {12, network.Version21},
	{13, network.Version22}, {14, network.Version23}, {15, network.Version24},
	{16, network.Version25}, {17, network.Version27}, {18, network.Version28},
	{19, network.Version29},
}

// v2Releases are the actors versions FVM v2 runs (nv16-17): no EAM, no
// EthAccount, a version 4 state tree; TestGenesisRunsV2 runs them.
var v2Releases = []testRelease{{8, network.Version16}, {9, network.Version17}}

// maxNetworkVersion is the newest network version the VM runs.
const maxNetworkVersion = network.Version29

// epochs is how many epochs of block rewards and cron the tests run.
const epochs = 20

// TestReleasesCoverVersions: every version Build supports has a network
// version to run it at here.
func TestReleasesCoverVersions(t *testing.T) {
	var tested []int
	for _, r := range append(slices.Clone(v2Releases), testReleases...) {
		tested = append(tested, r.actors)
	}
	if !slices.Equal(tested, genesis.Versions()) {
		t.Fatalf("tests cover actors %v, Build supports %v", tested, genesis.Versions())
	}
}

// keys are the addresses of the test accounts.
type keys struct {
	secp, bls, eth, signer address.Address
}

func testKeys(t *testing.T) keys {
	t.Helper()
	secp, err := address.NewSecp256k1Address([]byte("genesis test secp256k1 account"))
	if err != nil {
		t.Fatal(err)
	}
	bls, err := address.NewBLSAddress(append([]byte{7}, make([]byte, 47)...))
	if err != nil {
		t.Fatal(err)
	}
	eth, err := address.NewDelegatedAddress(10, append(make([]byte, 19), 0x42))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := address.NewSecp256k1Address([]byte("genesis test multisig signer"))
	if err != nil {
		t.Fatal(err)
	}
	return keys{secp, bls, eth, signer}
}

func fil(n int64) abi.TokenAmount { return big.Mul(big.NewInt(n), big.NewInt(1e18)) }

// testConfig funds one account of each kind: a secp256k1 and a BLS account,
// an Ethereum account and a 1-of-3 multisig of the secp256k1 account, a
// signer of its own and the Ethereum account.
func testConfig(v int, k keys) genesis.Config {
	return genesis.Config{
		ActorsVersion: v,
		Accounts: []genesis.Account{
			{Kind: genesis.Secp256k1, Address: k.secp, Balance: fil(1000)},
			{Kind: genesis.BLS, Address: k.bls, Balance: fil(500)},
			{Kind: genesis.Ethereum, Address: k.eth, Balance: fil(100)},
			{Kind: genesis.Multisig, Signers: []address.Address{k.secp, k.signer, k.eth}, Threshold: 1, Balance: fil(50)},
		},
	}
}

// runnable builds cfg's genesis, skipping the test when the version's
// bundle is not known yet or the machine cannot run its network version.
func runnable(t *testing.T, rel testRelease, cfg genesis.Config) (*genesis.Genesis, *blockstore.Memory) {
	t.Helper()
	if !slices.Contains(bundle.Versions(), rel.actors) {
		t.Skipf("no known bundle for actors v%d", rel.actors)
	}
	if rel.nv > maxNetworkVersion {
		t.Skipf("actors v%d: the VM runs up to nv%d, not nv%d", rel.actors, maxNetworkVersion, rel.nv)
	}
	bs := blockstore.NewMemory()
	g, err := genesis.Build(context.Background(), bs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, bs
}

// newVM loads root at an epoch. It is the one place the tests configure the
// root package's VM.
func newVM(t *testing.T, eng *fvm.Engine, bs blockstore.Blockstore, nv network.Version, root cid.Cid, epoch abi.ChainEpoch) *fvm.VM {
	t.Helper()
	ctx := context.Background()
	vm, err := fvm.New(ctx, fvm.Config{
		NetworkVersion: nv, Epoch: epoch, Timestamp: uint64(epoch) * 30,
		BaseFee: big.NewInt(100), ChainID: 31415926,
		StateRoot: root, Blockstore: bs, Externs: externs.Synthetic{}, Engine: eng,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vm.Close(ctx) })
	return vm
}

func testEngine(t *testing.T) *fvm.Engine {
	t.Helper()
	dir, err := fvm.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := fvm.NewEngine(context.Background(), fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	return eng
}

func mustCBOR(t *testing.T, v cbg.CBORMarshaler) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := v.MarshalCBOR(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func balance(t *testing.T, vm *fvm.VM, addr address.Address) abi.TokenAmount {
	t.Helper()
	_, act, err := vm.Actor(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return act.Balance
}

// head returns the state block of the actor at addr.
func head(t *testing.T, vm *fvm.VM, bs blockstore.Blockstore, addr address.Address) []byte {
	t.Helper()
	ctx := context.Background()
	_, act, err := vm.Actor(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := bs.Get(ctx, act.Head)
	if err != nil {
		t.Fatal(err)
	}
	return blk.RawData()
}

// TestGenesisRuns builds a genesis with a miner for every actors version
// and runs it: epochs of block rewards to the miner and cron, transfers from
// each kind of account and a multisig proposal.
func TestGenesisRuns(t *testing.T) {
	eng := testEngine(t)
	k := testKeys(t)
	for _, rel := range testReleases {
		t.Run(fmt.Sprintf("v%d-nv%d", rel.actors, rel.nv), func(t *testing.T) {
			cfg := testConfig(rel.actors, k)
			cfg.Miners, cfg.Engine = []genesis.Miner{{Owner: k.bls, Worker: k.bls}}, eng
			g, bs := runnable(t, rel, cfg)
			checkSupply(t, bs, g.StateRoot)
			checkAccounts(t, newVM(t, eng, bs, rel.nv, g.StateRoot, 0), bs, g, k)
			root := runEpochs(t, eng, rel, bs, g.StateRoot, g.Miners[0].ID)
			runTransfers(t, eng, rel, bs, g, root)
		})
	}
}

// checkSupply walks the state tree with go-state-types, independently of
// the VM: the balances sum to the total supply.
func checkSupply(t *testing.T, bs blockstore.Blockstore, root cid.Cid) {
	t.Helper()
	ctx := context.Background()
	store := adt.WrapStore(ctx, cbor.NewCborStore(bs))
	blk, err := bs.Get(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	// The root is [version, actors, info].
	r := cbg.NewCborReader(bytes.NewReader(blk.RawData()))
	if maj, n, err := r.ReadHeader(); err != nil || maj != cbg.MajArray || n != 3 {
		t.Fatalf("state root: major type %d length %d (%v)", maj, n, err)
	}
	_, version, err := r.ReadHeader()
	if err != nil {
		t.Fatal(err)
	}
	actors, err := cbg.ReadCid(r)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := builtin.LoadTree(store, actors)
	if err != nil {
		t.Fatal(err)
	}
	total := big.Zero()
	if err := tree.ForEachV5(func(_ address.Address, act *builtin.ActorV5) error {
		total = big.Add(total, act.Balance)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if version != 5 || !total.Equals(genesis.TotalFilecoin()) {
		t.Errorf("state tree version %d, balances sum to %s; want version 5 and %s", version, total, genesis.TotalFilecoin())
	}
}

// checkAccounts checks the accounts as the VM sees them: their IDs,
// balances and actors, the multisig's signers, the f080 and f090 multisigs.
func checkAccounts(t *testing.T, vm *fvm.VM, bs blockstore.Blockstore, g *genesis.Genesis, k keys) {
	t.Helper()
	ctx := context.Background()
	wantIDs := []abi.ActorID{100, 101, 102, 105}
	for i, a := range g.Accounts {
		id, err := vm.LookupID(ctx, a.Address)
		if err != nil {
			t.Fatalf("account %d: %v", i, err)
		}
		if got := idAddr(t, uint64(id)); got != a.ID || id != wantIDs[i] {
			t.Errorf("account %d: %s resolves to %s, Genesis says %s, want f0%d", i, a.Address, got, a.ID, wantIDs[i])
		}
		want := a.Account.Balance
		for _, m := range g.Miners {
			if m.Miner.Owner == a.Address {
				// The owner paid the miner's creation deposit.
				want = big.Sub(want, balance(t, vm, m.ID))
			}
		}
		if got := balance(t, vm, a.ID); !got.Equals(want) {
			t.Errorf("account %d: balance %s, want %s", i, got, want)
		}
	}
	kinds := map[address.Address]string{k.secp: "account", k.bls: "account", k.eth: "ethaccount", k.signer: "account", g.Accounts[3].ID: "multisig",
		idAddr(t, genesis.RootKeyID): "multisig", idAddr(t, genesis.ReserveID): "multisig"}
	for addr, want := range kinds {
		_, act, err := vm.Actor(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := vm.ActorKind(act.Code); got != want {
			t.Errorf("%s is a %q actor, want %q", addr, got, want)
		}
		if wantDelegated := addr == k.eth; wantDelegated != (act.DelegatedAddress != nil) || wantDelegated && *act.DelegatedAddress != k.eth {
			t.Errorf("%s has delegated address %v", addr, act.DelegatedAddress)
		}
	}
	signer, err := vm.LookupID(ctx, k.signer)
	if err != nil {
		t.Fatal(err)
	}
	want := []address.Address{g.Accounts[0].ID, idAddr(t, uint64(signer)), g.Accounts[2].ID}
	if got := multisigState(t, vm, bs, g.Accounts[3].ID); !slices.Equal(got.Signers, want) || got.NumApprovalsThreshold != 1 {
		t.Errorf("multisig: signers %v threshold %d, want 1-of-%v", got.Signers, got.NumApprovalsThreshold, want)
	}
}

func idAddr(t *testing.T, id uint64) address.Address {
	t.Helper()
	a, err := address.NewIDAddress(id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// multisigState decodes a multisig's state (one layout from v10 to v19).
func multisigState(t *testing.T, vm *fvm.VM, bs blockstore.Blockstore, addr address.Address) *multisig17.State {
	t.Helper()
	var st multisig17.State
	if err := st.UnmarshalCBOR(bytes.NewReader(head(t, vm, bs, addr))); err != nil {
		t.Fatal(err)
	}
	return &st
}

// thisEpochReward reads the reward actor's ThisEpochReward, the fifth field
// of its state in every version (v19 adds fields after it).
func thisEpochReward(t *testing.T, vm *fvm.VM, bs blockstore.Blockstore) abi.TokenAmount {
	t.Helper()
	var reward abi.TokenAmount
	stateField(t, head(t, vm, bs, builtin.RewardActorAddr), 4, &reward)
	return reward
}

// stateField decodes field i of the actor state (a CBOR array) in raw.
func stateField(t *testing.T, raw []byte, i int, out cbg.CBORUnmarshaler) {
	t.Helper()
	r := cbg.NewCborReader(bytes.NewReader(raw))
	if _, _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	var skip cbg.Deferred
	for range i {
		if err := skip.UnmarshalCBOR(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.UnmarshalCBOR(r); err != nil {
		t.Fatal(err)
	}
}

// runEpochs runs, at epochs 1..epochs, the block reward of miner and the
// cron tick, as a node does after each block, and returns the last state.
// What leaves the reward actor, the gas reward plus this epoch's reward per
// win, reaches the miner; with miner Undef, the reward goes to a miner that
// does not exist, which the reward actor cannot pay, so it burns the reward
// (to f099).
func runEpochs(t *testing.T, eng *fvm.Engine, rel testRelease, bs blockstore.Blockstore, root cid.Cid, miner address.Address) cid.Cid {
	t.Helper()
	ctx := context.Background()
	to, payee := miner, miner
	if miner == address.Undef {
		to, payee = idAddr(t, 1999), builtin.BurntFundsActorAddr
	}
	const winCount = 2
	gasReward := big.NewInt(1_000_000)
	// A miner address that resolves to no actor at all is refused.
	unknown, err := address.NewSecp256k1Address([]byte("genesis test unknown miner"))
	if err != nil {
		t.Fatal(err)
	}
	wantExit(t, newVM(t, eng, bs, rel.nv, root, 1), awardMsg(t, unknown, gasReward, winCount), exitcode.ErrNotFound, "AwardBlockReward to an unknown key")
	for epoch := abi.ChainEpoch(1); epoch <= epochs; epoch++ {
		vm := newVM(t, eng, bs, rel.nv, root, epoch)
		perWin := thisEpochReward(t, vm, bs)
		rewardBefore, payeeBefore := balance(t, vm, builtin.RewardActorAddr), balance(t, vm, payee)
		wantExit(t, vm, awardMsg(t, to, gasReward, winCount), exitcode.Ok, fmt.Sprintf("epoch %d AwardBlockReward", epoch))
		paid := big.Sub(rewardBefore, balance(t, vm, builtin.RewardActorAddr))
		got := big.Sub(balance(t, vm, payee), payeeBefore)
		want := big.Add(gasReward, big.Div(big.Mul(perWin, big.NewInt(winCount)), big.NewInt(5)))
		if !paid.Equals(want) || !got.Equals(want) || perWin.Sign() <= 0 {
			t.Fatalf("epoch %d: the reward actor paid %s and %s got %s, want %s (reward per win %s)", epoch, paid, payee, got, want, perWin)
		}
		cron := &message.Message{
			From: builtin.SystemActorAddr, To: builtin.CronActorAddr, Method: builtin.MethodsCron.EpochTick,
			Value: big.Zero(), GasLimit: 1 << 40, GasFeeCap: big.Zero(), GasPremium: big.Zero(),
		}
		wantExit(t, vm, cron, exitcode.Ok, fmt.Sprintf("epoch %d EpochTick", epoch))
		if root, err = vm.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// awardMsg is the reward actor's AwardBlockReward for a block of miner.
func awardMsg(t *testing.T, miner address.Address, gasReward abi.TokenAmount, winCount int64) *message.Message {
	t.Helper()
	return &message.Message{
		From: builtin.SystemActorAddr, To: builtin.RewardActorAddr, Method: builtin.MethodsReward.AwardBlockReward,
		Value: big.Zero(), GasLimit: 1 << 30, GasFeeCap: big.Zero(), GasPremium: big.Zero(),
		Params: mustCBOR(t, &reward17.AwardBlockRewardParams{Miner: miner, Penalty: big.Zero(), GasReward: gasReward, WinCount: winCount}),
	}
}

// wantExit applies an implicit message and checks its exit code.
func wantExit(t *testing.T, vm *fvm.VM, msg *message.Message, want exitcode.ExitCode, what string) {
	t.Helper()
	ret, err := vm.ApplyImplicitMessage(context.Background(), msg)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if ret.Receipt.ExitCode != want {
		t.Fatalf("%s: exit %d (%s), want %d", what, ret.Receipt.ExitCode, ret.FailureInfo, want)
	}
}

// explicit applies an explicit message with a plain gas budget.
func explicit(t *testing.T, vm *fvm.VM, from, to address.Address, nonce uint64, method abi.MethodNum, value abi.TokenAmount, params []byte) *fvm.ApplyRet {
	t.Helper()
	msg := &message.Message{From: from, To: to, Sequence: nonce, Value: value, Method: method, Params: params,
		GasLimit: 100_000_000, GasFeeCap: big.NewInt(200), GasPremium: big.NewInt(10)}
	ret, err := vm.ApplyMessage(context.Background(), msg, len(msg.Bytes())+67)
	if err != nil {
		t.Fatal(err)
	}
	return ret
}

// runTransfers sends FIL from the secp256k1 account to the BLS account, from
// the Ethereum account to the secp256k1 account and, through a proposal of
// its signer, from the multisig to the BLS account.
func runTransfers(t *testing.T, eng *fvm.Engine, rel testRelease, bs blockstore.Blockstore, g *genesis.Genesis, root cid.Cid) {
	t.Helper()
	secp, bls, eth, msig := g.Accounts[0], g.Accounts[1], g.Accounts[2], g.Accounts[3]
	vm := newVM(t, eng, bs, rel.nv, root, epochs+1)
	before := map[address.Address]abi.TokenAmount{}
	for _, a := range []address.Address{bls.Address, msig.ID, eth.Address} {
		before[a] = balance(t, vm, a)
	}
	propose := mustCBOR(t, &multisig17.ProposeParams{To: bls.Address, Value: fil(10), Method: builtin.MethodSend})
	sends := []struct {
		from, to address.Address
		method   abi.MethodNum
		value    abi.TokenAmount
		params   []byte
	}{
		{secp.Address, bls.Address, builtin.MethodSend, fil(1), nil},
		{eth.Address, secp.Address, builtin.MethodSend, fil(2), nil},
		{secp.Address, msig.ID, builtin.MethodsMultisig.Propose, big.Zero(), propose},
	}
	nonces := map[address.Address]uint64{}
	for i, s := range sends {
		ret := explicit(t, vm, s.from, s.to, nonces[s.from], s.method, s.value, s.params)
		nonces[s.from]++
		if ret.Receipt.ExitCode != exitcode.Ok {
			t.Fatalf("send %d (%s -> %s): exit %d (%s)", i, s.from, s.to, ret.Receipt.ExitCode, ret.FailureInfo)
		}
		if s.method != builtin.MethodsMultisig.Propose {
			continue
		}
		var pr multisig17.ProposeReturn
		if err := pr.UnmarshalCBOR(bytes.NewReader(ret.Receipt.Return)); err != nil {
			t.Fatal(err)
		}
		if !pr.Applied || pr.Code != exitcode.Ok {
			t.Fatalf("proposal: %+v, want applied with exit 0", pr)
		}
	}
	gained := func(a address.Address) abi.TokenAmount { return big.Sub(balance(t, vm, a), before[a]) }
	if got := gained(bls.Address); !got.Equals(fil(11)) {
		t.Errorf("the BLS account gained %s, want 11 FIL", got)
	}
	if got := gained(msig.ID); !got.Equals(fil(-10)) {
		t.Errorf("the multisig gained %s, want -10 FIL", got)
	}
	if got := gained(eth.Address); got.GreaterThanEqual(fil(-2)) {
		t.Errorf("the Ethereum account gained %s, want less than -2 FIL (value and gas)", got)
	}
}

// TestDeterministic: the same config gives the same root, in a fresh store
// and with the bundle given as a reader; a different init network name gives
// another.
func TestDeterministic(t *testing.T) {
	k := testKeys(t)
	rel := testRelease{17, network.Version27}
	cfg := testConfig(rel.actors, k)
	first, _ := runnable(t, rel, cfg)
	second, _ := runnable(t, rel, cfg)
	if first.StateRoot != second.StateRoot {
		t.Fatalf("roots differ: %s and %s", first.StateRoot, second.StateRoot)
	}
	path, err := bundle.Locator{}.Path(context.Background(), rel.actors)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	withReader := cfg
	withReader.Bundle = f
	if third, _ := runnable(t, rel, withReader); third.StateRoot != first.StateRoot {
		t.Fatalf("with Config.Bundle the root is %s, without %s", third.StateRoot, first.StateRoot)
	}
	cfg.NetworkName = "another"
	if other, _ := runnable(t, rel, cfg); other.StateRoot == first.StateRoot {
		t.Fatalf("network name %q gives the same root %s", cfg.NetworkName, other.StateRoot)
	}
}

// TestNetworks builds a genesis on each network's bundle of an actors
// version; the VM finds that network's manifest in the state.
func TestNetworks(t *testing.T) {
	eng := testEngine(t)
	k := testKeys(t)
	rel := testRelease{17, network.Version27}
	for _, n := range bundle.Networks(rel.actors) {
		t.Run(n, func(t *testing.T) {
			cfg := testConfig(rel.actors, k)
			cfg.Network = n
			g, bs := runnable(t, rel, cfg)
			want, err := bundle.KnownManifest(rel.actors, n)
			if err != nil {
				t.Fatal(err)
			}
			got := newVM(t, eng, bs, rel.nv, g.StateRoot, 0).Manifest()
			if g.Manifest.Root != want || got.Data != g.Manifest.Data || g.Network != n {
				t.Fatalf("network %s: manifest %s (data %s), the VM's data %s; want %s", g.Network, g.Manifest.Root, g.Manifest.Data, got.Data, want)
			}
		})
	}
}

// TestNetworkRuns runs a calibrationnet genesis for a few epochs.
func TestNetworkRuns(t *testing.T) {
	k := testKeys(t)
	rel := testRelease{17, network.Version27}
	cfg := testConfig(rel.actors, k)
	cfg.Network = "calibrationnet"
	g, bs := runnable(t, rel, cfg)
	runEpochs(t, testEngine(t), rel, bs, g.StateRoot, address.Undef)
}

// TestVerifiedRegistryRoot: with a root key configured, f080 is that key's
// account and only it can add a verifier; without one, f080 and the reserve
// f090 are 1-of-1 multisigs of DefaultSigner.
func TestVerifiedRegistryRoot(t *testing.T) {
	ctx := context.Background()
	eng := testEngine(t)
	k := testKeys(t)
	rel := testRelease{17, network.Version27}
	root, err := address.NewSecp256k1Address([]byte("genesis test root key"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(rel.actors, k)
	cfg.VerifiedRegistryRoot = root
	g, bs := runnable(t, rel, cfg)
	vm := newVM(t, eng, bs, rel.nv, g.StateRoot, 1)
	if id, err := vm.LookupID(ctx, root); err != nil || id != genesis.RootKeyID {
		t.Fatalf("root key %s resolves to f0%d (%v), want f0%d", root, id, err, genesis.RootKeyID)
	}
	secp := g.Accounts[0].Address
	add := mustCBOR(t, &verifreg17.AddVerifierParams{Address: k.bls, Allowance: big.NewInt(1 << 30)})
	steps := []struct {
		what     string
		from, to address.Address
		nonce    uint64
		method   abi.MethodNum
		value    abi.TokenAmount
		params   []byte
		want     exitcode.ExitCode
	}{
		{"an account adds a verifier", secp, builtin.VerifiedRegistryActorAddr, 0, builtin.MethodsVerifiedRegistry.AddVerifier, big.Zero(), add, exitcode.ErrForbidden},
		{"fund the root key", secp, root, 1, builtin.MethodSend, fil(10), nil, exitcode.Ok},
		{"the root key adds a verifier", root, builtin.VerifiedRegistryActorAddr, 0, builtin.MethodsVerifiedRegistry.AddVerifier, big.Zero(), add, exitcode.Ok},
	}
	for _, s := range steps {
		if ret := explicit(t, vm, s.from, s.to, s.nonce, s.method, s.value, s.params); ret.Receipt.ExitCode != s.want {
			t.Fatalf("%s: exit %d (%s), want %d", s.what, ret.Receipt.ExitCode, ret.FailureInfo, s.want)
		}
	}

	g, bs = runnable(t, rel, testConfig(rel.actors, k))
	vm = newVM(t, eng, bs, rel.nv, g.StateRoot, 1)
	signer, err := address.NewFromString(genesis.DefaultSigner)
	if err != nil {
		t.Fatal(err)
	}
	signerID, err := vm.LookupID(ctx, signer)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{genesis.RootKeyID, genesis.ReserveID} {
		st := multisigState(t, vm, bs, idAddr(t, id))
		if !slices.Equal(st.Signers, []address.Address{idAddr(t, uint64(signerID))}) || st.NumApprovalsThreshold != 1 {
			t.Errorf("f0%d: signers %v threshold %d, want 1-of-[f0%d]", id, st.Signers, st.NumApprovalsThreshold, signerID)
		}
	}
}

// BenchmarkBuild measures Build of the test config on the v17 mainnet
// bundle, bundle loading included.
func BenchmarkBuild(b *testing.B) {
	ctx := context.Background()
	secp, err := address.NewSecp256k1Address([]byte("genesis benchmark account"))
	if err != nil {
		b.Fatal(err)
	}
	cfg := genesis.Config{ActorsVersion: 17, Accounts: []genesis.Account{{Kind: genesis.Secp256k1, Address: secp, Balance: fil(1)}}}
	if _, err := genesis.Build(ctx, blockstore.NewMemory(), cfg); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := genesis.Build(ctx, blockstore.NewMemory(), cfg); err != nil {
			b.Fatal(err)
		}
	}
}
