package kernel

import (
	"context"
	"fmt"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/go-fvm/go-fvm/crypto"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/machine"
)

// BlockOpen loads the block c from the blockstore into the registry.
func (k *Kernel) BlockOpen(ctx context.Context, c cid.Cid) (uint32, BlockStat, error) {
	if err := k.charge(k.prices().OnBlockOpenBase()); err != nil {
		return 0, BlockStat{}, err
	}
	if k.profile().Reachability && !k.Blocks.IsReachable(c) {
		return 0, BlockStat{}, Errorf(NotFound, "block not reachable: %s", c)
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
	if !k.profile().Reachability {
		if err := k.charge(k.prices().OnBlockOpen(len(b.Data), 0)); err != nil {
			return 0, BlockStat{}, err
		}
		id, err := k.Blocks.Put(b)
		if err != nil {
			return 0, BlockStat{}, err
		}
		return id, b.Stat(), nil
	}
	// v4 (ref-fvm kernel/default.rs block_open): scan (an unallowed codec
	// of a reachable CID is IllegalCodec here), charge by size and links,
	// then register the block and make its children reachable.
	if b.Links, err = k.scanLinks(b.Codec, b.Data); err != nil {
		return 0, BlockStat{}, err
	}
	if err := k.charge(k.prices().OnBlockOpen(len(b.Data), len(b.Links))); err != nil {
		return 0, BlockStat{}, err
	}
	id, err := k.Blocks.PutReachable(b)
	if err != nil {
		return 0, BlockStat{}, err
	}
	return id, b.Stat(), nil
}

// BlockCreate puts a new block into the registry. data must not be
// modified afterwards.
func (k *Kernel) BlockCreate(codec uint64, data []byte) (uint32, error) {
	// v2 has no block size limit (Profile.MaxBlockSize 0).
	if limit := k.profile().MaxBlockSize; limit > 0 && len(data) > limit {
		return 0, Errorf(LimitExceeded, "blocks may not be larger than 1MiB")
	}
	if !k.profile().Reachability {
		if err := k.charge(k.prices().OnBlockCreate(len(data), 0)); err != nil {
			return 0, err
		}
		return k.Blocks.Put(&Block{Codec: codec, Data: data})
	}
	// v4 (ref-fvm kernel/default.rs block_create): codec, metered scan,
	// charge, then every link must already be reachable (checked after the
	// charge, and after the registry-full check).
	if !AllowedCodec(codec) {
		return 0, Errorf(IllegalCodec, "codec %d not allowed", codec)
	}
	links, err := k.scanLinks(codec, data)
	if err != nil {
		return 0, err
	}
	if err := k.charge(k.prices().OnBlockCreate(len(data), len(links))); err != nil {
		return 0, err
	}
	return k.Blocks.PutCheckReachable(&Block{Codec: codec, Data: data, Links: links})
}

// scanLinks is the v4 metered link scan (ref-fvm ipld/mod.rs
// scan_for_reachable_links): the scanner spends from a private budget equal
// to the gas available; whatever it spent is then charged as one compute
// charge, OnScanIpldLinks, whether the scan succeeded or not.
//
// Quirk (ref-fvm v4 ipld/mod.rs:49,132): when the budget runs out, exactly
// all the gas available is charged (which the tracker accepts) and only then
// is out of gas returned.
func (k *Kernel) scanLinks(codec uint64, data []byte) ([]cid.Cid, error) {
	p := k.prices()
	available := k.CM.GasTracker().GasAvailable()
	remaining := available
	meter := func(link bool) error {
		g := p.IPLDCborScanPerField
		if link {
			g = p.IPLDCborScanPerCid
		}
		if remaining.Less(g) {
			remaining = gas.Gas{}
			return gas.ErrOutOfGas
		}
		remaining = remaining.Sub(g)
		return nil
	}
	links, scanErr := ScanBlockLinksMetered(codec, data, meter)
	if err := k.charge(p.OnScanIpldLinks(available.Sub(remaining))); err != nil {
		return nil, err
	}
	return links, scanErr
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
	if k.profile().Reachability {
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
