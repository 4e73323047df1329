package kernel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"
)

// mhBytes returns a multihash with the given code and digest.
func mhBytes(code uint64, digest []byte) []byte {
	b := binary.AppendUvarint(nil, code)
	b = binary.AppendUvarint(b, uint64(len(digest)))
	return append(b, digest...)
}

// testCID returns a CIDv1 of codec with a multihash of code over digest.
func testCID(codec, code uint64, digest []byte) cid.Cid {
	return cid.NewCidV1(codec, mhBytes(code, digest))
}

// blakeCID returns a blake2b-256-shaped CID of codec (the digest is fake).
func blakeCID(codec uint64, fill byte) cid.Cid {
	return testCID(codec, MhBlake2b256, bytes.Repeat([]byte{fill}, 32))
}

// cborHead encodes a CBOR header with a minimal argument.
func cborHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 1<<8:
		return []byte{major<<5 | 24, byte(n)}
	case n < 1<<16:
		return binary.BigEndian.AppendUint16([]byte{major<<5 | 25}, uint16(n))
	default:
		return binary.BigEndian.AppendUint32([]byte{major<<5 | 26}, uint32(n))
	}
}

// cborLink encodes a DAG-CBOR link (tag 42) to the given binary CID.
func cborLink(cidBytes []byte) []byte {
	raw := append([]byte{0}, cidBytes...)
	b := append([]byte{0xd8, 0x2a}, cborHead(2, uint64(len(raw)))...)
	return append(b, raw...)
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

func wantErrNum(t *testing.T, err error, num ErrorNumber) {
	t.Helper()
	if num == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	se, ok := AsSyscallError(err)
	if !ok {
		t.Fatalf("error %v is not a syscall error, want %s", err, num)
	}
	if se.Num != num {
		t.Fatalf("error number %s (%s), want %s", se.Num, se.Msg, num)
	}
}

func TestNewBlock(t *testing.T) {
	a, b := blakeCID(CodecDagCBOR, 1), blakeCID(CodecRaw, 2)
	inner := cat(cborHead(4, 1), cborLink(b.Bytes()))
	identityDag := testCID(CodecDagCBOR, MhIdentity, inner)
	identityRaw := testCID(CodecRaw, MhIdentity, inner)
	commD := testCID(CodecFilCommitmentUnsealed, 0x1012, bytes.Repeat([]byte{3}, 32))
	sha := testCID(CodecDagCBOR, 0x12, bytes.Repeat([]byte{4}, 32))
	dagPB := blakeCID(0x70, 5)
	short := testCID(CodecDagCBOR, MhBlake2b256, bytes.Repeat([]byte{6}, 20))
	v0 := cid.NewCidV0(mhBytes(0x12, bytes.Repeat([]byte{7}, 32)))
	long := cat([]byte{1, 0x71}, mhBytes(MhBlake2b256, bytes.Repeat([]byte{8}, 65)))
	nonMinimal := cat([]byte{1, 0xf1, 0x00}, mhBytes(MhBlake2b256, bytes.Repeat([]byte{9}, 32)))
	// 10-byte varint for codec 0x71: the dropped high bits of the last byte
	// are the reference's quirk, so this parses as a DAG-CBOR link.
	lossy := cat([]byte{1, 0xf1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, mhBytes(MhBlake2b256, bytes.Repeat([]byte{10}, 32)))
	lossyCanon := blakeCID(CodecDagCBOR, 10)

	tests := []struct {
		name  string
		codec uint64
		data  []byte
		num   ErrorNumber
		links []cid.Cid
	}{
		{"raw anything", CodecRaw, []byte{0xff, 0xff}, 0, nil},
		{"cbor not scanned", CodecCBOR, []byte{0xff}, 0, nil},
		{"empty raw", CodecRaw, nil, 0, nil},
		{"dag-pb codec", 0x70, nil, IllegalCodec, nil},
		{"json codec", 0x0129, []byte("{}"), IllegalCodec, nil},
		{"dag-cbor empty", CodecDagCBOR, nil, Serialization, nil},
		{"dag-cbor int", CodecDagCBOR, []byte{0x01}, 0, nil},
		{"dag-cbor one link", CodecDagCBOR, cborLink(a.Bytes()), 0, []cid.Cid{a}},
		{"duplicates kept", CodecDagCBOR, cat(cborHead(4, 3), cborLink(a.Bytes()), cborLink(b.Bytes()), cborLink(a.Bytes())), 0, []cid.Cid{a, b, a}},
		{"map with link value", CodecDagCBOR, cat(cborHead(5, 1), cborHead(3, 1), []byte("k"), cborLink(b.Bytes())), 0, []cid.Cid{b}},
		{"other tag wraps", CodecDagCBOR, cat([]byte{0xc1}, cborLink(a.Bytes())), 0, []cid.Cid{a}},
		{"identity dag-cbor recursed", CodecDagCBOR, cborLink(identityDag.Bytes()), 0, []cid.Cid{b}},
		{"identity raw has no links", CodecDagCBOR, cborLink(identityRaw.Bytes()), 0, nil},
		{"commitment ignored", CodecDagCBOR, cborLink(commD.Bytes()), 0, nil},
		{"sha256 forbidden", CodecDagCBOR, cborLink(sha.Bytes()), NotFound, nil},
		{"dag-pb link forbidden", CodecDagCBOR, cborLink(dagPB.Bytes()), NotFound, nil},
		{"20-byte blake forbidden", CodecDagCBOR, cborLink(short.Bytes()), NotFound, nil},
		{"cidv0 link forbidden", CodecDagCBOR, cborLink(v0.Bytes()), NotFound, nil},
		{"digest over 64", CodecDagCBOR, cborLink(long), Serialization, nil},
		{"non-minimal varint", CodecDagCBOR, cborLink(nonMinimal), Serialization, nil},
		{"lossy 10-byte varint", CodecDagCBOR, cborLink(lossy), 0, []cid.Cid{lossyCanon}},
		{"trailing bytes", CodecDagCBOR, []byte{0x01, 0x02}, Serialization, nil},
		{"trailing after link", CodecDagCBOR, cat(cborLink(a.Bytes()), []byte{0}), Serialization, nil},
		{"cid trailing bytes", CodecDagCBOR, cborLink(cat(a.Bytes(), []byte{0})), Serialization, nil},
		{"link not bytes", CodecDagCBOR, []byte{0xd8, 0x2a, 0x61, 0x00}, Serialization, nil},
		{"link no 0x00 prefix", CodecDagCBOR, cat([]byte{0xd8, 0x2a}, cborHead(2, uint64(a.ByteLen())), a.Bytes()), Serialization, nil},
		{"link empty", CodecDagCBOR, []byte{0xd8, 0x2a, 0x40}, Serialization, nil},
		{"indefinite", CodecDagCBOR, []byte{0x9f, 0xff}, Serialization, nil},
		{"truncated string", CodecDagCBOR, []byte{0x43, 0x01}, Serialization, nil},
		{"truncated array", CodecDagCBOR, []byte{0x82, 0x01}, Serialization, nil},
		{"truncated header", CodecDagCBOR, []byte{0x19, 0x01}, Serialization, nil},
		{"huge array", CodecDagCBOR, []byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, Serialization, nil},
		{"array overflow", CodecDagCBOR, cat([]byte{0x82}, []byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), Serialization, nil},
		{"map overflow", CodecDagCBOR, []byte{0xbb, 0x80, 0, 0, 0, 0, 0, 0, 0}, Serialization, nil},
		{"non-minimal header ok", CodecDagCBOR, []byte{0x18, 0x01}, 0, nil},
		{"float ok", CodecDagCBOR, []byte{0xfb, 0, 0, 0, 0, 0, 0, 0, 0}, 0, nil},
		{"forbidden before malformed", CodecDagCBOR, cat(cborHead(4, 2), cborLink(sha.Bytes()), []byte{0x1f}), NotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blk, err := NewBlock(tt.codec, tt.data)
			wantErrNum(t, err, tt.num)
			if err != nil {
				return
			}
			if blk.Codec != tt.codec || !bytes.Equal(blk.Data, tt.data) {
				t.Errorf("block = %d %x", blk.Codec, blk.Data)
			}
			if blk.Links == nil {
				t.Error("links are nil")
			}
			if len(blk.Links) != len(tt.links) {
				t.Fatalf("links = %v, want %v", blk.Links, tt.links)
			}
			for i := range tt.links {
				if !blk.Links[i].Equals(tt.links[i]) {
					t.Errorf("link %d = %s, want %s", i, blk.Links[i], tt.links[i])
				}
			}
		})
	}
}

func TestScanMetering(t *testing.T) {
	a := blakeCID(CodecDagCBOR, 1)
	data := cat(cborHead(4, 2), cborLink(a.Bytes()), []byte{0x01})
	var fields, links int
	_, err := ScanBlockLinksMetered(CodecDagCBOR, data, func(link bool) error {
		if link {
			links++
		} else {
			fields++
		}
		return nil
	})
	// Array, tag and int are fields; the link's byte string is not.
	if err != nil || fields != 3 || links != 1 {
		t.Fatalf("fields %d links %d err %v; want 3 and 1", fields, links, err)
	}
	stop := errors.New("budget")
	n := 0
	_, err = ScanBlockLinksMetered(CodecDagCBOR, data, func(bool) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the charge error", err)
	}
	// Raw blocks are never charged.
	_, err = ScanBlockLinksMetered(CodecRaw, data, func(bool) error { return stop })
	if err != nil {
		t.Fatal(err)
	}
	_, err = ScanBlockLinks(0x70, nil)
	wantErrNum(t, err, IllegalCodec)
}

func TestParseCID(t *testing.T) {
	a := blakeCID(CodecDagCBOR, 1)
	v0 := cid.NewCidV0(mhBytes(0x12, bytes.Repeat([]byte{7}, 32)))
	tests := []struct {
		name string
		in   []byte
		want cid.Cid
		n    int
	}{
		{"v1", a.Bytes(), a, a.ByteLen()},
		{"v1 followed by junk", cat(a.Bytes(), []byte{1, 2, 3}), a, a.ByteLen()},
		{"v0", v0.Bytes(), v0, 34},
		{"identity empty digest", []byte{1, 0x55, 0, 0}, testCID(CodecRaw, 0, nil), 4},
		{"64-byte digest", cat([]byte{1, 0x55}, mhBytes(0x13, make([]byte, 64))), testCID(CodecRaw, 0x13, make([]byte, 64)), 68},
		{"empty", nil, cid.Undef, 0},
		{"explicit v0", cat([]byte{0, 0x70}, mhBytes(0x12, make([]byte, 32))), cid.Undef, 0},
		{"v2", cat([]byte{2, 0x55}, mhBytes(0x12, make([]byte, 32))), cid.Undef, 0},
		{"v0 truncated", v0.Bytes()[:33], cid.Undef, 0},
		{"digest truncated", a.Bytes()[:20], cid.Undef, 0},
		{"digest 65", cat([]byte{1, 0x55}, mhBytes(0x13, make([]byte, 65))), cid.Undef, 0},
		{"varint 11 bytes", cat([]byte{1}, bytes.Repeat([]byte{0x80}, 10), []byte{1}), cid.Undef, 0},
		{"varint not minimal", []byte{0x81, 0x00, 0x55, 0, 0}, cid.Undef, 0},
		{"varint unterminated", []byte{1, 0x80}, cid.Undef, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := ParseCID(tt.in)
			if !tt.want.Defined() {
				if err == nil || !errors.Is(err, ErrBadCID) {
					t.Fatalf("ParseCID = %s, %v; want an ErrBadCID", got, err)
				}
				return
			}
			if err != nil || !got.Equals(tt.want) || n != tt.n {
				t.Fatalf("ParseCID = %s, %d, %v; want %s, %d", got, n, err, tt.want, tt.n)
			}
		})
	}
}

