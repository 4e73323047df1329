package state

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// SystemActorID is the id of the system actor, whose state names the
// builtin-actors manifest.
const SystemActorID = 0

// ManifestData returns the CID of the builtin-actors manifest data that the
// system actor's state ([builtin_actors]) holds.
func (t *StateTree) ManifestData(ctx context.Context) (cid.Cid, error) {
	act, err := t.GetActor(ctx, SystemActorID)
	if err != nil {
		return cid.Undef, err
	}
	if act == nil {
		return cid.Undef, fmt.Errorf("%w: no system actor", ErrStateTree)
	}
	blk, err := t.bs.Get(ctx, act.Head)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: system actor state %s: %w", ErrStateTree, act.Head, err)
	}
	r := cbg.NewCborReader(bytes.NewReader(blk.RawData()))
	maj, n, err := r.ReadHeader()
	if err != nil || maj != cbg.MajArray || n != 1 {
		return cid.Undef, fmt.Errorf("%w: system actor state %s: expected [builtin_actors]", ErrStateTree, act.Head)
	}
	c, err := cbg.ReadCid(r)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: system actor state %s: %w", ErrStateTree, act.Head, err)
	}
	return c, nil
}
