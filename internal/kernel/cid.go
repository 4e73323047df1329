package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
)

// This file parses CIDs and varints as the reference does.

// cidShape is the decoded shape of a canonical CID.
type cidShape struct {
	Codec, MhType uint64
}

// splitCID decodes a CID made by ParseCID (or any canonical CID) into codec,
// multihash code and digest, reading the varints itself so that values of
// 2^63 and above survive (go-cid's own accessors cannot decode them).
func splitCID(c cid.Cid) (cidShape, []byte) {
	b := c.Bytes()
	if c.Version() == 0 {
		return cidShape{Codec: cid.DagProtobuf, MhType: 0x12}, b[2:]
	}
	_, n := uvarint(b)
	codec, n2 := uvarint(b[n:])
	n += n2
	code, n3 := uvarint(b[n:])
	n += n3
	_, n4 := uvarint(b[n:])
	n += n4
	return cidShape{Codec: codec, MhType: code}, b[n:]
}

// uvarint decodes an unsigned LEB128 value that is known to be well formed,
// returning it and its length.
func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, x := range b {
		v |= uint64(x&0x7f) << (7 * i)
		if x < 0x80 {
			return v, i + 1
		}
	}
	return v, len(b)
}

// ErrBadCID is wrapped by ParseCID's errors.
var ErrBadCID = errors.New("invalid cid")

// ReadUvarint reads an unsigned varint the way the reference's CID and
// address parsers do (unsigned-varint 0.8): at most 10 bytes, and a multi-byte
// encoding may not end in 0x00. It returns the value and its length.
//
// Quirk (unsigned-varint 0.8 src/decode.rs, decode! macro): in a 10th byte only
// the lowest bit counts; higher bits are silently dropped, not rejected.
// go-varint instead refuses anything longer than 9 bytes (values ≥ 2^63).
func ReadUvarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < 10; i++ {
		if i >= len(b) {
			return 0, 0, fmt.Errorf("%w: varint runs past the end of input", ErrBadCID)
		}
		x := b[i]
		v |= uint64(x&0x7f) << (7 * i)
		if x&0x80 == 0 {
			if x == 0 && i > 0 {
				return 0, 0, fmt.Errorf("%w: varint is not minimally encoded", ErrBadCID)
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, fmt.Errorf("%w: varint longer than 10 bytes", ErrBadCID)
}

// ParseCID parses a binary CID from the start of b as the reference's
// Cid::read_bytes (cid 0.11.1, multihash 0.19.3) does, and returns it with the
// number of bytes read. It accepts CIDv0 (0x12 0x20 then a 32-byte digest;
// the check is on the two decoded varints) and CIDv1; an explicit version 0,
// any other version, a digest longer than 64 bytes or truncated input is an
// error. The CID is returned in canonical form, which differs from the input
// only for the 10-byte varints described at ReadUvarint.
func ParseCID(b []byte) (cid.Cid, int, error) {
	version, n1, err := ReadUvarint(b)
	if err != nil {
		return cid.Undef, 0, err
	}
	codec, n2, err := ReadUvarint(b[n1:])
	if err != nil {
		return cid.Undef, 0, err
	}
	pos := n1 + n2
	if version == 0x12 && codec == 0x20 {
		if len(b)-pos < 32 {
			return cid.Undef, 0, fmt.Errorf("%w: cidv0 digest is truncated", ErrBadCID)
		}
		mh := append([]byte{0x12, 0x20}, b[pos:pos+32]...)
		return cid.NewCidV0(mh), pos + 32, nil
	}
	switch version {
	case 1:
	case 0:
		return cid.Undef, 0, fmt.Errorf("%w: explicit cidv0", ErrBadCID)
	default:
		return cid.Undef, 0, fmt.Errorf("%w: unknown version %d", ErrBadCID, version)
	}
	code, n3, err := ReadUvarint(b[pos:])
	if err != nil {
		return cid.Undef, 0, err
	}
	pos += n3
	size, n4, err := ReadUvarint(b[pos:])
	if err != nil {
		return cid.Undef, 0, err
	}
	pos += n4
	if size > MaxDigestLen {
		return cid.Undef, 0, fmt.Errorf("%w: digest of %d bytes exceeds %d", ErrBadCID, size, MaxDigestLen)
	}
	if uint64(len(b)-pos) < size {
		return cid.Undef, 0, fmt.Errorf("%w: digest is truncated", ErrBadCID)
	}
	mh := binary.AppendUvarint(nil, code)
	mh = binary.AppendUvarint(mh, size)
	mh = append(mh, b[pos:pos+int(size)]...)
	return cid.NewCidV1(codec, mh), pos + int(size), nil
}
