package fvm_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/message"
)

// A tipset-shaped benchmark: a node validating a tipset makes one VM over
// the parent state, applies a few hundred messages from many senders and
// flushes once. The state is a genesis of today's release (actors v18,
// nv28) on which a funder account has funded tipsetAccounts new secp256k1
// accounts, one send each (more accounts than a genesis takes), and the
// first of them has deployed the Counter contract of testdata/Counter.sol;
// each iteration starts from that state again.

const tipsetAccounts = 2000

// tipsetWorld is the state the tipsets apply to.
type tipsetWorld struct {
	base     *blockstore.Memory
	root     cid.Cid
	accounts []address.Address
	counter  address.Address
}

// todayGenesis is a world on the genesis state of today's actors with
// secp256k1 accounts of the keys, each with balance, from f0100 in order.
func todayGenesis(tb testing.TB, balance abi.TokenAmount, keys ...address.Address) *tipsetWorld {
	tb.Helper()
	accounts := make([]genesis.Account, len(keys))
	for i, k := range keys {
		accounts[i] = genesis.Account{Kind: genesis.Secp256k1, Address: k, Balance: balance}
	}
	bs := blockstore.NewMemory()
	g, err := genesis.Build(context.Background(), bs, genesis.Config{ActorsVersion: today.actors, Accounts: accounts})
	if err != nil {
		tb.Fatal(err)
	}
	return &tipsetWorld{base: bs, root: g.StateRoot}
}

func newTipsetWorld(b *testing.B, eng *fvm.Engine) *tipsetWorld {
	b.Helper()
	ctx := context.Background()
	funder, err := address.NewSecp256k1Address([]byte("tipset funder"))
	if err != nil {
		b.Fatal(err)
	}
	w := todayGenesis(b, fil(tipsetAccounts*1001), funder)
	vm := w.vm(b, eng, w.base)
	for i := range tipsetAccounts {
		addr, err := address.NewSecp256k1Address([]byte(fmt.Sprintf("tipset account %d", i)))
		if err != nil {
			b.Fatal(err)
		}
		if ret := apply(b, vm, funder, uint64(i), addr, 0, nil, fil(1000)); ret.Receipt.ExitCode != exitcode.Ok {
			b.Fatalf("fund account %d: exit %d (%s)", i, ret.Receipt.ExitCode, ret.FailureInfo)
		}
		w.accounts = append(w.accounts, addr)
	}

	w.counter = deployCounter(b, vm, w.accounts[0], 0)
	root, err := vm.Flush(ctx)
	if err != nil {
		b.Fatal(err)
	}
	w.root = root
	return w
}

// deployCounter deploys the Counter contract (testdata/Counter.bin) by
// from's message of nonce and returns the contract's ID address.
func deployCounter(tb testing.TB, vm *fvm.VM, from address.Address, nonce uint64) address.Address {
	tb.Helper()
	initcode, err := os.ReadFile("testdata/Counter.bin")
	if err != nil {
		tb.Fatal(err)
	}
	code, err := hex.DecodeString(strings.TrimSpace(string(initcode)))
	if err != nil {
		tb.Fatal(err)
	}
	eam, _ := address.NewIDAddress(10)
	ret := apply(tb, vm, from, nonce, eam, eamCreateExternal, cborBytes(code), big.Zero())
	if ret.Receipt.ExitCode != exitcode.Ok {
		tb.Fatalf("deploy Counter: exit %d (%s)", ret.Receipt.ExitCode, ret.FailureInfo)
	}
	counter, _ := address.NewIDAddress(createReturnID(tb, ret.Receipt.Return))
	return counter
}

// vm opens a VM at the world's root over bs.
func (w *tipsetWorld) vm(b testing.TB, eng *fvm.Engine, bs blockstore.Blockstore) *fvm.VM {
	b.Helper()
	vm, err := fvm.New(context.Background(), fvm.Config{
		NetworkVersion: today.nv, Epoch: 5_000_000, Timestamp: 5_000_000 * 30,
		BaseFee: big.NewInt(100), CircSupply: fil(1_000_000), ChainID: 314,
		StateRoot: w.root, Blockstore: bs, Externs: v4Externs{}, Engine: eng})
	if err != nil {
		b.Fatal(err)
	}
	return vm
}

