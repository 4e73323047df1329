package syscalls_test

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/state"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

// A tiny hand-assembled Wasm actor. Function indices: the four imports,
// then invoke.
const (
	fnAvailable    = 0 // gas.available(ret) -> errno; writes u64 whole gas
	fnMessageCtx   = 1 // vm.message_context(ret) -> errno; writes 80 bytes
	fnBlockCreate  = 2 // ipld.block_create(ret, codec i64, off, len) -> errno; writes u32 id
	fnGasCharge    = 3 // gas.charge(name_off, name_len, amount i64) -> errno
	fnExit         = 4 // vm.exit(code, blk, msg_off, msg_len) -> never returns
	fnSend         = 5 // send.send(ret, to_off, to_len, method i64, params, hi i64, lo i64, limit i64, flags i64) -> errno
	opUnreachable  = 0x00
	opLoop         = 0x03
	opEnd          = 0x0b
	opCall         = 0x10
	opDrop         = 0x1a
	opI32Load      = 0x28
	opI32Store     = 0x36
	opI32Const     = 0x41
	opI64Const     = 0x42
	blockTypeEmpty = 0x40
	memorySize     = 65536 // one page
)

func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func vec(items ...[]byte) []byte {
	b := uleb(uint64(len(items)))
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

func name(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func section(id byte, body []byte) []byte {
	return append(append([]byte{id}, uleb(uint64(len(body)))...), body...)
}

func i32c(v int64) []byte { return append([]byte{opI32Const}, sleb(v)...) }
func i64c(v int64) []byte { return append([]byte{opI64Const}, sleb(v)...) }
func call(f byte) []byte  { return []byte{opCall, f} }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// actorModule assembles a module exporting memory (one page) and
// invoke(params i32) -> i32 (function 6) with the given body (which must
// leave an i32).
func actorModule(body []byte) []byte {
	const (
		i32, i64, fn = 0x7f, 0x7e, 0x60
	)
	types := vec(
		[]byte{fn, 1, i32, 1, i32},                                         // 0: (i32) -> i32
		[]byte{fn, 4, i32, i64, i32, i32, 1, i32},                          // 1: (i32, i64, i32, i32) -> i32
		[]byte{fn, 3, i32, i32, i64, 1, i32},                               // 2: (i32, i32, i64) -> i32
		[]byte{fn, 4, i32, i32, i32, i32, 1, i32},                          // 3: (i32, i32, i32, i32) -> i32
		[]byte{fn, 9, i32, i32, i32, i64, i32, i64, i64, i64, i64, 1, i32}, // 4: send
	)
	imports := vec(
		cat(name("gas"), name("available"), []byte{0, 0}),
		cat(name("vm"), name("message_context"), []byte{0, 0}),
		cat(name("ipld"), name("block_create"), []byte{0, 1}),
		cat(name("gas"), name("charge"), []byte{0, 2}),
		cat(name("vm"), name("exit"), []byte{0, 3}),
		cat(name("send"), name("send"), []byte{0, 4}),
	)
	code := cat([]byte{0}, body, []byte{opEnd}) // no locals
	return cat(
		[]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		section(1, types),
		section(2, imports),
		section(3, vec([]byte{0})),
		section(5, vec([]byte{0, 1})), // memory: min 1 page, no max
		section(7, vec(cat(name("invoke"), []byte{0, 6}), cat(name("memory"), []byte{2, 0}))),
		section(10, vec(cat(uleb(uint64(len(code))), code))),
	)
}

// returnMemory ends invoke by returning memory[0:n] as a raw block.
func returnMemory(n int64) []byte {
	return cat(i32c(200), i64c(0x55), i32c(0), i32c(n), call(fnBlockCreate), []byte{opDrop},
		i32c(200), []byte{opI32Load, 2, 0})
}

// wasmWorld is a world with a Wasm actor (id 200) running code.
type wasmWorld struct {
	*world
	inv *callmanager.WasmInvoker
}

const idWasm = 200

// newWasmWorld installs codes[i] as actor idWasm+i.
func newWasmWorld(t testing.TB, codes ...[]byte) *wasmWorld {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t)
	for i, code := range codes {
		c, err := cid.V1Builder{Codec: cid.Raw, MhType: multihash.BLAKE2B_MIN + 31}.Sum(code)
		if err != nil {
			t.Fatal(err)
		}
		blk, err := blocks.NewBlockWithCid(code, c)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.M.Blocks.Put(ctx, blk); err != nil {
			t.Fatal(err)
		}
		w.M.Tree.SetActor(idWasm+uint64(i), &state.ActorState{Code: c, Head: state.EmptyArrayCID, Balance: big.Zero()})
	}
	dir, err := engine.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ctx, engine.Config{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(ctx) })
	inv, err := callmanager.NewWasmInvoker(ctx, eng, 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inv.Close(ctx) })
	return &wasmWorld{world: w, inv: inv}
}

