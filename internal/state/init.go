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

// initCache keeps the init actor's decoded state and its address map
// between lookups. Both are keyed by what they were read from (the init
// actor's head, the map's root), so a reverted transaction or a change of
// the init actor by its own code simply misses.
type initCache struct {
	head  cid.Cid
	state *initState

	mapRoot cid.Cid
	addrMap *hamtMap
}

// loadInit returns the init actor and a copy of its decoded state.
func (t *StateTree) loadInit(ctx context.Context) (*ActorState, *initState, error) {
	act, err := t.GetActor(ctx, InitActorID)
	if err != nil {
		return nil, nil, err
	}
	if act == nil {
		return nil, nil, fmt.Errorf("%w: no init actor", ErrStateTree)
	}
	if t.init.state == nil || t.init.head != act.Head {
		blk, err := t.bs.Get(ctx, act.Head)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: init actor state %s: %w", ErrStateTree, act.Head, err)
		}
		st, err := decodeInitState(blk.RawData())
		if err != nil {
			return nil, nil, fmt.Errorf("%w: init actor state %s: %w", ErrStateTree, act.Head, err)
		}
		t.init.head, t.init.state = act.Head, st
	}
	st := *t.init.state
	return act, &st, nil
}

// addressMap returns the init actor's address map rooted at root.
func (t *StateTree) addressMap(ctx context.Context, root cid.Cid) (*hamtMap, error) {
	if t.init.addrMap != nil && t.init.mapRoot == root {
		return t.init.addrMap, nil
	}
	m, err := loadHAMT(ctx, t.bs, root, t.nodes)
	if err != nil {
		return nil, fmt.Errorf("%w: init address map: %w", ErrStateTree, err)
	}
	t.init.mapRoot, t.init.addrMap = root, m
	return m, nil
}

// resolveAddress looks addr up in the init actor's address map.
func (t *StateTree) resolveAddress(ctx context.Context, addr address.Address) (uint64, bool, error) {
	_, st, err := t.loadInit(ctx)
	if err != nil {
		return 0, false, err
	}
	m, err := t.addressMap(ctx, st.AddressMap)
	if err != nil {
		return 0, false, err
	}
	raw, found, err := m.find(ctx, addr.Bytes())
	if err != nil {
		return 0, false, fmt.Errorf("%w: init address map lookup %s: %w", ErrStateTree, addr, err)
	}
	if !found {
		return 0, false, nil
	}
	var id cbg.CborInt
	if err := id.UnmarshalCBOR(bytes.NewReader(raw)); err != nil {
		return 0, false, fmt.Errorf("%w: init address map entry of %s: %w", ErrStateTree, addr, err)
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
	if st.AddressMap, err = t.setAddress(ctx, st.AddressMap, addr, id); err != nil {
		return 0, err
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
	t.init.head, t.init.state = head, st
	t.resolve.Set(addr, id)
	return id, nil
}

// setAddress maps addr to id in the address map at root, writes the map and
// returns its new root.
func (t *StateTree) setAddress(ctx context.Context, root cid.Cid, addr address.Address, id uint64) (cid.Cid, error) {
	m, err := t.addressMap(ctx, root)
	if err != nil {
		return cid.Undef, err
	}
	// The map is changed in place: forget it until it is written whole.
	t.init.addrMap = nil
	var v bytes.Buffer
	if err := cbg.CborInt(id).MarshalCBOR(&v); err != nil {
		return cid.Undef, err
	}
	if err := m.set(ctx, addr.Bytes(), v.Bytes()); err != nil {
		return cid.Undef, fmt.Errorf("%w: register %s: %w", ErrStateTree, addr, err)
	}
	newRoot, err := m.flush(ctx)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: register %s: %w", ErrStateTree, addr, err)
	}
	t.init.mapRoot, t.init.addrMap = newRoot, m
	return newRoot, nil
}
