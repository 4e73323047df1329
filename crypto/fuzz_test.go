package crypto

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
)

// FuzzRecoverSecpPublicKey: recovery never panics, and a recovered key verifies the
// (normalised) signature with an independent verifier.
func FuzzRecoverSecpPublicKey(f *testing.F) {
	key := secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{3}, 32))
	digest := bytes.Repeat([]byte{9}, 32)
	c := ecdsa.SignCompact(key, digest, false)
	good := append(append([]byte(nil), c[1:]...), c[0]-27)
	f.Add(digest, good)
	f.Add(digest, make([]byte, 65))
	f.Add(make([]byte, 32), bytes.Repeat([]byte{0xff}, 65))
	f.Fuzz(func(t *testing.T, hash, sig []byte) {
		if len(hash) != 32 || len(sig) != 65 {
			return
		}
		pub, err := RecoverSecpPublicKey((*[32]byte)(hash), (*[65]byte)(sig))
		if err != nil {
			return
		}
		pk, err := secp256k1.ParsePubKey(pub[:])
		if err != nil {
			t.Fatalf("recovered an invalid key %x", pub)
		}
		var r, s secp256k1.ModNScalar
		r.SetByteSlice(sig[:32])
		s.SetByteSlice(sig[32:64])
		if !ecdsa.NewSignature(&r, &s).Verify(hash, pk) {
			t.Fatalf("recovered key does not verify")
		}
	})
}

// FuzzVerifySignature: verification of arbitrary bytes never panics nor errors for key
// signers.
func FuzzVerifySignature(f *testing.F) {
	v := blsVectors[1]
	pk, _ := hexDecode(v.pk)
	sig, _ := hexDecode(v.sig)
	blsA, _ := address.NewBLSAddress(pk)
	f.Add(uint8(2), sig, blsA.Bytes(), []byte(v.msg))
	f.Add(uint8(1), make([]byte, 65), address.TestAddress.Bytes(), []byte("m"))
	f.Fuzz(func(t *testing.T, st uint8, sig, addr, msg []byte) {
		a, err := address.NewFromBytes(addr)
		if err != nil {
			return
		}
		_, err = VerifySignature(SignatureType(st), sig, a, msg)
		p := a.Protocol()
		if err != nil && (p == address.SECP256K1 || p == address.BLS) && (st == 1 || st == 2) {
			t.Fatalf("error for a key signer: %v", err)
		}
		_ = VerifyDelegated(sig, msg, a)
	})
}

func hexDecode(s string) ([]byte, error) {
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range []byte(s[2*i : 2*i+2]) {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= c - '0'
			case c >= 'a' && c <= 'f':
				v |= c - 'a' + 10
			}
		}
		b[i] = v
	}
	return b, nil
}

// FuzzDecodeBLSPoints: decoding never panics, and whatever decodes re-encodes to the same
// bytes (the compressed encoding is canonical).
func FuzzDecodeBLSPoints(f *testing.F) {
	for _, v := range blsVectors {
		pk, _ := hexDecode(v.pk)
		sig, _ := hexDecode(v.sig)
		f.Add(append(pk, sig...))
	}
	f.Add(append([]byte{0xc0}, make([]byte, 143)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 48 {
			return
		}
		if p, err := DecodeBLSPublicKey(b[:48]); err == nil {
			if enc := p.Bytes(); !bytes.Equal(enc[:], b[:48]) {
				t.Fatalf("public key %x re-encodes as %x", b[:48], enc)
			}
		}
		if len(b) < 144 {
			return
		}
		if p, err := DecodeBLSSignature(b[48:144]); err == nil {
			if enc := p.Bytes(); !bytes.Equal(enc[:], b[48:144]) {
				t.Fatalf("signature %x re-encodes as %x", b[48:144], enc)
			}
		}
	})
}

// FuzzVerifyBLSAggregate: arbitrary aggregates, keys and plaintexts never panic.
func FuzzVerifyBLSAggregate(f *testing.F) {
	v := blsVectors[0]
	pk, _ := hexDecode(v.pk)
	sig, _ := hexDecode(v.sig)
	f.Add(sig, pk, []byte{0, 0, 0, 0}, []byte(v.msg))
	f.Fuzz(func(t *testing.T, sig, keys, lens, msgs []byte) {
		if len(sig) != BLSSigLen || len(keys)%BLSPubLen != 0 || len(keys) > 4*BLSPubLen {
			return
		}
		n := len(keys) / BLSPubLen
		if len(lens) != 4*n {
			return
		}
		ls := make([]uint32, n)
		for i := range ls {
			ls[i] = binary.LittleEndian.Uint32(lens[4*i:])
		}
		pts, err := SplitBLSPlaintexts(msgs, ls)
		if err != nil {
			return
		}
		ks := make([][BLSPubLen]byte, n)
		for i := range ks {
			copy(ks[i][:], keys[i*BLSPubLen:])
		}
		if _, err := VerifyBLSAggregate((*[BLSSigLen]byte)(sig), ks, pts); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDecodeSignature: the typed-signature decoder never panics and round-trips.
func FuzzDecodeSignature(f *testing.F) {
	f.Add([]byte{1, 2, 3}, true)
	f.Add([]byte{3}, false)
	f.Fuzz(func(t *testing.T, b []byte, delegated bool) {
		s, err := DecodeSignature(b, delegated)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Fatalf("round trip %x -> %x", b, s.Bytes())
		}
	})
}

// FuzzComputeUnsealedSectorCID: decoding piece infos and computing CommD from them never
// panics or hangs, for any proof type and sizes.
func FuzzComputeUnsealedSectorCID(f *testing.F) {
	c := somePieceCID(1)
	enc := []byte{0x81, 0x82, 0x18, 0x80, 0xd8, 0x2a}
	cb := append([]byte{0}, c.Bytes()...)
	enc = append(append(enc, 0x58, byte(len(cb))), cb...)
	f.Add(int64(5), enc, []byte{})
	f.Add(int64(8), []byte{0x80}, []byte{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, proof int64, cbor []byte, sizes []byte) {
		v := V3
		if proof&1 == 0 {
			v = V4
		}
		if pieces, err := DecodePieceInfos(cbor); err == nil {
			_, _ = ComputeUnsealedSectorCID(v, abi.RegisteredSealProof(proof), pieces)
		}
		// Raw sizes, including odd and huge ones.
		var pieces []abi.PieceInfo
		for i := 0; i+8 <= len(sizes) && i < 8*64; i += 8 {
			pieces = append(pieces, abi.PieceInfo{Size: abi.PaddedPieceSize(binary.BigEndian.Uint64(sizes[i:])), PieceCID: c})
		}
		_, _ = ComputeUnsealedSectorCID(v, abi.RegisteredSealProof(proof%20), pieces)
	})
}
