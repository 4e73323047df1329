package kernel

import (
	"math"

	"github.com/ipfs/go-cid"
)

// This file holds the blocks an invocation handles: ids, limits, codecs.

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
