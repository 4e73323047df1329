package eth

import (
	"context"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/filecoin-project/go-state-types/abi"
	fcrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/ethtx"
)

// index maps Ethereum block hashes to heights and Ethereum transaction
// hashes of delegated messages to their CIDs (the hash of any other message
// is its CID's digest, so it needs no index). It follows the chain lazily:
// every lookup first indexes the tipsets mined since the last one, and drops
// tipsets a revert took off.
type index struct {
	s *Service

	mu       sync.Mutex
	tipsets  []indexed // by height; len(tipsets)-1 is the highest indexed
	blocks   map[common.Hash]abi.ChainEpoch
	txs      map[common.Hash]cid.Cid
	reverted int // how many times tipsets were dropped
}

type indexed struct {
	hash common.Hash
	txs  []common.Hash
}

func newIndex(s *Service) *index {
	return &index{s: s, blocks: map[common.Hash]abi.ChainEpoch{}, txs: map[common.Hash]cid.Cid{}}
}

// sync indexes the chain up to its head.
func (ix *index) sync(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	head := ix.s.chain.Head()
	if n := len(ix.tipsets); n > 0 && abi.ChainEpoch(n-1) == head.Height && ix.tipsets[n-1].hash == blockHash(head) {
		return nil
	}
	if err := ix.dropReverted(ctx, head); err != nil {
		return err
	}
	for h := abi.ChainEpoch(len(ix.tipsets)); h <= head.Height; h++ {
		ts, err := ix.s.chain.TipSetByHeight(ctx, h)
		if err != nil {
			return fmt.Errorf("indexing height %d: %w", h, err)
		}
		if err := ix.add(ctx, ts); err != nil {
			return err
		}
	}
	return nil
}

// dropReverted drops indexed tipsets that are no longer on the chain.
func (ix *index) dropReverted(ctx context.Context, head *chain.TipSet) error {
	dropped := false
	for n := len(ix.tipsets); n > 0; n = len(ix.tipsets) {
		top := abi.ChainEpoch(n - 1)
		if top <= head.Height {
			ts, err := ix.s.chain.TipSetByHeight(ctx, top)
			if err != nil {
				return err
			}
			if blockHash(ts) == ix.tipsets[top].hash {
				break
			}
		}
		last := ix.tipsets[top]
		delete(ix.blocks, last.hash)
		for _, h := range last.txs {
			delete(ix.txs, h)
		}
		ix.tipsets = ix.tipsets[:top]
		dropped = true
	}
	if dropped {
		ix.reverted++
		ix.s.resetEmitters()
	}
	return nil
}

func (ix *index) add(ctx context.Context, ts *chain.TipSet) error {
	msgs, err := ix.s.chain.Messages(ctx, ts)
	if err != nil {
		return fmt.Errorf("indexing height %d: %w", ts.Height, err)
	}
	entry := indexed{hash: blockHash(ts)}
	for _, m := range msgs {
		if m.Signed.Signature.Type != fcrypto.SigTypeDelegated {
			continue
		}
		h, err := ethtx.HashOf(m.Signed, ix.s.chainID)
		if err != nil {
			continue // not an Ethereum transaction: its hash is its CID's
		}
		ix.txs[h] = m.Cid
		entry.txs = append(entry.txs, h)
	}
	ix.blocks[entry.hash] = ts.Height
	ix.tipsets = append(ix.tipsets, entry)
	return nil
}

// blockHeight is the height of the tipset with an Ethereum block hash.
func (ix *index) blockHeight(ctx context.Context, h common.Hash) (abi.ChainEpoch, bool, error) {
	if err := ix.sync(ctx); err != nil {
		return 0, false, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	height, ok := ix.blocks[h]
	return height, ok, nil
}

// txCid is the on-chain CID of the message with an Ethereum transaction
// hash: the indexed delegated message's, else the CID whose digest is h.
func (ix *index) txCid(ctx context.Context, h common.Hash) (cid.Cid, error) {
	if err := ix.sync(ctx); err != nil {
		return cid.Undef, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if c, ok := ix.txs[h]; ok {
		return c, nil
	}
	return ethtx.CidOfHash(h), nil
}