func TestReadUvarint(t *testing.T) {
	tests := []struct {
		in   []byte
		want uint64
		n    int
		ok   bool
	}{
		{[]byte{0}, 0, 1, true},
		{[]byte{0x7f}, 127, 1, true},
		{[]byte{0x80, 0x01}, 128, 2, true},
		{[]byte{0x80, 0x00}, 0, 0, false},
		{append(bytes.Repeat([]byte{0xff}, 9), 0x01), 1<<64 - 1, 10, true},
		// Quirk: bits of a 10th byte above the lowest are dropped.
		{append(bytes.Repeat([]byte{0xff}, 9), 0x7f), 1<<64 - 1, 10, true},
		{append(bytes.Repeat([]byte{0x80}, 9), 0x02), 0, 10, true},
		{append(bytes.Repeat([]byte{0x80}, 9), 0x00), 0, 0, false},
		{bytes.Repeat([]byte{0x80}, 10), 0, 0, false},
		{nil, 0, 0, false},
	}
	for _, tt := range tests {
		v, n, err := ReadUvarint(tt.in)
		if (err == nil) != tt.ok || v != tt.want || n != tt.n {
			t.Errorf("ReadUvarint(%x) = %d, %d, %v; want %d, %d, ok=%v", tt.in, v, n, err, tt.want, tt.n, tt.ok)
		}
	}
}

