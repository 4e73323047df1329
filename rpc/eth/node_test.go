package eth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	logging "github.com/ipfs/go-log/v2"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/devnet"
)

const testChainID = 31415926

// Anvil's first two accounts (from its public test mnemonic): dev keys only.
var (
	key0 = mustKey("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
	key1 = mustKey("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
)

func mustKey(h string) []byte {
	b, err := hexutil.Decode("0x" + h)
	if err != nil {
		panic(err)
	}
	return b
}

// testNode is a devnet (the real assembly: chain, Filecoin and Ethereum
// APIs on one server) on a local port.
type testNode struct {
	URL    string // http://127.0.0.1:port/rpc/v1
	WS     string // ws://127.0.0.1:port/rpc/v1
	Devnet *devnet.Devnet
	id     atomic.Int64
}

func init() {
	// go-jsonrpc logs every error response; the tests provoke many.
	_ = logging.SetLogLevel("rpc", "fatal")
}

var sharedEngine *fvm.Engine

func engine(t testing.TB) *fvm.Engine {
	t.Helper()
	if sharedEngine != nil {
		return sharedEngine
	}
	dir, err := fvm.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := fvm.NewEngine(context.Background(), fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sharedEngine = eng
	return eng
}

// startNode starts an automining in-memory devnet (actors v17, nv27) whose
// genesis funds Anvil's first two accounts (and two f1 accounts) with 10,000
// FIL each, serving on a free local port until the test ends.
func startNode(t testing.TB) *testNode {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := devnet.Open(ctx, devnet.Config{NetworkVersion: 27, Accounts: 2, Engine: engine(t)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		_ = d.Close(context.Background())
	})
	addr := ln.Addr().String()
	return &testNode{URL: "http://" + addr + "/rpc/v1", WS: "ws://" + addr + "/rpc/v1", Devnet: d}
}

// rpcError is a JSON-RPC error response.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Message) }

// call makes one JSON-RPC request; out receives the result.
func (n *testNode) call(t testing.TB, out any, method string, params ...any) *rpcError {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": n.id.Add(1), "method": method, "params": params})
	return n.raw(t, body, out)
}

func (n *testNode) raw(t testing.TB, body []byte, out any) *rpcError {
	t.Helper()
	resp, err := http.Post(n.URL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("response to %s: %v: %s", body, err, b)
	}
	if r.Error != nil {
		return r.Error
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			t.Fatalf("result of %s: %v: %s", body, err, r.Result)
		}
	}
	return nil
}

// must fails the test on a JSON-RPC error.
func (n *testNode) must(t testing.TB, out any, method string, params ...any) {
	t.Helper()
	if err := n.call(t, out, method, params...); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

// tokenArtifact is testdata/contracts/Token.json (compile.mjs's output).
type tokenArtifact struct {
	ABI      json.RawMessage `json:"abi"`
	Bytecode string          `json:"bytecode"`
}

func token(t testing.TB) tokenArtifact {
	t.Helper()
	b, err := os.ReadFile("testdata/contracts/Token.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]tokenArtifact
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	return all["Token"]
}

// signer signs EIP-1559 transactions from one key with increasing nonces.
type signer struct {
	key   []byte
	addr  common.Address
	nonce uint64
}

func newSigner(t testing.TB, key []byte) *signer {
	k, err := gethcrypto.ToECDSA(key)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{key: key, addr: gethcrypto.PubkeyToAddress(k.PublicKey)}
}

func (s *signer) sign(t testing.TB, to *common.Address, data []byte, gas uint64) []byte {
	t.Helper()
	k, _ := gethcrypto.ToECDSA(s.key)
	tx, err := types.SignNewTx(k, types.NewLondonSigner(big.NewInt(testChainID)), &types.DynamicFeeTx{
		ChainID: big.NewInt(testChainID), Nonce: s.nonce, GasTipCap: big.NewInt(100_000), GasFeeCap: big.NewInt(1_000_000_000),
		Gas: gas, To: to, Value: new(big.Int), Data: data,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.nonce++
	raw, _ := tx.MarshalBinary()
	return raw
}

// receipt is the part of a receipt the tests read.
type receipt struct {
	Status          hexutil.Uint64  `json:"status"`
	ContractAddress *common.Address `json:"contractAddress"`
	GasUsed         hexutil.Uint64  `json:"gasUsed"`
	BlockNumber     hexutil.Uint64  `json:"blockNumber"`
	BlockHash       common.Hash     `json:"blockHash"`
	TransactionHash common.Hash     `json:"transactionHash"`
	From            common.Address  `json:"from"`
	To              *common.Address `json:"to"`
	Logs            []struct {
		Address common.Address `json:"address"`
		Topics  []common.Hash  `json:"topics"`
		Data    hexutil.Bytes  `json:"data"`
	} `json:"logs"`
	LogsBloom hexutil.Bytes `json:"logsBloom"`
}

// send submits a raw transaction and returns its receipt.
func (n *testNode) send(t testing.TB, raw []byte) (common.Hash, *receipt) {
	t.Helper()
	var h common.Hash
	n.must(t, &h, "eth_sendRawTransaction", hexutil.Encode(raw))
	var r *receipt
	deadline := time.Now().Add(30 * time.Second)
	for r == nil && time.Now().Before(deadline) {
		n.must(t, &r, "eth_getTransactionReceipt", h)
	}
	if r == nil {
		t.Fatalf("no receipt for %s", h.Hex())
	}
	return h, r
}

// deployToken deploys the ERC-20 from s and returns its address.
func (n *testNode) deployToken(t testing.TB, s *signer) common.Address {
	t.Helper()
	code, err := hexutil.Decode(token(t).Bytecode)
	if err != nil {
		t.Fatal(err)
	}
	_, r := n.send(t, s.sign(t, nil, code, 100_000_000))
	if r.Status != 1 || r.ContractAddress == nil {
		t.Fatalf("deploy failed: %+v", r)
	}
	return *r.ContractAddress
}

// Selectors and topics of the ERC-20.
var (
	selTransfer   = gethcrypto.Keccak256([]byte("transfer(address,uint256)"))[:4]
	selBalanceOf  = gethcrypto.Keccak256([]byte("balanceOf(address)"))[:4]
	topicTransfer = common.BytesToHash(gethcrypto.Keccak256([]byte("Transfer(address,address,uint256)")))
)

func transferData(to common.Address, amount int64) []byte {
	return append(append(append([]byte{}, selTransfer...), common.LeftPadBytes(to[:], 32)...), common.LeftPadBytes(big.NewInt(amount).Bytes(), 32)...)
}

func balanceOfData(a common.Address) []byte {
	return append(append([]byte{}, selBalanceOf...), common.LeftPadBytes(a[:], 32)...)
}
