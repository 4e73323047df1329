package ripemd160

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	xripemd "golang.org/x/crypto/ripemd160" //nolint:staticcheck // the reference this package is checked against.
)

func reference(data []byte) []byte {
	h := xripemd.New()
	h.Write(data)
	return h.Sum(nil)
}

// check compares Sum160 and New with writes split at the given cuts against x/crypto.
func check(t *testing.T, data []byte, cuts []int) {
	t.Helper()
	want := reference(data)
	if s := Sum160(data); !bytes.Equal(s[:], want) {
		t.Fatalf("Sum160(len %d) = %x, want %x", len(data), s, want)
	}
	h := New()
	rest := data
	for _, c := range cuts {
		c = min(c, len(rest))
		h.Write(rest[:c])
		rest = rest[c:]
		// Sum mid-stream must not disturb the state.
		h.Sum(nil)
	}
	h.Write(rest)
	if got := h.Sum([]byte{1}); !bytes.Equal(got[1:], want) || got[0] != 1 {
		t.Fatalf("New, writes cut at %v (len %d) = %x, want %x", cuts, len(data), got, want)
	}
	h.Reset()
	h.Write(data)
	if got := h.Sum(nil); !bytes.Equal(got, want) {
		t.Fatalf("after Reset (len %d) = %x, want %x", len(data), got, want)
	}
}

func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Every length across the padding boundaries of the first blocks.
	for n := 0; n <= 300; n++ {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		check(t, data, []int{r.IntN(n + 1), r.IntN(70), r.IntN(130)})
	}
	for range 200 {
		n := r.IntN(1 << 14)
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		cuts := make([]int, r.IntN(8))
		for i := range cuts {
			cuts[i] = r.IntN(n/2 + 1)
		}
		check(t, data, cuts)
	}
}

func TestHashInterface(t *testing.T) {
	h := New()
	if h.Size() != Size || h.BlockSize() != BlockSize {
		t.Fatalf("Size %d BlockSize %d", h.Size(), h.BlockSize())
	}
}

func FuzzRIPEMD160(f *testing.F) {
	f.Add([]byte(""), uint16(0), uint16(0))
	f.Add([]byte("abc"), uint16(1), uint16(2))
	f.Add(bytes.Repeat([]byte{0xff}, 200), uint16(63), uint16(65))
	f.Fuzz(func(t *testing.T, data []byte, c1, c2 uint16) {
		check(t, data, []int{int(c1), int(c2)})
	})
}

var sizes = []int{64, 1 << 10, 1 << 20}

func BenchmarkRIPEMD160(b *testing.B) {
	for _, n := range sizes {
		data := make([]byte, n)
		b.Run(fmt.Sprintf("new/%d", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				Sum160(data)
			}
		})
		b.Run(fmt.Sprintf("xcrypto/%d", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			var out [Size]byte
			for b.Loop() {
				h := xripemd.New()
				h.Write(data)
				h.Sum(out[:0])
			}
		})
	}
}
