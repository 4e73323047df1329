package rpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-jsonrpc"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	init17 "github.com/filecoin-project/go-state-types/builtin/v17/init"
	msig17 "github.com/filecoin-project/go-state-types/builtin/v17/multisig"
	miner18 "github.com/filecoin-project/go-state-types/builtin/v18/miner"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/devnet"
	"github.com/go-fvm/go-fvm/rpc"
)

// fullNode is a Lotus-style client: the methods as function fields, filled
// by go-jsonrpc's client.
type fullNode struct {
	Version                  func(context.Context) (rpc.APIVersion, error)
	ChainHead                func(context.Context) (*rpc.TipSet, error)
	ChainGetTipSet           func(context.Context, rpc.TipSetKey) (*rpc.TipSet, error)
	ChainGetTipSetByHeight   func(context.Context, abi.ChainEpoch, rpc.TipSetKey) (*rpc.TipSet, error)
	ChainGetBlock            func(context.Context, cid.Cid) (*rpc.BlockHeader, error)
	ChainGetBlockMessages    func(context.Context, cid.Cid) (*rpc.BlockMessages, error)
	ChainGetMessage          func(context.Context, cid.Cid) (*rpc.Message, error)
	ChainGetParentMessages   func(context.Context, cid.Cid) ([]rpc.CidMessage, error)
	ChainGetParentReceipts   func(context.Context, cid.Cid) ([]*rpc.MessageReceipt, error)
	ChainReadObj             func(context.Context, cid.Cid) ([]byte, error)
	ChainHasObj              func(context.Context, cid.Cid) (bool, error)
	ChainNotify              func(context.Context) (<-chan []*rpc.HeadChange, error)
	MpoolPush                func(context.Context, *rpc.SignedMessage) (cid.Cid, error)
	MpoolPushMessage         func(context.Context, *rpc.Message, *rpc.MessageSendSpec) (*rpc.SignedMessage, error)
	MpoolGetNonce            func(context.Context, address.Address) (uint64, error)
	MpoolPending             func(context.Context, rpc.TipSetKey) ([]*rpc.SignedMessage, error)
	WalletList               func(context.Context) ([]address.Address, error)
	WalletBalance            func(context.Context, address.Address) (big.Int, error)
	WalletNew                func(context.Context, string) (address.Address, error)
	WalletSign               func(context.Context, address.Address, []byte) (*gscrypto.Signature, error)
	WalletSignMessage        func(context.Context, address.Address, *rpc.Message) (*rpc.SignedMessage, error)
	StateGetActor            func(context.Context, address.Address, rpc.TipSetKey) (*rpc.Actor, error)
	StateLookupID            func(context.Context, address.Address, rpc.TipSetKey) (address.Address, error)
	StateAccountKey          func(context.Context, address.Address, rpc.TipSetKey) (address.Address, error)
	StateLookupRobustAddress func(context.Context, address.Address, rpc.TipSetKey) (address.Address, error)
	StateCall                func(context.Context, *rpc.Message, rpc.TipSetKey) (*rpc.InvocResult, error)
	StateReplay              func(context.Context, rpc.TipSetKey, cid.Cid) (*rpc.InvocResult, error)
	StateSearchMsg           func(context.Context, rpc.TipSetKey, cid.Cid, abi.ChainEpoch, bool) (*rpc.MsgLookup, error)
	StateWaitMsg             func(context.Context, cid.Cid, uint64, abi.ChainEpoch, bool) (*rpc.MsgLookup, error)
	StateGetReceipt          func(context.Context, cid.Cid, rpc.TipSetKey) (*rpc.MessageReceipt, error)
	StateNetworkVersion      func(context.Context, rpc.TipSetKey) (network.Version, error)
	StateNetworkName         func(context.Context) (string, error)
	StateReadState           func(context.Context, address.Address, rpc.TipSetKey) (*rpc.ActorState, error)
	GasEstimateMessageGas    func(context.Context, *rpc.Message, *rpc.MessageSendSpec, rpc.TipSetKey) (*rpc.Message, error)
	GasEstimateGasLimit      func(context.Context, *rpc.Message, rpc.TipSetKey) (int64, error)
	GasEstimateFeeCap        func(context.Context, *rpc.Message, int64, rpc.TipSetKey) (big.Int, error)
	GasEstimateGasPremium    func(context.Context, uint64, address.Address, int64, rpc.TipSetKey) (big.Int, error)
}

