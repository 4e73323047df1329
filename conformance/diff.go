package conformance

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/internal/state"
)

// maxDiffs bounds the actors a root mismatch lists.
const maxDiffs = 10

// diffRoots describes which of the given actors differ between two state
// roots. Vector CARs hold only part of the state, so actors whose entries
// are missing are passed over.
func diffRoots(ctx context.Context, bs blockstore.Blockstore, got, want cid.Cid, ids []uint64) string {
	a, err := state.Load(ctx, bs, got)
	if err != nil {
		return fmt.Sprintf(" (cannot read our state: %v)", err)
	}
	b, err := state.Load(ctx, bs, want)
	if err != nil {
		return fmt.Sprintf(" (cannot read the expected state: %v)", err)
	}
	var diffs []string
	for _, id := range ids {
		x, errX := a.GetActor(ctx, id)
		y, errY := b.GetActor(ctx, id)
		if errX != nil || errY != nil {
			continue
		}
		if d := diffActor(x, y); d != "" {
			diffs = append(diffs, fmt.Sprintf("f0%d: %s", id, d))
		}
	}
	if len(diffs) == 0 {
		return "; no difference among the actors checked"
	}
	if len(diffs) > maxDiffs {
		diffs = append(diffs[:maxDiffs], fmt.Sprintf("and %d more", len(diffs)-maxDiffs))
	}
	return "; actors differ: " + strings.Join(diffs, "; ")
}

func diffActor(x, y *state.ActorState) string {
	switch {
	case x == nil && y == nil:
		return ""
	case x == nil:
		return "missing in ours"
	case y == nil:
		return "not expected"
	}
	var d []string
	if x.Code != y.Code {
		d = append(d, fmt.Sprintf("code %s != %s", x.Code, y.Code))
	}
	if x.Head != y.Head {
		d = append(d, fmt.Sprintf("head %s != %s", x.Head, y.Head))
	}
	if x.Sequence != y.Sequence {
		d = append(d, fmt.Sprintf("sequence %d != %d", x.Sequence, y.Sequence))
	}
	if !x.Balance.Equals(y.Balance) {
		d = append(d, fmt.Sprintf("balance %s != %s", x.Balance, y.Balance))
	}
	return strings.Join(d, ", ")
}
