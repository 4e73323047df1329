package hostile

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/exitcode"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/executor"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

const (
	kib = 1 << 10
	mib = 1 << 20
)

// Exit codes of the EVM actor (builtin-actors evm).
const (
	evmContractReverted = exitcode.ExitCode(33)
)

// hostileCase is one message of the corpus.
type hostileCase struct {
	name string
	// msg builds the message: full is the benchmark's size (close to the
	// block gas limit); otherwise a smaller one for the tests where the case
	// allows it.
	msg func(tb testing.TB, w *world, full bool) (to address.Address, method abi.MethodNum, params []byte)
	// exit is the expected exit code.
	exit exitcode.ExitCode
	// ret, when set, is the expected EVM return value (a 32-byte word), for
	// the given size.
	ret func(full bool) uint64
}

// pick returns full or small.
func pick(full bool, big, small uint64) uint64 {
	if full {
		return big
	}
	return small
}

// contractCall makes a hostileCase message calling a Hostile function.
func contractCall(sig string, args func(full bool) []uint64) func(testing.TB, *world, bool) (address.Address, abi.MethodNum, []byte) {
	return func(tb testing.TB, w *world, full bool) (address.Address, abi.MethodNum, []byte) {
		return w.contract, evmInvokeContract, cborBytes(w.calldata(tb, sig, args(full)...))
	}
}

func fixed(v uint64) func(bool) uint64 { return func(bool) uint64 { return v } }

