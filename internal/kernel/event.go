package kernel

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	cbg "github.com/whyrusleeping/cbor-gen"
)

// v3 event limits (ref-fvm v3 kernel validate_actor_event).
const (
	maxEventBytes       = 1 << 20
	maxEventEntries     = 256
	maxEventKeyLen      = 32
	maxEventTotalValues = 8 << 10
)

// EmitEventV3 validates, charges and records a CBOR-encoded ActorEvent
// (a list of [flags, key, codec, value] entries), as FVM v3 does.
func (k *Kernel) EmitEventV3(data []byte) error {
	if k.ReadOnly {
		return Errorf(ReadOnly, "cannot emit events while read-only")
	}
	if err := k.charge(k.prices().OnActorEventValidate(len(data))); err != nil {
		return err
	}
	if len(data) > maxEventBytes {
		return Errorf(IllegalArgument, "event too large: %d bytes", len(data))
	}
	entries, err := decodeActorEvent(data)
	if err != nil {
		return Errorf(IllegalArgument, "failed to decode actor event: %v", err)
	}
	if err := validateEventV3(entries); err != nil {
		return err
	}
	if err := k.charge(k.prices().OnActorEventAccept(len(data), 0, 0)); err != nil {
		return err
	}
	k.CM.EmitEvent(StampedEvent{Emitter: k.Receiver, Entries: entries})
	return nil
}

func validateEventV3(entries []EventEntry) error {
	if len(entries) > maxEventEntries {
		return Errorf(IllegalArgument, "event exceeded max entries: %d > %d", len(entries), maxEventEntries)
	}
	total := 0
	for _, e := range entries {
		if len(e.Key) > maxEventKeyLen {
			return Errorf(IllegalArgument, "event key exceeded max size: %d > %d", len(e.Key), maxEventKeyLen)
		}
		if e.Codec != CodecRaw {
			return Errorf(IllegalCodec, "event codec must be IPLD_RAW, was: %d", e.Codec)
		}
		total += len(e.Value)
	}
	if total > maxEventTotalValues {
		return Errorf(IllegalArgument, "total event value lengths exceeded the max size: %d > %d", total, maxEventTotalValues)
	}
	return nil
}

