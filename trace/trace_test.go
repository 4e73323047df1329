package trace

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-bitfield"
	"github.com/filecoin-project/go-state-types/abi"
	actorstypes "github.com/filecoin-project/go-state-types/actors"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	market10 "github.com/filecoin-project/go-state-types/builtin/v10/market"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/manifest"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/externs"
)

// Every builtin actor of every actors version from v10 has a method table.
func TestMethodTables(t *testing.T) {
	for v := 10; v <= 19; v++ {
		for _, kind := range manifest.GetBuiltinActorsKeys(actorstypes.Version(v)) {
			if methodTable(v, kind) == nil {
				t.Errorf("actors v%d %s: no method table", v, kind)
			}
		}
	}
	if m := methodTable(10, "storagemarket")[4]; m.Name != "PublishStorageDeals" {
		t.Errorf("v10 market method 4 is %q", m.Name)
	}
	if methodTable(7, "account") != nil || methodTable(10, "nope") != nil {
		t.Error("a table for an unknown version or kind")
	}
}

// vectorEnv runs conformance vectors through the VM with tracing.
type vectorEnv struct {
	bundles *blockstore.Memory
	engine  *fvm.Engine
}

var testVectorEnv = sync.OnceValues(func() (*vectorEnv, error) {
	ctx := context.Background()
	dir, err := fvm.DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		return nil, err
	}
	e := &vectorEnv{bundles: blockstore.NewMemory(), engine: eng}
	path, err := bundle.Locator{}.Path(ctx, 10)
	if err != nil {
		return nil, err
	}
	_, err = bundle.LoadFile(ctx, path, bundle.Selector{Version: 10, Networks: []string{"mainnet"}}, e.bundles)
	return e, err
})

func vectorFiles(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set")
	}
	files, err := conformance.FindVectors([]string{filepath.Join(dir, "extracted", "0002-hygge-01")})
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	return files
}

// traceVector applies a vector's first message with tracing and decodes its call tree.
func traceVector(t *testing.T, file string) (*conformance.Vector, *fvm.ApplyRet, *Call) {
	t.Helper()
	e, err := testVectorEnv()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v, err := conformance.LoadVector(file)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := v.Messages()
	if err != nil {
		t.Fatal(err)
	}
	store := blockstore.NewBuffered(e.bundles)
	if err := v.LoadCAR(ctx, store); err != nil {
		t.Fatal(err)
	}
	variant := v.Preconditions.Variants[0]
	vm, err := fvm.New(ctx, fvm.Config{NetworkVersion: network.Version(variant.NV), Epoch: abi.ChainEpoch(variant.Epoch),
		BaseFee: v.BaseFee(), CircSupply: v.CircSupply(), StateRoot: v.PreRoot(), Blockstore: store,
		Externs: v.Externs(), Proofs: externs.AcceptAllProofs{}, Engine: e.engine, Tracing: true})
	if err != nil {
		t.Fatal(err)
	}
	ret, err := vm.ApplyMessage(ctx, &msgs[0].Message, msgs[0].ChainLength)
	if err != nil {
		t.Fatal(err)
	}
	lookup, err := VMLookup(vm)
	if err != nil {
		t.Fatal(err)
	}
	return v, ret, Decode(ret.Trace, lookup)
}