// corpus is the hostile-message corpus. Sizes: the full messages use close
// to the block gas limit (10B); exit codes and results were observed with
// go-fvm on actors v17 and follow from the actors' and the FVM's limits
// (noted per case).
var corpus = []hostileCase{
	{
		name: "grow-64MiB", exit: exitcode.Ok, ret: fixed(64 * mib),
		msg: contractCall("grow(uint256)", func(bool) []uint64 { return []uint64{64 * mib} }),
	},
	{
		name: "grow-256MiB", exit: exitcode.Ok, ret: fixed(256 * mib),
		msg: contractCall("grow(uint256)", func(bool) []uint64 { return []uint64{256 * mib} }),
	},
	{
		// Each level grows 400 MiB of EVM memory in a new instance: five
		// levels fit the 2 GiB call-stack cap, the sixth fails (and is
		// caught), so every round does 5 levels.
		name: "tree-400MiB-per-level", exit: exitcode.Ok,
		msg: contractCall("tree(uint256,uint256,uint256)", func(full bool) []uint64 { return []uint64{8, 400 * mib, pick(full, 5, 1)} }),
		ret: func(full bool) uint64 { return 5 * pick(full, 5, 1) },
	},
	{
		// The largest return that fits a 1 MiB block with its CBOR header,
		// repeated.
		name: "return-1MiB-loop", exit: exitcode.Ok,
		msg: contractCall("bounce(uint256,uint256,bool)", func(full bool) []uint64 { return []uint64{1_048_000, pick(full, 300, 3), 0} }),
		ret: func(full bool) uint64 { return 1_048_000 * pick(full, 300, 3) },
	},
	{
		// A 128 MiB return does not fit a block: each call fails after
		// growing its memory, and returns nothing.
		name: "return-128MiB-loop", exit: exitcode.Ok, ret: fixed(0),
		msg: contractCall("bounce(uint256,uint256,bool)", func(full bool) []uint64 { return []uint64{128 * mib, pick(full, 24, 1), 0} }),
	},
	{
		name: "revert-1MiB-loop", exit: exitcode.Ok,
		msg: contractCall("bounce(uint256,uint256,bool)", func(full bool) []uint64 { return []uint64{1_048_000, pick(full, 300, 3), 1} }),
		ret: func(full bool) uint64 { return 1_048_000 * pick(full, 300, 3) },
	},
	{
		name: "revert-16MiB-loop", exit: exitcode.Ok, ret: fixed(0),
		msg: contractCall("bounce(uint256,uint256,bool)", func(full bool) []uint64 { return []uint64{16 * mib, pick(full, 200, 2), 1} }),
	},
	{
		// Revert data past the 1 MiB block limit: the EVM actor cannot
		// create its return block and fails with USR_ASSERTION_FAILED.
		name: "revert-16MiB", exit: exitcode.ErrAssertionFailed,
		msg: contractCall("rev(uint256)", func(bool) []uint64 { return []uint64{16 * mib} }),
	},
	{
		// 8,000 bytes of data and four topics: just under the 8 KiB of
		// values an event may carry.
		name: "events-8KB", exit: exitcode.Ok,
		msg: contractCall("logs(uint256,uint256)", func(full bool) []uint64 { return []uint64{pick(full, 44_000, 100), 8000} }),
	},
	{
		name: "sha256-400MiB", exit: exitcode.Ok,
		msg: contractCall("hash(uint256,uint256)", func(full bool) []uint64 { return []uint64{400 * mib, pick(full, 3, 1)} }),
	},
	{
		// External self-recursion, each level a new EVM actor instance.
		// Gas bounds the depth, not memory (each level is accounted 1.18 MB
		// of the 2 GiB) nor the 1024-frame call stack: every CALL forwards
		// at most 63/64 of what is left (the EVM actor's call_gas_limit),
		// and each level spends ~1.63M gas first, so a 10B-gas message
		// reaches rec(290), 291 nested calls, and no further.
		name: "recursion-250", exit: exitcode.Ok, ret: fixed(250),
		msg: contractCall("rec(uint256)", func(bool) []uint64 { return []uint64{250} }),
	},
	{
		// The deepest recursion the gas allows (see recursion-250).
		name: "recursion-290", exit: exitcode.Ok, ret: fixed(290),
		msg: contractCall("rec(uint256)", func(bool) []uint64 { return []uint64{290} }),
	},
	{
		// Deeper than the gas lasts: rec(291) already runs out at its
		// innermost level (exit 7 up to the levels with 1/64 in reserve,
		// which revert), so every deeper request ends the same way.
		name: "recursion-1100", exit: evmContractReverted,
		msg: contractCall("rec(uint256)", func(bool) []uint64 { return []uint64{1100} }),
	},
	{
		name: "call-loop", exit: exitcode.Ok,
		msg: contractCall("callLoop(uint256)", func(full bool) []uint64 { return []uint64{pick(full, 3000, 30)} }),
	},
	{
		name: "spin", exit: exitcode.SysErrOutOfGas,
		msg: contractCall("spin()", func(bool) []uint64 { return nil }),
	},
	{
		name: "storage-fill", exit: exitcode.Ok,
		msg: contractCall("fill(uint256,uint256)", func(full bool) []uint64 { return []uint64{0, pick(full, 20_000, 200)} }),
	},
}

func init() {
	corpus = append(corpus, precompileCases()...)
	corpus = append(corpus, builtinCases()...)
}

// precompileCases call each EVM and Filecoin precompile with pseudo-random
// input. Every call fails or succeeds inside the contract, which returns the
// number of successes.
func precompileCases() []hostileCase {
	pcs := []struct {
		name string
		addr uint64 // low bytes; fil precompiles add 0xfe prefix
		fil  bool
		n    uint64
		ok   bool // whether garbage input succeeds
	}{
		{"ecrecover", 1, false, 4 * kib, true},
		{"sha256", 2, false, 64 * kib, true},
		{"ripemd160", 3, false, 64 * kib, true},
		{"identity", 4, false, 64 * kib, true},
		{"modexp", 5, false, 4 * kib, false},
		{"bn-add", 6, false, 4 * kib, false},
		{"bn-mul", 7, false, 4 * kib, false},
		{"bn-pairing", 8, false, 4 * kib, false},
		{"blake2f", 9, false, 213, false},
		{"resolve-address", 1, true, 4 * kib, false},
		{"lookup-delegated", 2, true, 4 * kib, true},
		{"call-actor", 3, true, 4 * kib, false},
		{"call-actor-id", 5, true, 4 * kib, false},
	}
	var out []hostileCase
	for _, p := range pcs {
		rounds := func(full bool) uint64 { return pick(full, 1000, 5) }
		c := hostileCase{name: "precompile-" + p.name, exit: exitcode.Ok}
		c.msg = func(tb testing.TB, w *world, full bool) (address.Address, abi.MethodNum, []byte) {
			a := word(p.addr)
			if p.fil {
				a[12] = 0xfe
			}
			data := append([]byte{}, w.selectors["garbage(address,uint256,uint256,uint256)"]...)
			data = append(data, a...)
			data = append(data, word(p.n)...)
			data = append(data, word(rounds(full))...)
			data = append(data, word(p.addr)...)
			return w.contract, evmInvokeContract, cborBytes(data)
		}
		if p.ok {
			c.ret = rounds
		} else {
			c.ret = fixed(0)
		}
		out = append(out, c)
	}
	return out
}

