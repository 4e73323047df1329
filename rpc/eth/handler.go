package eth

import (
	"context"
	"encoding/json"
	"math/big"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/filecoin-project/go-jsonrpc"
)

// handler holds the methods go-jsonrpc serves: every exported method is one
// (see Methods for their Ethereum names). Each takes its positional
// parameters raw and decodes them itself, so that missing optional
// parameters and bad ones get Ethereum clients' errors.
type handler struct{ s *Service }

// quantity is a JSON number or a hex quantity string (clients send both for
// counts such as eth_feeHistory's).
type quantity uint64

// UnmarshalJSON reads a number or a hex quantity.
func (q *quantity) UnmarshalJSON(b []byte) error {
	var n uint64
	if err := json.Unmarshal(b, &n); err == nil {
		*q = quantity(n)
		return nil
	}
	var h hexutil.Uint64
	if err := json.Unmarshal(b, &h); err != nil {
		return err
	}
	*q = quantity(h)
	return nil
}

// Web3ClientVersion is web3_clientVersion.
func (h *handler) Web3ClientVersion(ctx context.Context, p jsonrpc.RawParams) (string, error) {
	if err := decodeParams(p, 0); err != nil {
		return "", err
	}
	return h.s.cfg.ClientVersion, nil
}

// NetVersion is net_version: the chain ID in decimal.
func (h *handler) NetVersion(ctx context.Context, p jsonrpc.RawParams) (string, error) {
	if err := decodeParams(p, 0); err != nil {
		return "", err
	}
	return strconv.FormatUint(h.s.chainID, 10), nil
}

// NetListening is net_listening.
func (h *handler) NetListening(ctx context.Context, p jsonrpc.RawParams) (bool, error) {
	if err := decodeParams(p, 0); err != nil {
		return false, err
	}
	return true, nil
}

// EthChainId is eth_chainId.
func (h *handler) EthChainId(ctx context.Context, p jsonrpc.RawParams) (hexutil.Uint64, error) {
	if err := decodeParams(p, 0); err != nil {
		return 0, err
	}
	return hexutil.Uint64(h.s.chainID), nil
}

// EthSyncing is eth_syncing: a devnet is never syncing.
func (h *handler) EthSyncing(ctx context.Context, p jsonrpc.RawParams) (bool, error) {
	if err := decodeParams(p, 0); err != nil {
		return false, err
	}
	return false, nil
}

// EthAccounts is eth_accounts: the dev accounts.
func (h *handler) EthAccounts(ctx context.Context, p jsonrpc.RawParams) ([]common.Address, error) {
	if err := decodeParams(p, 0); err != nil {
		return nil, err
	}
	return h.s.accounts(), nil
}

// EthBlockNumber is eth_blockNumber: the head's height.
func (h *handler) EthBlockNumber(ctx context.Context, p jsonrpc.RawParams) (hexutil.Uint64, error) {
	if err := decodeParams(p, 0); err != nil {
		return 0, err
	}
	return hexutil.Uint64(h.s.chain.Head().Height), nil
}

// EthGasPrice is eth_gasPrice: the next base fee plus the suggested premium.
func (h *handler) EthGasPrice(ctx context.Context, p jsonrpc.RawParams) (*hexutil.Big, error) {
	if err := decodeParams(p, 0); err != nil {
		return nil, err
	}
	v, err := h.s.gasPrice(ctx)
	return hexBig(v), rpcErr(err)
}

// EthMaxPriorityFeePerGas is eth_maxPriorityFeePerGas: Lotus's minimum gas
// premium.
func (h *handler) EthMaxPriorityFeePerGas(ctx context.Context, p jsonrpc.RawParams) (*hexutil.Big, error) {
	if err := decodeParams(p, 0); err != nil {
		return nil, err
	}
	return hexBig(big.NewInt(minGasPremium)), nil
}

// EthFeeHistory is eth_feeHistory(blockCount, newestBlock, [percentiles]).
func (h *handler) EthFeeHistory(ctx context.Context, p jsonrpc.RawParams) (*FeeHistory, error) {
	var count quantity
	var newest BlockRef
	var percentiles []float64
	if err := decodeParams(p, 2, &count, &newest, &percentiles); err != nil {
		return nil, err
	}
	fh, err := h.s.feeHistory(ctx, uint64(count), newest, percentiles)
	return fh, rpcErr(err)
}

