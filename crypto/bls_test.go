package crypto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/filecoin-project/go-address"
)

// blsVectors come from filecoin-project/bls-signatures (tests/data.json, MIT/Apache-2.0), the
// library ref-fvm verifies with: message (its UTF-8 bytes are signed), private key (decimal),
// public key, signature, and the hash of the message to G2 under the Filecoin DST.
var blsVectors = []struct{ msg, sk, pk, sig, h2 string }{
	{msg: "", sk: "27539689655622540958679105641905086851274830069992722298279813327323206776590",
		pk:  "b2be11dc8e54ee74dbc07569fd74fe03b5f52ad71cd49a8579b6c6387891f5a20ad980ec2747618c1b9ad35846a68a3e",
		sig: "b53cfdf8b488a286df1ed20432e2bbc4e6361003757dfda3a4fd6cd98de95e5513f7c448d70b2681e14547a6ced47e7c10e28432e8abcb34de1dc28f39328fd2a13db12a4c6a30bd17b0e42881a429003e4c24583ba0f29a40fd836cf05e1a40",
		h2:  "a8aab303e33ed14f4a904004a92bd26ffc969c1d1e7d4b7f0c04150a73e1845a911e51a2b2d369d5cef06560c5ac9f5715c01566993d4469805df3e1f29b536481a832bf2751b6908faed6776d062d585521889232999d72b679d6e38bb5cfff"},
	{msg: "1234", sk: "49702461028268182420606074237888227477973439590128745083263225875180465421919",
		pk:  "981de2d88a80a2d7752ecda66443340a789ea62dd68dca6a3a8caf3b6c1e94248a8819a4f6ba554f50f5ccb8bc40e67c",
		sig: "84aa59cad078a34c3c1f876e924ee199cd8cf74857cebcad3037561964cfda50dce5f4d0709aa690dae7113b01a9c8c31557f5589c38eb720e86864ff0c4446fba21899d4cd0b2862ec395de1dfdb736bf38ca56d17019b257c5d4dd563bf5b7",
		h2:  "b9334dbb82be1f039467aa20acaaafe1af58273c3195e7119f30475bd4d43edf204675993e6a10501cca7efe9f2056070027c2fec911fabe0f1130a0f96c3db15b94f6fe625b75fd313818f572114efb07c76510ef4676af885af2ece2c14118"},
	{msg: "4fb3300556a1b2e3978f5da60cb0708b4d41385a6008976a88527d418d21cf9e", sk: "10137148177384684722183489239454536012581057454309712542449409651802267006317",
		pk:  "a31e3adf1fd542e00c8ae3d4dafea1133c09cd71723584b159cfb78ab5e1bad97f955b891f761c79fa8215b8c53addf7",
		sig: "8d4512fabe80f7fb68726794a86b2e20cd04b5787aecfbf43b02c8eb67e42b60b797eba0489c4eb1165e4391f31ee8600af43a3d57e6bfdbb950564916f6b1c57e4ef7fba312fd7db431aaec906fa38acefe90687d3755cb3d10b19901bd0074",
		h2:  "800e2875a9f3f174c00f25ea6c9fdb0d4ccd219681b61795a432bde29f388930c170a2a199777e3b1d182006eab5ffe5189fa608856664ba16cde43465778d5d2c5e967c7b14a84e039282746f5329dce8e422899221b5098067c2e3b7060162"},
	{msg: "a5c5307ab61fa939de5337f3624ae537dab99065dd89e18bdf9ca95304886d0490580dafece6f9a25c2c2fc61ba0f0195b73693d97757006f62602544545aafb", sk: "15629619397708369014075347506083077992408922777137732288863447988673834830671",
		pk:  "884d99448e1913ab4b2ad5d674dff868c2a0dfee9a5727b97045a6861ca2e25402610e03dc564e62de868a1d83e91589",
		sig: "aa28a8ed7618157c0a7c16889e33ba5fac0a277759bc7b3be4c6c41a8e235d9c58fae064752dd7978b0422ddc67687c6082ccf6f1f5d9161bb5f3396fd486979215a7846e7659442f7895a1770c5ace587ea2806370f211d3737ed8b710c037d",
		h2:  "aa031b3cc05cd15dec2c5e0765a9884fdc3bdec7355138d672f2412e7c5154d59c8fa75e41d7734329e11a207b04373d042d132139f59089535960224598c32ff0fbf5749ecbc7a1dea854ab5de7adc7851199d54f01b12ccd27ccd1e423e93f"},
	{msg: "c80c248a46961002769de328aded35cb81e5614556e99fc431c4c67bf8da29d9ecbb04cf9de8d07e555311c1015e571cf8ba8b18080120ba37a5e8", sk: "7259482862529509154861548751690846015422128668606167598229098569000487582832",
		pk:  "aa0176bb224d99781212f6f9e0ea4f9ccbb11f0cf4648541c0b76a829a4b7889fc5ec6a249a833a4cd699f6ff92c9c98",
		sig: "949145b1575d3d7d21c159fed588f879ea4544aaa9d8c1d2533b65251af370b118af71e7a58e3d4f6796e95c9daf72b805802e7c1a6dde1990fb9a9d7dc98bc2490618c1b0a553de9f800d91f877fb37ef72b0b52606d9a9e74ef377a838aa12",
		h2:  "97adc2229d1638dda2938a0b2cacef68c3afec5b52fbb244248767a3c638f98ae7dba1d1344b865a4ee24b5eb05827c312099a3903d45e45029d8a250efdaa0f6cdca11108d9099196d42423029b3d2b92c2d5010f8e6ac07b8d78ed558a07dd"},
}

