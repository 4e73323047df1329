package rpc

import (
	"context"

	"github.com/go-fvm/go-fvm/chain"
)

// maxMine bounds the tipsets one Devnet.Mine call produces.
const maxMine = 10_000

// DevnetAPI is the "Devnet" namespace: the devnet's own calls.
type DevnetAPI struct {
	chain *chain.Chain
}

// NewDevnetAPI returns the Devnet namespace's handler.
func NewDevnetAPI(c *chain.Chain) *DevnetAPI { return &DevnetAPI{chain: c} }

// Mine mines n tipsets (1 when n is 0) with the mempool's ready messages and
// returns the new head.
func (d *DevnetAPI) Mine(ctx context.Context, n int) (*TipSet, error) {
	if n < 0 || n > maxMine {
		return nil, errParam("cannot mine %d tipsets: 0..%d", n, maxMine)
	}
	if _, err := d.chain.Mine(ctx, max(n, 1)); err != nil {
		return nil, err
	}
	return tipSetJSON(d.chain.Head()), nil
}