// run sends method 2 from the rich account to the Wasm actor and returns
// the call's result and the call manager.
func (w *wasmWorld) run(t *testing.T, limit uint64) (callmanager.Result, error, *gas.GasTracker) {
	t.Helper()
	msg := w.Message()
	msg.Receiver = idWasm
	tr := gas.NewGasTracker(gas.NewGas(limit), gas.ZeroGas)
	cm := callmanager.New(w.M, tr, msg, w.inv)
	to := testworld.IDAddr(idWasm)
	res, err := cm.Send(context.Background(), testworld.IDRich, to, 2, nil, big.Zero(), nil, false)
	return res, err, tr
}

func u64at(b []byte, off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }

// The quirk of syscalls.md §1.5: a value syscall whose return slot is out
// of bounds returns IllegalArgument without resynchronising the gas
// counter, so the next syscall charges the same stretch of Wasm again.
//
// The body is laid out so that the metered costs are known:
//
//	S1: available -> mem[0]        (start segment: charged on entry)
//	S2: available -> mem[8]        (same segment: no Wasm runs in between)
//	loop: 25 × (i32.const 0; drop) (own metered block: 25 × 4 gas = 100 gas,
//	                                drop and end are free)
//	M:  message_context(P), errno -> mem[16]
//	S3: available -> mem[24]
//	    message_context(40)        (80 bytes at mem[40])
//
// Every syscall charges the Wasm run since the last resync, then 14,000
// (OnSyscall); message_context and available cost nothing more in Hygge.
// So mem[0] − mem[8] = 14,000, and mem[8] − mem[24] is
//
//	good P: 100 (loop, charged by M) + 14,000 (M) + 0 + 14,000 (S3) = 28,100
//	bad P:  100 (M) + 14,000 + 100 again (S3, counter not resynced) + 14,000 = 28,200
func TestBadReturnSlotSkipsGasResync(t *testing.T) {
	const loopBody = 25
	body := func(p int64) []byte {
		var loop []byte
		for i := 0; i < loopBody; i++ {
			loop = append(loop, cat(i32c(0), []byte{opDrop})...)
		}
		return cat(
			i32c(0), call(fnAvailable), []byte{opDrop},
			i32c(8), call(fnAvailable), []byte{opDrop},
			[]byte{opLoop, blockTypeEmpty}, loop, []byte{opEnd},
			i32c(16), i32c(p), call(fnMessageCtx), []byte{opI32Store, 2, 0},
			i32c(24), call(fnAvailable), []byte{opDrop},
			i32c(40), call(fnMessageCtx), []byte{opDrop},
			returnMemory(120),
		)
	}
	for _, tc := range []struct {
		name  string
		p     int64
		errno uint32
		delta uint64
	}{
		{"last fitting slot", memorySize - 80, 0, 28_100},
		{"one byte short", memorySize - 79, 1, 28_200},
		{"past the end", memorySize + 8, 1, 28_200},
		{"huge", -8, 1, 28_200}, // 0xfffffff8 as u32
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWasmWorld(t, actorModule(body(tc.p)))
			res, err, _ := w.run(t, 100_000_000)
			if err != nil || res.ExitCode != 0 || res.Return == nil || len(res.Return.Data) != 120 {
				t.Fatalf("call: %+v %v", res, err)
			}
			mem := res.Return.Data
			a1, a2, a3 := u64at(mem, 0), u64at(mem, 8), u64at(mem, 24)
			if a1-a2 != 14_000 {
				t.Errorf("back-to-back syscalls differ by %d gas, want 14,000", a1-a2)
			}
			if errno := binary.LittleEndian.Uint32(mem[16:]); errno != tc.errno {
				t.Errorf("errno %d, want %d", errno, tc.errno)
			}
			if a2-a3 != tc.delta {
				t.Errorf("gas across the middle syscall %d, want %d", a2-a3, tc.delta)
			}
			// The message context (syscalls.md §1.5 layout): origin 100,
			// nonce 7, caller 100, receiver 200, method 2, no value, premium
			// 0, flags 0.
			mc := mem[40:120]
			for off, want := range map[int]uint64{0: testworld.IDRich, 8: 7, 16: testworld.IDRich, 24: idWasm, 32: 2, 40: 0, 48: 0, 56: 0, 64: 0, 72: 0} {
				if got := u64at(mc, off); got != want {
					t.Errorf("message context at %d: %d, want %d", off, got, want)
				}
			}
		})
	}
}

