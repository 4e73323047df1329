package fvm

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
)

// EthAddress is a 20-byte Ethereum address.
type EthAddress [20]byte

// EAMNamespace is the actor id of the Ethereum Address Manager, the f4
// namespace of Ethereum addresses (f410...).
const EAMNamespace = 10

// ErrNoEthAddress is returned (wrapped) for a Filecoin address that has no
// Ethereum form (f1, f2, f3, and f4 addresses of other namespaces).
var ErrNoEthAddress = errors.New("no Ethereum form")

// maskedIDPrefix starts the Ethereum form of an ID address: 0xff, then
// eleven zero bytes, then the id big-endian (Lotus's masked-ID address).
var maskedIDPrefix = [12]byte{0xff}

// String is the address in 0x-prefixed lower-case hex.
func (e EthAddress) String() string { return fmt.Sprintf("0x%x", e[:]) }

// MaskedID returns the id an address of the masked-ID form 0xff00…00<id>
// stands for, and whether it is of that form.
func (e EthAddress) MaskedID() (abi.ActorID, bool) {
	if [12]byte(e[:12]) != maskedIDPrefix {
		return 0, false
	}
	return abi.ActorID(binary.BigEndian.Uint64(e[12:])), true
}

// FilecoinAddress returns the Filecoin address of an Ethereum address: the
// ID address for the masked-ID form, the f410 address otherwise.
func (e EthAddress) FilecoinAddress() (address.Address, error) {
	if id, ok := e.MaskedID(); ok {
		return address.NewIDAddress(uint64(id))
	}
	return address.NewDelegatedAddress(EAMNamespace, e[:])
}

// EthAddressOf returns the Ethereum form of a Filecoin address: the 20-byte
// subaddress of an f410 address, the masked-ID form of an ID address.
func EthAddressOf(a address.Address) (EthAddress, error) {
	switch a.Protocol() {
	case address.ID:
		id, err := address.IDFromAddress(a)
		if err != nil {
			return EthAddress{}, fmt.Errorf("fvm: %s: %w", a, err)
		}
		var e EthAddress
		copy(e[:], maskedIDPrefix[:])
		binary.BigEndian.PutUint64(e[12:], id)
		return e, nil
	case address.Delegated:
		ns, sub, err := delegatedParts(a)
		if err != nil {
			return EthAddress{}, err
		}
		if ns != EAMNamespace || len(sub) != 20 {
			return EthAddress{}, fmt.Errorf("fvm: %s (namespace %d, %d-byte subaddress): %w", a, ns, len(sub), ErrNoEthAddress)
		}
		return EthAddress(sub), nil
	default:
		return EthAddress{}, fmt.Errorf("fvm: %s: %w", a, ErrNoEthAddress)
	}
}

// delegatedParts splits an f4 address into its namespace and subaddress.
func delegatedParts(a address.Address) (uint64, []byte, error) {
	payload := a.Payload()
	ns, n := binary.Uvarint(payload)
	if n <= 0 {
		return 0, nil, fmt.Errorf("fvm: %s: malformed namespace", a)
	}
	return ns, payload[n:], nil
}

// ParseEthAddress parses a 0x-prefixed 40-digit hex address.
func ParseEthAddress(s string) (EthAddress, error) {
	var e EthAddress
	if len(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return e, fmt.Errorf("fvm: Ethereum address %q: want 0x and 40 hex digits", s)
	}
	if _, err := hex.Decode(e[:], []byte(s[2:])); err != nil {
		return e, fmt.Errorf("fvm: Ethereum address %q: %w", s, err)
	}
	return e, nil
}
