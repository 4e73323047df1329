package syscalls

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

// eventModuleV3 takes a CBOR-encoded ActorEvent.
func eventModuleV3() engine.HostModule {
	return module("event",
		syscall{name: "emit_event", params: []api.ValueType{i32, i32}, fn: func(c *call, a []uint64) ([]byte, error) {
			data, err := c.mem.ReadBytes(u32(a[0]), u32(a[1]))
			if err != nil {
				return nil, err
			}
			return nil, c.k.EmitEventV3(data)
		}},
	)
}

// eventModuleV4 takes entry headers and separate key and value buffers
// (FIP-0072). Every buffer is bounds-checked before the kernel runs.
func eventModuleV4() engine.HostModule {
	return module("event",
		syscall{name: "emit_event", params: []api.ValueType{i32, i32, i32, i32, i32, i32}, fn: emitEventV4},
	)
}

func emitEventV4(c *call, a []uint64) ([]byte, error) {
	entries, err := c.mem.ReadEventEntries(u32(a[0]), u32(a[1]))
	if err != nil {
		return nil, err
	}
	keys, err := c.mem.TryBytes(u32(a[2]), u32(a[3]))
	if err != nil {
		return nil, err
	}
	values, err := c.mem.TryBytes(u32(a[4]), u32(a[5]))
	if err != nil {
		return nil, err
	}
	headers := make([]kernel.EventHeader, len(entries))
	for i, e := range entries {
		headers[i] = kernel.EventHeader{Flags: e.Flags, Codec: e.Codec, KeyLen: e.KeyLen, ValLen: e.ValLen}
	}
	return nil, c.k.EmitEventV4(headers, keys, values)
}
