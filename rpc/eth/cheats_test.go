package eth_test

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/filecoin-project/go-address"
	fbig "github.com/filecoin-project/go-state-types/big"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/message"
)

// blockInfo is the part of a block the tests read.
type blockInfo struct {
	Number    hexutil.Uint64 `json:"number"`
	Timestamp hexutil.Uint64 `json:"timestamp"`
	Hash      common.Hash    `json:"hash"`
}

func (n *testNode) latest(t *testing.T) blockInfo {
	t.Helper()
	var b blockInfo
	n.must(t, &b, "eth_getBlockByNumber", "latest", false)
	return b
}

// TestCheats exercises Anvil's and Hardhat's conveniences.
func TestCheats(t *testing.T) {
	n := startNode(t)
	s := newSigner(t, key0)
	to := common.HexToAddress("0x00000000000000000000000000000000000000b0")

	start := n.latest(t)
	n.must(t, nil, "evm_mine")
	if b := n.latest(t); b.Number != start.Number+1 {
		t.Fatalf("evm_mine: %d → %d", start.Number, b.Number)
	}
	n.must(t, nil, "anvil_mine", "0x5")
	if b := n.latest(t); b.Number != start.Number+6 {
		t.Fatalf("anvil_mine 5: %d → %d", start.Number, b.Number)
	}
	n.must(t, nil, "hardhat_mine", "0x2", "0x64") // 2 blocks, 100 s apart
	prev := n.latest(t)

	var offset hexutil.Uint64
	n.must(t, &offset, "evm_increaseTime", 3600)
	if offset < 3600 {
		t.Fatalf("evm_increaseTime: offset %d", offset)
	}
	n.must(t, nil, "evm_mine")
	if b := n.latest(t); b.Timestamp < prev.Timestamp+3600 {
		t.Fatalf("after evm_increaseTime(3600): timestamp %d, previous %d", b.Timestamp, prev.Timestamp)
	}
	next := uint64(n.latest(t).Timestamp) + 86400
	n.must(t, nil, "evm_setNextBlockTimestamp", hexutil.Uint64(next))
	n.must(t, nil, "evm_mine")
	if b := n.latest(t); uint64(b.Timestamp) != next && uint64(b.Timestamp) != next+1 {
		t.Fatalf("evm_setNextBlockTimestamp(%d): block timestamp %d", next, b.Timestamp)
	}
	if err := n.call(t, nil, "evm_setNextBlockTimestamp", hexutil.Uint64(1)); err == nil {
		t.Fatal("a timestamp in the past was accepted")
	}

	// Snapshots: a transaction after the snapshot is gone after the revert.
	var snap hexutil.Uint64
	n.must(t, &snap, "evm_snapshot")
	at := n.latest(t)
	h, r := n.send(t, s.sign(t, &to, nil, 10_000_000))
	if r.Status != 1 {
		t.Fatal("transfer failed")
	}
	var ok bool
	n.must(t, &ok, "evm_revert", snap)
	if !ok {
		t.Fatal("evm_revert: false")
	}
	if b := n.latest(t); b.Number != at.Number || b.Hash != at.Hash {
		t.Fatalf("after evm_revert: head %d %s, want %d %s", b.Number, b.Hash.Hex(), at.Number, at.Hash.Hex())
	}
	var gone *receipt
	n.must(t, &gone, "eth_getTransactionReceipt", h)
	var nonce hexutil.Uint64
	n.must(t, &nonce, "eth_getTransactionCount", s.addr, "latest")
	if gone != nil || nonce != 0 {
		t.Fatalf("after evm_revert: receipt %+v, nonce %d", gone, nonce)
	}
	n.must(t, &ok, "evm_revert", snap)
	if ok {
		t.Fatal("a used snapshot reverted again")
	}
	s.nonce = 0
	if _, r := n.send(t, s.sign(t, &to, nil, 10_000_000)); r.Status != 1 {
		t.Fatal("the same nonce after the revert failed")
	}

	// anvil_setBalance funds a new address, which can then send.
	fresh := newSigner(t, mustKey("2222222222222222222222222222222222222222222222222222222222222222"))
	amount := new(big.Int).Mul(big.NewInt(5), big.NewInt(1e18))
	n.must(t, nil, "anvil_setBalance", fresh.addr, (*hexutil.Big)(amount))
	var bal hexutil.Big
	n.must(t, &bal, "eth_getBalance", fresh.addr, "latest")
	if bal.ToInt().Cmp(amount) != 0 {
		t.Fatalf("anvil_setBalance: balance %s", bal.String())
	}
	if _, r := n.send(t, fresh.sign(t, &to, nil, 10_000_000)); r.Status != 1 {
		t.Fatal("the funded address cannot send")
	}
	n.must(t, nil, "hardhat_setBalance", fresh.addr, "0x1")
	n.must(t, &bal, "eth_getBalance", fresh.addr, "latest")
	if bal.ToInt().Int64() != 1 {
		t.Fatalf("hardhat_setBalance lowering: balance %s", bal.String())
	}

	// eth_sendTransaction from a dev account.
	var accounts []common.Address
	n.must(t, &accounts, "eth_accounts")
	if len(accounts) != 2 || accounts[0] != s.addr {
		t.Fatalf("eth_accounts: %v", accounts)
	}
	var sent common.Hash
	n.must(t, &sent, "eth_sendTransaction", map[string]any{"from": accounts[1], "to": to, "value": "0x10"})
	var rs *receipt
	n.must(t, &rs, "eth_getTransactionReceipt", sent)
	if rs == nil || rs.Status != 1 || rs.From != accounts[1] {
		t.Fatalf("eth_sendTransaction receipt: %+v", rs)
	}
	if err := n.call(t, nil, "eth_sendTransaction", map[string]any{"from": to, "to": to}); err == nil || !strings.Contains(err.Message, "unknown account") {
		t.Fatalf("eth_sendTransaction from a foreign account: %v", err)
	}
}

