package syscalls

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/kernel"
)

// fakeMemory is a fixed-size api.Memory over a byte slice; only the methods
// Memory uses are implemented.
type fakeMemory struct {
	api.Memory
	buf []byte
}

func (f *fakeMemory) Size() uint32 { return uint32(len(f.buf)) }

func (f *fakeMemory) Read(off, n uint32) ([]byte, bool) {
	if uint64(off)+uint64(n) > uint64(len(f.buf)) {
		return nil, false
	}
	return f.buf[off : off+n : off+n], true
}

func mem(b []byte) Memory { return Memory{&fakeMemory{buf: b}} }

func wantErrNum(t *testing.T, err error, num kernel.ErrorNumber) {
	t.Helper()
	if num == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	se, ok := kernel.AsSyscallError(err)
	if !ok {
		t.Fatalf("error %v is not a syscall error, want %s", err, num)
	}
	if se.Num != num {
		t.Fatalf("error number %s (%s), want %s", se.Num, se.Msg, num)
	}
}

func blakeCID(codec uint64, fill byte) cid.Cid {
	mh := append([]byte{0xa0, 0xe4, 0x02, 0x20}, bytes.Repeat([]byte{fill}, 32)...)
	return cid.NewCidV1(codec, mh)
}

func TestTryBytes(t *testing.T) {
	m := mem([]byte{1, 2, 3, 4})
	tests := []struct {
		off, n uint32
		want   []byte
		num    kernel.ErrorNumber
	}{
		{0, 4, []byte{1, 2, 3, 4}, 0},
		{1, 2, []byte{2, 3}, 0},
		{4, 0, []byte{}, 0},
		{0, 0, []byte{}, 0},
		{5, 0, nil, kernel.IllegalArgument},
		{3, 2, nil, kernel.IllegalArgument},
		{^uint32(0), 2, nil, kernel.IllegalArgument},
		{2, ^uint32(0), nil, kernel.IllegalArgument},
		{^uint32(0), 0, nil, kernel.IllegalArgument},
	}
	for _, tt := range tests {
		got, err := m.TryBytes(tt.off, tt.n)
		wantErrNum(t, err, tt.num)
		if tt.num == 0 && !bytes.Equal(got, tt.want) {
			t.Errorf("TryBytes(%d, %d) = %v, want %v", tt.off, tt.n, got, tt.want)
		}
		wantErrNum(t, m.CheckBounds(tt.off, tt.n), tt.num)
		wantErrNum(t, m.CheckReturn(tt.off, tt.n), tt.num)
	}
	// The zero-sized memory of instantiation time.
	var none Memory
	_, err := none.TryBytes(0, 0)
	wantErrNum(t, err, 0)
	_, err = none.TryBytes(10, 0)
	wantErrNum(t, err, kernel.IllegalArgument)
	_, err = none.ReadCID(0)
	wantErrNum(t, err, kernel.IllegalArgument)
	wantErrNum(t, none.CheckReturn(0, 4), kernel.IllegalArgument)
}

func TestReadWriteBytesAndString(t *testing.T) {
	m := mem([]byte("héllo\xff"))
	b, err := m.ReadBytes(0, 2)
	if err != nil || string(b) != "h\xc3" {
		t.Fatalf("ReadBytes = %q, %v", b, err)
	}
	b[0] = 'x'
	if v, _ := m.TryBytes(0, 1); v[0] != 'h' {
		t.Fatal("ReadBytes aliases memory")
	}
	s, err := m.ReadString(0, 6)
	if err != nil || s != "héllo" {
		t.Fatalf("ReadString = %q, %v", s, err)
	}
	_, err = m.ReadString(0, 7)
	wantErrNum(t, err, kernel.IllegalArgument)
	_, err = m.ReadString(0, 2) // a cut multi-byte sequence
	wantErrNum(t, err, kernel.IllegalArgument)
	_, err = m.ReadString(6, 2)
	wantErrNum(t, err, kernel.IllegalArgument)

	wantErrNum(t, m.WriteBytes(5, []byte{1, 2}), 0)
	wantErrNum(t, m.WriteBytes(6, []byte{1, 2}), kernel.IllegalArgument)
	if v, _ := m.TryBytes(5, 2); !bytes.Equal(v, []byte{1, 2}) {
		t.Fatalf("WriteBytes wrote %v", v)
	}
}

