package eth_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// TestTokenFlow deploys the ERC-20, transfers, reads the balance back and
// checks receipts, logs, transactions and blocks.
func TestTokenFlow(t *testing.T) {
	n := startNode(t)
	var chainID hexutil.Uint64
	n.must(t, &chainID, "eth_chainId")
	if chainID != testChainID {
		t.Fatalf("chain id %d", chainID)
	}
	s := newSigner(t, key0)
	tok := n.deployToken(t, s)
	to := common.HexToAddress("0x00000000000000000000000000000000000000b0")
	raw := s.sign(t, &tok, transferData(to, 1234), 100_000_000)
	h, r := n.send(t, raw)
	if h != common.BytesToHash(gethcrypto.Keccak256(raw)) {
		t.Fatalf("hash %s is not keccak of the raw transaction", h.Hex())
	}
	if r.Status != 1 || r.TransactionHash != h || r.From != s.addr || r.To == nil || *r.To != tok {
		t.Fatalf("receipt %+v", r)
	}
	if len(r.Logs) != 1 || r.Logs[0].Address != tok || r.Logs[0].Topics[0] != topicTransfer ||
		common.BytesToAddress(r.Logs[0].Topics[2][:]) != to || new(hexutil.Big).String() == "" {
		t.Fatalf("logs %+v", r.Logs)
	}
	var bloom types.Bloom
	copy(bloom[:], r.LogsBloom)
	if !bloom.Test(tok[:]) || !bloom.Test(topicTransfer[:]) {
		t.Fatal("receipt bloom misses the log's address or topic")
	}
	var out hexutil.Bytes
	n.must(t, &out, "eth_call", map[string]any{"to": tok, "data": hexutil.Bytes(balanceOfData(to))}, "latest")
	if got := new(hexutil.Big); common.BytesToHash(out).Big().Int64() != 1234 {
		t.Fatalf("balanceOf %x (%v)", out, got)
	}
	var tx map[string]any
	n.must(t, &tx, "eth_getTransactionByHash", h)
	if tx["hash"] != strings.ToLower(h.Hex()) || tx["from"] != strings.ToLower(s.addr.Hex()) || tx["type"] != "0x2" {
		t.Fatalf("transaction %v", tx)
	}
	var block map[string]any
	n.must(t, &block, "eth_getBlockByNumber", r.BlockNumber, true)
	txs := block["transactions"].([]any)
	if block["hash"] != strings.ToLower(r.BlockHash.Hex()) || len(txs) != 1 || txs[0].(map[string]any)["hash"] != strings.ToLower(h.Hex()) {
		t.Fatalf("block %v", block)
	}
	var byHash map[string]any
	n.must(t, &byHash, "eth_getBlockByHash", r.BlockHash, false)
	if byHash["number"] != r.BlockNumber.String() || byHash["transactions"].([]any)[0] != strings.ToLower(h.Hex()) {
		t.Fatalf("block by hash %v", byHash)
	}
	var logs []map[string]any
	n.must(t, &logs, "eth_getLogs", map[string]any{"fromBlock": "0x0", "address": tok, "topics": []any{topicTransfer}})
	if len(logs) != 2 { // the mint in the constructor, then the transfer
		t.Fatalf("%d logs, want 2: %v", len(logs), logs)
	}
	n.must(t, &logs, "eth_getLogs", map[string]any{"blockHash": r.BlockHash, "topics": []any{nil, nil, common.BytesToHash(to[:])}})
	if len(logs) != 1 || logs[0]["transactionHash"] != strings.ToLower(h.Hex()) {
		t.Fatalf("logs of the transfer's block to %s: %v", to.Hex(), logs)
	}
	n.must(t, &logs, "eth_getLogs", map[string]any{"fromBlock": "0x0", "toBlock": "0xffffff", "topics": []any{[]common.Hash{{1}, topicTransfer}, nil, common.BytesToHash(s.addr[:])}})
	if len(logs) != 1 || logs[0]["blockNumber"] != "0x1" { // the constructor's mint
		t.Fatalf("logs of transfers to the sender: %v", logs)
	}
	// A revert is error code 3 with the revert data, as Ethereum clients parse it.
	err := n.call(t, nil, "eth_call", map[string]any{"from": to, "to": tok, "data": hexutil.Bytes(transferData(s.addr, 1_000_000))})
	if err == nil || err.Code != 3 || !strings.Contains(err.Message, "Token: transfer amount exceeds balance") || !strings.HasPrefix(string(err.Data), `"0x08c379a0`) {
		t.Fatalf("revert: %+v", err)
	}
}

// TestEnvelopes sends a legacy EIP-155 and a Homestead (unprotected)
// transaction: each is mined, its hash is keccak of the raw bytes (Lotus's
// transaction hash), and eth_getTransactionByHash rebuilds it from the
// Filecoin message with the same hash.
func TestEnvelopes(t *testing.T) {
	n := startNode(t)
	k, _ := gethcrypto.ToECDSA(key1)
	to := common.HexToAddress("0x00000000000000000000000000000000000000b0")
	signers := []struct {
		name    string
		signer  types.Signer
		chainID string
	}{
		{"eip155", types.NewEIP155Signer(big.NewInt(testChainID)), "0x1df5e76"},
		{"homestead", types.HomesteadSigner{}, "0x0"},
	}
	for i, c := range signers {
		tx, err := types.SignNewTx(k, c.signer, &types.LegacyTx{Nonce: uint64(i), GasPrice: big.NewInt(1_000_000_000), Gas: 10_000_000, To: &to, Value: big.NewInt(3)})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tx.MarshalBinary()
		h, r := n.send(t, raw)
		if r.Status != 1 || h != common.BytesToHash(gethcrypto.Keccak256(raw)) {
			t.Fatalf("%s: hash %s, receipt %+v", c.name, h.Hex(), r)
		}
		var got map[string]any
		n.must(t, &got, "eth_getTransactionByHash", h)
		if got["hash"] != strings.ToLower(h.Hex()) || got["type"] != "0x0" || got["chainId"] != c.chainID || got["gasPrice"] != "0x3b9aca00" {
			t.Fatalf("%s: transaction %v", c.name, got)
		}
	}
}