// Syscall errors are error numbers the actor sees; out of gas inside a
// syscall aborts the invocation.
func TestErrorNumbersAndAborts(t *testing.T) {
	t.Run("error number", func(t *testing.T) {
		// gas.charge with a name outside memory: IllegalArgument (1).
		body := cat(i32c(0), i32c(memorySize), i32c(1), i64c(5), call(fnGasCharge), []byte{opI32Store, 2, 0},
			returnMemory(4))
		w := newWasmWorld(t, actorModule(body))
		res, err, _ := w.run(t, 100_000_000)
		if err != nil || res.ExitCode != 0 || res.Return == nil {
			t.Fatalf("call: %+v %v", res, err)
		}
		if errno := binary.LittleEndian.Uint32(res.Return.Data); errno != 1 {
			t.Errorf("errno %d, want 1 (IllegalArgument)", errno)
		}
	})
	t.Run("out of gas", func(t *testing.T) {
		// gas.charge of more than the limit: the invocation aborts with out
		// of gas and the whole limit is used.
		body := cat(i32c(0), i32c(1), i64c(1<<40), call(fnGasCharge), []byte{opDrop}, i32c(0))
		w := newWasmWorld(t, actorModule(body))
		const limit = 10_000_000
		_, err, tr := w.run(t, limit)
		if !errors.Is(err, gas.ErrOutOfGas) {
			t.Fatalf("error %v, want out of gas", err)
		}
		if tr.GasUsed() != gas.NewGas(limit) {
			t.Errorf("gas used %s, want the whole limit", tr.GasUsed())
		}
	})
	t.Run("out of gas in OnSyscall", func(t *testing.T) {
		// Not even the 14,000 of the syscall fits: the syscall aborts before
		// its handler runs. The limit covers the invocation (75,000), one
		// page of memory (0.4 × 65,536 = 26,214.4) and a little Wasm.
		body := cat(i32c(0), call(fnAvailable), []byte{opDrop}, i32c(0))
		w := newWasmWorld(t, actorModule(body))
		const limit = 75_000 + 26_215 + 1_000
		_, err, tr := w.run(t, limit)
		if !errors.Is(err, gas.ErrOutOfGas) || tr.GasAvailable() != gas.ZeroGas {
			t.Fatalf("error %v, available %s; want out of gas and nothing left", err, tr.GasAvailable())
		}
		// With 14,000 more it was the syscall charge that did not fit: the
		// same call now succeeds.
		if res, err, _ := w.run(t, limit+14_000); err != nil || res.ExitCode != 0 {
			t.Fatalf("with 14,000 more gas: %+v %v", res, err)
		}
	})
}

// A fatal error in a callee aborts the whole message, even when what made it
// fatal was a syscall-level problem: here the callee exits with a block id
// that does not exist (fatal in ref-fvm, syscalls.md §4.3). The caller must
// not see it as an error number from send.
func TestFatalCalleeIsNotAnErrorNumber(t *testing.T) {
	// Callee (201): vm.exit(16, block 99, no message).
	callee := cat(i32c(16), i32c(99), i32c(0), i32c(0), call(fnExit), []byte{opUnreachable})
	// Caller (200): f0201 (bytes 00 c9 01) at mem[64]; send(ret 0, to, method 2,
	// no params, no value, no gas limit (u64::MAX), no flags); errno at 32;
	// return mem[0:40].
	caller := cat(
		i32c(64), i32c(0x01c900), []byte{opI32Store, 2, 0},
		i32c(32),
		i32c(0), i32c(64), i32c(3), i64c(2), i32c(0), i64c(0), i64c(0), i64c(-1), i64c(0), call(fnSend),
		[]byte{opI32Store, 2, 0},
		returnMemory(40),
	)
	w := newWasmWorld(t, actorModule(caller), actorModule(callee))
	res, err, _ := w.run(t, 100_000_000)
	if err == nil {
		errno := uint32(0)
		if res.Return != nil {
			errno = binary.LittleEndian.Uint32(res.Return.Data[32:])
		}
		t.Fatalf("the caller carried on (result %+v, send errno %d); want a fatal error", res, errno)
	}
	if callmanager.ErrorExitCode(err) != exitcode.SysErrFatal || !kernel.IsFatal(err) {
		t.Errorf("error %v: exit %d fatal %v, want a fatal SYS_ASSERTION_FAILED", err, callmanager.ErrorExitCode(err), kernel.IsFatal(err))
	}
}