// builtinCases send pseudo-random params to builtin actors directly.
func builtinCases() []hostileCase {
	garbage := func(n int, seed uint64) []byte {
		r := rand.New(rand.NewPCG(seed, 0))
		b := make([]byte, n)
		for i := 0; i < n; i += 8 {
			binary.LittleEndian.PutUint64(b[i:], r.Uint64())
		}
		return b
	}
	bc := []struct {
		name   string
		to     func(w *world) address.Address
		method abi.MethodNum
		exit   exitcode.ExitCode
	}{
		{"init-exec", func(*world) address.Address { return testworld.IDAddr(1) }, 2, exitcode.ErrSerialization},
		{"eam-create", func(*world) address.Address { return testworld.IDAddr(idEAM) }, 2, exitcode.ErrSerialization},
		{"account-authenticate", func(*world) address.Address { return testworld.IDAddr(idSender) }, 2643134072, exitcode.ErrSerialization},
		{"evm-invoke", func(w *world) address.Address { return w.contract }, evmInvokeContract, exitcode.ErrSerialization},
		{"system-constructor", func(*world) address.Address { return testworld.IDAddr(0) }, 1, exitcode.ErrIllegalArgument},
	}
	var out []hostileCase
	for i, c := range bc {
		out = append(out, hostileCase{
			name: "builtin-" + c.name, exit: c.exit,
			msg: func(_ testing.TB, w *world, full bool) (address.Address, abi.MethodNum, []byte) {
				return c.to(w), c.method, garbage(int(pick(full, 256*kib, 4*kib)), uint64(i))
			},
		})
	}
	return out
}

// run applies the case's message to w.
func (c *hostileCase) run(tb testing.TB, w *world, full bool) *executor.ApplyRet {
	tb.Helper()
	to, method, params := c.msg(tb, w, full)
	return w.apply(tb, to, method, params, blockGasLimit)
}

// check checks the exit code and, where the case has one, the return value.
func (c *hostileCase) check(tb testing.TB, ret *executor.ApplyRet, full bool) {
	tb.Helper()
	if ret.Receipt.ExitCode != c.exit {
		tb.Fatalf("%s: exit %d (%s), want %d", c.name, ret.Receipt.ExitCode, ret.FailureInfo, c.exit)
	}
	if c.ret == nil {
		return
	}
	got := readCborBytes(tb, ret.Receipt.Return)
	if want := word(c.ret(full)); !bytes.Equal(got, want) {
		tb.Fatalf("%s: returned %x, want %x", c.name, got, want)
	}
}

func newEngine(tb testing.TB) *engine.Engine {
	tb.Helper()
	eng, err := engine.New(context.Background(), engine.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = eng.Close(context.Background()) })
	return eng
}

// TestCorpus runs every case (at the smaller size where the case has one)
// and checks its exit code and result. Messages run one after another on
// one world, so later cases run on memory earlier ones released.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the v17 actors")
	}
	w := newWorld(t, newEngine(t))
	for i := range corpus {
		c := &corpus[i]
		t.Run(c.name, func(t *testing.T) {
			ret := c.run(t, w, false)
			c.check(t, ret, false)
			t.Logf("gas %d", ret.Receipt.GasUsed)
		})
	}
}
