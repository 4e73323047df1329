package syscalls

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

func ipldModule() engine.HostModule {
	return module("ipld",
		syscall{name: "block_open", params: []api.ValueType{i32}, ret: IpldOpenSize, fn: ipldBlockOpen},
		syscall{name: "block_create", params: []api.ValueType{i64, i32, i32}, ret: 4, fn: ipldBlockCreate},
		syscall{name: "block_read", params: []api.ValueType{i32, i32, i32, i32}, ret: 4, fn: ipldBlockRead},
		syscall{name: "block_stat", params: []api.ValueType{i32}, ret: IpldStatSize, fn: ipldBlockStat},
		syscall{name: "block_link", params: []api.ValueType{i32, i64, i32, i32, i32}, ret: 4, fn: ipldBlockLink},
	)
}

func ipldBlockOpen(c *call, a []uint64) ([]byte, error) {
	k, err := c.mem.ReadCID(u32(a[0]))
	if err != nil {
		return nil, err
	}
	id, stat, err := c.k.BlockOpen(c.ctx, k)
	if err != nil {
		return nil, err
	}
	return IpldOpen{Codec: stat.Codec, ID: id, Size: stat.Size}.Bytes(), nil
}

func ipldBlockCreate(c *call, a []uint64) ([]byte, error) {
	data, err := c.mem.TryBytes(u32(a[1]), u32(a[2]))
	if err != nil {
		return nil, err
	}
	// The kernel keeps the data, so it gets a copy, except when it is larger
	// than any block may be: the kernel refuses it first thing (keeping
	// nothing), and copying up to 4 GiB of memory to refuse it would cost far
	// more time than its gas.
	if len(data) <= kernel.MaxBlockSize {
		data = append([]byte{}, data...)
	}
	id, err := c.k.BlockCreate(a[0], data)
	if err != nil {
		return nil, err
	}
	return le32(id), nil
}

func ipldBlockRead(c *call, a []uint64) ([]byte, error) {
	buf, err := c.mem.TryBytes(u32(a[2]), u32(a[3]))
	if err != nil {
		return nil, err
	}
	rem, err := c.k.BlockRead(u32(a[0]), u32(a[1]), buf)
	if err != nil {
		return nil, err
	}
	return le32(uint32(rem)), nil
}

func ipldBlockStat(c *call, a []uint64) ([]byte, error) {
	stat, err := c.k.BlockStat(u32(a[0]))
	if err != nil {
		return nil, err
	}
	return IpldStat{Codec: stat.Codec, Size: stat.Size}.Bytes(), nil
}

func ipldBlockLink(c *call, a []uint64) ([]byte, error) {
	off, n := u32(a[3]), u32(a[4])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	link, err := c.k.BlockLink(c.ctx, u32(a[0]), a[1], u32(a[2]))
	if err != nil {
		return nil, err
	}
	l, err := c.mem.WriteCID(off, n, link)
	if err != nil {
		return nil, err
	}
	return le32(l), nil
}
