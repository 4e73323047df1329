package externs

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	gsbig "github.com/filecoin-project/go-state-types/big"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/go-fvm/go-fvm/crypto"
	"github.com/ipfs/go-cid"
)

// interopSigningBytes is the signing-bytes encoding of a block header produced by go-filecoin
// and checked by Lotus's TestInteropBH (chain/types/blockheader_test.go): an independent
// encoder's output for the header built by interopHeader.
const interopSigningBytes = "905501d04cb15021bf6bd003073d79e2238d4e61f1ad2281430102038200420a0b818205410c818200410781d82a5827000171a0e402202f84fef0d7cc2d7f9f00d22445f7bf7539fdd685fd9f284aa37f3822b57619cc430003e802d82a5827000171a0e402202f84fef0d7cc2d7f9f00d22445f7bf7539fdd685fd9f284aa37f3822b57619ccd82a5827000171a0e402202f84fef0d7cc2d7f9f00d22445f7bf7539fdd685fd9f284aa37f3822b57619ccd82a5827000171a0e402202f84fef0d7cc2d7f9f00d22445f7bf7539fdd685fd9f284aa37f3822b57619cc410001f60345003b9aca00"

func interopHeader(t testing.TB) *BlockHeader {
	t.Helper()
	miner, err := address.NewSecp256k1Address([]byte("address0"))
	if err != nil {
		t.Fatal(err)
	}
	mcid, err := cid.Parse("bafy2bzaceaxyj7xq27gc2747adjcirpxx52tt7owqx6z6kckun7tqivvoym4y")
	if err != nil {
		t.Fatal(err)
	}
	return &BlockHeader{
		Miner:                 miner,
		Ticket:                &Ticket{VRFProof: []byte{1, 2, 3}},
		ElectionProof:         &ElectionProof{WinCount: 0, VRFProof: []byte{0x0a, 0x0b}},
		BeaconEntries:         []BeaconEntry{{Round: 5, Data: []byte{0x0c}}},
		WinPoStProof:          []proof.PoStProof{{PoStProof: abi.RegisteredPoStProof_StackedDrgWinning2KiBV1, ProofBytes: []byte{7}}},
		Parents:               []cid.Cid{mcid},
		ParentWeight:          gsbig.NewInt(1000),
		Height:                2,
		ParentStateRoot:       mcid,
		ParentMessageReceipts: mcid,
		Messages:              mcid,
		BLSAggregate:          &gscrypto.Signature{},
		Timestamp:             1,
		BlockSig:              &gscrypto.Signature{Type: gscrypto.SigTypeBLS, Data: []byte{3}},
		ForkSignaling:         3,
		ParentBaseFee:         gsbig.NewInt(1000000000),
	}
}

func TestBlockHeaderInterop(t *testing.T) {
	h := interopHeader(t)
	sb, err := h.SigningBytes()
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(sb) != interopSigningBytes {
		t.Fatalf("signing bytes\n%x\nwant\n%s", sb, interopSigningBytes)
	}
	raw, _ := hex.DecodeString(interopSigningBytes)
	// The vector's BLS aggregate is a type-0 signature, which go-state-types (and so Lotus)
	// refuses to decode.
	if _, err := DecodeBlockHeader(raw); err == nil {
		t.Fatal("type-0 signature decoded")
	}
	h.BLSAggregate = &gscrypto.Signature{Type: gscrypto.SigTypeBLS, Data: []byte{9}}
	raw, _ = h.Bytes()
	d, err := DecodeBlockHeader(raw)
	if err != nil {
		t.Fatal(err)
	}
	again, err := d.Bytes()
	if err != nil || !bytes.Equal(again, raw) {
		t.Fatalf("round trip: %x %v", again, err)
	}
	// Quirk (Lotus): trailing bytes are ignored by the decoder.
	if _, err := DecodeBlockHeader(append(raw, 0xff, 0x00)); err != nil {
		t.Fatalf("trailing bytes: %v", err)
	}
}

