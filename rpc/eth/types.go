package eth

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// The JSON shapes below are Lotus's (chain/types/ethtypes), with go-ethereum's
// hex encodings: quantities are 0x-prefixed without leading zeros ("0x0" for
// zero), data is 0x-prefixed hex ("0x" when empty), addresses and hashes are
// lower-case hex.

// Block is an Ethereum block: a Filecoin tipset. Transactions holds hashes
// (common.Hash) or full transactions (*Transaction).
type Block struct {
	Hash             common.Hash    `json:"hash"`
	ParentHash       common.Hash    `json:"parentHash"`
	Sha3Uncles       common.Hash    `json:"sha3Uncles"`
	Miner            common.Address `json:"miner"`
	StateRoot        common.Hash    `json:"stateRoot"`
	TransactionsRoot common.Hash    `json:"transactionsRoot"`
	ReceiptsRoot     common.Hash    `json:"receiptsRoot"`
	LogsBloom        hexutil.Bytes  `json:"logsBloom"`
	Difficulty       hexutil.Uint64 `json:"difficulty"`
	TotalDifficulty  hexutil.Uint64 `json:"totalDifficulty"`
	Number           hexutil.Uint64 `json:"number"`
	GasLimit         hexutil.Uint64 `json:"gasLimit"`
	GasUsed          hexutil.Uint64 `json:"gasUsed"`
	Timestamp        hexutil.Uint64 `json:"timestamp"`
	ExtraData        hexutil.Bytes  `json:"extraData"`
	MixHash          common.Hash    `json:"mixHash"`
	Nonce            hexutil.Bytes  `json:"nonce"`
	BaseFeePerGas    *hexutil.Big   `json:"baseFeePerGas"`
	Size             hexutil.Uint64 `json:"size"`
	Transactions     []any          `json:"transactions"`
	Uncles           []common.Hash  `json:"uncles"`
}

