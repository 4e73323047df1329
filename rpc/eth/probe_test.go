package eth_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/filecoin-project/go-address"

	fvm "github.com/go-fvm/go-fvm"
)

// probe is the Probe contract (testdata/contracts/Probe.sol) on a node.
type probe struct {
	abi    abi.ABI
	callee abi.ABI
	addr   common.Address
}

func loadABI(t testing.TB, name string) (abi.ABI, string) {
	t.Helper()
	b, err := os.ReadFile("testdata/contracts/Probe.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]struct {
		ABI      json.RawMessage `json:"abi"`
		Bytecode string          `json:"bytecode"`
	}
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	a, err := abi.JSON(bytes.NewReader(all[name].ABI))
	if err != nil {
		t.Fatal(err)
	}
	return a, all[name].Bytecode
}

func (n *testNode) deployProbe(t testing.TB, s *signer) (*probe, common.Hash) {
	t.Helper()
	a, bin := loadABI(t, "Probe")
	callee, _ := loadABI(t, "Callee")
	code, err := hexutil.Decode(bin)
	if err != nil {
		t.Fatal(err)
	}
	h, r := n.send(t, s.sign(t, nil, code, 300_000_000))
	if r.Status != 1 || r.ContractAddress == nil {
		t.Fatalf("deploying Probe: %+v", r)
	}
	return &probe{abi: a, callee: callee, addr: *r.ContractAddress}, h
}

