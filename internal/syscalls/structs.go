package syscalls

import (
	"encoding/binary"
	"fmt"
	"math"
	gobig "math/big"

	"github.com/filecoin-project/go-state-types/big"

	"github.com/go-fvm/go-fvm/internal/kernel"
)

// The out-structs syscalls write to a return slot are packed (no padding) and
// little-endian, exactly as ref-fvm's #[repr(packed, C)] types in
// shared/src/sys/{mod.rs,out.rs}; the layouts are the same in v3 and v4, and
// v2 shares those of the structs it has (its vm.context returns the
// InvocationContext instead of MessageContext and NetworkContext). Each type
// has a Size constant, AppendTo and Bytes.

// Sizes of the packed structs in bytes.
const (
	TokenAmountSize          = 16
	IpldOpenSize             = 16
	IpldStatSize             = 12
	SendSize                 = 20
	MessageContextSize       = 80
	NetworkContextSize       = 44
	VerifyConsensusFaultSize = 20
	EventEntrySize           = 24
	InvocationContextSize    = 52
)

var le = binary.LittleEndian

// TokenAmount is an attoFIL amount as a u128 split into two u64 words.
type TokenAmount struct {
	Lo, Hi uint64
}

// maxU128 is 2^128 - 1.
var maxU128 = new(gobig.Int).Sub(new(gobig.Int).Lsh(gobig.NewInt(1), 128), gobig.NewInt(1))

// NewTokenAmount converts v to the u128 form: an error if v is negative or
// does not fit in 128 bits (the reference's TryFrom fails; the kernel treats
// that as fatal). A nil big.Int is zero.
func NewTokenAmount(v big.Int) (TokenAmount, error) {
	if v.Int == nil {
		return TokenAmount{}, nil
	}
	if v.Sign() < 0 || v.Int.Cmp(maxU128) > 0 {
		return TokenAmount{}, fmt.Errorf("token amount %s does not fit in a u128", v)
	}
	lo := new(gobig.Int).And(v.Int, new(gobig.Int).SetUint64(math.MaxUint64)).Uint64()
	hi := new(gobig.Int).Rsh(v.Int, 64).Uint64()
	return TokenAmount{Lo: lo, Hi: hi}, nil
}

// Big returns the amount as a big.Int (hi<<64 | lo).
func (t TokenAmount) Big() big.Int {
	v := new(gobig.Int).SetUint64(t.Hi)
	v.Lsh(v, 64)
	v.Or(v, new(gobig.Int).SetUint64(t.Lo))
	return big.NewFromGo(v)
}

// AppendTo appends the 16-byte encoding: 0 lo, 8 hi.
func (t TokenAmount) AppendTo(b []byte) []byte {
	b = le.AppendUint64(b, t.Lo)
	return le.AppendUint64(b, t.Hi)
}

// Bytes returns the 16-byte encoding.
func (t TokenAmount) Bytes() []byte { return t.AppendTo(make([]byte, 0, TokenAmountSize)) }

// DecodeTokenAmount reads a TokenAmount from the first 16 bytes of b.
func DecodeTokenAmount(b []byte) (TokenAmount, error) {
	if len(b) < TokenAmountSize {
		return TokenAmount{}, fmt.Errorf("token amount needs %d bytes, got %d", TokenAmountSize, len(b))
	}
	return TokenAmount{Lo: le.Uint64(b), Hi: le.Uint64(b[8:])}, nil
}

// IpldOpen is the result of ipld.block_open.
type IpldOpen struct {
	Codec uint64
	ID    uint32
	Size  uint32
}

// AppendTo appends the 16-byte encoding: 0 codec, 8 id, 12 size.
func (o IpldOpen) AppendTo(b []byte) []byte {
	b = le.AppendUint64(b, o.Codec)
	b = le.AppendUint32(b, o.ID)
	return le.AppendUint32(b, o.Size)
}

// Bytes returns the 16-byte encoding.
func (o IpldOpen) Bytes() []byte { return o.AppendTo(make([]byte, 0, IpldOpenSize)) }

