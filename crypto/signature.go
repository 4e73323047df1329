package crypto

import (
	"errors"
	"fmt"

	"github.com/filecoin-project/go-address"
	"golang.org/x/crypto/sha3"
)

// SignatureType is the Filecoin signature type byte.
type SignatureType uint8

// Signature types. Only secp256k1 and BLS exist in the FVM (ref-fvm `SignatureType`); the
// delegated type is verified by nodes for f4 message senders, never by the VM.
const (
	SigTypeSecp256k1 SignatureType = 1
	SigTypeBLS       SignatureType = 2
	SigTypeDelegated SignatureType = 3
)

// String names the signature type.
func (t SignatureType) String() string {
	switch t {
	case SigTypeSecp256k1:
		return "secp256k1"
	case SigTypeBLS:
		return "bls"
	case SigTypeDelegated:
		return "delegated"
	default:
		return fmt.Sprintf("signature type %d", uint8(t))
	}
}

// ErrUnknownSignatureType is returned for a signature type the FVM does not know.
var ErrUnknownSignatureType = errors.New("unknown signature type")

// ParseSignatureType converts the `crypto.verify_signature` syscall's sig_type argument. Only 1
// (secp256k1) and 2 (BLS) are valid in the VM; anything else is an error wrapping
// [ErrIllegalArgument], raised before any gas is charged.
func ParseSignatureType(v uint32) (SignatureType, error) {
	if v == uint32(SigTypeSecp256k1) || v == uint32(SigTypeBLS) {
		return SignatureType(v), nil
	}
	return 0, fmt.Errorf("%w: %w %d", ErrIllegalArgument, ErrUnknownSignatureType, v)
}

// VerifySignature is the kernel's `verify_signature`: it reports whether sig, of type t, is a
// valid signature by signer over plaintext.
//
// The kernel charges OnVerifySignature(t, len(plaintext)) first. Then:
//   - a signer that is not a key address (f1 or f3) is an error wrapping [ErrUnsupportedSigner]
//     and [ErrIllegalArgument];
//   - a type other than secp256k1 or BLS is an error wrapping [ErrIllegalArgument];
//   - every verification failure, including a type that does not match the signer's
//     protocol, is (false, nil);
//   - a panic inside verification is an error wrapping [ErrIllegalArgument], as the
//     reference's catch_unwind.
func VerifySignature(t SignatureType, sig []byte, signer address.Address, plaintext []byte) (ok bool, err error) {
	switch signer.Protocol() {
	case address.SECP256K1, address.BLS:
	default:
		return false, fmt.Errorf("%w: %w: protocol %d", ErrIllegalArgument, ErrUnsupportedSigner, signer.Protocol())
	}
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("%w: panic verifying %s signature: %v", ErrIllegalArgument, t, r)
		}
	}()
	switch t {
	case SigTypeSecp256k1:
		return VerifySecp256k1(sig, plaintext, signer), nil
	case SigTypeBLS:
		return VerifyBLS(sig, plaintext, signer), nil
	default:
		return false, fmt.Errorf("%w: %w %d", ErrIllegalArgument, ErrUnknownSignatureType, uint8(t))
	}
}

// Signature is a typed Filecoin signature.
type Signature struct {
	// Type is the signature type.
	Type SignatureType
	// Data is the raw signature: 65 bytes for secp256k1 and delegated, 96 for BLS.
	Data []byte
}

// ErrBadSignatureEncoding is returned by [DecodeSignature] for malformed signature bytes.
var ErrBadSignatureEncoding = errors.New("bad signature encoding")

// DecodeSignature decodes the Filecoin serialised form of a signature (the content of the CBOR
// byte string): one type byte followed by the raw signature. Empty input and unknown type bytes
// are errors; the raw signature's length is not checked here (verification rejects it). The
// delegated type (3) is accepted only when allowDelegated is set: the FVM's own decoder
// (fvm_shared) knows only types 1 and 2, Lotus's message decoder also knows 3.
func DecodeSignature(b []byte, allowDelegated bool) (Signature, error) {
	if len(b) == 0 {
		return Signature{}, fmt.Errorf("%w: empty", ErrBadSignatureEncoding)
	}
	t := SignatureType(b[0])
	switch {
	case t == SigTypeSecp256k1, t == SigTypeBLS:
	case t == SigTypeDelegated && allowDelegated:
	default:
		return Signature{}, fmt.Errorf("%w: %w %d", ErrBadSignatureEncoding, ErrUnknownSignatureType, b[0])
	}
	return Signature{Type: t, Data: append([]byte(nil), b[1:]...)}, nil
}

// Bytes returns the serialised form: the type byte followed by the raw signature.
func (s Signature) Bytes() []byte {
	return append([]byte{byte(s.Type)}, s.Data...)
}

// eamActorID is the Ethereum Address Manager's actor ID, the f4 namespace of Ethereum
// addresses.
const eamActorID = 10

// VerifyDelegated reports whether sig (65 bytes: r ‖ s ‖ v, v in 0..3 after high-S
// normalisation) is a valid delegated signature by the f4 (namespace 10) address signer over
// msg: the digest is keccak-256(msg) and the signer's 20-byte subaddress must equal the last 20
// bytes of keccak-256 of the recovered public key (without its 0x04 prefix).
//
// The VM never verifies delegated signatures (the `verify_signature` syscall knows only types
// 1 and 2). Nodes use this for f4 message senders, where Lotus verifies them with its own
// recovery library; the two agree on every canonical signature.
func VerifyDelegated(sig, msg []byte, signer address.Address) bool {
	if signer.Protocol() != address.Delegated || len(sig) != SecpSigLen {
		return false
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(msg)
	var digest [SecpHashLen]byte
	h.Sum(digest[:0])
	pub, err := RecoverSecpPublicKey(&digest, (*[SecpSigLen]byte)(sig))
	if err != nil {
		return false
	}
	h.Reset()
	h.Write(pub[1:])
	ethAddr := h.Sum(nil)[12:]
	want, err := address.NewDelegatedAddress(eamActorID, ethAddr)
	if err != nil {
		return false
	}
	return want == signer
}
