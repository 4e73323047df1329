package kernel

import (
	"bytes"
	"fmt"

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
