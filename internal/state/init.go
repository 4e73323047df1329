package state

import (
	"bytes"
	"context"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// InitActorID is the id of the init actor, which owns the address map.
const InitActorID = 1

// initState is the init actor's state: [address_map, next_id, network_name].
type initState struct {
	AddressMap  cid.Cid
	NextID      uint64
	NetworkName string
}

func (s *initState) encode() ([]byte, error) {
	var buf bytes.Buffer
	w := cbg.NewCborWriter(&buf)
	if err := w.WriteMajorTypeHeader(cbg.MajArray, 3); err != nil {
		return nil, err
	}
	if err := cbg.WriteCid(w, s.AddressMap); err != nil {
		return nil, err
	}
	if err := w.WriteMajorTypeHeader(cbg.MajUnsignedInt, s.NextID); err != nil {
		return nil, err
	}
	if err := w.WriteMajorTypeHeader(cbg.MajTextString, uint64(len(s.NetworkName))); err != nil {
		return nil, err
	}
	if _, err := w.WriteString(s.NetworkName); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeInitState(data []byte) (*initState, error) {
	r := cbg.NewCborReader(bytes.NewReader(data))
	maj, n, err := r.ReadHeader()
	if err != nil {
		return nil, err
	}
	if maj != cbg.MajArray || n != 3 {
		return nil, fmt.Errorf("expected a 3-tuple, got major type %d length %d", maj, n)
	}
	var s initState
	if s.AddressMap, err = cbg.ReadCid(r); err != nil {
		return nil, fmt.Errorf("address map: %w", err)
	}
	if maj, s.NextID, err = r.ReadHeader(); err != nil || maj != cbg.MajUnsignedInt {
		return nil, fmt.Errorf("next id: not an unsigned integer")
	}
	if s.NetworkName, err = cbg.ReadStringWithMax(r, 1<<10); err != nil {
		return nil, fmt.Errorf("network name: %w", err)
	}
	return &s, nil
}

// loadInit returns the init actor and its decoded state.
func (t *StateTree) loadInit(ctx context.Context) (*ActorState, *initState, error) {
	act, err := t.GetActor(ctx, InitActorID)
	if err != nil {
		return nil, nil, err
	}
	if act == nil {
		return nil, nil, fmt.Errorf("%w: no init actor", ErrStateTree)
	}
	blk, err := t.bs.Get(ctx, act.Head)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: init actor state %s: %w", ErrStateTree, act.Head, err)
	}
	st, err := decodeInitState(blk.RawData())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: init actor state %s: %w", ErrStateTree, act.Head, err)
	}
	return act, st, nil
}

// resolveAddress looks addr up in the init actor's address map.
func (t *StateTree) resolveAddress(ctx context.Context, addr address.Address) (uint64, bool, error) {
	_, st, err := t.loadInit(ctx)
	if err != nil {
		return 0, false, err
	}
	m, err := t.loadHAMT(ctx, st.AddressMap)
	if err != nil {
		return 0, false, fmt.Errorf("%w: init address map: %w", ErrStateTree, err)
	}
	var id cbg.CborInt
	found, err := m.Find(ctx, string(addr.Bytes()), &id)
	if err != nil {
		return 0, false, fmt.Errorf("%w: init address map lookup %s: %w", ErrStateTree, addr, err)
	}
	if !found {
		return 0, false, nil
	}
	if id < 0 {
		return 0, false, fmt.Errorf("%w: init address map maps %s to negative id %d", ErrStateTree, addr, id)
	}
	return uint64(id), true, nil
}

// RegisterNewAddress assigns the next actor id to addr in the init actor's
// address map and returns it. It does not create an actor.
func (t *StateTree) RegisterNewAddress(ctx context.Context, addr address.Address) (uint64, error) {
	act, st, err := t.loadInit(ctx)
	if err != nil {
		return 0, err
	}
	id := st.NextID
	st.NextID++
	m, err := t.loadHAMT(ctx, st.AddressMap)
	if err != nil {
		return 0, fmt.Errorf("%w: init address map: %w", ErrStateTree, err)
	}
	v := cbg.CborInt(id)
	if err := m.Set(ctx, string(addr.Bytes()), &v); err != nil {
		return 0, fmt.Errorf("%w: register %s: %w", ErrStateTree, addr, err)
	}
	if st.AddressMap, err = m.Write(ctx); err != nil {
		return 0, fmt.Errorf("%w: register %s: %w", ErrStateTree, addr, err)
	}
	data, err := st.encode()
	if err != nil {
		return 0, err
	}
	head, err := t.putRaw(ctx, data)
	if err != nil {
		return 0, err
	}
	act = act.Clone()
	act.Head = head
	t.SetActor(InitActorID, act)
	t.resolve.Set(addr, id)
	return id, nil
}
