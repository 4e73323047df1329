package message

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/crypto"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// ErrMalformed is returned (wrapped) when a message cannot be decoded.
var ErrMalformed = errors.New("malformed message")

// secpSignatureOverhead is what a secp256k1 signature adds to a message's
// CBOR: the 2-tuple header (1 byte), the byte-string header (2), the
// signature type byte (1) and the 65 signature bytes.
const secpSignatureOverhead = 65 + 4

// Message is an unsigned Filecoin message.
type Message struct {
	Version    uint64
	To         address.Address
	From       address.Address
	Sequence   uint64
	Value      abi.TokenAmount
	GasLimit   uint64
	GasFeeCap  abi.TokenAmount
	GasPremium abi.TokenAmount
	Method     abi.MethodNum
	Params     []byte
}

// SignedMessage is a message with its signature.
type SignedMessage struct {
	Message   Message
	Signature crypto.Signature
}

// MarshalCBOR writes m as the 10-tuple
// [version, to, from, sequence, value, gas_limit, gas_fee_cap, gas_premium, method, params].
func (m *Message) MarshalCBOR(w io.Writer) error {
	cw := cbg.NewCborWriter(w)
	if err := cw.WriteMajorTypeHeader(cbg.MajArray, 10); err != nil {
		return err
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, m.Version); err != nil {
		return err
	}
	if err := m.To.MarshalCBOR(cw); err != nil {
		return err
	}
	if err := m.From.MarshalCBOR(cw); err != nil {
		return err
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, m.Sequence); err != nil {
		return err
	}
	if err := writeAmount(cw, m.Value); err != nil {
		return err
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, m.GasLimit); err != nil {
		return err
	}
	for _, amt := range []abi.TokenAmount{m.GasFeeCap, m.GasPremium} {
		if err := writeAmount(cw, amt); err != nil {
			return err
		}
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, uint64(m.Method)); err != nil {
		return err
	}
	return cbg.WriteByteArray(cw, m.Params)
}

func writeAmount(w io.Writer, amt abi.TokenAmount) error {
	if amt.Int == nil {
		amt = big.Zero()
	}
	return amt.MarshalCBOR(w)
}

// UnmarshalCBOR reads a 10-tuple message.
func (m *Message) UnmarshalCBOR(r io.Reader) error {
	cr := cbg.NewCborReader(r)
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray || n != 10 {
		return fmt.Errorf("expected a 10-tuple, got major type %d length %d", maj, n)
	}
	if m.Version, err = readUint(cr, "version"); err != nil {
		return err
	}
	if err := m.To.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	if err := m.From.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if m.Sequence, err = readUint(cr, "sequence"); err != nil {
		return err
	}
	if err := m.Value.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	if m.GasLimit, err = readUint(cr, "gas limit"); err != nil {
		return err
	}
	if err := m.GasFeeCap.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("gas fee cap: %w", err)
	}
	if err := m.GasPremium.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("gas premium: %w", err)
	}
	method, err := readUint(cr, "method")
	if err != nil {
		return err
	}
	m.Method = abi.MethodNum(method)
	if m.Params, err = cbg.ReadByteArray(cr, cbg.ByteArrayMaxLen); err != nil {
		return fmt.Errorf("params: %w", err)
	}
	return nil
}

func readUint(cr *cbg.CborReader, field string) (uint64, error) {
	maj, v, err := cr.ReadHeader()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", field, err)
	}
	if maj != cbg.MajUnsignedInt {
		return 0, fmt.Errorf("%s: major type %d, not an unsigned integer", field, maj)
	}
	return v, nil
}

// Bytes returns the CBOR encoding of m.
func (m *Message) Bytes() []byte {
	var buf bytes.Buffer
	_ = m.MarshalCBOR(&buf) // writing to a bytes.Buffer cannot fail
	return buf.Bytes()
}

// Cid returns the CID of m: DAG-CBOR, blake2b-256. Signatures sign its bytes.
func (m *Message) Cid() cid.Cid {
	c, _ := cidPrefix.Sum(m.Bytes())
	return c
}