// EthGetBalance is eth_getBalance(address, [block]).
func (h *handler) EthGetBalance(ctx context.Context, p jsonrpc.RawParams) (*hexutil.Big, error) {
	var a common.Address
	ref := Latest
	if err := decodeParams(p, 1, &a, &ref); err != nil {
		return nil, err
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return nil, rpcErr(err)
	}
	v, err := h.s.balance(ctx, a, ts)
	return hexBig(v), rpcErr(err)
}

// EthGetCode is eth_getCode(address, [block]).
func (h *handler) EthGetCode(ctx context.Context, p jsonrpc.RawParams) (hexutil.Bytes, error) {
	var a common.Address
	ref := Latest
	if err := decodeParams(p, 1, &a, &ref); err != nil {
		return nil, err
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return nil, rpcErr(err)
	}
	code, err := h.s.code(ctx, a, ts)
	return code, rpcErr(err)
}

// EthGetStorageAt is eth_getStorageAt(address, slot, [block]).
func (h *handler) EthGetStorageAt(ctx context.Context, p jsonrpc.RawParams) (hexutil.Bytes, error) {
	var a common.Address
	var slot hexutil.Big
	ref := Latest
	if err := decodeParams(p, 2, &a, &slot, &ref); err != nil {
		return nil, err
	}
	if slot.ToInt().Sign() < 0 || slot.ToInt().BitLen() > 256 {
		return nil, invalidParams("invalid argument 1: storage slot out of range")
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return nil, rpcErr(err)
	}
	v, err := h.s.storageAt(ctx, a, common.BigToHash(slot.ToInt()), ts)
	return v, rpcErr(err)
}

// EthGetTransactionCount is eth_getTransactionCount(address, [block]):
// "pending" counts the mempool's messages too.
func (h *handler) EthGetTransactionCount(ctx context.Context, p jsonrpc.RawParams) (hexutil.Uint64, error) {
	var a common.Address
	ref := Latest
	if err := decodeParams(p, 1, &a, &ref); err != nil {
		return 0, err
	}
	if ref.Tag == TagPending {
		n, err := h.s.pendingNonce(ctx, a)
		return hexutil.Uint64(n), rpcErr(err)
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return 0, rpcErr(err)
	}
	n, err := h.s.nonce(ctx, a, ts)
	return hexutil.Uint64(n), rpcErr(err)
}

// EthCall is eth_call(tx, [block]).
func (h *handler) EthCall(ctx context.Context, p jsonrpc.RawParams) (hexutil.Bytes, error) {
	var args CallArgs
	ref := Latest
	if err := decodeParams(p, 1, &args, &ref); err != nil {
		return nil, err
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return nil, rpcErr(err)
	}
	out, err := h.s.call(ctx, &args, ts)
	return out, rpcErr(err)
}

// EthEstimateGas is eth_estimateGas(tx, [block]).
func (h *handler) EthEstimateGas(ctx context.Context, p jsonrpc.RawParams) (hexutil.Uint64, error) {
	var args CallArgs
	ref := Latest
	if err := decodeParams(p, 1, &args, &ref); err != nil {
		return 0, err
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return 0, rpcErr(err)
	}
	g, err := h.s.estimateGas(ctx, &args, ts)
	return hexutil.Uint64(g), rpcErr(err)
}

// EthSendRawTransaction is eth_sendRawTransaction(bytes).
func (h *handler) EthSendRawTransaction(ctx context.Context, p jsonrpc.RawParams) (common.Hash, error) {
	return oneParam(p, func(v hexutil.Bytes) (common.Hash, error) { return h.s.sendRaw(ctx, v) })
}

// EthSendTransaction is eth_sendTransaction(tx) from a dev account.
func (h *handler) EthSendTransaction(ctx context.Context, p jsonrpc.RawParams) (common.Hash, error) {
	var args CallArgs
	if err := decodeParams(p, 1, &args); err != nil {
		return common.Hash{}, err
	}
	hash, err := h.s.sendTransaction(ctx, &args)
	return hash, rpcErr(err)
}

// EthGetBlockByNumber is eth_getBlockByNumber(block, fullTransactions).
func (h *handler) EthGetBlockByNumber(ctx context.Context, p jsonrpc.RawParams) (*Block, error) {
	var ref BlockRef
	var full bool
	if err := decodeParams(p, 1, &ref, &full); err != nil {
		return nil, err
	}
	return h.blockOrNil(ctx, ref, full)
}

// EthGetBlockByHash is eth_getBlockByHash(hash, fullTransactions).
func (h *handler) EthGetBlockByHash(ctx context.Context, p jsonrpc.RawParams) (*Block, error) {
	var hash common.Hash
	var full bool
	if err := decodeParams(p, 1, &hash, &full); err != nil {
		return nil, err
	}
	return h.blockOrNil(ctx, BlockRef{Hash: &hash}, full)
}