// The PublishStorageDeals call decodes into go-state-types' v10 market params: the same
// values go-state-types reads from the message's params itself.
func TestDecodePublishStorageDeals(t *testing.T) {
	vectorFiles(t)
	file := filepath.Join(os.Getenv("FVM_TEST_VECTORS"), "extracted", "0002-hygge-01", "fil_10_storagemarket", "PublishStorageDeals", "Ok",
		"ext-0002-fil_10_storagemarket-PublishStorageDeals-Ok-1.json")
	v, _, c := traceVector(t, file)
	msgs, _ := v.Messages()
	var want market10.PublishStorageDealsParams
	if err := want.UnmarshalCBOR(bytes.NewReader(msgs[0].Message.Params)); err != nil {
		t.Fatal(err)
	}
	if c.MethodName != "PublishStorageDeals" || c.Actor == nil || c.Actor.Kind != "storagemarket" || c.Actor.Version != 10 {
		t.Fatalf("root call %s on %+v", c.MethodName, c.Actor)
	}
	if c.Params == nil || c.Params.Type != "market.PublishStorageDealsParams" || c.Params.Error != "" {
		t.Fatalf("params %+v", c.Params)
	}
	deals, _ := c.Params.Data.(Fields).Get("Deals")
	proposal, _ := deals.([]any)[0].(Fields).Get("Proposal")
	wp := want.Deals[0].Proposal
	for name, w := range map[string]any{
		"Client": wp.Client.String(), "Provider": wp.Provider.String(), "PieceCID": wp.PieceCID.String(),
		"PieceSize": uint64(wp.PieceSize), "VerifiedDeal": wp.VerifiedDeal, "StartEpoch": int64(wp.StartEpoch),
		"ProviderCollateral": wp.ProviderCollateral.String(),
	} {
		if got, _ := proposal.(Fields).Get(name); got != w {
			t.Errorf("%s: %v (%T), want %v (%T)", name, got, got, w, w)
		}
	}
	var names []string
	var total int64 = c.Gas.Own
	for _, s := range c.Subcalls {
		names = append(names, s.MethodName)
		total += s.Gas.Total
	}
	if got := strings.Join(names, ","); !strings.HasPrefix(got, "IsControllingAddressExported,ThisEpochReward,CurrentTotalPower,AuthenticateMessage,") {
		t.Errorf("subcalls %s", got)
	}
	if total != c.Gas.Total {
		t.Errorf("gas total %d, own and subcalls %d", c.Gas.Total, total)
	}
}

// Across the corpus, every call to a builtin actor whose method is in its table decodes its
// params, and its return when it succeeded, with the table's types.
func TestDecodeCorpus(t *testing.T) {
	calls, typed := 0, 0
	for _, f := range vectorFiles(t) {
		_, _, root := traceVector(t, f)
		var walk func(c *Call)
		walk = func(c *Call) {
			calls++
			for _, v := range []*Value{c.Params, c.Return} {
				if v == nil {
					continue
				}
				if v.Type != "" {
					typed++
				}
				if v.Error != "" && c.ExitCode == exitcode.Ok {
					t.Errorf("%s: %s: %s", filepath.Base(f), c.methodLabel(), v.Error)
				}
			}
			if c.Actor != nil && c.Actor.Kind == "" {
				t.Errorf("%s: actor %d code %s not known", filepath.Base(f), c.Actor.ID, c.Actor.Code)
			}
			for _, s := range c.Subcalls {
				walk(s)
			}
		}
		walk(root)
	}
	t.Logf("%d calls, %d params and returns decoded with go-state-types types", calls, typed)
	if typed == 0 {
		t.Error("nothing decoded with a type")
	}
}

func testCID(t *testing.T, s string) cid.Cid {
	t.Helper()
	mh, err := multihash.Sum([]byte(s), multihash.IDENTITY, -1)
	if err != nil {
		t.Fatal(err)
	}
	return cid.NewCidV1(cid.Raw, mh)
}

func id(n uint64) address.Address {
	a, _ := address.NewIDAddress(n)
	return a
}