func TestBlockRegistry(t *testing.T) {
	for _, v3 := range []bool{true, false} {
		r := NewBlockRegistry(v3Codecs(v3))
		for _, id := range []uint32{NoDataBlockID, FirstBlockID, 1 << 31, ^uint32(0)} {
			_, err := r.Get(id)
			wantErrNum(t, err, InvalidHandle)
			_, err = r.Stat(id)
			wantErrNum(t, err, InvalidHandle)
		}
		id, err := r.Put(&Block{Codec: CodecRaw, Data: []byte("abc")})
		if err != nil || id != FirstBlockID {
			t.Fatalf("first Put = %d, %v", id, err)
		}
		id, err = r.Put(&Block{Codec: CodecDagCBOR, Data: []byte{0x80}})
		if err != nil || id != 2 {
			t.Fatalf("second Put = %d, %v", id, err)
		}
		st, err := r.Stat(1)
		if err != nil || st != (BlockStat{Codec: CodecRaw, Size: 3}) {
			t.Fatalf("Stat(1) = %+v, %v", st, err)
		}
		b, err := r.Get(2)
		if err != nil || b.Codec != CodecDagCBOR {
			t.Fatalf("Get(2) = %+v, %v", b, err)
		}
		_, err = r.Get(3)
		wantErrNum(t, err, InvalidHandle)

		// v3 registries check the codec on every put; v4 ones do not.
		_, err = r.Put(&Block{Codec: 0x70})
		if v3 {
			wantErrNum(t, err, IllegalCodec)
		} else {
			wantErrNum(t, err, 0)
		}
	}
}

