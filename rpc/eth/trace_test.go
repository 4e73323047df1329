package eth

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	eam "github.com/filecoin-project/go-state-types/builtin/v16/eam"
	evm "github.com/filecoin-project/go-state-types/builtin/v16/evm"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
)

var (
	evmCode     = testCid("evm")
	accountCode = testCid("account")
)

func testCid(s string) cid.Cid {
	c, _ := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.IDENTITY, MhLength: -1}.Sum([]byte(s))
	return c
}

func cborBytes(b []byte) []byte {
	var buf bytes.Buffer
	_ = cbg.WriteByteArray(&buf, b)
	return buf.Bytes()
}

func ethAddrN(n byte) common.Address {
	var a common.Address
	for i := range a {
		a[i] = n
	}
	return a
}

// contract is an EVM actor with id and f410 address ethAddrN(n).
func contract(id abi.ActorID, n byte) *fvm.ActorTrace {
	a := ethAddrN(n)
	d, _ := address.NewDelegatedAddress(10, a[:])
	return &fvm.ActorTrace{ID: id, State: fvm.Actor{Code: evmCode, DelegatedAddress: &d}}
}

func idAddr(id uint64) address.Address {
	a, _ := address.NewIDAddress(id)
	return a
}

func gas(n int64) []fvm.GasTrace { return []fvm.GasTrace{{Name: "x", TotalGas: n}} }

// sampleTrace is a transaction calling contract A, which DELEGATECALLs B,
// CALLs C (which reverts with Error("no")), STATICCALLs an account
// (a native call) and CREATE2s D.
func sampleTrace(t *testing.T) *fvm.ExecutionTrace {
	t.Helper()
	revert, _ := hex.DecodeString("08c379a0" +
		"0000000000000000000000000000000000000000000000000000000000000020" +
		"0000000000000000000000000000000000000000000000000000000000000002" +
		"6e6f000000000000000000000000000000000000000000000000000000000000")
	var dp bytes.Buffer
	if err := (&evm.DelegateCallParams{Code: evmCode, Input: []byte{0xbb}, Caller: [20]byte(ethAddrN(0xee)), Value: fbig.Zero()}).MarshalCBOR(&dp); err != nil {
		t.Fatal(err)
	}
	var c2 bytes.Buffer
	if err := (&eam.Create2Params{Initcode: []byte{0x60, 0x00}, Salt: [32]byte{1}}).MarshalCBOR(&c2); err != nil {
		t.Fatal(err)
	}
	var c2ret bytes.Buffer
	robust := idAddr(99)
	if err := (&eam.CreateReturn{ActorID: 1005, RobustAddress: &robust, EthAddress: [20]byte(ethAddrN(0xdd))}).MarshalCBOR(&c2ret); err != nil {
		t.Fatal(err)
	}
	a := contract(1001, 0xaa)
	return &fvm.ExecutionTrace{
		Msg:          fvm.MessageTrace{Method: builtin.MethodsEVM.InvokeContract, Params: cborBytes([]byte{0xaa, 0x01}), ParamsCodec: codecCBOR, GasLimit: 1000, Value: fbig.NewInt(5)},
		MsgRct:       fvm.ReturnTrace{Return: cborBytes([]byte{0x01}), ReturnCodec: codecCBOR},
		InvokedActor: a,
		GasCharges:   gas(10),
		Subcalls: []fvm.ExecutionTrace{
			{ // GetBytecode of B: remembered, not shown.
				Msg: fvm.MessageTrace{Method: builtin.MethodsEVM.GetBytecode}, InvokedActor: contract(1002, 0xbb), GasCharges: gas(1),
			},
			{ // InvokeContractDelegate on A itself: DELEGATECALL to B.
				Msg:          fvm.MessageTrace{Method: builtin.MethodsEVM.InvokeContractDelegate, Params: dp.Bytes(), ParamsCodec: codecDagCBOR, GasLimit: 500},
				MsgRct:       fvm.ReturnTrace{Return: cborBytes([]byte{0x02}), ReturnCodec: codecCBOR},
				InvokedActor: a, GasCharges: gas(20),
			},
			{ // CALL to C, reverted.
				Msg:          fvm.MessageTrace{Method: builtin.MethodsEVM.InvokeContract, Params: cborBytes([]byte{0xcc}), ParamsCodec: codecCBOR, GasLimit: 400, Value: fbig.NewInt(1)},
				MsgRct:       fvm.ReturnTrace{ExitCode: exitReverted, Return: cborBytes(revert), ReturnCodec: codecCBOR},
				InvokedActor: contract(1003, 0xcc), GasCharges: gas(30),
			},
			{ // STATICCALL to an account on a native method.
				Msg:          fvm.MessageTrace{Method: 0, GasLimit: 300, ReadOnly: true, Value: fbig.Zero()},
				InvokedActor: &fvm.ActorTrace{ID: 1004, State: fvm.Actor{Code: accountCode}}, GasCharges: gas(40),
			},
			{ // Dropped: insufficient funds.
				Msg: fvm.MessageTrace{Method: builtin.MethodsEVM.InvokeContract}, MsgRct: fvm.ReturnTrace{ExitCode: exitcode.SysErrInsufficientFunds},
				InvokedActor: contract(1003, 0xcc),
			},
			{ // CREATE2 through the EAM.
				Msg:          fvm.MessageTrace{To: builtin.EthereumAddressManagerActorAddr, Method: builtin.MethodsEAM.Create2, Params: c2.Bytes(), ParamsCodec: codecDagCBOR, GasLimit: 200, Value: fbig.Zero()},
				MsgRct:       fvm.ReturnTrace{Return: c2ret.Bytes(), ReturnCodec: codecDagCBOR},
				InvokedActor: &fvm.ActorTrace{ID: 10, State: fvm.Actor{Code: testCid("eam")}}, GasCharges: gas(50),
				Subcalls: []fvm.ExecutionTrace{{
					Msg: fvm.MessageTrace{To: builtin.InitActorAddr, Method: builtin.MethodsInit.Exec4}, InvokedActor: &fvm.ActorTrace{ID: 1, State: fvm.Actor{Code: testCid("init")}},
					GasCharges: gas(5),
					Subcalls: []fvm.ExecutionTrace{{
						Msg: fvm.MessageTrace{Method: builtin.MethodConstructor}, InvokedActor: contract(1005, 0xdd), GasCharges: gas(7),
						Subcalls: []fvm.ExecutionTrace{{ // the constructor calls C
							Msg: fvm.MessageTrace{Method: builtin.MethodsEVM.InvokeContract, GasLimit: 50, Value: fbig.Zero()}, InvokedActor: contract(1003, 0xcc), GasCharges: gas(3),
						}},
					}},
				}},
			},
		},
	}
}

