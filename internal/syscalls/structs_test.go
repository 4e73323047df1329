package syscalls

import (
	"bytes"
	"encoding/hex"
	"math"
	gobig "math/big"
	"strings"
	"testing"

	"github.com/filecoin-project/go-state-types/big"

	"github.com/go-fvm/go-fvm/internal/kernel"
)

// h decodes hex with spaces (one group per field) for readable layouts.
func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestStructLayouts(t *testing.T) {
	ta := TokenAmount{Lo: 0x0807060504030201, Hi: 0x100f0e0d0c0b0a09}
	tests := []struct {
		name string
		size int
		got  []byte
		want []byte
	}{
		{"TokenAmount", TokenAmountSize, ta.Bytes(),
			h("0102030405060708 090a0b0c0d0e0f10")},
		{"IpldOpen", IpldOpenSize, IpldOpen{Codec: 0x71, ID: 2, Size: 0x01020304}.Bytes(),
			h("7100000000000000 02000000 04030201")},
		{"IpldStat", IpldStatSize, IpldStat{Codec: 0x55, Size: 300}.Bytes(),
			h("5500000000000000 2c010000")},
		{"Send", SendSize, Send{ExitCode: 16, ReturnID: 3, ReturnCodec: 0x51, ReturnSize: 7}.Bytes(),
			h("10000000 03000000 5100000000000000 07000000")},
		{"MessageContext", MessageContextSize, MessageContext{
			Origin: 1001, Nonce: 7, Caller: 1002, Receiver: 1003, MethodNumber: 3844450837,
			ValueReceived: TokenAmount{Lo: 5}, GasPremium: TokenAmount{Lo: 1, Hi: 2},
			Flags: ContextFlagReadOnly,
		}.Bytes(), h("e903000000000000 0700000000000000 ea03000000000000 eb03000000000000 " +
			"15aa25e500000000 05000000000000000000000000000000 01000000000000000200000000000000 " +
			"0100000000000000")},
		{"NetworkContext", NetworkContextSize, NetworkContext{
			Epoch: -2, Timestamp: 1700000000, BaseFee: TokenAmount{Lo: 100}, ChainID: 314, NetworkVersion: 18,
		}.Bytes(), h("feffffffffffffff 00f1536500000000 64000000000000000000000000000000 3a01000000000000 12000000")},
		{"VerifyConsensusFault", VerifyConsensusFaultSize, VerifyConsensusFault{
			Epoch: 1234, Target: 1000, Fault: FaultTimeOffsetMining,
		}.Bytes(), h("d204000000000000 e803000000000000 03000000")},
		{"EventEntry", EventEntrySize, EventEntry{Flags: 3, Codec: 0x55, KeyLen: 4, ValLen: 32}.Bytes(),
			h("0300000000000000 5500000000000000 04000000 20000000")},
	}
	for _, tt := range tests {
		if len(tt.got) != tt.size || !bytes.Equal(tt.got, tt.want) {
			t.Errorf("%s = %x (%d bytes), want %x (%d)", tt.name, tt.got, len(tt.got), tt.want, tt.size)
		}
	}
	// AppendTo appends.
	if got := (IpldStat{Codec: 1, Size: 2}).AppendTo([]byte{0xaa}); len(got) != 13 || got[0] != 0xaa || got[1] != 1 {
		t.Errorf("AppendTo = %x", got)
	}
}

func TestTokenAmount(t *testing.T) {
	maxU128 := new(gobig.Int).Sub(new(gobig.Int).Lsh(gobig.NewInt(1), 128), gobig.NewInt(1))
	tests := []struct {
		name string
		in   big.Int
		want TokenAmount
		ok   bool
	}{
		{"zero", big.Zero(), TokenAmount{}, true},
		{"nil", big.Int{}, TokenAmount{}, true},
		{"one FIL", big.NewInt(1e18), TokenAmount{Lo: 1e18}, true},
		{"2^64", big.NewFromGo(new(gobig.Int).Lsh(gobig.NewInt(1), 64)), TokenAmount{Hi: 1}, true},
		{"max u128", big.NewFromGo(maxU128), TokenAmount{Lo: math.MaxUint64, Hi: math.MaxUint64}, true},
		{"2^128", big.NewFromGo(new(gobig.Int).Add(maxU128, gobig.NewInt(1))), TokenAmount{}, false},
		{"negative", big.NewInt(-1), TokenAmount{}, false},
	}
	for _, tt := range tests {
		got, err := NewTokenAmount(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%s: NewTokenAmount = %+v, %v", tt.name, got, err)
			continue
		}
		if !tt.ok {
			continue
		}
		want := tt.in
		if want.Int == nil {
			want = big.Zero()
		}
		if back := got.Big(); !back.Equals(want) {
			t.Errorf("%s: Big() = %s", tt.name, back)
		}
		dec, err := DecodeTokenAmount(got.Bytes())
		if err != nil || dec != got {
			t.Errorf("%s: DecodeTokenAmount = %+v, %v", tt.name, dec, err)
		}
	}
	if _, err := DecodeTokenAmount(make([]byte, 15)); err == nil {
		t.Error("DecodeTokenAmount of 15 bytes")
	}
}

func TestEventEntries(t *testing.T) {
	e1 := EventEntry{Flags: 1, Codec: 0x55, KeyLen: 1, ValLen: 2}
	e2 := EventEntry{Flags: 0xff, Codec: 0x51, KeyLen: 31, ValLen: 8192}
	buf := append(append([]byte{0xee}, e1.Bytes()...), e2.Bytes()...)
	got, err := mem(buf).ReadEventEntries(1, 2)
	if err != nil || len(got) != 2 || got[0] != e1 || got[1] != e2 {
		t.Fatalf("ReadEventEntries = %+v, %v", got, err)
	}
	got, err = mem(buf).ReadEventEntries(1, 0)
	if err != nil || len(got) != 0 {
		t.Fatalf("zero entries = %+v, %v", got, err)
	}
	_, err = mem(buf).ReadEventEntries(2, 2)
	wantErrNum(t, err, kernel.IllegalArgument)
	// count × 24 overflows a u32.
	_, err = mem(buf).ReadEventEntries(0, math.MaxUint32/24+1)
	wantErrNum(t, err, kernel.IllegalArgument)
	if _, err := DecodeEventEntries(make([]byte, 25)); err == nil {
		t.Error("DecodeEventEntries of 25 bytes")
	}
}
