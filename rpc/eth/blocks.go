package eth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	eam "github.com/filecoin-project/go-state-types/builtin/v16/eam"
	fcrypto "github.com/filecoin-project/go-state-types/crypto"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/ethtx"
)

// revertedEthAddress stands for a recipient that does not exist in the
// state after the message (Lotus's sentinel for a reverted creation).
var revertedEthAddress = common.HexToAddress("0xff0000000000000000000000ffffffffffffffff")

// tipset resolves a block reference. A future number is an error
// ("header not found", as go-ethereum says).
func (s *Service) tipset(ctx context.Context, ref BlockRef) (*chain.TipSet, error) {
	head := s.chain.Head()
	switch {
	case ref.Hash != nil:
		h, ok, err := s.idx.blockHeight(ctx, *ref.Hash)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, serverError("header for hash %s not found", ref.Hash.Hex())
		}
		return s.chain.TipSetByHeight(ctx, h)
	case ref.Number != nil:
		if *ref.Number > uint64(head.Height) {
			return nil, serverError("header not found: block %d is beyond the head (%d)", *ref.Number, head.Height)
		}
		return s.chain.TipSetByHeight(ctx, abi.ChainEpoch(*ref.Number))
	case ref.Tag == TagEarliest:
		return s.chain.Genesis(), nil
	}
	// latest, pending, safe, finalized: a one-node devnet's head is final.
	return head, nil
}

// tipsetOrNil is tipset for methods that answer null for unknown blocks.
func (s *Service) tipsetOrNil(ctx context.Context, ref BlockRef) (*chain.TipSet, error) {
	ts, err := s.tipset(ctx, ref)
	var e *Error
	if errors.As(err, &e) {
		return nil, nil
	}
	return ts, err
}

// blockData is a tipset with its messages and their results.
type blockData struct {
	ts   *chain.TipSet
	hash common.Hash
	msgs []chain.Message
	exec *chain.Execution
	view *stateView // the state after the tipset, for address lookups
}

func (s *Service) blockData(ctx context.Context, ts *chain.TipSet) (*blockData, error) {
	msgs, err := s.chain.Messages(ctx, ts)
	if err != nil {
		return nil, err
	}
	exec, err := s.chain.Execution(ctx, ts)
	if err != nil {
		return nil, err
	}
	if len(exec.Messages) != len(msgs) {
		return nil, fmt.Errorf("tipset %d: %d messages but %d results", ts.Height, len(msgs), len(exec.Messages))
	}
	return &blockData{ts: ts, hash: blockHash(ts), msgs: msgs, exec: exec, view: s.view(ts)}, nil
}

func (b *blockData) close(ctx context.Context) { b.view.close(ctx) }

// block is Lotus's newEthBlockFromFilecoinTipSet, with a real logs bloom
// and the gas used summed from the receipts.
func (s *Service) block(ctx context.Context, ts *chain.TipSet, full bool) (*Block, error) {
	bd, err := s.blockData(ctx, ts)
	if err != nil {
		return nil, err
	}
	defer bd.close(ctx)
	parent := common.Hash{}
	if ts.Height > 0 {
		parent = cidHash(chain.TipSetKey(ts.Parents()).Cid())
	}
	b := &Block{
		Hash: bd.hash, ParentHash: parent, Sha3Uncles: EmptyUncleHash, TransactionsRoot: EmptyRootHash,
		Number: hexutil.Uint64(ts.Height), Timestamp: hexutil.Uint64(ts.Timestamp()),
		GasLimit:      hexutil.Uint64(fvm.BlockGasLimit * int64(len(ts.Blocks))),
		BaseFeePerGas: bigOf(ts.ParentBaseFee()), Nonce: make(hexutil.Bytes, 8), ExtraData: hexutil.Bytes{},
		Transactions: []any{}, Uncles: []common.Hash{},
	}
	if len(bd.msgs) > 0 {
		b.TransactionsRoot = common.Hash{}
	}
	var bloom types.Bloom
	var gasUsed int64
	logIndex := 0
	for i := range bd.msgs {
		tx, err := s.transaction(ctx, bd, i)
		if err != nil {
			return nil, err
		}
		if full {
			b.Transactions = append(b.Transactions, tx)
		} else {
			b.Transactions = append(b.Transactions, tx.Hash)
		}
		gasUsed += bd.exec.Messages[i].Receipt.GasUsed
		logs, err := s.logs(ctx, bd, i, tx.Hash, &logIndex)
		if err != nil {
			return nil, err
		}
		addBloom(&bloom, logs)
	}
	b.GasUsed = hexutil.Uint64(gasUsed)
	b.LogsBloom = bloom.Bytes()
	return b, nil
}

