package hostile

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/network"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/executor"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/testworld"
	"github.com/go-fvm/go-fvm/message"
)

// Actors v17 on nv27 (FVM v4).
const (
	actorsVersion = 17
	netVersion    = network.Version27
)

// Builtin-actors method numbers (EAM CreateExternal; EVM InvokeContract,
// FRC-42 "InvokeEVM").
const (
	eamCreateExternal = abi.MethodNum(4)
	evmInvokeContract = abi.MethodNum(3844450837)
)

// Actor ids of the world: the genesis EAM and the genesis's one account.
const (
	idEAM    = 10
	idSender = genesis.FirstAccountID
)

// blockGasLimit is the block gas limit, the most a message may use.
const blockGasLimit = 10_000_000_000

//go:embed testdata/Hostile.json
var hostileJSON []byte

// compiled is the part of Hostile.json the tests use.
type compiled struct {
	Bytecode          string            `json:"bytecode"`
	MethodIdentifiers map[string]string `json:"methodIdentifiers"`
}

func loadHostile(tb testing.TB) (initcode []byte, selectors map[string][]byte) {
	tb.Helper()
	var c compiled
	if err := json.Unmarshal(hostileJSON, &c); err != nil {
		tb.Fatalf("testdata/Hostile.json: %v", err)
	}
	initcode, err := hex.DecodeString(c.Bytecode)
	if err != nil {
		tb.Fatalf("testdata/Hostile.json bytecode: %v", err)
	}
	selectors = map[string][]byte{}
	for sig, id := range c.MethodIdentifiers {
		b, err := hex.DecodeString(id)
		if err != nil || len(b) != 4 {
			tb.Fatalf("testdata/Hostile.json selector of %s: %q", sig, id)
		}
		selectors[sig] = b
	}
	return initcode, selectors
}

// world is a machine on a v17 genesis state (genesis.Build) with one
// funded account, the sender, and the Hostile contract deployed, and the executor that applies messages to it.
type world struct {
	m         *machine.Machine
	exec      *executor.Executor
	invoker   *callmanager.WasmInvoker
	sender    address.Address
	nonce     uint64
	contract  address.Address
	selectors map[string][]byte
}

// newWorld builds the state, loads it on eng and deploys Hostile.
func newWorld(tb testing.TB, eng *engine.Engine) *world {
	tb.Helper()
	ctx := context.Background()
	sender := testworld.MustAddr(address.NewSecp256k1Address([]byte("go-fvm hostile sender")))
	bs := blockstore.NewMemory()
	g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: actorsVersion, Accounts: []genesis.Account{
		{Kind: genesis.Secp256k1, Address: sender, Balance: fil(1_000_000)},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := machine.New(ctx, machine.Config{
		NetworkVersion: netVersion, Epoch: 5_000_000, Timestamp: 5_000_000 * 30,
		BaseFee: big.NewInt(100), CircSupply: fil(1_000_000), ChainID: 314,
		StateRoot: g.StateRoot, Blockstore: bs, Externs: testworld.NoExterns{},
	})
	if err != nil {
		tb.Fatal(err)
	}
	inv, err := callmanager.NewWasmInvoker(ctx, eng, m.Profile.FVMVersion)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = inv.Close(ctx) })
	w := &world{m: m, exec: &executor.Executor{Machine: m, Invoker: inv}, invoker: inv, sender: sender}
	initcode, sel := loadHostile(tb)
	w.selectors = sel
	ret := w.apply(tb, testworld.IDAddr(idEAM), eamCreateExternal, cborBytes(initcode), 1_000_000_000)
	if ret.Receipt.ExitCode != exitcode.Ok {
		tb.Fatalf("deploying Hostile: %+v (%s)", ret.Receipt, ret.FailureInfo)
	}
	w.contract = testworld.IDAddr(createReturnID(tb, ret.Receipt.Return))
	return w
}

// apply sends one message from the sender with the next nonce.
func (w *world) apply(tb testing.TB, to address.Address, method abi.MethodNum, params []byte, gasLimit int64) *executor.ApplyRet {
	tb.Helper()
	msg := &message.Message{To: to, From: w.sender, Sequence: w.nonce, Value: big.Zero(), GasLimit: uint64(gasLimit),
		GasFeeCap: big.NewInt(200), GasPremium: big.NewInt(10), Method: method, Params: params}
	ret, err := w.exec.ApplyMessage(context.Background(), msg, executor.Explicit, len(msg.Bytes())+67)
	if err != nil {
		tb.Fatal(err)
	}
	w.nonce++
	return ret
}

// calldata ABI-encodes a call of the Hostile function sig with word
// arguments.
func (w *world) calldata(tb testing.TB, sig string, args ...uint64) []byte {
	tb.Helper()
	sel, ok := w.selectors[sig]
	if !ok {
		tb.Fatalf("Hostile has no %s", sig)
	}
	out := append([]byte{}, sel...)
	for _, a := range args {
		out = append(out, word(a)...)
	}
	return out
}

// word is v as a 32-byte big-endian ABI word.
func word(v uint64) []byte {
	var w [32]byte
	binary.BigEndian.PutUint64(w[24:], v)
	return w[:]
}

func fil(n int64) abi.TokenAmount { return big.Mul(big.NewInt(n), big.NewInt(1e18)) }

func cborBytes(b []byte) []byte {
	var buf bytes.Buffer
	if err := cbg.WriteByteArray(&buf, b); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// readCborBytes decodes a CBOR byte string (an EVM return).
func readCborBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	if len(b) == 0 {
		return nil
	}
	out, err := cbg.ReadByteArray(cbg.NewCborReader(bytes.NewReader(b)), 64<<20)
	if err != nil {
		tb.Fatalf("return %x: not CBOR bytes: %v", b[:min(len(b), 16)], err)
	}
	return out
}

// createReturnID decodes the actor id of an EAM CreateReturn
// [actor_id, robust_address, eth_address].
func createReturnID(tb testing.TB, b []byte) uint64 {
	tb.Helper()
	r := cbg.NewCborReader(bytes.NewReader(b))
	if maj, n, err := r.ReadHeader(); err != nil || maj != cbg.MajArray || n != 3 {
		tb.Fatalf("CreateReturn %x: not a 3-tuple", b)
	}
	maj, id, err := r.ReadHeader()
	if err != nil || maj != cbg.MajUnsignedInt {
		tb.Fatalf("CreateReturn %x: actor id", b)
	}
	return id
}
