package ffi

import (
	"context"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/externs"
)

// ConsensusFault is a proven consensus fault (filecoin-ffi cgo.ConsensusFault).
type ConsensusFault struct {
	// Target is the miner at fault (always an ID address).
	Target address.Address
	// Epoch is the fault's epoch: the higher epoch of the two blocks.
	Epoch abi.ChainEpoch
	// Type is the kind of fault.
	Type ConsensusFaultType
}

// ConsensusFaultType is the kind of a consensus fault (filecoin-ffi cgo.ConsensusFaultType).
type ConsensusFaultType int64

// The consensus fault types, with filecoin-ffi's names and values.
const (
	ConsensusFaultNone             ConsensusFaultType = 0
	ConsensusFaultDoubleForkMining ConsensusFaultType = 1
	ConsensusFaultParentGrinding   ConsensusFaultType = 2
	ConsensusFaultTimeOffsetMining ConsensusFaultType = 3
)

// Blockstore is what the FVM uses of the node's blockstore: the calls filecoin-ffi's cgo
// blockstore makes (View for reads, Has, Put, PutMany). Every store that satisfies boxo's
// blockstore.Blockstore and blockstore.Viewer, as filecoin-ffi's Externs demands (Lotus's
// blockstores do), satisfies it; this package does not import boxo.
type Blockstore interface {
	Has(ctx context.Context, c cid.Cid) (bool, error)
	View(ctx context.Context, c cid.Cid, callback func([]byte) error) error
	Put(ctx context.Context, b blocks.Block) error
	PutMany(ctx context.Context, bs []blocks.Block) error
}

// Externs is what the node supplies to the FVM (filecoin-ffi cgo.Externs): randomness,
// consensus-fault verification, tipset CIDs and the blockstore. Lotus's chain/vm FvmExtern
// satisfies it unchanged.
type Externs interface {
	GetChainRandomness(ctx context.Context, epoch abi.ChainEpoch) ([32]byte, error)
	GetBeaconRandomness(ctx context.Context, epoch abi.ChainEpoch) ([32]byte, error)
	// VerifyConsensusFault returns the fault found (Type ConsensusFaultNone for none) and
	// the gas the node spent, which the FVM ignores, as ref-fvm does.
	VerifyConsensusFault(ctx context.Context, h1, h2, extra []byte) (*ConsensusFault, int64)
	TipsetCid(ctx context.Context, epoch abi.ChainEpoch) (cid.Cid, error)

	Blockstore
}

// errNoFault is the error a nil fault from VerifyConsensusFault becomes; filecoin-ffi's cgo
// side panics on it, which reaches the FVM as an extern error.
var errNoFault = errors.New("VerifyConsensusFault returned no fault value")

// vmExterns adapts Externs to the VM's externs.Externs.
type vmExterns struct {
	ctx context.Context
	x   Externs
}

func (e vmExterns) GetChainRandomness(_ context.Context, round abi.ChainEpoch) (r [32]byte, err error) {
	defer recovered("GetChainRandomness", &err)
	return e.x.GetChainRandomness(e.ctx, round)
}

func (e vmExterns) GetBeaconRandomness(_ context.Context, round abi.ChainEpoch) (r [32]byte, err error) {
	defer recovered("GetBeaconRandomness", &err)
	return e.x.GetBeaconRandomness(e.ctx, round)
}

func (e vmExterns) TipsetCid(_ context.Context, epoch abi.ChainEpoch) (c cid.Cid, err error) {
	defer recovered("TipsetCid", &err)
	return e.x.TipsetCid(e.ctx, epoch)
}

// VerifyConsensusFault follows filecoin-ffi's cgo extern: a fault whose target is not an ID
// address is an extern error, and so is a nil fault.
func (e vmExterns) VerifyConsensusFault(_ context.Context, h1, h2, extra []byte) (_ externs.ConsensusFault, err error) {
	defer recovered("VerifyConsensusFault", &err)
	f, _ := e.x.VerifyConsensusFault(e.ctx, h1, h2, extra)
	if f == nil {
		return externs.ConsensusFault{}, errNoFault
	}
	if f.Type == ConsensusFaultNone {
		return externs.ConsensusFault{Type: externs.FaultNone}, nil
	}
	if f.Target.Protocol() != address.ID {
		return externs.ConsensusFault{}, fmt.Errorf("consensus fault target %s is not an ID address", f.Target)
	}
	return externs.ConsensusFault{Target: f.Target, Epoch: f.Epoch, Type: externs.FaultType(f.Type)}, nil
}

// vmBlockstore adapts the node's Blockstore to the VM's: reads go through View (the data is
// copied, as the cgo side copies it), and a block the node does not have is
// blockstore.ErrNotFound.
type vmBlockstore struct{ bs Blockstore }

func (b vmBlockstore) Get(ctx context.Context, c cid.Cid) (_ blocks.Block, err error) {
	defer recovered("the blockstore's View", &err)
	var data []byte
	err = b.bs.View(ctx, c, func(d []byte) error {
		data = append([]byte(nil), d...)
		return nil
	})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("%w: %s", blockstore.ErrNotFound, c)
		}
		return nil, fmt.Errorf("blockstore: read %s: %w", c, err)
	}
	return blocks.NewBlockWithCid(data, c)
}

func (b vmBlockstore) Has(ctx context.Context, c cid.Cid) (ok bool, err error) {
	defer recovered("the blockstore's Has", &err)
	ok, err = b.bs.Has(ctx, c)
	if err != nil && isNotFound(err) {
		return false, nil
	}
	return ok, err
}

func (b vmBlockstore) Put(ctx context.Context, blk blocks.Block) (err error) {
	defer recovered("the blockstore's Put", &err)
	return b.bs.Put(ctx, blk)
}

// PutMany lets the VM write a batch the way the cgo side does.
func (b vmBlockstore) PutMany(ctx context.Context, blks []blocks.Block) (err error) {
	defer recovered("the blockstore's PutMany", &err)
	return b.bs.PutMany(ctx, blks)
}

// recovered turns a panic in the node's code into an error, as filecoin-ffi's cgo callbacks
// do (a nil blockstore in the node's Externs panics on its first use).
func recovered(what string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("ffi: %s panicked: %v", what, r)
	}
}

// isNotFound recognises go-ipld-format's not-found error (what boxo and Lotus blockstores
// return, and what filecoin-ffi's cgo side tests for) and go-fvm's own.
func isNotFound(err error) bool {
	return ipld.IsNotFound(err) || errors.Is(err, blockstore.ErrNotFound)
}
