package genesis

import (
	"fmt"
	"io"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/builtin"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// State-tree versions: the layout of the root and of each actor entry.
const (
	// stateTreeV4 (nv13-17) actors are [code, head, nonce, balance].
	stateTreeV4 = 4
	// stateTreeV5 (nv18+) actors add the delegated (f4) address.
	stateTreeV5 = 5
)

// stateTree is the actors HAMT of go-state-types (builtin.ActorTree) with the
// version its entries are written in.
type stateTree struct {
	version uint64
	actors  *builtin.ActorTree
	store   adtStore
}

func newStateTree(s adtStore, version uint64) (*stateTree, error) {
	if version != stateTreeV4 && version != stateTreeV5 {
		return nil, fmt.Errorf("state tree version %d is not supported", version)
	}
	actors, err := builtin.NewTree(s)
	if err != nil {
		return nil, fmt.Errorf("state tree: %w", err)
	}
	return &stateTree{version: version, actors: actors, store: s}, nil
}

// loadStateTree loads the state tree whose root is root, which must be of
// the given version.
func loadStateTree(s adtStore, root cid.Cid, version uint64) (*stateTree, error) {
	var r stateRoot
	if err := s.Get(s.Context(), root, &r); err != nil {
		return nil, fmt.Errorf("state tree root %s: %w", root, err)
	}
	if r.version != version {
		return nil, fmt.Errorf("state tree root %s: version %d, want %d", root, r.version, version)
	}
	actors, err := builtin.LoadTree(s, r.actors)
	if err != nil {
		return nil, fmt.Errorf("state tree: %w", err)
	}
	return &stateTree{version: version, actors: actors, store: s}, nil
}

// head returns the state head of the actor at id.
func (t *stateTree) head(id address.Address) (cid.Cid, error) {
	var (
		head  cid.Cid
		found bool
		err   error
	)
	if t.version == stateTreeV4 {
		var act *builtin.ActorV4
		if act, found, err = t.actors.GetActorV4(id); found {
			head = act.Head
		}
	} else {
		var act *builtin.ActorV5
		if act, found, err = t.actors.GetActorV5(id); found {
			head = act.Head
		}
	}
	switch {
	case err != nil:
		return cid.Undef, fmt.Errorf("state tree: %s: %w", id, err)
	case !found:
		return cid.Undef, fmt.Errorf("state tree: no actor %s", id)
	}
	return head, nil
}

// set writes the actor at id. A version-4 tree has no delegated addresses.
func (t *stateTree) set(id address.Address, code, head cid.Cid, balance abi.TokenAmount, delegated *address.Address) error {
	if t.version == stateTreeV4 {
		if delegated != nil {
			return fmt.Errorf("%s: a version-4 state tree holds no delegated address (%s)", id, delegated)
		}
		return t.actors.SetActorV4(id, &builtin.ActorV4{Code: code, Head: head, Balance: balance})
	}
	return t.actors.SetActorV5(id, &builtin.ActorV5{Code: code, Head: head, Balance: balance, DelegatedAddress: delegated})
}

// flush writes the actors and the root, [version, actors, info], whose info
// is the empty StateInfo0 (an empty array), as Lotus and ref-fvm write them.
func (t *stateTree) flush() (cid.Cid, error) {
	actors, err := t.actors.Flush()
	if err != nil {
		return cid.Undef, fmt.Errorf("state tree: %w", err)
	}
	info, err := t.store.Put(t.store.Context(), emptyArray{})
	if err != nil {
		return cid.Undef, fmt.Errorf("state tree info: %w", err)
	}
	root, err := t.store.Put(t.store.Context(), &stateRoot{version: t.version, actors: actors, info: info})
	if err != nil {
		return cid.Undef, fmt.Errorf("state tree root: %w", err)
	}
	return root, nil
}

// stateRoot is the root block of a state tree. go-state-types has no type
// for it (Lotus's is chain/types.StateRoot), so genesis encodes it.
type stateRoot struct {
	version uint64
	actors  cid.Cid
	info    cid.Cid
}

// MarshalCBOR writes [version, actors, info].
func (r *stateRoot) MarshalCBOR(w io.Writer) error {
	cw := cbg.NewCborWriter(w)
	if err := cw.WriteMajorTypeHeader(cbg.MajArray, 3); err != nil {
		return err
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, r.version); err != nil {
		return err
	}
	if err := cbg.WriteCid(cw, r.actors); err != nil {
		return err
	}
	return cbg.WriteCid(cw, r.info)
}

// UnmarshalCBOR reads [version, actors, info].
func (r *stateRoot) UnmarshalCBOR(rd io.Reader) error {
	cr := cbg.NewCborReader(rd)
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray || n != 3 {
		return fmt.Errorf("state root: major type %d of length %d, want an array of 3", maj, n)
	}
	if maj, r.version, err = cr.ReadHeader(); err != nil {
		return err
	}
	if maj != cbg.MajUnsignedInt {
		return fmt.Errorf("state root: version of major type %d", maj)
	}
	if r.actors, err = cbg.ReadCid(cr); err != nil {
		return fmt.Errorf("state root: actors: %w", err)
	}
	if r.info, err = cbg.ReadCid(cr); err != nil {
		return fmt.Errorf("state root: info: %w", err)
	}
	return nil
}

// emptyArray encodes as the empty CBOR array: the state of actors that keep
// none (the EAM, EthAccounts) and a state tree's info.
type emptyArray struct{}

// MarshalCBOR writes an empty array.
func (emptyArray) MarshalCBOR(w io.Writer) error {
	return cbg.NewCborWriter(w).WriteMajorTypeHeader(cbg.MajArray, 0)
}
