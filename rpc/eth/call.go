package eth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/filecoin-project/go-address"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	evm15 "github.com/filecoin-project/go-state-types/builtin/v15/evm"
	evm "github.com/filecoin-project/go-state-types/builtin/v16/evm"
	fcrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/ethtx"
	"github.com/go-fvm/go-fvm/message"
)

// gasOverestimation is Lotus's GasLimitOverestimation: estimates are the gas
// used times 1.25.
const gasOverestimation = 1.25

// minGasPremium is Lotus's MinGasPremium (attoFIL per gas), the priority fee
// the devnet suggests.
const minGasPremium = 100_000

// callMessage is the Filecoin message of an eth_call / eth_estimateGas
// transaction object (Lotus's EthCall.ToFilecoinMessage): from the zero
// address's f410 when there is no sender, to the EAM's CreateExternal for a
// creation, InvokeContract otherwise; the block's gas limit, no fees.
func callMessage(args *CallArgs) (*message.Message, error) {
	var from fvm.EthAddress
	if args.From != nil {
		from = fvm.EthAddress(*args.From)
	}
	if _, masked := from.MaskedID(); masked {
		return nil, invalidParams("sender %s: a masked-ID address cannot send transactions", args.From.Hex())
	}
	fromAddr, err := address.NewDelegatedAddress(fvm.EAMNamespace, from[:])
	if err != nil {
		return nil, invalidParams("sender: %v", err)
	}
	msg := &message.Message{
		From: fromAddr, Value: fbig.Zero(), GasLimit: fvm.BlockGasLimit, GasFeeCap: fbig.Zero(), GasPremium: fbig.Zero(),
		Params: ethtx.Params(args.Calldata()),
	}
	if args.Value != nil {
		msg.Value = fbig.NewFromGo(args.Value.ToInt())
	}
	if args.To == nil {
		msg.To, msg.Method = builtin.EthereumAddressManagerActorAddr, builtin.MethodsEAM.CreateExternal
		return msg, nil
	}
	to, err := fvm.EthAddress(*args.To).FilecoinAddress()
	if err != nil {
		return nil, invalidParams("recipient %s: %v", args.To.Hex(), err)
	}
	msg.To, msg.Method = to, builtin.MethodsEVM.InvokeContract
	return msg, nil
}

// ensureSender creates the sender's actor (a placeholder, by a zero-value
// send from the system actor) on a throwaway VM when it does not exist, so
// that calls and estimates from new addresses run, as on Ethereum.
func ensureSender(ctx context.Context, vm *fvm.VM, from address.Address) error {
	_, _, err := vm.Actor(ctx, from)
	if !errors.Is(err, fvm.ErrActorNotFound) {
		return err
	}
	ret, err := vm.ApplyImplicitMessage(ctx, &message.Message{
		From: builtin.SystemActorAddr, To: from, Value: fbig.Zero(), GasLimit: fvm.BlockGasLimit,
		GasFeeCap: fbig.Zero(), GasPremium: fbig.Zero(),
	})
	if err != nil {
		return err
	}
	if !ret.Receipt.ExitCode.IsSuccess() {
		return serverError("cannot create sender %s: exit code %d", from, ret.Receipt.ExitCode)
	}
	return nil
}

// call runs an eth_call on the state after ts (Lotus's EthCall) and returns
// the EVM's output; a failure is a revert error (code 3) for exit 33, a
// server error otherwise.
func (s *Service) call(ctx context.Context, args *CallArgs, ts *chain.TipSet) ([]byte, error) {
	msg, err := callMessage(args)
	if err != nil {
		return nil, err
	}
	vm, err := s.chain.VMAt(ctx, ts, false)
	if err != nil {
		return nil, err
	}
	defer vm.Close(ctx)
	if err := ensureSender(ctx, vm, msg.From); err != nil {
		return nil, err
	}
	ret, err := vm.Call(ctx, msg)
	if err != nil {
		return nil, err
	}
	if err := callFailure(ret); err != nil {
		return nil, err
	}
	if msg.To == builtin.EthereumAddressManagerActorAddr {
		return []byte{}, nil
	}
	return evmOutput(ret.Receipt.Return)
}

