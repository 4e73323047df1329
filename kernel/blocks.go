package kernel

import (
	"errors"
	"math"

	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
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
// links found are recorded in the block. The size limit and the scan's gas are
// the kernel's business. A v3 kernel does not scan: it builds
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
// scan_for_reachable_links does, without the gas: raw and CBOR have none;
// DAG-CBOR is scanned; any other codec is IllegalCodec. Each link is filtered:
// FIL commitment CIDs are skipped, a codec other than CBOR/DAG-CBOR/raw is
// NotFound, an identity-hashed CID is replaced by the links inside its digest,
// and anything but a 32-byte blake2b-256 is NotFound. Duplicates are kept, in
// encoding order. The result is never nil on success.
func ScanBlockLinks(codec uint64, data []byte) ([]cid.Cid, error) {
	links := []cid.Cid{}
	if err := scanLinks(codec, data, &links); err != nil {
		return nil, err
	}
	return links, nil
}

// scanLinks appends the links of data (encoded with codec) to links.
func scanLinks(codec uint64, data []byte, links *[]cid.Cid) error {
	switch codec {
	case CodecRaw, CodecCBOR:
		return nil
	case CodecDagCBOR:
	default:
		return Errorf(IllegalCodec, "codec %d not allowed", codec)
	}
	// blockstore.ScanLinks cannot stop from its callback, so keep the first
	// error the visitor raises. It happened before any error the scanner
	// returns afterwards (the scanner stops at its first error), so it is the
	// error the reference reports.
	var visitErr error
	scanErr := blockstore.ScanLinks(data, func(c cid.Cid) {
		if visitErr == nil {
			visitErr = visitLink(c, links)
		}
	})
	if visitErr != nil {
		return visitErr
	}
	if scanErr != nil {
		return Errorf(Serialization, "scanning dag-cbor block: %v", scanErr)
	}
	return nil
}

// visitLink applies the reference's link rules (ipld/mod.rs visit_cid) to c.
func visitLink(c cid.Cid, links *[]cid.Cid) error {
	dec, err := decodePrefix(c)
	if err != nil {
		return err
	}
	switch {
	case dec.codec == CodecFilCommitmentUnsealed || dec.codec == CodecFilCommitmentSealed:
		return nil
	case !AllowedCodec(dec.codec):
		return Errorf(NotFound, "block links to CID with forbidden codec %d", dec.codec)
	case dec.mhCode == MhIdentity:
		return scanLinks(dec.codec, dec.digest, links)
	case dec.mhCode != MhBlake2b256 || len(dec.digest) != 32:
		return Errorf(NotFound, "block links to CID with forbidden multihash (code %d, length %d)",
			dec.mhCode, len(dec.digest))
	}
	*links = append(*links, c)
	return nil
}

// linkPrefix is the decoded shape of a link.
type linkPrefix struct {
	codec, mhCode uint64
	digest        []byte
}

// errDigestTooLong marks a link whose digest the reference cannot hold.
var errDigestTooLong = errors.New("multihash digest longer than 64 bytes")

// decodePrefix splits c into codec, multihash code and digest. A digest longer
// than MaxDigestLen is a Serialization error: the reference fails to parse such
// a link at all, while go-cid accepts it.
func decodePrefix(c cid.Cid) (linkPrefix, error) {
	dmh, err := decodeMultihash(c)
	if err != nil {
		return linkPrefix{}, Errorf(Serialization, "link %s: %v", c, err)
	}
	return dmh, nil
}

// decodeMultihash reads c's multihash from its binary form.
func decodeMultihash(c cid.Cid) (linkPrefix, error) {
	p := c.Prefix()
	h := []byte(c.Hash())
	// Skip the code and length varints, which go-cid has already validated.
	_, n1 := uvarint(h)
	_, n2 := uvarint(h[n1:])
	digest := h[n1+n2:]
	if len(digest) > MaxDigestLen {
		return linkPrefix{}, errDigestTooLong
	}
	return linkPrefix{codec: p.Codec, mhCode: p.MhType, digest: digest}, nil
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

// BlockRegistry is one invocation's append-only table of blocks. Ids are
// FirstBlockID + index; there is no close. It also keeps the v4 (FIP-0071)
// set of CIDs the actor may open; v3 kernels never use that part.
type BlockRegistry struct {
	blocks     []*Block
	checkCodec bool
	max        uint32
	reachable  map[cid.Cid]struct{}
}

// NewBlockRegistry returns an empty registry. checkCodecOnPut selects the v3
// (nv18-20) behaviour, where the registry itself rejects codecs outside
// AllowedCodec with IllegalCodec on every Put (after the full check, and after
// the caller has charged gas); v4 checks codecs in the kernel instead.
func NewBlockRegistry(checkCodecOnPut bool) *BlockRegistry {
	return &BlockRegistry{checkCodec: checkCodecOnPut, max: MaxBlocks, reachable: map[cid.Cid]struct{}{}}
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
// (v3 registries only) IllegalCodec for a codec outside AllowedCodec. It does
// not touch the reachable set.
func (r *BlockRegistry) Put(b *Block) (uint32, error) {
	if r.IsFull() {
		return 0, Errorf(LimitExceeded, "too many blocks have been written")
	}
	// Quirk (ref-fvm v3 kernel/blocks.rs:152): the codec is checked here, so
	// block_open and block_create report IllegalCodec only after charging gas,
	// and a send's return block with a bad codec is fatal to the caller.
	if r.checkCodec && !AllowedCodec(b.Codec) {
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
