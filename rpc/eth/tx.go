package eth

import (
	"context"
	"errors"

	"github.com/ethereum/go-ethereum/common"

	"github.com/go-fvm/go-fvm/chain"
)

// lookup finds a mined transaction by its Ethereum hash; nil when the chain
// does not hold it.
func (s *Service) lookup(ctx context.Context, h common.Hash) (*chain.Lookup, error) {
	c, err := s.idx.txCid(ctx, h)
	if err != nil {
		return nil, err
	}
	l, err := s.chain.SearchMessage(ctx, c)
	if errors.Is(err, chain.ErrNotFound) {
		return nil, nil
	}
	return l, err
}

// txByHash is eth_getTransactionByHash: a mined transaction with its place,
// a pending one without, else nil.
func (s *Service) txByHash(ctx context.Context, h common.Hash) (*Transaction, error) {
	l, err := s.lookup(ctx, h)
	if err != nil {
		return nil, err
	}
	if l != nil {
		bd, err := s.blockData(ctx, l.Included)
		if err != nil {
			return nil, err
		}
		defer bd.close(ctx)
		return s.transaction(ctx, bd, l.Index)
	}
	for _, sm := range s.chain.Pending() {
		m := chain.Message{Cid: sm.Cid(), Signed: sm}
		if s.txHash(m) != h {
			continue
		}
		view := s.view(s.chain.Head())
		defer view.close(ctx)
		return s.txOf(ctx, m, view)
	}
	return nil, nil
}

// receiptByHash is eth_getTransactionReceipt: nil until the transaction is
// mined.
func (s *Service) receiptByHash(ctx context.Context, h common.Hash) (*Receipt, error) {
	l, err := s.lookup(ctx, h)
	if err != nil || l == nil {
		return nil, err
	}
	bd, err := s.blockData(ctx, l.Included)
	if err != nil {
		return nil, err
	}
	defer bd.close(ctx)
	logIndex := 0
	for _, a := range bd.exec.Messages[:l.Index] {
		for _, ev := range a.Events {
			if _, _, ok := EventLog(ev.Entries); ok {
				logIndex++
			}
		}
	}
	return s.receipt(ctx, bd, l.Index, &logIndex)
}

// blockReceipts is eth_getBlockReceipts.
func (s *Service) blockReceipts(ctx context.Context, ts *chain.TipSet) ([]*Receipt, error) {
	bd, err := s.blockData(ctx, ts)
	if err != nil {
		return nil, err
	}
	defer bd.close(ctx)
	out := []*Receipt{}
	logIndex := 0
	for i := range bd.msgs {
		r, err := s.receipt(ctx, bd, i, &logIndex)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// txByBlockAndIndex is eth_getTransactionByBlock{Hash,Number}AndIndex.
func (s *Service) txByBlockAndIndex(ctx context.Context, ts *chain.TipSet, i uint64) (*Transaction, error) {
	bd, err := s.blockData(ctx, ts)
	if err != nil {
		return nil, err
	}
	defer bd.close(ctx)
	if i >= uint64(len(bd.msgs)) {
		return nil, nil
	}
	return s.transaction(ctx, bd, int(i))
}
