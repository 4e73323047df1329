package syscalls

import (
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
)

// randModuleV3 is the v3 randomness namespace: the kernel draws the value
// from (personalisation, round, entropy).
func randModuleV3() engine.HostModule {
	params := []api.ValueType{i64, i64, i32, i32}
	return module("rand",
		syscall{name: "get_chain_randomness", params: params, ret: 32, fn: randomnessV3(false)},
		syscall{name: "get_beacon_randomness", params: params, ret: 32, fn: randomnessV3(true)},
	)
}

func randomnessV3(beacon bool) handler {
	return func(c *call, a []uint64) ([]byte, error) {
		entropy, err := c.mem.TryBytes(u32(a[2]), u32(a[3]))
		if err != nil {
			return nil, err
		}
		r, err := c.k.Randomness(c.ctx, beacon, int64(a[0]), abi.ChainEpoch(int64(a[1])), entropy)
		if err != nil {
			return nil, err
		}
		return r[:], nil
	}
}

// randModuleV4 is the v4 randomness namespace: the epoch in, the host's raw
// digest out (the actor draws from it itself).
func randModuleV4() engine.HostModule {
	params := []api.ValueType{i64}
	return module("rand",
		syscall{name: "get_chain_randomness", params: params, ret: 32, fn: randomnessV4(false)},
		syscall{name: "get_beacon_randomness", params: params, ret: 32, fn: randomnessV4(true)},
	)
}

func randomnessV4(beacon bool) handler {
	return func(c *call, a []uint64) ([]byte, error) {
		r, err := c.k.RandomnessV4(c.ctx, beacon, abi.ChainEpoch(int64(a[0])))
		if err != nil {
			return nil, err
		}
		return r[:], nil
	}
}
