package ethtx

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	fcrypto "github.com/filecoin-project/go-state-types/crypto"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/message"
)

// Errors a transaction is rejected with; match them with errors.Is.
var (
	// ErrMalformed: the bytes are not a well-formed envelope (bad RLP, a
	// field out of range).
	ErrMalformed = errors.New("malformed transaction")
	// ErrUnsupportedType: an envelope Filecoin does not carry (EIP-2930,
	// EIP-4844, EIP-7702, or an EIP-1559 transaction with an access list).
	ErrUnsupportedType = errors.New("transaction type not supported")
	// ErrChainID: the transaction is signed for another chain.
	ErrChainID = errors.New("invalid chain id for signer")
	// ErrSignature: the signature does not recover a sender.
	ErrSignature = errors.New("invalid sender")
	// ErrNotEthereum: a Filecoin message that is not an Ethereum
	// transaction (not a delegated signature, or not EVM-shaped).
	ErrNotEthereum = errors.New("not an Ethereum transaction")
)

// Kind is the envelope of an Ethereum transaction.
type Kind uint8

// Envelopes Filecoin carries.
const (
	// Homestead is a legacy transaction without replay protection (v 27/28).
	Homestead Kind = iota
	// EIP155 is a legacy transaction whose v carries the chain ID.
	EIP155
	// EIP1559 is a type-2 dynamic-fee transaction.
	EIP1559
)

