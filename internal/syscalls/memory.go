package syscalls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"

	"github.com/filecoin-project/go-address"
	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/kernel"
)

// MaxCIDLen is the largest binary CID the FVM writes (ref-fvm MAX_CID_LEN):
// three 10-byte varints, a length byte and a 64-byte digest fit.
const MaxCIDLen = 100

// Memory is an actor instance's exported linear memory, seen through the
// reference's bounds rules (ref-fvm syscalls/context.rs). Pointers address the
// memory's current size. A nil Memory is the zero-sized memory syscalls see
// during instantiation, where every non-empty access is out of bounds.
type Memory struct {
	api.Memory
}

// bytes returns a view of the whole memory (valid until it grows).
func (m Memory) bytes() []byte {
	if m.Memory == nil {
		return nil
	}
	b, _ := m.Read(0, m.Size())
	return b
}

// inBounds reports whether [off, off+n) lies within a memory of size size,
// computed without overflow.
func inBounds(size, off, n uint32) bool {
	return uint64(off)+uint64(n) <= uint64(size)
}

// CheckBounds returns IllegalArgument unless the buffer (off, n) lies in
// memory. An empty buffer at off == size is valid; past it is not.
func (m Memory) CheckBounds(off, n uint32) error {
	if !inBounds(uint32(len(m.bytes())), off, n) {
		return kernel.Errorf(kernel.IllegalArgument, "buffer %d (length %d) out of bounds", off, n)
	}
	return nil
}

// TryBytes returns a view of memory[off:off+n], or IllegalArgument when out of
// bounds. The view aliases wasm memory: copy it before the actor runs again.
func (m Memory) TryBytes(off, n uint32) ([]byte, error) {
	mem := m.bytes()
	if !inBounds(uint32(len(mem)), off, n) {
		return nil, kernel.Errorf(kernel.IllegalArgument, "buffer %d (length %d) out of bounds", off, n)
	}
	return mem[off : uint64(off)+uint64(n) : uint64(off)+uint64(n)], nil
}

// ReadBytes returns a copy of memory[off:off+n], or IllegalArgument.
func (m Memory) ReadBytes(off, n uint32) ([]byte, error) {
	b, err := m.TryBytes(off, n)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, b...), nil
}

// ReadString returns memory[off:off+n] as a string: IllegalArgument when out
// of bounds or not valid UTF-8 (as Rust's str::from_utf8 judges it).
func (m Memory) ReadString(off, n uint32) (string, error) {
	b, err := m.TryBytes(off, n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", kernel.Errorf(kernel.IllegalArgument, "string at %d (length %d) is not valid utf-8", off, n)
	}
	return string(b), nil
}

// WriteBytes copies b to memory at off: IllegalArgument when it does not
// fit.
func (m Memory) WriteBytes(off uint32, b []byte) error {
	if uint64(len(b)) > math.MaxUint32 {
		return kernel.Errorf(kernel.IllegalArgument, "buffer of %d bytes is too large", len(b))
	}
	dst, err := m.TryBytes(off, uint32(len(b)))
	if err != nil {
		return err
	}
	copy(dst, b)
	return nil
}

// CheckReturn is the value-result return-slot check that runs before the
// handler: IllegalArgument unless size bytes fit at retPtr. (The caller must
// then skip the gas resynchronisation, as the reference does.)
func (m Memory) CheckReturn(retPtr, size uint32) error {
	if !inBounds(uint32(len(m.bytes())), retPtr, size) {
		return kernel.Errorf(kernel.IllegalArgument, "return pointer %d (size %d) out of bounds", retPtr, size)
	}
	return nil
}

// ReadCID parses the binary CID that starts at off. There is no length: it
// reads as far as the CID goes, to the end of memory at most. off beyond the
// end, or any parse failure, is IllegalArgument.
func (m Memory) ReadCID(off uint32) (cid.Cid, error) {
	mem := m.bytes()
	if uint64(off) > uint64(len(mem)) {
		return cid.Undef, kernel.Errorf(kernel.IllegalArgument, "cid at offset %d is out of bounds", off)
	}
	c, _, err := ParseCID(mem[off:])
	if err != nil {
		return cid.Undef, kernel.Errorf(kernel.IllegalArgument, "failed to parse cid at offset %d: %v", off, err)
	}
	return c, nil
}

// WriteCID writes c's binary form to the buffer (off, n) and returns its
// length: IllegalArgument if the buffer is out of bounds (checked first),
// BufferTooSmall if the encoding is longer than n. Bytes after the CID are
// left as they were.
func (m Memory) WriteCID(off, n uint32, c cid.Cid) (uint32, error) {
	dst, err := m.TryBytes(off, n)
	if err != nil {
		return 0, err
	}
	enc := c.Bytes()
	if len(enc) == 0 || len(enc) > MaxCIDLen {
		// The kernel only writes CIDs it made; this is a bug, hence fatal.
		return 0, fmt.Errorf("cannot write cid %s: %d bytes encoded", c, len(enc))
	}
	if len(enc) > len(dst) {
		return 0, kernel.Errorf(kernel.BufferTooSmall, "cid output buffer is too small (%d < %d)", n, len(enc))
	}
	copy(dst, enc)
	return uint32(len(enc)), nil
}

// ErrBadAddress is wrapped by ParseAddress's errors.
var ErrBadAddress = errors.New("invalid address")

