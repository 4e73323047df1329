package crypto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Published vectors: FIPS 180-2 (SHA-256 "abc"), RFC 7693 appendix A (BLAKE2b-512 "abc"), the
// Keccak team's Keccak-256 (pre-NIST padding, as Ethereum), and the RIPEMD-160 authors' page
// (homes.esat.kuleuven.be/~bosselae/ripemd160.html).
var hashVectors = []struct {
	code uint64
	in   string
	want string
}{
	{HashSha2_256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{HashSha2_256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{HashSha2_256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	{HashBlake2b512, "abc", "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"},
	{HashBlake2b512, "", "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce"},
	{HashBlake2b256, "", "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"},
	{HashBlake2b256, "abc", "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"},
	{HashKeccak256, "", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
	{HashKeccak256, "abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"},
	{HashRipemd160, "", "9c1185a5c5e9fc54612808977ee8f548b2258d31"},
	{HashRipemd160, "abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"},
	{HashRipemd160, "message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36"},
	{HashRipemd160, strings.Repeat("1234567890", 8), "9b752e45573d4b39f4dbd3323cab82bf63326bfb"},
}

func TestHashKnownAnswers(t *testing.T) {
	for _, v := range hashVectors {
		got, err := Hash(v.code, []byte(v.in))
		if err != nil {
			t.Fatalf("hash %#x %q: %v", v.code, v.in, err)
		}
		if hex.EncodeToString(got) != v.want {
			t.Errorf("hash %#x %q = %x, want %s", v.code, v.in, got, v.want)
		}
	}
}

func TestHashSizes(t *testing.T) {
	want := map[uint64]int{HashSha2_256: 32, HashBlake2b256: 32, HashBlake2b512: 64, HashKeccak256: 32, HashRipemd160: 20}
	for code, size := range want {
		h, err := LookupHash(code)
		if err != nil || h.Size != size || len(h.Sum(nil)) != size {
			t.Errorf("hash %#x: size %d err %v, want %d", code, h.Size, err, size)
		}
	}
}

func TestHashUnsupported(t *testing.T) {
	// identity (0), sha2-512 (0x13), sha3-256 (0x16), blake2b-8 (0xb201), blake3 (0x1e), blake2s-256.
	for _, code := range []uint64{0, 0x13, 0x16, 0x14, 0xb201, 0xb21f, 0x1e, 0xb260, 1 << 63} {
		_, err := LookupHash(code)
		if !errors.Is(err, ErrUnsupportedHash) || !errors.Is(err, ErrIllegalArgument) {
			t.Errorf("code %#x: err %v, want unsupported + illegal argument", code, err)
		}
		if _, err := HashInto(code, nil, make([]byte, 64)); err == nil {
			t.Errorf("HashInto %#x: no error", code)
		}
	}
}

// TestHashIntoTruncation checks the syscall's copy semantics: min(buffer, digest) bytes are
// written and counted, the rest of a long buffer is untouched.
func TestHashIntoTruncation(t *testing.T) {
	full, _ := Hash(HashBlake2b512, []byte("abc"))
	for _, n := range []int{0, 1, 20, 32, 63, 64, 65, 100} {
		buf := bytes.Repeat([]byte{0xee}, n)
		got, err := HashInto(HashBlake2b512, []byte("abc"), buf)
		if err != nil {
			t.Fatal(err)
		}
		wantN := min(n, 64)
		if got != wantN || !bytes.Equal(buf[:wantN], full[:wantN]) {
			t.Errorf("len %d: wrote %d (%x), want %d", n, got, buf, wantN)
		}
		for _, b := range buf[wantN:] {
			if b != 0xee {
				t.Errorf("len %d: bytes past the digest were overwritten", n)
			}
		}
	}
}

// TestHashIntoOverlap: data and digest buffers may overlap in wasm memory.
func TestHashIntoOverlap(t *testing.T) {
	mem := []byte("abc" + strings.Repeat("\x00", 40))
	n, err := HashInto(HashSha2_256, mem[:3], mem[1:])
	if err != nil || n != 32 {
		t.Fatal(n, err)
	}
	want, _ := Hash(HashSha2_256, []byte("abc"))
	if !bytes.Equal(mem[1:33], want) {
		t.Fatalf("overlapping hash = %x", mem[1:33])
	}
}