// transaction is message i of a block as an Ethereum transaction.
func (s *Service) transaction(ctx context.Context, bd *blockData, i int) (*Transaction, error) {
	tx, err := s.txOf(ctx, bd.msgs[i], bd.view)
	if err != nil {
		return nil, err
	}
	n, idx := hexutil.Uint64(bd.ts.Height), hexutil.Uint64(i)
	h := bd.hash
	tx.BlockHash, tx.BlockNumber, tx.TransactionIndex = &h, &n, &idx
	return tx, nil
}

// txOf is a chain message as an Ethereum transaction, without its place
// (Lotus's newEthTxFromSignedMessage).
func (s *Service) txOf(ctx context.Context, m chain.Message, view *stateView) (*Transaction, error) {
	if m.Signed.Signature.Type == fcrypto.SigTypeDelegated {
		if etx, err := ethtx.FromSignedMessage(m.Signed, s.chainID); err == nil {
			// The chain checked the signature recovers the f410 sender.
			from, err := fvm.EthAddressOf(m.Signed.Message.From)
			if err != nil {
				return nil, err
			}
			return ethTransaction(etx, common.Address(from)), nil
		}
	}
	tx, err := s.nativeTransaction(ctx, m, view)
	if err != nil {
		return nil, err
	}
	tx.Hash = cidHash(m.Cid)
	return tx, nil
}

// ethTransaction shows an Ethereum envelope sent by from.
func ethTransaction(etx *ethtx.Tx, from common.Address) *Transaction {
	g := etx.Transaction()
	v, r, sv := g.RawSignatureValues()
	tx := &Transaction{
		ChainID: hexutil.Uint64(etx.ChainID()), Nonce: hexutil.Uint64(g.Nonce()), Hash: etx.Hash(),
		From: from, To: g.To(), Value: (*hexutil.Big)(g.Value()), Type: hexutil.Uint64(g.Type()),
		Input: g.Data(), Gas: hexutil.Uint64(g.Gas()), AccessList: []common.Hash{},
		V: (*hexutil.Big)(v), R: (*hexutil.Big)(r), S: (*hexutil.Big)(sv),
	}
	if tx.Input == nil {
		tx.Input = hexutil.Bytes{}
	}
	if etx.Kind() == ethtx.EIP1559 {
		tx.MaxFeePerGas, tx.MaxPriorityFeePerGas = (*hexutil.Big)(g.GasFeeCap()), (*hexutil.Big)(g.GasTipCap())
	} else {
		tx.GasPrice = (*hexutil.Big)(g.GasPrice())
	}
	return tx
}

// nativeTransaction shows a Filecoin message (Lotus's
// ethTxFromNativeMessage): addresses looked up in the state after it, input
// ABI-encoded unless it is an EVM call or creation, no signature.
func (s *Service) nativeTransaction(ctx context.Context, m chain.Message, view *stateView) (*Transaction, error) {
	msg := &m.Signed.Message
	from, err := view.ethAddress(ctx, msg.From)
	if err != nil {
		return nil, fmt.Errorf("sender %s of message %s: %w", msg.From, m.Cid, err)
	}
	to, err := view.ethAddress(ctx, msg.To)
	if err != nil {
		to = revertedEthAddress
	}
	codec := uint64(0)
	if len(msg.Params) > 0 {
		codec = codecCBOR
	}
	tx := &Transaction{
		ChainID: hexutil.Uint64(s.chainID), Nonce: hexutil.Uint64(msg.Sequence), From: from, To: &to,
		Value: bigOf(msg.Value), Type: types.DynamicFeeTxType,
		Input: NativeParamsABI(uint64(msg.Method), codec, msg.Params), Gas: hexutil.Uint64(msg.GasLimit),
		MaxFeePerGas: bigOf(msg.GasFeeCap), MaxPriorityFeePerGas: bigOf(msg.GasPremium), AccessList: []common.Hash{},
		V: new(hexutil.Big), R: new(hexutil.Big), S: new(hexutil.Big),
	}
	switch {
	case msg.Method == builtin.MethodsEVM.InvokeContract:
		if in, err := decodePayload(msg.Params, codec); err == nil {
			tx.Input = in
		}
	case msg.To == builtin.EthereumAddressManagerActorAddr && msg.Method == builtin.MethodsEAM.CreateExternal:
		if in, err := decodePayload(msg.Params, codec); err == nil {
			tx.Input, tx.To = in, nil
		}
	}
	if tx.Input == nil {
		tx.Input = hexutil.Bytes{}
	}
	return tx, nil
}