// decodeActorEvent reads [[flags, key, codec, value], ...].
func decodeActorEvent(data []byte) ([]EventEntry, error) {
	r := cbg.NewCborReader(bytes.NewReader(data))
	maj, n, err := r.ReadHeader()
	if err != nil {
		return nil, err
	}
	if maj != cbg.MajArray {
		return nil, fmt.Errorf("event is major type %d, not an array", maj)
	}
	if n > uint64(len(data)) {
		return nil, fmt.Errorf("event claims %d entries", n)
	}
	entries := make([]EventEntry, 0, n)
	for i := range n {
		var e EventEntry
		if maj, m, err := r.ReadHeader(); err != nil || maj != cbg.MajArray || m != 4 {
			return nil, fmt.Errorf("entry %d is not a 4-tuple", i)
		}
		if maj, v, err := r.ReadHeader(); err != nil || maj != cbg.MajUnsignedInt {
			return nil, fmt.Errorf("entry %d: flags", i)
		} else {
			e.Flags = v
		}
		if e.Key, err = cbg.ReadStringWithMax(r, maxEventBytes); err != nil {
			return nil, fmt.Errorf("entry %d: key: %w", i, err)
		}
		if maj, v, err := r.ReadHeader(); err != nil || maj != cbg.MajUnsignedInt {
			return nil, fmt.Errorf("entry %d: codec", i)
		} else {
			e.Codec = v
		}
		if e.Value, err = cbg.ReadByteArray(r, maxEventBytes); err != nil {
			return nil, fmt.Errorf("entry %d: value: %w", i, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// v4 event limits (ref-fvm v4 kernel/default.rs emit_event).
const (
	maxEventEntriesV4   = 255
	maxEventKeyLenV4    = 31
	maxEventValuesLenV4 = 8 << 10
	eventFlagsKnownV4   = 0b11 // FLAG_INDEXED_KEY | FLAG_INDEXED_VALUE
)

// EventHeader is one entry header of a v4 emit_event: its key and value are
// the next KeyLen and ValLen bytes of the key and value buffers.
type EventHeader struct {
	Flags  uint64
	Codec  uint64
	KeyLen uint32
	ValLen uint32
}

// EmitEventV4 validates, charges and records an event given as entry headers
// and concatenated keys and values (v4, FIP-0072). The whole charge comes
// before any validation; the checks run in the reference's order.
func (k *Kernel) EmitEventV4(headers []EventHeader, keys, values []byte) error {
	if k.ReadOnly {
		return Errorf(ReadOnly, "cannot emit events while read-only")
	}
	if err := k.charge(k.prices().OnActorEvent(len(headers), len(keys), len(values))); err != nil {
		return err
	}
	if len(headers) > maxEventEntriesV4 {
		return Errorf(LimitExceeded, "event exceeded max entries: %d > %d", len(headers), maxEventEntriesV4)
	}
	if len(values) > maxEventValuesLenV4 {
		return Errorf(LimitExceeded, "total event value lengths exceeded the max size: %d > %d", len(values), maxEventValuesLenV4)
	}
	if !utf8.Valid(keys) {
		return Errorf(IllegalArgument, "invalid event key: not utf-8")
	}
	entries := make([]EventEntry, 0, len(headers))
	keyOff, valOff := 0, 0
	for _, h := range headers {
		e, err := eventEntryV4(h, keys, values, keyOff, valOff)
		if err != nil {
			return err
		}
		keyOff += int(h.KeyLen)
		valOff += int(h.ValLen)
		entries = append(entries, e)
	}
	if keyOff != len(keys) {
		return Errorf(IllegalArgument, "event key buffer length is too large: %d < %d", keyOff, len(keys))
	}
	if valOff != len(values) {
		return Errorf(IllegalArgument, "event value buffer length is too large: %d < %d", valOff, len(values))
	}
	k.CM.EmitEvent(StampedEvent{Emitter: k.Receiver, Entries: entries})
	return nil
}

// eventEntryV4 checks one header against the buffers at the given offsets.
func eventEntryV4(h EventHeader, keys, values []byte, keyOff, valOff int) (EventEntry, error) {
	if h.Flags&^eventFlagsKnownV4 != 0 {
		return EventEntry{}, Errorf(IllegalArgument, "event flags are invalid: %d", h.Flags)
	}
	if h.KeyLen > maxEventKeyLenV4 {
		return EventEntry{}, Errorf(LimitExceeded, "event key exceeded max size: %d > %d", h.KeyLen, maxEventKeyLenV4)
	}
	// Quirk (ref-fvm v4 kernel/default.rs:1083): an oversized single value
	// is IllegalArgument (an overflow guard), unlike the LimitExceeded of an
	// oversized total.
	if h.ValLen > maxEventValuesLenV4 {
		return EventEntry{}, Errorf(IllegalArgument, "event entry value out of range")
	}
	keyEnd := keyOff + int(h.KeyLen)
	// The key is a sub-string of a UTF-8 string: both ends must be in range
	// and on character boundaries.
	if keyEnd > len(keys) || !runeBoundary(keys, keyOff) || !runeBoundary(keys, keyEnd) {
		return EventEntry{}, Errorf(IllegalArgument, "event entry key out of range")
	}
	valEnd := valOff + int(h.ValLen)
	if valEnd > len(values) {
		return EventEntry{}, Errorf(IllegalArgument, "event entry value out of range")
	}
	if h.Codec != CodecRaw && h.Codec != CodecCBOR {
		return EventEntry{}, Errorf(IllegalCodec, "event codec must be IPLD_RAW or CBOR, was: %d", h.Codec)
	}
	return EventEntry{
		Flags: h.Flags,
		Key:   string(keys[keyOff:keyEnd]),
		Codec: h.Codec,
		Value: append([]byte{}, values[valOff:valEnd]...),
	}, nil
}

// runeBoundary reports whether i (≤ len(s)) starts a character of the valid
// UTF-8 string s, or is its end.
func runeBoundary(s []byte, i int) bool {
	return i == len(s) || utf8.RuneStart(s[i])
}
