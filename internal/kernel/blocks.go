package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/internal/cborhead"
)

// Block ids. Blocks in a registry are numbered from FirstBlockID; id
// NoDataBlockID (0) means "no block" (no params, no return value) and is never a
// valid handle.
const (
	NoDataBlockID uint32 = 0
	FirstBlockID  uint32 = 1
)

// Registry and block limits (ref-fvm kernel/blocks.rs and NetworkConfig).
const (
	// MaxBlocks is the number of blocks one registry can hold: i32::MAX in the
	// reference (blocks.rs:25 at fvm@v3.13.3), so that every id fits an i32.
	MaxBlocks uint32 = math.MaxInt32
	// MaxBlockSize is the default NetworkConfig max_block_size (1 MiB). The
	// kernel enforces it in block_create only, before the codec check; blocks
	// opened from state or received from other actors may be larger.
	MaxBlockSize = 1 << 20
)

// IPLD codec and multihash codes the block registry cares about.
const (
	CodecCBOR                  uint64 = 0x51
	CodecDagCBOR               uint64 = 0x71
	CodecRaw                   uint64 = 0x55
	CodecFilCommitmentUnsealed uint64 = 0xf101
	CodecFilCommitmentSealed   uint64 = 0xf102
	MhIdentity                 uint64 = 0x00
	MhBlake2b256               uint64 = 0xb220
	// MaxDigestLen is the largest multihash digest the reference's CID type
	// holds (Multihash<64>); longer digests fail to parse.
	MaxDigestLen = 64
)

// AllowedCodec reports whether codec may be used for blocks in the registry:
// CBOR, DAG-CBOR and raw (ALLOWED_CODECS, the same set in v3 and v4).
func AllowedCodec(codec uint64) bool {
	return codec == CodecCBOR || codec == CodecDagCBOR || codec == CodecRaw
}

// Block is an IPLD block held by a registry: its codec, its bytes and the
// links recorded when it was made (empty in v3, which does not scan). Blocks
// are shared, never copied, between caller and callee registries, and must not
// be modified once put.
type Block struct {
	Codec uint64
	Data  []byte
	Links []cid.Cid
}

// BlockStat is what block_stat and block_open report about a block.
type BlockStat struct {
	Codec uint64
	Size  uint32
}

// Size returns the length of the block's data. Blocks are at most a few MiB,
// so the conversion cannot truncate for anything the kernel creates.
func (b *Block) Size() uint32 {
	return uint32(len(b.Data))
}

// Stat returns the block's codec and size.
func (b *Block) Stat() BlockStat {
	return BlockStat{Codec: b.Codec, Size: b.Size()}
}

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

// BlockRegistry is one invocation's append-only table of blocks. Ids are
// FirstBlockID + index; there is no close. It also keeps the v4 (FIP-0071)
// set of CIDs the actor may open; v3 kernels never use that part.
type BlockRegistry struct {
	blocks    []*Block
	codecs    []uint64
	max       uint32
	reachable map[cid.Cid]struct{}
}

// NewBlockRegistry returns an empty registry. putCodecs, when not nil, are
// the only codecs Put accepts: the v2 and v3 behaviour (machine.Profile
// BlockCodecs: DAG-CBOR in v2; CBOR, DAG-CBOR and raw in v3), where the
// registry itself rejects other codecs with IllegalCodec on every Put (after
// the full check, and after the caller has charged gas). v4 checks codecs in
// the kernel instead and passes nil.
func NewBlockRegistry(putCodecs []uint64) *BlockRegistry {
	return &BlockRegistry{codecs: putCodecs, max: MaxBlocks, reachable: map[cid.Cid]struct{}{}}
}

// Len returns the number of blocks in the registry.
func (r *BlockRegistry) Len() int {
	return len(r.blocks)
}

// IsFull reports whether another Put would fail with LimitExceeded. The call
// manager checks it before a send, so a return block always has room.
func (r *BlockRegistry) IsFull() bool {
	return uint32(len(r.blocks)) >= r.max
}

// Put adds b and returns its id: LimitExceeded if the registry is full, then
// (v2 and v3 registries) IllegalCodec for a codec outside its codecs. It does
// not touch the reachable set.
func (r *BlockRegistry) Put(b *Block) (uint32, error) {
	if r.IsFull() {
		return 0, Errorf(LimitExceeded, "too many blocks have been written")
	}
	// Quirk (ref-fvm v3 kernel/blocks.rs:152, v2 kernel/blocks.rs put): the
	// codec is checked here, so block_open and block_create report
	// IllegalCodec only after charging gas, and a send's return block with a
	// bad codec is fatal to the caller.
	if r.codecs != nil && !slices.Contains(r.codecs, b.Codec) {
		return 0, Errorf(IllegalCodec, "invalid or forbidden ipld codec %d", b.Codec)
	}
	r.blocks = append(r.blocks, b)
	return FirstBlockID + uint32(len(r.blocks)-1), nil
}

// PutReachable (v4) adds b, known to be reachable (opened from state, params,
// a return value), and marks all its links reachable.
func (r *BlockRegistry) PutReachable(b *Block) (uint32, error) {
	if r.IsFull() {
		return 0, Errorf(LimitExceeded, "too many blocks")
	}
	for _, l := range b.Links {
		r.MarkReachable(l)
	}
	return r.Put(b)
}

// PutCheckReachable (v4) adds a newly created block: LimitExceeded if full,
// NotFound if any of its links is not reachable. The block itself does not
// become reachable until it is linked.
func (r *BlockRegistry) PutCheckReachable(b *Block) (uint32, error) {
	if r.IsFull() {
		return 0, Errorf(LimitExceeded, "too many blocks")
	}
	for _, l := range b.Links {
		if !r.IsReachable(l) {
			return 0, Errorf(NotFound, "cannot put block: %s not reachable", l)
		}
	}
	return r.Put(b)
}

// MarkReachable (v4) records that the actor may open c.
func (r *BlockRegistry) MarkReachable(c cid.Cid) {
	r.reachable[c] = struct{}{}
}

// IsReachable (v4) reports whether c was marked reachable. Identity-hashed
// CIDs are never implicitly reachable (they may embed unreachable links).
func (r *BlockRegistry) IsReachable(c cid.Cid) bool {
	_, ok := r.reachable[c]
	return ok
}

// Get returns the block with handle id, or InvalidHandle.
func (r *BlockRegistry) Get(id uint32) (*Block, error) {
	if id < FirstBlockID || uint64(id-FirstBlockID) >= uint64(len(r.blocks)) {
		return nil, Errorf(InvalidHandle, "block handle %d does not exist, or is illegal", id)
	}
	return r.blocks[id-FirstBlockID], nil
}

// Stat returns the codec and size of block id, or InvalidHandle.
func (r *BlockRegistry) Stat(id uint32) (BlockStat, error) {
	b, err := r.Get(id)
	if err != nil {
		return BlockStat{}, err
	}
	return b.Stat(), nil
}
