package eth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// nodeDir holds the Ethereum clients the tests drive (.ci/run installs them:
// npm ci --prefix rpc/eth/testdata/node).
const nodeDir = "testdata/node"

// Anvil's private keys 0 and 1 (the devnet's first Ethereum accounts).
const (
	privKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
	privKey1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
)

// clientTool returns the path of an installed client file, skipping the
// test (failing it under CI, which installs them) when it is missing.
func clientTool(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(nodeDir, "node_modules", rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		msg := "Ethereum client %s is not installed; install the pinned clients with `npm ci --prefix rpc/eth/testdata/node`"
		if os.Getenv("CI") != "" {
			t.Fatalf(msg, rel)
		}
		t.Skipf(msg, rel)
	}
	return p
}

func nodeBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is not installed")
		}
		t.Skip("node is not installed")
	}
	return p
}

// run runs a command with a deadline and returns its stdout, stderr and error.
func run(t *testing.T, name string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// compile compiles testdata/contracts/NAME.sol with solc-js and checks the
// output is the committed NAME.json (which the node-free tests use).
func compile(t *testing.T, name string) map[string]tokenArtifact {
	t.Helper()
	clientTool(t, "solc/package.json")
	src := "testdata/contracts/" + name + ".sol"
	out, stderr, err := run(t, nodeBinary(t), filepath.Join(nodeDir, "compile.mjs"), src)
	if err != nil {
		t.Fatalf("compile.mjs %s: %v\n%s", src, err, stderr)
	}
	var got, want map[string]tokenArtifact
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("testdata/contracts/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(committed, &want); err != nil {
		t.Fatal(err)
	}
	for c, a := range want {
		if got[c].Bytecode != a.Bytecode {
			t.Fatalf("solc-js output for %s differs from testdata/contracts/%s.json: regenerate it with `node testdata/node/compile.mjs %s > testdata/contracts/%s.json`", c, name, src, name)
		}
	}
	return got
}

func compileToken(t *testing.T) tokenArtifact { return compile(t, "Token")["Token"] }

// TestArtifacts checks the committed contract artifacts are solc-js's output.
func TestArtifacts(t *testing.T) {
	compile(t, "Token")
	compile(t, "Probe")
}

// TestCast drives the devnet with Foundry's cast, unmodified: deploy the
// ERC-20 compiled by solc-js with cast send --create, transfer, read the
// balance, the receipt and the logs, and see a revert reason.
func TestCast(t *testing.T) {
	cast := clientTool(t, "@foundry-rs/cast-linux-amd64/bin/cast")
	tok := compileToken(t)
	n := startNode(t)
	castRun := func(args ...string) (string, string, error) {
		return run(t, cast, append([]string{args[0], "--rpc-url", n.URL}, args[1:]...)...)
	}
	mustCast := func(args ...string) string {
		t.Helper()
		out, stderr, err := castRun(args...)
		if err != nil {
			t.Fatalf("cast %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return strings.TrimSpace(out)
	}
	if got := mustCast("chain-id"); got != "31415926" {
		t.Fatalf("cast chain-id: %s", got)
	}

	var deploy struct {
		Status          string          `json:"status"`
		ContractAddress *common.Address `json:"contractAddress"`
	}
	if err := json.Unmarshal([]byte(mustCast("send", "--private-key", privKey0, "--create", tok.Bytecode, "--json")), &deploy); err != nil {
		t.Fatal(err)
	}
	if deploy.Status != "0x1" || deploy.ContractAddress == nil {
		t.Fatalf("cast send --create: %+v", deploy)
	}
	addr := deploy.ContractAddress.Hex()
	to := "0x00000000000000000000000000000000000000b0"

	var sent struct {
		Status          string      `json:"status"`
		TransactionHash common.Hash `json:"transactionHash"`
	}
	if err := json.Unmarshal([]byte(mustCast("send", "--private-key", privKey0, addr, "transfer(address,uint256)", to, "1000", "--json")), &sent); err != nil {
		t.Fatal(err)
	}
	if sent.Status != "0x1" {
		t.Fatalf("cast send transfer: %+v", sent)
	}
	if got := mustCast("call", addr, "balanceOf(address)(uint256)", to); got != "1000" {
		t.Fatalf("cast call balanceOf: %q", got)
	}

	var rcpt struct {
		Logs []struct {
			Topics []common.Hash `json:"topics"`
			Data   hexutil.Bytes `json:"data"`
		} `json:"logs"`
	}
	if err := json.Unmarshal([]byte(mustCast("receipt", sent.TransactionHash.Hex(), "--json")), &rcpt); err != nil {
		t.Fatal(err)
	}
	if len(rcpt.Logs) != 1 || rcpt.Logs[0].Topics[0] != topicTransfer || common.BytesToHash(rcpt.Logs[0].Data).Big().Int64() != 1000 {
		t.Fatalf("cast receipt logs: %+v", rcpt.Logs)
	}
	var logs []struct {
		TransactionHash common.Hash   `json:"transactionHash"`
		Topics          []common.Hash `json:"topics"`
	}
	if err := json.Unmarshal([]byte(mustCast("logs", "--from-block", "0", "--address", addr,
		"Transfer(address indexed from,address indexed to,uint256 value)", "--json")), &logs); err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 || logs[1].TransactionHash != sent.TransactionHash {
		t.Fatalf("cast logs: %+v", logs)
	}
	var tx struct {
		Hash common.Hash `json:"hash"`
	}
	if err := json.Unmarshal([]byte(mustCast("tx", sent.TransactionHash.Hex(), "--json")), &tx); err != nil || tx.Hash != sent.TransactionHash {
		t.Fatalf("cast tx: %+v %v", tx, err)
	}

	// A revert reason reaches cast's error output, from cast send (its gas
	// estimate) and from cast call.
	const reason = "Token: transfer amount exceeds balance"
	_, stderr, err := castRun("send", "--private-key", privKey1, addr, "transfer(address,uint256)", to, "5")
	if err == nil || !strings.Contains(stderr, reason) {
		t.Fatalf("cast send of a reverting transfer: err %v, stderr %q", err, stderr)
	}
	_, stderr, err = castRun("call", "--from", to, addr, "transfer(address,uint256)", addr, "1000000")
	if err == nil || !strings.Contains(stderr, reason) {
		t.Fatalf("cast call of a reverting transfer: err %v, stderr %q", err, stderr)
	}
}

// TestEthers runs the ethers v6 scenario (testdata/node/ethers_scenario.mjs):
// deployment, receipts, estimateGas, a filter, eth_getLogs, WebSocket
// subscriptions, a revert reason.
func TestEthers(t *testing.T) {
	clientTool(t, "ethers/package.json")
	tok := compileToken(t)
	n := startNode(t)
	f, err := os.CreateTemp(t.TempDir(), "token-*.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewEncoder(f).Encode(map[string]tokenArtifact{"Token": tok}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, stderr, err := run(t, nodeBinary(t), filepath.Join(nodeDir, "ethers_scenario.mjs"), f.Name(), n.URL, n.WS, privKey0)
	if err != nil {
		t.Fatalf("ethers scenario: %v\n%s\n%s", err, out, stderr)
	}
	var summary struct {
		ChainID      string `json:"chainId"`
		RevertReason string `json:"revertReason"`
		FilterLogs   int    `json:"filterLogs"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &summary); err != nil {
		t.Fatalf("ethers scenario output %q: %v", out, err)
	}
	if summary.ChainID != "31415926" || summary.FilterLogs != 1 || summary.RevertReason == "" {
		t.Fatalf("ethers scenario summary: %+v", summary)
	}
}

// TestViem runs the viem v2 scenario (testdata/node/viem_scenario.mjs):
// deployment and a transfer with viem's own gas and fee estimates, viem's
// strict formatting of transactions, blocks and logs, a revert reason.
func TestViem(t *testing.T) {
	clientTool(t, "viem/package.json")
	n := startNode(t)
	out, stderr, err := run(t, nodeBinary(t), filepath.Join(nodeDir, "viem_scenario.mjs"), "testdata/contracts/Token.json", n.URL, "31415926", privKey0)
	if err != nil {
		t.Fatalf("viem scenario: %v\n%s\n%s", err, out, stderr)
	}
	var summary struct {
		RevertReason string `json:"revertReason"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &summary); err != nil || summary.RevertReason == "" {
		t.Fatalf("viem scenario output %q: %v", out, err)
	}
}
