package blockstore

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/internal/cborhead"
)

// ErrMalformedCBOR is returned (wrapped) when a block cannot be scanned.
var ErrMalformedCBOR = errors.New("malformed cbor")

// cborLinkTag is the CBOR tag of an IPLD link in DAG-CBOR.
const cborLinkTag = 42

// ScanLinks calls fn, in encoding order, for each CID linked (CBOR tag 42) from
// the single DAG-CBOR item in data. Like the reference scanner it is
// shallow about everything but links: it does not check UTF-8, float forms or
// trailing bytes, and a tag other than 42 simply wraps the next item.
func ScanLinks(data []byte, fn func(cid.Cid)) error {
	buf := data
	for remaining := uint64(1); remaining > 0; remaining-- {
		major, extra, rest, err := readHeader(buf)
		if err != nil {
			return err
		}
		buf = rest
		switch major {
		case 0, 1, 7:
		case 2, 3:
			if extra > uint64(len(buf)) {
				return fmt.Errorf("%w: string of %d bytes exceeds the %d left", ErrMalformedCBOR, extra, len(buf))
			}
			buf = buf[extra:]
		case 4:
			remaining, err = addItems(remaining, extra)
		case 5:
			if extra > 1<<62 {
				return fmt.Errorf("%w: map of %d entries", ErrMalformedCBOR, extra)
			}
			remaining, err = addItems(remaining, extra*2)
		case 6:
			if extra != cborLinkTag {
				remaining, err = addItems(remaining, 1)
				break
			}
			var c cid.Cid
			c, buf, err = readLink(buf)
			if err == nil {
				fn(c)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// addItems adds n items still to read, refusing counts that cannot fit in the
// input (every item takes at least one byte), which also rules out overflow.
func addItems(remaining, n uint64) (uint64, error) {
	if n > 1<<40 {
		return 0, fmt.Errorf("%w: container of %d items", ErrMalformedCBOR, n)
	}
	return remaining + n, nil
}

// readLink reads the byte string of a tag-42 link: a 0x00 multibase prefix
// followed by a binary CID.
func readLink(buf []byte) (cid.Cid, []byte, error) {
	major, n, rest, err := readHeader(buf)
	if err != nil {
		return cid.Undef, nil, err
	}
	if major != 2 {
		return cid.Undef, nil, fmt.Errorf("%w: link is major type %d, not a byte string", ErrMalformedCBOR, major)
	}
	if n > uint64(len(rest)) {
		return cid.Undef, nil, fmt.Errorf("%w: link of %d bytes exceeds the %d left", ErrMalformedCBOR, n, len(rest))
	}
	if n == 0 || rest[0] != 0 {
		return cid.Undef, nil, fmt.Errorf("%w: link does not start with a 0x00 byte", ErrMalformedCBOR)
	}
	c, err := cid.Cast(rest[1:n])
	if err != nil {
		return cid.Undef, nil, fmt.Errorf("%w: link: %w", ErrMalformedCBOR, err)
	}
	return c, rest[n:], nil
}

// readHeader decodes a CBOR item header: major type and argument.
func readHeader(buf []byte) (major byte, arg uint64, rest []byte, err error) {
	major, arg, rest, ok := cborhead.Read(buf)
	if !ok {
		return 0, 0, nil, fmt.Errorf("%w: truncated or invalid header", ErrMalformedCBOR)
	}
	return major, arg, rest, nil
}