func (h *handler) blockOrNil(ctx context.Context, ref BlockRef, full bool) (*Block, error) {
	ts, err := h.s.tipsetOrNil(ctx, ref)
	if err != nil || ts == nil {
		return nil, rpcErr(err)
	}
	b, err := h.s.block(ctx, ts, full)
	return b, rpcErr(err)
}

// EthGetBlockTransactionCountByNumber is eth_getBlockTransactionCountByNumber.
func (h *handler) EthGetBlockTransactionCountByNumber(ctx context.Context, p jsonrpc.RawParams) (*hexutil.Uint64, error) {
	var ref BlockRef
	if err := decodeParams(p, 1, &ref); err != nil {
		return nil, err
	}
	return h.txCount(ctx, ref)
}

// EthGetBlockTransactionCountByHash is eth_getBlockTransactionCountByHash.
func (h *handler) EthGetBlockTransactionCountByHash(ctx context.Context, p jsonrpc.RawParams) (*hexutil.Uint64, error) {
	var hash common.Hash
	if err := decodeParams(p, 1, &hash); err != nil {
		return nil, err
	}
	return h.txCount(ctx, BlockRef{Hash: &hash})
}

func (h *handler) txCount(ctx context.Context, ref BlockRef) (*hexutil.Uint64, error) {
	ts, err := h.s.tipsetOrNil(ctx, ref)
	if err != nil || ts == nil {
		return nil, rpcErr(err)
	}
	msgs, err := h.s.chain.Messages(ctx, ts)
	if err != nil {
		return nil, rpcErr(err)
	}
	n := hexutil.Uint64(len(msgs))
	return &n, nil
}

// EthGetTransactionByHash is eth_getTransactionByHash.
func (h *handler) EthGetTransactionByHash(ctx context.Context, p jsonrpc.RawParams) (*Transaction, error) {
	return oneParam(p, func(v common.Hash) (*Transaction, error) { return h.s.txByHash(ctx, v) })
}

// EthGetTransactionByBlockHashAndIndex is eth_getTransactionByBlockHashAndIndex.
func (h *handler) EthGetTransactionByBlockHashAndIndex(ctx context.Context, p jsonrpc.RawParams) (*Transaction, error) {
	var hash common.Hash
	var i hexutil.Uint64
	if err := decodeParams(p, 2, &hash, &i); err != nil {
		return nil, err
	}
	return h.txByBlockAndIndex(ctx, BlockRef{Hash: &hash}, uint64(i))
}

// EthGetTransactionByBlockNumberAndIndex is eth_getTransactionByBlockNumberAndIndex.
func (h *handler) EthGetTransactionByBlockNumberAndIndex(ctx context.Context, p jsonrpc.RawParams) (*Transaction, error) {
	var ref BlockRef
	var i hexutil.Uint64
	if err := decodeParams(p, 2, &ref, &i); err != nil {
		return nil, err
	}
	return h.txByBlockAndIndex(ctx, ref, uint64(i))
}

func (h *handler) txByBlockAndIndex(ctx context.Context, ref BlockRef, i uint64) (*Transaction, error) {
	ts, err := h.s.tipsetOrNil(ctx, ref)
	if err != nil || ts == nil {
		return nil, rpcErr(err)
	}
	tx, err := h.s.txByBlockAndIndex(ctx, ts, i)
	return tx, rpcErr(err)
}

// EthGetTransactionReceipt is eth_getTransactionReceipt.
func (h *handler) EthGetTransactionReceipt(ctx context.Context, p jsonrpc.RawParams) (*Receipt, error) {
	return oneParam(p, func(v common.Hash) (*Receipt, error) { return h.s.receiptByHash(ctx, v) })
}

// EthGetBlockReceipts is eth_getBlockReceipts(block): null for an unknown
// block.
func (h *handler) EthGetBlockReceipts(ctx context.Context, p jsonrpc.RawParams) ([]*Receipt, error) {
	var ref BlockRef
	if err := decodeParams(p, 1, &ref); err != nil {
		return nil, err
	}
	ts, err := h.s.tipsetOrNil(ctx, ref)
	if err != nil || ts == nil {
		return nil, rpcErr(err)
	}
	rs, err := h.s.blockReceipts(ctx, ts)
	return rs, rpcErr(err)
}

