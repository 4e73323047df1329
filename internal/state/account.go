package state

import (
	"bytes"
	"fmt"

	"github.com/filecoin-project/go-address"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// DecodeAccountState returns the key address an account actor's state
// holds: the state is the 1-tuple [address] (builtin-actors account State,
// the same in actors v8 to v17).
func DecodeAccountState(data []byte) (address.Address, error) {
	br := bytes.NewReader(data)
	r := cbg.NewCborReader(br)
	maj, n, err := r.ReadHeader()
	if err != nil {
		return address.Undef, err
	}
	if maj != cbg.MajArray || n != 1 {
		return address.Undef, fmt.Errorf("account state: expected a 1-tuple, got major type %d length %d", maj, n)
	}
	var a address.Address
	if err := a.UnmarshalCBOR(r); err != nil {
		return address.Undef, fmt.Errorf("account state: address: %w", err)
	}
	if br.Len() != 0 {
		return address.Undef, fmt.Errorf("account state: %d trailing bytes", br.Len())
	}
	return a, nil
}