// ParseCID parses a binary CID from the start of b as the reference does; see
// kernel.ParseCID.
func ParseCID(b []byte) (cid.Cid, int, error) {
	return kernel.ParseCID(b)
}

// ReadAddress reads the binary address in (off, n): IllegalArgument when out
// of bounds or invalid.
func (m Memory) ReadAddress(off, n uint32) (address.Address, error) {
	b, err := m.TryBytes(off, n)
	if err != nil {
		return address.Undef, err
	}
	a, err := ParseAddress(b)
	if err != nil {
		return address.Undef, kernel.Errorf(kernel.IllegalArgument, "%v", err)
	}
	return a, nil
}

// Address payload sizes (ref-fvm shared/src/address).
const (
	payloadHashLen    = 20
	blsPublicKeyLen   = 48
	maxSubaddressLen  = 54
	protocolID        = 0
	protocolSecp256k1 = 1
	protocolActor     = 2
	protocolBLS       = 3
	protocolDelegated = 4
)

// ParseAddress parses a binary address (protocol byte, then payload) as the
// reference's Address::from_bytes does. It differs from go-address's
// NewFromBytes in three ways, all following the reference:
//   - empty input is an error (go-address returns Undef);
//   - an ID or a delegated namespace may be any u64, including ≥ 2^63 and
//     the lossy 10-byte varints of kernel.ReadUvarint (go-address refuses both);
//   - the result is canonical: the varint is re-encoded minimally.
//
// Secp256k1 and actor payloads are 20 bytes, BLS 48; an ID payload is exactly
// one varint; a delegated subaddress is at most 54 bytes and may be empty.
func ParseAddress(b []byte) (address.Address, error) {
	if len(b) < 2 {
		return address.Undef, fmt.Errorf("%w: %d bytes is too short", ErrBadAddress, len(b))
	}
	protocol, payload := b[0], b[1:]
	switch protocol {
	case protocolID:
		id, n, err := kernel.ReadUvarint(payload)
		if err != nil {
			return address.Undef, fmt.Errorf("%w: id: %w", ErrBadAddress, err)
		}
		if n != len(payload) {
			return address.Undef, fmt.Errorf("%w: %d bytes after the id", ErrBadAddress, len(payload)-n)
		}
		return makeAddress(binary.AppendUvarint([]byte{protocolID}, id))
	case protocolSecp256k1, protocolActor, protocolBLS:
		want := payloadHashLen
		if protocol == protocolBLS {
			want = blsPublicKeyLen
		}
		if len(payload) != want {
			return address.Undef, fmt.Errorf("%w: protocol %d payload of %d bytes, want %d",
				ErrBadAddress, protocol, len(payload), want)
		}
		return makeAddress(b)
	case protocolDelegated:
		ns, n, err := kernel.ReadUvarint(payload)
		if err != nil {
			return address.Undef, fmt.Errorf("%w: namespace: %w", ErrBadAddress, err)
		}
		sub := payload[n:]
		if len(sub) > maxSubaddressLen {
			return address.Undef, fmt.Errorf("%w: subaddress of %d bytes exceeds %d",
				ErrBadAddress, len(sub), maxSubaddressLen)
		}
		return makeAddress(append(binary.AppendUvarint([]byte{protocolDelegated}, ns), sub...))
	default:
		return address.Undef, fmt.Errorf("%w: unknown protocol %d", ErrBadAddress, protocol)
	}
}

// The go-address Address must be exactly a string (its binary form) for
// makeAddress; these fail to compile if that ever changes.
var (
	_ [unsafe.Sizeof(address.Address{}) - unsafe.Sizeof("")]struct{}
	_ [unsafe.Sizeof("") - unsafe.Sizeof(address.Address{})]struct{}
)

// makeAddress returns the address whose binary form is the already validated
// canonical b. go-address builds it when it can; an ID or namespace ≥ 2^63,
// which go-address cannot represent but the reference accepts, is built
// directly. Such addresses are only safe to use through Bytes, Protocol,
// Payload and AddressID: go-address's String panics on them (fmt recovers
// it) and address.IDFromAddress fails. The reference resolves such an ID
// address to itself (a u64 actor id that never exists).
func makeAddress(b []byte) (address.Address, error) {
	if a, err := address.NewFromBytes(b); err == nil {
		return a, nil
	}
	var a address.Address
	*(*string)(unsafe.Pointer(&a)) = string(b)
	return a, nil
}

// AddressID returns the actor id of an ID address as the reference reads it:
// any u64, including the ids ≥ 2^63 that address.IDFromAddress rejects. ok is
// false for other protocols.
func AddressID(a address.Address) (id uint64, ok bool) {
	if a.Protocol() != address.ID {
		return 0, false
	}
	id, n, err := kernel.ReadUvarint(a.Payload())
	if err != nil || n != len(a.Payload()) {
		return 0, false
	}
	return id, true
}

// DelegatedNamespace returns the namespace (an actor id, any u64) and
// subaddress of a delegated (f4) address; ok is false for other protocols.
func DelegatedNamespace(a address.Address) (namespace uint64, subaddress []byte, ok bool) {
	if a.Protocol() != address.Delegated {
		return 0, nil, false
	}
	p := a.Payload()
	ns, n, err := kernel.ReadUvarint(p)
	if err != nil {
		return 0, nil, false
	}
	return ns, p[n:], true
}
