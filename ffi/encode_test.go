package ffi_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/ffi"
)

func identityCID(t *testing.T, codec uint64, data string) cid.Cid {
	t.Helper()
	mh, err := multihash.Sum([]byte(data), multihash.IDENTITY, -1)
	if err != nil {
		t.Fatal(err)
	}
	return cid.NewCidV1(codec, mh)
}

func idAddr(t *testing.T, id uint64) address.Address {
	t.Helper()
	a, err := address.NewIDAddress(id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// golden joins hex pieces, ignoring spaces.
func golden(pieces ...string) string {
	return strings.ReplaceAll(strings.Join(pieces, ""), " ", "")
}

// The golden bytes are written out from Lotus's cbor-gen output for types.ExecutionTrace
// (chain/types/cbor_gen.go at v1.36.2) and filecoin-ffi's serde tuples: every struct an
// array of its fields in order, integers and lengths in their shortest heads.
func TestEncodeTraceGolden(t *testing.T) {
	delegated, err := address.NewDelegatedAddress(10, []byte{0xab})
	if err != nil {
		t.Fatal(err)
	}
	tr := &fvm.ExecutionTrace{
		Msg: fvm.MessageTrace{From: idAddr(t, 100), To: idAddr(t, 5), Value: big.NewInt(10), Method: 4,
			Params: []byte{0x80}, ParamsCodec: 0x51, GasLimit: 1000},
		MsgRct: fvm.ReturnTrace{ExitCode: 0},
		InvokedActor: &fvm.ActorTrace{ID: 5, State: fvm.Actor{Code: identityCID(t, cid.Raw, "a"),
			Head: identityCID(t, cid.DagCBOR, "b"), Nonce: 7, Balance: big.NewInt(256), DelegatedAddress: &delegated}},
		GasCharges: []fvm.GasTrace{{Name: "OnChainMessage", TotalGas: 38863, ComputeGas: 38863}},
		Subcalls: []fvm.ExecutionTrace{{
			Msg:    fvm.MessageTrace{From: idAddr(t, 5), To: idAddr(t, 101), Value: big.Zero(), Method: 2, GasLimit: 500, ReadOnly: true},
			MsgRct: fvm.ReturnTrace{ExitCode: 5, Return: []byte{1}, ReturnCodec: 0x55},
		}},
	}
	want := golden(
		"87", // ExecutionTrace: 7 fields
		"88 420064 420005 42000a 04 4180 1851 1903e8 f4", // Msg: from f0100, to f05, value 10, method 4, params [0x80], codec 0x51, gas limit 1000, not read-only
		"83 00 40 00",            // MsgRct: exit 0, no return, codec 0
		"82 05 85",               // InvokedActor: id 5, state:
		"d82a 46 0001550001 61",  //   code: tag 42, bytes 0x00 ‖ CIDv1 raw identity "a"
		"d82a 46 0001710001 62",  //   head: CIDv1 dag-cbor identity "b"
		"07 43000100 43 040a ab", //   nonce 7, balance 256, delegated f410 (0x04 0x0a 0xab)
		"81 85 6e 4f6e436861696e4d657373616765 1997cf 1997cf 00 00", // GasCharges: OnChainMessage 38863 38863 0, duration 0
		"81", // Subcalls: one
		"87 88 420005 420065 40 02 40 00 1901f4 f5", // its Msg: f05 -> f0101, value 0, method 2, no params, codec 0, gas limit 500, read-only
		"83 05 4101 1855", // its MsgRct: exit 5, return [1], codec 0x55
		"f6 80 80 80 80",  // no InvokedActor, no charges, subcalls, logs, ipld ops
		"80 80",           // Logs, IpldOps
	)
	if got := hex.EncodeToString(ffi.EncodeTrace(tr)); got != want {
		t.Errorf("trace\n got %s\nwant %s", got, want)
	}
}

func TestEncodeEventsGolden(t *testing.T) {
	evs := []fvm.Event{{Emitter: 1000, Entries: []fvm.EventEntry{
		{Flags: 3, Key: "t1", Codec: 0x55, Value: []byte{0xde, 0xad}},
		{Flags: 1, Key: "d", Codec: 0x55},
	}}}
	want := golden(
		"81",                       // one event
		"82 1903e8",                // [emitter 1000,
		"82",                       //  two entries:
		"84 03 627431 1855 42dead", // [flags 3, "t1", codec 0x55, 0xdead]
		"84 01 6164 1855 40",       // [flags 1, "d", codec 0x55, empty]
	)
	if got := hex.EncodeToString(ffi.EncodeEvents(evs)); got != want {
		t.Errorf("events\n got %s\nwant %s", got, want)
	}
	if got := hex.EncodeToString(ffi.EncodeEvents(nil)); got != "80" {
		t.Errorf("no events: %s, want 80", got)
	}
}
