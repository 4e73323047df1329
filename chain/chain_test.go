package chain_test

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/chain/wallet"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/message"
)

const (
	testNV      = network.Version27
	testActors  = 17
	testChainID = 31415926
)

var (
	engineOnce sync.Once
	engine     *fvm.Engine
	engineErr  error
)

func testEngine(t testing.TB) *fvm.Engine {
	t.Helper()
	engineOnce.Do(func() {
		dir, err := fvm.DefaultCacheDir()
		if err != nil {
			engineErr = err
			return
		}
		engine, engineErr = fvm.NewEngine(context.Background(), fvm.EngineConfig{CacheDir: dir})
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

type testNet struct {
	chain *chain.Chain
	store *chain.Store
	keys  []*wallet.Key
}

func fil(n int64) abi.TokenAmount { return big.Mul(big.NewInt(n), big.NewInt(1e18)) }

// newTestNet starts an in-memory chain whose genesis funds keys.
func newTestNet(t testing.TB, dir string, automine bool, types ...wallet.KeyType) *testNet {
	t.Helper()
	return newTestNetAt(t, testNV, testActors, dir, automine, types...)
}

// newTestNetAt is newTestNet at a network version and its actors version.
func newTestNetAt(t testing.TB, nv network.Version, actors int, dir string, automine bool, types ...wallet.KeyType) *testNet {
	t.Helper()
	ctx := context.Background()
	n := &testNet{}
	var accounts []genesis.Account
	for i, typ := range types {
		seed := make([]byte, 32)
		seed[0], seed[31] = byte(i+1), 7
		k, err := wallet.NewKey(typ, seed)
		if err != nil {
			t.Fatal(err)
		}
		n.keys = append(n.keys, k)
		kind := map[wallet.KeyType]genesis.AccountKind{wallet.Secp256k1: genesis.Secp256k1, wallet.BLS: genesis.BLS, wallet.Delegated: genesis.Ethereum}[typ]
		accounts = append(accounts, genesis.Account{Kind: kind, Address: k.Address, Balance: fil(1000)})
	}
	store, err := chain.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	n.store = store
	n.chain, err = chain.Open(ctx, chain.Config{
		Store: store, Engine: testEngine(t), NetworkVersion: nv, ChainID: testChainID, Automine: automine,
		Genesis: func(ctx context.Context, bs blockstore.Blockstore) (cid.Cid, error) {
			g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: actors, Accounts: accounts})
			if err != nil {
				return cid.Undef, err
			}
			return g.StateRoot, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.chain.Close() })
	return n
}

func (n *testNet) transfer(t testing.TB, from *wallet.Key, to address.Address, value abi.TokenAmount, nonce uint64) *message.SignedMessage {
	t.Helper()
	m := message.Message{To: to, From: from.Address, Sequence: nonce, Value: value, GasLimit: 10_000_000,
		GasFeeCap: abi.NewTokenAmount(1_000_000_000), GasPremium: abi.NewTokenAmount(1000)}
	sig, err := from.Sign(m.Cid().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return &message.SignedMessage{Message: m, Signature: sig}
}

func balance(t testing.TB, c *chain.Chain, a address.Address) abi.TokenAmount {
	t.Helper()
	ctx := context.Background()
	vm, err := c.VMAt(ctx, c.Head(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close(ctx)
	b, err := vm.Balance(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAutomineTransfer(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, "", true, wallet.Secp256k1, wallet.BLS, wallet.Secp256k1)
	to := n.keys[2].Address
	before := balance(t, n.chain, to)
	for i, from := range n.keys[:2] {
		sm := n.transfer(t, from, to, fil(1), 0)
		mc, err := n.chain.Push(ctx, sm)
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		l, err := n.chain.SearchMessage(ctx, mc)
		if err != nil {
			t.Fatalf("search %d: %v", i, err)
		}
		if l.Applied.Receipt.ExitCode != 0 || l.Executed == nil {
			t.Fatalf("message %d: exit %d, executed %v", i, l.Applied.Receipt.ExitCode, l.Executed)
		}
		if !l.Executed.ParentState().Equals(must(n.chain.Execution(ctx, l.Included)).StateRoot) {
			t.Fatal("the child's parent state is not the state after the inclusion tipset")
		}
	}
	if got, want := balance(t, n.chain, to), big.Add(before, fil(2)); !got.Equals(want) {
		t.Fatalf("balance %s, want %s", got, want)
	}
	if h := n.chain.Head().Height; h != 4 {
		t.Fatalf("head at %d, want 4 (each message in a tipset, then a child)", h)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMempoolRejects(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, "", true, wallet.Secp256k1, wallet.Secp256k1)
	a, b := n.keys[0], n.keys[1]
	if _, err := n.chain.Push(ctx, n.transfer(t, a, b.Address, fil(1), 0)); err != nil {
		t.Fatal(err)
	}
	badSig := n.transfer(t, a, b.Address, fil(1), 1)
	badSig.Signature.Data[3] ^= 1
	tooMuch := n.transfer(t, a, b.Address, fil(5000), 1)
	noGas := n.transfer(t, a, b.Address, fil(1), 1)
	noGas.Message.GasLimit = fvm.BlockGasLimit + 1
	for name, tc := range map[string]struct {
		sm   *message.SignedMessage
		want string
	}{
		"bad signature": {badSig, "invalid secp256k1 signature"},
		"old nonce":     {n.transfer(t, a, b.Address, fil(1), 0), "nonce too low"},
		"nonce gap":     {n.transfer(t, a, b.Address, fil(1), 9), "nonce too high"},
		"balance":       {tooMuch, "not enough funds"},
		"gas limit":     {noGas, "exceeds the block gas limit"},
	} {
		_, err := n.chain.Push(ctx, tc.sm)
		if !errors.Is(err, chain.ErrRejected) || !contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want a rejection saying %q", name, err, tc.want)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestReplaceByFee(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, "", false, wallet.Secp256k1, wallet.Secp256k1)
	a, b := n.keys[0], n.keys[1]
	first := n.transfer(t, a, b.Address, fil(1), 0)
	if _, err := n.chain.Push(ctx, first); err != nil {
		t.Fatal(err)
	}
	low := n.transfer(t, a, b.Address, fil(2), 0)
	low.Message.GasPremium = abi.NewTokenAmount(1050)
	sig, _ := a.Sign(low.Message.Cid().Bytes())
	low.Signature = sig
	if _, err := n.chain.Push(ctx, low); !errors.Is(err, chain.ErrRejected) {
		t.Fatalf("replacement with a 5%% higher premium: %v, want a rejection", err)
	}
	high := n.transfer(t, a, b.Address, fil(2), 0)
	high.Message.GasPremium = abi.NewTokenAmount(1101)
	sig, _ = a.Sign(high.Message.Cid().Bytes())
	high.Signature = sig
	hc, err := n.chain.Push(ctx, high)
	if err != nil {
		t.Fatal(err)
	}
	if p := n.chain.Pending(); len(p) != 1 || !p[0].Cid().Equals(hc) {
		t.Fatalf("pending %v, want only the replacement", p)
	}
	if _, err := n.chain.Mine(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := n.chain.SearchMessage(ctx, first.Cid()); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("replaced message found on chain: %v", err)
	}
	if l, err := n.chain.SearchMessage(ctx, hc); err != nil || l.Applied.Receipt.ExitCode != 0 {
		t.Fatalf("replacement: %v", err)
	}
}

func TestRestartKeepsHead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := newTestNet(t, dir, true, wallet.Secp256k1, wallet.Secp256k1)
	if _, err := n.chain.Push(ctx, n.transfer(t, n.keys[0], n.keys[1].Address, fil(3), 0)); err != nil {
		t.Fatal(err)
	}
	head := n.chain.Head()
	n.chain.Close()
	n.store.Close()
	store, err := chain.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, err := chain.Open(ctx, chain.Config{Store: store, Engine: testEngine(t), NetworkVersion: testNV, ChainID: testChainID})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Head().Key.Equal(head.Key) || !c.Head().ParentState().Equals(head.ParentState()) {
		t.Fatalf("head after restart %s, want %s", c.Head().Key, head.Key)
	}
	if _, err := chain.Open(ctx, chain.Config{Store: store, Engine: testEngine(t), NetworkVersion: testNV, ChainID: 1}); !errors.Is(err, chain.ErrConfig) {
		t.Fatalf("reopening with another chain id: %v, want ErrConfig", err)
	}
}

func TestRevert(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, "", true, wallet.Secp256k1, wallet.Secp256k1)
	snap := n.chain.Snapshot()
	before := balance(t, n.chain, n.keys[1].Address)
	mc, err := n.chain.Push(ctx, n.transfer(t, n.keys[0], n.keys[1].Address, fil(3), 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.chain.Revert(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if got := balance(t, n.chain, n.keys[1].Address); !got.Equals(before) {
		t.Fatalf("balance after revert %s, want %s", got, before)
	}
	if _, err := n.chain.SearchMessage(ctx, mc); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("reverted message still found: %v", err)
	}
	if _, err := n.chain.Push(ctx, n.transfer(t, n.keys[0], n.keys[1].Address, fil(3), 0)); err != nil {
		t.Fatalf("pushing nonce 0 again after revert: %v", err)
	}
}

// BenchmarkEpochs mines empty tipsets: each runs the reward and cron implicit
// messages, which must exit 0 (mining fails otherwise).
func BenchmarkEpochs(b *testing.B) {
	n := newTestNet(b, "", false, wallet.Secp256k1)
	b.ResetTimer()
	if _, err := n.chain.Mine(context.Background(), b.N); err != nil {
		b.Fatal(err)
	}
}

// TestThousandEpochs: 1,000 epochs of reward and cron exit 0 (Mine fails
// otherwise), on nv27 and on nv28 (whose base fee follows premiums).
func TestThousandEpochs(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, v := range []struct {
		nv     network.Version
		actors int
	}{{network.Version27, 17}, {network.Version28, 18}} {
		n := newTestNetAt(t, v.nv, v.actors, "", false, wallet.Secp256k1)
		if _, err := n.chain.Mine(context.Background(), 1000); err != nil {
			t.Fatalf("nv%d: %v", v.nv, err)
		}
		head := n.chain.Head()
		if head.Height != 1000 {
			t.Fatalf("nv%d: head at %d", v.nv, head.Height)
		}
		// With no messages the base fee has fallen to the minimum.
		if !head.ParentBaseFee().Equals(abi.NewTokenAmount(100)) {
			t.Errorf("nv%d: base fee %s after 1,000 empty epochs, want 100", v.nv, head.ParentBaseFee())
		}
	}
}

// TestNonceOrder: a message past a nonce gap waits in the mempool until the
// gap fills, then both are mined in nonce order.
func TestNonceOrder(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, "", false, wallet.Secp256k1, wallet.Secp256k1)
	a, b := n.keys[0], n.keys[1]
	second, err := n.chain.Push(ctx, n.transfer(t, a, b.Address, fil(1), 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.chain.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := n.chain.SearchMessage(ctx, second); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("message after a nonce gap was mined: %v", err)
	}
	first, err := n.chain.Push(ctx, n.transfer(t, a, b.Address, fil(1), 0))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := n.chain.Mine(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := n.chain.Messages(ctx, ts[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || !msgs[0].Cid.Equals(first) || !msgs[1].Cid.Equals(second) {
		t.Fatalf("tipset messages %v, want nonce 0 then nonce 1", msgs)
	}
	exec, err := n.chain.Execution(ctx, ts[0])
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range exec.Messages {
		if a.Receipt.ExitCode != 0 {
			t.Errorf("message %d: exit code %d", i, a.Receipt.ExitCode)
		}
	}
	if !ts[1].Blocks[0].ParentMessageReceipts.Equals(exec.ReceiptsRoot) {
		t.Fatal("the child's ParentMessageReceipts is not the tipset's receipts root")
	}
}

// TestEvents: an EVM log is in the message's result, its receipt names the
// events AMT, and the store holds it.
func TestEvents(t *testing.T) {
	ctx := context.Background()
	bin, err := os.ReadFile("../testdata/Counter.bin")
	if err != nil {
		t.Fatal(err)
	}
	initcode, err := hex.DecodeString(strings.TrimSpace(string(bin)))
	if err != nil {
		t.Fatal(err)
	}
	n := newTestNet(t, "", true, wallet.Secp256k1)
	a := n.keys[0]
	push := func(m *message.Message) chain.Applied {
		t.Helper()
		m.GasLimit, m.GasFeeCap, m.GasPremium = 200_000_000, abi.NewTokenAmount(1_000_000_000), abi.NewTokenAmount(1000)
		sm, err := a.SignMessage(m, nil, testChainID)
		if err != nil {
			t.Fatal(err)
		}
		mc, err := n.chain.Push(ctx, sm)
		if err != nil {
			t.Fatal(err)
		}
		l, err := n.chain.SearchMessage(ctx, mc)
		if err != nil {
			t.Fatal(err)
		}
		if l.Applied.Receipt.ExitCode != 0 {
			t.Fatalf("exit code %d", l.Applied.Receipt.ExitCode)
		}
		return l.Applied
	}
	created, err := fvm.DecodeCreateReturn(push(fvm.CreateContractMessage(a.Address, 0, initcode)).Receipt.Return)
	if err != nil {
		t.Fatal(err)
	}
	calldata, _ := hex.DecodeString("7cf5dab0" + strings.Repeat("0", 63) + "5") // increment(5)
	res := push(fvm.InvokeContractMessage(a.Address, created.Address(), 1, calldata, big.Zero()))
	if len(res.Events) != 1 || res.Receipt.EventsRoot == nil {
		t.Fatalf("events %v, root %v", res.Events, res.Receipt.EventsRoot)
	}
	if ok, err := n.chain.Blockstore().Has(ctx, *res.Receipt.EventsRoot); err != nil || !ok {
		t.Fatalf("events AMT %s not stored: %v", res.Receipt.EventsRoot, err)
	}
	if _, data, err := res.Events[0].EVMLog(); err != nil || len(data) != 32 || data[31] != 5 {
		t.Fatalf("EVM log data %x, %v", data, err)
	}
}
