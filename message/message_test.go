package message_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/crypto"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/message"
)

// vectorMessage is a message read from a conformance vector, with the chain
// message CID lotus recorded when it extracted the vector.
type vectorMessage struct {
	file     string
	bytes    []byte
	chainCID cid.Cid
}

// vectorMessages reads the messages of every vector in $FVM_TEST_VECTORS. The
// JSON is read here directly, not through package conformance.
func vectorMessages(t *testing.T) []vectorMessage {
	t.Helper()
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set; skipping the vector corpus")
	}
	var out []vectorMessage
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v struct {
			Meta struct {
				Gen []struct{ Source string } `json:"gen"`
			} `json:"_meta"`
			ApplyMessages []struct {
				Bytes string `json:"bytes"`
			} `json:"apply_messages"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		var chainCID cid.Cid
		for _, g := range v.Meta.Gen {
			if s, ok := strings.CutPrefix(g.Source, "message:"); ok {
				chainCID = cid.MustParse(s)
			}
		}
		for _, m := range v.ApplyMessages {
			b, err := base64.StdEncoding.DecodeString(m.Bytes)
			if err != nil {
				return err
			}
			out = append(out, vectorMessage{file: path, bytes: b, chainCID: chainCID})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading vectors: %v", err)
	}
	if len(out) == 0 {
		t.Fatalf("no vector messages under %s", dir)
	}
	return out
}

// signedBytes is the chain encoding of [m, sig], built by hand: a 2-tuple
// header, the message, then the signature as a byte string of type ‖ data.
func signedBytes(m []byte, typ crypto.SigType, sig []byte) []byte {
	out := append([]byte{0x82}, m...)
	n := 1 + len(sig)
	switch {
	case n < 24:
		out = append(out, 0x40|byte(n))
	case n < 256:
		out = append(out, 0x58, byte(n))
	default:
		out = append(out, 0x59, byte(n>>8), byte(n))
	}
	out = append(out, byte(typ))
	return append(out, sig...)
}

func TestDecodeVectorMessages(t *testing.T) {
	msgs := vectorMessages(t)
	senders := map[address.Protocol]int{}
	for _, vm := range msgs {
		name := filepath.Base(vm.file)
		d, err := message.Decode(vm.bytes)
		if err != nil {
			t.Errorf("%s: Decode: %v", name, err)
			continue
		}
		if d.Signature != nil {
			t.Errorf("%s: vector message decoded as signed", name)
		}
		if got := d.Message.Bytes(); !bytes.Equal(got, vm.bytes) {
			t.Errorf("%s: re-encoding differs:\n got %x\nwant %x", name, got, vm.bytes)
		}
		proto := d.Message.From.Protocol()
		senders[proto]++
		want := len(vm.bytes)
		if proto == address.SECP256K1 {
			want += 69 // lotus: the signed message adds 0x82, 0x58 0x42, type, 65 bytes
		}
		if d.ChainLength != want {
			t.Errorf("%s: ChainLength = %d, want %d (sender %s)", name, d.ChainLength, want, d.Message.From)
		}
		// A BLS message goes on chain unsigned, so lotus's message CID is
		// the CID of these very bytes.
		if proto == address.BLS && vm.chainCID.Defined() && d.Message.Cid() != vm.chainCID {
			t.Errorf("%s: Cid = %s, the vector's message is %s", name, d.Message.Cid(), vm.chainCID)
		}
		// Trailing bytes are an error.
		if _, err := message.Decode(append(bytes.Clone(vm.bytes), 0x00)); !errors.Is(err, message.ErrMalformed) {
			t.Errorf("%s: Decode with a trailing byte: err = %v", name, err)
		}
	}
	t.Logf("%d messages; senders by protocol: %v", len(msgs), senders)
	if senders[address.SECP256K1] == 0 || senders[address.BLS] == 0 {
		t.Errorf("corpus should have both secp and BLS senders, got %v", senders)
	}
}

// The hygge AddBalance-Ok-1 sample: a BLS sender, raw length 94 (spec §5.2).
func TestDecodeKnownVectorMessage(t *testing.T) {
	raw, _ := base64.StdEncoding.DecodeString("igBCAAVYMQOA1FC6NVyDE0mIOc09fn0SjDuLHDA00L2swVTqsd93jM1m8JzVeXKjXgPOkQKS8MAZxnpJAAMPzHw7nJmHGgG49RBFAAT9lrhFAAKFglkCRkUA4OWBAQ==")
	d, err := message.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	m := d.Message
	if d.ChainLength != 94 {
		t.Errorf("ChainLength = %d, want 94", d.ChainLength)
	}
	if m.To.String() != "f05" || m.From.Protocol() != address.BLS || m.Method != 2 {
		t.Errorf("to %s from %s method %d", m.To, m.From, m.Method)
	}
	if m.Value.String() != "220619740712573319" {
		t.Errorf("value = %s", m.Value)
	}
	if want := cid.MustParse("bafy2bzacedowfelxkfeocro4imqbghvjpaz5z43n4nskbwhq62asxm4esybvw"); m.Cid() != want {
		t.Errorf("Cid = %s, want %s", m.Cid(), want)
	}
}

func testMessage(t *testing.T, from address.Address) message.Message {
	t.Helper()
	to, _ := address.NewIDAddress(1234)
	return message.Message{
		Version:    0,
		To:         to,
		From:       from,
		Sequence:   42,
		Value:      big.NewInt(1_000_000_000_000),
		GasLimit:   10_000_000,
		GasFeeCap:  big.NewInt(200),
		GasPremium: big.NewInt(100),
		Method:     abi.MethodNum(3844450837),
		Params:     []byte{0x82, 0x01, 0x02},
	}
}

func testAddresses(t *testing.T) map[string]address.Address {
	t.Helper()
	secp, err := address.NewSecp256k1Address(bytes.Repeat([]byte{4}, 65))
	if err != nil {
		t.Fatal(err)
	}
	bls, err := address.NewBLSAddress(bytes.Repeat([]byte{0xa1}, 48))
	if err != nil {
		t.Fatal(err)
	}
	actor, err := address.NewActorAddress([]byte("actor"))
	if err != nil {
		t.Fatal(err)
	}
	f4, err := address.NewDelegatedAddress(10, bytes.Repeat([]byte{0xee}, 20))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := address.NewIDAddress(99)
	return map[string]address.Address{"secp": secp, "bls": bls, "actor": actor, "delegated": f4, "id": id}
}

func TestChainLength(t *testing.T) {
	addrs := testAddresses(t)
	secpSig := bytes.Repeat([]byte{7}, 65)
	blsSig := bytes.Repeat([]byte{9}, 96)
	cases := []struct {
		name   string
		from   string
		signed bool
		typ    crypto.SigType
		sig    []byte
		// want computes the expected chain length from the unsigned and
		// signed encodings.
		want func(unsigned, signed int) int
	}{
		{"unsigned secp gets a signature allowance", "secp", false, 0, nil, func(u, _ int) int { return u + 69 }},
		{"unsigned bls", "bls", false, 0, nil, func(u, _ int) int { return u }},
		{"unsigned id", "id", false, 0, nil, func(u, _ int) int { return u }},
		{"unsigned actor", "actor", false, 0, nil, func(u, _ int) int { return u }},
		// Quirk of the reference runner: no allowance for f4 senders.
		{"unsigned delegated", "delegated", false, 0, nil, func(u, _ int) int { return u }},
		{"signed secp", "secp", true, crypto.SigTypeSecp256k1, secpSig, func(_, s int) int { return s }},
		{"signed bls counts as unsigned", "bls", true, crypto.SigTypeBLS, blsSig, func(u, _ int) int { return u }},
		{"signed delegated", "delegated", true, crypto.SigTypeDelegated, secpSig, func(_, s int) int { return s }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := testMessage(t, addrs[tc.from])
			unsigned := m.Bytes()
			input := unsigned
			var signed []byte
			if tc.signed {
				signed = signedBytes(unsigned, tc.typ, tc.sig)
				input = signed
				// Our encoder must produce the same bytes.
				sm := message.SignedMessage{Message: m, Signature: crypto.Signature{Type: tc.typ, Data: tc.sig}}
				var buf bytes.Buffer
				if err := sm.MarshalCBOR(&buf); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), signed) {
					t.Fatalf("SignedMessage encoding:\n got %x\nwant %x", buf.Bytes(), signed)
				}
			}
			d, err := message.Decode(input)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if want := tc.want(len(unsigned), len(signed)); d.ChainLength != want {
				t.Errorf("ChainLength = %d, want %d (unsigned %d, signed %d)", d.ChainLength, want, len(unsigned), len(signed))
			}
			if tc.signed {
				if d.Signature == nil || d.Signature.Type != tc.typ || !bytes.Equal(d.Signature.Data, tc.sig) {
					t.Errorf("Signature = %+v", d.Signature)
				}
			} else if d.Signature != nil {
				t.Errorf("unsigned message decoded with a signature")
			}
			if !bytes.Equal(d.Message.Bytes(), unsigned) {
				t.Errorf("decoded message re-encodes differently")
			}
			if tc.signed && tc.typ == crypto.SigTypeSecp256k1 && len(signed) != len(unsigned)+69 {
				t.Errorf("a secp signature adds %d bytes, not 69", len(signed)-len(unsigned))
			}
		})
	}
}

// An unsigned secp message and the same message signed have one chain length.
func TestChainLengthSecpSignedEqualsUnsigned(t *testing.T) {
	m := testMessage(t, testAddresses(t)["secp"])
	u, err := message.Decode(m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	s, err := message.Decode(signedBytes(m.Bytes(), crypto.SigTypeSecp256k1, make([]byte, 65)))
	if err != nil {
		t.Fatal(err)
	}
	if u.ChainLength != s.ChainLength {
		t.Fatalf("unsigned %d, signed %d", u.ChainLength, s.ChainLength)
	}
}

func TestMessageRoundTrip(t *testing.T) {
	for name, from := range testAddresses(t) {
		t.Run(name, func(t *testing.T) {
			m := testMessage(t, from)
			m.Value = big.Zero()
			m.Params = nil
			var got message.Message
			if err := got.UnmarshalCBOR(bytes.NewReader(m.Bytes())); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), m.Bytes()) || got.From != m.From || got.To != m.To || got.Sequence != m.Sequence ||
				!got.Value.Equals(m.Value) || got.GasLimit != m.GasLimit || got.Method != m.Method || len(got.Params) != 0 {
				t.Fatalf("round trip: %+v != %+v", got, m)
			}
			if got.Cid() != m.Cid() {
				t.Fatal("CIDs differ")
			}
		})
	}
	// A zero-value Message (nil big ints) encodes; its amounts decode as zero.
	var zero message.Message
	zero.To, _ = address.NewIDAddress(0)
	zero.From, _ = address.NewIDAddress(1)
	d, err := message.Decode(zero.Bytes())
	if err != nil {
		t.Fatalf("zero message: %v", err)
	}
	if !d.Message.Value.IsZero() || !d.Message.GasFeeCap.IsZero() || !d.Message.GasPremium.IsZero() {
		t.Fatalf("zero message amounts: %+v", d.Message)
	}
}

func TestDecodeMalformed(t *testing.T) {
	addrs := testAddresses(t)
	m := testMessage(t, addrs["secp"])
	good := m.Bytes()
	signed := signedBytes(good, crypto.SigTypeSecp256k1, make([]byte, 65))
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not an array", []byte{0x01}},
		{"array of 9", append([]byte{0x89}, good[1:]...)},
		{"array of 11", append(append([]byte{0x8b}, good[1:]...), 0x00)},
		{"text version", append([]byte{0x8a, 0x61, 'x'}, good[2:]...)},
		{"unsigned trailing byte", append(bytes.Clone(good), 0x00)},
		{"unsigned trailing message", append(bytes.Clone(good), good...)},
		{"signed trailing byte", append(bytes.Clone(signed), 0x00)},
		{"signed with 3 elements", append([]byte{0x83}, signed[1:]...)},
		{"signed without a signature", append([]byte{0x82}, good...)},
		{"signed with a bad signature type", signedBytes(good, 0x7f, make([]byte, 65))},
		{"signed with an empty signature", append(append([]byte{0x82}, good...), 0x40)},
		{"signature not bytes", append(append([]byte{0x82}, good...), 0x01)},
		{"negative sequence", func() []byte {
			// Replace sequence 42 (0x18 0x2a) with -43 (0x38 0x2a).
			i := bytes.Index(good, []byte{0x18, 0x2a})
			b := bytes.Clone(good)
			b[i] = 0x38
			return b
		}()},
		{"bad address", func() []byte {
			b := bytes.Clone(good)
			b[3] = 0x09 // the to address's protocol byte
			return b
		}()},
	}
	for n := 1; n < len(good); n++ {
		cases = append(cases, struct {
			name string
			data []byte
		}{"unsigned cut at " + itoa(n), good[:n]})
	}
	for n := 1; n < len(signed); n++ {
		cases = append(cases, struct {
			name string
			data []byte
		}{"signed cut at " + itoa(n), signed[:n]})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := message.Decode(tc.data)
			if !errors.Is(err, message.ErrMalformed) {
				t.Fatalf("Decode(%x) = %+v, %v; want ErrMalformed", tc.data, d, err)
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}

// FuzzDecodeMessage checks that Decode never panics, that its errors wrap
// ErrMalformed, and that what it accepts survives a re-encoding unchanged.
func FuzzDecodeMessage(f *testing.F) {
	to, _ := address.NewIDAddress(1234)
	secp, _ := address.NewSecp256k1Address(bytes.Repeat([]byte{4}, 65))
	m := message.Message{To: to, From: secp, Sequence: 3, Value: big.NewInt(5), GasLimit: 100,
		GasFeeCap: big.NewInt(7), GasPremium: big.NewInt(1), Method: 2, Params: []byte{1}}
	f.Add(m.Bytes())
	f.Add(signedBytes(m.Bytes(), crypto.SigTypeSecp256k1, make([]byte, 65)))
	f.Add(signedBytes(m.Bytes(), crypto.SigTypeBLS, make([]byte, 96)))
	raw, _ := base64.StdEncoding.DecodeString("igBCAAVYMQOA1FC6NVyDE0mIOc09fn0SjDuLHDA00L2swVTqsd93jM1m8JzVeXKjXgPOkQKS8MAZxnpJAAMPzHw7nJmHGgG49RBFAAT9lrhFAAKFglkCRkUA4OWBAQ==")
	f.Add(raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := message.Decode(data)
		if err != nil {
			if !errors.Is(err, message.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		var again []byte
		if d.Signature != nil {
			var buf bytes.Buffer
			sm := message.SignedMessage{Message: d.Message, Signature: *d.Signature}
			if err := sm.MarshalCBOR(&buf); err != nil {
				t.Fatalf("re-encoding a decoded signed message: %v", err)
			}
			again = buf.Bytes()
		} else {
			again = d.Message.Bytes()
		}
		d2, err := message.Decode(again)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if !bytes.Equal(d2.Message.Bytes(), d.Message.Bytes()) {
			t.Fatal("re-encoded message decodes to another message")
		}
		if len(again) == len(data) && d2.ChainLength != d.ChainLength {
			t.Fatalf("chain length %d, after re-encoding %d", d.ChainLength, d2.ChainLength)
		}
	})
}
