package syscalls

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/engine"
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
