package fvm

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/message"
)

// Method numbers of the Ethereum Address Manager (f010) and of EVM
// contracts that messages from Ethereum tools use.
var (
	// MethodCreateExternal deploys a contract from an Ethereum account
	// (EAM CreateExternal; the new address derives from sender and nonce).
	MethodCreateExternal = builtin.MethodsEAM.CreateExternal
	// MethodInvokeContract calls a contract with EVM calldata (FRC-42
	// "InvokeEVM").
	MethodInvokeContract = builtin.MethodsEVM.InvokeContract
)

// EAMAddress is the Ethereum Address Manager, f010.
var EAMAddress, _ = address.NewIDAddress(EAMNamespace)

// ErrNotEVMEvent is returned (wrapped) by Event.EVMLog for an event that
// is not an EVM log.
var ErrNotEVMEvent = errors.New("not an EVM log")

// cborBytes encodes b as a CBOR byte string, the parameters of
// CreateExternal and InvokeContract.
func cborBytes(b []byte) []byte {
	var buf bytes.Buffer
	_ = cbg.WriteByteArray(&buf, b) // a bytes.Buffer cannot fail
	return buf.Bytes()
}

// CreateContractMessage returns the message an Ethereum account (f410)
// sends to deploy initcode (the creation bytecode solc emits) through the
// EAM, as Lotus makes of a contract-creation transaction. Its gas limit is
// the block's and its fee cap and premium are zero: set them for a chain
// with a base fee.
func CreateContractMessage(from address.Address, nonce uint64, initcode []byte) *message.Message {
	return &message.Message{
		From: from, To: EAMAddress, Sequence: nonce, Method: MethodCreateExternal, Params: cborBytes(initcode),
		Value: big.Zero(), GasLimit: BlockGasLimit, GasFeeCap: big.Zero(), GasPremium: big.Zero(),
	}
}

// InvokeContractMessage returns the message that calls contract to with
// EVM calldata, as Lotus makes of a call transaction. Gas fields as in
// CreateContractMessage.
func InvokeContractMessage(from, to address.Address, nonce uint64, calldata []byte, value abi.TokenAmount) *message.Message {
	return &message.Message{
		From: from, To: to, Sequence: nonce, Method: MethodInvokeContract, Params: cborBytes(calldata),
		Value: value, GasLimit: BlockGasLimit, GasFeeCap: big.Zero(), GasPremium: big.Zero(),
	}
}

// CreatedContract is what the EAM returns for a deployment.
type CreatedContract struct {
	// ID is the contract's actor id.
	ID abi.ActorID
	// Robust is its robust (f2) address.
	Robust address.Address
	// Eth is its Ethereum address; Address is the f410 form of it.
	Eth EthAddress
}

// Address is the contract's f410 address.
func (c CreatedContract) Address() address.Address {
	a, _ := address.NewDelegatedAddress(EAMNamespace, c.Eth[:]) // 20 bytes always fit
	return a
}

// DecodeCreateReturn decodes the return of a CreateContractMessage (the
// EAM's [actor_id, robust_address, eth_address]).
func DecodeCreateReturn(ret []byte) (CreatedContract, error) {
	var r struct {
		ID     uint64
		Robust address.Address
		Eth    []byte
	}
	br := bytes.NewReader(ret)
	cr := cbg.NewCborReader(br)
	maj, n, err := cr.ReadHeader()
	if err != nil || maj != cbg.MajArray || n != 3 {
		return CreatedContract{}, fmt.Errorf("fvm: EAM create return: not a 3-tuple (%x)", ret)
	}
	if maj, r.ID, err = cr.ReadHeader(); err != nil || maj != cbg.MajUnsignedInt {
		return CreatedContract{}, fmt.Errorf("fvm: EAM create return: actor id: major type %d: %v", maj, err)
	}
	if next, _ := br.ReadByte(); next == cbg.CborNull[0] {
		r.Robust = address.Undef // the EAM may not assign one
	} else if err := errors.Join(br.UnreadByte(), r.Robust.UnmarshalCBOR(cr)); err != nil {
		return CreatedContract{}, fmt.Errorf("fvm: EAM create return: robust address: %w", err)
	}
	if r.Eth, err = cbg.ReadByteArray(cr, 20); err != nil || len(r.Eth) != 20 {
		return CreatedContract{}, fmt.Errorf("fvm: EAM create return: Ethereum address (%d bytes): %v", len(r.Eth), err)
	}
	return CreatedContract{ID: abi.ActorID(r.ID), Robust: r.Robust, Eth: EthAddress(r.Eth)}, nil
}

// DecodeEVMReturn returns the EVM return data (or revert data) of an
// InvokeContract call from its CBOR byte-string return; empty for an empty
// return.
func DecodeEVMReturn(ret []byte) ([]byte, error) {
	if len(ret) == 0 {
		return nil, nil
	}
	b, err := cbg.ReadByteArray(bytes.NewReader(ret), uint64(len(ret)))
	if err != nil {
		return nil, fmt.Errorf("fvm: EVM return: %w", err)
	}
	return b, nil
}

// EVMLog returns the topics and data of an event an EVM contract emitted
// (entries t1..t4 hold the topics, d the data, as the EVM actor writes
// them).
func (e Event) EVMLog() (topics [][32]byte, data []byte, err error) {
	for _, ent := range e.Entries {
		switch {
		case ent.Key == "d":
			data = ent.Value
		case len(ent.Key) == 2 && ent.Key[0] == 't' && ent.Key[1] >= '1' && ent.Key[1] <= '4' && len(ent.Value) == 32:
			topics = append(topics, [32]byte(ent.Value))
		default:
			return nil, nil, fmt.Errorf("fvm: event of f0%d: entry %q: %w", e.Emitter, ent.Key, ErrNotEVMEvent)
		}
	}
	return topics, data, nil
}