// receipt is message i of a block's receipt; logIndex counts the block's
// logs before it and advances past its own.
func (s *Service) receipt(ctx context.Context, bd *blockData, i int, logIndex *int) (*Receipt, error) {
	tx, err := s.transaction(ctx, bd, i)
	if err != nil {
		return nil, err
	}
	applied := bd.exec.Messages[i]
	var cumulative int64
	for _, a := range bd.exec.Messages[:i+1] {
		cumulative += a.Receipt.GasUsed
	}
	r := &Receipt{
		TransactionHash: tx.Hash, TransactionIndex: hexutil.Uint64(i), BlockHash: bd.hash,
		BlockNumber: hexutil.Uint64(bd.ts.Height), From: tx.From, To: tx.To, Type: tx.Type,
		GasUsed: hexutil.Uint64(applied.Receipt.GasUsed), CumulativeGasUsed: hexutil.Uint64(cumulative),
		EffectiveGasPrice: effectiveGasPrice(applied),
	}
	if applied.Receipt.ExitCode.IsSuccess() {
		r.Status = 1
		if tx.To == nil {
			var ret eam.CreateExternalReturn
			if err := ret.UnmarshalCBOR(bytes.NewReader(applied.Receipt.Return)); err != nil {
				return nil, fmt.Errorf("contract creation %s: return: %w", tx.Hash.Hex(), err)
			}
			a := common.Address(ret.EthAddress)
			r.ContractAddress = &a
		}
	}
	r.Logs, err = s.logs(ctx, bd, i, tx.Hash, logIndex)
	if err != nil {
		return nil, err
	}
	var bloom types.Bloom
	addBloom(&bloom, r.Logs)
	r.LogsBloom = bloom.Bytes()
	return r, nil
}

// effectiveGasPrice is what the sender paid per gas used: base fee burn,
// miner tip and over-estimation burn over gas used (Lotus).
func effectiveGasPrice(a chain.Applied) *hexutil.Big {
	if a.Receipt.GasUsed <= 0 {
		return new(hexutil.Big)
	}
	total := a.GasCosts.TotalCost()
	return (*hexutil.Big)(new(big.Int).Div(total.Int, big.NewInt(a.Receipt.GasUsed)))
}

// logs are message i's EVM logs, numbered from *logIndex within the block.
func (s *Service) logs(ctx context.Context, bd *blockData, i int, txHash common.Hash, logIndex *int) ([]Log, error) {
	out := []Log{}
	for _, ev := range bd.exec.Messages[i].Events {
		topics, data, ok := EventLog(ev.Entries)
		if !ok {
			continue
		}
		addr, err := s.emitter(ctx, uint64(ev.Emitter), bd.view)
		if err != nil {
			return nil, err
		}
		out = append(out, Log{
			Address: addr, Data: data, Topics: topics, LogIndex: hexutil.Uint64(*logIndex),
			TransactionIndex: hexutil.Uint64(i), TransactionHash: txHash, BlockHash: bd.hash,
			BlockNumber: hexutil.Uint64(bd.ts.Height),
		})
		*logIndex++
	}
	return out, nil
}

// emitter is the Ethereum address of an event's emitter: its f410 address,
// else its masked ID (cached until a revert, which may reuse ids).
func (s *Service) emitter(ctx context.Context, id uint64, view *stateView) (common.Address, error) {
	s.mu.Lock()
	a, ok := s.emitters[id]
	s.mu.Unlock()
	if ok {
		return a, nil
	}
	idAddr, _ := address.NewIDAddress(id)
	a, err := view.ethAddress(ctx, idAddr)
	if err != nil {
		return common.Address{}, err
	}
	s.mu.Lock()
	s.emitters[id] = a
	s.mu.Unlock()
	return a, nil
}

func (s *Service) resetEmitters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emitters = map[uint64]common.Address{}
}

// EventLog converts an actor event into an EVM log's topics and data
// (Lotus's EthLogFromEvent): every entry must be raw; t1..t4 are 32-byte
// topics, each at most once and without gaps; d is the data; other keys are
// ignored. ok is false for anything else.
func EventLog(entries []fvm.EventEntry) (topics []common.Hash, data []byte, ok bool) {
	var found [4]bool
	count, haveData := 0, false
	topics = make([]common.Hash, 0, 4)
	for _, e := range entries {
		if e.Codec != codecRaw {
			return nil, nil, false
		}
		switch {
		case len(e.Key) == 2 && e.Key[0] == 't' && e.Key[1] >= '1' && e.Key[1] <= '4':
			i := int(e.Key[1] - '1')
			if len(e.Value) != 32 || found[i] {
				return nil, nil, false
			}
			found[i] = true
			count++
			for len(topics) <= i {
				topics = append(topics, common.Hash{})
			}
			topics[i] = common.BytesToHash(e.Value)
		case e.Key == "d":
			if haveData {
				return nil, nil, false
			}
			haveData, data = true, e.Value
		}
	}
	if len(topics) != count {
		return nil, nil, false
	}
	if data == nil {
		data = []byte{}
	}
	return topics, data, true
}

// addBloom adds logs' addresses and topics to a bloom filter.
func addBloom(b *types.Bloom, logs []Log) {
	for _, l := range logs {
		b.Add(l.Address[:])
		for _, t := range l.Topics {
			b.Add(t[:])
		}
	}
}

func bigOf(v fbig.Int) *hexutil.Big {
	if v.Int == nil {
		return new(hexutil.Big)
	}
	return (*hexutil.Big)(new(big.Int).Set(v.Int))
}
