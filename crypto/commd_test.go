package crypto

import (
	"encoding/hex"
	"errors"
	"math/bits"
	"math/rand/v2"
	"testing"

	commp "github.com/filecoin-project/go-commp-utils/v2"
	"github.com/filecoin-project/go-commp-utils/v2/zerocomm"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/ipfs/go-cid"
)

func mustCid(t testing.TB, s string) cid.Cid {
	t.Helper()
	c, err := cid.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCommDMainnetSector is a real 32 GiB mainnet sector (f01392893, sector 139074) with ten deal
// pieces, as recorded by go-commp-utils' tests from `lotus-miner sectors status`: the kernel's
// own zero padding must fill the remaining 24 GiB to reach the sector's on-chain CommD.
func TestCommDMainnetSector(t *testing.T) {
	pieces := []abi.PieceInfo{
		{PieceCID: mustCid(t, "baga6ea4seaqknzm22isnhsxt2s4dnw45kfywmhenngqq3nc7jvecakoca6ksyhy"), Size: 256 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqnq6o5wuewdpviyoafno4rdpqnokz6ghvg2iyeyfbqxgcwdlj2egi"), Size: 1024 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqpixk4ifbkzato3huzycj6ty6gllqwanhdpsvxikawyl5bg2h44mq"), Size: 512 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqaxwe5dy6nt3ko5tngtmzvpqxqikw5mdwfjqgaxfwtzenc6bgzajq"), Size: 512 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqpy33nbesa4d6ot2ygeuy43y4t7amc4izt52mlotqenwcmn2kyaai"), Size: 1024 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqphvv4x2s2v7ykgc3ugs2kkltbdeg7icxstklkrgqvv72m2v3i2aa"), Size: 256 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqf5u55znk6jwhdsrhe37emzhmehiyvjxpsww274f6fiy3h4yctady"), Size: 512 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqa3qbabsbmvk5er6rhsjzt74beplzgulthamm22jue4zgqcuszofi"), Size: 1024 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqiekvf623muj6jpxg6vsqaikyw3r4ob5u7363z7zcaixqvfqsc2ji"), Size: 256 << 20},
		{PieceCID: mustCid(t, "baga6ea4seaqhsewv65z2d4m5o4vo65vl5o6z4bcegdvgnusvlt7rao44gro36pi"), Size: 512 << 20},
	}
	for _, proof := range []abi.RegisteredSealProof{abi.RegisteredSealProof_StackedDrg32GiBV1_1, abi.RegisteredSealProof_StackedDrg32GiBV1_1_Feat_SyntheticPoRep} {
		got, err := ComputeUnsealedSectorCID(V3, proof, pieces)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != "baga6ea4seaqiw3gbmstmexb7sqwkc5r23o3i7zcyx5kr76pfobpykes3af62kca" {
			t.Fatalf("proof %d: CommD %s", proof, got)
		}
	}
}

// TestZeroCommitments checks the zero-piece table against fvm_shared's first entry (128 bytes)
// and against go-commp-utils' table for every size it lists.
func TestZeroCommitments(t *testing.T) {
	z := zeroCommitments()
	if got := hex.EncodeToString(z[7][:]); got != "3731bb99ac689f66eef5973e4a94da188f4ddcae580724fc6f3fd60dfd488333" {
		t.Fatalf("128-byte zero commitment %s", got)
	}
	for i, c := range zerocomm.PieceComms {
		if z[i+7] != c {
			t.Fatalf("zero commitment of 2^%d bytes differs from go-commp-utils", i+7)
		}
	}
}

