package kernel

import (
	"context"
	"fmt"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/go-fvm/go-fvm/crypto"
	"github.com/go-fvm/go-fvm/machine"
)

// BlockOpen loads the block c from the blockstore into the registry.
func (k *Kernel) BlockOpen(ctx context.Context, c cid.Cid) (uint32, BlockStat, error) {
	if k.v4() {
		return 0, BlockStat{}, fmt.Errorf("%w: block_open: FVM v4 reachability is not implemented yet", ErrFatal)
	}
	if err := k.charge(k.prices().OnBlockOpenBase()); err != nil {
		return 0, BlockStat{}, err
	}
	m := k.CM.Machine()
	m.Timings.Enter(machine.PhaseBlocks)
	blk, err := m.Blocks.Get(ctx, c)
	m.Timings.Exit()
	if err != nil {
		// A missing block is a broken state: fatal.
		return 0, BlockStat{}, fmt.Errorf("%w: missing state %s: %w", ErrFatal, c, err)
	}
	b := &Block{Codec: c.Prefix().Codec, Data: blk.RawData()}
	if err := k.charge(k.prices().OnBlockOpen(len(b.Data), 0)); err != nil {
		return 0, BlockStat{}, err
	}
	id, err := k.Blocks.Put(b)
	if err != nil {
		return 0, BlockStat{}, err
	}
	return id, b.Stat(), nil
}

// BlockCreate puts a new block into the registry.
func (k *Kernel) BlockCreate(codec uint64, data []byte) (uint32, error) {
	if k.v4() {
		return 0, fmt.Errorf("%w: block_create: FVM v4 link scanning is not implemented yet", ErrFatal)
	}
	if len(data) > MaxBlockSize {
		return 0, Errorf(LimitExceeded, "blocks may not be larger than 1MiB")
	}
	if err := k.charge(k.prices().OnBlockCreate(len(data), 0)); err != nil {
		return 0, err
	}
	return k.Blocks.Put(&Block{Codec: codec, Data: data})
}

// BlockLink hashes block id into a CID and writes it to the blockstore.
func (k *Kernel) BlockLink(ctx context.Context, id uint32, hashFun uint64, hashLen uint32) (cid.Cid, error) {
	if hashFun != MhBlake2b256 || hashLen != 32 {
		return cid.Undef, Errorf(IllegalCid, "cids must be 32-byte blake2b")
	}
	b, err := k.Blocks.Get(id)
	if err != nil {
		return cid.Undef, err
	}
	c, err := k.prices().OnBlockLink(hashFun, len(b.Data))
	if err != nil {
		return cid.Undef, Errorf(IllegalCid, "%v", err)
	}
	if err := k.charge(c); err != nil {
		return cid.Undef, err
	}
	digest, err := crypto.Hash(hashFun, b.Data)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	encoded, err := mh.Encode(digest[:hashLen], hashFun)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	link := cid.NewCidV1(b.Codec, encoded)
	blk, err := blocks.NewBlockWithCid(b.Data, link)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w", ErrFatal, err)
	}
	m := k.CM.Machine()
	m.Timings.Enter(machine.PhaseBlocks)
	err = m.Blocks.Put(ctx, blk)
	m.Timings.Exit()
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: write block %s: %w", ErrFatal, link, err)
	}
	if k.v4() {
		k.Blocks.MarkReachable(link)
	}
	return link, nil
}

// BlockRead copies block id's data from offset into buf and returns the
// bytes remaining past the buffer's end (negative when the buffer reaches
// beyond the block).
func (k *Kernel) BlockRead(id uint32, offset uint32, buf []byte) (int32, error) {
	end := uint64(offset) + uint64(len(buf))
	if end > 1<<31-1 {
		return 0, Errorf(IllegalArgument, "offset plus buffer length did not fit into an i32")
	}
	b, err := k.Blocks.Get(id)
	if err != nil {
		return 0, err
	}
	toRead := 0
	if int(offset) < len(b.Data) {
		toRead = min(len(b.Data)-int(offset), len(buf))
	}
	if err := k.charge(k.prices().OnBlockRead(toRead)); err != nil {
		return 0, err
	}
	if toRead > 0 {
		copy(buf[:toRead], b.Data[offset:])
	}
	return int32(int64(len(b.Data)) - int64(end)), nil
}

// BlockStat returns the codec and size of block id.
func (k *Kernel) BlockStat(id uint32) (BlockStat, error) {
	if err := k.charge(k.prices().OnBlockStat()); err != nil {
		return BlockStat{}, err
	}
	return k.Blocks.Stat(id)
}
