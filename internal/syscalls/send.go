package syscalls

import (
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

// sendFlagReadOnly is the only send flag.
const sendFlagReadOnly = 1

func sendModule() engine.HostModule {
	return module("send",
		syscall{name: "send", params: []api.ValueType{i32, i32, i64, i32, i64, i64, i64, i64}, ret: SendSize, fn: sendSend},
	)
}

func sendSend(c *call, a []uint64) ([]byte, error) {
	to, err := c.mem.ReadAddress(u32(a[0]), u32(a[1]))
	if err != nil {
		return nil, err
	}
	value := TokenAmount{Hi: a[4], Lo: a[5]}.Big()
	var limit *gas.Gas
	if l, ok := gas.SendGasLimit(a[6]); ok {
		limit = &l
	}
	flags := a[7]
	if flags&^sendFlagReadOnly != 0 {
		return nil, kernel.Errorf(kernel.IllegalArgument, "invalid send flags: %d", flags)
	}
	code, id, stat, err := c.k.Send(c.ctx, to, abi.MethodNum(a[2]), u32(a[3]), value, limit, flags&sendFlagReadOnly != 0)
	if err != nil {
		return nil, err
	}
	return Send{ExitCode: uint32(code), ReturnID: id, ReturnCodec: stat.Codec, ReturnSize: stat.Size}.Bytes(), nil
}
