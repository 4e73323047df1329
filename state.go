package fvm

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/message"
)

// ErrActorNotFound is returned (wrapped) for an address that resolves to no
// actor.
var ErrActorNotFound = errors.New("actor not found")

// ErrNotEVM is returned (wrapped) when an EVM read targets an actor that is
// not an EVM contract.
var ErrNotEVM = errors.New("not an EVM contract")

// Actor returns the actor at addr in the VM's current state (with the
// changes of the messages applied so far, flushed or not).
func (vm *VM) Actor(ctx context.Context, addr address.Address) (abi.ActorID, *Actor, error) {
	act, id, err := vm.machine.Tree.GetActorByAddress(ctx, addr)
	if err != nil {
		return 0, nil, fmt.Errorf("fvm: actor %s: %w", addr, err)
	}
	if act == nil {
		return 0, nil, fmt.Errorf("fvm: actor %s: %w", addr, ErrActorNotFound)
	}
	a := actorFrom(act)
	return abi.ActorID(id), &a, nil
}

// Balance returns the balance of the actor at addr; zero when there is none.
func (vm *VM) Balance(ctx context.Context, addr address.Address) (abi.TokenAmount, error) {
	_, act, err := vm.Actor(ctx, addr)
	if errors.Is(err, ErrActorNotFound) {
		return big.Zero(), nil
	}
	if err != nil {
		return big.Zero(), err
	}
	return act.Balance, nil
}

// LookupID resolves an address to its actor id (an ID address resolves to
// itself, whether or not the actor exists).
func (vm *VM) LookupID(ctx context.Context, addr address.Address) (abi.ActorID, error) {
	id, found, err := vm.machine.Tree.LookupID(ctx, addr)
	if err != nil {
		return 0, fmt.Errorf("fvm: lookup %s: %w", addr, err)
	}
	if !found {
		return 0, fmt.Errorf("fvm: lookup %s: %w", addr, ErrActorNotFound)
	}
	return abi.ActorID(id), nil
}

// ActorKind names the builtin actor type of code ("account", "evm",
// "storageminer", ...) in the state's bundle; "" when code is not one.
func (vm *VM) ActorKind(code cid.Cid) string {
	e, _, ok := vm.machine.Manifest.Lookup(code)
	if !ok {
		return ""
	}
	return e.Name
}

// EVMBytecode returns the deployed bytecode of the EVM contract at addr
// (empty after self-destruct), asking the contract itself (GetBytecode, as
// Lotus's eth_getCode does).
func (vm *VM) EVMBytecode(ctx context.Context, addr address.Address) ([]byte, error) {
	ret, err := vm.evmQuery(ctx, addr, builtin.MethodsEVM.GetBytecode, nil)
	if err != nil {
		return nil, err
	}
	// GetBytecodeReturn: a nullable CID.
	var code cbg.CborCid
	if bytes.Equal(ret, []byte{0xf6}) {
		return nil, nil
	}
	if err := code.UnmarshalCBOR(bytes.NewReader(ret)); err != nil {
		return nil, fmt.Errorf("fvm: bytecode of %s: %w", addr, err)
	}
	blk, err := vm.machine.Blocks.Get(ctx, cid.Cid(code))
	if err != nil {
		return nil, fmt.Errorf("fvm: bytecode of %s (%s): %w", addr, cid.Cid(code), err)
	}
	return blk.RawData(), nil
}

// EVMStorageAt returns the storage slot key of the EVM contract at addr
// (zero when unset), asking the contract itself (GetStorageAt, as Lotus's
// eth_getStorageAt does).
func (vm *VM) EVMStorageAt(ctx context.Context, addr address.Address, key [32]byte) ([32]byte, error) {
	// GetStorageAtParams: [key as a 32-byte string].
	params := append([]byte{0x81, 0x58, 32}, key[:]...)
	ret, err := vm.evmQuery(ctx, addr, builtin.MethodsEVM.GetStorageAt, params)
	if err != nil {
		return [32]byte{}, err
	}
	val, err := cbg.ReadByteArray(bytes.NewReader(ret), 32)
	if err != nil {
		return [32]byte{}, fmt.Errorf("fvm: storage of %s: %w", addr, err)
	}
	var out [32]byte
	copy(out[32-len(val):], val)
	return out, nil
}

// evmQuery calls a system-only method of the EVM actor at addr from the
// system actor, on a snapshot.
func (vm *VM) evmQuery(ctx context.Context, addr address.Address, method abi.MethodNum, params []byte) ([]byte, error) {
	_, act, err := vm.Actor(ctx, addr)
	if err != nil {
		return nil, err
	}
	if kind := vm.ActorKind(act.Code); kind != "evm" {
		return nil, fmt.Errorf("fvm: %s is a %q actor: %w", addr, kind, ErrNotEVM)
	}
	ret, err := vm.Call(ctx, &message.Message{
		From: builtin.SystemActorAddr, To: addr, Method: method, Params: params,
		Value: big.Zero(), GasLimit: BlockGasLimit, GasFeeCap: big.Zero(), GasPremium: big.Zero(),
	})
	if err != nil {
		return nil, err
	}
	if ret.Receipt.ExitCode != exitcode.Ok {
		return nil, fmt.Errorf("fvm: EVM method %d on %s: exit %s: %s", method, addr, ret.Receipt.ExitCode, ret.FailureInfo)
	}
	return ret.Receipt.Return, nil
}

// BlockGasLimit is the gas limit of a Filecoin block (10 billion), the
// most any message can use.
const BlockGasLimit = 10_000_000_000
