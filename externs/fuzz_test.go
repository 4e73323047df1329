package externs

import (
	"bytes"
	"context"
	"encoding/hex"
	"testing"

	"github.com/filecoin-project/go-address"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
)

func seedHeader(t testing.TB) []byte {
	h := interopHeader(t)
	h.BLSAggregate = &gscrypto.Signature{Type: gscrypto.SigTypeBLS, Data: []byte{9}}
	b, err := h.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodeBlockHeader: decoding never panics, and whatever decodes re-encodes to bytes that
// decode to the same encoding again.
func FuzzDecodeBlockHeader(f *testing.F) {
	f.Add(seedHeader(f))
	raw, _ := hex.DecodeString(interopSigningBytes)
	f.Add(raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := DecodeBlockHeader(data)
		if err != nil {
			return
		}
		b1, err := h.Bytes()
		if err != nil {
			return // Lotus would fail the same way when taking the CID
		}
		h2, err := DecodeBlockHeader(b1)
		if err != nil {
			t.Fatalf("re-encoding does not decode: %v", err)
		}
		b2, err := h2.Bytes()
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("encoding not stable: %v", err)
		}
	})
}

// FuzzVerifyConsensusFault: arbitrary header bytes never panic or error.
func FuzzVerifyConsensusFault(f *testing.F) {
	s := seedHeader(f)
	f.Add(s, s, []byte{})
	f.Add(s, append([]byte(nil), s...), s)
	v := &ConsensusFaultVerifier{Workers: workers{address.TestAddress: address.TestAddress}, Epoch: 10}
	f.Fuzz(func(t *testing.T, h1, h2, extra []byte) {
		if _, err := v.VerifyConsensusFault(context.Background(), h1, h2, extra); err != nil {
			t.Fatal(err)
		}
	})
}
