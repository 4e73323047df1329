package syscalls

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/gas"
)

func gasModule() engine.HostModule {
	return module(engine.GasModule,
		syscall{name: "charge", params: []api.ValueType{i32, i32, i64}, fn: gasCharge},
		syscall{name: "available", ret: 8, fn: gasAvailable},
	)
}

func gasCharge(c *call, a []uint64) ([]byte, error) {
	name, err := c.mem.ReadString(u32(a[0]), u32(a[1]))
	if err != nil {
		return nil, err
	}
	return nil, c.k.ChargeGas(name, gas.NewGas(a[2]))
}

func gasAvailable(c *call, _ []uint64) ([]byte, error) {
	return le64(c.k.GasAvailable().RoundDown()), nil
}
