package kernel

import (
	"math"

	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/internal/cborhead"
)

// This file holds the v4 link scan of blocks (FIP-0071 reachability).

// NewBlock makes a block for block_create with v4 (nv21+) semantics: the codec
// must be allowed (IllegalCodec), and DAG-CBOR data is scanned for links
// (Serialization when malformed, NotFound for a link the FVM forbids). The
// links found are recorded in the block. The size limit (checked first) is the
// kernel's business, and so is the scan's gas: a metering kernel calls
// ScanBlockLinksMetered itself. A v3 kernel does not scan: it builds
// &Block{Codec: codec, Data: data} and lets a codec-checking registry reject
// bad codecs on Put.
func NewBlock(codec uint64, data []byte) (*Block, error) {
	if !AllowedCodec(codec) {
		return nil, Errorf(IllegalCodec, "codec %d not allowed", codec)
	}
	links, err := ScanBlockLinks(codec, data)
	if err != nil {
		return nil, err
	}
	return &Block{Codec: codec, Data: data, Links: links}, nil
}

// ScanBlockLinks returns the links of a block as the v4 reference's
// scan_for_reachable_links does, without gas (see ScanBlockLinksMetered).
func ScanBlockLinks(codec uint64, data []byte) ([]cid.Cid, error) {
	return ScanBlockLinksMetered(codec, data, nil)
}

// ScanCharge is called by the link scanner before each DAG-CBOR item it reads
// (link false: ipld_cbor_scan_per_field) and before each link it parses
// (link true: ipld_cbor_scan_per_cid), in the reference's order. An error
// stops the scan and is returned as is (the kernel returns out of gas once its
// local budget is exhausted).
type ScanCharge func(link bool) error

// ScanBlockLinksMetered returns the links of a block as the v4 reference's
// scan_for_reachable_links (ipld/mod.rs, ipld/cbor.rs at fvm@v4.8.2) does:
// raw and CBOR have none; DAG-CBOR is scanned; any other codec is
// IllegalCodec. Malformed DAG-CBOR (bad or truncated headers, indefinite
// lengths, a tag 42 not followed by a byte string starting with 0x00, a CID
// that does not parse or does not use the whole byte string, count overflow,
// trailing bytes after the top-level item) is Serialization. Each link is
// filtered: FIL commitment CIDs are skipped, a codec other than
// CBOR/DAG-CBOR/raw is NotFound, an identity-hashed CID is replaced by the
// links inside its digest (scanned with its codec), and anything but a
// 32-byte blake2b-256 is NotFound. Duplicates are kept, in encoding order.
// charge may be nil. The result is never nil on success.
func ScanBlockLinksMetered(codec uint64, data []byte, charge ScanCharge) ([]cid.Cid, error) {
	if charge == nil {
		charge = func(bool) error { return nil }
	}
	s := linkScanner{charge: charge, links: []cid.Cid{}}
	if err := s.scan(codec, data); err != nil {
		return nil, err
	}
	return s.links, nil
}

// linkScanner collects links across nested (identity) scans.
type linkScanner struct {
	charge ScanCharge
	links  []cid.Cid
}

// scan appends the links of data, encoded with codec.
func (s *linkScanner) scan(codec uint64, data []byte) error {
	switch codec {
	case CodecRaw, CodecCBOR:
		return nil
	case CodecDagCBOR:
		return s.scanDagCBOR(data)
	default:
		return Errorf(IllegalCodec, "codec %d not allowed", codec)
	}
}

// scanDagCBOR walks one DAG-CBOR item, shallowly except for tag-42 links.
// Note: blockstore.ScanLinks is close but not exact for consensus (it accepts
// trailing bytes, parses links with go-cid and does not meter), hence this.
func (s *linkScanner) scanDagCBOR(buf []byte) error {
	for remaining := uint64(1); remaining > 0; {
		remaining--
		if err := s.charge(false); err != nil {
			return err
		}
		major, arg, rest, err := cborHeader(buf)
		if err != nil {
			return err
		}
		buf = rest
		switch major {
		case 2, 3:
			if arg > uint64(len(buf)) {
				return Errorf(Serialization, "unexpected end of cbor stream")
			}
			buf = buf[arg:]
		case 4:
			if remaining+arg < remaining {
				return Errorf(Serialization, "cbor field count overflow")
			}
			remaining += arg
		case 5:
			if arg > math.MaxUint64/2 || remaining+2*arg < remaining {
				return Errorf(Serialization, "cbor field count overflow")
			}
			remaining += 2 * arg
		case 6:
			if arg != 42 {
				remaining++ // Cannot overflow: it was just decremented.
				continue
			}
			if buf, err = s.scanLink(buf); err != nil {
				return err
			}
		}
	}
	if len(buf) != 0 {
		return Errorf(Serialization, "%d trailing bytes in CBOR block", len(buf))
	}
	return nil
}

// scanLink reads the byte string after a tag 42, visits the CID in it and
// returns the rest of buf.
func (s *linkScanner) scanLink(buf []byte) ([]byte, error) {
	if err := s.charge(true); err != nil {
		return nil, err
	}
	major, n, buf, err := cborHeader(buf)
	if err != nil {
		return nil, err
	}
	if major != 2 {
		return nil, Errorf(Serialization, "expected cbor type byte string in input")
	}
	if n > uint64(len(buf)) {
		return nil, Errorf(Serialization, "unexpected end of cbor stream")
	}
	if n < 1 || buf[0] != 0 {
		return nil, Errorf(Serialization, "DAG-CBOR CID does not start with a 0x00 byte")
	}
	raw, rest := buf[1:n], buf[n:]
	c, used, err := ParseCID(raw)
	if err != nil {
		return nil, Errorf(Serialization, "invalid cid: %v", err)
	}
	if used != len(raw) {
		return nil, Errorf(Serialization, "cid has %d trailing bytes", len(raw)-used)
	}
	return rest, s.visit(c)
}

// visit applies the reference's link rules (ipld/mod.rs visit_cid) to c.
func (s *linkScanner) visit(c cid.Cid) error {
	p, digest := splitCID(c)
	switch {
	case p.Codec == CodecFilCommitmentUnsealed || p.Codec == CodecFilCommitmentSealed:
		return nil
	case !AllowedCodec(p.Codec):
		return Errorf(NotFound, "block links to CID with forbidden codec %d", p.Codec)
	case p.MhType == MhIdentity:
		return s.scan(p.Codec, digest)
	case p.MhType != MhBlake2b256 || len(digest) != 32:
		return Errorf(NotFound, "block links to CID with forbidden multihash (code %d, length %d)",
			p.MhType, len(digest))
	}
	s.links = append(s.links, c)
	return nil
}

// cborHeader decodes a CBOR item header as the reference's scanner does: no
// minimal-encoding check, indefinite lengths and reserved values (28-31) are
// Serialization, as is running out of input.
func cborHeader(buf []byte) (major byte, arg uint64, rest []byte, err error) {
	major, arg, rest, ok := cborhead.Read(buf)
	if !ok {
		return 0, 0, nil, Errorf(Serialization, "invalid cbor header")
	}
	return major, arg, rest, nil
}