func apply(b testing.TB, vm *fvm.VM, from address.Address, nonce uint64, to address.Address, method abi.MethodNum, params []byte, value abi.TokenAmount) *fvm.ApplyRet {
	b.Helper()
	msg := &message.Message{To: to, From: from, Sequence: nonce, Value: value, GasLimit: 1_000_000_000,
		GasFeeCap: big.NewInt(200), GasPremium: big.NewInt(10), Method: method, Params: params}
	ret, err := vm.ApplyMessage(context.Background(), msg, len(msg.Bytes())+67)
	if err != nil {
		b.Fatal(err)
	}
	return ret
}

// tipsetMessage is one message of a tipset.
type tipsetMessage struct {
	from, to address.Address
	nonce    uint64
	method   abi.MethodNum
	params   []byte
	value    abi.TokenAmount
}

// transfers are n value transfers between the accounts, one in ten to a new
// address (which creates an account).
func (w *tipsetWorld) transfers(b *testing.B, n int) []tipsetMessage {
	msgs := make([]tipsetMessage, n)
	for i := range msgs {
		to := w.accounts[(i*7919+13)%len(w.accounts)]
		if i%10 == 9 {
			var err error
			if to, err = address.NewSecp256k1Address([]byte(fmt.Sprintf("new account %d", i))); err != nil {
				b.Fatal(err)
			}
		}
		from, nonce := w.sender(i)
		msgs[i] = tipsetMessage{from: from, nonce: nonce, to: to, value: big.NewInt(int64(1000 + i))}
	}
	return msgs
}

// sender is the sender and nonce of a tipset's message i: the accounts in
// turn, but the first, which deployed the contract.
func (w *tipsetWorld) sender(i int) (address.Address, uint64) {
	n := len(w.accounts) - 1
	return w.accounts[1+i%n], uint64(i / n)
}

// counterCalls are n calls of Counter.increment(1).
func (w *tipsetWorld) counterCalls(n int) []tipsetMessage {
	calldata := make([]byte, 4+32)
	copy(calldata, []byte{0x7c, 0xf5, 0xda, 0xb0}) // increment(uint256)
	calldata[35] = 1
	msgs := make([]tipsetMessage, n)
	for i := range msgs {
		from, nonce := w.sender(i)
		msgs[i] = tipsetMessage{from: from, nonce: nonce, to: w.counter, method: evmInvokeContract, params: cborBytes(calldata), value: big.Zero()}
	}
	return msgs
}

// runTipsets applies msgs as one tipset per iteration (a new VM over the
// world's state, the messages, one flush) and reports gas per nanosecond
// next to the gas model's 10, and the time per message.
func runTipsets(b *testing.B, eng *fvm.Engine, w *tipsetWorld, msgs []tipsetMessage) {
	ctx := context.Background()
	var gasUsed int64
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		vm := w.vm(b, eng, blockstore.NewBuffered(w.base))
		for _, m := range msgs {
			ret := apply(b, vm, m.from, m.nonce, m.to, m.method, m.params, m.value)
			if ret.Receipt.ExitCode != exitcode.Ok {
				b.Fatalf("message from %s to %s: exit %d (%s)", m.from, m.to, ret.Receipt.ExitCode, ret.FailureInfo)
			}
			gasUsed += ret.Receipt.GasUsed
		}
		if _, err := vm.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(gasUsed)/float64(elapsed.Nanoseconds()), "gas/ns")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
	b.ReportMetric(float64(gasUsed)/float64(b.N*len(msgs)), "gas/msg")
}

// BenchmarkTipset applies tipsets of transfers and of EVM calls:
//
//	go test -run '^$' -bench Tipset -count 5 .
func BenchmarkTipset(b *testing.B) {
	eng := testEngine(b)
	w := newTipsetWorld(b, eng)
	b.Run("transfers-500", func(b *testing.B) { runTipsets(b, eng, w, w.transfers(b, 500)) })
	b.Run("evm-calls-200", func(b *testing.B) { runTipsets(b, eng, w, w.counterCalls(200)) })
}