var cidPrefix = cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: mh.BLAKE2B_MIN + 31, MhLength: 32}

// MarshalCBOR writes sm as [message, signature].
func (sm *SignedMessage) MarshalCBOR(w io.Writer) error {
	if err := cbg.WriteMajorTypeHeader(w, cbg.MajArray, 2); err != nil {
		return err
	}
	if err := sm.Message.MarshalCBOR(w); err != nil {
		return err
	}
	return sm.Signature.MarshalCBOR(w)
}

// UnmarshalCBOR reads [message, signature].
func (sm *SignedMessage) UnmarshalCBOR(r io.Reader) error {
	cr := cbg.NewCborReader(r)
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray || n != 2 {
		return fmt.Errorf("expected [message, signature], got major type %d length %d", maj, n)
	}
	if err := sm.Message.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if err := sm.Signature.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	return nil
}

// Decoded is a message decoded from its chain bytes.
type Decoded struct {
	Message Message
	// Signature is set when the bytes were a SignedMessage.
	Signature *crypto.Signature
	// ChainLength is the on-chain size the executor charges inclusion gas for.
	ChainLength int
}

// Decode reads a message's chain bytes: an unsigned Message, or a
// SignedMessage. Trailing bytes are an error.
//
// ChainLength follows the rule of ref-fvm's conformance runner and of lotus's
// ChainLength: a signed message's own length (the unsigned length for BLS,
// whose signatures are aggregated in the block), and for an unsigned message
// from a secp256k1 address, its length plus a 65-byte signature's framing.
// Quirk (ref-fvm testing/conformance driver): an unsigned message from an f4
// (delegated) sender gets no signature allowance, although on chain it would
// carry one.
func Decode(data []byte) (*Decoded, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	r := bytes.NewReader(data)
	d := &Decoded{}
	switch data[0] {
	case 0x82: // [message, signature]
		var sm SignedMessage
		if err := sm.UnmarshalCBOR(r); err != nil {
			return nil, fmt.Errorf("%w: signed message: %w", ErrMalformed, err)
		}
		d.Message, d.Signature = sm.Message, &sm.Signature
		d.ChainLength = len(data)
		if sm.Signature.Type == crypto.SigTypeBLS {
			d.ChainLength = len(sm.Message.Bytes())
		}
	default:
		if err := d.Message.UnmarshalCBOR(r); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		d.ChainLength = len(data)
		if d.Message.From.Protocol() == address.SECP256K1 {
			d.ChainLength += secpSignatureOverhead
		}
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, r.Len())
	}
	return d, nil
}

// Bytes returns the CBOR encoding of sm.
func (sm *SignedMessage) Bytes() []byte {
	var buf bytes.Buffer
	_ = sm.MarshalCBOR(&buf) // writing to a bytes.Buffer cannot fail
	return buf.Bytes()
}

// Cid returns the CID of sm as it goes on chain: the unsigned message's for
// BLS (whose signatures are aggregated in the block), the signed message's
// otherwise (Lotus's SignedMessage.Cid).
func (sm *SignedMessage) Cid() cid.Cid {
	if sm.Signature.Type == crypto.SigTypeBLS {
		return sm.Message.Cid()
	}
	c, _ := cidPrefix.Sum(sm.Bytes())
	return c
}

// ChainLength is the on-chain size the executor charges inclusion gas for
// (Lotus's ChainLength): the unsigned message's for BLS, the signed
// message's otherwise.
func (sm *SignedMessage) ChainLength() int {
	if sm.Signature.Type == crypto.SigTypeBLS {
		return len(sm.Message.Bytes())
	}
	return len(sm.Bytes())
}

// ChainLength is the on-chain size of m once signed with a signature of
// type t (Lotus's ChainLength): the unsigned size for BLS, whose
// signatures are aggregated in the block; for secp256k1 and delegated
// (65-byte) signatures, the size of the signed message.
func (m *Message) ChainLength(t crypto.SigType) int {
	n := len(m.Bytes())
	if t == crypto.SigTypeBLS {
		return n
	}
	return n + secpSignatureOverhead
}
