package eth_test

import (
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// TestBadInput sends what clients get wrong: every answer is a JSON-RPC
// error with an Ethereum client's code and wording, nothing is applied, and
// the node keeps serving.
func TestBadInput(t *testing.T) {
	n := startNode(t)
	s := newSigner(t, key0)
	to := common.HexToAddress("0x00000000000000000000000000000000000000b0")
	signWith := func(key []byte, chainID int64, nonce, gas uint64) string {
		k, _ := gethcrypto.ToECDSA(key)
		tx, err := types.SignNewTx(k, types.NewLondonSigner(big.NewInt(chainID)), &types.DynamicFeeTx{
			ChainID: big.NewInt(chainID), Nonce: nonce, GasTipCap: big.NewInt(100_000), GasFeeCap: big.NewInt(1_000_000_000),
			Gas: gas, To: &to, Value: big.NewInt(1),
		})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tx.MarshalBinary()
		return hexutil.Encode(raw)
	}
	// One good transaction first, so that nonce 0 is used.
	n.send(t, s.sign(t, &to, nil, 10_000_000))
	good, _ := hexutil.Decode(signWith(key0, testChainID, 1, 10_000_000))
	var goodTx types.Transaction
	if err := goodTx.UnmarshalBinary(good); err != nil {
		t.Fatal(err)
	}
	sigV, sigR, _ := goodTx.RawSignatureValues()
	badSig, _ := types.NewTx(&types.DynamicFeeTx{ChainID: goodTx.ChainId(), Nonce: goodTx.Nonce(), GasTipCap: goodTx.GasTipCap(),
		GasFeeCap: goodTx.GasFeeCap(), Gas: goodTx.Gas(), To: goodTx.To(), Value: goodTx.Value(), V: sigV, R: sigR, S: new(big.Int)}).MarshalBinary()
	poor := mustKey("1111111111111111111111111111111111111111111111111111111111111111")

	var before hexutil.Uint64
	n.must(t, &before, "eth_blockNumber")
	var balBefore hexutil.Big
	n.must(t, &balBefore, "eth_getBalance", s.addr, "latest")

	cases := []struct {
		name   string
		method string
		params []any
		code   int
		msg    string
	}{
		{"bad rlp", "eth_sendRawTransaction", []any{"0xf8ff0102"}, -32000, "rlp"},
		{"empty tx", "eth_sendRawTransaction", []any{"0x"}, -32000, "empty"},
		{"eip-2930", "eth_sendRawTransaction", []any{"0x01c0"}, -32000, "transaction type not supported"},
		{"wrong chain", "eth_sendRawTransaction", []any{signWith(key0, 1, 1, 10_000_000)}, -32000, "invalid chain id"},
		{"bad signature", "eth_sendRawTransaction", []any{hexutil.Encode(badSig)}, -32000, "invalid sender"},
		{"nonce too low", "eth_sendRawTransaction", []any{signWith(key0, testChainID, 0, 10_000_000)}, -32000, "nonce too low"},
		{"nonce too high", "eth_sendRawTransaction", []any{signWith(key0, testChainID, 50, 10_000_000)}, -32000, "nonce too high"},
		{"insufficient funds", "eth_sendRawTransaction", []any{signWith(poor, testChainID, 0, 10_000_000)}, -32000, "insufficient funds"},
		{"gas above the block limit", "eth_sendRawTransaction", []any{signWith(key0, testChainID, 1, 20_000_000_000)}, -32000, "exceeds block gas limit"},
		{"unknown method", "eth_frobnicate", nil, -32601, "not found"},
		{"bad address", "eth_getBalance", []any{"0xzz", "latest"}, -32602, "invalid argument 0"},
		{"short address", "eth_getBalance", []any{"0x1234", "latest"}, -32602, "invalid argument 0"},
		{"bad block", "eth_getBalance", []any{s.addr, "newest"}, -32602, "invalid argument 1"},
		{"missing param", "eth_getBalance", nil, -32602, "missing value for required argument 0"},
		{"too many params", "eth_chainId", []any{1}, -32602, "too many arguments"},
		{"future block", "eth_getBalance", []any{s.addr, "0xffffff"}, -32000, "header not found"},
		{"bad hash", "eth_getTransactionByHash", []any{"0x12"}, -32602, "invalid argument 0"},
		{"unknown filter", "eth_getFilterChanges", []any{"0x1234"}, -32000, "filter not found"},
		{"subscribe over HTTP", "eth_subscribe", []any{"newHeads"}, -32004, "notifications not supported"},
		{"unknown tracer", "debug_traceCall", []any{map[string]any{"to": to}, "latest", map[string]any{"tracer": "prestateTracer"}}, -32004, "callTracer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := n.call(t, nil, c.method, c.params...)
			if err == nil {
				t.Fatalf("%s %v: no error", c.method, c.params)
			}
			if err.Code != c.code || !strings.Contains(err.Message, c.msg) {
				t.Fatalf("%s: error %d %q, want %d containing %q", c.method, err.Code, err.Message, c.code, c.msg)
			}
		})
	}
	// Bodies that are not JSON-RPC at all: an error with HTTP 200, as Anvil
	// answers them (ethers reads no body of an HTTP error).
	for body, code := range map[string]int{``: -32600, `[]`: -32600, `{"jsonrpc":"2.0","id":1,"method":`: -32700} {
		resp, err := http.Post(n.URL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("body %q: HTTP %d, want 200", body, resp.StatusCode)
		}
		if err := n.raw(t, []byte(body), nil); err == nil || err.Code != code {
			t.Errorf("body %q: %v, want code %d", body, err, code)
		}
	}
	if err := n.raw(t, []byte(`{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":{"a":1}}`), nil); err == nil || err.Code != -32602 {
		t.Fatalf("params as an object: %v", err)
	}

	// Nothing was applied: no block, no nonce, no balance change.
	var after, nonce hexutil.Uint64
	n.must(t, &after, "eth_blockNumber")
	n.must(t, &nonce, "eth_getTransactionCount", s.addr, "pending")
	var balAfter hexutil.Big
	n.must(t, &balAfter, "eth_getBalance", s.addr, "latest")
	if after != before || nonce != 1 || balAfter.ToInt().Cmp(balBefore.ToInt()) != 0 {
		t.Fatalf("rejected input changed the chain: block %d→%d, nonce %d, balance %s→%s", before, after, nonce, balBefore.String(), balAfter.String())
	}
	// And the node still serves: the good transaction goes through.
	var h common.Hash
	n.must(t, &h, "eth_sendRawTransaction", hexutil.Encode(good))
	var r *receipt
	n.must(t, &r, "eth_getTransactionReceipt", h)
	if r == nil || r.Status != 1 {
		t.Fatalf("the good transaction after the bad ones: %+v", r)
	}
}