// IpldStat is the result of ipld.block_stat.
type IpldStat struct {
	Codec uint64
	Size  uint32
}

// AppendTo appends the 12-byte encoding: 0 codec, 8 size.
func (s IpldStat) AppendTo(b []byte) []byte {
	b = le.AppendUint64(b, s.Codec)
	return le.AppendUint32(b, s.Size)
}

// Bytes returns the 12-byte encoding.
func (s IpldStat) Bytes() []byte { return s.AppendTo(make([]byte, 0, IpldStatSize)) }

// Send is the result of send.send. ReturnID is kernel.NoDataBlockID when
// there is no return value (then codec and size are 0).
type Send struct {
	ExitCode    uint32
	ReturnID    uint32
	ReturnCodec uint64
	ReturnSize  uint32
}

// AppendTo appends the 20-byte encoding: 0 exit_code, 4 return_id,
// 8 return_codec, 16 return_size.
func (s Send) AppendTo(b []byte) []byte {
	b = le.AppendUint32(b, s.ExitCode)
	b = le.AppendUint32(b, s.ReturnID)
	b = le.AppendUint64(b, s.ReturnCodec)
	return le.AppendUint32(b, s.ReturnSize)
}

// Bytes returns the 20-byte encoding.
func (s Send) Bytes() []byte { return s.AppendTo(make([]byte, 0, SendSize)) }

// ContextFlagReadOnly is bit 0 of MessageContext.Flags: the invocation is
// read-only.
const ContextFlagReadOnly uint64 = 1

// MessageContext is the result of vm.message_context.
type MessageContext struct {
	Origin        uint64
	Nonce         uint64
	Caller        uint64
	Receiver      uint64
	MethodNumber  uint64
	ValueReceived TokenAmount
	GasPremium    TokenAmount
	Flags         uint64
}

// AppendTo appends the 80-byte encoding: 0 origin, 8 nonce, 16 caller,
// 24 receiver, 32 method_number, 40 value_received, 56 gas_premium, 72 flags.
func (c MessageContext) AppendTo(b []byte) []byte {
	b = le.AppendUint64(b, c.Origin)
	b = le.AppendUint64(b, c.Nonce)
	b = le.AppendUint64(b, c.Caller)
	b = le.AppendUint64(b, c.Receiver)
	b = le.AppendUint64(b, c.MethodNumber)
	b = c.ValueReceived.AppendTo(b)
	b = c.GasPremium.AppendTo(b)
	return le.AppendUint64(b, c.Flags)
}

// Bytes returns the 80-byte encoding.
func (c MessageContext) Bytes() []byte { return c.AppendTo(make([]byte, 0, MessageContextSize)) }

// InvocationContext is the result of v2's vm.context (ref-fvm v2
// shared/src/sys/out.rs vm::InvocationContext).
type InvocationContext struct {
	ValueReceived    TokenAmount
	Caller           uint64
	Receiver         uint64
	MethodNumber     uint64
	NetworkCurrEpoch int64
	NetworkVersion   uint32
}

// AppendTo appends the 52-byte encoding: 0 value_received, 16 caller,
// 24 receiver, 32 method_number, 40 network_curr_epoch, 48 network_version.
func (c InvocationContext) AppendTo(b []byte) []byte {
	b = c.ValueReceived.AppendTo(b)
	b = le.AppendUint64(b, c.Caller)
	b = le.AppendUint64(b, c.Receiver)
	b = le.AppendUint64(b, c.MethodNumber)
	b = le.AppendUint64(b, uint64(c.NetworkCurrEpoch))
	return le.AppendUint32(b, c.NetworkVersion)
}

// Bytes returns the 52-byte encoding.
func (c InvocationContext) Bytes() []byte {
	return c.AppendTo(make([]byte, 0, InvocationContextSize))
}