func TestBlockRegistryFull(t *testing.T) {
	r := NewBlockRegistry(v3Codecs(true))
	if r.max != MaxBlocks || MaxBlocks != 1<<31-1 {
		t.Fatalf("max = %d", r.max)
	}
	r.max = 2
	for i := 0; i < 2; i++ {
		if _, err := r.Put(&Block{Codec: CodecRaw}); err != nil {
			t.Fatal(err)
		}
	}
	if !r.IsFull() {
		t.Fatal("not full")
	}
	// Full is reported before the codec check.
	_, err := r.Put(&Block{Codec: 0x70})
	wantErrNum(t, err, LimitExceeded)
	_, err = r.PutReachable(&Block{Codec: CodecRaw})
	wantErrNum(t, err, LimitExceeded)
	_, err = r.PutCheckReachable(&Block{Codec: CodecRaw})
	wantErrNum(t, err, LimitExceeded)
}

func TestReachability(t *testing.T) {
	a, b := blakeCID(CodecDagCBOR, 1), blakeCID(CodecRaw, 2)
	r := NewBlockRegistry(nil)
	_, err := r.PutCheckReachable(&Block{Codec: CodecDagCBOR, Links: []cid.Cid{a}})
	wantErrNum(t, err, NotFound)
	if r.Len() != 0 {
		t.Fatal("failed put added a block")
	}
	if _, err := r.PutReachable(&Block{Codec: CodecDagCBOR, Links: []cid.Cid{a}}); err != nil {
		t.Fatal(err)
	}
	if !r.IsReachable(a) || r.IsReachable(b) {
		t.Fatal("reachability after PutReachable")
	}
	id, err := r.PutCheckReachable(&Block{Codec: CodecDagCBOR, Links: []cid.Cid{a}})
	if err != nil || id != 2 {
		t.Fatalf("PutCheckReachable = %d, %v", id, err)
	}
	r.MarkReachable(b)
	if !r.IsReachable(b) {
		t.Fatal("MarkReachable")
	}
}

