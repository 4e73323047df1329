package blockstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
	"github.com/multiformats/go-varint"

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
	return scanLinkBytes(data, func(link []byte) error {
		c, err := cid.Cast(link)
		if err != nil {
			return fmt.Errorf("%w: link: %w", ErrMalformedCBOR, err)
		}
		fn(c)
		return nil
	})
}

// scanLinkBytes is ScanLinks giving each link's CID bytes (a slice of data)
// unchecked; fn's error ends the scan.
func scanLinkBytes(data []byte, fn func(link []byte) error) error {
	buf := data
	for remaining := uint64(1); remaining > 0; remaining-- {
		if link, ok := commonLink(buf); ok {
			if err := fn(link); err != nil {
				return err
			}
			buf = buf[commonLinkHeadLen+len(link):]
			continue
		}
		var major byte
		var extra uint64
		var err error
		if len(buf) > 0 && buf[0]&0x1f < 24 { // the argument is in the first byte
			major, extra, buf = buf[0]>>5, uint64(buf[0]&0x1f), buf[1:]
		} else if major, extra, buf, err = readHeader(buf); err != nil {
			return err
		}
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
			var link []byte
			if link, buf, err = readLink(buf); err == nil {
				err = fn(link)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// commonLinkHead is how a link to a CIDv1 with a one-byte codec and a
// BLAKE2b-256 digest, every link the FVM writes, starts: tag 42, a byte
// string of 39 bytes, the 0x00 multibase prefix (5 bytes, as a
// little-endian word).
const (
	commonLinkHead    = 0x00_27_58_2a_d8
	commonLinkHeadLen = 5
)

// commonLink returns the CID bytes of a link that starts buf and is
// encoded as commonLinkHead says: the scan's fast path, which gives what
// the tag and readLink would give.
func commonLink(buf []byte) ([]byte, bool) {
	const n = commonLinkHeadLen + blake2bCIDLen
	if len(buf) < n || binary.LittleEndian.Uint64(buf)&(1<<(8*commonLinkHeadLen)-1) != commonLinkHead {
		return nil, false
	}
	return buf[commonLinkHeadLen:n], true
}

// addItems adds n items still to read, refusing counts that cannot fit in the
// input (every item takes at least one byte), which also rules out overflow.
func addItems(remaining, n uint64) (uint64, error) {
	if n > 1<<40 {
		return 0, errContainer(n)
	}
	return remaining + n, nil
}

func errContainer(n uint64) error {
	return fmt.Errorf("%w: container of %d items", ErrMalformedCBOR, n)
}

// readLink reads the byte string of a tag-42 link: a 0x00 multibase prefix
// followed by a binary CID, whose bytes it returns.
func readLink(buf []byte) ([]byte, []byte, error) {
	major, n, rest, err := readHeader(buf)
	if err != nil {
		return nil, nil, err
	}
	if major != 2 {
		return nil, nil, fmt.Errorf("%w: link is major type %d, not a byte string", ErrMalformedCBOR, major)
	}
	if n > uint64(len(rest)) {
		return nil, nil, fmt.Errorf("%w: link of %d bytes exceeds the %d left", ErrMalformedCBOR, n, len(rest))
	}
	if n == 0 || rest[0] != 0 {
		return nil, nil, fmt.Errorf("%w: link does not start with a 0x00 byte", ErrMalformedCBOR)
	}
	return rest[1:n], rest[n:], nil
}

// blake2b256Prefix is the multihash prefix of a BLAKE2b-256 digest (code
// 0xb220 as a varint, length 32), and blake2bCIDLen the length of a CIDv1
// with a one-byte codec and that multihash.
const (
	blake2b256Prefix = "\xa0\xe4\x02\x20"
	blake2bCIDLen    = 2 + len(blake2b256Prefix) + 32
)

// cidPrefix is what the flush walk needs of a CID.
type cidPrefix struct {
	codec, mhType, mhLength uint64
}

// parseCID reads the prefix of binary CID bytes, accepting exactly what
// cid.Cast accepts (a CIDv0 multihash, or version 1, codec and a whole
// multihash, with minimal varints), without allocating.
func parseCID(b []byte) (cidPrefix, error) {
	if len(b) == blake2bCIDLen && b[0] == 1 && string(b[2:6]) == blake2b256Prefix {
		switch b[1] {
		case codecDagCBOR, codecRaw: // what the FVM writes: no varint to read
			return cidPrefix{codec: uint64(b[1]), mhType: hashBlake2b256, mhLength: hashBlake2b256Len}, nil
		}
	}
	if len(b) > 2 && b[0] == multihash.SHA2_256 && b[1] == 32 {
		if len(b) != 34 {
			return cidPrefix{}, fmt.Errorf("CIDv0 of %d bytes", len(b))
		}
		return cidPrefix{codec: cid.DagProtobuf, mhType: multihash.SHA2_256, mhLength: 32}, nil
	}
	var f [2]uint64
	for i := range f {
		v, n, err := varint.FromUvarint(b)
		if err != nil {
			return cidPrefix{}, err
		}
		f[i], b = v, b[n:]
	}
	if f[0] != 1 {
		return cidPrefix{}, fmt.Errorf("CID version %d", f[0])
	}
	if len(b) < 2 {
		return cidPrefix{}, errors.New("multihash too short")
	}
	var h [2]uint64
	for i := range h {
		v, n, err := varint.FromUvarint(b)
		if err != nil {
			return cidPrefix{}, err
		}
		h[i], b = v, b[n:]
	}
	if h[1] > math.MaxInt32 || h[1] != uint64(len(b)) {
		return cidPrefix{}, fmt.Errorf("multihash digest of %d bytes, %d given", h[1], len(b))
	}
	return cidPrefix{codec: f[1], mhType: h[0], mhLength: h[1]}, nil
}

// readHeader decodes a CBOR item header: major type and argument.
func readHeader(buf []byte) (major byte, arg uint64, rest []byte, err error) {
	major, arg, rest, ok := cborhead.Read(buf)
	if !ok {
		return 0, 0, nil, fmt.Errorf("%w: truncated or invalid header", ErrMalformedCBOR)
	}
	return major, arg, rest, nil
}
