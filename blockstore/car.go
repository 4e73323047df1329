package blockstore

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
)

// ErrMalformedCAR is returned (wrapped) when a CAR cannot be read.
var ErrMalformedCAR = errors.New("malformed car")

// LoadCAR reads a CAR (v1 or v2) from r into bs, checking every block against
// its CID, and returns the CAR's roots and the number of blocks read.
func LoadCAR(ctx context.Context, r io.Reader, bs Blockstore) ([]cid.Cid, int, error) {
	br, err := car.NewBlockReader(r)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: header: %w", ErrMalformedCAR, err)
	}
	n := 0
	for {
		blk, err := br.Next()
		if errors.Is(err, io.EOF) {
			return br.Roots, n, nil
		}
		if err != nil {
			return nil, n, fmt.Errorf("%w: block %d: %w", ErrMalformedCAR, n, err)
		}
		if err := bs.Put(ctx, blk); err != nil {
			return nil, n, fmt.Errorf("store block %s: %w", blk.Cid(), err)
		}
		n++
	}
}