// Hashes Lotus gives every block: keccak-256 of the RLP of an empty list
// (no uncles) and of the empty string (the root of an empty trie).
var (
	EmptyUncleHash = common.HexToHash("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")
	EmptyRootHash  = common.HexToHash("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
)

// Transaction is an Ethereum transaction: an Ethereum envelope carried in a
// Filecoin message, or a native Filecoin message shown as one. Legacy
// transactions have GasPrice, EIP-1559 ones MaxFeePerGas and
// MaxPriorityFeePerGas. BlockHash, BlockNumber and TransactionIndex are nil
// while pending.
type Transaction struct {
	ChainID              hexutil.Uint64  `json:"chainId"`
	Nonce                hexutil.Uint64  `json:"nonce"`
	Hash                 common.Hash     `json:"hash"`
	BlockHash            *common.Hash    `json:"blockHash"`
	BlockNumber          *hexutil.Uint64 `json:"blockNumber"`
	TransactionIndex     *hexutil.Uint64 `json:"transactionIndex"`
	From                 common.Address  `json:"from"`
	To                   *common.Address `json:"to"`
	Value                *hexutil.Big    `json:"value"`
	Type                 hexutil.Uint64  `json:"type"`
	Input                hexutil.Bytes   `json:"input"`
	Gas                  hexutil.Uint64  `json:"gas"`
	MaxFeePerGas         *hexutil.Big    `json:"maxFeePerGas,omitempty"`
	MaxPriorityFeePerGas *hexutil.Big    `json:"maxPriorityFeePerGas,omitempty"`
	GasPrice             *hexutil.Big    `json:"gasPrice,omitempty"`
	AccessList           []common.Hash   `json:"accessList"`
	V                    *hexutil.Big    `json:"v"`
	R                    *hexutil.Big    `json:"r"`
	S                    *hexutil.Big    `json:"s"`
}

// Receipt is a transaction's receipt. Status is 1 for exit code 0, else 0;
// ContractAddress is set for a successful creation.
type Receipt struct {
	TransactionHash   common.Hash     `json:"transactionHash"`
	TransactionIndex  hexutil.Uint64  `json:"transactionIndex"`
	BlockHash         common.Hash     `json:"blockHash"`
	BlockNumber       hexutil.Uint64  `json:"blockNumber"`
	From              common.Address  `json:"from"`
	To                *common.Address `json:"to"`
	Root              common.Hash     `json:"root"`
	Status            hexutil.Uint64  `json:"status"`
	ContractAddress   *common.Address `json:"contractAddress"`
	CumulativeGasUsed hexutil.Uint64  `json:"cumulativeGasUsed"`
	GasUsed           hexutil.Uint64  `json:"gasUsed"`
	EffectiveGasPrice *hexutil.Big    `json:"effectiveGasPrice"`
	LogsBloom         hexutil.Bytes   `json:"logsBloom"`
	Logs              []Log           `json:"logs"`
	Type              hexutil.Uint64  `json:"type"`
}

// Log is an EVM event: an actor event with raw topics t1..t4 and data d.
type Log struct {
	Address          common.Address `json:"address"`
	Data             hexutil.Bytes  `json:"data"`
	Topics           []common.Hash  `json:"topics"`
	Removed          bool           `json:"removed"`
	LogIndex         hexutil.Uint64 `json:"logIndex"`
	TransactionIndex hexutil.Uint64 `json:"transactionIndex"`
	TransactionHash  common.Hash    `json:"transactionHash"`
	BlockHash        common.Hash    `json:"blockHash"`
	BlockNumber      hexutil.Uint64 `json:"blockNumber"`
}

// CallArgs is the transaction object of eth_call, eth_estimateGas and
// eth_sendTransaction. Input and Data are synonyms (Input wins).
type CallArgs struct {
	From                 *common.Address `json:"from"`
	To                   *common.Address `json:"to"`
	Gas                  *hexutil.Uint64 `json:"gas"`
	GasPrice             *hexutil.Big    `json:"gasPrice"`
	MaxFeePerGas         *hexutil.Big    `json:"maxFeePerGas"`
	MaxPriorityFeePerGas *hexutil.Big    `json:"maxPriorityFeePerGas"`
	Value                *hexutil.Big    `json:"value"`
	Nonce                *hexutil.Uint64 `json:"nonce"`
	Data                 *hexutil.Bytes  `json:"data"`
	Input                *hexutil.Bytes  `json:"input"`
	Type                 *hexutil.Uint64 `json:"type"`
	ChainID              *hexutil.Uint64 `json:"chainId"`
	AccessList           json.RawMessage `json:"accessList"`
}

// Calldata is the call's input: Input, else Data.
func (a *CallArgs) Calldata() []byte {
	if a.Input != nil {
		return *a.Input
	}
	if a.Data != nil {
		return *a.Data
	}
	return nil
}

// Block tags.
const (
	TagEarliest  = "earliest"
	TagLatest    = "latest"
	TagPending   = "pending"
	TagSafe      = "safe"
	TagFinalized = "finalized"
)

// BlockRef names a block: a tag, a number, or (EIP-1898) a hash.
type BlockRef struct {
	Tag    string
	Number *uint64
	Hash   *common.Hash
}

// Latest is the default block reference.
var Latest = BlockRef{Tag: TagLatest}

// UnmarshalJSON reads a tag, a hex number, or an EIP-1898 object
// {"blockNumber": ...} / {"blockHash": ..., "requireCanonical": ...}.
func (r *BlockRef) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return r.parse(s)
	}
	var obj struct {
		BlockNumber      *string      `json:"blockNumber"`
		BlockHash        *common.Hash `json:"blockHash"`
		RequireCanonical bool         `json:"requireCanonical"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("block reference: want a tag, a hex number or {blockNumber|blockHash}: %s", b)
	}
	switch {
	case obj.BlockHash != nil && obj.BlockNumber != nil:
		return fmt.Errorf("block reference: cannot specify both blockHash and blockNumber")
	case obj.BlockHash != nil:
		*r = BlockRef{Hash: obj.BlockHash}
		return nil
	case obj.BlockNumber != nil:
		return r.parse(*obj.BlockNumber)
	}
	return fmt.Errorf("block reference: neither blockHash nor blockNumber")
}

func (r *BlockRef) parse(s string) error {
	switch s {
	case TagEarliest, TagLatest, TagPending, TagSafe, TagFinalized:
		*r = BlockRef{Tag: s}
		return nil
	}
	if len(s) == 66 && strings.HasPrefix(s, "0x") {
		var h common.Hash
		if err := h.UnmarshalText([]byte(s)); err != nil {
			return fmt.Errorf("block hash %q: %w", s, err)
		}
		*r = BlockRef{Hash: &h}
		return nil
	}
	var n hexutil.Uint64
	if err := n.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("block number %q: %w", s, err)
	}
	u := uint64(n)
	*r = BlockRef{Number: &u}
	return nil
}

// String is the reference as a client wrote it.
func (r BlockRef) String() string {
	switch {
	case r.Hash != nil:
		return r.Hash.Hex()
	case r.Number != nil:
		return hexutil.Uint64(*r.Number).String()
	}
	return r.Tag
}

// FilterSpec is the criteria of eth_getLogs and eth_newFilter: a block range
// (FromBlock/ToBlock, default latest) or one block (BlockHash), addresses
// (any of), and topics per position (any of each; an empty position matches
// anything).
type FilterSpec struct {
	FromBlock *BlockRef    `json:"fromBlock"`
	ToBlock   *BlockRef    `json:"toBlock"`
	BlockHash *common.Hash `json:"blockHash"`
	Address   AddressList  `json:"address"`
	Topics    TopicSpec    `json:"topics"`
}

// AddressList is one address or a list of them.
type AddressList []common.Address

// UnmarshalJSON reads an address, a list of addresses, or null.
func (l *AddressList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*l = nil
		return nil
	}
	var one common.Address
	if err := json.Unmarshal(b, &one); err == nil {
		*l = AddressList{one}
		return nil
	}
	var many []common.Address
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("address: want an address or a list of addresses: %w", err)
	}
	*l = many
	return nil
}

// TopicSpec is the topics criterion: per position, the topics any of which
// match (nil matches anything).
type TopicSpec [][]common.Hash

// UnmarshalJSON reads a list whose items are null, a topic, or a list of
// topics.
func (t *TopicSpec) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("topics: want a list: %w", err)
	}
	out := make(TopicSpec, len(raw))
	for i, item := range raw {
		if string(item) == "null" {
			continue
		}
		var one common.Hash
		if err := json.Unmarshal(item, &one); err == nil {
			out[i] = []common.Hash{one}
			continue
		}
		var many []common.Hash
		if err := json.Unmarshal(item, &many); err != nil {
			return fmt.Errorf("topics[%d]: want null, a topic or a list of topics: %w", i, err)
		}
		out[i] = many
	}
	*t = out
	return nil
}

// FeeHistory is eth_feeHistory's answer.
type FeeHistory struct {
	OldestBlock   hexutil.Uint64   `json:"oldestBlock"`
	BaseFeePerGas []*hexutil.Big   `json:"baseFeePerGas"`
	GasUsedRatio  []float64        `json:"gasUsedRatio"`
	Reward        [][]*hexutil.Big `json:"reward,omitempty"`
}

// SyncStatus is eth_syncing's answer when syncing; a devnet never is, and
// answers false.
type SyncStatus struct {
	StartingBlock hexutil.Uint64 `json:"startingBlock"`
	CurrentBlock  hexutil.Uint64 `json:"currentBlock"`
	HighestBlock  hexutil.Uint64 `json:"highestBlock"`
}
