package syscalls_test

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/filecoin-project/go-state-types/big"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/syscalls"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

// Layout of the fuzz actor's memory: the params block (the fuzz payload) is
// copied to [0, payloadLen); the syscall's arguments are read from argsOff
// (8 bytes each, little-endian), so they can point anywhere in the payload,
// or past the end of memory.
const (
	payloadLen = 60_000
	argsOff    = payloadLen - 8*16
	readRet    = payloadLen + 16
)

// fuzzModule assembles an actor that copies its params into memory with
// ipld.block_read and then calls mod.fn with arguments loaded from memory.
func fuzzModule(mod string, fn engine.HostFunc) []byte {
	const (
		tI32, tI64, tFn = 0x7f, 0x7e, 0x60
		opI64Load       = 0x29
	)
	vt := func(ts []api.ValueType) []byte {
		b := uleb(uint64(len(ts)))
		for _, t := range ts {
			b = append(b, byte(t))
		}
		return b
	}
	types := vec(
		cat([]byte{tFn}, vt([]api.ValueType{api.ValueTypeI32}), vt([]api.ValueType{api.ValueTypeI32})), // 0: invoke
		cat([]byte{tFn, 5, tI32, tI32, tI32, tI32, tI32, 1, tI32}),                                     // 1: block_read
		cat([]byte{tFn}, vt(fn.Params), vt(fn.Results)),                                                // 2: target
	)
	imports := vec(
		cat(name("ipld"), name("block_read"), []byte{0, 1}),
		cat(name(mod), name(fn.Name), []byte{0, 2}),
	)
	body := cat(i32c(readRet), []byte{0x20, 0}, i32c(0), i32c(0), i32c(payloadLen), call(0), []byte{opDrop})
	for i, p := range fn.Params {
		body = append(body, i32c(int64(argsOff+8*i))...)
		if p == api.ValueTypeI64 {
			body = append(body, opI64Load, 3, 0)
		} else {
			body = append(body, opI32Load, 2, 0)
		}
	}
	body = cat(body, call(1), []byte{opDrop}, i32c(0))
	code := cat([]byte{0}, body, []byte{opEnd})
	return cat(
		[]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		section(1, types),
		section(2, imports),
		section(3, vec([]byte{0})),
		section(5, vec([]byte{0, 1})),
		section(7, vec(cat(name("invoke"), []byte{0, 2}), cat(name("memory"), []byte{2, 0}))),
		section(10, vec(cat(uleb(uint64(len(code))), code))),
	)
}

// FuzzSyscallArgs calls every v3 syscall with arbitrary arguments over
// arbitrary memory. Whatever the input, a syscall returns an error number,
// exits, runs out of gas or fails as the FVM's own rules say: never a Go
// panic (which the engine would turn into a fatal outcome naming it).
func FuzzSyscallArgs(f *testing.F) {
	mods, err := syscalls.HostModules(3)
	if err != nil {
		f.Fatal(err)
	}
	type target struct {
		mod string
		fn  engine.HostFunc
	}
	var targets []target
	for _, m := range mods {
		for _, fn := range m.Funcs {
			targets = append(targets, target{m.Name, fn})
		}
	}
	codes := make([][]byte, len(targets))
	for i, t := range targets {
		codes[i] = fuzzModule(t.mod, t.fn)
	}
	w := newWasmWorld(f, codes...)

	seed := make([]byte, payloadLen)
	for i := range targets {
		f.Add(uint8(i), seed[:argsOff+64])
	}
	args := make([]byte, payloadLen)
	binary.LittleEndian.PutUint64(args[argsOff:], 16)
	binary.LittleEndian.PutUint64(args[argsOff+8:], 32)
	binary.LittleEndian.PutUint64(args[argsOff+16:], 0xffff_fff0)
	for i := range targets {
		f.Add(uint8(i), args)
	}
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		if len(payload) > payloadLen {
			payload = payload[:payloadLen]
		}
		i := int(which) % len(targets)
		msg := w.Message()
		msg.Receiver = idWasm + uint64(i)
		tr := gas.NewGasTracker(gas.NewGas(10_000_000_000), gas.ZeroGas)
		cm := callmanager.New(w.M, tr, msg, w.inv)
		params := &kernel.Block{Codec: kernel.CodecRaw, Data: payload}
		_, err := cm.Send(context.Background(), testworld.IDRich, testworld.IDAddr(idWasm+uint64(i)), 2, params, big.Zero(), nil, false)
		if err != nil && strings.Contains(err.Error(), "panic") {
			t.Fatalf("%s.%s panicked: %v", targets[i].mod, targets[i].fn.Name, err)
		}
		if w.M.Tree.InTransaction() {
			t.Fatalf("%s.%s left a transaction open", targets[i].mod, targets[i].fn.Name)
		}
	})
}