// TestNativeMessages shows a Filecoin message between f1 accounts as an
// Ethereum transaction: masked-ID addresses, the native input encoding, the
// CID digest as its hash.
func TestNativeMessages(t *testing.T) {
	n := startNode(t)
	d := n.Devnet
	from, to := d.Accounts[2].Key.Address, d.Accounts[3].Key.Address // the f1 dev accounts
	if from.Protocol() != address.SECP256K1 {
		t.Fatalf("account 2 is %s, want an f1 address", from)
	}
	msg := &message.Message{From: from, To: to, Value: fbig.NewInt(77), GasLimit: 10_000_000,
		GasFeeCap: fbig.NewInt(1_000_000_000), GasPremium: fbig.NewInt(100_000)}
	sm, err := d.Wallet.SignMessage(msg, nil, testChainID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Chain.Push(context.Background(), sm)
	if err != nil {
		t.Fatal(err)
	}
	digest := c.Hash()[len(c.Hash())-32:]
	h := common.BytesToHash(digest)
	var tx map[string]any
	n.must(t, &tx, "eth_getTransactionByHash", h)
	if tx == nil {
		t.Fatal("the message is not found by its CID's digest")
	}
	fromID, err := d.Chain.VMAt(context.Background(), d.Chain.Head(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer fromID.Close(context.Background())
	id, err := fromID.LookupID(context.Background(), from)
	if err != nil {
		t.Fatal(err)
	}
	idAddr, _ := address.NewIDAddress(uint64(id))
	masked, _ := fvm.EthAddressOf(idAddr)
	if tx["from"] != strings.ToLower(common.Address(masked).Hex()) || !strings.HasPrefix(tx["from"].(string), "0xff0000000000000000000000") {
		t.Fatalf("from %v, want the masked ID %s", tx["from"], common.Address(masked).Hex())
	}
	if !strings.HasPrefix(tx["input"].(string), "0x868e10c4") || tx["value"] != "0x4d" {
		t.Fatalf("native transaction %v", tx)
	}
	var r *receipt
	n.must(t, &r, "eth_getTransactionReceipt", h)
	if r == nil || r.Status != 1 || r.From != common.Address(masked) {
		t.Fatalf("receipt %+v", r)
	}
	var bal hexutil.Big
	n.must(t, &bal, "eth_getBalance", r.To, "latest")
	if bal.ToInt().Sign() == 0 {
		t.Fatal("the recipient's masked ID has no balance")
	}
}

// TestQueries covers the remaining read methods on a deployed token.
func TestQueries(t *testing.T) {
	n := startNode(t)
	s := newSigner(t, key0)
	var blockFilter string
	n.must(t, &blockFilter, "eth_newBlockFilter")
	tok := n.deployToken(t, s)
	_, r := n.send(t, s.sign(t, &tok, transferData(common.HexToAddress("0xb0"), 5), 100_000_000))

	var code hexutil.Bytes
	n.must(t, &code, "eth_getCode", tok, "latest")
	if len(code) == 0 {
		t.Fatal("eth_getCode of the token is empty")
	}
	n.must(t, &code, "eth_getCode", s.addr, "latest")
	if len(code) != 0 {
		t.Fatalf("eth_getCode of an account: %x", code)
	}
	var slot hexutil.Bytes
	n.must(t, &slot, "eth_getStorageAt", tok, "0x0", "latest")
	supply := new(big.Int).Mul(big.NewInt(1_000_000), new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil))
	if len(slot) != 32 || new(big.Int).SetBytes(slot).Cmp(supply) != 0 {
		t.Fatalf("eth_getStorageAt slot 0 (totalSupply): %x", slot)
	}
	var nonce hexutil.Uint64
	n.must(t, &nonce, "eth_getTransactionCount", s.addr, "latest")
	if nonce != 2 {
		t.Fatalf("nonce %d", nonce)
	}
	n.must(t, &nonce, "eth_getTransactionCount", tok, "latest")
	if nonce != 1 { // an EVM contract's nonce starts at 1 (EIP-161)
		t.Fatalf("token nonce %d, want 1", nonce)
	}
	var receipts []receipt
	n.must(t, &receipts, "eth_getBlockReceipts", r.BlockNumber)
	if len(receipts) != 1 || receipts[0].TransactionHash != r.TransactionHash {
		t.Fatalf("eth_getBlockReceipts: %+v", receipts)
	}
	var count hexutil.Uint64
	n.must(t, &count, "eth_getBlockTransactionCountByHash", r.BlockHash)
	if count != 1 {
		t.Fatalf("transaction count %d", count)
	}
	var byIndex map[string]any
	n.must(t, &byIndex, "eth_getTransactionByBlockNumberAndIndex", r.BlockNumber, "0x0")
	if byIndex["hash"] != strings.ToLower(r.TransactionHash.Hex()) {
		t.Fatalf("by index: %v", byIndex)
	}
	var hashes []common.Hash
	n.must(t, &hashes, "eth_getFilterChanges", blockFilter)
	if len(hashes) < 2 {
		t.Fatalf("block filter changes: %v", hashes)
	}
	n.must(t, &hashes, "eth_getFilterChanges", blockFilter)
	if len(hashes) != 0 {
		t.Fatalf("block filter changes again: %v", hashes)
	}
	var fh struct {
		OldestBlock   hexutil.Uint64  `json:"oldestBlock"`
		BaseFeePerGas []hexutil.Big   `json:"baseFeePerGas"`
		GasUsedRatio  []float64       `json:"gasUsedRatio"`
		Reward        [][]hexutil.Big `json:"reward"`
	}
	n.must(t, &fh, "eth_feeHistory", "0x4", "latest", []float64{25, 75})
	if len(fh.BaseFeePerGas) != 5 || len(fh.GasUsedRatio) != 4 || len(fh.Reward) != 4 || len(fh.Reward[0]) != 2 {
		t.Fatalf("eth_feeHistory: %+v", fh)
	}
	var price, tip hexutil.Big
	n.must(t, &price, "eth_gasPrice")
	n.must(t, &tip, "eth_maxPriorityFeePerGas")
	if price.ToInt().Cmp(tip.ToInt()) <= 0 {
		t.Fatalf("gas price %s, priority fee %s", price.String(), tip.String())
	}
	var version, netVersion string
	n.must(t, &version, "web3_clientVersion")
	n.must(t, &netVersion, "net_version")
	var syncing, listening bool
	n.must(t, &syncing, "eth_syncing")
	n.must(t, &listening, "net_listening")
	if version == "" || netVersion != "31415926" || syncing || !listening {
		t.Fatalf("web3_clientVersion %q, net_version %q, syncing %v, listening %v", version, netVersion, syncing, listening)
	}
	// A batch (ethers batches by default).
	resp, err := http.Post(n.URL, "application/json", strings.NewReader(`[{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]},{"jsonrpc":"2.0","id":2,"method":"eth_blockNumber","params":[]},{"jsonrpc":"2.0","id":3,"method":"eth_nope","params":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	var batch []struct {
		ID     int             `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	err = json.NewDecoder(resp.Body).Decode(&batch)
	resp.Body.Close()
	if err != nil || len(batch) != 3 || string(batch[0].Result) != `"0x1df5e76"` || batch[1].Result == nil || batch[2].Error == nil || batch[2].Error.Code != -32601 {
		t.Fatalf("batch: %+v %v", batch, err)
	}
	// The Lotus name answers too.
	var chainID hexutil.Uint64
	n.must(t, &chainID, "Filecoin.EthChainId")
	if chainID != testChainID {
		t.Fatalf("Filecoin.EthChainId: %d", chainID)
	}
}