func blsAddr(t testing.TB, pk []byte) address.Address {
	t.Helper()
	a, err := address.NewBLSAddress(pk)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// blsKey is a test signer built with gnark (independently of the code under test).
type blsKey struct {
	sk *big.Int
	pk [BLSPubLen]byte
}

func newBLSKey(sk int64) blsKey {
	s := big.NewInt(sk)
	s.Mul(s, big.NewInt(1_000_003)).Add(s, big.NewInt(0x5eed))
	_, _, g1, _ := bls12381.Generators()
	var p bls12381.G1Affine
	p.ScalarMultiplication(&g1, s)
	return blsKey{sk: s, pk: p.Bytes()}
}

func (k blsKey) sign(t testing.TB, msg []byte) bls12381.G2Affine {
	t.Helper()
	h, err := bls12381.HashToG2(msg, []byte(BLSDST))
	if err != nil {
		t.Fatal(err)
	}
	var s bls12381.G2Affine
	s.ScalarMultiplication(&h, k.sk)
	return s
}

func aggregate(sigs ...bls12381.G2Affine) [BLSSigLen]byte {
	var acc bls12381.G2Jac
	for i := range sigs {
		var j bls12381.G2Jac
		j.FromAffine(&sigs[i])
		acc.AddAssign(&j)
	}
	var a bls12381.G2Affine
	a.FromJacobian(&acc)
	return a.Bytes()
}

func TestBLSKnownAnswers(t *testing.T) {
	for i, v := range blsVectors {
		msg := []byte(v.msg)
		pk, sig := mustHex(t, v.pk), mustHex(t, v.sig)
		// The hash to G2 matches the library's.
		h, err := bls12381.HashToG2(msg, []byte(BLSDST))
		if err != nil {
			t.Fatal(err)
		}
		if hb := h.Bytes(); hex.EncodeToString(hb[:]) != v.h2 {
			t.Errorf("vector %d: hash to G2 %x", i, hb)
		}
		// The public key and signature follow from the private key.
		sk, _ := new(big.Int).SetString(v.sk, 10)
		k := blsKey{sk: sk}
		_, _, g1, _ := bls12381.Generators()
		var p bls12381.G1Affine
		p.ScalarMultiplication(&g1, sk)
		if pb := p.Bytes(); !bytes.Equal(pb[:], pk) {
			t.Errorf("vector %d: public key %x", i, pb)
		}
		s := k.sign(t, msg)
		if sb := s.Bytes(); !bytes.Equal(sb[:], sig) {
			t.Errorf("vector %d: signature %x", i, sb)
		}
		addr := blsAddr(t, pk)
		if ok, err := VerifySignature(SigTypeBLS, sig, addr, msg); !ok || err != nil {
			t.Errorf("vector %d: valid signature rejected (%v)", i, err)
		}
		if ok, _ := VerifySignature(SigTypeBLS, sig, addr, append(msg, 0)); ok {
			t.Errorf("vector %d: wrong message accepted", i)
		}
		other := blsVectors[(i+1)%len(blsVectors)]
		if ok, _ := VerifySignature(SigTypeBLS, sig, blsAddr(t, mustHex(t, other.pk)), msg); ok {
			t.Errorf("vector %d: wrong key accepted", i)
		}
		if ok, _ := VerifySignature(SigTypeBLS, mustHex(t, other.sig), addr, msg); ok {
			t.Errorf("vector %d: other signature accepted", i)
		}
	}
}

// notInSubgroupG1 returns a compressed G1 point that is on the curve but outside the
// prime-order subgroup.
func notInSubgroupG1(t testing.TB) [48]byte {
	t.Helper()
	for x := uint64(1); ; x++ {
		var p bls12381.G1Affine
		p.X.SetUint64(x)
		var y2 fp.Element
		y2.Square(&p.X).Mul(&y2, &p.X).Add(&y2, new(fp.Element).SetUint64(4))
		if p.Y.Sqrt(&y2) == nil {
			continue
		}
		if p.IsOnCurve() && !p.IsInSubGroup() {
			return p.Bytes() // gnark encodes without a subgroup check
		}
	}
}

// notInSubgroupG2 does the same in G2.
func notInSubgroupG2(t testing.TB) [96]byte {
	t.Helper()
	for x := uint64(1); ; x++ {
		var p bls12381.G2Affine
		p.X.A0.SetUint64(x)
		p.X.A1.SetUint64(1)
		var y2, b bls12381.E2
		b.A0.SetUint64(4)
		b.A1.SetUint64(4)
		y2.Square(&p.X).Mul(&y2, &p.X).Add(&y2, &b)
		if y2.Legendre() != 1 {
			continue
		}
		p.Y.Sqrt(&y2)
		if p.IsOnCurve() && !p.IsInSubGroup() {
			return p.Bytes()
		}
	}
}

func TestBLSDecodeRejects(t *testing.T) {
	v := blsVectors[1]
	pk, sig := mustHex(t, v.pk), mustHex(t, v.sig)
	badG1 := notInSubgroupG1(t)
	badG2 := notInSubgroupG2(t)
	inf48 := append([]byte{0xc0}, make([]byte, 47)...)
	inf96 := append([]byte{0xc0}, make([]byte, 95)...)
	with := func(b []byte, i int, v byte) []byte { c := bytes.Clone(b); c[i] = v; return c }
	p := fp.Modulus().Bytes() // 48 bytes, top bits clear
	keyCases := map[string][]byte{
		"empty":                   nil,
		"47 bytes":                pk[:47],
		"49 bytes":                append(bytes.Clone(pk), 0),
		"uncompressed flag":       with(pk, 0, pk[0]&0x7f),
		"infinity with sign":      with(inf48, 0, 0xe0),
		"infinity with junk":      with(inf48, 47, 1),
		"x = p":                   append([]byte{p[0] | 0x80}, p[1:]...),
		"x not on curve":          append([]byte{0x80}, append(make([]byte, 46), 2)...), // x=2: 12 is not a square? checked below
		"not in subgroup":         badG1[:],
		"all ones":                bytes.Repeat([]byte{0xff}, 48),
		"uncompressed infinity":   append([]byte{0x40}, make([]byte, 47)...),
		"compressed flag only x0": append([]byte{0x80}, make([]byte, 47)...),
	}
	for name, b := range keyCases {
		if _, err := DecodeBLSPublicKey(b); err == nil {
			t.Errorf("public key %s: decoded", name)
		}
	}
	sigCases := map[string][]byte{
		"empty":              nil,
		"95 bytes":           sig[:95],
		"97 bytes":           append(bytes.Clone(sig), 0),
		"uncompressed flag":  with(sig, 0, sig[0]&0x7f),
		"infinity with sign": with(inf96, 0, 0xe0),
		"infinity with junk": with(inf96, 95, 1),
		"not in subgroup":    badG2[:],
		"all ones":           bytes.Repeat([]byte{0xff}, 96),
	}
	for name, b := range sigCases {
		if _, err := DecodeBLSSignature(b); err == nil {
			t.Errorf("signature %s: decoded", name)
		}
	}
	// Infinity decodes (blstrs from_compressed accepts it) ...
	if _, err := DecodeBLSPublicKey(inf48); err != nil {
		t.Errorf("infinity key: %v", err)
	}
	if _, err := DecodeBLSSignature(inf96); err != nil {
		t.Errorf("infinity signature: %v", err)
	}
	// ... but never verifies.
	if ok, _ := VerifySignature(SigTypeBLS, inf96, blsAddr(t, inf48), nil); ok {
		t.Error("infinity key and signature verified")
	}
	if ok, _ := VerifySignature(SigTypeBLS, sig, blsAddr(t, inf48), []byte(v.msg)); ok {
		t.Error("infinity key verified")
	}
	if ok, _ := VerifySignature(SigTypeBLS, inf96, blsAddr(t, pk), []byte(v.msg)); ok {
		t.Error("infinity signature verified")
	}
	if ok, _ := VerifySignature(SigTypeBLS, badG2[:], blsAddr(t, pk), []byte(v.msg)); ok {
		t.Error("non-subgroup signature verified")
	}
	if ok, _ := VerifySignature(SigTypeBLS, sig, blsAddr(t, badG1[:]), []byte(v.msg)); ok {
		t.Error("non-subgroup key verified")
	}
}

// TestBLSSignFlag flips the sign bit: the negated signature is a valid point but does not verify.
func TestBLSSignFlag(t *testing.T) {
	v := blsVectors[2]
	sig := mustHex(t, v.sig)
	sig[0] ^= 0x20
	if _, err := DecodeBLSSignature(sig); err != nil {
		t.Fatalf("negated signature should decode: %v", err)
	}
	if ok, _ := VerifySignature(SigTypeBLS, sig, blsAddr(t, mustHex(t, v.pk)), []byte(v.msg)); ok {
		t.Fatal("negated signature verified")
	}
}

func TestVerifySignatureDispatch(t *testing.T) {
	v := blsVectors[0]
	blsA := blsAddr(t, mustHex(t, v.pk))
	key := testKey(t, 9)
	secpA, _ := address.NewSecp256k1Address(key.PubKey().SerializeUncompressed())
	msg := []byte("m")
	d, _ := Hash(HashBlake2b256, msg)
	secpSig := signSecp(t, key, d)
	idA, _ := address.NewIDAddress(5)
	actorA, _ := address.NewActorAddress([]byte("x"))
	f4, _ := address.NewDelegatedAddress(10, make([]byte, 20))

	if ok, err := VerifySignature(SigTypeSecp256k1, secpSig[:], secpA, msg); !ok || err != nil {
		t.Fatalf("secp: %v %v", ok, err)
	}
	// Type mismatches are plain failures.
	if ok, err := VerifySignature(SigTypeBLS, secpSig[:], secpA, msg); ok || err != nil {
		t.Fatalf("bls type, secp signer: %v %v", ok, err)
	}
	if ok, err := VerifySignature(SigTypeSecp256k1, mustHex(t, v.sig), blsA, []byte(v.msg)); ok || err != nil {
		t.Fatalf("secp type, bls signer: %v %v", ok, err)
	}
	// Non-key signers are IllegalArgument.
	for _, a := range []address.Address{idA, actorA, f4, address.Undef} {
		_, err := VerifySignature(SigTypeSecp256k1, secpSig[:], a, msg)
		if !errors.Is(err, ErrUnsupportedSigner) || !errors.Is(err, ErrIllegalArgument) {
			t.Errorf("signer %v: err %v", a, err)
		}
	}
	if _, err := VerifySignature(SigTypeDelegated, secpSig[:], secpA, msg); !errors.Is(err, ErrIllegalArgument) {
		t.Errorf("delegated type: err %v", err)
	}
	for _, st := range []uint32{0, 3, 4, 257, 258, 1 << 31} {
		if _, err := ParseSignatureType(st); !errors.Is(err, ErrIllegalArgument) {
			t.Errorf("sig type %d accepted", st)
		}
	}
	for _, st := range []uint32{1, 2} {
		if got, err := ParseSignatureType(st); err != nil || uint32(got) != st {
			t.Errorf("sig type %d: %v %v", st, got, err)
		}
	}
}

func TestBLSAggregate(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			keys := make([][BLSPubLen]byte, n)
			msgs := make([][]byte, n)
			sigs := make([]bls12381.G2Affine, n)
			for i := range n {
				k := newBLSKey(int64(i + 1))
				keys[i] = k.pk
				msgs[i] = []byte(fmt.Sprintf("message %d", i))
				sigs[i] = k.sign(t, msgs[i])
			}
			agg := aggregate(sigs...)
			ok, err := VerifyBLSAggregate(&agg, keys, msgs)
			if !ok || err != nil {
				t.Fatalf("valid aggregate rejected: %v", err)
			}
			// Swapped message order.
			if n > 1 {
				sw := append([][]byte(nil), msgs...)
				sw[0], sw[1] = sw[1], sw[0]
				if ok, _ := VerifyBLSAggregate(&agg, keys, sw); ok {
					t.Error("swapped messages accepted")
				}
			}
			// Missing one signature.
			if n > 1 {
				part := aggregate(sigs[1:]...)
				if ok, _ := VerifyBLSAggregate(&part, keys, msgs); ok {
					t.Error("partial aggregate accepted")
				}
			}
			// Duplicate message: both signers sign the same text.
			if n > 1 {
				dup := append([][]byte(nil), msgs...)
				dup[1] = dup[0]
				s1 := newBLSKey(2).sign(t, dup[1])
				ds := append([]bls12381.G2Affine(nil), sigs...)
				ds[1] = s1
				dagg := aggregate(ds...)
				if ok, _ := VerifyBLSAggregate(&dagg, keys, dup); ok {
					t.Error("duplicate messages accepted")
				}
			}
			// An infinity key among others.
			inf := keys
			inf = append([][BLSPubLen]byte(nil), inf...)
			inf[0] = [BLSPubLen]byte{0xc0}
			if ok, _ := VerifyBLSAggregate(&agg, inf, msgs); ok {
				t.Error("infinity key accepted")
			}
			bad := agg
			bad[0] &= 0x7f
			if ok, err := VerifyBLSAggregate(&bad, keys, msgs); ok || err != nil {
				t.Errorf("undecodable aggregate: %v %v", ok, err)
			}
		})
	}
}