// FuzzNewBlock checks that NewBlock never panics, that every error is a
// syscall error, and that accepted DAG-CBOR links are canonical,
// blake2b-256 CIDs of allowed codecs.
func FuzzNewBlock(f *testing.F) {
	a := blakeCID(CodecDagCBOR, 1)
	f.Add(uint64(CodecDagCBOR), cborLink(a.Bytes()))
	f.Add(uint64(CodecDagCBOR), cat(cborHead(4, 2), cborLink(a.Bytes()), cborLink(testCID(CodecDagCBOR, 0, cborLink(a.Bytes())).Bytes())))
	f.Add(uint64(CodecDagCBOR), []byte{0xa1, 0x61, 0x6b, 0x82, 0x01, 0xf6})
	f.Add(uint64(CodecRaw), []byte{1, 2, 3})
	f.Add(uint64(0x70), []byte{})
	f.Fuzz(func(t *testing.T, codec uint64, data []byte) {
		blk, err := NewBlock(codec, data)
		if err != nil {
			if _, ok := AsSyscallError(err); !ok {
				t.Fatalf("non-syscall error %v", err)
			}
			return
		}
		if !AllowedCodec(codec) || blk.Codec != codec || !bytes.Equal(blk.Data, data) {
			t.Fatalf("accepted codec %d", codec)
		}
		if codec != CodecDagCBOR && len(blk.Links) != 0 {
			t.Fatalf("links in a %d block", codec)
		}
		for _, l := range blk.Links {
			p := l.Prefix()
			if !AllowedCodec(p.Codec) || p.MhType != MhBlake2b256 || p.MhLength != 32 || p.Version != 1 {
				t.Fatalf("bad link %s", l)
			}
			back, n, err := ParseCID(l.Bytes())
			if err != nil || n != l.ByteLen() || !back.Equals(l) {
				t.Fatalf("link %s does not round-trip: %v", l, err)
			}
		}
	})
}

// FuzzParseCID checks that ParseCID never panics and that whatever it
// accepts re-encodes to a CID that parses back to itself, consuming exactly
// its encoding; and that canonical input round-trips byte for byte.
func FuzzParseCID(f *testing.F) {
	f.Add(blakeCID(CodecDagCBOR, 1).Bytes())
	f.Add(cid.NewCidV0(mhBytes(0x12, make([]byte, 32))).Bytes())
	f.Add([]byte{1, 0x55, 0, 0})
	f.Add(cat([]byte{1, 0x30, 0xfa, 0xfa, 0xc0, 0xbb, 0xfc, 0xb9, 0x91, 0xac, 0xd1, 0x31, 0x07}, make([]byte, 7)))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, n, err := ParseCID(in)
		if err != nil {
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("n = %d for %d bytes", n, len(in))
		}
		enc := c.Bytes()
		back, m, err := ParseCID(enc)
		if err != nil || m != len(enc) || !back.Equals(c) {
			t.Fatalf("%x does not round-trip: %v", enc, err)
		}
		if len(enc) > 100 {
			t.Fatalf("cid of %d bytes", len(enc))
		}
		// Only the lossy 10-byte varints (9 continuation bytes in a row)
		// change in re-encoding.
		if !bytes.Equal(enc, in[:n]) && !hasTenByteVarint(in[:n]) {
			t.Fatalf("canonical %x re-encoded as %x", in[:n], enc)
		}
	})
}

// hasTenByteVarint reports whether b has 9 bytes in a row with the
// continuation bit set, as only a 10-byte varint can.
func hasTenByteVarint(b []byte) bool {
	run := 0
	for _, x := range b {
		if x&0x80 == 0 {
			run = 0
			continue
		}
		if run++; run >= 9 {
			return true
		}
	}
	return false
}

// v3Codecs returns a v3 registry's codecs when v3 is set, nil (v4) otherwise.
func v3Codecs(v3 bool) []uint64 {
	if !v3 {
		return nil
	}
	return []uint64{CodecCBOR, CodecDagCBOR, CodecRaw}
}