// evmOutput reads an InvokeContract return: a CBOR byte string (empty for
// no return).
func evmOutput(ret []byte) ([]byte, error) {
	if len(ret) == 0 {
		return []byte{}, nil
	}
	out, err := decodePayload(ret, codecCBOR)
	if err != nil {
		return nil, serverError("contract return: %v", err)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// callFailure is the JSON-RPC error of a failed call: go-ethereum's revert
// error (code 3, revert data) for the EVM's revert, a server error naming
// the exit code otherwise.
func callFailure(ret *fvm.ApplyRet) error {
	code := ret.Receipt.ExitCode
	switch {
	case code.IsSuccess():
		return nil
	case code == exitReverted:
		data, _ := decodePayload(ret.Receipt.Return, codecCBOR)
		return revertError(data)
	case code == exitcode.SysErrOutOfGas:
		return serverError("out of gas")
	case code == exitcode.SysErrInsufficientFunds:
		return serverError("insufficient funds for transfer")
	}
	msg := fmt.Sprintf("execution failed: exit code %d (%s)", code, code)
	if ret.FailureInfo != "" {
		msg += ": " + ret.FailureInfo
	}
	return &Error{Code: CodeServer, Message: msg}
}

// estimateGas is eth_estimateGas: the message runs as a chain message (with
// a delegated signature's length) on the state after ts, after the
// sender's pending messages, with the block's gas limit; the estimate is the
// gas used times 1.25 (Lotus's overestimation), checked by running with
// it, and searched upwards when a sub-call ran out of gas with it (the 63/64
// rule).
func (s *Service) estimateGas(ctx context.Context, args *CallArgs, ts *chain.TipSet) (uint64, error) {
	msg, err := callMessage(args)
	if err != nil {
		return 0, err
	}
	vm, err := s.chain.VMAt(ctx, ts, false)
	if err != nil {
		return 0, err
	}
	defer vm.Close(ctx)
	if ts.Height == s.chain.Head().Height {
		for _, sm := range s.chain.Pending() {
			if sm.Message.From == msg.From {
				if _, err := vm.ApplyMessage(ctx, &sm.Message, sm.ChainLength()); err != nil {
					return 0, err
				}
			}
		}
	}
	if err := ensureSender(ctx, vm, msg.From); err != nil {
		return 0, err
	}
	_, act, err := vm.Actor(ctx, msg.From)
	if err != nil {
		return 0, err
	}
	msg.Sequence = act.Nonce
	try := func(limit uint64) (*fvm.ApplyRet, error) {
		m := *msg
		m.GasLimit = limit
		sm := message.SignedMessage{Message: m, Signature: fcrypto.Signature{Type: fcrypto.SigTypeDelegated, Data: make([]byte, 65)}}
		return vm.Estimate(ctx, &m, sm.ChainLength())
	}
	ret, err := try(fvm.BlockGasLimit)
	if err != nil {
		return 0, err
	}
	if err := callFailure(ret); err != nil {
		return 0, err
	}
	limit := overestimate(ret.Receipt.GasUsed)
	if ret, err = try(limit); err != nil {
		return 0, err
	}
	if ret.Receipt.ExitCode.IsSuccess() {
		return limit, nil
	}
	// Sub-calls get 63/64 of the gas left: search the least limit that
	// succeeds, then add the margin.
	lo, hi := limit, uint64(fvm.BlockGasLimit)
	for lo+1 < hi {
		mid := lo + (hi-lo)/2
		r, err := try(mid)
		if err != nil {
			return 0, err
		}
		if r.Receipt.ExitCode.IsSuccess() {
			hi = mid
		} else {
			lo = mid
		}
	}
	return overestimate(int64(hi)), nil
}

func overestimate(gasUsed int64) uint64 {
	g := uint64(float64(gasUsed) * gasOverestimation)
	return min(g, uint64(fvm.BlockGasLimit))
}

// balance is an address's balance after ts (zero for no actor).
func (s *Service) balance(ctx context.Context, a common.Address, ts *chain.TipSet) (*big.Int, error) {
	fa, err := fvm.EthAddress(a).FilecoinAddress()
	if err != nil {
		return nil, invalidParams("address %s: %v", a.Hex(), err)
	}
	vm, err := s.chain.VMAt(ctx, ts, false)
	if err != nil {
		return nil, err
	}
	defer vm.Close(ctx)
	bal, err := vm.Balance(ctx, fa)
	if err != nil {
		return nil, err
	}
	return new(big.Int).Set(bal.Int), nil
}

// code is an address's EVM bytecode after ts: empty for non-EVM actors and
// addresses without an actor (Lotus's EthGetCode).
func (s *Service) code(ctx context.Context, a common.Address, ts *chain.TipSet) ([]byte, error) {
	vm, fa, act, err := s.actorAt(ctx, a, ts)
	if err != nil || act == nil {
		return []byte{}, err
	}
	defer vm.Close(ctx)
	if vm.ActorKind(act.Code) != "evm" {
		return []byte{}, nil
	}
	code, err := vm.EVMBytecode(ctx, fa)
	if err != nil {
		return nil, err
	}
	if code == nil {
		code = []byte{}
	}
	return code, nil
}

// storageAt is an EVM contract's storage slot after ts: zero for non-EVM
// actors and addresses without an actor (Lotus's EthGetStorageAt).
func (s *Service) storageAt(ctx context.Context, a common.Address, slot common.Hash, ts *chain.TipSet) ([]byte, error) {
	vm, fa, act, err := s.actorAt(ctx, a, ts)
	if err != nil || act == nil {
		return make([]byte, 32), err
	}
	defer vm.Close(ctx)
	if vm.ActorKind(act.Code) != "evm" {
		return make([]byte, 32), nil
	}
	v, err := vm.EVMStorageAt(ctx, fa, slot)
	if err != nil {
		return nil, err
	}
	return v[:], nil
}

// nonce is an address's nonce after ts (Lotus's EthGetTransactionCount):
// the actor's sequence; for an EVM contract its EVM state's CREATE nonce
// (zero once it self-destructed); zero without an actor.
func (s *Service) nonce(ctx context.Context, a common.Address, ts *chain.TipSet) (uint64, error) {
	vm, _, act, err := s.actorAt(ctx, a, ts)
	if err != nil || act == nil {
		return 0, err
	}
	defer vm.Close(ctx)
	if vm.ActorKind(act.Code) != "evm" {
		return act.Nonce, nil
	}
	return s.evmNonce(ctx, act.Head)
}

// evmNonce reads an EVM actor's state (5 fields up to actors v15, 6 with
// transient data from v16) for its nonce; a tombstone means zero.
func (s *Service) evmNonce(ctx context.Context, head cid.Cid) (uint64, error) {
	blk, err := s.chain.Blockstore().Get(ctx, head)
	if err != nil {
		return 0, fmt.Errorf("EVM state %s: %w", head, err)
	}
	data := blk.RawData()
	if len(data) > 0 && data[0] == 0x85 {
		var st evm15.State
		if err := st.UnmarshalCBOR(bytes.NewReader(data)); err != nil {
			return 0, fmt.Errorf("EVM state %s: %w", head, err)
		}
		if st.Tombstone != nil {
			return 0, nil
		}
		return st.Nonce, nil
	}
	var st evm.State
	if err := st.UnmarshalCBOR(bytes.NewReader(data)); err != nil {
		return 0, fmt.Errorf("EVM state %s: %w", head, err)
	}
	if st.Tombstone != nil {
		return 0, nil
	}
	return st.Nonce, nil
}

// actorAt is an address's actor after ts, with the VM that read it (which
// the caller closes); act is nil (and the VM closed) when there is none.
func (s *Service) actorAt(ctx context.Context, a common.Address, ts *chain.TipSet) (*fvm.VM, address.Address, *fvm.Actor, error) {
	fa, err := fvm.EthAddress(a).FilecoinAddress()
	if err != nil {
		return nil, address.Undef, nil, invalidParams("address %s: %v", a.Hex(), err)
	}
	vm, err := s.chain.VMAt(ctx, ts, false)
	if err != nil {
		return nil, fa, nil, err
	}
	_, act, err := vm.Actor(ctx, fa)
	if errors.Is(err, fvm.ErrActorNotFound) {
		_ = vm.Close(ctx)
		return nil, fa, nil, nil
	}
	if err != nil {
		_ = vm.Close(ctx)
		return nil, fa, nil, err
	}
	return vm, fa, act, nil
}

// gasPrice is the next tipset's base fee plus the suggested premium.
func (s *Service) gasPrice(ctx context.Context) (*big.Int, error) {
	exec, err := s.chain.Execution(ctx, s.chain.Head())
	if err != nil {
		return nil, err
	}
	return new(big.Int).Add(exec.NextBaseFee.Int, big.NewInt(minGasPremium)), nil
}

// hexBig is a token amount as a hex quantity.
func hexBig(v *big.Int) *hexutil.Big { return (*hexutil.Big)(v) }