func (p *probe) pack(t testing.TB, method string, args ...any) []byte {
	t.Helper()
	data, err := p.abi.Pack(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// transact sends a Probe call and returns its hash and receipt.
func (p *probe) transact(t testing.TB, n *testNode, s *signer, method string, args ...any) (common.Hash, *receipt) {
	t.Helper()
	h, r := n.send(t, s.sign(t, &p.addr, p.pack(t, method, args...), 300_000_000))
	if r.Status != 1 {
		t.Fatalf("%s: %+v", method, r)
	}
	return h, r
}

// frame is a callTracer frame as the tests read it.
type frame struct {
	Type         string          `json:"type"`
	From         common.Address  `json:"from"`
	To           *common.Address `json:"to"`
	Input        hexutil.Bytes   `json:"input"`
	Output       hexutil.Bytes   `json:"output"`
	Error        string          `json:"error"`
	RevertReason string          `json:"revertReason"`
	GasUsed      hexutil.Uint64  `json:"gasUsed"`
	Calls        []frame         `json:"calls"`
}

func (n *testNode) callTrace(t testing.TB, h common.Hash) frame {
	t.Helper()
	var f frame
	n.must(t, &f, "debug_traceTransaction", h, map[string]any{"tracer": "callTracer"})
	return f
}

// TestTraces checks callTracer and Parity traces of calls that nest:
// CREATE in a constructor, CALL, DELEGATECALL, CREATE2, a caught revert.
func TestTraces(t *testing.T) {
	n := startNode(t)
	s := newSigner(t, key0)
	p, deployHash := n.deployProbe(t, s)
	var calleeAddr common.Address
	var out hexutil.Bytes
	n.must(t, &out, "eth_call", map[string]any{"to": p.addr, "data": hexutil.Bytes(p.pack(t, "callee"))})
	calleeAddr = common.BytesToAddress(out)

	deploy := n.callTrace(t, deployHash)
	if deploy.Type != "CREATE" || deploy.From != s.addr || *deploy.To != p.addr || len(deploy.Calls) != 1 ||
		deploy.Calls[0].Type != "CREATE" || *deploy.Calls[0].To != calleeAddr || deploy.Calls[0].From != p.addr {
		t.Fatalf("deployment trace: %s", mustJSON(deploy))
	}

	pingHash, r := p.transact(t, n, s, "callPing", big.NewInt(7))
	ping := n.callTrace(t, pingHash)
	if ping.Type != "CALL" || *ping.To != p.addr || uint64(ping.GasUsed) != uint64(r.GasUsed) || len(ping.Calls) != 1 {
		t.Fatalf("callPing trace: %s", mustJSON(ping))
	}
	inner := ping.Calls[0]
	wantIn := p.pack(t, "callPing", big.NewInt(7))
	if !bytes.Equal(ping.Input, wantIn) || inner.Type != "CALL" || inner.From != p.addr || *inner.To != calleeAddr ||
		common.BytesToHash(inner.Output).Big().Int64() != 8 || inner.GasUsed == 0 {
		t.Fatalf("callPing's inner call: %s", mustJSON(inner))
	}

	delegateHash, _ := p.transact(t, n, s, "delegatePing", big.NewInt(9))
	if d := n.callTrace(t, delegateHash); len(d.Calls) != 1 || d.Calls[0].Type != "DELEGATECALL" || *d.Calls[0].To != calleeAddr || d.Calls[0].From != p.addr {
		t.Fatalf("delegatePing trace: %s", mustJSON(d))
	}

	n.must(t, &out, "eth_call", map[string]any{"to": p.addr, "data": hexutil.Bytes(p.pack(t, "last"))})
	if common.BytesToHash(out).Big().Int64() != 9 {
		t.Fatalf("delegatePing ran Callee's code on Probe's storage: last = %x, want 9", out)
	}

	createHash, _ := p.transact(t, n, s, "create2", [32]byte{1})
	if c := n.callTrace(t, createHash); len(c.Calls) != 1 || c.Calls[0].Type != "CREATE2" || c.Calls[0].To == nil {
		t.Fatalf("create2 trace: %s", mustJSON(c))
	}

	failHash, _ := p.transact(t, n, s, "tryFail")
	f := n.callTrace(t, failHash)
	if f.Error != "" || len(f.Calls) != 1 || f.Calls[0].Error != "execution reverted" || f.Calls[0].RevertReason != "Callee: no" {
		t.Fatalf("tryFail trace: %s", mustJSON(f))
	}

	var top frame
	n.must(t, &top, "debug_traceTransaction", pingHash, map[string]any{"tracer": "callTracer", "tracerConfig": map[string]any{"onlyTopCall": true}})
	if len(top.Calls) != 0 {
		t.Fatalf("onlyTopCall: %s", mustJSON(top))
	}
	var viaCall frame
	n.must(t, &viaCall, "debug_traceCall", map[string]any{"to": p.addr, "data": hexutil.Bytes(p.pack(t, "peek"))}, "latest", map[string]any{"tracer": "callTracer"})
	if len(viaCall.Calls) != 1 || viaCall.Calls[0].Type != "STATICCALL" || common.BytesToHash(viaCall.Output).Big().Int64() != 7 {
		t.Fatalf("debug_traceCall peek: %s", mustJSON(viaCall))
	}
	if err := n.call(t, nil, "debug_traceTransaction", pingHash); err == nil || !strings.Contains(err.Message, "callTracer") {
		t.Fatalf("no tracer: %v", err)
	}

	// Parity traces (Lotus's trace_transaction and trace_block).
	type parity struct {
		Type         string `json:"type"`
		Subtraces    int    `json:"subtraces"`
		TraceAddress []int  `json:"traceAddress"`
		Action       struct {
			CallType string         `json:"callType"`
			From     common.Address `json:"from"`
			To       common.Address `json:"to"`
		} `json:"action"`
		TransactionHash     common.Hash    `json:"transactionHash"`
		TransactionPosition int            `json:"transactionPosition"`
		BlockNumber         hexutil.Uint64 `json:"-"`
	}
	var traces []parity
	n.must(t, &traces, "trace_transaction", pingHash)
	if len(traces) != 2 || traces[0].Subtraces != 1 || len(traces[0].TraceAddress) != 0 || traces[1].Action.To != calleeAddr ||
		mustJSON(traces[1].TraceAddress) != "[0]" || traces[1].Action.From != p.addr || traces[0].TransactionHash != pingHash {
		t.Fatalf("trace_transaction: %s", mustJSON(traces))
	}
	var block []parity
	n.must(t, &block, "trace_block", r.BlockNumber)
	if mustJSON(block) != mustJSON(traces) {
		t.Fatalf("trace_block:\n%s\nwant\n%s", mustJSON(block), mustJSON(traces))
	}
}

// TestPrecompiles calls the Filecoin precompiles from a contract through
// eth_call: resolve_address and lookup_delegated_address.
func TestPrecompiles(t *testing.T) {
	n := startNode(t)
	s := newSigner(t, key0)
	p, _ := n.deployProbe(t, s)
	f410, _ := fvm.EthAddress(s.addr).FilecoinAddress()
	call := func(method string, args ...any) []any {
		var out hexutil.Bytes
		n.must(t, &out, "eth_call", map[string]any{"to": p.addr, "data": hexutil.Bytes(p.pack(t, method, args...))})
		vals, err := p.abi.Unpack(method, out)
		if err != nil {
			t.Fatal(err)
		}
		return vals
	}
	res := call("resolve", f410.Bytes())
	if !res[0].(bool) || len(res[1].([]byte)) != 32 {
		t.Fatalf("resolve_address: %v", res)
	}
	id := new(big.Int).SetBytes(res[1].([]byte)).Uint64()
	idAddr, _ := address.NewIDAddress(id)
	want, _ := fvm.EthAddressOf(idAddr)
	var bal1, bal2 hexutil.Big
	n.must(t, &bal1, "eth_getBalance", s.addr, "latest")
	n.must(t, &bal2, "eth_getBalance", common.Address(want), "latest")
	if bal1.ToInt().Cmp(bal2.ToInt()) != 0 || bal1.ToInt().Sign() == 0 {
		t.Fatalf("the account's balance %s differs from its masked ID %s's %s", bal1.String(), common.Address(want).Hex(), bal2.String())
	}
	res = call("lookupDelegated", id)
	if !res[0].(bool) || !bytes.Equal(res[1].([]byte), f410.Bytes()) {
		t.Fatalf("lookup_delegated_address(%d): %v, want %x", id, res, f410.Bytes())
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