type devnetNode struct {
	Mine func(context.Context, int) (*rpc.TipSet, error)
}

var (
	engineOnce sync.Once
	engine     *fvm.Engine
	engineErr  error
)

func testEngine(t *testing.T) *fvm.Engine {
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

type server struct {
	d    *devnet.Devnet
	addr string
	stop func()
}

// startDevnet starts a devnet serving on a free loopback port; it stops with the test.
func startDevnet(t *testing.T, cfg devnet.Config) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Engine = testEngine(t)
	if cfg.Accounts == 0 {
		cfg.Accounts = 3
	}
	d, err := devnet.Open(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx, l) }()
	s := &server{d: d, addr: l.Addr().String()}
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			d.Close(context.Background())
		})
	}
	t.Cleanup(s.stop)
	return s
}

func (s *server) client(t *testing.T, scheme string) (*fullNode, *devnetNode) {
	t.Helper()
	var fn fullNode
	var dn devnetNode
	url := scheme + "://" + s.addr + rpc.Path
	closer, err := jsonrpc.NewMergeClient(context.Background(), url, "Filecoin", []any{&fn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)
	closer2, err := jsonrpc.NewMergeClient(context.Background(), url, "Devnet", []any{&dn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer2)
	return &fn, &dn
}

func fil(n int64) big.Int { return big.Mul(big.NewInt(n), big.NewInt(1e18)) }

// f1 returns the i-th secp256k1 dev account.
func f1(t *testing.T, s *server, i int) address.Address {
	t.Helper()
	n := 0
	for _, a := range s.d.Accounts {
		if a.Key.Address.Protocol() == address.SECP256K1 {
			if n == i {
				return a.Key.Address
			}
			n++
		}
	}
	t.Fatalf("no f1 account %d", i)
	return address.Undef
}

func TestTransfers(t *testing.T) {
	ctx := context.Background()
	s := startDevnet(t, devnet.Config{})
	api, _ := s.client(t, "http")
	a, b := f1(t, s, 0), f1(t, s, 1)
	before, err := api.WalletBalance(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	// Through MpoolPushMessage: the node fills in nonce and gas and signs.
	sm, err := api.MpoolPushMessage(ctx, &rpc.Message{From: a, To: b, Value: fil(5)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lookup, err := api.StateWaitMsg(ctx, *sm.CID, 0, -1, false)
	if err != nil {
		t.Fatal(err)
	}
	if lookup.Receipt.ExitCode != 0 || lookup.Receipt.GasUsed == 0 || !lookup.Message.Equals(*sm.CID) {
		t.Fatalf("lookup %+v", lookup)
	}
	// Signed by the client, pushed with MpoolPush.
	nonce, err := api.MpoolGetNonce(ctx, a)
	if err != nil || nonce != 1 {
		t.Fatalf("nonce %d, %v; want 1", nonce, err)
	}
	msg := &rpc.Message{From: a, To: b, Nonce: nonce, Value: fil(2)}
	est, err := api.GasEstimateMessageGas(ctx, msg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if est.GasLimit <= 0 || est.GasFeeCap.Sign() <= 0 || est.GasPremium.Sign() <= 0 {
		t.Fatalf("estimate %+v", est)
	}
	signed, err := api.WalletSignMessage(ctx, a, est)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := api.MpoolPush(ctx, signed)
	if err != nil {
		t.Fatal(err)
	}
	if lookup, err = api.StateWaitMsg(ctx, mc, 0, -1, false); err != nil || lookup.Receipt.ExitCode != 0 {
		t.Fatalf("second transfer: %+v %v", lookup, err)
	}
	after, err := api.WalletBalance(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := big.Add(before, fil(7)); !after.Equals(want) {
		t.Fatalf("balance %s, want %s", after, want)
	}
	// The receipt is in the executing tipset's parent receipts, next to its message.
	exec, err := api.ChainGetTipSet(ctx, lookup.TipSet)
	if err != nil {
		t.Fatal(err)
	}
	blk := exec.Cids[0]
	msgs, err := api.ChainGetParentMessages(ctx, blk)
	if err != nil {
		t.Fatal(err)
	}
	rcpts, err := api.ChainGetParentReceipts(ctx, blk)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || len(rcpts) != 1 || !msgs[0].Cid.Equals(mc) || rcpts[0].GasUsed != lookup.Receipt.GasUsed {
		t.Fatalf("parent messages %v, receipts %v", msgs, rcpts)
	}
	m, err := api.ChainGetMessage(ctx, mc)
	if err != nil || m.Nonce != 1 || !m.Value.Equals(fil(2)) {
		t.Fatalf("ChainGetMessage: %+v %v", m, err)
	}
	if ok, err := api.ChainHasObj(ctx, exec.Blocks[0].ParentMessageReceipts); err != nil || !ok {
		t.Fatalf("receipts root not in the store: %v", err)
	}
	if r, err := api.StateGetReceipt(ctx, mc, nil); err != nil || r.GasUsed != lookup.Receipt.GasUsed {
		t.Fatalf("StateGetReceipt %+v %v", r, err)
	}
	id, err := api.StateLookupID(ctx, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key, err := api.StateAccountKey(ctx, id, nil); err != nil || key != b {
		t.Fatalf("StateAccountKey(%s) = %s, %v; want %s", id, key, err, b)
	}
	if robust, err := api.StateLookupRobustAddress(ctx, id, nil); err != nil || robust != b {
		t.Fatalf("StateLookupRobustAddress(%s) = %s, %v", id, robust, err)
	}
}

func TestBLSTransfer(t *testing.T) {
	ctx := context.Background()
	s := startDevnet(t, devnet.Config{})
	api, _ := s.client(t, "ws")
	bls, err := api.WalletNew(ctx, "bls")
	if err != nil || bls.Protocol() != address.BLS {
		t.Fatalf("WalletNew: %s %v", bls, err)
	}
	sm, err := api.MpoolPushMessage(ctx, &rpc.Message{From: f1(t, s, 0), To: bls, Value: fil(10)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.StateWaitMsg(ctx, *sm.CID, 0, -1, false); err != nil {
		t.Fatal(err)
	}
	back, err := api.MpoolPushMessage(ctx, &rpc.Message{From: bls, To: f1(t, s, 1), Value: fil(1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := api.StateWaitMsg(ctx, *back.CID, 0, -1, false)
	if err != nil || l.Receipt.ExitCode != 0 {
		t.Fatalf("BLS transfer: %+v %v", l, err)
	}
	// The BLS message is in its block's BLS list, its signature in the aggregate.
	incl, err := api.ChainGetTipSetByHeight(ctx, l.Height-1, nil)
	if err != nil {
		t.Fatal(err)
	}
	bm, err := api.ChainGetBlockMessages(ctx, incl.Cids[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(bm.BlsMessages) != 1 || len(bm.SecpkMessages) != 0 || !bm.Cids[0].Equals(*back.CID) {
		t.Fatalf("block messages %+v", bm)
	}
	if agg := incl.Blocks[0].BLSAggregate; agg == nil || !bytes.Equal(agg.Data, back.Signature.Data) {
		t.Fatal("the block's BLS aggregate of one message is not its signature")
	}
}

func cborBytes(t *testing.T, v interface{ MarshalCBOR(io.Writer) error }) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := v.MarshalCBOR(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMultisig(t *testing.T) {
	ctx := context.Background()
	s := startDevnet(t, devnet.Config{})
	api, _ := s.client(t, "ws")
	alice, bob, carol := f1(t, s, 0), f1(t, s, 1), f1(t, s, 2)
	reserve, err := api.StateGetActor(ctx, mustID(90), nil)
	if err != nil {
		t.Fatal(err)
	}
	wait := func(sm *rpc.SignedMessage, err error) *rpc.MsgLookup {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		l, err := api.StateWaitMsg(ctx, *sm.CID, 0, -1, false)
		if err != nil {
			t.Fatal(err)
		}
		if l.Receipt.ExitCode != 0 {
			t.Fatalf("message %s: exit code %d", sm.CID, l.Receipt.ExitCode)
		}
		return l
	}
	// Alice creates a 2-of-2 multisig of Alice and Bob with 100 FIL.
	ctor := cborBytes(t, &msig17.ConstructorParams{Signers: []address.Address{alice, bob}, NumApprovalsThreshold: 2})
	exec := cborBytes(t, &init17.ExecParams{CodeCID: reserve.Code, ConstructorParams: ctor})
	l := wait(api.MpoolPushMessage(ctx, &rpc.Message{From: alice, To: builtin.InitActorAddr, Value: fil(100),
		Method: builtin.MethodsInit.Exec, Params: exec}, nil))
	var created init17.ExecReturn
	if err := created.UnmarshalCBOR(bytes.NewReader(l.Receipt.Return)); err != nil {
		t.Fatal(err)
	}
	before, _ := api.WalletBalance(ctx, carol)
	// Alice proposes sending 30 FIL to Carol; Bob approves.
	propose := cborBytes(t, &msig17.ProposeParams{To: carol, Value: fil(30)})
	pl := wait(api.MpoolPushMessage(ctx, &rpc.Message{From: alice, To: created.IDAddress,
		Method: builtin.MethodsMultisig.Propose, Params: propose}, nil))
	var proposed msig17.ProposeReturn
	if err := proposed.UnmarshalCBOR(bytes.NewReader(pl.Receipt.Return)); err != nil {
		t.Fatal(err)
	}
	if proposed.Applied {
		t.Fatal("a 2-of-2 proposal applied with one approval")
	}
	approve := cborBytes(t, &msig17.TxnIDParams{ID: proposed.TxnID})
	al := wait(api.MpoolPushMessage(ctx, &rpc.Message{From: bob, To: created.IDAddress,
		Method: builtin.MethodsMultisig.Approve, Params: approve}, nil))
	after, _ := api.WalletBalance(ctx, carol)
	if want := big.Add(before, fil(30)); !after.Equals(want) {
		t.Fatalf("carol has %s, want %s", after, want)
	}
	msigBal, _ := api.WalletBalance(ctx, created.RobustAddress)
	if !msigBal.Equals(fil(70)) {
		t.Fatalf("multisig holds %s, want 70 FIL", msigBal)
	}
	// StateReplay of the approval shows the multisig's send to Carol in its trace.
	approval := al.Message
	r, err := api.StateReplay(ctx, nil, approval)
	if err != nil {
		t.Fatal(err)
	}
	if r.MsgRct == nil || r.MsgRct.ExitCode != 0 || !r.MsgCid.Equals(approval) {
		t.Fatalf("replay %+v", r)
	}
	tr := r.ExecutionTrace
	if tr.Msg.To != created.IDAddress || tr.InvokedActor == nil || len(tr.GasCharges) == 0 {
		t.Fatalf("trace top %+v", tr.Msg)
	}
	found := false
	for _, sc := range tr.Subcalls {
		if sc.Msg.To == carol || (sc.Msg.Value.Equals(fil(30)) && sc.Msg.Method == 0) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no send of 30 FIL to carol among the trace's subcalls %+v", tr.Subcalls)
	}
	st, err := api.StateReadState(ctx, created.IDAddress, nil)
	if err != nil || st.State == nil {
		t.Fatalf("StateReadState: %v", err)
	}
}

func TestStateCall(t *testing.T) {
	ctx := context.Background()
	s := startDevnet(t, devnet.Config{})
	api, _ := s.client(t, "http")
	a := f1(t, s, 0)
	// The account actor's PubkeyAddress (method 2) returns its key address.
	r, err := api.StateCall(ctx, &rpc.Message{From: a, To: a, Method: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got address.Address
	if err := got.UnmarshalCBOR(bytes.NewReader(r.MsgRct.Return)); err != nil || got != a {
		t.Fatalf("StateCall returned %s (%v), want %s", got, err, a)
	}
	head, _ := api.ChainHead(ctx)
	if n, err := api.MpoolGetNonce(ctx, a); err != nil || n != 0 {
		t.Fatalf("StateCall changed the nonce: %d %v", n, err)
	}
	if h2, _ := api.ChainHead(ctx); h2.Height != head.Height {
		t.Fatal("StateCall mined a tipset")
	}
}

func TestRestartKeepsHead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := startDevnet(t, devnet.Config{DataDir: dir})
	api, _ := s.client(t, "http")
	sm, err := api.MpoolPushMessage(ctx, &rpc.Message{From: f1(t, s, 0), To: f1(t, s, 1), Value: fil(1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	head, err := api.ChainHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.stop()
	s2 := startDevnet(t, devnet.Config{DataDir: dir})
	api2, _ := s2.client(t, "http")
	head2, err := api2.ChainHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head2.Height != head.Height || !head2.Cids[0].Equals(head.Cids[0]) || !head2.Blocks[0].ParentStateRoot.Equals(head.Blocks[0].ParentStateRoot) {
		t.Fatalf("head after restart %v at %d, want %v at %d", head2.Cids, head2.Height, head.Cids, head.Height)
	}
	if l, err := api2.StateSearchMsg(ctx, nil, *sm.CID, -1, false); err != nil || l == nil || l.Receipt.ExitCode != 0 {
		t.Fatalf("message after restart: %+v %v", l, err)
	}
	if n, err := api2.MpoolGetNonce(ctx, f1(t, s2, 0)); err != nil || n != 1 {
		t.Fatalf("nonce after restart %d, %v", n, err)
	}
}

func TestIntervalMining(t *testing.T) {
	ctx := context.Background()
	s := startDevnet(t, devnet.Config{BlockTime: 50 * time.Millisecond})
	api, dn := s.client(t, "ws")
	notify, err := api.ChainNotify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := <-notify
	if len(first) != 1 || first[0].Type != "current" {
		t.Fatalf("first change %+v", first)
	}
	sm, err := api.MpoolPushMessage(ctx, &rpc.Message{From: f1(t, s, 0), To: f1(t, s, 1), Value: fil(1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if l, err := api.StateWaitMsg(wctx, *sm.CID, 1, -1, false); err != nil || l.Receipt.ExitCode != 0 {
		t.Fatalf("wait: %+v %v", l, err)
	}
	select {
	case hc := <-notify:
		if hc[0].Type != "apply" || hc[0].Val.Height <= first[0].Val.Height {
			t.Fatalf("change %+v", hc[0])
		}
	case <-wctx.Done():
		t.Fatal("no head change")
	}
	h, _ := api.ChainHead(ctx)
	mined, err := dn.Mine(ctx, 3)
	if err != nil || mined.Height < h.Height+3 {
		t.Fatalf("Devnet.Mine(3) from %d: %v %v", h.Height, mined, err)
	}
}

// post sends a raw JSON-RPC request.
func post(t *testing.T, s *server, body string) map[string]any {
	t.Helper()
	resp, err := http.Post("http://"+s.addr+rpc.Path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("response to %s: %v", body, err)
	}
	return out
}

func errorMessage(resp map[string]any) string {
	e, _ := resp["error"].(map[string]any)
	if e == nil {
		return ""
	}
	msg, _ := e["message"].(string)
	return msg
}

func TestMalformedRequests(t *testing.T) {
	ctx := context.Background()
	s := startDevnet(t, devnet.Config{})
	api, _ := s.client(t, "http")
	a, b := f1(t, s, 0), f1(t, s, 1)
	for name, tc := range map[string]struct{ body, want string }{
		"garbage":        {`{"jsonrpc":"2.0","id":1,"method":`, "Parse error"},
		"unknown method": {`{"jsonrpc":"2.0","id":1,"method":"Filecoin.NoSuchMethod","params":[]}`, "method 'Filecoin.NoSuchMethod' not found"},
		"bad params":     {`{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainGetBlock","params":["not a cid"]}`, "unmarshaling params"},
		"bad address":    {`{"jsonrpc":"2.0","id":1,"method":"Filecoin.WalletBalance","params":["f9xyz"]}`, "unmarshaling params"},
		"missing params": {`{"jsonrpc":"2.0","id":1,"method":"Filecoin.MpoolPush","params":[]}`, "wrong param count"},
		"null message":   {`{"jsonrpc":"2.0","id":1,"method":"Filecoin.MpoolPush","params":[null]}`, "signed message is missing"},
		"bad height":     {`{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainGetTipSetByHeight","params":[99999,null]}`, "greater than start point"},
	} {
		resp := post(t, s, tc.body)
		if msg := errorMessage(resp); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error %q, want one saying %q", name, msg, tc.want)
		}
	}
	// Mempool rejections name the reason.
	msg := &rpc.Message{From: a, To: b, Value: fil(1), GasLimit: 10_000_000, GasFeeCap: big.NewInt(1e9), GasPremium: big.NewInt(1e5)}
	signed, err := api.WalletSignMessage(ctx, a, msg)
	if err != nil {
		t.Fatal(err)
	}
	bad := *signed
	bad.Signature.Data = bytes.Clone(bad.Signature.Data)
	bad.Signature.Data[5] ^= 1
	tooMuch := *msg
	tooMuch.Value = fil(1_000_000)
	rich, err := api.WalletSignMessage(ctx, a, &tooMuch)
	if err != nil {
		t.Fatal(err)
	}
	wrongNonce := *msg
	wrongNonce.Nonce = 7
	gapped, err := api.WalletSignMessage(ctx, a, &wrongNonce)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		sm   *rpc.SignedMessage
		want string
	}{
		"bad signature": {&bad, "invalid secp256k1 signature"},
		"balance":       {rich, "not enough funds"},
		"nonce":         {gapped, "nonce too high"},
	} {
		_, err := api.MpoolPush(ctx, tc.sm)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, tc.want)
		}
	}
	if _, err := api.MpoolPush(ctx, signed); err != nil {
		t.Fatalf("the devnet stopped serving after bad input: %v", err)
	}
	if _, err := api.ChainHead(ctx); err != nil {
		t.Fatal(err)
	}
	var rpcErr *jsonrpc.JSONRPCError
	_, err = api.StateGetActor(ctx, mustAddr(t, "f1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), nil)
	if err == nil || (errors.As(err, &rpcErr) && rpcErr.Message == "") {
		t.Fatalf("StateGetActor of a missing actor: %v", err)
	}
}

func mustID(id uint64) address.Address {
	a, _ := address.NewIDAddress(id)
	return a
}

func mustAddr(t *testing.T, s string) address.Address {
	a, err := address.NewFromString(s)
	if err != nil {
		// any valid f1 will do
		a, _ = address.NewSecp256k1Address([]byte("not a real key, just bytes"))
	}
	return a
}

// TestJSONShapes checks raw JSON field names against Lotus's.
func TestJSONShapes(t *testing.T) {
	s := startDevnet(t, devnet.Config{})
	api, _ := s.client(t, "http")
	sm, err := api.MpoolPushMessage(context.Background(), &rpc.Message{From: f1(t, s, 0), To: f1(t, s, 1), Value: fil(1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	head := post(t, s, `{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainHead","params":[]}`)["result"].(map[string]any)
	for _, k := range []string{"Cids", "Blocks", "Height"} {
		if _, ok := head[k]; !ok {
			t.Errorf("ChainHead has no %q", k)
		}
	}
	blk := head["Blocks"].([]any)[0].(map[string]any)
	for _, k := range []string{"Miner", "Ticket", "ElectionProof", "BeaconEntries", "WinPoStProof", "Parents", "ParentWeight", "Height", "ParentStateRoot", "ParentMessageReceipts", "Messages", "BLSAggregate", "Timestamp", "BlockSig", "ForkSignaling", "ParentBaseFee"} {
		if _, ok := blk[k]; !ok {
			t.Errorf("block header has no %q", k)
		}
	}
	msg := post(t, s, `{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainGetMessage","params":[{"/":"`+sm.CID.String()+`"}]}`)["result"].(map[string]any)
	for _, k := range []string{"Version", "To", "From", "Nonce", "Value", "GasLimit", "GasFeeCap", "GasPremium", "Method", "Params", "CID"} {
		if _, ok := msg[k]; !ok {
			t.Errorf("message has no %q", k)
		}
	}
	replay := post(t, s, `{"jsonrpc":"2.0","id":1,"method":"Filecoin.StateReplay","params":[[],{"/":"`+sm.CID.String()+`"}]}`)["result"].(map[string]any)
	tr := replay["ExecutionTrace"].(map[string]any)
	charge := tr["GasCharges"].([]any)[0].(map[string]any)
	for _, k := range []string{"Name", "tg", "cg", "sg", "tt"} {
		if _, ok := charge[k]; !ok {
			t.Errorf("gas charge has no %q", k)
		}
	}
	for _, k := range []string{"MsgCid", "Msg", "MsgRct", "GasCost", "ExecutionTrace", "Error", "Duration"} {
		if _, ok := replay[k]; !ok {
			t.Errorf("InvocResult has no %q", k)
		}
	}
}

// TestGenesisMiner: the devnet's storage miner f01000 (devnet.Config.Miner),
// as Lotus devnets have one: a miner actor of the bundle's code owned and worked by the devnet's
// BLS miner key, named by every block and paid each tipset's block reward
// (not burnt). The Ethereum null account comes after it, at f01001.
func TestGenesisMiner(t *testing.T) {
	s := startDevnet(t, devnet.Config{Miner: true})
	api, dn := s.client(t, "http")
	ctx := context.Background()
	miner := mustID(1000)
	if s.d.Miner.ID != miner {
		t.Fatalf("devnet miner %s, want f01000", s.d.Miner.ID)
	}

	av, err := devnet.ActorsVersion(s.d.Config.NetworkVersion)
	if err != nil {
		t.Fatal(err)
	}
	root, err := bundle.KnownManifest(av, "mainnet")
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := bundle.LoadManifest(ctx, s.d.Chain.Blockstore(), root)
	if err != nil {
		t.Fatal(err)
	}
	minerCode, ok := manifest.Code("storageminer")
	if !ok {
		t.Fatal("the manifest has no storageminer code")
	}
	act, err := api.StateGetActor(ctx, miner, nil)
	if err != nil {
		t.Fatal(err)
	}
	if act.Code != minerCode {
		t.Fatalf("f01000 code %s, want the manifest's storageminer %s", act.Code, minerCode)
	}

	// The miner's info: owner and worker are the miner key's account.
	ownerID, err := api.StateLookupID(ctx, s.d.Miner.Owner.Address, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := api.StateReadState(ctx, miner, nil)
	if err != nil {
		t.Fatal(err)
	}
	fields, ok := st.State.([]any)
	if !ok || len(fields) == 0 {
		t.Fatalf("miner state %v", st.State)
	}
	link, ok := fields[0].(map[string]any)
	if !ok {
		t.Fatalf("miner state's Info %v, want a link", fields[0])
	}
	infoCid, err := cid.Decode(link["/"].(string))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := api.ChainReadObj(ctx, infoCid)
	if err != nil {
		t.Fatal(err)
	}
	var info miner18.MinerInfo
	if err := info.UnmarshalCBOR(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	if info.Owner != ownerID || info.Worker != ownerID {
		t.Fatalf("miner owner %s, worker %s; want both %s (%s)", info.Owner, info.Worker, ownerID, s.d.Miner.Owner.Address)
	}
	if key, err := api.StateAccountKey(ctx, info.Worker, nil); err != nil || key != s.d.Miner.Owner.Address || key.Protocol() != address.BLS {
		t.Fatalf("worker key %s (%v), want the BLS key %s", key, err, s.d.Miner.Owner.Address)
	}

	// The Ethereum null account follows the miner.
	null, err := address.NewDelegatedAddress(builtin.EthereumAddressManagerActorID, make([]byte, 20))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := api.StateLookupID(ctx, null, nil); err != nil || id != mustID(1001) {
		t.Fatalf("the Ethereum null account is %s (%v), want f01001", id, err)
	}

	// Each tipset names the miner, and its reward moves from the reward
	// actor to the miner; nothing is burnt.
	balance := func(a address.Address) big.Int {
		t.Helper()
		b, err := api.WalletBalance(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	genesisTs, err := api.ChainGetTipSetByHeight(ctx, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := genesisTs.Blocks[0].Miner; m != miner {
		t.Fatalf("genesis block miner %s, want f01000", m)
	}
	burnt0 := balance(builtin.BurntFundsActorAddr)
	for i := range 3 {
		minerBefore, rewardBefore := balance(miner), balance(builtin.RewardActorAddr)
		if _, err := dn.Mine(ctx, 1); err != nil {
			t.Fatal(err)
		}
		head, err := api.ChainHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range head.Blocks {
			if b.Miner != miner {
				t.Fatalf("tipset %d: block miner %s, want f01000", head.Height, b.Miner)
			}
		}
		gained := big.Sub(balance(miner), minerBefore)
		paid := big.Sub(rewardBefore, balance(builtin.RewardActorAddr))
		if gained.Sign() <= 0 || !gained.Equals(paid) {
			t.Fatalf("tipset %d (%d): the miner gained %s, the reward actor paid %s; want the same positive reward", head.Height, i, gained, paid)
		}
	}
	if burnt := balance(builtin.BurntFundsActorAddr); !burnt.Equals(burnt0) {
		t.Fatalf("burnt funds went from %s to %s over empty tipsets: the reward was burnt", burnt0, burnt)
	}
}
