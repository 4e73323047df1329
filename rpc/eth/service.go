package eth

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/filecoin-project/go-jsonrpc"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/chain/wallet"
	"github.com/go-fvm/go-fvm/ethtx"
)

// Config is what the Ethereum API serves.
type Config struct {
	// Chain is the devnet's chain.
	Chain *chain.Chain
	// Wallet holds the dev keys: its Ethereum (delegated) keys are
	// eth_accounts and sign eth_sendTransaction. Optional.
	Wallet *wallet.Wallet
	// Clock is the chain's clock (chain.Config.Clock = Clock.Now), moved by
	// evm_increaseTime and evm_setNextBlockTimestamp. Optional: without it
	// those methods are refused.
	Clock *Clock
	// ClientVersion is web3_clientVersion's answer.
	ClientVersion string
}

// Service is the Ethereum JSON-RPC API of a chain. Register it on a
// go-jsonrpc server created with ServerOptions.
type Service struct {
	cfg     Config
	chain   *chain.Chain
	chainID uint64
	idx     *index
	filters *filters

	mu        sync.Mutex
	emitters  map[uint64]common.Address // actor id → Ethereum address, reset on reverts
	subs      map[string]context.CancelFunc
	snapshots map[uint64]bool
}

// New makes the Ethereum API of cfg.Chain.
func New(cfg Config) (*Service, error) {
	if cfg.Chain == nil {
		return nil, errors.New("eth: Config.Chain is required")
	}
	if cfg.ClientVersion == "" {
		cfg.ClientVersion = "go-fvm"
	}
	s := &Service{
		cfg: cfg, chain: cfg.Chain, chainID: cfg.Chain.ChainID(),
		emitters: map[uint64]common.Address{}, subs: map[string]context.CancelFunc{},
	}
	s.idx = newIndex(s)
	s.filters = newFilters()
	return s, nil
}

// Close ends the service's subscriptions.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, cancel := range s.subs {
		cancel()
		delete(s.subs, id)
	}
}

// Subscriber is the client side of a WebSocket connection: eth_subscribe's
// notifications go out as eth_subscription calls without an id.
type Subscriber struct {
	EthSubscription func(ctx context.Context, params jsonrpc.RawParams) error `notify:"true" rpc_method:"eth_subscription"`
}

// ServerOptions are the go-jsonrpc server options the API needs: the
// reverse client that carries eth_subscribe's notifications.
func ServerOptions() []jsonrpc.ServerOption {
	return []jsonrpc.ServerOption{jsonrpc.WithReverseClient[Subscriber]("Filecoin")}
}

// Namespace is the go-jsonrpc namespace the methods are registered under
// (Lotus's: Filecoin.EthChainId answers as eth_chainId too).
const Namespace = "Filecoin"

// Register adds the API's methods to a go-jsonrpc server under Namespace
// with register, and their Ethereum names with alias (for a
// *jsonrpc.RPCServer: its Register and AliasMethod).
func (s *Service) Register(register func(namespace string, handler any), alias func(alias, original string)) {
	register(Namespace, &handler{s: s})
	for a, name := range methods {
		alias(a, Namespace+"."+name)
	}
}

