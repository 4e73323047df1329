package eth

import (
	"context"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/filecoin-project/go-address"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/message"
)

// reserveActor is f090, the genesis FIL reserve: anvil_setBalance's faucet.
var reserveActor = mustIDAddr(90)

func mustIDAddr(id uint64) address.Address {
	a, _ := address.NewIDAddress(id)
	return a
}

// mine is evm_mine and anvil_mine: n tipsets now, interval seconds apart
// when interval > 0.
func (s *Service) mine(ctx context.Context, n uint64, interval uint64) error {
	for i := uint64(0); i < n; i++ {
		if err := ctx.Err(); err != nil { // the client is gone
			return err
		}
		if i > 0 && interval > 0 {
			if s.cfg.Clock == nil {
				return serverError("this node has no adjustable clock")
			}
			s.cfg.Clock.Advance(time.Duration(interval) * time.Second)
		}
		if _, err := s.chain.Mine(ctx, 1); err != nil {
			return err
		}
	}
	return nil
}

// snapshot is evm_snapshot: the id is the head's height.
func (s *Service) snapshot() uint64 {
	id := s.chain.Snapshot()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshots == nil {
		s.snapshots = map[uint64]bool{}
	}
	s.snapshots[id] = true
	return id
}

// revert is evm_revert: back to a snapshot, which (with every later one) is
// used up; false for an unknown snapshot.
func (s *Service) revert(ctx context.Context, id uint64) (bool, error) {
	s.mu.Lock()
	ok := s.snapshots[id]
	if ok {
		for k := range s.snapshots {
			if k >= id {
				delete(s.snapshots, k)
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		return false, nil
	}
	if err := s.chain.Revert(ctx, id); err != nil {
		return false, err
	}
	return true, s.idx.sync(ctx)
}

// setBalance is anvil_setBalance: the account's balance becomes amount; the
// difference comes from (or goes back to) the FIL reserve f090, and an
// address without an actor gets one (a placeholder for an f410 address).
func (s *Service) setBalance(ctx context.Context, a common.Address, amount *big.Int) error {
	if amount.Sign() < 0 {
		return invalidParams("negative balance")
	}
	target, err := fvm.EthAddress(a).FilecoinAddress()
	if err != nil {
		return invalidParams("address %s: %v", a.Hex(), err)
	}
	return s.chain.Amend(ctx, func(ctx context.Context, vm *fvm.VM) error {
		have, err := vm.Balance(ctx, target)
		if err != nil {
			return err
		}
		diff := new(big.Int).Sub(amount, have.Int)
		from, to := reserveActor, target
		if diff.Sign() < 0 {
			from, to = target, builtin.BurntFundsActorAddr
			diff.Neg(diff)
		}
		if diff.Sign() == 0 {
			return ensureSender(ctx, vm, target)
		}
		ret, err := vm.ApplyImplicitMessage(ctx, &message.Message{
			From: from, To: to, Value: fbig.NewFromGo(diff), GasLimit: fvm.BlockGasLimit,
			GasFeeCap: fbig.Zero(), GasPremium: fbig.Zero(),
		})
		if err != nil {
			return err
		}
		if !ret.Receipt.ExitCode.IsSuccess() {
			return serverError("setting the balance of %s: transfer of %s attoFIL from %s failed with exit code %d", a.Hex(), diff, from, ret.Receipt.ExitCode)
		}
		return nil
	})
}

// increaseTime is evm_increaseTime: the clock moves forward; the answer is
// the total offset in seconds.
func (s *Service) increaseTime(seconds uint64) (uint64, error) {
	if s.cfg.Clock == nil {
		return 0, serverError("this node has no adjustable clock")
	}
	return uint64(s.cfg.Clock.Advance(time.Duration(seconds)*time.Second) / time.Second), nil
}

// setNextBlockTimestamp is evm_setNextBlockTimestamp: the clock is set so
// that the next tipset has timestamp t, which must be after the head's.
func (s *Service) setNextBlockTimestamp(t uint64) error {
	if s.cfg.Clock == nil {
		return serverError("this node has no adjustable clock")
	}
	if head := s.chain.Head().Timestamp(); t <= head {
		return serverError("timestamp %d is lower than or equal to the previous block's timestamp %d", t, head)
	}
	s.cfg.Clock.Set(time.Unix(int64(t), 0))
	return nil
}
