package syscalls

import (
	"github.com/filecoin-project/go-address"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

// addressLen is the length of the f2 addresses next_actor_address returns.
const addressLen = 21

func actorModule() engine.HostModule {
	return module("actor",
		syscall{name: "resolve_address", params: []api.ValueType{i32, i32}, ret: 8, fn: actorResolveAddress},
		syscall{name: "lookup_delegated_address", params: []api.ValueType{i64, i32, i32}, ret: 4, fn: actorLookupDelegatedAddress},
		syscall{name: "get_actor_code_cid", params: []api.ValueType{i64, i32, i32}, ret: 4, fn: actorGetActorCodeCID},
		syscall{name: "next_actor_address", params: []api.ValueType{i32, i32}, ret: 4, fn: actorNextActorAddress},
		syscall{name: "create_actor", params: []api.ValueType{i64, i32, i32, i32}, fn: actorCreateActor},
		syscall{name: "get_builtin_actor_type", params: []api.ValueType{i32}, ret: 4, fn: actorGetBuiltinActorType},
		syscall{name: "get_code_cid_for_type", params: []api.ValueType{i32, i32, i32}, ret: 4, fn: actorGetCodeCIDForType},
		syscall{name: "balance_of", params: []api.ValueType{i64}, ret: TokenAmountSize, fn: actorBalanceOf},
	)
}

func actorResolveAddress(c *call, a []uint64) ([]byte, error) {
	addr, err := c.mem.ReadAddress(u32(a[0]), u32(a[1]))
	if err != nil {
		return nil, err
	}
	id, err := c.k.ResolveAddress(c.ctx, addr)
	if err != nil {
		return nil, err
	}
	return le64(id), nil
}

// writeAddress writes an address into (off, n): BufferTooSmall if it does not fit.
func writeAddress(c *call, off, n uint32, addr address.Address) ([]byte, error) {
	b := addr.Bytes()
	if uint32(len(b)) > n {
		return nil, kernel.Errorf(kernel.BufferTooSmall, "address output buffer is too small (%d < %d)", n, len(b))
	}
	if err := c.mem.WriteBytes(off, b); err != nil {
		return nil, err
	}
	return le32(uint32(len(b))), nil
}

func actorLookupDelegatedAddress(c *call, a []uint64) ([]byte, error) {
	off, n := u32(a[1]), u32(a[2])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	addr, err := c.k.LookupDelegatedAddress(c.ctx, a[0])
	if err != nil {
		return nil, err
	}
	if addr == nil {
		return le32(0), nil
	}
	return writeAddress(c, off, n, *addr)
}

func actorGetActorCodeCID(c *call, a []uint64) ([]byte, error) {
	off, n := u32(a[1]), u32(a[2])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	code, err := c.k.ActorCodeCID(c.ctx, a[0])
	if err != nil {
		return nil, err
	}
	l, err := c.mem.WriteCID(off, n, code)
	if err != nil {
		return nil, err
	}
	return le32(l), nil
}

func actorNextActorAddress(c *call, a []uint64) ([]byte, error) {
	off, n := u32(a[0]), u32(a[1])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	if n < addressLen {
		return nil, kernel.Errorf(kernel.BufferTooSmall, "next actor address buffer is too small")
	}
	addr, err := c.k.NextActorAddress()
	if err != nil {
		return nil, err
	}
	return writeAddress(c, off, n, addr)
}

func actorCreateActor(c *call, a []uint64) ([]byte, error) {
	code, err := c.mem.ReadCID(u32(a[1]))
	if err != nil {
		return nil, err
	}
	var delegated *address.Address
	if u32(a[3]) > 0 {
		d, err := c.mem.ReadAddress(u32(a[2]), u32(a[3]))
		if err != nil {
			return nil, err
		}
		delegated = &d
	}
	return nil, c.k.CreateActor(c.ctx, code, a[0], delegated)
}

func actorGetBuiltinActorType(c *call, a []uint64) ([]byte, error) {
	code, err := c.mem.ReadCID(u32(a[0]))
	if err != nil {
		return nil, err
	}
	t, err := c.k.BuiltinActorType(code)
	if err != nil {
		return nil, err
	}
	return le32(uint32(t)), nil
}

func actorGetCodeCIDForType(c *call, a []uint64) ([]byte, error) {
	off, n := u32(a[1]), u32(a[2])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	code, err := c.k.CodeCIDForType(u32(a[0]))
	if err != nil {
		return nil, err
	}
	l, err := c.mem.WriteCID(off, n, code)
	if err != nil {
		return nil, err
	}
	return le32(l), nil
}

func actorBalanceOf(c *call, a []uint64) ([]byte, error) {
	bal, err := c.k.BalanceOf(c.ctx, a[0])
	if err != nil {
		return nil, err
	}
	t, err := tokenAmount(bal)
	if err != nil {
		return nil, err
	}
	return t.Bytes(), nil
}