// NetworkContext is the result of network.context.
type NetworkContext struct {
	Epoch          int64
	Timestamp      uint64
	BaseFee        TokenAmount
	ChainID        uint64
	NetworkVersion uint32
}

// AppendTo appends the 44-byte encoding: 0 epoch, 8 timestamp, 16 base_fee,
// 32 chain_id, 40 network_version.
func (c NetworkContext) AppendTo(b []byte) []byte {
	b = le.AppendUint64(b, uint64(c.Epoch))
	b = le.AppendUint64(b, c.Timestamp)
	b = c.BaseFee.AppendTo(b)
	b = le.AppendUint64(b, c.ChainID)
	return le.AppendUint32(b, c.NetworkVersion)
}

// Bytes returns the 44-byte encoding.
func (c NetworkContext) Bytes() []byte { return c.AppendTo(make([]byte, 0, NetworkContextSize)) }

// Consensus fault kinds in VerifyConsensusFault.Fault (0 = no fault).
const (
	FaultNone             uint32 = 0
	FaultDoubleForkMining uint32 = 1
	FaultParentGrinding   uint32 = 2
	FaultTimeOffsetMining uint32 = 3
)

// VerifyConsensusFault is the result of crypto.verify_consensus_fault.
type VerifyConsensusFault struct {
	Epoch  int64
	Target uint64
	Fault  uint32
}

// AppendTo appends the 20-byte encoding: 0 epoch, 8 target, 16 fault.
func (f VerifyConsensusFault) AppendTo(b []byte) []byte {
	b = le.AppendUint64(b, uint64(f.Epoch))
	b = le.AppendUint64(b, f.Target)
	return le.AppendUint32(b, f.Fault)
}

// Bytes returns the 20-byte encoding.
func (f VerifyConsensusFault) Bytes() []byte {
	return f.AppendTo(make([]byte, 0, VerifyConsensusFaultSize))
}

// EventEntry is one entry header of the v4 event.emit_event input; keys and
// values come from separate buffers. Flags are kept as given (unknown bits
// are not rejected here).
type EventEntry struct {
	Flags  uint64
	Codec  uint64
	KeyLen uint32
	ValLen uint32
}

// AppendTo appends the 24-byte encoding: 0 flags, 8 codec, 16 key_len,
// 20 val_len.
func (e EventEntry) AppendTo(b []byte) []byte {
	b = le.AppendUint64(b, e.Flags)
	b = le.AppendUint64(b, e.Codec)
	b = le.AppendUint32(b, e.KeyLen)
	return le.AppendUint32(b, e.ValLen)
}

// Bytes returns the 24-byte encoding.
func (e EventEntry) Bytes() []byte { return e.AppendTo(make([]byte, 0, EventEntrySize)) }

// DecodeEventEntries decodes len(b)/24 packed entries; len(b) must be a
// multiple of 24.
func DecodeEventEntries(b []byte) ([]EventEntry, error) {
	if len(b)%EventEntrySize != 0 {
		return nil, fmt.Errorf("event entries: %d bytes is not a multiple of %d", len(b), EventEntrySize)
	}
	out := make([]EventEntry, len(b)/EventEntrySize)
	for i := range out {
		e := b[i*EventEntrySize:]
		out[i] = EventEntry{Flags: le.Uint64(e), Codec: le.Uint64(e[8:]), KeyLen: le.Uint32(e[16:]), ValLen: le.Uint32(e[20:])}
	}
	return out, nil
}

// ReadEventEntries reads count entry headers at off, as the v4 emit_event
// handler does: IllegalArgument if count×24 overflows a u32 or the buffer is
// out of bounds.
func (m Memory) ReadEventEntries(off, count uint32) ([]EventEntry, error) {
	size := uint64(count) * EventEntrySize
	if size > math.MaxUint32 {
		return nil, kernel.Errorf(kernel.IllegalArgument, "events index out of bounds")
	}
	b, err := m.TryBytes(off, uint32(size))
	if err != nil {
		return nil, err
	}
	return DecodeEventEntries(b)
}
