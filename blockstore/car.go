package blockstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
)

// ErrMalformedCAR is returned (wrapped) when a CAR cannot be read.
var ErrMalformedCAR = errors.New("malformed car")

// LoadCAR reads a CAR (v1 or v2) from r into bs, checking every block against
// its CID, and returns the CAR's roots and the number of blocks read. A CARv1
// that ends inside a section is an error, even when it ends right after the
// section's length.
func LoadCAR(ctx context.Context, r io.Reader, bs Blockstore) ([]cid.Cid, int, error) {
	cr := &countingReader{r: r}
	br, err := car.NewBlockReader(cr)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: header: %w", ErrMalformedCAR, err)
	}
	end := cr.n // where the sections read so far end
	n := 0
	for {
		blk, err := br.Next()
		if errors.Is(err, io.EOF) {
			// go-car reports a clean EOF when the input stops right after a
			// section's length; then more was read than the sections hold.
			if br.Version == 1 && cr.n != end {
				return nil, n, fmt.Errorf("%w: block %d: truncated section", ErrMalformedCAR, n)
			}
			return br.Roots, n, nil
		}
		if err != nil {
			return nil, n, fmt.Errorf("%w: block %d: %w", ErrMalformedCAR, n, err)
		}
		if err := bs.Put(ctx, blk); err != nil {
			return nil, n, fmt.Errorf("store block %s: %w", blk.Cid(), err)
		}
		size := uint64(blk.Cid().ByteLen() + len(blk.RawData()))
		end += int64(len(binary.AppendUvarint(nil, size))) + int64(size)
		n++
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