func TestReadCID(t *testing.T) {
	a := blakeCID(0x71, 1)
	enc := a.Bytes()
	tests := []struct {
		name string
		mem  []byte
		off  uint32
		num  kernel.ErrorNumber
	}{
		{"exact", enc, 0, 0},
		{"at offset, junk after", append(append([]byte{9, 9}, enc...), 7, 7), 2, 0},
		{"truncated", enc[:20], 0, kernel.IllegalArgument},
		{"empty memory", nil, 0, kernel.IllegalArgument},
		{"offset at end", enc, uint32(len(enc)), kernel.IllegalArgument},
		{"offset past end", nil, 200, kernel.IllegalArgument},
		{"explicit v0", []byte{0, 0x70, 0x12, 0x20}, 0, kernel.IllegalArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mem(tt.mem).ReadCID(tt.off)
			wantErrNum(t, err, tt.num)
			if tt.num == 0 && !got.Equals(a) {
				t.Fatalf("ReadCID = %s, want %s", got, a)
			}
		})
	}
	v0 := cid.NewCidV0(append([]byte{0x12, 0x20}, bytes.Repeat([]byte{3}, 32)...))
	got, err := mem(v0.Bytes()).ReadCID(0)
	if err != nil || !got.Equals(v0) || got.Version() != 0 {
		t.Fatalf("ReadCID(v0) = %s, %v", got, err)
	}
}

func TestWriteCID(t *testing.T) {
	a := blakeCID(0x71, 1) // 38 bytes
	if a.ByteLen() != 38 {
		t.Fatalf("blake2b-256 dag-cbor cid is %d bytes", a.ByteLen())
	}
	tests := []struct {
		name   string
		size   int
		off, n uint32
		num    kernel.ErrorNumber
	}{
		{"exact", 38, 0, 38, 0},
		{"larger buffer", 50, 2, 45, 0},
		{"too small", 50, 0, 37, kernel.BufferTooSmall},
		{"out of bounds first", 30, 0, 31, kernel.IllegalArgument},
		{"out of bounds though large enough", 40, 10, 38, kernel.IllegalArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := bytes.Repeat([]byte{0xee}, tt.size)
			n, err := mem(buf).WriteCID(tt.off, tt.n, a)
			wantErrNum(t, err, tt.num)
			if tt.num != 0 {
				if !bytes.Equal(buf, bytes.Repeat([]byte{0xee}, tt.size)) {
					t.Fatal("failed write changed memory")
				}
				return
			}
			if n != 38 || !bytes.Equal(buf[tt.off:tt.off+38], a.Bytes()) {
				t.Fatalf("wrote %d: %x", n, buf)
			}
			for _, x := range buf[tt.off+38:] {
				if x != 0xee {
					t.Fatal("bytes after the cid changed")
				}
			}
		})
	}
	_, err := mem(make([]byte, 10)).WriteCID(0, 10, cid.Undef)
	if err == nil || !kernel.IsFatal(err) {
		t.Fatalf("writing cid.Undef: %v", err)
	}
}

func TestReadAddress(t *testing.T) {
	id100, _ := address.NewIDAddress(100)
	h20 := bytes.Repeat([]byte{7}, 20)
	secp, _ := address.NewSecp256k1Address([]byte("pubkey"))
	bls48 := bytes.Repeat([]byte{8}, 48)
	f4, _ := address.NewDelegatedAddress(10, h20)
	big := binary.AppendUvarint([]byte{0}, 1<<63)
	maxNS := append(binary.AppendUvarint([]byte{4}, 1<<64-1), 1, 2)
	tests := []struct {
		name string
		in   []byte
		want []byte // canonical bytes; nil when invalid
	}{
		{"empty", nil, nil},
		{"protocol only", []byte{0}, nil},
		{"id", []byte{0, 0x64}, id100.Bytes()},
		{"id zero", []byte{0, 0}, []byte{0, 0}},
		{"id not minimal", []byte{0, 0xe4, 0x00}, nil},
		{"id trailing", []byte{0, 0x64, 0}, nil},
		{"id unterminated", []byte{0, 0x80}, nil},
		{"id 2^63", big, big},
		{"id lossy 10 bytes", append([]byte{0}, append(bytes.Repeat([]byte{0xff}, 9), 0x7f)...), binary.AppendUvarint([]byte{0}, 1<<64-1)},
		{"secp", secp.Bytes(), secp.Bytes()},
		{"secp short", append([]byte{1}, h20[:19]...), nil},
		{"actor", append([]byte{2}, h20...), append([]byte{2}, h20...)},
		{"actor long", append([]byte{2}, append(h20, 0)...), nil},
		{"bls", append([]byte{3}, bls48...), append([]byte{3}, bls48...)},
		{"bls short", append([]byte{3}, bls48[:47]...), nil},
		{"delegated", f4.Bytes(), f4.Bytes()},
		{"delegated empty subaddress", []byte{4, 10}, []byte{4, 10}},
		{"delegated 54", append([]byte{4, 10}, bytes.Repeat([]byte{1}, 54)...), append([]byte{4, 10}, bytes.Repeat([]byte{1}, 54)...)},
		{"delegated 55", append([]byte{4, 10}, bytes.Repeat([]byte{1}, 55)...), nil},
		{"delegated namespace not minimal", []byte{4, 0x8a, 0x00}, nil},
		{"delegated namespace u64 max", maxNS, maxNS},
		{"unknown protocol", []byte{5, 0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := append([]byte{0xaa}, tt.in...)
			got, err := mem(buf).ReadAddress(1, uint32(len(tt.in)))
			if tt.want == nil {
				wantErrNum(t, err, kernel.IllegalArgument)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), tt.want) {
				t.Fatalf("ReadAddress = %x, want %x", got.Bytes(), tt.want)
			}
			_ = fmt.Sprint(got) // fmt recovers go-address's panic on ids ≥ 2^63
			if got.Protocol() != tt.want[0] {
				t.Fatalf("protocol %d", got.Protocol())
			}
		})
	}
	_, err := mem([]byte{0, 1}).ReadAddress(1, 2)
	wantErrNum(t, err, kernel.IllegalArgument)
}

