package callmanager

import (
	"errors"

	"github.com/multiformats/go-varint"
)

// varintPrefix reads the unsigned varint at the start of b.
func varintPrefix(b []byte) (uint64, int, error) {
	v, n, err := varint.FromUvarint(b)
	if err != nil {
		return 0, 0, errors.New("bad varint")
	}
	return v, n, nil
}