// EthGetLogs is eth_getLogs(filter).
func (h *handler) EthGetLogs(ctx context.Context, p jsonrpc.RawParams) ([]Log, error) {
	var spec FilterSpec
	if err := decodeParams(p, 1, &spec); err != nil {
		return nil, err
	}
	logs, err := h.s.getLogs(ctx, &spec)
	return logs, rpcErr(err)
}

// EthNewFilter is eth_newFilter(filter).
func (h *handler) EthNewFilter(ctx context.Context, p jsonrpc.RawParams) (string, error) {
	var spec FilterSpec
	if err := decodeParams(p, 1, &spec); err != nil {
		return "", err
	}
	id, err := h.s.newFilter(filterLogs, &spec)
	return id, rpcErr(err)
}

// EthNewBlockFilter is eth_newBlockFilter.
func (h *handler) EthNewBlockFilter(ctx context.Context, p jsonrpc.RawParams) (string, error) {
	if err := decodeParams(p, 0); err != nil {
		return "", err
	}
	id, err := h.s.newFilter(filterBlocks, nil)
	return id, rpcErr(err)
}

// EthNewPendingTransactionFilter is eth_newPendingTransactionFilter.
func (h *handler) EthNewPendingTransactionFilter(ctx context.Context, p jsonrpc.RawParams) (string, error) {
	if err := decodeParams(p, 0); err != nil {
		return "", err
	}
	id, err := h.s.newFilter(filterPending, nil)
	return id, rpcErr(err)
}

// EthGetFilterChanges is eth_getFilterChanges(id).
func (h *handler) EthGetFilterChanges(ctx context.Context, p jsonrpc.RawParams) (any, error) {
	return oneParam(p, func(v string) (any, error) { return h.s.filterChanges(ctx, v) })
}

// EthGetFilterLogs is eth_getFilterLogs(id).
func (h *handler) EthGetFilterLogs(ctx context.Context, p jsonrpc.RawParams) ([]Log, error) {
	return oneParam(p, func(v string) ([]Log, error) { return h.s.filterLogs(ctx, v) })
}

// EthUninstallFilter is eth_uninstallFilter(id).
func (h *handler) EthUninstallFilter(ctx context.Context, p jsonrpc.RawParams) (bool, error) {
	var id string
	if err := decodeParams(p, 1, &id); err != nil {
		return false, err
	}
	return h.s.filters.remove(id), nil
}

// EthSubscribe is eth_subscribe(kind, [filter]) over WebSocket.
func (h *handler) EthSubscribe(ctx context.Context, p jsonrpc.RawParams) (string, error) {
	var kind string
	var params struct {
		Address AddressList `json:"address"`
		Topics  TopicSpec   `json:"topics"`
	}
	if err := decodeParams(p, 1, &kind, &params); err != nil {
		return "", err
	}
	f, err := newLogFilter(params.Address, params.Topics)
	if err != nil {
		return "", err
	}
	id, err := h.s.subscribe(ctx, kind, f)
	return id, rpcErr(err)
}

// EthUnsubscribe is eth_unsubscribe(id).
func (h *handler) EthUnsubscribe(ctx context.Context, p jsonrpc.RawParams) (bool, error) {
	var id string
	if err := decodeParams(p, 1, &id); err != nil {
		return false, err
	}
	return h.s.unsubscribe(id), nil
}

// EvmMine is evm_mine([timestamp]): one tipset now.
func (h *handler) EvmMine(ctx context.Context, p jsonrpc.RawParams) (string, error) {
	var ts quantity
	if err := decodeParams(p, 0, &ts); err != nil {
		return "", err
	}
	if ts != 0 {
		if err := h.s.setNextBlockTimestamp(uint64(ts)); err != nil {
			return "", err
		}
	}
	return "0x0", rpcErr(h.s.mine(ctx, 1, 0))
}

// AnvilMine is anvil_mine([count], [interval]) (and hardhat_mine).
func (h *handler) AnvilMine(ctx context.Context, p jsonrpc.RawParams) (any, error) {
	count, interval := quantity(1), quantity(0)
	if err := decodeParams(p, 0, &count, &interval); err != nil {
		return nil, err
	}
	return nil, rpcErr(h.s.mine(ctx, uint64(count), uint64(interval)))
}

// EvmSnapshot is evm_snapshot.
func (h *handler) EvmSnapshot(ctx context.Context, p jsonrpc.RawParams) (hexutil.Uint64, error) {
	if err := decodeParams(p, 0); err != nil {
		return 0, err
	}
	return hexutil.Uint64(h.s.snapshot()), nil
}