func TestBLSAggregateEmptyAndMismatch(t *testing.T) {
	var junk [BLSSigLen]byte // not even a valid encoding
	if ok, err := VerifyBLSAggregate(&junk, nil, nil); !ok || err != nil {
		t.Fatalf("empty aggregate: %v %v", ok, err)
	}
	if _, err := VerifyBLSAggregate(&junk, make([][BLSPubLen]byte, 1), nil); !errors.Is(err, ErrIllegalArgument) {
		t.Fatalf("count mismatch: %v", err)
	}
}

func TestSplitBLSPlaintexts(t *testing.T) {
	buf := []byte("aabbbc")
	got, err := SplitBLSPlaintexts(buf, []uint32{2, 3, 1})
	if err != nil || string(got[0]) != "aa" || string(got[1]) != "bbb" || string(got[2]) != "c" {
		t.Fatalf("%q %v", got, err)
	}
	if got, err := SplitBLSPlaintexts(nil, []uint32{0, 0}); err != nil || len(got) != 2 {
		t.Fatalf("empty plaintexts: %v", err)
	}
	for _, lens := range [][]uint32{{2, 3}, {7}, {2, 3, 2}, {0xffffffff, 0xffffffff}} {
		if _, err := SplitBLSPlaintexts(buf, lens); !errors.Is(err, ErrIllegalArgument) {
			t.Errorf("lens %v: err %v", lens, err)
		}
	}
}
