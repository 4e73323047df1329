package syscalls

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
)

// selfModule is the self namespace with a version's self_destruct.
func selfModule(destruct syscall) engine.HostModule {
	return module("self",
		syscall{name: "root", params: []api.ValueType{i32, i32}, ret: 4, fn: selfRoot},
		syscall{name: "set_root", params: []api.ValueType{i32}, fn: selfSetRoot},
		syscall{name: "current_balance", ret: TokenAmountSize, fn: selfCurrentBalance},
		destruct,
	)
}

func selfRoot(c *call, a []uint64) ([]byte, error) {
	off, n := u32(a[0]), u32(a[1])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	root, err := c.k.Root(c.ctx)
	if err != nil {
		return nil, err
	}
	l, err := c.mem.WriteCID(off, n, root)
	if err != nil {
		return nil, err
	}
	return le32(l), nil
}

func selfSetRoot(c *call, a []uint64) ([]byte, error) {
	root, err := c.mem.ReadCID(u32(a[0]))
	if err != nil {
		return nil, err
	}
	return nil, c.k.SetRoot(c.ctx, root)
}

func selfCurrentBalance(c *call, _ []uint64) ([]byte, error) {
	bal, err := c.k.CurrentBalance(c.ctx)
	if err != nil {
		return nil, err
	}
	t, err := tokenAmount(bal)
	if err != nil {
		return nil, err
	}
	return t.Bytes(), nil
}

func selfDestructV3Syscall() syscall {
	return syscall{name: "self_destruct", params: []api.ValueType{i32, i32}, fn: selfDestructV3}
}

// selfDestructV4Syscall takes burn_unspent (any non-zero value is true).
func selfDestructV4Syscall() syscall {
	return syscall{name: "self_destruct", params: []api.ValueType{i32}, fn: func(c *call, a []uint64) ([]byte, error) {
		return nil, c.k.SelfDestructV4(c.ctx, u32(a[0]) > 0)
	}}
}

func selfDestructV3(c *call, a []uint64) ([]byte, error) {
	beneficiary, err := c.mem.ReadAddress(u32(a[0]), u32(a[1]))
	if err != nil {
		return nil, err
	}
	return nil, c.k.SelfDestructV3(c.ctx, beneficiary)
}
