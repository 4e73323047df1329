package externs

import (
	"context"
	"testing"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/ipfs/go-cid"
)

type fakeNode struct{}

func (fakeNode) GetChainRandomness(context.Context, abi.ChainEpoch) ([32]byte, error) {
	return [32]byte{1}, nil
}
func (fakeNode) GetBeaconRandomness(context.Context, abi.ChainEpoch) ([32]byte, error) {
	return [32]byte{2}, nil
}
func (fakeNode) TipsetCid(context.Context, abi.ChainEpoch) (cid.Cid, error) { return cid.Undef, nil }

// TestExternsComposition: a node's randomness and chain access plus a ConsensusFunc make Externs.
func TestExternsComposition(t *testing.T) {
	var ext Externs = struct {
		fakeNode
		Consensus
	}{Consensus: ConsensusFunc(func(context.Context, []byte, []byte, []byte) (ConsensusFault, error) {
		return ConsensusFault{Type: FaultParentGrinding, Epoch: 7}, nil
	})}
	f, err := ext.VerifyConsensusFault(context.Background(), nil, nil, nil)
	if err != nil || f.Type != FaultParentGrinding || f.Epoch != 7 || f.Type.String() != "parent grinding" {
		t.Fatal(f, err)
	}
	if r, _ := ext.GetBeaconRandomness(context.Background(), 1); r[0] != 2 {
		t.Fatal(r)
	}
}