// Methods lists the Ethereum method names the API serves, sorted.
func Methods() []string {
	out := make([]string, 0, len(methods))
	for name := range methods {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// methods maps each Ethereum method name the API serves to its go-jsonrpc
// method (under Namespace). Read-only.
var methods = map[string]string{
	"eth_accounts":                            "EthAccounts",
	"eth_blockNumber":                         "EthBlockNumber",
	"eth_call":                                "EthCall",
	"eth_chainId":                             "EthChainId",
	"eth_estimateGas":                         "EthEstimateGas",
	"eth_feeHistory":                          "EthFeeHistory",
	"eth_gasPrice":                            "EthGasPrice",
	"eth_getBalance":                          "EthGetBalance",
	"eth_getBlockByHash":                      "EthGetBlockByHash",
	"eth_getBlockByNumber":                    "EthGetBlockByNumber",
	"eth_getBlockReceipts":                    "EthGetBlockReceipts",
	"eth_getBlockTransactionCountByHash":      "EthGetBlockTransactionCountByHash",
	"eth_getBlockTransactionCountByNumber":    "EthGetBlockTransactionCountByNumber",
	"eth_getCode":                             "EthGetCode",
	"eth_getFilterChanges":                    "EthGetFilterChanges",
	"eth_getFilterLogs":                       "EthGetFilterLogs",
	"eth_getLogs":                             "EthGetLogs",
	"eth_getStorageAt":                        "EthGetStorageAt",
	"eth_getTransactionByBlockHashAndIndex":   "EthGetTransactionByBlockHashAndIndex",
	"eth_getTransactionByBlockNumberAndIndex": "EthGetTransactionByBlockNumberAndIndex",
	"eth_getTransactionByHash":                "EthGetTransactionByHash",
	"eth_getTransactionCount":                 "EthGetTransactionCount",
	"eth_getTransactionReceipt":               "EthGetTransactionReceipt",
	"eth_maxPriorityFeePerGas":                "EthMaxPriorityFeePerGas",
	"eth_newBlockFilter":                      "EthNewBlockFilter",
	"eth_newFilter":                           "EthNewFilter",
	"eth_newPendingTransactionFilter":         "EthNewPendingTransactionFilter",
	"eth_sendRawTransaction":                  "EthSendRawTransaction",
	"eth_sendTransaction":                     "EthSendTransaction",
	"eth_subscribe":                           "EthSubscribe",
	"eth_syncing":                             "EthSyncing",
	"eth_uninstallFilter":                     "EthUninstallFilter",
	"eth_unsubscribe":                         "EthUnsubscribe",
	"net_listening":                           "NetListening",
	"net_version":                             "NetVersion",
	"web3_clientVersion":                      "Web3ClientVersion",

	"evm_mine":                      "EvmMine",
	"evm_snapshot":                  "EvmSnapshot",
	"evm_revert":                    "EvmRevert",
	"evm_increaseTime":              "EvmIncreaseTime",
	"evm_setNextBlockTimestamp":     "EvmSetNextBlockTimestamp",
	"anvil_mine":                    "AnvilMine",
	"hardhat_mine":                  "AnvilMine",
	"anvil_setBalance":              "AnvilSetBalance",
	"hardhat_setBalance":            "AnvilSetBalance",
	"anvil_snapshot":                "EvmSnapshot",
	"anvil_revert":                  "EvmRevert",
	"anvil_increaseTime":            "EvmIncreaseTime",
	"anvil_setNextBlockTimestamp":   "EvmSetNextBlockTimestamp",
	"debug_traceTransaction":        "DebugTraceTransaction",
	"debug_traceCall":               "DebugTraceCall",
	"trace_block":                   "TraceBlock",
	"trace_transaction":             "TraceTransaction",
	"trace_replayBlockTransactions": "TraceReplayBlockTransactions",
}

// ethKey returns the dev key of an Ethereum address.
func (s *Service) ethKey(a common.Address) (*ecdsa.PrivateKey, error) {
	if s.cfg.Wallet == nil {
		return nil, fmt.Errorf("the node holds no keys")
	}
	fa, err := fvm.EthAddress(a).FilecoinAddress()
	if err != nil {
		return nil, err
	}
	k, err := s.cfg.Wallet.Key(fa)
	if err != nil || k.Type != wallet.Delegated {
		return nil, fmt.Errorf("unknown account %s", a.Hex())
	}
	return gethcrypto.ToECDSA(k.Private)
}

// accounts are the wallet's Ethereum addresses, in the wallet's order.
func (s *Service) accounts() []common.Address {
	out := []common.Address{}
	if s.cfg.Wallet == nil {
		return out
	}
	for _, a := range s.cfg.Wallet.List() {
		if e, err := fvm.EthAddressOf(a); err == nil {
			if _, masked := e.MaskedID(); !masked {
				out = append(out, common.Address(e))
			}
		}
	}
	return out
}

// blockHash is the Ethereum hash of a tipset: the digest of its key's CID.
func blockHash(ts *chain.TipSet) common.Hash {
	return cidHash(ts.Key.Cid())
}

// cidHash is the Ethereum form of a blake2b-256 CID: its digest.
func cidHash(c cid.Cid) common.Hash {
	h, _ := ethtx.HashOfCid(c)
	return h
}

func keccak(b []byte) []byte { return gethcrypto.Keccak256(b) }
