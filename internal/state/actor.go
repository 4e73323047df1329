package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// ErrMalformedActor is returned (wrapped) when an actor's encoding is invalid.
var ErrMalformedActor = errors.New("malformed actor state")

// ActorState is an actor's entry in the state tree.
type ActorState struct {
	// Code is the CID of the actor's code (a builtin actor's code CID).
	Code cid.Cid
	// Head is the root of the actor's own state.
	Head cid.Cid
	// Sequence is the nonce of an account, or a counter of other actors.
	Sequence uint64
	// Balance is the actor's balance in attoFIL.
	Balance abi.TokenAmount
	// DelegatedAddress is the f4 address the actor was created with, if any.
	// Version-4 trees have no such field.
	DelegatedAddress *address.Address
}

// Clone returns a copy of a. The balance is shared: go-state-types big
// operations never mutate their operands.
func (a *ActorState) Clone() *ActorState {
	c := *a
	if a.DelegatedAddress != nil {
		d := *a.DelegatedAddress
		c.DelegatedAddress = &d
	}
	return &c
}

// DeductFunds takes amt from the balance, refusing to go below zero.
func (a *ActorState) DeductFunds(amt abi.TokenAmount) error {
	if a.Balance.LessThan(amt) {
		return fmt.Errorf("not enough funds: balance %s, need %s", a.Balance, amt)
	}
	a.Balance = big.Sub(a.Balance, amt)
	return nil
}

// DepositFunds adds amt to the balance.
func (a *ActorState) DepositFunds(amt abi.TokenAmount) {
	a.Balance = big.Add(a.Balance, amt)
}

// encodeActor encodes a in the layout of state-tree version v (4 or 5).
func encodeActor(a *ActorState, v uint64) ([]byte, error) {
	var buf bytes.Buffer
	w := cbg.NewCborWriter(&buf)
	fields := uint64(5)
	if v < 5 {
		fields = 4
	}
	if err := w.WriteMajorTypeHeader(cbg.MajArray, fields); err != nil {
		return nil, err
	}
	if err := cbg.WriteCid(w, a.Code); err != nil {
		return nil, fmt.Errorf("code: %w", err)
	}
	if err := cbg.WriteCid(w, a.Head); err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	if err := w.WriteMajorTypeHeader(cbg.MajUnsignedInt, a.Sequence); err != nil {
		return nil, err
	}
	bal := a.Balance
	if bal.Int == nil {
		bal = big.Zero()
	}
	if err := bal.MarshalCBOR(w); err != nil {
		return nil, fmt.Errorf("balance: %w", err)
	}
	if fields == 5 {
		if err := writeOptionalAddress(w, a.DelegatedAddress); err != nil {
			return nil, fmt.Errorf("delegated address: %w", err)
		}
	} else if a.DelegatedAddress != nil {
		return nil, fmt.Errorf("state tree version %d cannot hold a delegated address", v)
	}
	return buf.Bytes(), nil
}

func writeOptionalAddress(w io.Writer, a *address.Address) error {
	if a == nil {
		_, err := w.Write(cbg.CborNull)
		return err
	}
	return a.MarshalCBOR(w)
}

// decodeActor decodes an actor in the layout of state-tree version v.
func decodeActor(data []byte, v uint64) (*ActorState, error) {
	a, err := readActor(cbg.NewCborReader(bytes.NewReader(data)), v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedActor, err)
	}
	return a, nil
}

func readActor(r *cbg.CborReader, v uint64) (*ActorState, error) {
	want := uint64(5)
	if v < 5 {
		want = 4
	}
	maj, n, err := r.ReadHeader()
	if err != nil {
		return nil, err
	}
	if maj != cbg.MajArray || n != want {
		return nil, fmt.Errorf("expected a %d-tuple (state tree v%d), got major type %d length %d", want, v, maj, n)
	}
	var a ActorState
	if a.Code, err = cbg.ReadCid(r); err != nil {
		return nil, fmt.Errorf("code: %w", err)
	}
	if a.Head, err = cbg.ReadCid(r); err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	maj, a.Sequence, err = r.ReadHeader()
	if err != nil {
		return nil, fmt.Errorf("sequence: %w", err)
	}
	if maj != cbg.MajUnsignedInt {
		return nil, fmt.Errorf("sequence: major type %d, not an unsigned integer", maj)
	}
	if err := a.Balance.UnmarshalCBOR(r); err != nil {
		return nil, fmt.Errorf("balance: %w", err)
	}
	if want == 5 {
		if a.DelegatedAddress, err = readOptionalAddress(r); err != nil {
			return nil, fmt.Errorf("delegated address: %w", err)
		}
	}
	return &a, nil
}

func readOptionalAddress(r *cbg.CborReader) (*address.Address, error) {
	b, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	if b == cbg.CborNull[0] {
		return nil, nil
	}
	if err := r.UnreadByte(); err != nil {
		return nil, err
	}
	var a address.Address
	if err := a.UnmarshalCBOR(r); err != nil {
		return nil, err
	}
	return &a, nil
}