func TestBlockHeaderDecodeRejects(t *testing.T) {
	raw, _ := hex.DecodeString(interopSigningBytes)
	cases := map[string][]byte{
		"empty":         nil,
		"truncated":     raw[:len(raw)-1],
		"15 fields":     append([]byte{0x8f}, raw[1:]...),
		"map":           {0xa0},
		"non-canonical": append([]byte{0x98, 0x10}, raw[1:]...),
	}
	for name, b := range cases {
		if _, err := DecodeBlockHeader(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// blsSigner signs with the Filecoin BLS ciphersuite using gnark directly.
type blsSigner struct {
	sk   *big.Int
	addr address.Address
}

func newBLSSigner(t testing.TB, seed int64) blsSigner {
	t.Helper()
	sk := big.NewInt(seed*7919 + 12345)
	_, _, g1, _ := bls12381.Generators()
	var pk bls12381.G1Affine
	pk.ScalarMultiplication(&g1, sk)
	b := pk.Bytes()
	a, err := address.NewBLSAddress(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return blsSigner{sk: sk, addr: a}
}

func (s blsSigner) sign(t testing.TB, h *BlockHeader) {
	t.Helper()
	msg, err := h.SigningBytes()
	if err != nil {
		t.Fatal(err)
	}
	p, err := bls12381.HashToG2(msg, []byte(crypto.BLSDST))
	if err != nil {
		t.Fatal(err)
	}
	var sig bls12381.G2Affine
	sig.ScalarMultiplication(&p, s.sk)
	b := sig.Bytes()
	h.BlockSig = &gscrypto.Signature{Type: gscrypto.SigTypeBLS, Data: b[:]}
}

type workers map[address.Address]address.Address

func (w workers) WorkerKeyAtLookback(_ context.Context, miner address.Address, _ abi.ChainEpoch) (address.Address, error) {
	k, ok := w[miner]
	if !ok {
		return address.Undef, errors.New("no such miner")
	}
	return k, nil
}

func testCid(t testing.TB, s string) cid.Cid {
	t.Helper()
	c, err := abi.CidBuilder.Sum([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func header(t testing.TB, miner address.Address, height abi.ChainEpoch, parents []cid.Cid, salt byte) *BlockHeader {
	t.Helper()
	root := testCid(t, "root")
	return &BlockHeader{
		Miner:                 miner,
		Ticket:                &Ticket{VRFProof: []byte{salt}},
		ElectionProof:         &ElectionProof{WinCount: 1, VRFProof: []byte{salt, 1}},
		Parents:               parents,
		ParentWeight:          gsbig.NewInt(100),
		Height:                height,
		ParentStateRoot:       root,
		ParentMessageReceipts: root,
		Messages:              testCid(t, string([]byte{'m', salt})),
		Timestamp:             uint64(height) * 30,
		ParentBaseFee:         gsbig.NewInt(100),
	}
}

func encode(t testing.TB, h *BlockHeader) []byte {
	t.Helper()
	b, err := h.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustCID(t testing.TB, h *BlockHeader) cid.Cid {
	t.Helper()
	c, err := h.CID()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConsensusFaults(t *testing.T) {
	ctx := context.Background()
	miner, _ := address.NewIDAddress(1000)
	other, _ := address.NewIDAddress(1001)
	worker := newBLSSigner(t, 1)
	stranger := newBLSSigner(t, 2)
	v := &ConsensusFaultVerifier{Workers: workers{miner: worker.addr, other: stranger.addr}, Epoch: 500}
	p1 := []cid.Cid{testCid(t, "p1")}
	p2 := []cid.Cid{testCid(t, "p2")}

	signed := func(h *BlockHeader, s blsSigner) *BlockHeader { s.sign(t, h); return h }

	// Double-fork: two different blocks at the same height.
	a := signed(header(t, miner, 100, p1, 1), worker)
	b := signed(header(t, miner, 100, p2, 2), worker)
	got, err := v.VerifyConsensusFault(ctx, encode(t, a), encode(t, b), nil)
	if err != nil || got.Type != FaultDoubleForkMining || got.Epoch != 100 || got.Target != miner {
		t.Fatalf("double fork: %+v %v", got, err)
	}
	if id, err := FaultTargetID(got); err != nil || id != 1000 {
		t.Fatalf("target id %d %v", id, err)
	}

	// Time-offset: same parents, different heights.
	c := signed(header(t, miner, 101, p1, 3), worker)
	got, _ = v.VerifyConsensusFault(ctx, encode(t, a), encode(t, c), nil)
	if got.Type != FaultTimeOffsetMining || got.Epoch != 101 {
		t.Fatalf("time offset: %+v", got)
	}

	// Parent grinding: A and C are siblings (same parents, height); B builds on C only.
	sib := header(t, other, 100, p1, 4)
	g := signed(header(t, miner, 101, []cid.Cid{mustCID(t, sib)}, 5), worker)
	got, _ = v.VerifyConsensusFault(ctx, encode(t, a), encode(t, g), encode(t, sib))
	if got.Type != FaultParentGrinding || got.Epoch != 101 {
		t.Fatalf("parent grinding: %+v", got)
	}
	// ... but not when B also includes A.
	g2 := signed(header(t, miner, 101, []cid.Cid{mustCID(t, sib), mustCID(t, a)}, 5), worker)
	got, _ = v.VerifyConsensusFault(ctx, encode(t, a), encode(t, g2), encode(t, sib))
	if got.Type != FaultNone {
		t.Fatalf("B includes A: %+v", got)
	}

	noFault := map[string][3][]byte{
		"same block":          {encode(t, a), encode(t, a), nil},
		"b before a":          {encode(t, c), encode(t, a), nil},
		"different miners":    {encode(t, a), encode(t, signed(header(t, other, 100, p2, 2), stranger)), nil},
		"unrelated heights":   {encode(t, a), encode(t, signed(header(t, miner, 105, p2, 6), worker)), nil},
		"wrong signer":        {encode(t, a), encode(t, signed(header(t, miner, 100, p2, 2), stranger)), nil},
		"unsigned":            {encode(t, a), encode(t, header(t, miner, 100, p2, 2)), nil},
		"undecodable first":   {[]byte{0x80}, encode(t, b), nil},
		"undecodable second":  {encode(t, a), []byte{0xff}, nil},
		"undecodable extra":   {encode(t, a), encode(t, b), []byte{0x01}},
		"unknown worker":      {encode(t, signed(header(t, address.TestAddress, 100, p1, 1), worker)), encode(t, signed(header(t, address.TestAddress, 100, p2, 2), worker)), nil},
		"re-signed same body": {encode(t, a), encode(t, signed(header(t, miner, 100, p1, 1), worker)), nil},
	}
	for name, in := range noFault {
		got, err := v.VerifyConsensusFault(ctx, in[0], in[1], in[2])
		if err != nil || got.Type != FaultNone {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}

	// Beyond finality from the current epoch: no fault.
	late := &ConsensusFaultVerifier{Workers: v.Workers, Epoch: 100 + ChainFinality + 1}
	if got, _ := late.VerifyConsensusFault(ctx, encode(t, a), encode(t, b), nil); got.Type != FaultNone {
		t.Errorf("beyond finality: %+v", got)
	}
	// Near an upgrade blackout: no fault; a negative blackout is ignored.
	black := &ConsensusFaultVerifier{Workers: v.Workers, Epoch: 500, NearUpgradeBlackouts: []abi.ChainEpoch{-1, 900}}
	if got, _ := black.VerifyConsensusFault(ctx, encode(t, a), encode(t, b), nil); got.Type != FaultNone {
		t.Errorf("near upgrade: %+v", got)
	}
	black.NearUpgradeBlackouts = []abi.ChainEpoch{-1, 1000}
	if got, _ := black.VerifyConsensusFault(ctx, encode(t, a), encode(t, b), nil); got.Type != FaultDoubleForkMining {
		t.Errorf("exactly finality away from an upgrade: %+v", got)
	}
}

// TestCidsEqualQuirk pins Lotus's order-ignoring parent comparison.
func TestCidsEqualQuirk(t *testing.T) {
	x, y := testCid(t, "x"), testCid(t, "y")
	if !cidsEqual([]cid.Cid{x, y}, []cid.Cid{y, x}) || !cidsEqual([]cid.Cid{x, y}, []cid.Cid{x, x}) {
		t.Fatal("order or duplicates mattered")
	}
	if cidsEqual([]cid.Cid{x, x}, []cid.Cid{x, y}) || cidsEqual([]cid.Cid{x}, []cid.Cid{x, x}) {
		t.Fatal("different sets compared equal")
	}
}

func TestFaultTargetIDRejectsNonID(t *testing.T) {
	if _, err := FaultTargetID(ConsensusFault{Target: address.TestAddress}); err == nil {
		t.Fatal("non-ID target accepted")
	}
}