var testEnv = TraceEnv{IsEVM: func(c cid.Cid) bool { return c == evmCode }}

func TestParityTraces(t *testing.T) {
	sender := ethAddrN(0xee)
	traces, err := ParityTraces(testEnv, sender, sampleTrace(t))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		typ, callType string
		addr          string
		from, to      common.Address
		subtraces     int
		gasUsed       uint64
		err           string
	}
	want := []row{
		{"call", "call", "[]", sender, ethAddrN(0xaa), 4, 10, ""},
		{"call", "delegatecall", "[0]", ethAddrN(0xaa), ethAddrN(0xbb), 0, 20, ""},
		{"call", "call", "[1]", ethAddrN(0xaa), ethAddrN(0xcc), 0, 30, "Reverted"},
		{"call", "staticcall", "[2]", ethAddrN(0xaa), maskedID(1004), 0, 40, ""},
		{"create", "", "[3]", ethAddrN(0xaa), ethAddrN(0xdd), 1, 50, ""},
		{"call", "call", "[3,0]", ethAddrN(0xdd), ethAddrN(0xcc), 0, 3, ""},
	}
	if len(traces) != len(want) {
		t.Fatalf("%d traces, want %d: %s", len(traces), len(want), mustJSON(traces))
	}
	for i, w := range want {
		tr := traces[i]
		got := row{typ: tr.Type, addr: jsonString(tr.TraceAddress), subtraces: tr.Subtraces, err: tr.Error}
		switch a := tr.Action.(type) {
		case *CallAction:
			got.callType, got.from, got.to = a.CallType, a.From, a.To
			got.gasUsed = uint64(tr.Result.(*CallResult).GasUsed)
		case *CreateAction:
			got.from = a.From
			r := tr.Result.(*CreateResult)
			got.to, got.gasUsed = *r.Address, uint64(r.GasUsed)
			if !bytes.Equal(a.Init, []byte{0x60, 0x00}) || !bytes.Equal(r.Code, []byte{0xfe}) {
				t.Errorf("create init %x code %x", a.Init, r.Code)
			}
		}
		if got != w {
			t.Errorf("trace %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if in := traces[1].Action.(*CallAction).Input; !bytes.Equal(in, []byte{0xbb}) {
		t.Errorf("delegatecall input %x, want the delegate params' input", in)
	}
	// A native call's input is Lotus's ABI encoding of method, codec and params.
	if in := traces[3].Action.(*CallAction).Input; len(in) != 4+128 || !bytes.Equal(in[:4], []byte{0x86, 0x8e, 0x10, 0xc4}) {
		t.Errorf("native call input %x", in)
	}
}

func TestCallTrace(t *testing.T) {
	sender := ethAddrN(0xee)
	top, err := CallTrace(testEnv, sender, sampleTrace(t), 777)
	if err != nil {
		t.Fatal(err)
	}
	if top.Type != "CALL" || top.GasUsed != 777 || top.From != sender || *top.To != ethAddrN(0xaa) || top.Value.ToInt().Int64() != 5 {
		t.Fatalf("top frame %s", mustJSON(top))
	}
	if len(top.Calls) != 4 {
		t.Fatalf("%d calls, want 4: %s", len(top.Calls), mustJSON(top))
	}
	types := []string{top.Calls[0].Type, top.Calls[1].Type, top.Calls[2].Type, top.Calls[3].Type}
	if jsonString(types) != `["DELEGATECALL","CALL","STATICCALL","CREATE2"]` {
		t.Fatalf("call types %v", types)
	}
	reverted := top.Calls[1]
	if reverted.Error != "execution reverted" || reverted.RevertReason != "no" {
		t.Fatalf("reverted frame: error %q reason %q", reverted.Error, reverted.RevertReason)
	}
	if top.Calls[0].Value != nil || top.Calls[2].Value != nil {
		t.Fatal("DELEGATECALL and STATICCALL frames carry a value")
	}
	create := top.Calls[3]
	// The CREATE2 frame's gas covers the EAM, Init, the constructor and its call.
	if create.GasUsed != 50+5+7+3 || len(create.Calls) != 1 || *create.Calls[0].To != ethAddrN(0xcc) {
		t.Fatalf("create frame %s", mustJSON(create))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonString(v any) string { return mustJSON(v) }
