package eth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-fvm/go-fvm/devnet"
	"github.com/go-fvm/go-fvm/rpc/eth"
)

// FuzzRequest sends request bodies to a devnet's JSON-RPC handler, as any
// client on the port may. Whatever the body, the answer is HTTP 200 with a
// JSON-RPC response (an error, or a result and no error; a batch answers
// with an array of them), no method panics, and the node keeps answering.
// The seeds are a request for every Ethereum method with typical
// parameters, and a few Filecoin ones.
func FuzzRequest(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(cancel)
	d, err := devnet.Open(ctx, devnet.Config{NetworkVersion: 27, Accounts: 2, Engine: engine(f)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = d.Close(context.Background()) })
	h := d.Server.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		code, resp := post(h, body)
		if code != http.StatusOK {
			t.Fatalf("%q: HTTP %d: %s", body, code, resp)
		}
		checkResponse(t, body, resp)
		if code, resp := post(h, []byte(`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`)); code != http.StatusOK || !bytes.Contains(resp, []byte(`"result":"0x1df5e76"`)) {
			t.Fatalf("after %q: eth_chainId answers HTTP %d: %s", body, code, resp)
		}
	})
}

// post sends body to h as a JSON-RPC POST, with 10 s to answer.
func post(h http.Handler, body []byte) (int, []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/rpc/v1", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// checkResponse fails t unless resp is a JSON-RPC response (or an array of
// them) without a panic in it.
func checkResponse(t *testing.T, body, resp []byte) {
	t.Helper()
	if bytes.Contains(resp, []byte("panic in rpc method")) {
		t.Fatalf("%q: %s", body, resp)
	}
	trimmed := bytes.TrimSpace(resp)
	if len(trimmed) == 0 {
		if !notification(body) {
			t.Fatalf("%q: empty answer", body)
		}
		return
	}
	if trimmed[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			t.Fatalf("%q: batch answer is not JSON: %v: %s", body, err, resp)
		}
		for _, r := range batch {
			checkResponse(t, body, r)
		}
		return
	}
	var r struct {
		JSONRPC string          `json:"jsonrpc"`
		Result  json.RawMessage `json:"result"`
		Error   *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(trimmed, &r); err != nil {
		t.Fatalf("%q: answer is not a JSON-RPC response: %v: %s", body, err, resp)
	}
	if r.JSONRPC != "2.0" || (r.Error == nil) == (r.Result == nil) {
		t.Fatalf("%q: answer is not a JSON-RPC response: %s", body, resp)
	}
	if r.Error != nil && r.Error.Message == "" {
		t.Fatalf("%q: error without a message: %s", body, resp)
	}
}

// fuzzParams are typical parameters of every Ethereum method (by its
// Ethereum name) and of a few Filecoin ones.
var fuzzParams = func() map[string]string {
	const (
		addr  = `"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"`
		hash  = `"0x0000000000000000000000000000000000000000000000000000000000000001"`
		call  = `{"from":` + addr + `,"to":"0x00000000000000000000000000000000000000b0","data":"0x7cf5dab0","value":"0x1"}`
		rawTx = `"0x02f86f8401df5e7680830186a0843b9aca00830f424094000000000000000000000000000000000000000b001808c080a0d5dc4f8bdee42d1cae3df19d0e7d33c85f1b50b3b2c6e3d6f7c58b9b1a3d5b8fa03c3e1c7d5b1a8e2b2f8c1d9e0f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7"`
		trace = `{"tracer":"callTracer"}`
	)
	p := map[string]string{
		"eth_call": `[` + call + `,"latest"]`, "eth_estimateGas": `[` + call + `]`,
		"eth_feeHistory": `["0x5","latest",[25,75]]`, "eth_getBalance": `[` + addr + `,"latest"]`,
		"eth_getBlockByHash": `[` + hash + `,false]`, "eth_getBlockByNumber": `["0x1",true]`,
		"eth_getBlockReceipts": `["latest"]`, "eth_getBlockTransactionCountByHash": `[` + hash + `]`,
		"eth_getBlockTransactionCountByNumber": `["0x0"]`, "eth_getCode": `[` + addr + `,"latest"]`,
		"eth_getFilterChanges": `["0x1"]`, "eth_getFilterLogs": `["0x1"]`,
		"eth_getLogs":      `[{"fromBlock":"0x0","toBlock":"latest","address":` + addr + `,"topics":[` + hash + `,null]}]`,
		"eth_getStorageAt": `[` + addr + `,"0x0","latest"]`, "eth_getTransactionByBlockHashAndIndex": `[` + hash + `,"0x0"]`,
		"eth_getTransactionByBlockNumberAndIndex": `["latest","0x0"]`, "eth_getTransactionByHash": `[` + hash + `]`,
		"eth_getTransactionCount": `[` + addr + `,"pending"]`, "eth_getTransactionReceipt": `[` + hash + `]`,
		"eth_newFilter": `[{"fromBlock":"earliest","topics":[[` + hash + `]]}]`, "eth_sendRawTransaction": `[` + rawTx + `]`,
		"eth_sendTransaction": `[` + call + `]`, "eth_subscribe": `["newHeads"]`, "eth_uninstallFilter": `["0x1"]`,
		"eth_unsubscribe": `["0x1"]`, "evm_mine": `["0x1"]`, "evm_revert": `["0x1"]`, "evm_increaseTime": `[3600]`,
		"evm_setNextBlockTimestamp": `["0x7fffffff"]`, "anvil_mine": `["0x2","0x3c"]`,
		"anvil_setBalance": `[` + addr + `,"0x56bc75e2d63100000"]`, "debug_traceTransaction": `[` + hash + `,` + trace + `]`,
		"debug_traceCall": `[` + call + `,"latest",` + trace + `]`, "trace_block": `["latest"]`,
		"trace_transaction": `[` + hash + `]`, "trace_replayBlockTransactions": `["latest",["trace"]]`,
		"Filecoin.ChainHead": `[]`, "Filecoin.StateGetActor": `["f01000",null]`, "Filecoin.WalletBalance": `["f01000"]`,
		"Filecoin.MpoolPush":              `[{"Message":{"To":"f01000","From":"f01000","Nonce":0,"Value":"0","GasLimit":1,"GasFeeCap":"1","GasPremium":"1","Method":0,"Params":null},"Signature":{"Type":1,"Data":"AA=="}}]`,
		"Filecoin.ChainGetTipSetByHeight": `[1,null]`,
	}
	for _, alias := range [][2]string{{"hardhat_mine", "anvil_mine"}, {"hardhat_setBalance", "anvil_setBalance"},
		{"anvil_revert", "evm_revert"}, {"anvil_increaseTime", "evm_increaseTime"}, {"anvil_setNextBlockTimestamp", "evm_setNextBlockTimestamp"}} {
		p[alias[0]] = p[alias[1]]
	}
	return p
}()

// fuzzSeeds are a request for every method of fuzzParams (no parameters
// for the Ethereum methods it lacks), a batch and two malformed bodies.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	methods := append(eth.Methods(), "Filecoin.ChainHead", "Filecoin.StateGetActor", "Filecoin.WalletBalance",
		"Filecoin.MpoolPush", "Filecoin.ChainGetTipSetByHeight")
	for i, m := range methods {
		p, ok := fuzzParams[m]
		if !ok {
			p = `[]`
		}
		seeds = append(seeds, fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, i, m, p))
	}
	return append(seeds, []byte(`[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]},{"jsonrpc":"2.0","id":2,"method":"eth_chainId"}]`),
		[]byte(`{bad json`), []byte(strings.Repeat("[", 64)))
}

// notification reports whether body is a JSON-RPC notification (an object
// without an id), or a batch of them: requests that get no answer. Like
// go-jsonrpc (and so Lotus), it reads the first JSON value of body and
// ignores what follows.
func notification(body []byte) bool {
	var first json.RawMessage
	if json.NewDecoder(bytes.NewReader(body)).Decode(&first) != nil {
		return false
	}
	var batch []map[string]json.RawMessage
	if err := json.Unmarshal(first, &batch); err != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(first, &one) != nil {
			return false
		}
		batch = append(batch, one)
	}
	for _, r := range batch {
		if _, ok := r["id"]; ok {
			return false
		}
	}
	return len(batch) > 0
}