func cborOf(t *testing.T, v cbg.CBORMarshaler) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := v.MarshalCBOR(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeSynthetic(t *testing.T) {
	evmCode, marketCode, unknownCode := testCID(t, "evm"), testCID(t, "market"), testCID(t, "?")
	lookup := func(c cid.Cid) (string, int, bool) {
		switch c {
		case evmCode:
			return "evm", 16, true
		case marketCode:
			return "storagemarket", 16, true
		}
		return "", 0, false
	}
	calldata := append([]byte{0xa9, 0x05, 0x9c, 0xbb}, bytes.Repeat([]byte{1}, 64)...)
	params := abi.CborBytes(calldata)
	ret := abi.CborBytes([]byte{0, 1})
	badParams := []byte{0x82, 0x01} // a list that ends early
	tr := &fvm.ExecutionTrace{
		Msg:          fvm.MessageTrace{From: id(100), To: id(1000), Value: big.NewInt(5), Method: builtin.MustGenerateFRCMethodNum("InvokeEVM"), Params: cborOf(t, &params), ParamsCodec: 0x51},
		MsgRct:       fvm.ReturnTrace{ExitCode: 0, Return: cborOf(t, &ret), ReturnCodec: 0x51},
		InvokedActor: &fvm.ActorTrace{ID: 1000, State: fvm.Actor{Code: evmCode}},
		GasCharges:   []fvm.GasTrace{{Name: "wasm_exec", TotalGas: 10, ComputeGas: 10}, {Name: "OnBlockLink", TotalGas: 7, StorageGas: 7}},
		Subcalls: []fvm.ExecutionTrace{
			{Msg: fvm.MessageTrace{From: id(1000), To: id(101), Value: big.NewInt(1), Method: 0},
				InvokedActor: &fvm.ActorTrace{ID: 101, State: fvm.Actor{Code: unknownCode}},
				GasCharges:   []fvm.GasTrace{{Name: "OnValueTransfer", TotalGas: 3}}},
			{Msg: fvm.MessageTrace{From: id(1000), To: id(5), Method: 4, Params: badParams, ParamsCodec: 0x51},
				MsgRct:       fvm.ReturnTrace{ExitCode: 16},
				InvokedActor: &fvm.ActorTrace{ID: 5, State: fvm.Actor{Code: marketCode}}},
			{Msg: fvm.MessageTrace{From: id(1000), To: id(6), Method: 99, Params: []byte{0xa1, 0x61, 'k', 0x02}, ParamsCodec: 0x51},
				MsgRct: fvm.ReturnTrace{ExitCode: exitcode.SysErrInvalidReceiver}},
		},
	}
	c := Decode(tr, lookup)
	if c.MethodName != "InvokeContract" || c.Actor.Kind != "evm" || c.EVM == nil {
		t.Fatalf("root %+v", c)
	}
	if c.EVM.Selector.String() != "0xa9059cbb" || !bytes.Equal(c.EVM.Calldata, calldata) || c.EVM.ReturnData.String() != "0x0001" {
		t.Errorf("evm %+v", c.EVM)
	}
	if c.Gas.Own != 17 || c.Gas.Total != 20 || len(c.Gas.Charges) != 2 {
		t.Errorf("gas %+v", c.Gas)
	}
	send, market, missing := c.Subcalls[0], c.Subcalls[1], c.Subcalls[2]
	if send.MethodName != "Send" || send.Actor.Kind != "" || send.Params != nil {
		t.Errorf("send %+v", send)
	}
	if market.MethodName != "PublishStorageDeals" || market.Params.Error == "" || !bytes.Equal(market.Params.Raw, badParams) || market.Return != nil {
		t.Errorf("market call %+v params %+v", market, market.Params)
	}
	if missing.Actor != nil || missing.MethodName != "" || missing.methodLabel() != "method 99" {
		t.Errorf("missing actor %+v", missing)
	}
	if f, ok := missing.Params.Data.(Fields); !ok || len(f) != 1 || f[0].Name != "k" || f[0].Value != uint64(2) {
		t.Errorf("generic params %#v", missing.Params)
	}
	if Decode(nil, lookup) != nil {
		t.Error("nil trace decodes to a call")
	}

	var text bytes.Buffer
	if err := WriteText(&text, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"f0100 → f01000 (evm v16) InvokeContract value 5: exit 0, gas 20 (own 17)",
		"evm selector 0xa9059cbb calldata 0xa9059cbb0101",
		"charges: wasm_exec 10, OnBlockLink 7",
		"  ↳ f01000 → f0101 (code " + unknownCode.String() + ") Send value 1: exit 0, gas 3 (own 3)",
		"  ↳ f01000 → f05 (storagemarket v16) PublishStorageDeals: exit 16",
		"params market.PublishStorageDealsParams: 0x8201 (does not decode",
		"  ↳ f01000 → f06 (no actor ran) method 99: exit 5",
		"k: 2",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"selector":"0xa9059cbb"`) || !strings.Contains(string(js), `"data":{"k":2}`) {
		t.Errorf("json %s", js)
	}

	p := Profile(c)
	var sum int64
	for _, s := range p.Sample {
		sum += s.Value[0]
	}
	if sum != c.Gas.Total || len(p.Sample) != 3 {
		t.Errorf("profile: %d samples, %d gas", len(p.Sample), sum)
	}
	leaf := p.Sample[2].Location
	if len(leaf) != 3 || leaf[0].Line[0].Function.Name != "OnValueTransfer" || leaf[1].Line[0].Function.Name != "f0101.Send" ||
		leaf[2].Line[0].Function.Name != "evm.InvokeContract" {
		t.Errorf("stack of the transfer charge: %v", leaf)
	}
	var out bytes.Buffer
	if err := p.Write(&out); err != nil {
		t.Fatal(err)
	}
}

func TestGenericCBOR(t *testing.T) {
	c := testCID(t, "x")
	cases := []struct {
		hex  string
		want string // JSON of the decoded data
	}{
		{"00", `0`},
		{"3903e7", `-1000`},
		{"3bffffffffffffffff", `"-18446744073709551616"`},
		{"43010203", `"0x010203"`},
		{"6461626364", `"abcd"`},
		{"83f5f4f6", `[true,false,null]`},
		{"a2616101616202", `{"a":1,"b":2}`},
		{"d82a" + "46" + "00" + hex.EncodeToString(c.Bytes()), `"` + c.String() + `"`},
		{"c101", `{"tag":1,"value":1}`},
	}
	for _, tc := range cases {
		data, _ := hex.DecodeString(tc.hex)
		d, err := decodeGeneric(data)
		if err != nil {
			t.Errorf("%s: %v", tc.hex, err)
			continue
		}
		js, _ := json.Marshal(d)
		if string(js) != tc.want {
			t.Errorf("%s: %s, want %s", tc.hex, js, tc.want)
		}
	}
	for _, bad := range []string{"", "82", "5f", "9bffffffffffffffff", "0000", "fb3ff0000000000000", "d82a4101"} {
		data, _ := hex.DecodeString(bad)
		if _, err := decodeGeneric(data); err == nil {
			t.Errorf("%q decodes", bad)
		}
	}
	deep := append(bytes.Repeat([]byte{0x81}, 100), 0x00)
	if _, err := decodeGeneric(deep); err == nil {
		t.Error("100 nested lists decode")
	}
}

func TestBitfieldString(t *testing.T) {
	for _, tc := range []struct {
		bits []uint64
		want string
	}{{nil, ""}, {[]uint64{0}, "0"}, {[]uint64{1, 2, 3, 7, 9, 10}, "1-3,7,9-10"}} {
		if got := bitfieldString(bitfield.NewFromSet(tc.bits)); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.bits, got, tc.want)
		}
	}
}

func TestDecodeEvents(t *testing.T) {
	topic := bytes.Repeat([]byte{0xee}, 32)
	evs := DecodeEvents([]fvm.Event{
		{Emitter: 1000, Entries: []fvm.EventEntry{
			{Flags: 3, Key: "t1", Codec: 0x55, Value: topic},
			{Flags: 3, Key: "d", Codec: 0x55, Value: []byte{1, 2}},
		}},
		{Emitter: 7, Entries: []fvm.EventEntry{{Flags: 1, Key: "$type", Codec: 0x51, Value: []byte{0x63, 'a', 'b', 'c'}}}},
	})
	if len(evs) != 2 || evs[0].EVM == nil || len(evs[0].EVM.Topics) != 1 || !bytes.Equal(evs[0].EVM.Topics[0], topic) || evs[0].EVM.Data.String() != "0x0102" {
		t.Fatalf("evm log %+v", evs[0])
	}
	if evs[1].EVM != nil || evs[1].Entries[0].Value.Data != "abc" {
		t.Errorf("builtin event %+v", evs[1].Entries[0].Value)
	}
	var text bytes.Buffer
	if err := WriteEventsText(&text, evs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"event 0 from f01000", "EVM log topics [0xeeee", "data 0x0102", "event 1 from f07", "$type: abc"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}