func TestCommDEmptySector(t *testing.T) {
	sizes := map[abi.RegisteredSealProof]uint64{
		abi.RegisteredSealProof_StackedDrg2KiBV1:    2 << 10,
		abi.RegisteredSealProof_StackedDrg8MiBV1_1:  8 << 20,
		abi.RegisteredSealProof_StackedDrg512MiBV1:  512 << 20,
		abi.RegisteredSealProof_StackedDrg32GiBV1_1: 32 << 30,
		abi.RegisteredSealProof_StackedDrg64GiBV1_1: 64 << 30,
	}
	for proof, size := range sizes {
		got, err := ComputeUnsealedSectorCID(V4, proof, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := zerocomm.ZeroPieceCommitment(abi.PaddedPieceSize(size).Unpadded())
		if got != want {
			t.Errorf("proof %d: empty CommD %s, want %s", proof, got, want)
		}
		// A sector holding a single zero piece of its own size is the same.
		one, err := ComputeUnsealedSectorCID(V4, proof, []abi.PieceInfo{{Size: abi.PaddedPieceSize(size), PieceCID: want}})
		if err != nil || one != want {
			t.Errorf("proof %d: full zero piece: %s %v", proof, one, err)
		}
	}
	// The widely published CommD of an empty 32 GiB sector.
	got, _ := ComputeUnsealedSectorCID(V3, abi.RegisteredSealProof_StackedDrg32GiBV1_1, nil)
	if got.String() != "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq" {
		t.Errorf("empty 32GiB CommD %s", got)
	}
}

func TestSealProofSectorSize(t *testing.T) {
	for p := abi.RegisteredSealProof(-2); p < 25; p++ {
		_, err3 := SealProofSectorSize(V3, p)
		_, err4 := SealProofSectorSize(V4, p)
		if (err3 == nil) != (p >= 0 && p <= 14) {
			t.Errorf("v3 proof %d: %v", p, err3)
		}
		if (err4 == nil) != (p >= 0 && p <= 19) {
			t.Errorf("v4 proof %d: %v", p, err4)
		}
		if err3 != nil && (!errors.Is(err3, ErrInvalidProofType) || !errors.Is(err3, ErrIllegalArgument)) {
			t.Errorf("v3 proof %d: err %v", p, err3)
		}
	}
	// NI-PoRep 32GiB exists only in v4.
	if _, err := ComputeUnsealedSectorCID(V3, abi.RegisteredSealProof_StackedDrg32GiBV1_2_Feat_NiPoRep, nil); err == nil {
		t.Error("v3 accepted an NI-PoRep proof type")
	}
	if _, err := ComputeUnsealedSectorCID(V4, abi.RegisteredSealProof_StackedDrg32GiBV1_2_Feat_NiPoRep, nil); err != nil {
		t.Errorf("v4 NI-PoRep: %v", err)
	}
}

func somePieceCID(i int) cid.Cid {
	var c [32]byte
	c[0] = byte(i)
	c[1] = byte(i >> 8)
	c[31] = 0x01
	return DataCommitmentToCID(c)
}

func TestCommDRejects(t *testing.T) {
	p2k := abi.RegisteredSealProof_StackedDrg2KiBV1_1
	pc := somePieceCID(1)
	sealed := cid.NewCidV1(0xf102, []byte{0x81, 0xe8, 0x02, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32})
	wrongHash := cid.NewCidV1(0xf101, []byte{0x12, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32})
	shortDigest := cid.NewCidV1(0xf101, []byte{0x92, 0x20, 4, 1, 2, 3, 4})
	many := make([]abi.PieceInfo, 17)
	for i := range many {
		many[i] = abi.PieceInfo{Size: 128, PieceCID: somePieceCID(i)}
	}
	cases := map[string][]abi.PieceInfo{
		"zero size":          {{Size: 0, PieceCID: pc}},
		"size 127":           {{Size: 127, PieceCID: pc}},
		"size 64":            {{Size: 64, PieceCID: pc}},
		"size 384":           {{Size: 384, PieceCID: pc}},
		"larger than sector": {{Size: 4096, PieceCID: pc}},
		"overflowing sector": {{Size: 1024, PieceCID: pc}, {Size: 2048, PieceCID: pc}},
		"after odd piece":    {{Size: 127, PieceCID: pc}, {Size: 128, PieceCID: pc}},
		"too many pieces":    many,
		"undefined cid":      {{Size: 128}},
		"sealed cid":         {{Size: 128, PieceCID: sealed}},
		"sha256 cid":         {{Size: 128, PieceCID: wrongHash}},
		"short digest":       {{Size: 128, PieceCID: shortDigest}},
		"huge":               {{Size: 1 << 63, PieceCID: pc}},
		"all ones":           {{Size: ^abi.PaddedPieceSize(0), PieceCID: pc}},
	}
	for name, pieces := range cases {
		_, err := ComputeUnsealedSectorCID(V4, p2k, pieces)
		if !errors.Is(err, ErrIllegalArgument) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	// Sixteen 128-byte pieces fill a 2 KiB sector exactly and are accepted.
	if _, err := ComputeUnsealedSectorCID(V4, p2k, many[:16]); err != nil {
		t.Errorf("16 pieces: %v", err)
	}
}

// TestCommDAgainstCommpUtils compares random valid layouts with go-commp-utils' independent
// aggregation, extended with zero subtrees to the full sector.
func TestCommDAgainstCommpUtils(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	proofs := []abi.RegisteredSealProof{
		abi.RegisteredSealProof_StackedDrg2KiBV1_1, abi.RegisteredSealProof_StackedDrg8MiBV1_1,
		abi.RegisteredSealProof_StackedDrg512MiBV1_1, abi.RegisteredSealProof_StackedDrg32GiBV1_1,
		abi.RegisteredSealProof_StackedDrg64GiBV1_1,
	}
	for iter := 0; iter < 300; iter++ {
		proof := proofs[rng.IntN(len(proofs))]
		ssize, _ := SealProofSectorSize(V4, proof)
		var pieces []abi.PieceInfo
		var used uint64
		for n := rng.IntN(8) + 1; n > 0; n-- {
			maxLog := bits.Len64(ssize) - 1
			size := uint64(1) << (7 + rng.IntN(maxLog-7+1))
			aligned := (used + size - 1) / size * size
			if aligned+size > ssize {
				break
			}
			pieces = append(pieces, abi.PieceInfo{Size: abi.PaddedPieceSize(size), PieceCID: somePieceCID(rng.IntN(1 << 16))})
			used = aligned + size
		}
		if len(pieces) == 0 {
			continue
		}
		got, err := ComputeUnsealedSectorCID(V4, proof, pieces)
		if err != nil {
			t.Fatalf("iter %d: %v (pieces %v)", iter, err, pieces)
		}
		agg, size, err := commp.PieceAggregateCommP(proof, pieces)
		if err != nil {
			t.Fatalf("iter %d: commp-utils: %v", iter, err)
		}
		comm, _ := PieceCommitmentFromCID(agg)
		for s := uint64(size); s < ssize; s *= 2 {
			z := zeroCommitments()[bits.TrailingZeros64(s)]
			comm = pieceHash(&comm, &z)
		}
		if want := DataCommitmentToCID(comm); got != want {
			t.Fatalf("iter %d: %s, commp-utils %s (pieces %v)", iter, got, want, pieces)
		}
	}
}

func TestFr32Sizes(t *testing.T) {
	for k := uint64(0); k < 40; k++ {
		p := uint64(128) << k
		if u := fr32Unpadded(p); u != p-p/128 {
			t.Errorf("unpadded(%d) = %d", p, u)
		}
		if q := fr32Padded(p - p/128); q != p {
			t.Errorf("padded(%d) = %d", p-p/128, q)
		}
	}
	// Quirk: one unpadded byte pads to one byte (a power of two) and is then refused by
	// zero padding, not by the power-of-two check.
	if fr32Padded(1) != 1 {
		t.Errorf("padded(1) = %d", fr32Padded(1))
	}
}

func TestDecodePieceInfos(t *testing.T) {
	// [[128, cid]] encoded by hand: array(1), array(2), uint 128, tag 42 bytes(0x00 ‖ cid).
	c := somePieceCID(3)
	enc := []byte{0x81, 0x82, 0x18, 0x80, 0xd8, 0x2a}
	cb := append([]byte{0}, c.Bytes()...)
	enc = append(enc, 0x58, byte(len(cb)))
	enc = append(enc, cb...)
	got, err := DecodePieceInfos(enc)
	if err != nil || len(got) != 1 || got[0].Size != 128 || got[0].PieceCID != c {
		t.Fatalf("%v %v", got, err)
	}
	bad := map[string][]byte{
		"empty":         nil,
		"trailing":      append(append([]byte(nil), enc...), 0),
		"map":           {0xa0},
		"short tuple":   {0x81, 0x81, 0x18, 0x80},
		"negative size": {0x81, 0x82, 0x20},
		"truncated":     enc[:len(enc)-1],
		"indefinite":    {0x9f, 0xff},
		"3-tuple":       append([]byte{0x81, 0x83, 0x18, 0x80, 0x00}, enc[4:]...),
		"wrong tag":     append([]byte{0x81, 0x82, 0x18, 0x80, 0xd8, 0x2b}, enc[6:]...),
		"no prefix":     {0x81, 0x82, 0x18, 0x80, 0xd8, 0x2a, 0x41, 0x01},
		"huge count":    {0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	}
	for name, b := range bad {
		if _, err := DecodePieceInfos(b); !errors.Is(err, ErrIllegalArgument) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if got, err := DecodePieceInfos([]byte{0x80}); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}
	// Quirk (reference decoder): non-minimal integers, lengths and tags are accepted, and
	// bytes after the CID inside its byte string are ignored.
	lenient := []byte{0x98, 0x01, 0x82, 0x1b, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xd9, 0x00, 0x2a}
	cb2 := append(append([]byte(nil), cb...), 0xde, 0xad)
	lenient = append(lenient, 0x59, 0x00, byte(len(cb2)))
	lenient = append(lenient, cb2...)
	got, err = DecodePieceInfos(lenient)
	if err != nil || len(got) != 1 || got[0].Size != 128 || got[0].PieceCID != c {
		t.Errorf("lenient encoding: %v %v", got, err)
	}
}
