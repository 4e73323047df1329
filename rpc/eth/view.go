package eth

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/filecoin-project/go-address"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
)

// stateView is the state after a tipset, with the VM over it made when
// first needed.
type stateView struct {
	s  *Service
	ts *chain.TipSet
	vm *fvm.VM
}

func (s *Service) view(ts *chain.TipSet) *stateView { return &stateView{s: s, ts: ts} }

func (v *stateView) get(ctx context.Context) (*fvm.VM, error) {
	if v.vm == nil {
		vm, err := v.s.chain.VMAt(ctx, v.ts, false)
		if err != nil {
			return nil, fmt.Errorf("state after height %d: %w", v.ts.Height, err)
		}
		v.vm = vm
	}
	return v.vm, nil
}

func (v *stateView) close(ctx context.Context) {
	if v.vm != nil {
		_ = v.vm.Close(ctx)
		v.vm = nil
	}
}

// ethAddress is Lotus's lookupEthAddress: an f410 address's own Ethereum
// form; otherwise the actor's f410 address if it has one, else its masked
// ID. An address that resolves to no actor is an error wrapping
// fvm.ErrActorNotFound.
func (v *stateView) ethAddress(ctx context.Context, a address.Address) (common.Address, error) {
	if e, err := fvm.EthAddressOf(a); err == nil {
		if _, masked := e.MaskedID(); !masked {
			return common.Address(e), nil
		}
	}
	vm, err := v.get(ctx)
	if err != nil {
		return common.Address{}, err
	}
	id, act, err := vm.Actor(ctx, a)
	if errors.Is(err, fvm.ErrActorNotFound) && a.Protocol() == address.ID {
		// A deleted actor: its masked ID still names it.
		idv, _ := address.IDFromAddress(a)
		return maskedID(idv), nil
	}
	if err != nil {
		return common.Address{}, err
	}
	if act.DelegatedAddress != nil {
		if e, err := fvm.EthAddressOf(*act.DelegatedAddress); err == nil {
			return common.Address(e), nil
		}
	}
	return maskedID(uint64(id)), nil
}