// String names the envelope.
func (k Kind) String() string {
	switch k {
	case Homestead:
		return "homestead"
	case EIP155:
		return "eip155"
	case EIP1559:
		return "eip1559"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Signature prefixes Lotus puts before r ‖ s ‖ v to mark legacy envelopes.
const (
	homesteadSigPrefix = 0x01
	eip155SigPrefix    = 0x02
	eip1559SigLen      = 65
	homesteadSigLen    = 66
)

// Tx is a signed Ethereum transaction of one of the envelopes Filecoin
// carries.
type Tx struct {
	tx   *types.Transaction
	kind Kind
}

// Parse decodes a signed envelope: a legacy RLP list (Homestead or EIP-155)
// or an EIP-1559 typed envelope with an empty access list. The chain ID is
// not checked here (see [Tx.SignedMessage]).
func Parse(raw []byte) (*Tx, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if raw[0] <= 0x7f && raw[0] != types.DynamicFeeTxType {
		return nil, fmt.Errorf("%w: type %d", ErrUnsupportedType, raw[0])
	}
	var tx types.Transaction
	if err := tx.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return wrap(&tx)
}

// wrap classifies a decoded transaction, rejecting what Lotus rejects.
func wrap(tx *types.Transaction) (*Tx, error) {
	if tx.Gas() > math.MaxInt64 {
		return nil, fmt.Errorf("%w: gas limit %d exceeds 2^63-1", ErrMalformed, tx.Gas())
	}
	switch tx.Type() {
	case types.DynamicFeeTxType:
		if len(tx.AccessList()) != 0 {
			return nil, fmt.Errorf("%w: access list should be an empty list", ErrUnsupportedType)
		}
		return &Tx{tx: tx, kind: EIP1559}, nil
	case types.LegacyTxType:
		if !tx.Protected() {
			return &Tx{tx: tx, kind: Homestead}, nil
		}
		return &Tx{tx: tx, kind: EIP155}, nil
	}
	return nil, fmt.Errorf("%w: type %d", ErrUnsupportedType, tx.Type())
}

// Kind is the transaction's envelope.
func (t *Tx) Kind() Kind { return t.kind }

// Transaction is the decoded go-ethereum transaction.
func (t *Tx) Transaction() *types.Transaction { return t.tx }

// Hash is the transaction hash: keccak-256 of the signed envelope (Lotus's
// EthHashFromTxBytes of the raw transaction, which equals its TxHash for a
// canonical encoding).
func (t *Tx) Hash() [32]byte { return t.tx.Hash() }

// Raw is the signed envelope's canonical encoding.
func (t *Tx) Raw() []byte {
	b, _ := t.tx.MarshalBinary() // a decoded or built transaction always encodes
	return b
}

// ChainID is the chain the transaction is signed for; 0 for Homestead.
func (t *Tx) ChainID() uint64 {
	if t.kind == Homestead {
		return 0
	}
	id := t.tx.ChainId()
	if !id.IsUint64() {
		return math.MaxUint64
	}
	return id.Uint64()
}

// To is the recipient, nil for a contract creation.
func (t *Tx) To() *fvm.EthAddress {
	if to := t.tx.To(); to != nil {
		e := fvm.EthAddress(*to)
		return &e
	}
	return nil
}

// checkChain rejects an EIP-155 or EIP-1559 transaction signed for a chain
// other than chainID. Quirk (Lotus ethtypes): Homestead transactions carry no
// chain ID and are accepted on every chain.
func (t *Tx) checkChain(chainID uint64) error {
	if chainID == 0 { // no chain has it (EIP-155), and go-ethereum's signers refuse it
		return fmt.Errorf("%w: chain id 0", ErrChainID)
	}
	if t.kind == Homestead {
		return nil
	}
	have := t.tx.ChainId()
	if have.IsUint64() && have.Uint64() == chainID {
		return nil
	}
	return fmt.Errorf("%w: have %s want %d", ErrChainID, have, chainID)
}

// Sender recovers the sender's address on chain chainID.
func (t *Tx) Sender(chainID uint64) (fvm.EthAddress, error) {
	if err := t.checkChain(chainID); err != nil {
		return fvm.EthAddress{}, err
	}
	from, err := types.Sender(types.LatestSignerForChainID(new(big.Int).SetUint64(chainID)), t.tx)
	if err != nil {
		return fvm.EthAddress{}, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return fvm.EthAddress(from), nil
}

// SignedMessage converts the transaction, signed for chain chainID, into the
// Filecoin message Lotus would push (ToSignedFilecoinMessage), and returns it
// with its recovered sender.
func (t *Tx) SignedMessage(chainID uint64) (*message.SignedMessage, fvm.EthAddress, error) {
	sender, err := t.Sender(chainID)
	if err != nil {
		return nil, sender, err
	}
	from, err := address.NewDelegatedAddress(fvm.EAMNamespace, sender[:])
	if err != nil {
		return nil, sender, fmt.Errorf("%w: sender %s: %w", ErrSignature, sender, err)
	}
	msg, err := t.unsignedMessage(from)
	if err != nil {
		return nil, sender, err
	}
	return &message.SignedMessage{Message: *msg, Signature: t.signature()}, sender, nil
}

// unsignedMessage is Lotus's ToUnsignedFilecoinMessage.
func (t *Tx) unsignedMessage(from address.Address) (*message.Message, error) {
	to, method, err := recipient(t.To())
	if err != nil {
		return nil, err
	}
	feeCap, premium := t.tx.GasFeeCap(), t.tx.GasTipCap()
	return &message.Message{
		Version:    0,
		To:         to,
		From:       from,
		Sequence:   t.tx.Nonce(),
		Value:      fbig.NewFromGo(t.tx.Value()),
		GasLimit:   t.tx.Gas(),
		GasFeeCap:  fbig.NewFromGo(feeCap),
		GasPremium: fbig.NewFromGo(premium),
		Method:     method,
		Params:     Params(t.tx.Data()),
	}, nil
}

// recipient is the Filecoin receiver and method of a transaction to to.
func recipient(to *fvm.EthAddress) (address.Address, abi.MethodNum, error) {
	if to == nil {
		return builtin.EthereumAddressManagerActorAddr, builtin.MethodsEAM.CreateExternal, nil
	}
	addr, err := to.FilecoinAddress()
	if err != nil {
		return address.Undef, 0, fmt.Errorf("%w: recipient %s: %w", ErrMalformed, to, err)
	}
	return addr, builtin.MethodsEVM.InvokeContract, nil
}

// Params is an EVM call's input as Filecoin message parameters: a CBOR byte
// string, or nil for empty input.
func Params(input []byte) []byte {
	if len(input) == 0 {
		return nil
	}
	var buf bytes.Buffer
	_ = cbg.WriteByteArray(&buf, input) // writing to a bytes.Buffer cannot fail
	return buf.Bytes()
}

// Input reads message parameters written by [Params] back: nil for no
// parameters; an error for anything but one non-empty CBOR byte string.
func Input(params []byte) ([]byte, error) {
	if len(params) == 0 {
		return nil, nil
	}
	r := bytes.NewReader(params)
	in, err := cbg.ReadByteArray(r, uint64(len(params)))
	if err != nil {
		return nil, fmt.Errorf("%w: params are not a CBOR byte string: %w", ErrNotEthereum, err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the params' byte string", ErrNotEthereum, r.Len())
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: non-empty params encode an empty byte string", ErrNotEthereum)
	}
	return in, nil
}

// signature is the delegated signature Lotus stores for the envelope.
func (t *Tx) signature() fcrypto.Signature {
	v, r, s := t.tx.RawSignatureValues()
	sig := make([]byte, 0, 70)
	switch t.kind {
	case Homestead:
		sig = append(sig, homesteadSigPrefix)
	case EIP155:
		sig = append(sig, eip155SigPrefix)
	}
	sig = append(sig, leftPad32(r)...)
	sig = append(sig, leftPad32(s)...)
	switch t.kind {
	case EIP155:
		sig = append(sig, v.Bytes()...)
	default:
		// Quirk (Lotus ethtypes): only v's first big-endian byte is kept;
		// v is 0/1 or 27/28 here, so it is v itself (0 for zero).
		vb := v.Bytes()
		if len(vb) == 0 {
			vb = []byte{0}
		}
		sig = append(sig, vb[0])
	}
	return fcrypto.Signature{Type: fcrypto.SigTypeDelegated, Data: sig}
}

func leftPad32(x *big.Int) []byte {
	var b [32]byte
	x.FillBytes(b[:]) // r and s decoded from RLP are at most 32 bytes (go-ethereum checks)
	return b[:]
}

// Sign signs an EIP-1559 transaction with key for chain chainID (what a
// wallet does for eth_sendTransaction); unsigned's ChainID is replaced.
func Sign(unsigned *types.DynamicFeeTx, chainID uint64, key *ecdsa.PrivateKey) (*Tx, error) {
	data := *unsigned
	data.ChainID = new(big.Int).SetUint64(chainID)
	signed, err := types.SignNewTx(key, types.LatestSignerForChainID(data.ChainID), &data)
	if err != nil {
		return nil, fmt.Errorf("ethtx: sign: %w", err)
	}
	return wrap(signed)
}

// unsignedEnvelope is the bytes whose keccak-256 an EIP-1559 transaction's
// signature signs: 0x02 ‖ RLP([chainId, nonce, tip, feeCap, gas, to, value,
// data, accessList]).
func unsignedEnvelope(tx *types.Transaction, chainID *big.Int) ([]byte, error) {
	fields := []any{chainID, tx.Nonce(), tx.GasTipCap(), tx.GasFeeCap(), tx.Gas(), tx.To(), tx.Value(), tx.Data(), types.AccessList{}}
	body, err := rlp.EncodeToBytes(fields)
	if err != nil {
		return nil, fmt.Errorf("ethtx: encode unsigned envelope: %w", err)
	}
	return append([]byte{types.DynamicFeeTxType}, body...), nil
}