func TestAddressID(t *testing.T) {
	for _, id := range []uint64{0, 100, 1<<63 - 1, 1 << 63, 1<<64 - 1} {
		a, err := ParseAddress(binary.AppendUvarint([]byte{0}, id))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := AddressID(a)
		if !ok || got != id {
			t.Errorf("AddressID = %d, %v; want %d", got, ok, id)
		}
		if id < 1<<63 {
			if want, _ := address.NewIDAddress(id); a != want {
				t.Errorf("%d: %x != go-address %x", id, a.Bytes(), want.Bytes())
			}
		}
	}
	f4, err := ParseAddress(append(binary.AppendUvarint([]byte{4}, 1<<64-1), 1, 2))
	if err != nil {
		t.Fatal(err)
	}
	ns, sub, ok := DelegatedNamespace(f4)
	if !ok || ns != 1<<64-1 || !bytes.Equal(sub, []byte{1, 2}) {
		t.Errorf("DelegatedNamespace = %d %x %v", ns, sub, ok)
	}
	if _, ok := AddressID(f4); ok {
		t.Error("AddressID of f4")
	}
	if _, _, ok := DelegatedNamespace(address.Undef); ok {
		t.Error("DelegatedNamespace of Undef")
	}
}

// TestWazeroMemory runs the helpers over a real wazero memory of one page.
func TestWazeroMemory(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	// (module (memory (export "memory") 1))
	wasm := []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
		5, 3, 1, 0, 1,
		7, 10, 1, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0}
	mod, err := r.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	m := Memory{mod.ExportedMemory("memory")}
	const page = 65536
	a := blakeCID(0x55, 9)
	n, err := m.WriteCID(page-38, 38, a)
	if err != nil || n != 38 {
		t.Fatalf("WriteCID = %d, %v", n, err)
	}
	got, err := m.ReadCID(page - 38)
	if err != nil || !got.Equals(a) {
		t.Fatalf("ReadCID = %s, %v", got, err)
	}
	_, err = m.ReadCID(page - 37)
	wantErrNum(t, err, kernel.IllegalArgument)
	wantErrNum(t, m.CheckReturn(page-16, 16), 0)
	wantErrNum(t, m.CheckReturn(page-15, 16), kernel.IllegalArgument)
	_, err = m.TryBytes(page, 0)
	wantErrNum(t, err, 0)
	_, err = m.TryBytes(page+1, 0)
	wantErrNum(t, err, kernel.IllegalArgument)
	if _, ok := m.Grow(1); !ok {
		t.Fatal("grow failed")
	}
	wantErrNum(t, m.CheckReturn(page+1, 16), 0) // the current size counts
}

// FuzzReadCID checks that ReadCID never panics, that every error is
// IllegalArgument, and that accepted CIDs round-trip through WriteCID and
// ReadCID.
func FuzzReadCID(f *testing.F) {
	f.Add(blakeCID(0x71, 1).Bytes(), uint32(0))
	f.Add(append([]byte{0x12, 0x20}, make([]byte, 32)...), uint32(0))
	f.Add([]byte{1, 0x55, 0, 0}, uint32(1))
	f.Add([]byte{1, 0x55, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0}, uint32(0))
	f.Fuzz(func(t *testing.T, in []byte, off uint32) {
		m := mem(in)
		c, err := m.ReadCID(off)
		if err != nil {
			se, ok := kernel.AsSyscallError(err)
			if !ok || se.Num != kernel.IllegalArgument {
				t.Fatalf("ReadCID error %v", err)
			}
			return
		}
		out := mem(make([]byte, MaxCIDLen))
		n, err := out.WriteCID(0, MaxCIDLen, c)
		if err != nil {
			t.Fatalf("WriteCID(%s): %v", c, err)
		}
		back, err := out.ReadCID(0)
		if err != nil || !back.Equals(c) {
			t.Fatalf("%s does not round-trip: %v", c, err)
		}
		if _, err := out.WriteCID(0, n-1, c); err == nil {
			t.Fatal("WriteCID into a short buffer succeeded")
		}
	})
}