// EvmRevert is evm_revert(id).
func (h *handler) EvmRevert(ctx context.Context, p jsonrpc.RawParams) (bool, error) {
	var id quantity
	if err := decodeParams(p, 1, &id); err != nil {
		return false, err
	}
	ok, err := h.s.revert(ctx, uint64(id))
	return ok, rpcErr(err)
}

// EvmIncreaseTime is evm_increaseTime(seconds): the total offset in seconds.
func (h *handler) EvmIncreaseTime(ctx context.Context, p jsonrpc.RawParams) (hexutil.Uint64, error) {
	var secs quantity
	if err := decodeParams(p, 1, &secs); err != nil {
		return 0, err
	}
	total, err := h.s.increaseTime(uint64(secs))
	return hexutil.Uint64(total), rpcErr(err)
}

// EvmSetNextBlockTimestamp is evm_setNextBlockTimestamp(timestamp).
func (h *handler) EvmSetNextBlockTimestamp(ctx context.Context, p jsonrpc.RawParams) (any, error) {
	var ts quantity
	if err := decodeParams(p, 1, &ts); err != nil {
		return nil, err
	}
	return nil, rpcErr(h.s.setNextBlockTimestamp(uint64(ts)))
}

// AnvilSetBalance is anvil_setBalance(address, amount) (and
// hardhat_setBalance).
func (h *handler) AnvilSetBalance(ctx context.Context, p jsonrpc.RawParams) (any, error) {
	var a common.Address
	var amount hexutil.Big
	if err := decodeParams(p, 2, &a, &amount); err != nil {
		return nil, err
	}
	return nil, rpcErr(h.s.setBalance(ctx, a, amount.ToInt()))
}

// DebugTraceTransaction is debug_traceTransaction(hash, {tracer: "callTracer"}).
func (h *handler) DebugTraceTransaction(ctx context.Context, p jsonrpc.RawParams) (*CallFrame, error) {
	var hash common.Hash
	var cfg TracerConfig
	if err := decodeParams(p, 1, &hash, &cfg); err != nil {
		return nil, err
	}
	f, err := h.s.traceTransaction(ctx, hash, &cfg)
	return f, rpcErr(err)
}

// DebugTraceCall is debug_traceCall(tx, block, {tracer: "callTracer"}).
func (h *handler) DebugTraceCall(ctx context.Context, p jsonrpc.RawParams) (*CallFrame, error) {
	var args CallArgs
	ref := Latest
	var cfg TracerConfig
	if err := decodeParams(p, 1, &args, &ref, &cfg); err != nil {
		return nil, err
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return nil, rpcErr(err)
	}
	f, err := h.s.traceCall(ctx, &args, ts, &cfg)
	return f, rpcErr(err)
}

// TraceTransaction is trace_transaction(hash), in Lotus's Parity shape.
func (h *handler) TraceTransaction(ctx context.Context, p jsonrpc.RawParams) ([]*ParityBlockTrace, error) {
	return oneParam(p, func(v common.Hash) ([]*ParityBlockTrace, error) { return h.s.traceTransactionParity(ctx, v) })
}

// TraceBlock is trace_block(block), in Lotus's Parity shape.
func (h *handler) TraceBlock(ctx context.Context, p jsonrpc.RawParams) ([]*ParityBlockTrace, error) {
	var ref BlockRef
	if err := decodeParams(p, 1, &ref); err != nil {
		return nil, err
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return nil, rpcErr(err)
	}
	t, err := h.s.traceBlock(ctx, ts)
	return t, rpcErr(err)
}

// TraceReplayBlockTransactions is trace_replayBlockTransactions(block, ["trace"]).
func (h *handler) TraceReplayBlockTransactions(ctx context.Context, p jsonrpc.RawParams) ([]*ReplayedTransaction, error) {
	var ref BlockRef
	var kinds []string
	if err := decodeParams(p, 2, &ref, &kinds); err != nil {
		return nil, err
	}
	ts, err := h.s.tipset(ctx, ref)
	if err != nil {
		return nil, rpcErr(err)
	}
	t, err := h.s.replayBlockTransactions(ctx, ts, kinds)
	return t, rpcErr(err)
}

// oneParam decodes a method's single parameter and runs fn on it, mapping
// its error to the JSON-RPC error clients expect.
func oneParam[P, R any](p jsonrpc.RawParams, fn func(P) (R, error)) (R, error) {
	var v P
	if err := decodeParams(p, 1, &v); err != nil {
		var zero R
		return zero, err
	}
	r, err := fn(v)
	return r, rpcErr(err)
}
